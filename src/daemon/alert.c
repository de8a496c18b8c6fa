/* alert.c — conditions, incidents, journal and notifications.
 *
 * Over 600 lines WITHOUT a good reason: it holds six concerns (condition table, judging,
 * incident lifecycle, delivery, journal writing, replay and snapshot) and is to be split
 * by concern (issue 12 item 1, not done yet).
 *
 * A condition is one criterion of one cause: "rack:baie-A/temperature" (the worst of
 * the rack's probes), "device:clim-1/cooling_state", "device:ups-general/ups_runtime",
 * "device:X/contact". It concerns every server that depends on the cause (the servers
 * of the racks a cooling unit cools, the servers a UPS feeds, the servers of a rack), each
 * judged by its own spec; the servers actually out of spec are listed in the incident.
 * So one dead air conditioner makes one incident listing all the servers it cools.
 *
 * Durability: every decision is journaled (fsync) before its notification is offered to
 * the sink; acceptance is journaled after. A crash in between re-offers the same
 * (incident id, seq) at restart and the sink refuses the duplicate. */
#include <config.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "alert.h"
#include "clock.h"
#include "silence.h"
#include "journal.h"
#include "jrec.h"
#include "log.h"
#include "xmem.h"

struct devinfo {
	const struct cfg_device *dev;
	bool seen;                     /* answered at least once since start-up */
	struct derived d;              /* its last derived values (probes: the rack's envelope) */
	const char *ups_source;        /* last state read, for "silent while on battery" */
	size_t *conds, n_conds;        /* indexes in alert.conds of the conditions its results
	                                * may feed (its own, its racks'), in table order */
};

/* One evaluation of a condition across its servers. */
struct eval {
	enum severity sev, clear;
	bool immediate;
	double value, bound;
	int bound_dir;
	const char *state;
	const struct cfg_threshold *thr;   /* of the server driving the verdict */
};

struct cond {
	char *key;
	enum criterion crit;
	const struct cfg_device *dev;      /* the cause, or NULL for a rack */
	const struct cfg_rack *rack;       /* the cause for thermal criteria */
	const struct cfg_server **servers;
	size_t n_servers;
	bool *hit, *cur_hit;               /* out of spec during the incident / now */
	struct rules_state rs;
	/* the open incident ("" id = none) */
	char id[64];
	unsigned next_seq;
	bool mailed;
	/* When it opened. rules.c forgets it (rs.opened = 0) as the incident recovers, in the
	 * step whose close record and recovery mail still need it. */
	double opened;
	double since, worst, first_value, bound;
	int bound_dir;
	enum severity worst_sev;
	const char *state, *worst_state;
};

struct alert {
	const struct config *cfg;
	const struct silences *silences;   /* envmonctl silence windows (NULL: none) */
	struct journal *j;
	char *snapshot_path;
	notify_fn sink;
	void *sink_arg;
	struct cond *conds;
	size_t n, cap;
	struct devinfo *devs;
	struct json_object **pending;      /* notice records not yet accepted by the sink */
	size_t n_pending, cap_pending;
	struct json_object **unwritten;    /* records the journal refused (disk full), in order */
	size_t n_unwritten, cap_unwritten;
	struct json_object **orphans;      /* replay: last record of each open incident whose
	                                    * condition the configuration no longer has */
	size_t n_orphans, cap_orphans;
	char id_day[9];                    /* UTC day of the last incident id, and its n */
	unsigned id_n;
	double grace_until;                /* alerts.startup_grace: no new incident before */
	unsigned max_gap_s;                /* the longest dead time of the devices */
	bool dirty;                        /* a condition's lifecycle is newer than the snapshot */
	bool soft_moved;                   /* only times and counters are (last seen, the flap
	                                    * history's shift, a worst reading) */
	double snapshot_time;              /* when it was last written */
};

/* The snapshot is soft state beside the journal (which holds every incident): a change
 * of a condition's lifecycle (a hold or clear-hold starting, a new raw severity) is
 * written at most this long after the last write, batched with the others ... */
#define SNAPSHOT_BATCH_S 5.0
/* ... and the times and counters every reading moves (last seen, the flap history
 * shifting, a worse reading of an open incident) at most this often: rewriting and
 * fsyncing the state of every condition after every reading made the daemon's cost grow
 * as N^2 (issue 20). Both are written at exit and reload. */
#define SOFT_SNAPSHOT_S 300.0

static const char *const notice_kinds[] = { "alert", "reminder", "recovery", "flapping", "test" };

/* ------------------------------------------------------------------ conditions */

static size_t device_index(const struct config *cfg, const struct cfg_device *dev)
{
	return (size_t)(dev - cfg->devices);
}

static void cond_add_server(struct cond *c, const struct cfg_server *s)
{
	for (size_t i = 0; i < c->n_servers; i++)
		if (c->servers[i] == s)
			return;
	c->servers = xrealloc(c->servers, (c->n_servers + 1) * sizeof(*c->servers));
	c->servers[c->n_servers++] = s;
}

static struct cond *cond_get(struct alert *a, const char *kind, const char *name, enum criterion crit)
{
	char *key = xasprintf("%s:%s/%s", kind, name, criterion_name(crit));
	struct cond *c;

	for (size_t i = 0; i < a->n; i++) {
		if (strcmp(a->conds[i].key, key) == 0) {
			free(key);
			return &a->conds[i];
		}
	}
	a->conds = xgrow(a->conds, &a->cap, a->n + 1, sizeof(*a->conds));
	c = &a->conds[a->n++];
	memset(c, 0, sizeof(*c));
	c->key = key;
	c->crit = crit;
	c->worst = c->first_value = c->bound = NAN;
	return c;
}

static void add_device_conds(struct alert *a, const struct cfg_device *dev, const struct cfg_server *s,
	enum criterion from, enum criterion to)
{
	for (int k = from; k <= (int)to; k++) {
		struct cond *c = cond_get(a, "device", dev->name, (enum criterion)k);

		c->dev = dev;
		cond_add_server(c, s);
	}
}

