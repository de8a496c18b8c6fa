/* derive.c — dew point, temperature rates and runtime units. The rates are least-squares
 * slopes rather than end-point differences: one noisy reading at either end of the
 * window does not make a rate alarm. */
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
	free(h->t);
	free(h->v);
	memset(h, 0, sizeof(*h));
}

static size_t slot(const struct derive_history *h, size_t i)
{
	return (h->head + i) % h->cap;
}

static void grow(struct derive_history *h)
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

void derive_history_add(struct derive_history *h, double t, double temp_c)
{
	if (isnan(temp_c))
		return;
	/* Readings must be in time order; a clock step backwards starts afresh. */
	if (h->n > 0 && t <= h->t[slot(h, h->n - 1)])
		h->n = 0;
	while (h->n > 0 && h->t[h->head] <= t - DERIVE_RATE_HOUR_S) {
		h->head = (h->head + 1) % h->cap;
		h->n--;
	}
	if (h->n == h->cap)
		grow(h);
	h->t[slot(h, h->n)] = t;
	h->v[slot(h, h->n)] = temp_c;
	h->n++;
}

double derive_slope(const struct derive_history *h, double now, double window_s)
{
	double st = 0, sv = 0, stt = 0, stv = 0, first = NAN, last = NAN, n = 0;

	for (size_t i = 0; i < h->n; i++) {
		/* Times relative to now keep the sums well conditioned. */
		double t = h->t[slot(h, i)] - now, v = h->v[slot(h, i)];

		if (t <= -window_s || t > 0)
			continue;
		if (isnan(first))
			first = t;
		last = t;
		n++;
		st += t;
		sv += v;
		stt += t * t;
		stv += t * v;
	}
	if (n < 3 || last - first < window_s / 2)
		return NAN;
	return (n * stv - st * sv) / (n * stt - st * st);
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
	if (!res->answered || !res->dev->profile)
		return;
	out->temperature = reading(res, "temperature", NULL);
	out->humidity = reading(res, "humidity", NULL);
	out->dew_point = derive_dew_point(out->temperature, out->humidity);
	derive_history_add(h, res->time, out->temperature);
	if (!isnan(out->temperature)) {
		out->temp_rate_hour = derive_slope(h, res->time, DERIVE_RATE_HOUR_S) * 3600.0;
		out->temp_rate_15min = derive_slope(h, res->time, DERIVE_RATE_15MIN_S) * 900.0;
	}
	runtime = reading(res, "ups_runtime", &unit);
	out->ups_runtime_s = derive_seconds(runtime, unit);
}
