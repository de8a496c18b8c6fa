/* replay.c — restart: the state snapshot (soft state: holds, flap history) written and
 * read back, and the journal replayed into the open incidents and the notifications
 * still owed. */
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
#include "replay.h"

/* ------------------------------------------------------------------ snapshot */

static struct json_object *cond_snapshot(const struct cond *c)
{
	struct json_object *o = json_object_new_object(), *hit = json_object_new_array();
	const struct rules_state *rs = &c->rs;

	json_object_object_add(o, "id", delivery_str(c->id));
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
	json_object_object_add(o, "worst", delivery_num(c->worst));
	json_object_object_add(o, "worst_sev", json_object_new_int(c->worst_sev));
	for (size_t i = 0; i < c->n_servers; i++)
		json_object_array_add(hit, json_object_new_boolean(c->hit[i]));
	json_object_object_add(o, "hit", hit);
	return o;
}

void replay_save_snapshot(struct alert *a)
{
	struct json_object *root = json_object_new_object(), *conds = json_object_new_object();
	struct json_object *devs = json_object_new_object();

	for (size_t i = 0; i < a->n; i++)
		json_object_object_add(conds, a->conds[i].key, cond_snapshot(&a->conds[i]));
	for (size_t i = 0; i < a->cfg->n_devices; i++)
		if (a->devs[i].ups_source)
			json_object_object_add(devs, a->cfg->devices[i].name, delivery_str(a->devs[i].ups_source));
	json_object_object_add(root, "conds", conds);
	json_object_object_add(root, "ups_source", devs);
	if (journal_snapshot_write(a->snapshot_path, root) == 0)
		a->dirty = a->soft_moved = false;
	json_object_put(root);
}

static int jint(struct json_object *o, const char *key)
{
	double v = jget_num(o, key);

	return isnan(v) ? 0 : (int)v;
}

/* The soft state (pending hold, clear-hold, flap history) comes from the snapshot when
 * it speaks of the same incident as the journal; the journal is the authority on
 * incidents, the snapshot may lag one step behind it. */
static void restore_cond(struct cond *c, struct json_object *o)
{
	const char *id = jget_str(o, "id");
	struct json_object *hit;
	struct rules_state *rs = &c->rs;

	if (!id || strcmp(id, c->id) != 0)
		return;
	rs->raw = (enum severity)jint(o, "raw");
	rs->seen = jget_bool(o, "seen");
	rs->bad_since = jget_num(o, "bad_since");
	rs->pending = (enum severity)jint(o, "pending");
	rs->clear_since = jget_num(o, "clear_since");
	rs->last_seen = jget_num(o, "last_seen");
	if (isnan(rs->last_seen))
		rs->last_seen = 0;      /* a snapshot from before it was kept */
	rs->changes = (uint64_t)json_object_get_int64(json_object_object_get(o, "changes"));
	rs->evals = (unsigned)jint(o, "evals");
	if (!c->id[0])
		rs->flapping = jget_bool(o, "flapping");
	if (c->since == 0)
		c->since = jget_num(o, "since");
	if (c->id[0] && jint(o, "worst_sev") >= (int)c->worst_sev && !isnan(jget_num(o, "worst"))) {
		c->worst = jget_num(o, "worst");
		c->worst_sev = (enum severity)jint(o, "worst_sev");
	}
	if (json_object_object_get_ex(o, "hit", &hit) && json_object_array_length(hit) == c->n_servers)
		for (size_t i = 0; i < c->n_servers; i++)
			c->hit[i] = c->hit[i] || json_object_get_boolean(json_object_array_get_idx(hit, i));
}

/* Why the members of one condition's snapshot are not of the types replay_save_snapshot
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

/* Why root is not a snapshot replay_save_snapshot could have written, or NULL. */
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

void replay_load_snapshot(struct alert *a)
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
	replay_reserve_id(a, day, n);
}

void replay_reserve_id(struct alert *a, const char *day, unsigned n)
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

		if (strcmp(jget_str(a->pending[i], "id"), id) == 0 && jint(nt, "seq") == seq) {
			json_object_put(a->pending[i]);
			a->pending[i] = a->pending[--a->n_pending];
			return;
		}
	}
}

/* A replayed record's severity, -1 when absent or "unknown" (as a name lookup gave). */
static int record_severity(const struct jrec *r)
{
	return r->severity == SEV_UNKNOWN ? -1 : (int)r->severity;
}

