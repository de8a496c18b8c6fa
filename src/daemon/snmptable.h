/* snmptable.h — SNMP tables: the walk of a profile's table columns (GETBULK on v2c/v3,
 * GETNEXT on v1) as a state machine the driver feeds with answers, the choice of the
 * rows that are instances (select column, label pattern), and the aggregate of the
 * instances' readings. No I/O here: snmpdrv.c sends the PDUs. */
#ifndef SNMPTABLE_H
#define SNMPTABLE_H

#include <stdbool.h>
#include <stddef.h>

#include "snmpdec.h"

/* Rows kept per column, and sub-identifiers of a row index. */
#define SNMPTABLE_MAX_ROWS 128
#define SNMPTABLE_INDEX_MAX 16
/* Repetitions asked per GETBULK. */
#define SNMPTABLE_BULK_REPS 16

struct snmptable_walk;

/* A row of a table metric kept as an instance. */
struct snmptable_instance {
	size_t metric;                   /* index in the profile's metrics */
	oid sub[SNMPTABLE_INDEX_MAX];    /* the row index: the OID after the column */
	size_t sub_len;
	char index[32];                  /* sub as text ("2", "1.1") */
	char parent[32];                 /* the index of its label and status cells (the
	                                  * table's parent_index_len), else index */
	char label[READING_INSTANCE_MAX];
	bool fahrenheit;                 /* unit_oid says this row's value is in °F */
	bool from_fallback;              /* the row was found in the fallback column */
};

/* True if prof has a table metric. */
bool snmptable_any(const struct profile *prof);

/* A walk of every column prof's table metrics need (value, fallback, select, labels),
 * each column once. bulk: GETBULK (v2c, v3), else GETNEXT (v1). */
struct snmptable_walk *snmptable_walk_new(const struct profile *prof, bool bulk);
void snmptable_walk_free(struct snmptable_walk *w);
/* The next request, or NULL when every column is walked (or the walk failed). */
netsnmp_pdu *snmptable_walk_pdu(struct snmptable_walk *w);
/* Feeds the answer to the last request (a response PDU). */
void snmptable_walk_answer(struct snmptable_walk *w, const netsnmp_pdu *pdu);
/* The last request got no answer: the walk failed. */
void snmptable_walk_fail(struct snmptable_walk *w);
bool snmptable_walk_failed(const struct snmptable_walk *w);
/* Requests sent, for the log. */
unsigned snmptable_walk_requests(const struct snmptable_walk *w);

/* The instances of prof's table metrics found by a finished walk, in metric order
 * then row order; *out is a new array (free it). A metric's rows are those of its
 * value column, or of its fallback column when the value column has none; a row is
 * kept when its select column holds one of select_values and its label matches
 * select_pattern; then, when some kept rows have a label column matching one of
 * prefer_patterns, only those stay. candidates (NULL, or one per metric of prof):
 * the rows kept before prefer_patterns, for the log. */
size_t snmptable_select(const struct snmptable_walk *w, const struct profile *prof,
	struct snmptable_instance **out, size_t *candidates);

/* True if vb, the answer to a GET of a row's select column (select_each_poll), still
 * keeps the row (select_values, select_text); an exception does not. */
bool snmptable_varbind_selected(const struct profile_table *t, const netsnmp_variable_list *vb);

/* The value a table metric gives the rules from its n instances' readings (only
 * those of metric are looked at): the largest (AGG_MAX), smallest (AGG_MIN) or first
 * good one, its instance named in out->instance. No good reading: the reading of
 * fallback (the metric's fallback_metric, NULL if none) when it is good or when the
 * table has no row, else the first invalid one (an offline sensor), else the first
 * error, else absent. */
void snmptable_aggregate(const struct profile_metric *m, size_t metric, const struct instance_reading *inst,
	size_t n, const struct reading *fallback, struct reading *out);

/* Device text made safe for logs, mail and terminals: control characters and DEL
 * become '?', trailing blanks and NULs go, at most size - 1 bytes are kept (cut on
 * a UTF-8 character boundary). */
void snmptable_clean_label(const unsigned char *text, size_t len, char *out, size_t size);

#endif
