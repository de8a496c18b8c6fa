/* forecast.c — Theil-Sen fit and time to a limit (see forecast.h). */
#include <config.h>

#include <assert.h>
#include <math.h>
#include <stddef.h>
#include <string.h>

#include "forecast.h"

/* At most this many points enter the fit (evenly kept): 64 points = 2016 pairs. */
#define MAX_POINTS 64

/* The k-th smallest of x[0..n) (from 0), x reordered so that no element before k is
 * greater and none after it smaller: Hoare's selection, O(n) on average. A median of
 * 2016 pair slopes is taken at every reading of a probe: sorting them (qsort) was most
 * of the daemon's CPU per probe reading. The values are finite (times and readings). */
static double select_kth(double *x, size_t n, size_t k)
{
	ptrdiff_t lo = 0, hi = (ptrdiff_t)n - 1, want = (ptrdiff_t)k;

	while (lo < hi) {
		double pivot = x[lo + (hi - lo) / 2];
		ptrdiff_t i = lo, j = hi;

		while (i <= j) {
			while (x[i] < pivot)
				i++;
			while (x[j] > pivot)
				j--;
			if (i <= j) {
				double tmp = x[i];

				x[i++] = x[j];
				x[j--] = tmp;
			}
		}
		if (want <= j)
			hi = j;
		else if (want >= i)
			lo = i;
		else
			break;          /* between j and i: equal to the pivot, in place */
	}
	return x[k];
}

/* The median of x[0..n), n > 0 (x reordered): the same value as sorting gives. */
static double median(double *x, size_t n)
{
	double lo, hi;

	if (n % 2)
		return select_kth(x, n, n / 2);
	lo = select_kth(x, n, n / 2 - 1);
	hi = x[n / 2];
	for (size_t i = n / 2 + 1; i < n; i++)
		hi = fmin(hi, x[i]);
	return (lo + hi) / 2.0;
}

/* The points of the window, at most MAX_POINTS of them, in pt/pv; returns how many. */
static size_t window_points(const double *t, const double *v, size_t n, double now, double window_s,
	double *pt, double *pv)
{
	size_t in = 0, k = 0;

	for (size_t i = 0; i < n; i++)
		in += !isnan(v[i]) && t[i] <= now && t[i] >= now - window_s;
	for (size_t i = 0, seen = 0; i < n; i++) {
		if (isnan(v[i]) || t[i] > now || t[i] < now - window_s)
			continue;
		/* Keep point number `seen` when it starts a new 1/MAX_POINTS share of them. */
		if (in <= MAX_POINTS || (seen * MAX_POINTS) / in != ((seen + 1) * MAX_POINTS) / in) {
			pt[k] = t[i];
			pv[k++] = v[i];
		}
		seen++;
	}
	return k;
}

static double span_of(const double *t, size_t n)
{
	double lo = t[0], hi = t[0];

	for (size_t i = 1; i < n; i++) {
		lo = fmin(lo, t[i]);
		hi = fmax(hi, t[i]);
	}
	return hi - lo;
}

/* Slope, agreement on its sign; false without a single usable pair. */
static bool pairwise_slope(const double *t, const double *v, size_t n, struct forecast_fit *fit)
{
	double s[MAX_POINTS * (MAX_POINTS - 1) / 2 + 1];   /* 16 KB on the stack, no malloc */
	size_t m = 0, same = 0;

	assert(n <= MAX_POINTS);
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++)
			if (fabs(t[j] - t[i]) >= FORECAST_MIN_PAIR_S)
				s[m++] = (v[j] - v[i]) / (t[j] - t[i]);
	if (m == 0)
		return false;
	fit->slope = median(s, m);
	for (size_t k = 0; k < m; k++)
		same += fit->slope != 0.0 && (s[k] > 0) == (fit->slope > 0) && s[k] != 0.0;
	fit->agreement = (double)same / (double)m;
	return true;
}

bool forecast_fit(const double *t, const double *v, size_t n, double now, double window_s,
	struct forecast_fit *fit)
{
	double pt[MAX_POINTS], pv[MAX_POINTS], r[MAX_POINTS], span;
	size_t k = window_points(t, v, n, now, window_s, pt, pv);

	memset(fit, 0, sizeof(*fit));
	fit->slope = fit->level = fit->scatter = NAN;
	fit->n = k;
	if (k == 0)
		return false;
	span = span_of(pt, k);
	fit->enough = k >= FORECAST_MIN_POINTS && span >= FORECAST_MIN_SPAN_S;
	if (!pairwise_slope(pt, pv, k, fit)) {
		memcpy(r, pv, k * sizeof(*r));
		fit->level = median(r, k);
		return false;
	}
	for (size_t i = 0; i < k; i++)
		r[i] = pv[i] - fit->slope * (pt[i] - now);
	fit->level = median(r, k);
	for (size_t i = 0; i < k; i++)
		r[i] = fabs(pv[i] - (fit->level + fit->slope * (pt[i] - now)));
	fit->scatter = 1.4826 * median(r, k);
	fit->clear = fit->enough && fit->agreement >= FORECAST_MIN_AGREEMENT &&
		fabs(fit->slope) * span >= FORECAST_MIN_CHANGE &&
		fabs(fit->slope) * span >= FORECAST_NOISE_FACTOR * fit->scatter;
	if (!fit->clear) {
		/* No trend: the series is taken as flat, its level its median. */
		memcpy(r, pv, k * sizeof(*r));
		fit->level = median(r, k);
	}
	return fit->clear;
}

double forecast_eta(const struct forecast_fit *fit, double limit)
{
	double eta;

	if (!fit->clear || isnan(limit) || fit->slope == 0.0)
		return NAN;
	eta = (limit - fit->level) / fit->slope;
	return eta > 0 ? eta : NAN;
}

double forecast_predict(const struct forecast_fit *fit, double horizon_s)
{
	return fit->clear ? fit->level + fit->slope * horizon_s : fit->level;
}