static void replay_open(struct cond *c, const struct jrec *r)
{
	int sev = record_severity(r);

	memset(&c->rs, 0, sizeof(c->rs));
	snprintf(c->id, sizeof(c->id), "%s", r->id);
	c->next_seq = 0;
	c->mailed = false;
	c->rs.level = c->worst_sev = sev > SEV_OK ? (enum severity)sev : SEV_WARNING;
	c->rs.opened = c->rs.last_notice = c->opened = r->t;
	c->rs.flapping = r->flapping;
	c->since = r->since;
	c->first_value = c->worst = r->value;
	c->bound = r->bound;
	c->bound_dir = r->bound_kind ? (strcmp(r->bound_kind, "max") == 0 ? 1 : -1) : 0;
	snprintf(c->sensor_device, sizeof(c->sensor_device), "%s", r->sensor_device ? r->sensor_device : "");
	snprintf(c->sensor, sizeof(c->sensor), "%s", r->sensor ? r->sensor : "");
	memset(c->hit, 0, c->n_servers * sizeof(bool));
	for (size_t i = 0; i < r->n_servers; i++)
		for (size_t k = 0; k < c->n_servers; k++)
			if (strcmp(r->servers[i].name, c->servers[k]->name) == 0)
				c->hit[k] = true;
}

/* Folds a later record r (rec, as read) of the open incident of c into it. */
static void replay_event(struct alert *a, struct cond *c, const struct jrec *r, struct json_object *rec)
{
	int sev = record_severity(r);

	if (r->type == JREC_WORSEN && sev > (int)c->rs.level)
		c->rs.level = (enum severity)sev;
	if (!isnan(r->worst))
		c->worst = r->worst;
	if (r->type == JREC_FLAPPING)
		c->rs.flapping = r->on;
	if (!r->has_notice)
		return;
	c->next_seq = r->notice.seq + 1;
	if (r->type != JREC_CLOSE)
		c->rs.last_notice = r->t;
	if (r->notice.silenced)
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
static void replay_orphan(struct alert *a, struct json_object *rec, enum jrec_type type, const char *id)
{
	size_t i = 0;

	while (i < a->n_orphans && strcmp(jget_str(a->orphans[i], "id"), id) != 0)
		i++;
	if (i == a->n_orphans) {
		if (type != JREC_OPEN)
			return;
		a->orphans = xgrow(a->orphans, &a->cap_orphans, a->n_orphans + 1, sizeof(*a->orphans));
		a->n_orphans++;
	} else {
		json_object_put(a->orphans[i]);
	}
	a->orphans[i] = json_object_get(rec);
	if (type == JREC_CLOSE) {
		json_object_put(a->orphans[i]);
		a->orphans[i] = a->orphans[--a->n_orphans];
	}
}

/* Closes the incidents replay_orphan found, journal only: nobody can tell whether they
 * recovered, so no recovery mail; the close record's "reason" says why they ended. */
void replay_close_orphans(struct alert *a, double now)
{
	for (size_t i = 0; i < a->n_orphans; i++) {
		struct jrec r;
		struct json_object *o;
		const char *why = jrec_decode(a->orphans[i], &r);

		/* replay_checked let only records the codec accepts this far. */
		assert(!why);
		(void)why;
		/* The incident as its last record left it, closed now; it notifies no one. */
		r.type = JREC_CLOSE;
		r.t = r.end = now;
		r.reason = JOURNAL_REASON_REMOVED;
		r.has_notice = r.flapping = r.on = false;
		o = jrec_encode(&r);
		log_notice("incident %s closed: %s is no longer in the configuration", r.id, r.cond);
		journal_append(a->j, o);
		json_object_put(o);
		jrec_clear(&r);
		json_object_put(a->orphans[i]);
	}
	free(a->orphans);
	a->orphans = NULL;
	a->n_orphans = a->cap_orphans = 0;
}

/* One record r (rec, as read), already through the codec, folded into the state. */
static void replay_record(struct alert *a, const struct jrec *r, struct json_object *rec)
{
	struct cond *c = r->cond ? conds_find(a, r->cond) : NULL;

	if (!r->id)
		return;
	if (r->type == JREC_NOTIFIED) {
		drop_pending(a, r->id, (int)r->seq);
		return;
	}
	if (r->type == JREC_OPEN)
		note_id(a, r->id);
	if (!c) {
		replay_orphan(a, rec, r->type, r->id);
		return;
	}
	if (r->type == JREC_OPEN)
		replay_open(c, r);
	else if (strcmp(c->id, r->id) != 0)
		return;
	replay_event(a, c, r, rec);
	if (r->type == JREC_CLOSE)
		reset_incident(c);
}

/* Every record goes through the journal's strict codec first: one the daemon cannot use
 * (hand-edited, damaged: no "t", "servers" not an array, a notice without its seq ...)
 * is named once, at its file and line, and skipped; the daemon starts all the same. */
int replay_checked(void *arg, struct json_object *rec, const char *file, int line)
{
	struct replay_ctx *ctx = arg;
	struct jrec r;
	const char *why = jrec_decode(rec, &r);

	if (why)
		log_warn("%s:%d: journal record skipped: %s", file, line, why);
	else
		replay_record(ctx->a, &r, rec);
	jrec_clear(&r);
	return 0;
}

