/* describe.h — the French sentences of the report shared by its text and HTML forms:
 * labels of roles and criteria, envelopes, and the evidence of one row as facts. */
#ifndef DESCRIBE_H
#define DESCRIBE_H

#include <stddef.h>

#include "audit.h"

#define DESCRIBE_VALUE_MAX 256

/* One line of evidence: a label and its value, plain text (escape it for HTML). */
struct fact {
	const char *label;
	char value[DESCRIBE_VALUE_MAX];
};

#define DESCRIBE_MAX_FACTS 12

/* The evidence of row r: figures, envelopes, worst day, incidents, transfers,
 * coverage. Returns the number of facts written to f (at most DESCRIBE_MAX_FACTS). */
size_t describe_row(const struct audit *a, const struct audit_row *r, struct fact *f);

/* The criterion of row r for people, translated: "air inlet temperature measured by
 * the server" for a server's own BMC, criterion_label otherwise. */
const char *describe_crit(const struct audit_row *r);
/* The role of a server for people ("criminal-procedure digitization server"), translated. */
const char *describe_role(enum server_role role);
/* A value of criterion c with its unit in French ("27,3 °C", "12 min"). */
char *describe_value(char *buf, size_t size, enum criterion c, double v);
/* An envelope "18,0 – 27,0 °C", "≤ 60,0 %HR", "≥ 10 min". */
char *describe_envelope(char *buf, size_t size, enum criterion c, double lo, double hi);
/* The static findings of a server, as sentences; returns how many (at most 4). */
size_t describe_findings(unsigned findings, const char *out[4]);
/* Severity in French ("critique"). */
const char *describe_severity(enum severity sev);

#endif
