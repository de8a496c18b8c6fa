/* rules.c — classification of values and the lifecycle step of a condition. Pure. */
#include <config.h>

#include <math.h>

#include "rules.h"

/* An upper bound is crossed above it, or at it when the criterion says so (ups_load:
 * UPS MIBs give whole percent, and 90 % is an overload). A lower bound, below it. */
static enum severity against(double lo, double hi, bool hi_inclusive, double v, double margin,
	double *bound, int *dir)
{
	if (!isnan(hi) && (v > hi - margin || (hi_inclusive && v >= hi - margin))) {
		*bound = hi;
		*dir = 1;
		return SEV_WARNING;
	}
	if (!isnan(lo) && v < lo + margin) {
		*bound = lo;
		*dir = -1;
		return SEV_WARNING;
	}
	return SEV_OK;
}

void rules_classify(const struct cfg_threshold *t, double value, struct rules_verdict *out)
{
	double b = NAN, bc = NAN;
	int d = 0, dc = 0;

	*out = (struct rules_verdict){ .sev = SEV_UNKNOWN, .sev_clear = SEV_UNKNOWN, .bound = NAN };
	if (isnan(value))
		return;
	if (against(t->crit_lo, t->crit_hi, t->upper_inclusive, value, 0.0, &b, &d))
		out->sev = SEV_CRITICAL;
	else
		out->sev = against(t->warn_lo, t->warn_hi, t->upper_inclusive, value, 0.0, &b, &d);
	out->bound = b;
	out->bound_dir = d;
	if (against(t->crit_lo, t->crit_hi, t->upper_inclusive, value, t->hysteresis, &bc, &dc))
		out->sev_clear = SEV_CRITICAL;
	else
		out->sev_clear = against(t->warn_lo, t->warn_hi, t->upper_inclusive, value,
			t->hysteresis, &bc, &dc);
}

double rules_flap_share(uint64_t changes, unsigned window)
{
	unsigned slots = window > 1 ? window - 1 : 1;   /* changes between window evaluations */
	double sum = 0, total = 0;

	if (slots > 63)
		slots = 63;
	for (unsigned i = 0; i < slots; i++) {
		double w = slots > 1 ? 1.2 - 0.4 * i / (slots - 1) : 1.0;

		total += w;
		if (changes & (1ull << i))
			sum += w;
	}
	return sum / total;
}

static void emit(struct rules_out *out, enum rules_event ev)
{
	if (out->n < sizeof(out->ev) / sizeof(out->ev[0]))
		out->ev[out->n++] = ev;
}

static void track_flapping(struct rules_state *st, const struct rules_obs *obs,
	const struct rules_params *p, struct rules_out *out)
{
	bool changed = st->seen && obs->sev != st->raw;
	unsigned slots = p->flap_window > 1 ? p->flap_window - 1 : 1;

	st->changes = (st->changes << 1) | (changed ? 1u : 0u);
	if (slots < 64)
		st->changes &= (1ull << slots) - 1;
	if (st->evals < p->flap_window)
		st->evals++;
	out->flap_share = rules_flap_share(st->changes, p->flap_window);
	if (!st->flapping && out->flap_share >= p->flap_high && p->flap_high > 0) {
		st->flapping = true;
		emit(out, RULES_FLAP_START);
	} else if (st->flapping && out->flap_share < p->flap_low) {
		st->flapping = false;
		emit(out, RULES_FLAP_STOP);
	}
}

/* The timers run whether or not the condition flaps, so that when it settles the
 * decisions below see how long it has really been in or out. */
static void track_timers(struct rules_state *st, const struct rules_obs *obs, double now)
{
	if (obs->sev > st->level) {
		if (st->bad_since == 0 || obs->sev < st->pending)
			st->pending = obs->sev;
		if (st->bad_since == 0)
			st->bad_since = now;
	} else {
		st->bad_since = 0;
		st->pending = SEV_OK;
	}
	if (st->level > SEV_OK && obs->sev_clear == SEV_OK) {
		if (st->clear_since == 0)
			st->clear_since = now;
	} else {
		st->clear_since = 0;
	}
}

static void raise_level(struct rules_state *st, const struct rules_obs *obs,
	const struct rules_params *p, double now, struct rules_out *out)
{
	enum severity to;

	if (st->bad_since == 0)
		return;
	if (obs->immediate)
		to = obs->sev;
	else if (now - st->bad_since >= p->hold_s)
		to = st->pending;
	else
		return;
	emit(out, st->level == SEV_OK ? RULES_OPEN : RULES_WORSEN);
	if (st->level == SEV_OK)
		st->opened = now;
	st->level = to;
	st->last_notice = now;
	st->bad_since = 0;
	st->pending = SEV_OK;
}

static void decide(struct rules_state *st, const struct rules_obs *obs, const struct rules_params *p,
	double now, struct rules_out *out)
{
	if (st->level > SEV_OK && st->clear_since != 0 && now - st->clear_since >= p->clear_hold_s) {
		emit(out, RULES_RECOVER);
		st->level = SEV_OK;
		st->clear_since = 0;
		st->opened = 0;
		return;
	}
	raise_level(st, obs, p, now, out);
	if (out->n > 0 || st->level == SEV_OK)
		return;
	if (p->repeat_s > 0 && now - st->last_notice >= p->repeat_s) {
		emit(out, RULES_REMIND);
		st->last_notice = now;
	}
}

void rules_step(struct rules_state *st, const struct rules_obs *obs, const struct rules_params *p,
	double now, struct rules_out *out)
{
	out->n = 0;
	track_flapping(st, obs, p, out);
	st->raw = obs->sev;
	st->seen = true;
	/* Hours without data (a silent device, a daemon that was down): what the condition
	 * did meanwhile is unknown, so a hold or clear-hold started before is not counted
	 * across the gap; it starts again now. */
	if (p->max_gap_s > 0 && st->last_seen > 0 && now - st->last_seen > p->max_gap_s) {
		st->bad_since = st->clear_since = 0;
		st->pending = SEV_OK;
	}
	st->last_seen = now;
	track_timers(st, obs, now);
	if (out->n > 0 && out->ev[0] == RULES_FLAP_START) {
		/* One notice for the flapping; an incident opens if none was. */
		if (st->level == SEV_OK) {
			st->level = obs->sev > SEV_WARNING ? obs->sev : SEV_WARNING;
			st->opened = now;
			st->bad_since = 0;
			st->pending = SEV_OK;
		}
		st->last_notice = now;
	}
	if (st->flapping) {
		/* Quiet about the wobble, never about worse: an immediate critical (low
		 * battery, overload ...) or a rise held long enough still goes out. */
		if (obs->sev > st->level)
			raise_level(st, obs, p, now, out);
		return;
	}
	decide(st, obs, p, now, out);
}

const char *rules_event_name(enum rules_event ev)
{
	static const char *const names[] = { "open", "worsen", "remind", "recover", "flap_start", "flap_stop" };

	return (unsigned)ev < sizeof(names) / sizeof(names[0]) ? names[ev] : "?";
}
