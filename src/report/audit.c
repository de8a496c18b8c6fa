/* audit.c — assembling the site audit: which device measures which criterion of a
 * server, its series over the period, the statistics, the incidents and the verdicts. */
#include <config.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "battery.h"
#include "critfmt.h"
#include "episodes.h"
#include "instances.h"
#include "metric.h"
#include "series.h"
#include "upgrades.h"
#include "xmem.h"

/* The criteria measured by each kind of device, in the order the report shows them.
 * Each criterion is stored as the metric of the same name. */
static const enum criterion probe_crits[] = { CRIT_TEMPERATURE, CRIT_HUMIDITY,
	CRIT_DEW_POINT, CRIT_TEMP_RATE_HOUR, CRIT_TEMP_RATE_15MIN };
static const enum criterion cooling_crits[] = { CRIT_COOLING_STATE };
static const enum criterion ups_crits[] = { CRIT_UPS_SOURCE, CRIT_UPS_RUNTIME, CRIT_UPS_LOAD,
	CRIT_UPS_CHARGE, CRIT_UPS_BATTERY, CRIT_UPS_REPLACE_BATTERY, CRIT_UPS_SELFTEST,
	CRIT_INPUT_VOLTAGE, CRIT_INPUT_FREQUENCY };

/* Replaces each state code of s by its level; an unknown code stays unknown. */
static void map_states(struct series *s, enum criterion c)
{
	for (size_t i = 0; i < s->n; i++)
		s->v[i] = isnan(s->v[i]) ? NAN : critfmt_state_level(c, lrint(s->v[i]));
}

/* The envelopes of c from the server's spec: recommended = the warning bounds,
 * allowable = the critical ones; a rate of change is judged on its size. */
static struct envelope crit_envelope(const struct cfg_threshold *t, enum criterion c)
{
	struct envelope e = { t->warn_lo, t->warn_hi, t->crit_lo, t->crit_hi };

	if (criterion_has_no_bounds(c))
		return (struct envelope){ NAN, 0.5, NAN, 1.5 };
	if (c == CRIT_TEMP_RATE_HOUR || c == CRIT_TEMP_RATE_15MIN) {
		e.rec_lo = -e.rec_hi;
		e.allow_lo = -e.allow_hi;
	}
	/* As the rules judge it: a value at an inclusive upper bound (a UPS load of 80 %)
	 * is outside; the bound moved down by one ulp makes the strict test agree. */
	if (t->upper_inclusive) {
		e.rec_hi = nextafter(e.rec_hi, -INFINITY);
		e.allow_hi = nextafter(e.allow_hi, -INFINITY);
	}
	return e;
}

static bool has_metric(const struct config *cfg, const struct cfg_device *dev, const char *m)
{
	const struct profile *p = dev->profile;

	if (series_has_metric(cfg, dev->name, m))
		return true;
	if (!p)
		return false;
	if (profile_metric_index(p, m) >= 0)
		return true;
	/* Derived by envmond from what the probe measures. */
	if (strcmp(m, "dew_point") == 0)
		return profile_metric_index(p, "temperature") >= 0 &&
			profile_metric_index(p, "humidity") >= 0;
	if (strncmp(m, "temp_rate_", 10) == 0)
		return profile_metric_index(p, "temperature") >= 0;
	return false;
}

static bool name_in_list(const char *list, const char *name)
{
	size_t len = strlen(name);

	for (const char *p = list; p && *p; ) {
		const char *end = strchr(p, ',');
		size_t n = end ? (size_t)(end - p) : strlen(p);

		while (n && *p == ' ')
			p++, n--;
		if (n == len && strncmp(p, name, len) == 0)
			return true;
		p = end ? end + 1 : NULL;
	}
	return false;
}

bool audit_episode_matches(const struct audit_episode *e, const struct audit_row *r)
{
	if (e->crit != r->crit)
		return false;
	if (e->device && strcmp(e->device, r->device->name) != 0)
		return false;
	if (e->servers && e->servers[0])
		return name_in_list(e->servers, r->server->name);
	if (e->rack)
		return r->server->rack && strcmp(e->rack, r->server->rack->name) == 0;
	return e->device != NULL;
}

