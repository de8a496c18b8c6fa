/* incident.c — the incident lifecycle: a verdict in, the rules engine's transitions
 * turned into an incident that opens, worsens, reminds, flaps and closes. */
#include <config.h>

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
#include "incident.h"

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

/* The sensor or phase of a reading kept as the incident's worst (or first). */
static void keep_sensor(struct cond *c, const struct eval *e)
{
	snprintf(c->sensor_device, sizeof(c->sensor_device), "%s", e->sensor_device && e->sensor[0] ?
		e->sensor_device : "");
	snprintf(c->sensor, sizeof(c->sensor), "%s", e->sensor_device ? e->sensor : "");
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
	keep_sensor(c, e);
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
	keep_sensor(c, e);
	c->worst_sev = c->rs.level;
	c->opened = now;
	if (c->since == 0)
		c->since = now;
	rec = delivery_record(a, c, "open", e, now);
	if (flapping)
		json_object_object_add(rec, "flapping", json_object_new_boolean(true));
	log_notice("incident %s opened: %s %s", c->id, c->key, severity_name(c->rs.level));
	delivery_decide(a, c, rec, flapping ? NOTIF_FLAPPING : NOTIF_ALERT, now);
}

static void close_incident(struct alert *a, struct cond *c, const struct eval *e, double now)
{
	struct json_object *rec = delivery_record(a, c, "close", e, now);

	json_object_object_add(rec, "end", json_object_new_double(now));
	log_notice("incident %s over: %s", c->id, c->key);
	delivery_decide(a, c, rec, NOTIF_RECOVERY, now);
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
		delivery_decide(a, c, delivery_record(a, c, "worsen", e, now), NOTIF_ALERT, now);
		break;
	case RULES_REMIND:
		delivery_decide(a, c, delivery_record(a, c, "remind", e, now), NOTIF_REMINDER, now);
		break;
	case RULES_RECOVER:
		close_incident(a, c, e, now);
		break;
	case RULES_FLAP_START:
		if (!c->id[0]) {
			open_incident(a, c, e, now, true);
			break;
		}
		rec = delivery_record(a, c, "flapping", e, now);
		json_object_object_add(rec, "on", json_object_new_boolean(true));
		delivery_decide(a, c, rec, NOTIF_FLAPPING, now);
		break;
	case RULES_FLAP_STOP:
		rec = delivery_record(a, c, "flapping", e, now);
		json_object_object_add(rec, "on", json_object_new_boolean(false));
		delivery_journal_only(a, rec);
		break;
	}
}

/* An incident that opened during maintenance and outlives it is mailed when it ends. */
static void unsilence(struct alert *a, struct cond *c, const struct eval *e, double now)
{
	if (!c->id[0] || c->mailed || c->rs.flapping || conds_in_maintenance(a, c, now))
		return;
	/* The first mail people get: the reminder counts from it, as replay_event does. */
	c->rs.last_notice = now;
	delivery_decide(a, c, delivery_record(a, c, "unsilence", e, now), NOTIF_ALERT, now);
}

void incident_step(struct alert *a, struct cond *c, const struct eval *e, double now)
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

