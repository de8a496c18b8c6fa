/* forecast.h — when a rising (or falling) reading will reach a limit at its current rate:
 * a robust straight-line fit (Theil-Sen) over the last minutes, stated only when the
 * trend is clear. Pure arithmetic, shared by the daemon (mail, status, the predictive
 * warning) and its tests. */
#ifndef FORECAST_H
#define FORECAST_H

#include <stdbool.h>
#include <stddef.h>

/* The window of the fit (issue 18: "the last 15 minutes"). */
#define FORECAST_WINDOW_S 900.0
/* Fewer points, or a span shorter than this, tell no trend. */
#define FORECAST_MIN_POINTS 6
#define FORECAST_MIN_SPAN_S 600.0
/* Pairs closer in time than this give no slope (noise over a few seconds is huge). */
#define FORECAST_MIN_PAIR_S 60.0
/* A clear trend: this share of the pairwise slopes agree on its sign ... */
#define FORECAST_MIN_AGREEMENT 0.8
/* ... and it moves the reading by at least this much over the window, and by at
 * least FORECAST_NOISE_FACTOR times the scatter of the readings around the line. */
#define FORECAST_MIN_CHANGE 0.5
#define FORECAST_NOISE_FACTOR 3.0

struct forecast_fit {
	bool clear;                /* the trend is clear: slope and level can be stated */
	double slope;              /* units per second (median of the pairwise slopes) */
	double level;              /* the line's value at `now` */
	double agreement;          /* share of pairwise slopes of the slope's sign */
	double scatter;            /* robust spread of the residuals (1.4826 MAD) */
	size_t n;                  /* points used */
	bool enough;               /* enough points over a long enough span to judge: when
	                            * false, "no clear trend" only means "too soon to say" */
};

/* Fits the points (t[i], v[i]) with t[i] in [now - window_s, now] (any order; NAN
 * values skipped). Returns fit->clear. */
bool forecast_fit(const double *t, const double *v, size_t n, double now, double window_s,
	struct forecast_fit *fit);

/* Seconds until the line of fit reaches limit, or NAN: no clear trend, moving away
 * from it, or already past it. */
double forecast_eta(const struct forecast_fit *fit, double limit);

/* The value the line predicts horizon_s after now; the level itself without a clear
 * trend (no trend = it stays where it is). */
double forecast_predict(const struct forecast_fit *fit, double horizon_s);

#endif