/* Builds every condition of the configuration, each with the servers it concerns. */
static void build_conds(struct alert *a)
{
	const struct config *cfg = a->cfg;

	for (size_t r = 0; r < cfg->n_racks; r++) {
		const struct cfg_rack *rack = &cfg->racks[r];

		for (size_t k = 0; k < rack->n_servers; k++) {
			const struct cfg_server *s = &rack->servers[k];

			for (int crit = 0; rack->n_probes > 0 && crit <= CRIT_TEMP_FORECAST; crit++) {
				struct cond *c = cond_get(a, "rack", rack->name, (enum criterion)crit);

				c->rack = rack;
				cond_add_server(c, s);
			}
			for (size_t i = 0; i < rack->n_probes; i++)
				add_device_conds(a, rack->probes[i], s, CRIT_CONTACT, CRIT_CONTACT);
			for (size_t i = 0; i < rack->n_cooling; i++)
				add_device_conds(a, rack->cooling[i], s, CRIT_COOLING_STATE, CRIT_COOLING_STATE);
			for (size_t i = 0; i < rack->n_cooling; i++)
				add_device_conds(a, rack->cooling[i], s, CRIT_CONTACT, CRIT_CONTACT);
			for (size_t i = 0; i < s->n_ups; i++) {
				add_device_conds(a, s->ups[i], s, CRIT_UPS_SOURCE, CRIT_INPUT_FREQUENCY);
				add_device_conds(a, s->ups[i], s, CRIT_CONTACT, CRIT_CONTACT);
			}
		}
	}
	for (size_t i = 0; i < a->n; i++) {
		a->conds[i].hit = xcalloc(a->conds[i].n_servers + 1, sizeof(bool));
		a->conds[i].cur_hit = xcalloc(a->conds[i].n_servers + 1, sizeof(bool));
	}
}

static void devinfo_add_cond(struct devinfo *di, size_t cond)
{
	di->conds = xrealloc(di->conds, (di->n_conds + 1) * sizeof(*di->conds));
	di->conds[di->n_conds++] = cond;
}

/* The conditions each device's results may feed, so that a result judges its own
 * conditions only (every condition for every result grew as N^2). */
static void index_conds(struct alert *a)
{
	for (size_t i = 0; i < a->n; i++) {
		const struct cond *c = &a->conds[i];

		if (c->dev)
			devinfo_add_cond(&a->devs[device_index(a->cfg, c->dev)], i);
		for (size_t k = 0; c->rack && k < c->rack->n_probes; k++)
			devinfo_add_cond(&a->devs[device_index(a->cfg, c->rack->probes[k])], i);
	}
}

static struct cond *cond_find(const struct alert *a, const char *key)
{
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->conds[i].key, key) == 0)
			return &a->conds[i];
	return NULL;
}

/* ------------------------------------------------------------------ judging */

static bool is_state_criterion(enum criterion c)
{
	return c == CRIT_COOLING_STATE || c == CRIT_UPS_SOURCE || c == CRIT_UPS_BATTERY ||
		c == CRIT_UPS_REPLACE_BATTERY || c == CRIT_UPS_SELFTEST;
}

/* One server's verdict on a value (numbers) or a state name. */
static void judge(const struct cfg_threshold *t, enum criterion crit, double value, const char *state,
	struct eval *e)
{
	struct rules_verdict v;

	memset(e, 0, sizeof(*e));
	e->value = value;
	e->bound = NAN;
	e->state = state;
	e->thr = t;
	if (is_state_criterion(crit)) {
		e->sev = e->clear = state ? criteria_state_severity(crit, state, &e->immediate) : SEV_UNKNOWN;
		return;
	}
	/* Rates count both ways: cooling down too fast harms as much as heating up. */
	rules_classify(t, crit == CRIT_TEMP_RATE_HOUR || crit == CRIT_TEMP_RATE_15MIN ? fabs(value) : value, &v);
	e->sev = v.sev;
	e->clear = v.sev_clear;
	e->bound = v.bound_dir < 0 ? v.bound : v.bound_dir > 0 ? (value < 0 ? -v.bound : v.bound) : NAN;
	e->bound_dir = v.bound_dir;
	/* Runtime under the shutdown budget and overload do not wait (DESIGN.md §5). */
	e->immediate = v.sev == SEV_CRITICAL && (crit == CRIT_UPS_RUNTIME || crit == CRIT_UPS_LOAD);
}

static bool eval_better(const struct eval *e, const struct eval *best)
{
	if (e->sev == SEV_UNKNOWN)
		return false;
	if (best->sev == SEV_UNKNOWN)
		return true;
	return e->sev > best->sev || (e->sev == best->sev && e->clear > best->clear);
}

/* The value of crit in one poll result (numbers) or its state name. */
static double result_value(const struct poll_result *res, const struct derived *d, enum criterion crit,
	const char **state)
{
	const struct profile *prof = res->dev->profile;
	int i;

	*state = NULL;
	switch (crit) {
	case CRIT_TEMPERATURE: return d->temperature;
	case CRIT_HUMIDITY: return d->humidity;
	case CRIT_DEW_POINT: return d->dew_point;
	case CRIT_TEMP_RATE_HOUR: return d->temp_rate_hour;
	case CRIT_TEMP_RATE_15MIN: return d->temp_rate_15min;
	case CRIT_TEMP_FORECAST: return derive_forecast(d, 1800.0);
	case CRIT_UPS_RUNTIME: return d->ups_runtime_s;
	default: break;
	}
	i = profile_metric_index(prof, criterion_name(crit));
	if (i < 0 || (size_t)i >= res->n_readings || res->readings[i].status != READING_OK)
		return NAN;
	if (prof->metrics[i].n_state_names > 0) {
		int code = (int)res->readings[i].value;

		if (code >= 0 && (size_t)code < prof->metrics[i].n_state_names)
			*state = prof->metrics[i].state_names[code];
		return NAN;
	}
	return res->readings[i].value;
}

/* ------------------------------------------------------------------ maintenance */

/* A maintenance window of the configuration, or a silence set with `envmonctl silence`. */
static bool target_in_maintenance(const struct alert *a, const char *name, double now)
{
	return silence_active(a->silences, a->cfg, name, now, NULL);
}

/* Mail is silenced when the cause is under maintenance (the device, or every probe of
 * the rack) or every server concerned is. The journal still records everything. */
static bool in_maintenance(const struct alert *a, const struct cond *c, double now)
{
	bool all = c->n_servers > 0;

	if (c->dev && target_in_maintenance(a, c->dev->name, now))
		return true;
	if (c->rack && c->rack->n_probes > 0) {
		bool probes = true;

		for (size_t i = 0; i < c->rack->n_probes; i++)
			probes = probes && target_in_maintenance(a, c->rack->probes[i]->name, now);
		if (probes)
			return true;
	}
	for (size_t i = 0; i < c->n_servers; i++)
		all = all && target_in_maintenance(a, c->servers[i]->name, now);
	return all;
}

/* ------------------------------------------------------------------ records */

static struct json_object *num(double v)
{
	/* JSON has no NaN: an unknown number is null. */
	return isnan(v) ? NULL : json_object_new_double(v);
}

static struct json_object *str(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}

static const char *cond_unit(enum criterion crit)
{
	const struct metric_def *m = crit == CRIT_CONTACT ? NULL : metric_lookup(criterion_name(crit));

	return m ? m->unit : "";
}

static struct json_object *servers_json(const struct cond *c)
{
	struct json_object *arr = json_object_new_array();
	bool any = false;

