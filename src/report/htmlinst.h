/* htmlinst.h — the instances of a row (a probe's sensors, a UPS's phases) on the
 * report's HTML page: the worst named after the verdict's reason, and a table of each
 * one's figures. Labels are device text: escaped like everything else. */
#ifndef HTMLINST_H
#define HTMLINST_H

#include <stdio.h>

#include "auditdata.h"

/* " — hottest: sensor 3 “Inlet rack A”, 31.2 °C max", escaped; nothing when r has no
 * instances. */
void htmlinst_worst(FILE *out, const struct audit_row *r);
/* The table of r's instances (the worst one's line in bold); nothing when r has none. */
void htmlinst_table(FILE *out, const struct audit_row *r);

#endif
