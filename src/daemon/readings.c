/* readings.c — a cache of last readings, an array kept sorted by device name and
 * searched by bisection: each result costs O(log N), not a scan of every device. */
#include <config.h>

#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "confdiff.h"
#include "keptread.h"
#include "poller.h"
#include "readings.h"
#include "xmem.h"

struct last {
	char *name;
	double last_poll;          /* wall clock of the last result */
	double last_values;        /* wall clock of the readings below (last answer) */
	char *error;               /* why the last poll failed, NULL if it answered */
	struct kept_readings values;
};

struct readings {
	struct last *v;
	size_t n, cap;
};

struct readings *readings_new(void)
{
	return xcalloc(1, sizeof(struct readings));
}

static void last_clear(struct last *l)
{
	free(l->name);
	free(l->error);
	kept_readings_free(&l->values);
}

void readings_free(struct readings *rc)
{
	if (!rc)
		return;
	for (size_t i = 0; i < rc->n; i++)
		last_clear(&rc->v[i]);
	free(rc->v);
	free(rc);
}

static int cmp_last(const void *key, const void *elem)
{
	return strcmp(key, ((const struct last *)elem)->name);
}

static struct last *find(const struct readings *rc, const char *name)
{
	return rc->n ? bsearch(name, rc->v, rc->n, sizeof(*rc->v), cmp_last) : NULL;
}

/* A new entry at its sorted place (a device not seen before: rare). */
static struct last *insert(struct readings *rc, const char *name)
{
	size_t lo = 0, hi = rc->n;
	struct last *l;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(rc->v[mid].name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	rc->v = xgrow(rc->v, &rc->cap, rc->n + 1, sizeof(*rc->v));
	memmove(&rc->v[lo + 1], &rc->v[lo], (rc->n - lo) * sizeof(*rc->v));
	rc->n++;
	l = &rc->v[lo];
	memset(l, 0, sizeof(*l));
	l->name = xstrdup(name);
	return l;
}

void readings_record(struct readings *rc, const struct poll_result *res)
{
	struct last *l = find(rc, res->dev->name);

	if (!l)
		l = insert(rc, res->dev->name);
	l->last_poll = res->time;
	if (l->error || res->error) {
		free(l->error);
		l->error = res->error ? xstrdup(res->error) : NULL;
	}
	if (!res->answered)
		return;
	/* The same device answers the same number of readings poll after poll: the buffers
	 * are reused, not allocated again. */
	kept_readings_set(&l->values, res->readings, res->n_readings);
	l->last_values = res->time;
}

void readings_reload(struct readings *rc, const struct confdiff *d)
{
	size_t kept = 0;

	for (size_t i = 0; i < rc->n; i++) {
		enum confdiff_change ch = confdiff_device(d, rc->v[i].name);

		if (ch == CONFDIFF_REMOVED || ch == CONFDIFF_CHANGED || ch == CONFDIFF_ADDED)
			last_clear(&rc->v[i]);
		else
			rc->v[kept++] = rc->v[i];
	}
	rc->n = kept;
}

/* ------------------------------------------------------------------ status section */

static const char *status_name(enum reading_status st)
{
	static const char *const names[] = { "ok", "invalid", "absent", "error" };

	return names[st];
}

static struct json_object *time_or_null(double t)
{
	return t > 0 ? json_object_new_double(t) : NULL;
}

static struct json_object *reading_json(const struct profile_metric *m, const struct kept_readings *k, size_t i)
{
	const struct kept_reading *r = &k->r[i];
	const char *instance = kept_reading_instance(k, i);

	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "metric", json_object_new_string(m->name));
	json_object_object_add(o, "status", json_object_new_string(status_name(r->status)));
	if (r->status == READING_OK && m->n_state_names > 0 && r->value >= 0 &&
	    r->value < (double)m->n_state_names)
		json_object_object_add(o, "state", json_object_new_string(m->state_names[(size_t)r->value]));
	else if (r->status == READING_OK && !isnan(r->value))
		json_object_object_add(o, "value", json_object_new_double(r->value));
	if (m->unit && m->unit[0])
		json_object_object_add(o, "unit", json_object_new_string(m->unit));
	/* A table metric: the sensor or phase that gave the value ("3 Entrée baie A"). */
	if (instance[0])
		json_object_object_add(o, "instance", json_object_new_string(instance));
	return o;
}

static char *address(const struct cfg_device *dev)
{
	switch (dev->protocol) {
	case PROTO_SNMP: return xasprintf("%s:%u", dev->snmp.host, dev->snmp.port);
	case PROTO_MODBUS_TCP: return xasprintf("%s:%u unit %u", dev->modbus.host, dev->modbus.port,
		dev->modbus.unit);
	case PROTO_MODBUS_RTU: return xasprintf("%s unit %u", dev->modbus.serial, dev->modbus.unit);
	default: return xstrdup(dev->sim.scenario ? dev->sim.scenario : "");
	}
}

static const char *contact_state(const struct device_status *st)
{
	if (!st || st->polls == 0)
		return st && st->unopened ? "unopened" : "waiting";
	if (st->unopened)
		return "unopened";
	if (st->lost)
		return "lost";
	return st->missed > 0 ? "silent" : "ok";
}

static void add_status(struct json_object *o, const struct device_status *st)
{
	json_object_object_add(o, "state", json_object_new_string(contact_state(st)));
	if (!st)
		return;
	json_object_object_add(o, "last_answer", time_or_null(st->last_answer));
	json_object_object_add(o, "missed", json_object_new_int64(st->missed));
	json_object_object_add(o, "polls", json_object_new_int64((int64_t)st->polls));
	json_object_object_add(o, "answers", json_object_new_int64((int64_t)st->answers));
}

static void add_readings(struct json_object *o, const struct cfg_device *dev, const struct last *l)
{
	struct json_object *a = json_object_new_array();

	if (l) {
		json_object_object_add(o, "last_poll", time_or_null(l->last_poll));
		json_object_object_add(o, "readings_time", time_or_null(l->last_values));
		if (l->error)
			json_object_object_add(o, "error", json_object_new_string(l->error));
		for (size_t i = 0; i < l->values.n && i < dev->profile->n_metrics; i++)
			json_object_array_add(a, reading_json(&dev->profile->metrics[i], &l->values, i));
	}
	json_object_object_add(o, "readings", a);
}

struct json_object *readings_devices_json(const struct readings *rc, const struct config *cfg,
	const struct poller *p)
{
	struct json_object *arr = json_object_new_array();

	for (size_t i = 0; i < cfg->n_devices; i++) {
		const struct cfg_device *dev = &cfg->devices[i];
		struct json_object *o = json_object_new_object();
		char *addr = address(dev);

		json_object_object_add(o, "name", json_object_new_string(dev->name));
		json_object_object_add(o, "kind", json_object_new_string(device_kind_name(dev->profile->kind)));
		json_object_object_add(o, "profile", json_object_new_string(dev->profile->name));
		json_object_object_add(o, "protocol", json_object_new_string(protocol_name(dev->protocol)));
		json_object_object_add(o, "address", json_object_new_string(addr));
		json_object_object_add(o, "interval", json_object_new_int64(dev->interval_s));
		add_status(o, p ? poller_status(p, i) : NULL);
		add_readings(o, dev, find(rc, dev->name));
		json_object_array_add(arr, o);
		free(addr);
	}
	return arr;
}