	for (size_t i = 0; i < c->n_servers; i++)
		any = any || c->hit[i];
	for (size_t i = 0; i < c->n_servers; i++) {
		struct json_object *s;

		if (any && !c->hit[i])
			continue;
		s = json_object_new_object();
		json_object_object_add(s, "name", str(c->servers[i]->name));
		json_object_object_add(s, "role", str(role_name(c->servers[i]->role)));
		json_object_object_add(s, "rack", str(c->servers[i]->rack ? c->servers[i]->rack->name : NULL));
		json_object_array_add(arr, s);
	}
	return arr;
}

/* A journal record with every fact of the incident as it stands. */
static struct json_object *record(const struct cond *c, const char *type, const struct eval *e, double now)
{
	struct json_object *r = json_object_new_object();

	json_object_object_add(r, "type", str(type));
	json_object_object_add(r, "t", json_object_new_double(now));
	json_object_object_add(r, "id", str(c->id));
	json_object_object_add(r, "cond", str(c->key));
	json_object_object_add(r, "criterion", str(criterion_name(c->crit)));
	json_object_object_add(r, "severity", str(severity_name(strcmp(type, "close") == 0 ?
		c->worst_sev : c->rs.level)));
	json_object_object_add(r, "since", num(c->since));
	json_object_object_add(r, "opened", num(c->opened));
	json_object_object_add(r, "device", str(c->dev ? c->dev->name : NULL));
	json_object_object_add(r, "rack", str(c->rack ? c->rack->name : NULL));
	json_object_object_add(r, "metric", str(c->crit == CRIT_CONTACT ? NULL : criterion_name(c->crit)));
	json_object_object_add(r, "unit", str(cond_unit(c->crit)));
	json_object_object_add(r, "value", num(e ? e->value : NAN));
	json_object_object_add(r, "state", str(e ? e->state : c->state));
	json_object_object_add(r, "worst", num(c->worst));
	json_object_object_add(r, "worst_state", str(c->worst_state));
	json_object_object_add(r, "bound", num(c->bound));
	json_object_object_add(r, "bound_kind", str(c->bound_dir > 0 ? "max" : c->bound_dir < 0 ? "min" : NULL));
	json_object_object_add(r, "servers", servers_json(c));
	return r;
}

/* ------------------------------------------------------------------ notifications */

static const char *jstr(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string) ?
		json_object_get_string(v) : NULL;
}

static double jnum(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !(json_object_is_type(v, json_type_double) || json_object_is_type(v, json_type_int)))
		return NAN;
	return json_object_get_double(v);
}

static bool jbool(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) && json_object_get_boolean(v);
}

static int lookup_name(const char *s, const char *(*name)(int), int n)
{
	for (int i = 0; s && i < n; i++)
		if (strcmp(s, name(i)) == 0)
			return i;
	return -1;
}

static const char *sev_name_i(int i) { return severity_name((enum severity)i); }
static const char *role_name_i(int i) { return role_name((enum server_role)i); }
static const char *kind_name_i(int i) { return notice_kinds[i]; }

static size_t servers_from_json(struct json_object *rec, struct notif_server *out, size_t max)
{
	struct json_object *arr;
	size_t n = 0;

	if (!json_object_object_get_ex(rec, "servers", &arr))
		return 0;
	for (size_t i = 0; i < json_object_array_length(arr) && n < max; i++) {
		struct json_object *s = json_object_array_get_idx(arr, i);
		int role = lookup_name(jstr(s, "role"), role_name_i, ROLE_OTHER + 1);

		out[n++] = (struct notif_server){ jstr(s, "name"), role < 0 ? ROLE_OTHER : (enum server_role)role,
			jstr(s, "rack") };
	}
	return n;
}

/* Rebuilds the notification a journal record decided, and offers it to the sink. */
static int offer(struct alert *a, struct json_object *rec)
{
	struct json_object *nt = NULL;
	struct notif_server servers[64];
	struct notification n = { 0 };
	int kind, sev, crit;

	json_object_object_get_ex(rec, "notice", &nt);
	kind = lookup_name(jstr(nt, "kind"), kind_name_i, (int)ARRAY_SIZE(notice_kinds));
	sev = lookup_name(jstr(rec, "severity"), sev_name_i, SEV_UNKNOWN + 1);
	crit = criterion_lookup(jstr(rec, "criterion") ? jstr(rec, "criterion") : "");
	if (kind < 0 || sev < 0 || crit < 0)
		return 0;   /* not ours to send: written by a newer envmond? */
	n.kind = (enum notif_kind)kind;
	n.incident_id = jstr(rec, "id");
	n.seq = (unsigned)jnum(nt, "seq");
	n.severity = (enum severity)sev;
	n.criterion = (enum criterion)crit;
	n.opened = jnum(rec, "opened");
	n.time = jnum(rec, "t");
	n.closed = n.kind == NOTIF_RECOVERY ? n.time : 0;
	n.device = jstr(rec, "device");
	n.rack = jstr(rec, "rack");
	n.metric = jstr(rec, "metric");
	n.value = jnum(rec, "value");
	n.worst = jnum(rec, "worst");
	n.unit = jstr(rec, "unit");
	n.state = jstr(rec, "state");
	n.bound = jnum(rec, "bound");
	n.bound_kind = jstr(rec, "bound_kind");
	n.servers = servers;
	n.n_servers = servers_from_json(rec, servers, ARRAY_SIZE(servers));
	return a->sink(a->sink_arg, &n);
}

static void record_accepted(struct alert *a, struct json_object *rec)
{
	struct json_object *r = json_object_new_object(), *nt = NULL;

	json_object_object_get_ex(rec, "notice", &nt);
	json_object_object_add(r, "type", str("notified"));
	json_object_object_add(r, "t", json_object_new_double(jnum(rec, "t")));
	json_object_object_add(r, "id", str(jstr(rec, "id")));
	json_object_object_add(r, "seq", json_object_new_int((int)jnum(nt, "seq")));
	journal_append(a->j, r);
	json_object_put(r);
}

/* Offers rec; if the sink refuses it, it waits in the pending list (rec is kept). */
static void deliver(struct alert *a, struct json_object *rec)
{
	if (offer(a, rec) == 0) {
		record_accepted(a, rec);
		return;
	}
	log_warn("notification %s #%d refused by the sink: kept for later", jstr(rec, "id"),
		(int)jnum(json_object_object_get(rec, "notice"), "seq"));
	a->pending = xgrow(a->pending, &a->cap_pending, a->n_pending + 1, sizeof(*a->pending));
	a->pending[a->n_pending++] = json_object_get(rec);
}

size_t alert_retry(struct alert *a)
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

	return json_object_object_get_ex(rec, "notice", &nt) && !jbool(nt, "silenced");
}

