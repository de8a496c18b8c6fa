/* snmpdrv.c — SNMP acquisition. Each device has one Net-SNMP single session
 * (snmp_sess_open): its UDP socket is watched by the event loop, and one loop timer
 * follows the session's next retry/timeout (snmp_sess_select_info2 ->
 * snmp_sess_timeout). No select(), so no FD_SETSIZE limit on the number of devices.
 *
 * A poll is one or two rounds of GETs: first every metric's OID (and the
 * ENTITY-SENSOR scale/precision/status OIDs), split into max_oids chunks, then the
 * fallback OIDs of the metrics whose main OID is absent. A chunk answered tooBig is
 * halved and resent; an SNMPv1 noSuchName drops the OID it names and resends the
 * rest. SNMPv3 engine discovery is done asynchronously too (SNMP_FLAGS_DONT_PROBE:
 * snmp_sess_open would otherwise block on a synchronous probe).
 *
 * A profile with table metrics first walks their columns (snmptable.c) at the first
 * poll, then again when an instance disappears (at most every TABLE_REWALK_MIN_MS)
 * and every TABLE_REWALK_MAX_MS for new sensors; the polls in between GET the
 * instances' OIDs with the scalars.
 *
 * Over 600 lines: one concern, the asynchronous exchange with one agent, whose every
 * step (chunks, tooBig halving, noSuchName, fallbacks, v3 discovery, walks) works on the
 * same request table; value decoding is snmpdec.c's, table walking snmptable.c's, the
 * OIDs read (items) snmpitems.c's. */
#include <config.h>

#include <assert.h>
#include <errno.h>
#include <fnmatch.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include <net-snmp/library/large_fd_set.h>

#include "clock.h"
#include "log.h"
#include "sched.h"
#include "snmpdec.h"
#include "snmpdrv.h"
#include "snmpitems.h"
#include "snmptable.h"
#include "xmem.h"

/* Beyond Net-SNMP's own timeout x (retries + 1) after the last request sent, before
 * the poll is cut short: each round (discovery, main, fallback) and each resend
 * (tooBig, noSuchName) gets the whole budget. */
#define DEADLINE_SLACK_MS 200
#define TABLE_REWALK_MIN_MS (5 * 60 * 1000)
#define TABLE_REWALK_MAX_MS (60 * 60 * 1000)

enum round { ROUND_WALK, ROUND_MAIN, ROUND_FALLBACK };

/* A GET in flight; discovery has no items. SNMPv3 answers are matched on msgid
 * (a report may carry request-id 0). */
struct request {
	long reqid, msgid;
	size_t *items;
	size_t n;
	bool discovery;
	bool walk;                   /* a step of the table walk */
};

struct drv_device {
	const struct cfg_device *dev;
	poll_cb cb;
	void *cb_arg;
	void *sessp;
	int fd;
	struct sched_timer *timer;
	bool in_timer, closing;

	struct snmp_items plan;           /* the OIDs it reads (snmpitems.c) */
	struct log_complaint *absent;     /* per profile metric */
	struct log_complaint send_failed;
	struct reading *readings;         /* the poll's readings, lent by finish() (scratch) */
	size_t chunk_oids;                /* OIDs per GET: max_oids, or less once tooBig said so */

	/* Table metrics (snmptable.c). */
	struct snmptable_walk *walk;      /* the walk in progress */
	struct snmptable_instance *inst;  /* the rows found by the last walk */
	size_t n_inst;
	struct instance_reading *inst_readings;   /* theirs, lent the same way */
	bool tables_known, tables_stale, walk_failed;
	int64_t walked_ms;

	/* The poll in progress. */
	bool busy;
	enum round round;
	int64_t deadline_ms;
	struct request *reqs;
	size_t n_reqs, cap_reqs;
	unsigned responses, timeouts;
	char sec_error[120];              /* SNMPv3 report: the device refused us */
	bool sec_hint;                    /* Net-SNMP saw a security error on an answer */
	char lib_note[120];               /* Net-SNMP's last complaint while reading for us */
	char error[200];
};

static netsnmp_large_fd_set fdset;
static int fdset_size;
static struct drv_device *reading_for;   /* device whose answer Net-SNMP is parsing */

/* ------------------------------------------------------------------ timers */

/* Milliseconds until Net-SNMP's next retry/timeout or the poll deadline; -1 if none. */
static int64_t next_delay_ms(struct drv_device *d)
{
	struct timeval tv = { 0, 0 };
	int numfds = 0, block = 1;
	int64_t ms = -1;

	if (d->fd >= fdset_size) {
		netsnmp_large_fd_set_resize(&fdset, d->fd + 1);
		fdset_size = d->fd + 1;
	}
	snmp_sess_select_info2(d->sessp, &numfds, &fdset, &tv, &block);
	NETSNMP_LARGE_FD_CLR(d->fd, &fdset);
	if (!block)
		ms = (int64_t)tv.tv_sec * 1000 + (tv.tv_usec + 999) / 1000;
	if (d->busy) {
		int64_t left = d->deadline_ms - clock_mono_ms();

		if (left < 0)
			left = 0;
		if (ms < 0 || left < ms)
			ms = left;
	}
	return ms;
}

static int64_t on_timer(void *arg, int64_t now_ms);

static void rearm(struct drv_device *d)
{
	int64_t ms;

	if (d->in_timer || d->closing)
		return;
	ms = next_delay_ms(d);
	if (ms < 0) {
		sched_del_timer(d->timer);
		d->timer = NULL;
	} else if (d->timer) {
		sched_reschedule(d->timer, ms);
	} else {
		d->timer = sched_add_timer(ms, on_timer, d);
	}
}

/* ------------------------------------------------------------------ results */