static void count_episodes(const struct audit *a, struct audit_row *r)
{
	for (size_t i = 0; i < a->n_episodes; i++) {
		const struct audit_episode *e = &a->episodes[i];

		if (!audit_episode_matches(e, r))
			continue;
		if (e->severity == SEV_CRITICAL)
			r->crit_episodes++;
		else if (e->severity == SEV_WARNING)
			r->warn_episodes++;
		r->episodes_s += difftime(e->end, e->start);
	}
}

static void row_daily(struct audit_row *r, const struct series *s)
{
	r->n_days = stats_days(s, &r->days);
	r->daily = xcalloc(r->n_days + 1, sizeof(*r->daily));
	for (size_t d = 0; d < r->n_days; d++)
		stats_compute(s, r->days[d].first, r->days[d].count, &r->env, &r->daily[d]);
	r->worst_day = stats_worst_day(s, r->days, r->n_days, &r->env, &r->worst_day_s);
}

/* A period with no series at all still has its points: all of them missing. */
static void empty_series(struct series *s, time_t from, time_t to, unsigned step_s)
{
	s->t0 = from;
	s->step_s = step_s ? step_s : 30;
	s->n = (size_t)(to - from) / s->step_s;
	s->v = xmalloc((s->n ? s->n : 1) * sizeof(double));
	for (size_t i = 0; i < s->n; i++)
		s->v[i] = NAN;
}

/* Extremes from the MIN and MAX archives, where the averages of a coarse archive would
 * hide a peak. Only when they have the same points as the averages. */
static void true_extremes(const struct audit *a, struct audit_row *r, const struct series *avg,
	enum series_cf cf)
{
	struct series s;

	if (series_fetch(a->cfg, r->device->name, criterion_name(r->crit), cf, a->from, a->to,
	    &s) == 0 && s.n == avg->n && s.t0 == avg->t0 && s.step_s == avg->step_s) {
		struct stats x;

		stats_compute(&s, 0, s.n, &r->env, &x);
		if (cf == SERIES_MIN && x.n_known)
			r->st.min = x.min, r->st.min_t = x.min_t;
		if (cf == SERIES_MAX && x.n_known)
			r->st.max = x.max, r->st.max_t = x.max_t;
		for (size_t d = 0; d < r->n_days; d++) {
			stats_compute(&s, r->days[d].first, r->days[d].count, &r->env, &x);
			if (cf == SERIES_MIN && x.n_known)
				r->daily[d].min = x.min;
			if (cf == SERIES_MAX && x.n_known)
				r->daily[d].max = x.max;
		}
	}
	series_free(&s);
}

/* The outages of the journal's ups_source episodes of r's UPS, as [since, recovery):
 * the incident closes clear_hold after the first reading back on mains. */
static size_t journal_outages(const struct audit *a, const struct audit_row *r, time_t (*out)[2])
{
	unsigned clear_s = r->server->spec->crit[CRIT_UPS_SOURCE].clear_hold_s;
	size_t n = 0;

	for (size_t i = 0; i < a->n_episodes; i++) {
		const struct audit_episode *e = &a->episodes[i];

		if (e->crit != CRIT_UPS_SOURCE || !e->on_battery || !e->device ||
		    strcmp(e->device, r->device->name) != 0)
			continue;
		out[n][0] = e->since;
		out[n][1] = e->open ? e->end : e->end - (time_t)clear_s;
		if (out[n][1] <= out[n][0])
			out[n][1] = out[n][0] + 1;
		n++;
	}
	return n;
}

static void longest_run(struct stats_runs *b, time_t start, double len_s, unsigned res_s)
{
	if (len_s > b->longest_s) {
		b->longest_s = len_s;
		b->longest_start = start;
		b->longest_res_s = res_s;
	}
}

/* Transfers to battery and the longest outage. The journal knows each outage that held
 * past its hold to the poll; the archive a long period is read from only to its point
 * (5 min for a month), which would stretch a 90 s outage at 14:02 to "5 min from
 * 14:00". So: every journal outage, exactly, plus each run of the archive that no
 * journal outage explains (shorter than the hold, or journal lost), at the archive's
 * resolution, which is then shown when coarser than the step. */