/* Writes the records the journal refused, in order, each offered once written. */
static void flush_unwritten(struct alert *a)
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
	flush_unwritten(a);
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
static void decide(struct alert *a, struct cond *c, struct json_object *rec, enum notif_kind kind, double now)
{
	struct json_object *nt = json_object_new_object();
	/* A recovery closes the thread of an alert people received, maintenance or not;
	 * one whose alert was never mailed is not mailed either. */
	bool silenced = kind == NOTIF_RECOVERY ? !c->mailed : in_maintenance(a, c, now);

	json_object_object_add(nt, "seq", json_object_new_int((int)c->next_seq++));
	json_object_object_add(nt, "kind", str(notice_kinds[kind]));
	json_object_object_add(nt, "silenced", json_object_new_boolean(silenced));
	json_object_object_add(rec, "notice", nt);
	if (!silenced)
		c->mailed = true;
	commit(a, rec);
}

static void journal_only(struct alert *a, struct json_object *rec)
{
	commit(a, rec);
}

/* ------------------------------------------------------------------ incidents */

static void new_id(struct alert *a, struct cond *c, double now)
{
	time_t t = (time_t)now;
	struct tm tm;
	char day[9];

	gmtime_r(&t, &tm);
	strftime(day, sizeof(day), "%Y%m%d", &tm);
	if (strcmp(day, a->id_day) != 0) {
		snprintf(a->id_day, sizeof(a->id_day), "%s", day);
		a->id_n = 0;
	}
	snprintf(c->id, sizeof(c->id), "%s-%s-%u", a->cfg->site.code, day, ++a->id_n);
}

/* The worse of two readings: higher severity, or further beyond the bound. */
static bool track_worst(struct cond *c, const struct eval *e)
{
	bool worse = e->sev > c->worst_sev;

	if (!worse && e->sev == c->worst_sev && !isnan(e->value))
		worse = isnan(c->worst) || fabs(e->value - c->bound) > fabs(c->worst - c->bound);
	if (!worse)
		return false;
	c->worst_sev = e->sev;
	if (!isnan(e->value))
		c->worst = e->value;
	if (e->state)
		c->worst_state = e->state;
	return true;
}

static void open_incident(struct alert *a, struct cond *c, const struct eval *e, double now, bool flapping)
{
	struct json_object *rec;

	new_id(a, c, now);
	c->next_seq = 0;
	c->mailed = false;
	c->first_value = c->worst = e->value;
	c->bound = e->bound;
	c->bound_dir = e->bound_dir;
	c->state = c->worst_state = e->state;
	c->worst_sev = c->rs.level;
	c->opened = now;
	if (c->since == 0)
		c->since = now;
	rec = record(c, "open", e, now);
	if (flapping)
		json_object_object_add(rec, "flapping", json_object_new_boolean(true));
	log_notice("incident %s opened: %s %s", c->id, c->key, severity_name(c->rs.level));
	decide(a, c, rec, flapping ? NOTIF_FLAPPING : NOTIF_ALERT, now);
}

static void close_incident(struct alert *a, struct cond *c, const struct eval *e, double now)
{
	struct json_object *rec = record(c, "close", e, now);

	json_object_object_add(rec, "end", json_object_new_double(now));
	log_notice("incident %s over: %s", c->id, c->key);
	decide(a, c, rec, NOTIF_RECOVERY, now);
	c->id[0] = '\0';
	c->since = c->opened = 0;
	c->worst = c->first_value = c->bound = NAN;
	c->worst_sev = SEV_OK;
	c->state = c->worst_state = NULL;
	memset(c->hit, 0, c->n_servers * sizeof(bool));
}

static void handle(struct alert *a, struct cond *c, enum rules_event ev, const struct eval *e, double now)
{
	struct json_object *rec;

	switch (ev) {
	case RULES_OPEN:
		open_incident(a, c, e, now, false);
		break;
	case RULES_WORSEN:
		track_worst(c, e);
		decide(a, c, record(c, "worsen", e, now), NOTIF_ALERT, now);
		break;
	case RULES_REMIND:
		decide(a, c, record(c, "remind", e, now), NOTIF_REMINDER, now);
		break;
	case RULES_RECOVER:
		close_incident(a, c, e, now);
		break;
	case RULES_FLAP_START:
		if (!c->id[0]) {
			open_incident(a, c, e, now, true);
			break;
		}
		rec = record(c, "flapping", e, now);
		json_object_object_add(rec, "on", json_object_new_boolean(true));
		decide(a, c, rec, NOTIF_FLAPPING, now);
		break;
	case RULES_FLAP_STOP:
		rec = record(c, "flapping", e, now);
		json_object_object_add(rec, "on", json_object_new_boolean(false));
		journal_only(a, rec);
		break;
	}
}

/* An incident that opened during maintenance and outlives it is mailed when it ends. */
static void unsilence(struct alert *a, struct cond *c, const struct eval *e, double now)
{
	if (!c->id[0] || c->mailed || c->rs.flapping || in_maintenance(a, c, now))
		return;
	/* The first mail people get: the reminder counts from it, as replay_event does. */
	c->rs.last_notice = now;
	decide(a, c, record(c, "unsilence", e, now), NOTIF_ALERT, now);
}

static void step(struct alert *a, struct cond *c, const struct eval *e, double now)
{
	const struct cfg_threshold *t = e->thr;
	struct rules_obs obs = { e->sev, e->clear, e->immediate };
	struct rules_params p = { t->hold_s, t->clear_hold_s, t->repeat_s, a->cfg->alerts.flap_high,
		a->cfg->alerts.flap_low, a->cfg->alerts.flap_window, a->max_gap_s };
	struct rules_state before = c->rs;
	struct rules_out out;

	/* alerts.startup_grace: readings right after start-up (devices and the rates'
	 * history settling) open nothing; holds start when it ends. Incidents restored from
	 * the journal go on (a recovery while down is still mailed). */
	if (now < a->grace_until && !c->id[0] && e->sev > SEV_OK)
		return;
	if (e->sev > SEV_OK) {
		if (c->since == 0)
			c->since = now;
		for (size_t i = 0; i < c->n_servers; i++)
			c->hit[i] = c->hit[i] || c->cur_hit[i];
	} else if (!c->id[0]) {
		c->since = 0;
		memset(c->hit, 0, c->n_servers * sizeof(bool));
	}
	rules_step(&c->rs, &obs, &p, now, &out);
	if (c->id[0] && e->sev > SEV_OK && track_worst(c, e))
		a->soft_moved = true;
	for (size_t i = 0; i < out.n; i++)
		handle(a, c, out.ev[i], e, now);
	if (out.n == 0)
		unsilence(a, c, e, now);
	/* The last-seen time, the count of evaluations and the flap history's shift move at
	 * every reading: alone they are not worth a disk write of their own. */
	if (before.last_seen != c->rs.last_seen || before.evals != c->rs.evals || before.changes != c->rs.changes)
		a->soft_moved = true;
	before.last_seen = c->rs.last_seen;
	before.evals = c->rs.evals;
	before.changes = c->rs.changes;
	if (out.n > 0 || memcmp(&before, &c->rs, sizeof(before)) != 0)
		a->dirty = true;
}