/* main: the item of the metric's OID; fb: of its fallback OID, NULL if not asked. */
static void complain_absent(struct drv_device *d, size_t i, const struct item *main, const struct item *fb)
{
	const struct profile_metric *m = &d->dev->profile->metrics[i];

	log_complain(&d->absent[i], LOG_NOTICE, "%s: metric %s absent: the device answers %s for %s%s%s%s%s",
		d->dev->name, m->name, main->why ? main->why : "noSuchObject", m->oid,
		fb ? ", " : "", fb ? (fb->why ? fb->why : "noSuchObject") : "", fb ? " for its fallback " : "",
		fb ? m->fallback_oid : "");
}

/* The value of a sensor's scale or precision column; neutral if the profile or the
 * device has none; NAN if it was unreadable. */
static double column_or(const struct item *it, double neutral)
{
	if (!it || (!it->failed && it->done && it->status == SNMPDEC_ABSENT))
		return neutral;
	return !it->failed && it->status == SNMPDEC_OK ? it->value : NAN;
}

static double sensor_factor(const struct drv_device *d, const struct metric_items *mi)
{
	const struct item *sc, *pr;

	if (mi->scale < 0 && mi->precision < 0)
		return 1.0;
	sc = mi->scale >= 0 ? &d->plan.items[mi->scale] : NULL;
	pr = mi->precision >= 0 ? &d->plan.items[mi->precision] : NULL;
	/* A missing column counts as its neutral value: scale units (9), precision 0; so does
	 * a column the device does not have (agents that fill only entPhySensorType and
	 * entPhySensorValue answer noSuchInstance for the others). */
	return snmpdec_sensor_factor(column_or(sc, 9), column_or(pr, 0));
}

/* Keeps the first problem of a poll, as "what: detail" (detail may be NULL). */
static void note_error(struct drv_device *d, const char *what, const char *detail)
{
	if (d->error[0])
		return;
	if (detail)
		snprintf(d->error, sizeof(d->error), "%s: %s", what, detail);
	else
		snprintf(d->error, sizeof(d->error), "%s", what);
}

static bool item_read(const struct item *it)
{
	return it && it->done && !it->failed && it->status == SNMPDEC_OK;
}

/* Decodes slot (a scalar metric, or an instance of a table metric) into *r. */
static void decode_slot(struct drv_device *d, size_t slot, size_t i, struct reading *r)
{
	const struct metric_items *mi = &d->plan.mi[slot];
	const struct item *main = &d->plan.items[mi->main];
	const struct item *fb = mi->fallback >= 0 ? &d->plan.items[mi->fallback] : NULL;
	const struct item *st = mi->status >= 0 ? &d->plan.items[mi->status] : NULL;
	struct snmpdec_input in = { .main = main->status, .main_value = main->value,
		.fallback_read = fb && fb->done && !fb->failed, .fallback_failed = fb && fb->done && fb->failed,
		.factor = sensor_factor(d, mi), .status_read = item_read(st), .status_value = st ? st->value : NAN };
	const char *name = d->dev->profile->metrics[i].name;
	bool instance = slot >= d->dev->profile->n_metrics;

	if (fb) {
		in.fallback = fb->status;
		in.fallback_value = fb->value;
	}
	if (main->failed || !main->done) {
		*r = (struct reading){ READING_ERROR, NAN, NAN, false, "" };
		note_error(d, name, main->why ? main->why : "no value");
		return;
	}
	if (snmpdec_metric(&d->dev->profile->metrics[i], &in, r))
		log_debug("%s: %s read from its fallback OID", d->dev->name, name);
	/* Another OID says the state outright (a UPS on battery). */
	if (mi->override >= 0 && item_read(&d->plan.items[mi->override]) && r->status != READING_ERROR) {
		const struct profile_metric *pm = &d->dev->profile->metrics[i];

		for (size_t k = 0; k < pm->n_override_values; k++)
			if ((double)pm->override_values[k] == d->plan.items[mi->override].value) {
				r->status = READING_OK;
				r->value = pm->override_state;
			}
	}
	/* The row is no longer one the table selects (its sensor unplugged): unknown now,
	 * and the next walk leaves it out. */
	if (mi->select >= 0 && item_read(&d->plan.items[mi->select]) && d->plan.items[mi->select].value == 0 &&
	    r->status != READING_ERROR) {
		*r = (struct reading){ READING_INVALID, NAN, r->raw, false, "", 0, false };
		d->tables_stale = true;
		log_debug("%s: %s: row %s is no longer selected", d->dev->name, name,
			d->inst[slot - d->dev->profile->n_metrics].index);
	}
	/* The row's unit column said Fahrenheit: the profile's unit is Celsius. */
	if (instance && r->status == READING_OK && d->inst[slot - d->dev->profile->n_metrics].fahrenheit)
		r->value = (r->value - 32.0) * 5.0 / 9.0;
	if (r->status == READING_INVALID && in.status_read)
		log_debug("%s: %s: the sensor's status is %.0f, not ok", d->dev->name, name, in.status_value);
	if (in.main == SNMPDEC_ABSENT && in.fallback_failed)
		note_error(d, name, fb->why ? fb->why : "no value from the fallback OID");
	else if (r->status == READING_ABSENT && instance)
		d->tables_stale = true;   /* the row is gone: walk the table again */
	else if (r->status == READING_ABSENT)
		complain_absent(d, i, main, fb && fb->done ? fb : NULL);
	else if (!instance)
		log_release(&d->absent[i], LOG_NOTICE, "%s: metric %s readable again", d->dev->name, name);
	if (r->status == READING_ERROR && !(in.main == SNMPDEC_ABSENT && in.fallback_failed))
		note_error(d, name, isnan(in.factor) ? "sensor scale/precision unreadable" :
			"value is not a number or an unmapped state");
}

