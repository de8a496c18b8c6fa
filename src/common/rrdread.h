/* rrdread.h — reading envmond's RRD files (one per device, one data source per metric):
 * a metric's series over a period, its last value, the data sources of a file. */
#ifndef RRDREAD_H
#define RRDREAD_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

enum rrdread_cf { RRDREAD_AVERAGE, RRDREAD_MIN, RRDREAD_MAX };

/* A metric's consolidated points over a period. Point i covers (start + i*step,
 * start + (i+1)*step] and is labelled by the end of that interval, as `rrdtool fetch`
 * prints it; only the points whose interval overlaps the period asked are kept. */
struct rrdread_series {
	time_t start, end;
	unsigned long step;        /* seconds per point, the archive librrd chose */
	size_t n_points;
	double *values;            /* NAN = unknown */
	size_t n_unknown;          /* coverage of the period = 1 - n_unknown / n_points */
};

/* What a file holds. */
struct rrdread_info {
	unsigned long step;        /* base step, seconds */
	time_t last_update;
	size_t n_ds;
	char **ds;                 /* data-source (metric) names, in file order */
	double *last;              /* the last value given to each data source, NAN if unknown */
	unsigned long *heartbeat_s; /* each data source's minimal heartbeat: a longer gap
	                            * between updates is stored as unknown */
};

/* Every function takes rrdcached, the daemon address from storage.rrdcached (NULL or ""
 * when the files are written directly). With a unix-socket daemon the file is flushed
 * through it, then read locally; with a network daemon it is read through the daemon. */

/* Path of device's file: "<state_dir>/rrd/<device>.rrd", or "rrd/<device>.rrd" (relative
 * to the daemon's base directory) for a network rrdcached. Free it. */
char *rrdread_path(const char *state_dir, const char *rrdcached, const char *device);
/* True if rrdcached names a daemon reached over the network (not a unix socket). */
bool rrdread_is_remote(const char *rrdcached);

/* Fetches metric's series between from and to with consolidation cf. resolution_s = 0 lets
 * librrd choose the finest archive that covers the period. 0, or -1 (see rrdread_error). */
int rrdread_fetch(const char *file, const char *rrdcached, const char *metric,
	enum rrdread_cf cf, time_t from, time_t to, unsigned long resolution_s,
	struct rrdread_series *out);
void rrdread_series_free(struct rrdread_series *s);

/* Last update of metric: *when is the file's last update, *value NAN if it was unknown. */
int rrdread_last(const char *file, const char *rrdcached, const char *metric,
	time_t *when, double *value);

/* Step, last update and data sources of file. -1 with errno = ENOENT if it does not exist. */
int rrdread_info(const char *file, const char *rrdcached, struct rrdread_info *out);
void rrdread_info_free(struct rrdread_info *info);
/* Index of metric in info, or -1. */
int rrdread_info_index(const struct rrdread_info *info, const char *metric);

/* Why the last call of this thread failed. */
const char *rrdread_error(void);
const char *rrdread_cf_name(enum rrdread_cf cf);

#endif