/* ------------------------------------------------------------------ evaluation */

static struct devinfo *devinfo_of(struct alert *a, const struct cfg_device *dev)
{
	return &a->devs[device_index(a->cfg, dev)];
}

/* Only an answer clears contact. A missed poll before dead_time tells nothing: after a
 * restart the poller counts misses from zero, and rating them OK closed a lost contact
 * that was still lost (then opened it again). */
static void judge_contact(const struct alert *a, const struct cond *c, const struct cfg_threshold *t,
	const struct poll_result *res, struct eval *e)
{
	const char *source = a->devs[device_index(a->cfg, c->dev)].ups_source;

	memset(e, 0, sizeof(*e));
	e->value = e->bound = NAN;
	e->thr = t;
	e->immediate = true;          /* the poller already waited dead_time */
	e->sev = e->clear = res->answered ? SEV_OK : SEV_UNKNOWN;
	if (res->lost) {
		/* A UPS last seen on battery that falls silent may be about to cut the power. */
		e->sev = e->clear = source && strcmp(source, "on_battery") == 0 ? SEV_CRITICAL : SEV_WARNING;
		e->state = source && strcmp(source, "on_battery") == 0 ? "lost_on_battery" : "lost";
	}
}

/* The worst verdict over the rack's probes. A silent probe keeps its last-known reading
 * (DESIGN.md §5), lost or not: skipping it let the probes still answering recover the
 * rack while its hot probe said nothing. Its silence is the contact incident's news. */
static void judge_rack(struct alert *a, const struct cond *c, const struct cfg_threshold *t, struct eval *best)
{
	best->sev = SEV_UNKNOWN;
	for (size_t i = 0; i < c->rack->n_probes; i++) {
		struct devinfo *ds = devinfo_of(a, c->rack->probes[i]);
		struct eval e;
		double v;

		if (!ds->seen)
			continue;
		switch (c->crit) {
		case CRIT_TEMPERATURE: v = ds->d.temperature; break;
		case CRIT_HUMIDITY: v = ds->d.humidity; break;
		case CRIT_DEW_POINT: v = ds->d.dew_point; break;
		case CRIT_TEMP_RATE_HOUR: v = ds->d.temp_rate_hour; break;
		case CRIT_TEMP_FORECAST: v = derive_forecast(&ds->d, t->forecast_s); break;
		default: v = ds->d.temp_rate_15min; break;
		}
		judge(t, c->crit, v, NULL, &e);
		if (eval_better(&e, best))
			*best = e;
	}
}

/* The verdict of the condition: the worst over its servers, each by its own spec. */
static bool judge_cond(struct alert *a, struct cond *c, const struct poll_result *res,
	const struct derived *d, struct eval *best)
{
	memset(best, 0, sizeof(*best));
	best->sev = SEV_UNKNOWN;
	for (size_t i = 0; i < c->n_servers; i++) {
		const struct cfg_threshold *t = &c->servers[i]->spec->crit[c->crit];
		struct eval e;
		const char *state = NULL;

		c->cur_hit[i] = false;
		if (!t->enabled)
			continue;
		if (c->crit == CRIT_CONTACT)
			judge_contact(a, c, t, res, &e);
		else if (c->rack)
			judge_rack(a, c, t, &e);
		else {
			double v = result_value(res, d, c->crit, &state);

			judge(t, c->crit, v, state, &e);
		}
		c->cur_hit[i] = e.sev != SEV_UNKNOWN && e.sev > SEV_OK;
		if (eval_better(&e, best) || (!best->thr && e.sev != SEV_UNKNOWN))
			*best = e;
	}
	return best->sev != SEV_UNKNOWN;
}

static bool rack_has_probe(const struct cfg_rack *rack, const struct cfg_device *dev)
{
	for (size_t i = 0; i < rack->n_probes; i++)
		if (rack->probes[i] == dev)
			return true;
	return false;
}

/* Which conditions a result feeds: the device's contact always; when it answered, its
 * own criteria and those of the racks it probes. While a UPS is on battery its input
 * voltage and frequency tell nothing new: the outage is the on-battery incident. */
static bool feeds(const struct alert *a, const struct cond *c, const struct poll_result *res)
{
	const char *source = a->devs[device_index(a->cfg, res->dev)].ups_source;

	if (c->crit == CRIT_CONTACT)
		return c->dev == res->dev;
	if (!res->answered)
		return false;
	if ((c->crit == CRIT_INPUT_VOLTAGE || c->crit == CRIT_INPUT_FREQUENCY) && source &&
	    strcmp(source, "online") != 0)
		return false;
	return c->dev == res->dev || (c->rack && rack_has_probe(c->rack, res->dev));
}

static void note_device(struct alert *a, const struct poll_result *res, const struct derived *d)
{
	struct devinfo *di = devinfo_of(a, res->dev);
	const char *state = NULL;

	if (!res->answered)
		return;
	di->d = *d;
	result_value(res, d, CRIT_UPS_SOURCE, &state);
	if (state) {
		/* Point at the vocabulary's own string: it outlives the poll result. */
		const struct metric_def *m = metric_lookup("ups_source");
		int code = metric_state_code(m, state);
		const char *stable = code >= 0 ? m->states[code] : NULL;

		if (stable != di->ups_source)
			a->dirty = true;
		di->ups_source = stable;
	}
	di->seen = true;
}

/* ------------------------------------------------------------------ snapshot */

static struct json_object *cond_snapshot(const struct cond *c)
{
	struct json_object *o = json_object_new_object(), *hit = json_object_new_array();
	const struct rules_state *rs = &c->rs;

	json_object_object_add(o, "id", str(c->id));
	json_object_object_add(o, "level", json_object_new_int(rs->level));
	json_object_object_add(o, "raw", json_object_new_int(rs->raw));
	json_object_object_add(o, "seen", json_object_new_boolean(rs->seen));
	json_object_object_add(o, "flapping", json_object_new_boolean(rs->flapping));
	json_object_object_add(o, "bad_since", json_object_new_double(rs->bad_since));
	json_object_object_add(o, "pending", json_object_new_int(rs->pending));
	json_object_object_add(o, "clear_since", json_object_new_double(rs->clear_since));
	json_object_object_add(o, "last_seen", json_object_new_double(rs->last_seen));
	json_object_object_add(o, "changes", json_object_new_int64((int64_t)rs->changes));
	json_object_object_add(o, "evals", json_object_new_int((int)rs->evals));
	json_object_object_add(o, "since", json_object_new_double(c->since));
	json_object_object_add(o, "worst", num(c->worst));
	json_object_object_add(o, "worst_sev", json_object_new_int(c->worst_sev));
	for (size_t i = 0; i < c->n_servers; i++)
		json_object_array_add(hit, json_object_new_boolean(c->hit[i]));
	json_object_object_add(o, "hit", hit);
	return o;
}