/* A table metric's value: the aggregate of its instances; none is absent, said once. */
static void decode_table(struct drv_device *d, size_t i)
{
	const struct profile_metric *m = &d->dev->profile->metrics[i];

	if (d->walk_failed || !d->tables_known) {
		d->readings[i] = (struct reading){ READING_ERROR, NAN, NAN, false, "" };
		note_error(d, m->name, "the table walk got no answer");
		return;
	}
	snmptable_aggregate(m, i, d->inst_readings, d->n_inst, m->snmp_table->fallback_metric &&
		m->snmp_table->fallback_metric_index >= 0 ? &d->readings[m->snmp_table->fallback_metric_index] : NULL,
		&d->readings[i]);
	if (d->readings[i].from_fallback_metric)
		log_release(&d->absent[i], LOG_NOTICE, "%s: metric %s readable again", d->dev->name, m->name);
	else if (d->readings[i].status == READING_ABSENT)
		log_complain(&d->absent[i], LOG_NOTICE, "%s: metric %s absent: no row of the table %s%s%s",
			d->dev->name, m->name, m->oid, m->snmp_table->select_oid ? " is selected by " : "",
			m->snmp_table->select_oid ? m->snmp_table->select_oid : "");
	else
		log_release(&d->absent[i], LOG_NOTICE, "%s: metric %s readable again", d->dev->name, m->name);
}

_Static_assert(sizeof(((struct instance_reading *)0)->index) ==
	sizeof(((struct snmptable_instance *)0)->index), "instance index arrays of one size");
_Static_assert(sizeof(((struct instance_reading *)0)->label) ==
	sizeof(((struct snmptable_instance *)0)->label), "instance label arrays of one size");

static void decode_all(struct drv_device *d)
{
	const struct profile *prof = d->dev->profile;

	for (size_t k = 0; k < d->n_inst && !d->walk_failed; k++) {
		struct instance_reading *ir = &d->inst_readings[k];

		ir->metric = d->inst[k].metric;
		/* Arrays of one size (asserted below), each holding its string: copied whole,
		 * not through printf, at every poll of every row. */
		memcpy(ir->index, d->inst[k].index, sizeof(ir->index));
		memcpy(ir->label, d->inst[k].label, sizeof(ir->label));
		decode_slot(d, prof->n_metrics + k, ir->metric, &ir->r);
	}
	/* Scalars first: a table metric may fall back on one (fallback_metric). */
	for (size_t i = 0; i < prof->n_metrics; i++)
		if (!prof->metrics[i].snmp_table)
			decode_slot(d, i, i, &d->readings[i]);
	for (size_t i = 0; i < prof->n_metrics; i++)
		if (prof->metrics[i].snmp_table)
			decode_table(d, i);
}

/* The readings of the poll being finished: one buffer for every device, since each
 * consumer of a poll_result copies what it keeps (2.5 KB a UPS with a table of 5 rows,
 * kept per device for nothing before). */
static struct {
	struct reading *readings;
	size_t cap_readings;
	struct instance_reading *instances;
	size_t cap_instances;
	bool lent;
} scratch;

static void finish(struct drv_device *d)
{
	struct poll_result res;

	assert(!scratch.lent);
	scratch.lent = true;
	scratch.readings = xgrow(scratch.readings, &scratch.cap_readings, d->dev->profile->n_metrics + 1,
		sizeof(*scratch.readings));
	scratch.instances = xgrow(scratch.instances, &scratch.cap_instances, d->n_inst + 1,
		sizeof(*scratch.instances));
	/* Zeroed as a device's own calloc'd arrays were: the decoders leave the fields
	 * they do not concern (instance, sensor, from_fallback_metric) as they find them. */
	memset(scratch.readings, 0, d->dev->profile->n_metrics * sizeof(*scratch.readings));
	memset(scratch.instances, 0, d->n_inst * sizeof(*scratch.instances));
	d->readings = scratch.readings;
	d->inst_readings = scratch.instances;
	res = (struct poll_result){ .dev = d->dev, .time = clock_wall(),
		.readings = d->readings, .n_readings = d->dev->profile->n_metrics,
		.instances = d->inst_readings, .n_instances = d->walk_failed ? 0 : d->n_inst };

	d->busy = false;
	snmptable_walk_free(d->walk);
	d->walk = NULL;
	res.answered = d->responses > 0 && !d->sec_error[0];
	if (res.answered) {
		decode_all(d);
	} else if (d->sec_error[0]) {
		snprintf(d->error, sizeof(d->error), "%s", d->sec_error);
	} else if (d->sec_hint || d->lib_note[0]) {
		snprintf(d->error, sizeof(d->error), "SNMPv3: the answers fail the security checks "
			"(wrong pass phrase or protocol?)%s%s", d->lib_note[0] ? ": " : "", d->lib_note);
	} else if (d->timeouts > 0 || !d->error[0]) {
		snprintf(d->error, sizeof(d->error), "no answer within %u x %u ms (device down or unreachable, "
			"or %s)", d->dev->retries + 1, d->dev->timeout_ms, d->dev->snmp.version < 3 ?
			"wrong community" : "wrong SNMPv3 privacy pass phrase or context");
	}
	if (!res.answered) {
		for (size_t i = 0; i < res.n_readings; i++)
			d->readings[i] = (struct reading){ READING_ERROR, NAN, NAN, false, "" };
		res.n_instances = 0;
	}
	res.error = d->error[0] ? d->error : NULL;
	d->readings = NULL;
	d->inst_readings = NULL;
	d->cb(d->cb_arg, &res);
	scratch.lent = false;
}

/* ------------------------------------------------------------------ requests */

static int on_pdu(int op, netsnmp_session *sess, int reqid, netsnmp_pdu *pdu, void *magic);

static void fail_items(struct drv_device *d, const size_t *idx, size_t n, const char *why)
{
	for (size_t k = 0; k < n; k++) {
		d->plan.items[idx[k]].done = true;
		d->plan.items[idx[k]].failed = true;
		d->plan.items[idx[k]].why = why;
	}
}

