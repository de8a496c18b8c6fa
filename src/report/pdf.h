/* pdf.h — the report as a PDF document, drawn in-process with cairo and pango (already
 * loaded through librrd): A4 portrait, the content of the HTML form, graphs at print
 * resolution, fonts embedded, document metadata. */
#ifndef PDF_H
#define PDF_H

#include <stdio.h>

#include "audit.h"
#include "docinfo.h"

/* Writes the whole document; doc (may be NULL) gives the date of issue, the issuer and
 * what could not be read. 0, or -1 when cairo or the write failed. */
int pdf_write(FILE *out, const struct audit *a, const struct docinfo *doc);

#endif