static void save_snapshot(struct alert *a)
{
	struct json_object *root = json_object_new_object(), *conds = json_object_new_object();
	struct json_object *devs = json_object_new_object();

	for (size_t i = 0; i < a->n; i++)
		json_object_object_add(conds, a->conds[i].key, cond_snapshot(&a->conds[i]));
	for (size_t i = 0; i < a->cfg->n_devices; i++)
		if (a->devs[i].ups_source)
			json_object_object_add(devs, a->cfg->devices[i].name, str(a->devs[i].ups_source));
	json_object_object_add(root, "conds", conds);
	json_object_object_add(root, "ups_source", devs);
	if (journal_snapshot_write(a->snapshot_path, root) == 0)
		a->dirty = a->soft_moved = false;
	json_object_put(root);
}

static int jint(struct json_object *o, const char *key)
{
	double v = jnum(o, key);

	return isnan(v) ? 0 : (int)v;
}

/* The soft state (pending hold, clear-hold, flap history) comes from the snapshot when
 * it speaks of the same incident as the journal; the journal is the authority on
 * incidents, the snapshot may lag one step behind it. */
static void restore_cond(struct cond *c, struct json_object *o)
{
	const char *id = jstr(o, "id");
	struct json_object *hit;
	struct rules_state *rs = &c->rs;

	if (!id || strcmp(id, c->id) != 0)
		return;
	rs->raw = (enum severity)jint(o, "raw");
	rs->seen = jbool(o, "seen");
	rs->bad_since = jnum(o, "bad_since");
	rs->pending = (enum severity)jint(o, "pending");
	rs->clear_since = jnum(o, "clear_since");
	rs->last_seen = jnum(o, "last_seen");
	if (isnan(rs->last_seen))
		rs->last_seen = 0;      /* a snapshot from before it was kept */
	rs->changes = (uint64_t)json_object_get_int64(json_object_object_get(o, "changes"));
	rs->evals = (unsigned)jint(o, "evals");
	if (!c->id[0])
		rs->flapping = jbool(o, "flapping");
	if (c->since == 0)
		c->since = jnum(o, "since");
	if (c->id[0] && jint(o, "worst_sev") >= (int)c->worst_sev && !isnan(jnum(o, "worst"))) {
		c->worst = jnum(o, "worst");
		c->worst_sev = (enum severity)jint(o, "worst_sev");
	}
	if (json_object_object_get_ex(o, "hit", &hit) && json_object_array_length(hit) == c->n_servers)
		for (size_t i = 0; i < c->n_servers; i++)
			c->hit[i] = c->hit[i] || json_object_get_boolean(json_object_array_get_idx(hit, i));
}

/* Why the members of one condition's snapshot are not of the types save_snapshot
 * writes, or NULL. */
static const char *cond_snapshot_error(struct json_object *o)
{
	static const char *const numbers[] = { "level", "raw", "bad_since", "pending", "clear_since",
		"last_seen", "changes", "evals", "since", "worst_sev", NULL };
	struct json_object *v;

	if (!json_object_is_type(o, json_type_object))
		return "a condition is not an object";
	for (size_t i = 0; numbers[i]; i++)
		if (json_object_object_get_ex(o, numbers[i], &v) &&
		    !json_object_is_type(v, json_type_int) && !json_object_is_type(v, json_type_double))
			return "a condition's counter or time is not a number";
	if (json_object_object_get_ex(o, "worst", &v) && v && !json_object_is_type(v, json_type_int) &&
	    !json_object_is_type(v, json_type_double))
		return "a condition's worst reading is not a number";
	if (json_object_object_get_ex(o, "id", &v) && v && !json_object_is_type(v, json_type_string))
		return "an incident id is not a string";
	if (json_object_object_get_ex(o, "hit", &v) && !json_object_is_type(v, json_type_array))
		return "\"hit\" is not an array";
	for (size_t i = 0; v && json_object_is_type(v, json_type_array) && i < json_object_array_length(v); i++)
		if (!json_object_is_type(json_object_array_get_idx(v, i), json_type_boolean))
			return "\"hit\" holds something else than true or false";
	return NULL;
}

/* Why root is not a snapshot save_snapshot could have written, or NULL. */
static const char *snapshot_error(struct json_object *root)
{
	struct json_object *conds, *devs;

	if (json_object_object_get_ex(root, "conds", &conds)) {
		if (!json_object_is_type(conds, json_type_object))
			return "\"conds\" is not an object";
		json_object_object_foreach(conds, key, val) {
			const char *why = cond_snapshot_error(val);

			(void)key;
			if (why)
				return why;
		}
	}
	if (json_object_object_get_ex(root, "ups_source", &devs)) {
		if (!json_object_is_type(devs, json_type_object))
			return "\"ups_source\" is not an object";
		json_object_object_foreach(devs, key, val) {
			(void)key;
			if (!json_object_is_type(val, json_type_string))
				return "a UPS source is not a string";
		}
	}
	return NULL;
}

/* An unusable snapshot is renamed aside (kept for whoever wants to see what happened),
 * never deleted, and the soft state starts again from the journal alone. */
static void set_snapshot_aside(const struct alert *a, const char *why)
{
	char *aside = xasprintf("%s.bad-%lld", a->snapshot_path, (long long)clock_wall());

	if (rename(a->snapshot_path, aside) == 0)
		log_warn("%s: unusable state snapshot (%s): set aside as %s; the alert state is "
			"rebuilt from the journal", a->snapshot_path, why, aside);
	else
		log_warn("%s: unusable state snapshot (%s), and it cannot be set aside (%s): ignored",
			a->snapshot_path, why, strerror(errno));
	free(aside);
}

/* The snapshot, checked; NULL if there is none or it could not be used (set aside). */
static struct json_object *read_snapshot(const struct alert *a)
{
	struct json_object *root = journal_snapshot_read(a->snapshot_path);
	const char *why;

	if (!root) {
		if (access(a->snapshot_path, F_OK) == 0)
			set_snapshot_aside(a, "not a JSON object");
		return NULL;
	}
	why = snapshot_error(root);
	if (why) {
		set_snapshot_aside(a, why);
		json_object_put(root);
		return NULL;
	}
	return root;
}

static void load_snapshot(struct alert *a)
{
	struct json_object *root = read_snapshot(a), *conds, *devs, *o;
	const struct metric_def *m = metric_lookup("ups_source");

	if (!root)
		return;
	for (size_t i = 0; json_object_object_get_ex(root, "conds", &conds) && i < a->n; i++)
		if (json_object_object_get_ex(conds, a->conds[i].key, &o))
			restore_cond(&a->conds[i], o);
	for (size_t i = 0; json_object_object_get_ex(root, "ups_source", &devs) && i < a->cfg->n_devices; i++) {
		int code = json_object_object_get_ex(devs, a->cfg->devices[i].name, &o) ?
			metric_state_code(m, json_object_get_string(o)) : -1;

		a->devs[i].ups_source = code >= 0 ? m->states[code] : NULL;
	}
	json_object_put(root);
}

