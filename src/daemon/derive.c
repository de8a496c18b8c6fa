/* derive.c — dew point, temperature changes and runtime units. A change is the rise or
 * fall between the extremes of a window, as ASHRAE states its limits; each reading is
 * first replaced by the median of itself and its neighbours, so that one bad reading
 * does not make a rate alarm (the rate criteria have no hold). */
#include <config.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "derive.h"
#include "xmem.h"

#define MAGNUS_B 17.62
#define MAGNUS_C 243.12

double derive_dew_point(double temp_c, double rh_pct)
{
	double gamma;

	if (isnan(temp_c) || isnan(rh_pct) || rh_pct <= 0.0)
		return NAN;
	if (rh_pct > 100.0)
		rh_pct = 100.0;
	gamma = log(rh_pct / 100.0) + MAGNUS_B * temp_c / (MAGNUS_C + temp_c);
	return MAGNUS_C * gamma / (MAGNUS_B - gamma);
}

double derive_seconds(double value, const char *unit)
{
	if (!unit || strcmp(unit, "s") == 0 || strcmp(unit, "") == 0)
		return value;
	if (strcmp(unit, "min") == 0)
		return value * 60.0;
	if (strcmp(unit, "h") == 0)
		return value * 3600.0;
	if (strcmp(unit, "ticks") == 0 || strcmp(unit, "cs") == 0)
		return value / 100.0;
	return NAN;
}

void derive_history_init(struct derive_history *h)
{
	memset(h, 0, sizeof(*h));
}

void derive_history_fini(struct derive_history *h)
{
	for (int q = 0; q < DERIVE_N_QUANTITIES; q++) {
		free(h->q[q].t);
		free(h->q[q].v);
	}
	memset(h, 0, sizeof(*h));
}

static size_t slot(const struct derive_series *h, size_t i)
{
	return (h->head + i) % h->cap;
}

static void grow(struct derive_series *h)
{
	size_t cap = h->cap ? h->cap * 2 : 64;
	double *t = xcalloc(cap, sizeof(*t)), *v = xcalloc(cap, sizeof(*v));

	for (size_t i = 0; i < h->n; i++) {
		t[i] = h->t[slot(h, i)];
		v[i] = h->v[slot(h, i)];
	}
	free(h->t);
	free(h->v);
	h->t = t;
	h->v = v;
	h->cap = cap;
	h->head = 0;
}

void derive_history_add(struct derive_history *hist, enum derive_quantity q, double t, double v)
{
	struct derive_series *h = &hist->q[q];

	if (isnan(v))
		return;
	/* Readings must be in time order; a clock step backwards starts afresh. */
	if (h->n > 0 && t <= h->t[slot(h, h->n - 1)])
		h->n = 0;
	/* One reading before the hour stays: the neighbour that confirms the first inside. */
	while (h->n > 1 && h->t[slot(h, 1)] < t - DERIVE_RATE_HOUR_S) {
		h->head = (h->head + 1) % h->cap;
		h->n--;
	}
	if (h->n == h->cap)
		grow(h);
	h->t[slot(h, h->n)] = t;
	h->v[slot(h, h->n)] = v;
	h->n++;
}

/* Reading i confirmed by its neighbours: the median of the three; NAN for the newest
 * (not confirmed yet) and the oldest. */
static double confirmed(const struct derive_series *h, size_t i)
{
	double a, b, c;

	if (i == 0 || i + 1 >= h->n)
		return NAN;
	a = h->v[slot(h, i - 1)];
	b = h->v[slot(h, i)];
	c = h->v[slot(h, i + 1)];
	return fmax(fmin(a, b), fmin(fmax(a, b), c));
}

double derive_change(const struct derive_history *hist, double now, double window_s)
{
	const struct derive_series *h = &hist->q[DERIVE_TEMPERATURE];
	double lo = NAN, hi = NAN, t_lo = 0, t_hi = 0;
	size_t n = 0;

	for (size_t i = 0; i < h->n; i++) {
		double t = h->t[slot(h, i)], v = confirmed(h, i);

		if (t < now - window_s || t > now || isnan(v))
			continue;
		n++;
		if (isnan(lo) || v < lo) {
			lo = v;
			t_lo = t;
		}
		if (isnan(hi) || v > hi) {
			hi = v;
			t_hi = t;
		}
	}
	if (n < 2)
		return NAN;
	return t_hi >= t_lo ? hi - lo : lo - hi;
}

static double reading(const struct poll_result *res, const char *name, const char **unit)
{
	int i = profile_metric_index(res->dev->profile, name);

	if (i < 0 || (size_t)i >= res->n_readings || res->readings[i].status != READING_OK)
		return NAN;
	if (unit)
		*unit = res->dev->profile->metrics[i].unit;
	return res->readings[i].value;
}

void derive_compute(struct derive_history *h, const struct poll_result *res, struct derived *out)
{
	const char *unit = NULL;
	double runtime;

	out->temperature = out->humidity = out->dew_point = NAN;
	out->temp_rate_hour = out->temp_rate_15min = out->ups_runtime_s = NAN;
	memset(&out->temp_trend, 0, sizeof(out->temp_trend));
	out->temp_trend.slope = out->temp_trend.level = NAN;
	if (!res->answered || !res->dev->profile)
		return;
	out->temperature = reading(res, "temperature", NULL);
	out->humidity = reading(res, "humidity", NULL);
	out->dew_point = derive_dew_point(out->temperature, out->humidity);
	derive_history_add(h, DERIVE_TEMPERATURE, res->time, out->temperature);
	derive_history_add(h, DERIVE_HUMIDITY, res->time, out->humidity);
	derive_history_add(h, DERIVE_DEW_POINT, res->time, out->dew_point);
	if (!isnan(out->temperature)) {
		out->temp_rate_hour = derive_change(h, res->time, DERIVE_RATE_HOUR_S);
		out->temp_rate_15min = derive_change(h, res->time, DERIVE_RATE_15MIN_S);
		derive_trend(h, DERIVE_TEMPERATURE, res->time, &out->temp_trend);
	}
	runtime = reading(res, "ups_runtime", &unit);
	out->ups_runtime_s = derive_seconds(runtime, unit);
}

void derive_trend(const struct derive_history *hist, enum derive_quantity q, double now,
	struct forecast_fit *fit)
{
	const struct derive_series *h = &hist->q[q];
	double bt[256], bv[256], *t = bt, *v = bv;
	size_t first = h->n, k;

	/* Only the readings of the fit's window (the series holds an hour): the same fit. */
	while (first > 0 && h->t[slot(h, first - 1)] >= now - FORECAST_WINDOW_S)
		first--;
	k = h->n - first;
	if (k > sizeof(bt) / sizeof(bt[0])) {
		t = xcalloc(k, sizeof(*t));
		v = xcalloc(k, sizeof(*v));
	}
	for (size_t i = 0; i < k; i++) {
		t[i] = h->t[slot(h, first + i)];
		v[i] = h->v[slot(h, first + i)];
	}
	forecast_fit(t, v, k, now, FORECAST_WINDOW_S, fit);
	if (t != bt) {
		free(t);
		free(v);
	}
}

double derive_forecast(const struct derived *d, double horizon_s)
{
	/* Too soon after start-up (or a gap) to tell a trend: unknown, so that a restart
	 * neither opens nor closes the predictive warning on the reading alone. */
	if (isnan(d->temperature) || !d->temp_trend.enough)
		return NAN;
	return d->temp_trend.clear ? forecast_predict(&d->temp_trend, horizon_s) : d->temperature;
}
