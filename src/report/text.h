/* text.h — the report as plain text in French, for the body of a mail. */
#ifndef TEXT_H
#define TEXT_H

#include <stdio.h>

#include "audit.h"
#include "docinfo.h"

/* Writes the whole report; doc (may be NULL) gives its date of issue, issuer and what
 * could not be read. 0, or -1 on a write error. */
int text_write(FILE *out, const struct audit *a, const struct docinfo *doc);
/* "Issued on 02/12/2026 11:30 by envmond 0.1.0 on host", translated, into buf. */
char *text_issuer(char *buf, size_t size, const struct docinfo *doc);

/* The verdict rule of verdict.h in words, for readers (translated). */
const char *text_method(void);

#endif