static void add_request(struct drv_device *d, long reqid, long msgid, const size_t *idx, size_t n,
	bool discovery)
{
	struct request *rq;

	d->reqs = xgrow(d->reqs, &d->cap_reqs, d->n_reqs + 1, sizeof(*d->reqs));
	rq = &d->reqs[d->n_reqs++];
	rq->reqid = reqid;
	rq->msgid = msgid;
	rq->n = n;
	rq->discovery = discovery;
	rq->walk = false;
	rq->items = n ? xmalloc(n * sizeof(size_t)) : NULL;
	if (n)
		memcpy(rq->items, idx, n * sizeof(size_t));
}

/* The poll may last until Net-SNMP has given up on this request too. */
static void extend_deadline(struct drv_device *d)
{
	int64_t until = clock_mono_ms() + (int64_t)d->dev->timeout_ms * (d->dev->retries + 1) +
		DEADLINE_SLACK_MS;

	if (until > d->deadline_ms)
		d->deadline_ms = until;
}

static int send_pdu(struct drv_device *d, netsnmp_pdu *pdu, const size_t *idx, size_t n, bool discovery)
{
	long msgid = pdu->msgid;
	int reqid = snmp_sess_async_send(d->sessp, pdu, on_pdu, d);

	if (reqid == 0) {
		int liberr = 0, syserr = 0;
		char *msg = NULL;

		snmp_sess_error(d->sessp, &liberr, &syserr, &msg);
		log_complain(&d->send_failed, LOG_WARNING, "%s: cannot send an SNMP request: %s", d->dev->name,
			msg ? msg : "unknown error");
		free(msg);
		snmp_free_pdu(pdu);
		fail_items(d, idx, n, "the request could not be sent");
		note_error(d, "the request could not be sent", NULL);
		return -1;
	}
	add_request(d, reqid, msgid, idx, n, discovery);
	extend_deadline(d);
	return 0;
}

static int send_get(struct drv_device *d, const size_t *idx, size_t n)
{
	netsnmp_pdu *pdu = snmp_pdu_create(SNMP_MSG_GET);

	for (size_t k = 0; k < n; k++) {
		const struct item *it = &d->plan.items[idx[k]];
		oid name[SNMPDEC_OID_MAX];

		snmp_add_null_var(pdu, name, snmpitems_name(&d->plan, it, name));
	}
	return send_pdu(d, pdu, idx, n, false);
}

static int send_chunks(struct drv_device *d, const size_t *idx, size_t n)
{
	size_t per = d->chunk_oids;
	int rc = 0;

	for (size_t k = 0; k < n; k += per)
		if (send_get(d, idx + k, n - k < per ? n - k : per) < 0)
			rc = -1;
	return rc;
}

static bool wanted(const struct drv_device *d, const struct item *it, enum round round)
{
	if (round == ROUND_MAIN)
		return it->role != ITEM_FALLBACK;
	return it->role == ITEM_FALLBACK && !d->plan.items[d->plan.mi[it->metric].main].failed &&
		d->plan.items[d->plan.mi[it->metric].main].status == SNMPDEC_ABSENT;
}

/* Sends the GETs of a round; returns how many OIDs were asked. */
static size_t send_round(struct drv_device *d, enum round round)
{
	size_t *idx = xmalloc((d->plan.n_items + 1) * sizeof(size_t)), n = 0;

	d->round = round;
	for (size_t i = 0; i < d->plan.n_items; i++)
		if (wanted(d, &d->plan.items[i], round))
			idx[n++] = i;
	send_chunks(d, idx, n);
	free(idx);
	return n;
}

/* SNMPv3: a GET without varbinds and without authentication, answered by a report
 * that carries the agent's engine ID (RFC 3414 §4). */
static int send_discovery(struct drv_device *d)
{
	netsnmp_pdu *pdu = snmp_pdu_create(SNMP_MSG_GET);

	pdu->securityLevel = SNMP_SEC_LEVEL_NOAUTH;
	return send_pdu(d, pdu, NULL, 0, true);
}

static bool need_discovery(const struct drv_device *d)
{
	return d->dev->snmp.version == 3 && snmp_sess_session(d->sessp)->securityEngineIDLen == 0;
}

static void reset_items(struct drv_device *d);

/* Appends "SEP\"TEXT\"" (with PREFIX before the quote) to buf, cut at its end. */
static void append_quoted(char *buf, size_t size, const char *sep, const char *prefix, const char *text)
{
	size_t used = strlen(buf);

	if (used + 1 < size)
		snprintf(buf + used, size - used, "%s%s\"%s\"", sep, prefix, text);
}

/* Whether an instance of metric has a label matching one of the n patterns. */
static bool label_matches(const struct drv_device *d, size_t metric, char *const *patterns, size_t n)
{
	for (size_t k = 0; k < d->n_inst; k++)
		for (size_t i = 0; d->inst[k].metric == metric && i < n; i++)
			if (fnmatch(patterns[i], d->inst[k].label, FNM_CASEFOLD) == 0)
				return true;
	return false;
}

/* For --probe, --discover and the log: which rows prefer_pattern kept, and why. The
 * labels are device text already cleaned of control characters (snmptable.c). */
static void log_preferred(const struct drv_device *d, size_t metric, size_t candidates)
{
	const struct profile_metric *m = &d->dev->profile->metrics[metric];
	char why[160] = "", kept[240] = "", index[40];
	size_t n = 0;

	for (size_t i = 0; i < m->snmp_table->n_prefer_patterns; i++)
		append_quoted(why, sizeof(why), i ? ", " : "", "", m->snmp_table->prefer_patterns[i]);
	for (size_t k = 0; k < d->n_inst; k++)
		if (d->inst[k].metric == metric) {
			snprintf(index, sizeof(index), "%s ", d->inst[k].index);
			append_quoted(kept, sizeof(kept), n++ ? ", " : "", index, d->inst[k].label);
		}
	if (n < candidates)
		log_info("%s: %s: %zu of %zu rows kept, named like %s: %s", d->dev->name, m->name, n, candidates, why,
			kept);
	else if (n > 0 && m->snmp_table->n_prefer_when && !label_matches(d, metric, m->snmp_table->prefer_when,
		m->snmp_table->n_prefer_when))
		log_info("%s: %s: no row named like a part of a switch or router (prefer_when): all %zu rows kept",
			d->dev->name, m->name, n);
	else if (n > 0)
		log_info("%s: %s: no row named like %s: all %zu rows kept", d->dev->name, m->name, why, n);
}

