/* derive.h — metrics envmond computes from what devices answer: dew point from a
 * probe's temperature and humidity, rates of change of temperature, runtime in seconds. */
#ifndef DERIVE_H
#define DERIVE_H

#include <stddef.h>

#include "drvapi.h"
#include "forecast.h"

/* Windows of the two rates (DESIGN.md §8: <= 20 °C/h, <= 5 °C in 15 min). ASHRAE TC 9.9
 * states both as the change of temperature within any such period, not as a rate: a
 * least-squares slope times the window read a sudden step 1.5 times too large (a 3.4 °C
 * step as 5.1 °C per 15 min). So both are the change within the window. */
#define DERIVE_RATE_HOUR_S 3600.0
#define DERIVE_RATE_15MIN_S 900.0

/* Dew point in °C from temperature (°C) and relative humidity (%), Magnus formula with
 * b = 17.62, c = 243.12 °C (WMO, Sonntag 1990). NAN if an input is NAN or rh <= 0. */
double derive_dew_point(double temp_c, double rh_pct);

/* value expressed in unit, converted to seconds: "s", "min", "h", "ticks"/"cs"
 * (hundredths, SNMP TimeTicks). NAN if the unit is none of these. */
double derive_seconds(double value, const char *unit);

/* What a device's history keeps: the temperature (its rates and trend), humidity and
 * dew point (their trend, issue 18.1). */
enum derive_quantity { DERIVE_TEMPERATURE, DERIVE_HUMIDITY, DERIVE_DEW_POINT, DERIVE_N_QUANTITIES };

/* The recent readings of one quantity. */
struct derive_series {
	double *t, *v;             /* ring buffer of (wall time, value) */
	size_t head, n, cap;
};

/* A device's recent readings, enough for the rates and the trends. */
struct derive_history {
	struct derive_series q[DERIVE_N_QUANTITIES];
};

void derive_history_init(struct derive_history *h);
void derive_history_fini(struct derive_history *h);
/* Adds a reading of q at time t (NAN: nothing) and forgets those older than one hour
 * before it (but one, the neighbour of the oldest inside the hour). */
void derive_history_add(struct derive_history *h, enum derive_quantity q, double t, double v);

/* Change of temperature (°C; h's DERIVE_TEMPERATURE) within [now - window_s, now]: the highest reading minus the
 * lowest, positive when the highest came last (rising), negative when falling. Each
 * reading counts as the median of itself and its two neighbours, so a single wild
 * reading changes nothing and a real change counts once the next reading confirms it:
 * one poll late, and a steady ramp reads one poll's worth less than ramp x window.
 * NAN with fewer than two confirmed readings. A short history gives a change no larger
 * than the true one, never a wild one. */
double derive_change(const struct derive_history *h, double now, double window_s);

/* What derive adds to a device's poll result. NAN = not available. */
struct derived {
	double temperature;        /* the reading, °C (NAN if none) */
	double humidity;           /* %RH */
	double dew_point;          /* °C */
	double temp_rate_hour;     /* change within the last hour, °C/h (signed) */
	double temp_rate_15min;    /* change within the last 15 min, °C per 15 min (signed) */
	double ups_runtime_s;      /* s, whatever unit the profile gives */
	struct forecast_fit temp_trend;    /* the temperature's line over FORECAST_WINDOW_S */
};

/* The line through h's readings of q of the last FORECAST_WINDOW_S before now (forecast.h). */
void derive_trend(const struct derive_history *h, enum derive_quantity q, double now,
	struct forecast_fit *fit);
/* What the temperature will be horizon_s after its reading at the current rate (the
 * reading itself without a clear trend; NAN while the history is too short to tell):
 * the predictive warning's value. */
double derive_forecast(const struct derived *d, double horizon_s);

/* Fills out from res and adds its temperature, humidity and dew point to h. */
void derive_compute(struct derive_history *h, const struct poll_result *res, struct derived *out);

#endif
