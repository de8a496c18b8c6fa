/* stats.h — the pure statistics of the report: extremes, mean, 95th percentile, time
 * outside the recommended and allowable envelopes, worst day, coverage, UPS transfers. */
#ifndef STATS_H
#define STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "series.h"

/* Bounds of the two envelopes; NAN where there is no bound. A value v is outside the
 * recommended envelope when v < rec_lo or v > rec_hi (likewise for allowable). */
struct envelope {
	double rec_lo, rec_hi;
	double allow_lo, allow_hi;
};

struct stats {
	size_t n_points;           /* points in the period */
	size_t n_known;            /* of which known */
	double coverage;           /* n_known / n_points (0 when n_points = 0) */
	double min, mean, max, p95; /* over known points; NAN when none */
	time_t min_t, max_t;       /* start of the interval of the first min / max */
	double known_s;            /* seconds covered by known points */
	double out_rec_s, out_allow_s;         /* seconds outside each envelope */
	double out_rec_share, out_allow_share; /* of known_s (0 when nothing known) */
};

/* Statistics of points [first, first + count) of s judged against env. */
void stats_compute(const struct series *s, size_t first, size_t count,
	const struct envelope *env, struct stats *out);

/* The p-th percentile (0..100) of the n values (NANs ignored) by linear interpolation
 * between closest ranks, rank = p/100 * (k - 1) over the k known values sorted (the
 * "inclusive" method of numpy's default and Python's statistics). NAN if k = 0. */
double stats_percentile(const double *v, size_t n, double p);

/* One local calendar day of the period: its points in the series. */
struct stats_day {
	time_t start;              /* local midnight */
	size_t first, count;
};

/* Splits s into local days (a point belongs to the day its interval starts in).
 * Returns the number of days, *days a new array. */
size_t stats_days(const struct series *s, struct stats_day **days);

/* The day with the most time outside the recommended envelope (the first of equals);
 * -1 when no point of the period is outside. *out_s gets that time. */
int stats_worst_day(const struct series *s, const struct stats_day *days, size_t n_days,
	const struct envelope *env, double *out_s);

/* Runs of points equal to state code (a UPS on battery): the number of runs that
 * start after a known point of another state or at the start of the period, and the
 * longest run in seconds. An unknown point ends a run: the next point
 * of that state starts a new one. */
struct stats_runs {
	unsigned count;
	double longest_s;
	time_t longest_start;
	unsigned count_res_s;      /* set by the audit: resolution of the archive runs counted, */
	unsigned longest_res_s;    /* and of the longest; 0 when exact (journal or base step) */
};
void stats_state_runs(const struct series *s, double code, struct stats_runs *out);

/* True if v lies outside [lo, hi] (NAN bounds are open). */
bool stats_outside(double v, double lo, double hi);

#endif