/* The walk is over: its rows become the instances polled from now on. */
static void apply_walk(struct drv_device *d)
{
	const struct profile *prof = d->dev->profile;
	size_t *candidates = xcalloc(prof->n_metrics + 1, sizeof(size_t));
	bool tell = !d->tables_known || d->tables_stale;

	free(d->inst);
	d->n_inst = snmptable_select(d->walk, prof, &d->inst, candidates);
	for (size_t i = 0; tell && i < prof->n_metrics; i++)
		if (prof->metrics[i].snmp_table && prof->metrics[i].snmp_table->n_prefer_patterns)
			log_preferred(d, i, candidates[i]);
	free(candidates);
	snmpitems_free(&d->plan);
	snmpitems_build(&d->plan, prof, d->inst, d->n_inst);
	reset_items(d);
	if (tell)
		log_info("%s: %zu table instance(s) found in %u request(s)", d->dev->name, d->n_inst,
			snmptable_walk_requests(d->walk));
	d->tables_known = true;
	d->tables_stale = false;
	d->walked_ms = clock_mono_ms();
}

static bool need_walk(const struct drv_device *d)
{
	int64_t since = clock_mono_ms() - d->walked_ms;

	if (!snmptable_any(d->dev->profile))
		return false;
	return !d->tables_known || (d->tables_stale && since >= TABLE_REWALK_MIN_MS) ||
		since >= TABLE_REWALK_MAX_MS;
}

static int send_walk_step(struct drv_device *d)
{
	netsnmp_pdu *pdu = snmptable_walk_pdu(d->walk);

	if (!pdu)
		return 0;
	if (send_pdu(d, pdu, NULL, 0, false) < 0) {
		snmptable_walk_fail(d->walk);
		return -1;
	}
	d->reqs[d->n_reqs - 1].walk = true;
	return 0;
}

/* The first round of a poll, once SNMPv3 knows the engine: the walk if one is due,
 * else the GETs. */
static void start_round(struct drv_device *d)
{
	if (need_walk(d)) {
		d->round = ROUND_WALK;
		d->walk = snmptable_walk_new(d->dev->profile, d->dev->snmp.version != 1);
		send_walk_step(d);
		return;
	}
	send_round(d, ROUND_MAIN);
}

static void on_walk_answer(struct drv_device *d, netsnmp_pdu *pdu)
{
	d->responses++;
	snmptable_walk_answer(d->walk, pdu);
	send_walk_step(d);
}

/* Every request of a round has come back (or failed). */
static void round_done(struct drv_device *d)
{
	if (d->n_reqs > 0 || !d->busy)
		return;
	if (d->round == ROUND_WALK) {
		if (!d->walk || snmptable_walk_failed(d->walk) || d->sec_error[0]) {
			d->walk_failed = true;
			finish(d);
			return;
		}
		apply_walk(d);
		if (send_round(d, ROUND_MAIN) > 0 && d->n_reqs > 0)
			return;
		finish(d);
		return;
	}
	if (d->round == ROUND_MAIN && d->responses > 0 && !d->sec_error[0] &&
	    send_round(d, ROUND_FALLBACK) > 0 && d->n_reqs > 0)
		return;
	finish(d);
}

/* ------------------------------------------------------------------ answers */

/* An instance's select column answered: its value becomes 1 if the row is still
 * selected, 0 if not (a string column has no number to keep). */
static void select_answer(struct drv_device *d, struct item *it, const netsnmp_variable_list *vb)
{
	const struct snmptable_instance *in = &d->inst[it->metric - d->dev->profile->n_metrics];

	if (it->status == SNMPDEC_ABSENT && it->why)
		return;   /* noSuchInstance: the row is gone, the value says so too */
	it->status = SNMPDEC_OK;
	it->value = snmptable_varbind_selected(d->dev->profile->metrics[in->metric].snmp_table, vb) ? 1 : 0;
}

static void store_varbinds(struct drv_device *d, const struct request *rq, netsnmp_pdu *pdu)
{
	netsnmp_variable_list *vb = pdu->variables;

	for (size_t k = 0; k < rq->n; k++) {
		struct item *it = &d->plan.items[rq->items[k]];

		it->done = true;
		if (!vb || !snmpitems_named(&d->plan, it, vb)) {
			it->failed = true;
			it->why = "the answer does not match the request";
		} else {
			it->status = snmpdec_varbind(vb, &it->value);
			it->why = snmpdec_exception_name(vb);
			if (it->role == ITEM_SELECT)
				select_answer(d, it, vb);
		}
		if (vb)
			vb = vb->next_variable;
	}
}

/* The agent refused one OID (error-index) or the whole PDU: resend the others. */
static void retry_without(struct drv_device *d, const struct request *rq, long errindex, long errstat)
{
	size_t bad = errindex >= 1 && (size_t)errindex <= rq->n ? (size_t)errindex - 1 : rq->n;

	if (bad == rq->n) {
		fail_items(d, rq->items, rq->n, snmp_errstring((int)errstat));
		return;
	}
	if (errstat == SNMP_ERR_NOSUCHNAME) {
		/* SNMPv1's way of saying noSuchObject. */
		d->plan.items[rq->items[bad]].done = true;
		d->plan.items[rq->items[bad]].status = SNMPDEC_ABSENT;
		d->plan.items[rq->items[bad]].why = "noSuchName";
	} else {
		fail_items(d, rq->items + bad, 1, snmp_errstring((int)errstat));
	}
	if (bad > 0)
		send_chunks(d, rq->items, bad);
	if (bad + 1 < rq->n)
		send_chunks(d, rq->items + bad + 1, rq->n - bad - 1);
}