static void battery_runs(const struct audit *a, struct audit_row *r, const struct series *s)
{
	time_t (*j)[2] = xcalloc(a->n_episodes + 1, sizeof(*j));
	size_t nj = journal_outages(a, r, j);
	unsigned res_s = s->step_s > a->cfg->storage.step_s ? s->step_s : 0;
	struct stats_runs *b = &r->battery;
	/* The archive stores a state as its code in metric.c's vocabulary. */
	double on_battery = criteria_state_code(CRIT_UPS_SOURCE, "on_battery");

	memset(b, 0, sizeof(*b));
	b->longest_start = -1;
	for (size_t k = 0; k < nj; k++)
		longest_run(b, j[k][0], difftime(j[k][1], j[k][0]), 0);
	b->count = (unsigned)nj;
	for (size_t i = 0; i < s->n; ) {
		size_t end = i;
		time_t t0 = s->t0 + (time_t)(i * s->step_s), t1;
		bool known = false;

		while (end < s->n && !isnan(s->v[end]) && s->v[end] == on_battery)
			end++;
		if (end == i) {
			i++;
			continue;
		}
		t1 = s->t0 + (time_t)(end * s->step_s);
		for (size_t k = 0; k < nj && !known; k++)
			known = j[k][0] < t1 && j[k][1] > t0;
		if (!known) {
			b->count++;
			b->count_res_s = res_s;
			longest_run(b, t0, difftime(t1, t0), res_s);
		}
		i = end;
	}
	free(j);
}

/* A state is read from the MAX archive: codes are ordered from normal to worst, so the
 * maximum over a coarse point is the worst state met in it (a short transfer to battery
 * is not averaged away). */
static void row_measure(const struct audit *a, struct audit_row *r)
{
	const struct config *cfg = a->cfg;
	const char *m = criterion_name(r->crit);
	struct series s;
	struct verdict_input in = { .st = &r->st };

	if (series_fetch(cfg, r->device->name, m, r->is_state ? SERIES_MAX : SERIES_AVERAGE,
	    a->from, a->to, &s) != 0 || s.n == 0) {
		series_free(&s);
		empty_series(&s, a->from, a->to, cfg->storage.step_s);
	}
	if (r->crit == CRIT_UPS_SOURCE)
		battery_runs(a, r, &s);
	if (r->is_state)
		map_states(&s, r->crit);
	stats_compute(&s, 0, s.n, &r->env, &r->st);
	row_daily(r, &s);
	if (!r->is_state) {
		true_extremes(a, r, &s, SERIES_MIN);
		true_extremes(a, r, &s, SERIES_MAX);
	}
	series_free(&s);
	instances_measure(a, r);
	count_episodes(a, r);
	in.warn_episodes = r->warn_episodes;
	in.crit_episodes = r->crit_episodes;
	in.transfers = r->battery.count;
	r->verdict = verdict_judge(&in, &r->reason);
}

static void add_rows(struct audit *a, size_t *cap, const struct cfg_server *srv,
	const struct cfg_device *dev, const enum criterion *crits, size_t n_crits)
{
	for (size_t i = 0; i < n_crits; i++) {
		const struct cfg_threshold *t = &srv->spec->crit[crits[i]];
		struct audit_row *r;

		if (!t->enabled || !has_metric(a->cfg, dev, criterion_name(crits[i])))
			continue;
		a->rows = xgrow(a->rows, cap, a->n_rows + 1, sizeof(*a->rows));
		r = &a->rows[a->n_rows++];
		memset(r, 0, sizeof(*r));
		r->server = srv;
		r->crit = crits[i];
		r->device = dev;
		r->is_state = criterion_has_no_bounds(crits[i]);
		r->env = crit_envelope(t, crits[i]);
		row_measure(a, r);
	}
}

/* The server's own BMC: its temperature (and rates) judge it in a rack without
 * probes; beside the probes its temperature is shown only (issue 15.3). */
