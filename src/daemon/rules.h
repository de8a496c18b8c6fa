/* rules.h — the pure rule engine: a value against a criterion's bounds, and one step of
 * a condition's lifecycle (hold, hysteresis, clear-hold, repeat, flapping). No I/O, no
 * clock: everything comes in as arguments, so it is tested with tables. */
#ifndef RULES_H
#define RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf.h"

/* A value judged against a threshold. A value equal to a bound is inside (27.0 °C is in
 * the 18-27 °C envelope), except an upper bound of a threshold with upper_inclusive
 * (ups_load: 90 % is an overload). */
struct rules_verdict {
	enum severity sev;         /* SEV_OK, SEV_WARNING, SEV_CRITICAL; SEV_UNKNOWN if value is NAN */
	enum severity sev_clear;   /* the same against the bounds narrowed by the hysteresis: the
	                            * severity the condition may fall back to */
	double bound;              /* the bound crossed (NAN if none) */
	int bound_dir;             /* +1 above a maximum, -1 below a minimum, 0 none */
};

void rules_classify(const struct cfg_threshold *t, double value, struct rules_verdict *out);

/* One evaluation of a condition. */
struct rules_obs {
	enum severity sev;         /* SEV_OK .. SEV_CRITICAL (callers skip SEV_UNKNOWN) */
	enum severity sev_clear;   /* >= sev */
	bool immediate;            /* no hold: low battery, runtime under budget, overload, bypass */
};

struct rules_params {
	unsigned hold_s, clear_hold_s, repeat_s;
	double flap_high, flap_low;        /* marks on the weighted share of changes, 0..1 */
	unsigned flap_window;              /* evaluations, 3..64 */
	unsigned max_gap_s;                /* a longer gap between two observations restarts
	                                    * the hold and clear-hold timers (0 = none) */
};

/* A condition's lifecycle state; zero-initialised = fine, never evaluated. */
struct rules_state {
	enum severity level;       /* severity of the open incident; SEV_OK = none open */
	enum severity raw;         /* last observed severity */
	bool seen;                 /* evaluated at least once */
	bool flapping;
	double bad_since;          /* raw above level since (0 = not) */
	enum severity pending;     /* lowest severity observed since bad_since */
	double clear_since;        /* back inside (with hysteresis) since (0 = not) */
	double opened;             /* when the incident opened */
	double last_notice;        /* last alert, reminder or flapping notice (for repeat) */
	double last_seen;          /* time of the last observation (0 = none) */
	uint64_t changes;          /* bit i set: the state changed i evaluations ago */
	unsigned evals;            /* evaluations recorded in changes, up to flap_window */
};

enum rules_event {
	RULES_OPEN,                /* an incident opens at out->level */
	RULES_WORSEN,              /* the open incident reaches a higher severity */
	RULES_REMIND,              /* still unresolved after repeat_s */
	RULES_RECOVER,             /* back in spec for clear_hold_s: the incident closes */
	RULES_FLAP_START,          /* changes too often: one notice, then quiet (opens if none) */
	RULES_FLAP_STOP,           /* settled below the low mark */
};

struct rules_out {
	enum rules_event ev[4];
	size_t n;
	double flap_share;         /* the weighted share of changes after this step */
};

/* Advances st by one observation at time now (seconds) and lists what happened. While
 * the condition flaps, only a rise above the notified level gets through (at once when
 * immediate, else after hold_s), as RULES_WORSEN: no reminder, no recovery, no second
 * flapping notice. */
void rules_step(struct rules_state *st, const struct rules_obs *obs, const struct rules_params *p,
	double now, struct rules_out *out);

/* Nagios-style weighted share of changes in the last window evaluations: recent changes
 * weigh 1.2, the oldest 0.8, divided by the weight of every possible change. */
double rules_flap_share(uint64_t changes, unsigned window);

const char *rules_event_name(enum rules_event ev);

#endif