static void on_response(struct drv_device *d, const struct request *rq, netsnmp_pdu *pdu)
{
	d->responses++;
	if (pdu->errstat == SNMP_ERR_NOERROR) {
		store_varbinds(d, rq, pdu);
	} else if (pdu->errstat == SNMP_ERR_TOOBIG) {
		if (rq->n <= 1) {
			fail_items(d, rq->items, rq->n, "tooBig");
			return;
		}
		/* Remembered: the next polls need not be refused first. */
		if (d->chunk_oids > (rq->n + 1) / 2) {
			d->chunk_oids = (rq->n + 1) / 2;
			log_info("%s: the agent answered tooBig: %zu OIDs per request from now on",
				d->dev->name, d->chunk_oids);
		}
		send_get(d, rq->items, rq->n / 2);
		send_get(d, rq->items + rq->n / 2, rq->n - rq->n / 2);
	} else {
		retry_without(d, rq, pdu->errindex, pdu->errstat);
	}
}

/* The answer to the SNMPv3 discovery (a report, or a response from a lenient agent)
 * carries the agent's engine ID. Net-SNMP records it in the session only after this
 * callback returns; the keys need it now. Then they are localised for that engine,
 * as snmp_sess_open's synchronous probe would have done. */
static void on_discovery(struct drv_device *d, netsnmp_session *sess, netsnmp_pdu *pdu)
{
	if (pdu->securityEngineIDLen == 0) {
		snprintf(d->sec_error, sizeof(d->sec_error), "SNMPv3: the agent did not give its engine ID");
		return;
	}
	if (!sess->securityEngineIDLen) {
		sess->securityEngineID = netsnmp_memdup(pdu->securityEngineID, pdu->securityEngineIDLen);
		sess->securityEngineIDLen = pdu->securityEngineIDLen;
	}
	if (!sess->contextEngineIDLen) {
		sess->contextEngineID = netsnmp_memdup(pdu->securityEngineID, pdu->securityEngineIDLen);
		sess->contextEngineIDLen = pdu->securityEngineIDLen;
	}
	if (sess->securityLevel != SNMP_SEC_LEVEL_NOAUTH && usm_create_user_from_session(sess) != 0) {
		snprintf(d->sec_error, sizeof(d->sec_error), "SNMPv3: cannot set up the user's keys");
		return;
	}
	start_round(d);
}

/* An SNMPv3 report to a GET: the agent refuses our credentials. snmp_api_errstring
 * gives "Unknown user name", "Authentication failure (incorrect password, community
 * or key)", "Decryption error" ...: never a secret. */
static void on_report(struct drv_device *d, const struct request *rq, netsnmp_pdu *pdu)
{
	snprintf(d->sec_error, sizeof(d->sec_error), "SNMPv3: %s",
		snmp_api_errstring(snmpv3_get_report_type(pdu)));
	fail_items(d, rq->items, rq->n, "refused");
}

static struct request *find_request(struct drv_device *d, long reqid, const netsnmp_pdu *pdu)
{
	bool v3 = pdu && pdu->version == SNMP_VERSION_3;

	for (size_t i = 0; i < d->n_reqs; i++)
		if (v3 ? d->reqs[i].msgid == pdu->msgid : d->reqs[i].reqid == reqid)
			return &d->reqs[i];
	return NULL;
}

static void dispatch(struct drv_device *d, int op, netsnmp_session *sess, const struct request *rq,
	netsnmp_pdu *pdu)
{
	switch (op) {
	case NETSNMP_CALLBACK_OP_RECEIVED_MESSAGE:
		if (rq->discovery)
			on_discovery(d, sess, pdu);
		else if (pdu->command == SNMP_MSG_REPORT)
			on_report(d, rq, pdu);
		else if (rq->walk)
			on_walk_answer(d, pdu);
		else
			on_response(d, rq, pdu);
		break;
	case NETSNMP_CALLBACK_OP_TIMED_OUT:
		d->timeouts++;
		fail_items(d, rq->items, rq->n, "timeout");
		if (rq->walk)
			snmptable_walk_fail(d->walk);
		break;
	default:
		if (rq->walk)
			snmptable_walk_fail(d->walk);
		fail_items(d, rq->items, rq->n, "send failed");
		note_error(d, "the request could not be sent", NULL);
		break;
	}
}

/* Net-SNMP's callback for every request: answered, timed out, or abandoned. */
static int on_pdu(int op, netsnmp_session *sess, int reqid, netsnmp_pdu *pdu, void *magic)
{
	struct drv_device *d = magic;
	struct request *found, rq;

	if (d->closing)
		return 1;
	found = find_request(d, reqid, pdu);
	if (!found)
		return 1;   /* an answer to a poll already finished (deadline) */
	/* Announces the report or the failed check that follows: keep it as a hint in
	 * case the request then times out. */
	if (op == NETSNMP_CALLBACK_OP_SEC_ERROR) {
		/* The discovery's report is a "security error" by design. */
		if (!found->discovery)
			d->sec_hint = true;
		return 1;
	}
	/* A retry is going out: nothing to do. */
	if (op == NETSNMP_CALLBACK_OP_RESEND)
		return 1;
	/* notInTimeWindow: Net-SNMP resends the request itself once we return. */
	if (op == NETSNMP_CALLBACK_OP_RECEIVED_MESSAGE && pdu->command == SNMP_MSG_REPORT &&
	    snmpv3_get_report_type(pdu) == SNMPERR_NOT_IN_TIME_WINDOW)
		return 1;
	rq = *found;
	*found = d->reqs[--d->n_reqs];
	dispatch(d, op, sess, &rq, pdu);
	free(rq.items);
	round_done(d);
	return 1;
}