/* ------------------------------------------------------------------ restart */

static void note_id(struct alert *a, const char *id)
{
	size_t code_len = strlen(a->cfg->site.code);
	char day[9];
	unsigned n;

	/* "<code>-<yyyymmdd>-<n>": the last incident of the day sets the counter. */
	if (strncmp(id, a->cfg->site.code, code_len) != 0 || id[code_len] != '-' ||
	    sscanf(id + code_len + 1, "%8[0-9]-%u", day, &n) != 2)
		return;
	alert_reserve_id(a, day, n);
}

void alert_reserve_id(struct alert *a, const char *day, unsigned n)
{
	if (strlen(day) != 8)
		return;
	if (strcmp(day, a->id_day) > 0 || (strcmp(day, a->id_day) == 0 && n > a->id_n)) {
		snprintf(a->id_day, sizeof(a->id_day), "%s", day);
		a->id_n = n;
	}
}

static void drop_pending(struct alert *a, const char *id, int seq)
{
	for (size_t i = 0; i < a->n_pending; i++) {
		struct json_object *nt = json_object_object_get(a->pending[i], "notice");

		if (strcmp(jstr(a->pending[i], "id"), id) == 0 && jint(nt, "seq") == seq) {
			json_object_put(a->pending[i]);
			a->pending[i] = a->pending[--a->n_pending];
			return;
		}
	}
}

static void replay_open(struct alert *a, struct cond *c, struct json_object *rec, const char *id)
{
	struct json_object *arr;
	int sev = lookup_name(jstr(rec, "severity"), sev_name_i, SEV_UNKNOWN);

	memset(&c->rs, 0, sizeof(c->rs));
	snprintf(c->id, sizeof(c->id), "%s", id);
	c->next_seq = 0;
	c->mailed = false;
	c->rs.level = c->worst_sev = sev > SEV_OK ? (enum severity)sev : SEV_WARNING;
	c->rs.opened = c->rs.last_notice = c->opened = jnum(rec, "t");
	c->rs.flapping = jbool(rec, "flapping");
	c->since = jnum(rec, "since");
	c->first_value = c->worst = jnum(rec, "value");
	c->bound = jnum(rec, "bound");
	c->bound_dir = jstr(rec, "bound_kind") ? (strcmp(jstr(rec, "bound_kind"), "max") == 0 ? 1 : -1) : 0;
	memset(c->hit, 0, c->n_servers * sizeof(bool));
	if (!json_object_object_get_ex(rec, "servers", &arr))
		return;
	for (size_t i = 0; i < json_object_array_length(arr); i++)
		for (size_t k = 0; k < c->n_servers; k++)
			if (strcmp(jstr(json_object_array_get_idx(arr, i), "name") ?: "", c->servers[k]->name) == 0)
				c->hit[k] = true;
}

/* Folds a later record of the open incident of c into it. */
static void replay_event(struct alert *a, struct cond *c, struct json_object *rec, const char *type)
{
	struct json_object *nt;
	int sev = lookup_name(jstr(rec, "severity"), sev_name_i, SEV_UNKNOWN);

	if (strcmp(type, "worsen") == 0 && sev > (int)c->rs.level)
		c->rs.level = (enum severity)sev;
	if (!isnan(jnum(rec, "worst")))
		c->worst = jnum(rec, "worst");
	if (strcmp(type, "flapping") == 0)
		c->rs.flapping = jbool(rec, "on");
	if (!json_object_object_get_ex(rec, "notice", &nt))
		return;
	c->next_seq = (unsigned)jint(nt, "seq") + 1;
	if (strcmp(type, "close") != 0)
		c->rs.last_notice = jnum(rec, "t");
	if (jbool(nt, "silenced"))
		return;
	c->mailed = true;
	/* Offered again unless a "notified" record follows. */
	a->pending = xgrow(a->pending, &a->cap_pending, a->n_pending + 1, sizeof(*a->pending));
	a->pending[a->n_pending++] = json_object_get(rec);
}

static void reset_incident(struct cond *c)
{
	memset(&c->rs, 0, sizeof(c->rs));
	c->id[0] = '\0';
	c->since = c->opened = 0;
	c->worst = c->first_value = c->bound = NAN;
	c->worst_sev = SEV_OK;
	memset(c->hit, 0, c->n_servers * sizeof(bool));
}

/* Follows the open incidents of conditions the configuration no longer has (a device
 * removed, a rack renamed): their last record, until a close. */
static void replay_orphan(struct alert *a, struct json_object *rec, const char *type, const char *id)
{
	size_t i = 0;

	while (i < a->n_orphans && strcmp(jstr(a->orphans[i], "id"), id) != 0)
		i++;
	if (i == a->n_orphans) {
		if (strcmp(type, "open") != 0)
			return;
		a->orphans = xgrow(a->orphans, &a->cap_orphans, a->n_orphans + 1, sizeof(*a->orphans));
		a->n_orphans++;
	} else {
		json_object_put(a->orphans[i]);
	}
	a->orphans[i] = json_object_get(rec);
	if (strcmp(type, "close") == 0) {
		json_object_put(a->orphans[i]);
		a->orphans[i] = a->orphans[--a->n_orphans];
	}
}

/* Closes the incidents replay_orphan found, journal only: nobody can tell whether they
 * recovered, so no recovery mail; the close record's "reason" says why they ended. */
static void close_orphans(struct alert *a, double now)
{
	for (size_t i = 0; i < a->n_orphans; i++) {
		struct json_object *r = NULL;

		json_object_deep_copy(a->orphans[i], &r, NULL);
		json_object_object_del(r, "notice");
		json_object_object_del(r, "flapping");
		json_object_object_del(r, "on");
		json_object_object_add(r, "type", str("close"));
		json_object_object_add(r, "t", json_object_new_double(now));
		json_object_object_add(r, "end", json_object_new_double(now));
		json_object_object_add(r, "reason", str(JOURNAL_REASON_REMOVED));
		log_notice("incident %s closed: %s is no longer in the configuration", jstr(r, "id"), jstr(r, "cond"));
		journal_append(a->j, r);
		json_object_put(r);
		json_object_put(a->orphans[i]);
	}
	free(a->orphans);
	a->orphans = NULL;
	a->n_orphans = a->cap_orphans = 0;
}

