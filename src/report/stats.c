/* stats.c — pure statistics over a series: no I/O, no clock; the only outside input
 * is the local time zone, for the calendar days. */
#include <config.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "stats.h"
#include "xmem.h"

bool stats_outside(double v, double lo, double hi)
{
	return (!isnan(lo) && v < lo) || (!isnan(hi) && v > hi);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double stats_percentile(const double *v, size_t n, double p)
{
	double *k = xmalloc((n ? n : 1) * sizeof(*k));
	size_t m = 0;
	double rank, frac, r;
	size_t lo;

	for (size_t i = 0; i < n; i++)
		if (!isnan(v[i]))
			k[m++] = v[i];
	if (m == 0) {
		free(k);
		return NAN;
	}
	qsort(k, m, sizeof(*k), cmp_double);
	rank = p / 100.0 * (double)(m - 1);
	lo = (size_t)floor(rank);
	frac = rank - (double)lo;
	r = lo + 1 < m ? k[lo] + frac * (k[lo + 1] - k[lo]) : k[lo];
	free(k);
	return r;
}

static void stats_reset(struct stats *out, size_t count)
{
	memset(out, 0, sizeof(*out));
	out->n_points = count;
	out->min = out->mean = out->max = out->p95 = NAN;
	out->min_t = out->max_t = -1;
}

void stats_compute(const struct series *s, size_t first, size_t count,
	const struct envelope *env, struct stats *out)
{
	double sum = 0;

	stats_reset(out, count);
	for (size_t i = first; i < first + count && i < s->n; i++) {
		double v = s->v[i];
		time_t t = s->t0 + (time_t)(i * s->step_s);

		if (isnan(v))
			continue;
		if (out->n_known == 0 || v < out->min)
			out->min = v, out->min_t = t;
		if (out->n_known == 0 || v > out->max)
			out->max = v, out->max_t = t;
		out->n_known++;
		sum += v;
		if (stats_outside(v, env->rec_lo, env->rec_hi))
			out->out_rec_s += s->step_s;
		if (stats_outside(v, env->allow_lo, env->allow_hi))
			out->out_allow_s += s->step_s;
	}
	if (out->n_known == 0)
		return;
	out->coverage = (double)out->n_known / (double)count;
	out->mean = sum / (double)out->n_known;
	out->known_s = (double)out->n_known * s->step_s;
	out->out_rec_share = out->out_rec_s / out->known_s;
	out->out_allow_share = out->out_allow_s / out->known_s;
	out->p95 = stats_percentile(s->v + first, count, 95.0);
}

static time_t local_midnight(time_t t)
{
	struct tm tm;

	localtime_r(&t, &tm);
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	tm.tm_isdst = -1;
	return mktime(&tm);
}

size_t stats_days(const struct series *s, struct stats_day **days)
{
	size_t n = 0, cap = 0;
	struct stats_day *d = NULL;

	for (size_t i = 0; i < s->n; i++) {
		time_t day = local_midnight(s->t0 + (time_t)(i * s->step_s));

		if (n == 0 || d[n - 1].start != day) {
			d = xgrow(d, &cap, n + 1, sizeof(*d));
			d[n++] = (struct stats_day){ .start = day, .first = i, .count = 0 };
		}
		d[n - 1].count++;
	}
	*days = d;
	return n;
}

int stats_worst_day(const struct series *s, const struct stats_day *days, size_t n_days,
	const struct envelope *env, double *out_s)
{
	int worst = -1;
	double worst_s = 0;

	for (size_t i = 0; i < n_days; i++) {
		struct stats st;

		stats_compute(s, days[i].first, days[i].count, env, &st);
		if (st.out_rec_s > worst_s) {
			worst_s = st.out_rec_s;
			worst = (int)i;
		}
	}
	*out_s = worst_s;
	return worst;
}

void stats_state_runs(const struct series *s, double code, struct stats_runs *out)
{
	double run_s = 0;
	time_t run_start = 0;
	bool in_run = false;

	memset(out, 0, sizeof(*out));
	out->longest_start = -1;
	for (size_t i = 0; i < s->n; i++) {
		double v = s->v[i];

		if (isnan(v) || v != code) {
			in_run = false;
			continue;
		}
		if (!in_run) {
			in_run = true;
			run_s = 0;
			run_start = s->t0 + (time_t)(i * s->step_s);
			out->count++;
		}
		run_s += s->step_s;
		if (run_s > out->longest_s) {
			out->longest_s = run_s;
			out->longest_start = run_start;
		}
	}
}