/* The poll ran past timeout x (retries + 1): give up on what is still out. */
static void abandon(struct drv_device *d)
{
	for (size_t i = 0; i < d->n_reqs; i++) {
		fail_items(d, d->reqs[i].items, d->reqs[i].n, "timeout");
		free(d->reqs[i].items);
	}
	d->n_reqs = 0;
	d->timeouts++;
	if (d->round == ROUND_WALK)
		d->walk_failed = true;
	finish(d);
}

static int64_t on_timer(void *arg, int64_t now_ms)
{
	struct drv_device *d = arg;
	int64_t ms;

	d->in_timer = true;
	snmp_sess_timeout(d->sessp);
	if (d->busy && clock_mono_ms() >= d->deadline_ms)
		abandon(d);
	d->in_timer = false;
	ms = next_delay_ms(d);
	if (ms < 0) {
		d->timer = NULL;
		return SCHED_STOP;
	}
	return ms;
}

static void on_readable(void *arg, int fd, unsigned events)
{
	struct drv_device *d = arg;

	if (fd >= fdset_size) {
		netsnmp_large_fd_set_resize(&fdset, fd + 1);
		fdset_size = fd + 1;
	}
	NETSNMP_LARGE_FD_SET(fd, &fdset);
	reading_for = d;
	snmp_sess_read2(d->sessp, &fdset);
	reading_for = NULL;
	NETSNMP_LARGE_FD_CLR(fd, &fdset);
	rearm(d);
}

/* ------------------------------------------------------------------ driver ops */

static void reset_items(struct drv_device *d)
{
	for (size_t i = 0; i < d->plan.n_items; i++) {
		d->plan.items[i].done = d->plan.items[i].failed = false;
		d->plan.items[i].status = SNMPDEC_ABSENT;
		d->plan.items[i].value = NAN;
		d->plan.items[i].why = NULL;
	}
}

static int snmpdrv_poll(struct drv_device *d)
{
	if (d->busy)
		return -1;
	reset_items(d);
	d->busy = true;
	d->round = ROUND_MAIN;
	d->walk_failed = false;
	d->responses = d->timeouts = 0;
	d->sec_hint = false;
	d->lib_note[0] = '\0';
	d->sec_error[0] = d->error[0] = '\0';
	d->deadline_ms = 0;   /* set by each request sent */
	if (need_discovery(d))
		send_discovery(d);
	else
		start_round(d);
	if (d->n_reqs == 0) {
		d->busy = false;
		snmptable_walk_free(d->walk);
		d->walk = NULL;
		return -1;
	}
	rearm(d);
	return 0;
}

static const struct { enum snmp_auth auth; oid *proto; size_t len; } auth_protos[] = {
	{ SNMP_AUTH_MD5, usmHMACMD5AuthProtocol, OID_LENGTH(usmHMACMD5AuthProtocol) },
	{ SNMP_AUTH_SHA, usmHMACSHA1AuthProtocol, OID_LENGTH(usmHMACSHA1AuthProtocol) },
	{ SNMP_AUTH_SHA224, usmHMAC128SHA224AuthProtocol, OID_LENGTH(usmHMAC128SHA224AuthProtocol) },
	{ SNMP_AUTH_SHA256, usmHMAC192SHA256AuthProtocol, OID_LENGTH(usmHMAC192SHA256AuthProtocol) },
	{ SNMP_AUTH_SHA384, usmHMAC256SHA384AuthProtocol, OID_LENGTH(usmHMAC256SHA384AuthProtocol) },
	{ SNMP_AUTH_SHA512, usmHMAC384SHA512AuthProtocol, OID_LENGTH(usmHMAC384SHA512AuthProtocol) },
};

static const struct { enum snmp_priv priv; oid *proto; size_t len; } priv_protos[] = {
	{ SNMP_PRIV_DES, usmDESPrivProtocol, OID_LENGTH(usmDESPrivProtocol) },
	{ SNMP_PRIV_AES, usmAESPrivProtocol, OID_LENGTH(usmAESPrivProtocol) },
	{ SNMP_PRIV_AES192, usmAES192PrivProtocol, OID_LENGTH(usmAES192PrivProtocol) },
	{ SNMP_PRIV_AES256, usmAES256PrivProtocol, OID_LENGTH(usmAES256PrivProtocol) },
};

/* Keys are derived here (RFC 3414 password-to-key); the pass phrases stay in conf. */
static int set_usm(netsnmp_session *s, const struct cfg_snmp *c)
{
	s->securityName = c->user;
	s->securityNameLen = strlen(c->user);
	s->securityLevel = c->auth == SNMP_AUTH_NONE ? SNMP_SEC_LEVEL_NOAUTH :
		c->priv == SNMP_PRIV_NONE ? SNMP_SEC_LEVEL_AUTHNOPRIV : SNMP_SEC_LEVEL_AUTHPRIV;
	if (c->context) {
		s->contextName = c->context;
		s->contextNameLen = strlen(c->context);
	}
	for (size_t i = 0; i < ARRAY_SIZE(auth_protos) && c->auth != SNMP_AUTH_NONE; i++) {
		if (auth_protos[i].auth != c->auth)
			continue;
		s->securityAuthProto = auth_protos[i].proto;
		s->securityAuthProtoLen = auth_protos[i].len;
		s->securityAuthKeyLen = USM_AUTH_KU_LEN;
		if (generate_Ku(s->securityAuthProto, (u_int)s->securityAuthProtoLen, (const u_char *)c->auth_pass,
			strlen(c->auth_pass), s->securityAuthKey, &s->securityAuthKeyLen) != SNMPERR_SUCCESS)
			return -1;
	}
	for (size_t i = 0; i < ARRAY_SIZE(priv_protos) && c->priv != SNMP_PRIV_NONE; i++) {
		if (priv_protos[i].priv != c->priv)
			continue;
		s->securityPrivProto = priv_protos[i].proto;
		s->securityPrivProtoLen = priv_protos[i].len;
		s->securityPrivKeyLen = USM_PRIV_KU_LEN;
		if (generate_Ku(s->securityAuthProto, (u_int)s->securityAuthProtoLen, (const u_char *)c->priv_pass,
			strlen(c->priv_pass), s->securityPrivKey, &s->securityPrivKeyLen) != SNMPERR_SUCCESS)
			return -1;
	}
	return 0;
}

