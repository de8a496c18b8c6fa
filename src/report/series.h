/* series.h — one metric of one device over the report's period, read through the
 * store's rrdread API: regular points, unknown ones as NAN (missing data, never zero). */
#ifndef SERIES_H
#define SERIES_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

struct config;

struct series {
	time_t t0;          /* start of the interval the first point stands for */
	unsigned step_s;    /* point i stands for [t0 + i*step_s, t0 + (i+1)*step_s) */
	size_t n;
	double *v;          /* NAN = unknown */
};

enum series_cf { SERIES_AVERAGE, SERIES_MIN, SERIES_MAX };

/* Reads metric of device for [from, to) with consolidation cf at the finest resolution
 * that covers the period, keeping only the points whose interval lies inside [from, to).
 * 0, or -1 if the file or the metric does not exist (then *out is empty). */
int series_fetch(const struct config *cfg, const char *device, const char *metric,
	enum series_cf cf, time_t from, time_t to, struct series *out);
/* True if device's RRD file has a data source called metric. */
bool series_has_metric(const struct config *cfg, const char *device, const char *metric);
/* The RRD file of device (a new string). */
char *series_rrd_path(const struct config *cfg, const char *device);
void series_free(struct series *s);

#endif