static void add_inlet_rows(struct audit *a, size_t *cap, const struct cfg_server *srv)
{
	static const enum criterion beside_crits[] = { CRIT_TEMPERATURE };
	bool beside = srv->rack && srv->rack->n_probes > 0;
	size_t first = a->n_rows;

	if (!srv->inlet)
		return;
	if (beside)
		add_rows(a, cap, srv, srv->inlet, beside_crits, ARRAY_SIZE(beside_crits));
	else
		add_rows(a, cap, srv, srv->inlet, probe_crits, ARRAY_SIZE(probe_crits));
	for (size_t i = first; i < a->n_rows; i++) {
		a->rows[i].inlet = true;
		a->rows[i].beside = beside;
	}
}

static unsigned server_findings(const struct cfg_server *srv)
{
	unsigned f = 0;

	if (!srv->rack || !srv->rack->is_rack)
		f |= FIND_NO_RACK;
	if (srv->n_ups == 0)
		f |= FIND_NO_UPS;
	if ((!srv->rack || srv->rack->n_probes == 0) && !srv->inlet)
		f |= FIND_NO_PROBE;
	if (!srv->rack || srv->rack->n_cooling == 0)
		f |= FIND_NO_COOLING;
	return f;
}

static enum verdict findings_verdict(unsigned f)
{
	if (f & (FIND_NO_RACK | FIND_NO_UPS))
		return VERDICT_FAIL;
	if (f & FIND_NO_PROBE)
		return VERDICT_NO_DATA;
	return VERDICT_OK;
}

static void add_server(struct audit *a, size_t *cap, struct audit_server *as,
	const struct cfg_server *srv)
{
	const struct cfg_rack *rack = srv->rack;

	as->server = srv;
	as->findings = server_findings(srv);
	as->first_row = a->n_rows;
	for (size_t i = 0; rack && i < rack->n_probes; i++)
		add_rows(a, cap, srv, rack->probes[i], probe_crits, ARRAY_SIZE(probe_crits));
	for (size_t i = 0; rack && i < rack->n_cooling; i++)
		add_rows(a, cap, srv, rack->cooling[i], cooling_crits, ARRAY_SIZE(cooling_crits));
	for (size_t i = 0; i < srv->n_ups; i++)
		add_rows(a, cap, srv, srv->ups[i], ups_crits, ARRAY_SIZE(ups_crits));
	add_inlet_rows(a, cap, srv);
	as->n_rows = a->n_rows - as->first_row;
	as->verdict = findings_verdict(as->findings);
	for (size_t i = as->first_row; i < a->n_rows; i++)
		if (!a->rows[i].beside)
			as->verdict = verdict_worst(as->verdict, a->rows[i].verdict);
}

struct audit *audit_build(const struct config *cfg, time_t from, time_t to)
{
	struct audit *a = xcalloc(1, sizeof(*a));
	size_t cap = 0, n = 0;

	a->cfg = cfg;
	a->from = from;
	a->to = to;
	a->n_episodes = episodes_load(cfg, from, to, &a->episodes);
	for (size_t i = 0; i < cfg->n_racks; i++)
		n += cfg->racks[i].n_servers;
	a->servers = xcalloc(n + 1, sizeof(*a->servers));
	for (size_t i = 0; i < cfg->n_racks; i++)
		for (size_t j = 0; j < cfg->racks[i].n_servers; j++)
			add_server(a, &cap, &a->servers[a->n_servers++], &cfg->racks[i].servers[j]);
	a->n_outages = battery_outages(a, &a->outages);
	upgrades_plan(a);
	return a;
}

void audit_free(struct audit *a)
{
	if (!a)
		return;
	for (size_t i = 0; i < a->n_rows; i++) {
		free(a->rows[i].days);
		free(a->rows[i].daily);
		instances_free(&a->rows[i]);
	}
	free(a->rows);
	free(a->servers);
	episodes_free(a->episodes, a->n_episodes);
	for (size_t i = 0; i < a->n_upgrades; i++) {
		free(a->upgrades[i].target);
		free(a->upgrades[i].reason);
	}
	free(a->upgrades);
	free(a->outages);
	free(a);
}
