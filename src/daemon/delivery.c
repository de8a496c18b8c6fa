/* delivery.c — the journal records of decisions, written (fsync) before the notification
 * is offered to the sink (the spool), and the notifications rebuilt from them, offered
 * again until the sink accepts them. */
#include <config.h>

#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "alertint.h"
#include "clock.h"
#include "silence.h"
#include "journal.h"
#include "jget.h"
#include "jrec.h"
#include "log.h"
#include "xmem.h"
#include "conds.h"
#include "delivery.h"

/* ------------------------------------------------------------------ records */

struct json_object *delivery_num(double v)
{
	/* JSON has no NaN: an unknown number is null. */
	return isnan(v) ? NULL : json_object_new_double(v);
}

struct json_object *delivery_str(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}

static const char *cond_unit(enum criterion crit)
{
	const struct metric_def *m = crit == CRIT_CONTACT ? NULL : metric_lookup(criterion_name(crit));

	return m ? m->unit : "";
}

/* Beside a rack's thermal incident, each server's own BMC reading, last known (the
 * probes stay the reference: DESIGN.md §5, issue 15). */
static void server_inlet(const struct alert *a, const struct cond *c, const struct cfg_server *s,
	struct jrec_server *out)
{
	const struct devinfo *di;

	if (!c->rack || !s->inlet || c->crit > CRIT_TEMP_RATE_15MIN)
		return;
	di = &a->devs[conds_device_index(a->cfg, s->inlet)];
	out->has_inlet = di->seen && isfinite(di->d.temperature);
	out->inlet_c = di->d.temperature;
}

/* The servers of the incident: those out of spec during it, or all when none was (a
 * device's contact); their strings stay the configuration's. */
static size_t incident_servers(const struct alert *a, const struct cond *c, struct jrec_server *out)
{
	bool any = false;
	size_t n = 0;

	for (size_t i = 0; i < c->n_servers; i++)
		any = any || c->hit[i];
	for (size_t i = 0; i < c->n_servers; i++) {
		if (any && !c->hit[i])
			continue;
		out[n] = (struct jrec_server){ c->servers[i]->name, role_name(c->servers[i]->role),
			c->servers[i]->rack ? c->servers[i]->rack->name : NULL };
		server_inlet(a, c, c->servers[i], &out[n++]);
	}
	return n;
}

static enum jrec_type record_type(const char *type)
{
	for (int i = 0; i < JREC_TYPE_COUNT; i++)
		if (strcmp(jrec_type_name((enum jrec_type)i), type) == 0)
			return (enum jrec_type)i;
	assert(!"an incident record type jrec.c does not know");
	return JREC_OPEN;
}

/* A journal record with every fact of the incident as it stands, through the journal's
 * one encoder (jrec.c); the caller adds what only its type carries. */
struct json_object *delivery_record(const struct alert *a, const struct cond *c, const char *type,
	const struct eval *e, double now)
{
	struct jrec r;
	struct jrec_server *servers = xcalloc(c->n_servers + 1, sizeof(*servers));
	struct json_object *o;

	jrec_init(&r, record_type(type), now);
	r.id = c->id;
	r.cond = c->key;
	r.has_criterion = true;
	r.criterion = c->crit;
	r.severity = strcmp(type, "close") == 0 ? c->worst_sev : c->rs.level;
	r.since = c->since;
	r.opened = c->opened;
	r.device = c->dev ? c->dev->name : NULL;
	r.rack = c->rack ? c->rack->name : NULL;
	r.metric = c->crit == CRIT_CONTACT ? NULL : criterion_name(c->crit);
	r.unit = cond_unit(c->crit);
	r.value = e ? e->value : NAN;
	r.state = e ? e->state : c->state;
	r.worst = c->worst;
	r.worst_state = c->worst_state;
	r.bound = c->bound;
	r.bound_kind = c->bound_dir > 0 ? "max" : c->bound_dir < 0 ? "min" : NULL;
	if (c->sensor[0]) {   /* a metric with several instances: which one */
		r.sensor_device = c->sensor_device;
		r.sensor = c->sensor;
	}
	r.has_servers = true;
	r.servers = servers;
	r.n_servers = incident_servers(a, c, servers);
	o = jrec_encode(&r);
	free(servers);
	return o;
}

/* ------------------------------------------------------------------ notifications */

int delivery_lookup_name(const char *s, const char *(*name)(int), int n)
{
	for (int i = 0; s && i < n; i++)
		if (strcmp(s, name(i)) == 0)
			return i;
	return -1;
}

const char *delivery_sev_name_i(int i)
{
	return severity_name((enum severity)i);
}

static const char *role_name_i(int i) { return role_name((enum server_role)i); }

static size_t notif_servers(const struct jrec *r, struct notif_server *out, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < r->n_servers && n < max; i++) {
		int role = delivery_lookup_name(r->servers[i].role, role_name_i, ROLE_OTHER + 1);

		out[n++] = (struct notif_server){ r->servers[i].name, role < 0 ? ROLE_OTHER : (enum server_role)role,
			r->servers[i].rack, r->servers[i].has_inlet, r->servers[i].inlet_c };
	}
	return n;
}

/* Rebuilds the notification a journal record decided, and offers it to the sink. The
 * record is decoded by the journal's one decoder (jrec.c); its strings stay rec's. */
