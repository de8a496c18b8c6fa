/* judge.c — judging: a poll result and its derived values in, for each condition it
 * feeds the worst verdict across its servers (severity, value, bound) out. */
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
#include "judge.h"

/* ------------------------------------------------------------------ judging */

static bool is_state_criterion(enum criterion c)
{
	return c == CRIT_COOLING_STATE || c == CRIT_UPS_SOURCE || c == CRIT_UPS_BATTERY ||
		c == CRIT_UPS_REPLACE_BATTERY || c == CRIT_UPS_SELFTEST;
}

void judge_reading(const struct cfg_threshold *t, enum criterion crit, double value, const char *state,
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

/* "INDEX LABEL" of an instance, as the aggregate names it, cut on a UTF-8 boundary. */
static void instance_name(const struct instance_reading *ir, char *out, size_t size)
{
	size_t n, lead;
	unsigned char b;

	snprintf(out, size, ir->label[0] ? "%s %s" : "%s", ir->index, ir->label);
	n = strlen(out);
	if (n + 1 < size || n == 0)
		return;
	/* Cut: drop a last character whose bytes did not all fit. */
	for (lead = n - 1; lead > 0 && ((unsigned char)out[lead] & 0xc0) == 0x80; lead--)
		;
	b = (unsigned char)out[lead];
	if (b >= 0xc0 && n - lead < (size_t)(b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : 2))
		out[lead] = '\0';
}

/* A table metric (several phases, several sensors): the worst verdict over its
 * instances, each judged against both bounds (a phase at 262 V hides behind the lowest
 * voltage of the three; a cold inlet behind the hottest). False if no instance reads. */
static bool judge_instances(const struct cfg_threshold *t, enum criterion crit, const struct poll_result *res,
	int m, struct eval *best)
{
	bool any = false;

	for (size_t k = 0; k < res->n_instances; k++) {
		const struct instance_reading *ir = &res->instances[k];
		struct eval e;

		if ((int)ir->metric != m || ir->r.status != READING_OK)
			continue;
		judge_reading(t, crit, ir->r.value, NULL, &e);
		e.sensor_device = res->dev->name;
		instance_name(ir, e.sensor, sizeof(e.sensor));
		if (!any || eval_better(&e, best))
			*best = e;
		any = true;
	}
	return any;
}

/* ------------------------------------------------------------------ evaluation */

struct devinfo *judge_devinfo_of(struct alert *a, const struct cfg_device *dev)
{
	return &a->devs[conds_device_index(a->cfg, dev)];
}

/* Only an answer clears contact. A missed poll before dead_time tells nothing: after a
 * restart the poller counts misses from zero, and rating them OK closed a lost contact
 * that was still lost (then opened it again). */
static void judge_contact(const struct alert *a, const struct cond *c, const struct cfg_threshold *t,
	const struct poll_result *res, struct eval *e)
{
	const char *source = a->devs[conds_device_index(a->cfg, c->dev)].ups_source;

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
		struct devinfo *ds = judge_devinfo_of(a, c->rack->probes[i]);
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
		judge_reading(t, c->crit, v, NULL, &e);
		/* Several probes or sensors: say which one (rates follow the temperature). */
		e.sensor_device = c->rack->probes[i]->name;
		snprintf(e.sensor, sizeof(e.sensor), "%s", ds->inst[c->crit == CRIT_HUMIDITY ? 1 : 0]);
		if (eval_better(&e, best))
			*best = e;
		if (c->crit == CRIT_TEMPERATURE || c->crit == CRIT_HUMIDITY) {
			int k = c->crit == CRIT_HUMIDITY;

			if (isnan(ds->low[k]))
				continue;
			/* Its coldest (driest) sensor, against the envelope's lower bound. */
			judge_reading(t, c->crit, ds->low[k], NULL, &e);
			e.sensor_device = c->rack->probes[i]->name;
			snprintf(e.sensor, sizeof(e.sensor), "%s", ds->inst_low[k]);
			if (eval_better(&e, best))
				*best = e;
		}
	}
}

/* A device's own criterion. A numeric table metric is judged instance by instance, e
 * then naming the worst; otherwise its value, and the instance the aggregate chose. */
static void judge_device(const struct cfg_threshold *t, enum criterion crit, const struct poll_result *res,
	const struct derived *d, struct eval *e)
{
	const char *state = NULL;
	double v = result_value(res, d, crit, &state);
	int m = profile_metric_index(res->dev->profile, criterion_name(crit));
	const struct profile_metric *pm = m >= 0 ? &res->dev->profile->metrics[m] : NULL;

	judge_reading(t, crit, v, state, e);
	if (pm && pm->snmp_table && pm->n_state_names == 0 && judge_instances(t, crit, res, m, e))
		return;
	if (m >= 0 && (size_t)m < res->n_readings && res->readings[m].instance[0]) {
		e->sensor_device = res->dev->name;   /* the most loaded phase ... */
		snprintf(e->sensor, sizeof(e->sensor), "%s", res->readings[m].instance);
	}
}

/* The verdict of the condition: the worst over its servers, each by its own spec. */
bool judge_cond(struct alert *a, struct cond *c, const struct poll_result *res,
	const struct derived *d, struct eval *best)
{
	memset(best, 0, sizeof(*best));
	best->sev = SEV_UNKNOWN;
	for (size_t i = 0; i < c->n_servers; i++) {
		const struct cfg_threshold *t = &c->servers[i]->spec->crit[c->crit];
		struct eval e;

		c->cur_hit[i] = false;
		if (!t->enabled)
			continue;
		if (c->crit == CRIT_CONTACT)
			judge_contact(a, c, t, res, &e);
		else if (c->rack)
			judge_rack(a, c, t, &e);
		else
			judge_device(t, c->crit, res, d, &e);
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
bool judge_feeds(const struct alert *a, const struct cond *c, const struct poll_result *res)
{
	const char *source = a->devs[conds_device_index(a->cfg, res->dev)].ups_source;

	if (c->crit == CRIT_CONTACT)
		return c->dev == res->dev;
	if (!res->answered)
		return false;
	if ((c->crit == CRIT_INPUT_VOLTAGE || c->crit == CRIT_INPUT_FREQUENCY) && source &&
	    strcmp(source, "online") != 0)
		return false;
	return c->dev == res->dev || (c->rack && rack_has_probe(c->rack, res->dev));
}

/* The lowest reading instance of metric i (temperature k = 0, humidity 1) into di. */
static void note_lowest(struct devinfo *di, int k, const struct poll_result *res, int i)
{
	const struct instance_reading *low = NULL;

	for (size_t n = 0; i >= 0 && n < res->n_instances; n++) {
		const struct instance_reading *ir = &res->instances[n];

		if ((int)ir->metric == i && ir->r.status == READING_OK && (!low || ir->r.value < low->r.value))
			low = ir;
	}
	di->low[k] = low ? low->r.value : NAN;
	di->inst_low[k][0] = '\0';
	if (low)
		instance_name(low, di->inst_low[k], sizeof(di->inst_low[k]));
}

void judge_note_device(struct alert *a, const struct poll_result *res, const struct derived *d)
{
	struct devinfo *di = judge_devinfo_of(a, res->dev);
	const char *state = NULL;

	if (!res->answered)
		return;
	di->d = *d;
	for (int k = 0; k < 2; k++) {
		int i = profile_metric_index(res->dev->profile, k ? "humidity" : "temperature");

		snprintf(di->inst[k], sizeof(di->inst[k]), "%s",
			i >= 0 && (size_t)i < res->n_readings ? res->readings[i].instance : "");
		note_lowest(di, k, res, i);
	}
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

