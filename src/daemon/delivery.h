/* delivery.h — part of the alert module (alert.c), delivery. */
#ifndef DELIVERY_H
#define DELIVERY_H

#include "alertint.h"

struct json_object *delivery_num(double v);
struct json_object *delivery_str(const char *s);
struct json_object *delivery_record(const struct cond *c, const char *type, const struct eval *e, double now);
int delivery_lookup_name(const char *s, const char *(*name)(int), int n);
/* severity_name() for delivery_lookup_name. */
const char *delivery_sev_name_i(int i);
void delivery_flush_unwritten(struct alert *a);
void delivery_decide(struct alert *a, struct cond *c, struct json_object *rec, enum notif_kind kind, double now);
void delivery_journal_only(struct alert *a, struct json_object *rec);

/* alert_retry(): offers the pending notifications again; the number still pending. */
size_t delivery_retry(struct alert *a);

#endif