static int replay_record(void *arg, struct json_object *rec)
{
	struct alert *a = arg;
	const char *type = jstr(rec, "type"), *id = jstr(rec, "id"), *key = jstr(rec, "cond");
	struct cond *c = key ? cond_find(a, key) : NULL;

	if (!type || !id)
		return 0;
	if (strcmp(type, "notified") == 0) {
		drop_pending(a, id, jint(rec, "seq"));
		return 0;
	}
	if (strcmp(type, "open") == 0)
		note_id(a, id);
	if (!c) {
		replay_orphan(a, rec, type, id);
		return 0;
	}
	if (strcmp(type, "open") == 0)
		replay_open(a, c, rec, id);
	else if (strcmp(c->id, id) != 0)
		return 0;
	replay_event(a, c, rec, type);
	if (strcmp(type, "close") == 0)
		reset_incident(c);
	return 0;
}

struct replay_ctx {
	struct alert *a;
	const char *path;
};

/* Every record goes through the journal's strict codec first: one the daemon cannot use
 * (hand-edited, damaged: no "t", "servers" not an array, a notice without its seq ...)
 * is named once, at its file and line, and skipped; the daemon starts all the same. */
static int replay_checked(void *arg, struct json_object *rec, const char *file, int line)
{
	struct replay_ctx *ctx = arg;
	struct jrec r;
	const char *why = jrec_decode(rec, &r);

	if (why)
		log_warn("%s:%d: journal record skipped: %s", file, line, why);
	jrec_clear(&r);
	return why ? 0 : replay_record(ctx->a, rec);
}

/* ------------------------------------------------------------------ entry points */

struct alert *alert_new(const struct config *cfg, notify_fn sink, void *sink_arg)
{
	struct alert *a = xcalloc(1, sizeof(*a));
	char *path = xasprintf("%s/%s", cfg->paths.state_dir, JOURNAL_FILE);
	size_t resent;

	a->cfg = cfg;
	a->sink = sink;
	a->sink_arg = sink_arg;
	a->snapshot_path = xasprintf("%s/%s", cfg->paths.state_dir, JOURNAL_SNAPSHOT_FILE);
	a->grace_until = clock_wall() + cfg->alerts.startup_grace_s;
	for (size_t i = 0; i < cfg->n_devices; i++) {
		unsigned dead_s = cfg->devices[i].interval_s * cfg->devices[i].dead_intervals;

		if (dead_s > a->max_gap_s)
			a->max_gap_s = dead_s;
	}
	a->devs = xcalloc(cfg->n_devices + 1, sizeof(*a->devs));
	for (size_t i = 0; i < cfg->n_devices; i++)
		a->devs[i].dev = &cfg->devices[i];
	build_conds(a);
	index_conds(a);
	if (journal_replay_lines(path, replay_checked, &(struct replay_ctx){ a, path }) < 0 ||
	    !(a->j = journal_open(path))) {
		log_err("cannot use the journal %s", path);
		free(path);
		alert_free(a);
		return NULL;
	}
	free(path);
	journal_set_max_bytes(a->j, (off_t)cfg->alerts.journal_max_kib * 1024);
	close_orphans(a, clock_wall());
	load_snapshot(a);
	resent = a->n_pending;
	if (resent > 0)
		log_notice("offering again %zu notification(s) not acknowledged before the restart", resent);
	alert_retry(a);
	return a;
}

void alert_free(struct alert *a)
{
	if (!a)
		return;
	if (a->j && (a->dirty || a->soft_moved))
		save_snapshot(a);
	journal_close(a->j);
	for (size_t i = 0; i < a->n; i++) {
		free(a->conds[i].key);
		free(a->conds[i].servers);
		free(a->conds[i].hit);
		free(a->conds[i].cur_hit);
	}
	for (size_t i = 0; i < a->n_pending; i++)
		json_object_put(a->pending[i]);
	for (size_t i = 0; i < a->n_orphans; i++)
		json_object_put(a->orphans[i]);
	free(a->orphans);
	for (size_t i = 0; a->devs && i < a->cfg->n_devices; i++)
		free(a->devs[i].conds);
	if (a->n_unwritten > 0)
		log_err("stopping with %zu journal record(s) never written (disk full?)", a->n_unwritten);
	for (size_t i = 0; i < a->n_unwritten; i++)
		json_object_put(a->unwritten[i]);
	free(a->unwritten);
	free(a->pending);
	free(a->conds);
	free(a->devs);
	free(a->snapshot_path);
	free(a);
}

void alert_result(struct alert *a, const struct poll_result *res, const struct derived *d)
{
	if (a->n_unwritten > 0)
		flush_unwritten(a);
	const struct devinfo *di = devinfo_of(a, res->dev);
	double since_write = res->time - a->snapshot_time;

	note_device(a, res, d);
	for (size_t i = 0; i < di->n_conds; i++) {
		struct cond *c = &a->conds[di->conds[i]];
		struct eval e;

		if (feeds(a, c, res) && judge_cond(a, c, res, d, &e))
			step(a, c, &e, res->time);
	}
	if (a->n_pending > 0)
		alert_retry(a);
	/* A wall clock set back makes the last write look recent: write then too. */
	if ((a->dirty && (since_write >= SNAPSHOT_BATCH_S || since_write < 0)) ||
	    (a->soft_moved && (since_write >= SOFT_SNAPSHOT_S || since_write < 0))) {
		save_snapshot(a);
		a->snapshot_time = res->time;
	}
}

struct journal *alert_journal(const struct alert *a)
{
	return a->j;
}

const struct rules_state *alert_condition(const struct alert *a, const char *key, const char **incident_id)
{
	const struct cond *c = cond_find(a, key);

	if (!c)
		return NULL;
	if (incident_id)
		*incident_id = c->id;
	return &c->rs;
}

size_t alert_condition_count(const struct alert *a)
{
	return a->n;
}

void alert_set_silences(struct alert *a, const struct silences *s)
{
	a->silences = s;
}

struct json_object *alert_incidents_json(const struct alert *a)
{
	struct json_object *list = json_object_new_array();

	for (size_t i = 0; i < a->n; i++) {
		const struct cond *c = &a->conds[i];
		struct json_object *o, *servers;

		if (!c->id[0])
			continue;
		o = json_object_new_object();
		servers = json_object_new_array();
		json_object_object_add(o, "id", json_object_new_string(c->id));
		json_object_object_add(o, "severity", json_object_new_string(severity_name(c->worst_sev)));
		json_object_object_add(o, "criterion", json_object_new_string(criterion_name(c->crit)));
		if (c->dev)
			json_object_object_add(o, "device", json_object_new_string(c->dev->name));
		if (c->rack)
			json_object_object_add(o, "rack", json_object_new_string(c->rack->name));
		json_object_object_add(o, "opened", json_object_new_double(c->opened));
		json_object_object_add(o, "since", json_object_new_double(c->since));
		json_object_object_add(o, "mailed", json_object_new_boolean(c->mailed));
		for (size_t k = 0; k < c->n_servers; k++)
			json_object_array_add(servers, json_object_new_string(c->servers[k]->name));
		json_object_object_add(o, "servers", servers);
		json_object_array_add(list, o);
	}
	return list;
}
