/* pdfinst.h — the instances of a row (a probe's sensors, a UPS's phases) in the PDF: a
 * table of each one's figures, the worst one's line in bold. Labels are device text,
 * drawn as they are: never read as pango markup. */
#ifndef PDFINST_H
#define PDFINST_H

#include "auditdata.h"
#include "pdfdoc.h"

/* Draws the table of r's instances; nothing when r has none. */
void pdfinst_table(struct pdfdoc *d, const struct audit_row *r);

#endif
