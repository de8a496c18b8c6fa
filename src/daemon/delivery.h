/* delivery.h — the alert module's journal records and notifications (part of alert.c's
 * module, see alertint.h): a decision is journaled, then offered to the sink until taken. */
#ifndef DELIVERY_H
#define DELIVERY_H

#include "alertint.h"

/* A JSON number, or NULL (absent) for NAN. */
struct json_object *delivery_num(double v);
/* A JSON string, or NULL (absent) for NULL. */
struct json_object *delivery_str(const char *s);
/* The journal record of type for c now (doc/journal.md), e the verdict or NULL. */
struct json_object *delivery_record(const struct alert *a, const struct cond *c, const char *type,
	const struct eval *e, double now);
/* The i < n whose name(i) is s, or -1. */
int delivery_lookup_name(const char *s, const char *(*name)(int), int n);
/* severity_name() for delivery_lookup_name. */
const char *delivery_sev_name_i(int i);
/* Writes the records the journal refused earlier (disk full), in order. */
void delivery_flush_unwritten(struct alert *a);
/* Adds notice kind to rec, journals it and offers it unless silenced. */
void delivery_decide(struct alert *a, struct cond *c, struct json_object *rec, enum notif_kind kind, double now);
/* Journals rec, which notifies no one. */
void delivery_journal_only(struct alert *a, struct json_object *rec);

/* alert_retry(): offers the pending notifications again; the number still pending. */
size_t delivery_retry(struct alert *a);

#endif
