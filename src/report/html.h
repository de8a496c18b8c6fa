/* html.h — the report as one self-contained HTML page in French: graphs embedded as
 * PNG data URIs, a print stylesheet (A4, one page per server). */
#ifndef HTML_H
#define HTML_H

#include <stdio.h>

#include "audit.h"
#include "docinfo.h"
#include "htmlesc.h"

/* Writes the whole page; doc (may be NULL) gives the date of issue, the issuer and what
 * could not be read. 0, or -1 on a write error. */
int html_write(FILE *out, const struct audit *a, const struct docinfo *doc);

#endif
