/* insttext.h — the instances of a row (instances.h) as plain text for the writers, in
 * the report's language: their names with the device's labels, the sentence naming the
 * worst, each one's figures (escape them for HTML and PDF). */
#ifndef INSTTEXT_H
#define INSTTEXT_H

#include <stddef.h>

#include "auditdata.h"

/* An instance for people, in the report's language: "sensor 3 “Inlet rack A”", "phase 2"
 * (its label is device text: control characters and invalid UTF-8 removed). Free it. */
char *insttext_name(const struct audit_row *r, const struct audit_instance *i);
/* The heading of the instances' column: "sensor" or "phase". */
const char *insttext_heading(const struct audit_row *r);
/* The caption of the instances' figures: "per sensor" or "per phase". */
const char *insttext_title(const struct audit_row *r);
/* The worst instance in a sentence, "hottest: sensor 3 “Inlet rack A”, 31.2 °C max";
 * NULL when r has no instances or none was measured. Free it. */
char *insttext_worst(const struct audit_row *r);

/* The figures of one instance as text, in the columns of insttext_columns. */
#define INSTTEXT_COLS 5
#define INSTTEXT_CELL_MAX 128
struct insttext_line {
	char *name;                                /* insttext_name */
	char cell[INSTTEXT_COLS][INSTTEXT_CELL_MAX];
};
/* The column titles after the name's (translated): minimum, mean, maximum, time outside
 * the recommended and the allowable envelopes. */
void insttext_columns(const char *out[INSTTEXT_COLS]);
/* Instance k of r as text; free line->name. */
void insttext_line(const struct audit_row *r, size_t k, struct insttext_line *line);

#endif
