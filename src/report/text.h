/* text.h — the report as plain text in French, for the body of a mail. */
#ifndef TEXT_H
#define TEXT_H

#include <stdio.h>

#include "audit.h"

/* Writes the whole report. 0, or -1 on a write error. */
int text_write(FILE *out, const struct audit *a);

/* The verdict rule of verdict.h in words, for readers (translated). */
const char *text_method(void);

#endif