void *snmpdrv_session(const struct cfg_device *dev, bool sync)
{
	const struct cfg_snmp *c = &dev->snmp;
	netsnmp_session s;
	void *sessp = NULL;
	char *peer = strchr(c->host, ':') ? xasprintf("udp6:[%s]:%u", c->host, c->port) :
		xasprintf("udp:%s:%u", c->host, c->port);

	snmp_sess_init(&s);
	s.peername = peer;
	s.timeout = (long)dev->timeout_ms * 1000L;
	s.retries = (int)dev->retries;
	s.version = c->version == 1 ? SNMP_VERSION_1 : c->version == 2 ? SNMP_VERSION_2c : SNMP_VERSION_3;
	if (!sync)   /* the loop's asynchronous engine discovery does it */
		s.flags |= SNMP_FLAGS_DONT_PROBE;
	if (c->version < 3) {
		s.community = (u_char *)c->community;
		s.community_len = strlen(c->community);
	}
	if (c->version < 3 || set_usm(&s, c) == 0)
		sessp = snmp_sess_open(&s);
	else
		log_err("%s: cannot derive the SNMPv3 keys", dev->name);
	if (!sessp)
		log_err("%s: cannot open an SNMP session to %s: %s", dev->name, peer,
			snmp_api_errstring(s.s_snmp_errno));
	/* The derived keys were copied by snmp_sess_open: wipe ours. */
	memset(s.securityAuthKey, 0, sizeof(s.securityAuthKey));
	memset(s.securityPrivKey, 0, sizeof(s.securityPrivKey));
	free(peer);
	return sessp;
}

static void snmpdrv_close(struct drv_device *d);

static struct drv_device *snmpdrv_open(const struct cfg_device *dev, poll_cb cb, void *arg)
{
	struct drv_device *d = xcalloc(1, sizeof(*d));
	netsnmp_transport *t;

	d->dev = dev;
	d->cb = cb;
	d->cb_arg = arg;
	d->fd = -1;
	d->chunk_oids = dev->snmp.max_oids;
	d->absent = xcalloc(dev->profile->n_metrics + 1, sizeof(*d->absent));
	snmpitems_build(&d->plan, dev->profile, d->inst, d->n_inst);
	d->sessp = snmpdrv_session(dev, false);
	t = d->sessp ? snmp_sess_transport(d->sessp) : NULL;
	if (!t || t->sock < 0 || sched_add_fd(t->sock, SCHED_READ, on_readable, d) < 0) {
		if (d->sessp)
			log_err("%s: cannot watch the SNMP socket", dev->name);
		snmpdrv_close(d);
		return NULL;
	}
	d->fd = t->sock;
	return d;
}

static void snmpdrv_close(struct drv_device *d)
{
	if (!d)
		return;
	d->closing = true;
	sched_del_timer(d->timer);
	if (d->fd >= 0)
		sched_del_fd(d->fd);
	if (d->sessp)
		snmp_sess_close(d->sessp);
	for (size_t i = 0; i < d->n_reqs; i++)
		free(d->reqs[i].items);
	snmpitems_free(&d->plan);
	free(d->reqs);
	snmptable_walk_free(d->walk);
	free(d->inst);
	free(d->absent);
	free(d);
}

/* A thousand devices are a thousand UDP sockets: lift the soft limit to the hard one. */
static void raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
			log_warn("cannot raise the open files limit: %s", strerror(errno));
	}
}

/* Net-SNMP's own messages ("Authentication failed for USER" when an answer fails
 * its check) go to our log at debug level, and become the reason of a failed poll. */
static int on_library_log(int major, int minor, void *serverarg, void *clientarg)
{
	const struct snmp_log_message *msg = serverarg;
	size_t n = strcspn(msg->msg, "\n");

	log_debug("net-snmp: %.*s", (int)n, msg->msg);
	if (reading_for && msg->priority <= LOG_WARNING)
		snprintf(reading_for->lib_note, sizeof(reading_for->lib_note), "%.*s", (int)n, msg->msg);
	return 0;
}

static void shutdown_library(void)
{
	snmp_shutdown("envmond");
}

/* Net-SNMP is set up once per process and shut down at exit: a reload (poller freed
 * and rebuilt) must not re-initialise it, which leaks in init_mib_internals. */
static void init_library(void)
{
	static bool done;

	if (done)
		return;
	done = true;
	snmp_disable_log();
	snmp_register_callback(SNMP_CALLBACK_LIBRARY, SNMP_CALLBACK_LOGGING, on_library_log, NULL);
	snmp_enable_calllog();
	/* Numeric OIDs only, and no snmp.conf or persistent state of the host's user:
	 * the configuration says everything (DESIGN.md §10). */
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DISABLE_CONFIG_LOAD, 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DISABLE_PERSISTENT_LOAD, 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DONT_PERSIST_STATE, 1);
	setenv("MIBS", "", 1);
	init_snmp("envmond");
	atexit(shutdown_library);
}

void snmpdrv_library(void)
{
	init_library();
}

static int snmpdrv_init(void)
{
	raise_nofile();
	init_library();
	netsnmp_large_fd_set_init(&fdset, FD_SETSIZE);
	fdset_size = FD_SETSIZE;
	return 0;
}

static void snmpdrv_fini(void)
{
	netsnmp_large_fd_set_cleanup(&fdset);
	fdset_size = 0;
}

const struct driver_ops snmp_driver = {
	.name = "snmp",
	.init = snmpdrv_init,
	.fini = snmpdrv_fini,
	.open = snmpdrv_open,
	.poll = snmpdrv_poll,
	.close = snmpdrv_close,
};
