/* battery.c — battery health from real outages (see battery.h). */
#include <config.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auditdata.h"
#include "battery.h"
#include "envmon.h"
#include "fmt.h"
#include "series.h"
#include "xmem.h"

bool battery_assess(struct battery_outage *o)
{
	double used = o->charge_start - o->charge_end, minutes = difftime(o->end, o->start) / 60.0;

	o->charge_per_min = o->real_full_s = NAN;
	o->weak = false;
	if (isnan(used) || used < BATTERY_MIN_CHARGE_USED || minutes <= 0)
		return false;
	o->charge_per_min = used / minutes;
	o->real_full_s = 100.0 / o->charge_per_min * 60.0;
	o->weak = (!isnan(o->promised_s) && o->real_full_s < BATTERY_MIN_SHARE * o->promised_s) ||
		(!isnan(o->budget_s) && o->real_full_s < o->budget_s);
	return true;
}

/* The valid points of device's metric over [from, to): first, last, max, min, mean. */
struct span_values {
	double first, last, max, min, mean;
};

static void span_values(const struct config *cfg, const char *device, const char *metric,
	time_t from, time_t to, struct span_values *v)
{
	struct series s;
	double sum = 0;
	size_t n = 0;

	*v = (struct span_values){ NAN, NAN, NAN, NAN, NAN };
	if (series_fetch(cfg, device, metric, SERIES_AVERAGE, from, to, &s) != 0)
		return;
	for (size_t i = 0; i < s.n; i++) {
		if (isnan(s.v[i]))
			continue;
		if (isnan(v->first))
			v->first = s.v[i];
		v->last = s.v[i];
		v->max = isnan(v->max) ? s.v[i] : fmax(v->max, s.v[i]);
		v->min = isnan(v->min) ? s.v[i] : fmin(v->min, s.v[i]);
		sum += s.v[i];
		n++;
	}
	v->mean = n ? sum / (double)n : NAN;
	series_free(&s);
}

/* The most demanding shutdown budget (ups_runtime's critical bound) of the servers
 * device feeds, and the longest clear_hold of their ups_source criterion. */
static double budget_of(const struct config *cfg, const char *device, unsigned *clear_s)
{
	double budget = NAN;

	*clear_s = 0;

	for (size_t r = 0; r < cfg->n_racks; r++)
		for (size_t k = 0; k < cfg->racks[r].n_servers; k++) {
			const struct cfg_server *s = &cfg->racks[r].servers[k];
			double b = s->spec->crit[CRIT_UPS_RUNTIME].crit_lo;

			for (size_t u = 0; u < s->n_ups; u++) {
				if (strcmp(s->ups[u]->name, device) != 0)
					continue;
				if (!isnan(b) && (isnan(budget) || b > budget))
					budget = b;
				if (s->spec->crit[CRIT_UPS_SOURCE].clear_hold_s > *clear_s)
					*clear_s = s->spec->crit[CRIT_UPS_SOURCE].clear_hold_s;
			}
		}
	return budget;
}

/* The figures of one outage of device over [start, end): the promise is the runtime
 * read just before or as it began, the charge at its start the highest around then. */
static void measure(const struct config *cfg, struct battery_outage *o)
{
	time_t step = cfg->storage.step_s, before = o->start - 4 * step;
	struct span_values rt, ch_start, ch_during, load;

	span_values(cfg, o->device, "ups_runtime", before, o->start + step, &rt);
	span_values(cfg, o->device, "ups_charge", before, o->start + step, &ch_start);
	span_values(cfg, o->device, "ups_charge", o->start, o->end + step, &ch_during);
	span_values(cfg, o->device, "ups_load", o->start, o->end, &load);
	o->promised_s = rt.max;
	o->charge_start = isnan(ch_start.max) ? ch_during.max : ch_start.max;
	o->charge_end = ch_during.min;
	o->load_pct = load.mean;
	battery_assess(o);
}

/* The outage of episode e: from the first reading on battery to the first back on
 * mains (the incident closes clear_hold after it). */
static void from_episode(const struct config *cfg, const struct audit_episode *e, struct battery_outage *o)
{
	unsigned clear_s;

	o->device = conf_device(cfg, e->device)->name;
	o->budget_s = budget_of(cfg, o->device, &clear_s);
	o->start = e->since ? e->since : e->start;
	o->end = e->open ? e->end : e->end - (time_t)clear_s;
	if (o->end <= o->start)
		o->end = o->start + 1;
	measure(cfg, o);
}

size_t battery_outages(const struct audit *a, struct battery_outage **out)
{
	struct battery_outage *o = xcalloc(a->n_episodes + 1, sizeof(*o));
	size_t n = 0;

	for (size_t i = 0; i < a->n_episodes; i++) {
		const struct audit_episode *e = &a->episodes[i];

		if (e->crit == CRIT_UPS_SOURCE && e->on_battery && e->device && conf_device(a->cfg, e->device))
			from_episode(a->cfg, e, &o[n++]);
	}
	*out = o;
	return n;
}

char *battery_reason(const struct battery_outage *o)
{
	char real[32], promised[32], day[32];

	fmt_duration(real, sizeof(real), o->real_full_s);
	fmt_duration(promised, sizeof(promised), o->promised_s);
	fmt_date(day, sizeof(day), o->start);
	return xasprintf(_("%s real for %s promised in the outage of %s"), real, promised, day);
}

char *battery_age_reason(const struct cfg_device *dev, time_t at)
{
	char day[32];

	if (!dev->battery_installed || difftime(at, dev->battery_installed) <= BATTERY_MAX_AGE_S)
		return NULL;
	fmt_date(day, sizeof(day), dev->battery_installed);
	return xasprintf(_("batteries over 4 years old (installed on %s)"), day);
}