static int offer(struct alert *a, struct json_object *rec)
{
	struct notif_server servers[64];
	struct notification n = { 0 };
	struct jrec r;
	int ret;

	if (jrec_decode(rec, &r) || !r.has_notice || !r.has_criterion) {
		jrec_clear(&r);
		return 0;   /* not ours to send: written by a newer envmond? */
	}
	n.kind = (enum notif_kind)r.notice.kind;
	n.incident_id = r.id;
	n.seq = r.notice.seq;
	n.severity = r.severity;
	n.criterion = r.criterion;
	n.opened = r.opened;
	n.time = r.t;
	n.closed = n.kind == NOTIF_RECOVERY ? n.time : 0;
	n.device = r.device;
	n.rack = r.rack;
	n.metric = r.metric;
	n.value = r.value;
	n.worst = r.worst;
	n.unit = r.unit;
	n.state = r.state;
	n.bound = r.bound;
	n.bound_kind = r.bound_kind;
	n.sensor_device = r.sensor_device;
	n.sensor = r.sensor;
	n.servers = servers;
	n.n_servers = notif_servers(&r, servers, ARRAY_SIZE(servers));
	ret = a->sink(a->sink_arg, &n);
	jrec_clear(&r);
	return ret;
}

static void record_accepted(struct alert *a, struct json_object *rec)
{
	struct jrec r;
	struct json_object *o;

	jrec_init(&r, JREC_NOTIFIED, jget_num(rec, "t"));
	r.id = jget_str(rec, "id");
	r.seq = (unsigned)jget_num(jget_object(rec, "notice"), "seq");
	o = jrec_encode(&r);
	journal_append(a->j, o);
	json_object_put(o);
}

/* Offers rec; if the sink refuses it, it waits in the pending list (rec is kept). */
static void deliver(struct alert *a, struct json_object *rec)
{
	if (offer(a, rec) == 0) {
		record_accepted(a, rec);
		return;
	}
	log_warn("notification %s #%d refused by the sink: kept for later", jget_str(rec, "id"),
		(int)jget_num(json_object_object_get(rec, "notice"), "seq"));
	a->pending = xgrow(a->pending, &a->cap_pending, a->n_pending + 1, sizeof(*a->pending));
	a->pending[a->n_pending++] = json_object_get(rec);
}

size_t delivery_retry(struct alert *a)
{
	size_t kept = 0;

	for (size_t i = 0; i < a->n_pending; i++) {
		if (offer(a, a->pending[i]) == 0) {
			record_accepted(a, a->pending[i]);
			json_object_put(a->pending[i]);
		} else {
			a->pending[kept++] = a->pending[i];
		}
	}
	a->n_pending = kept;
	return kept;
}

static bool to_offer(struct json_object *rec)
{
	struct json_object *nt;

	return json_object_object_get_ex(rec, "notice", &nt) && !jget_bool(nt, "silenced");
}

/* Writes the records the journal refused, in order, each offered once written. */
void delivery_flush_unwritten(struct alert *a)
{
	size_t done = 0;

	while (done < a->n_unwritten && journal_append(a->j, a->unwritten[done]) == 0) {
		if (to_offer(a->unwritten[done]))
			deliver(a, a->unwritten[done]);
		json_object_put(a->unwritten[done++]);
	}
	if (done == 0)
		return;
	log_notice("journal writable again: %zu record(s) written late", done);
	memmove(a->unwritten, a->unwritten + done, (a->n_unwritten - done) * sizeof(*a->unwritten));
	a->n_unwritten -= done;
}

/* Journals rec (taking it over), behind any record still waiting, and offers its notice
 * only once it is on disk: a mail whose record is not could go out again after a
 * restart, and the next record would be glued to a torn one. A refused record waits for
 * the next evaluation. */
static void commit(struct alert *a, struct json_object *rec)
{
	delivery_flush_unwritten(a);
	if (a->n_unwritten == 0 && journal_append(a->j, rec) == 0) {
		if (to_offer(rec))
			deliver(a, rec);
		json_object_put(rec);
		return;
	}
	a->unwritten = xgrow(a->unwritten, &a->cap_unwritten, a->n_unwritten + 1, sizeof(*a->unwritten));
	a->unwritten[a->n_unwritten++] = rec;
}

/* Journals rec with its notice (seq, kind; silenced in maintenance), then offers it. */
void delivery_decide(struct alert *a, struct cond *c, struct json_object *rec, enum notif_kind kind, double now)
{
	struct json_object *nt = json_object_new_object();
	/* A recovery closes the thread of an alert people received, maintenance or not;
	 * one whose alert was never mailed is not mailed either. */
	bool silenced = kind == NOTIF_RECOVERY ? !c->mailed : conds_in_maintenance(a, c, now);

	json_object_object_add(nt, "seq", json_object_new_int((int)c->next_seq++));
	json_object_object_add(nt, "kind", delivery_str(notice_kinds[kind]));
	json_object_object_add(nt, "silenced", json_object_new_boolean(silenced));
	json_object_object_add(rec, "notice", nt);
	if (!silenced)
		c->mailed = true;
	commit(a, rec);
}

void delivery_journal_only(struct alert *a, struct json_object *rec)
{
	commit(a, rec);
}

