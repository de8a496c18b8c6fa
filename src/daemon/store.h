/* store.h — keeps every reading in RRD files for the site-audit report: one file per
 * device under <state_dir>/rrd, one data source per metric, a device's readings batched
 * into one update per batch window. */
#ifndef STORE_H
#define STORE_H

#include <stdbool.h>
#include <stddef.h>

#include "conf.h"
#include "derive.h"
#include "driver.h"

/* One value of one metric in a reading. */
struct store_value {
	const char *metric;
	double value;              /* NAN = unknown, stored as U */
};

struct store_stats {
	unsigned long updates;     /* readings stored (rrd updates that went through) */
	unsigned long calls;       /* rrd update calls made (a batch each) */
	unsigned long skipped;     /* readings not after the device's last update (clock went back) */
	unsigned long lost;        /* readings that could not be stored (no file, full disk, rrdcached down) */
	unsigned long creates;     /* files created */
	unsigned long migrations;  /* files re-created with new data sources, history copied */
};

/* Storage in <state_dir>/rrd with a base step of step_s seconds, through the rrdcached at
 * address rrdcached ("unix:/path", "/path" or "host:port"; NULL or "" = direct writes).
 * A device's readings wait up to batch_s seconds (sample time; 0 = none) to be written
 * together. Creates the directory if needed. 0, or -1 (logged). */
int store_init(const char *state_dir, unsigned step_s, unsigned batch_s, const char *rrdcached);
/* Writes every batch, flushes rrdcached and forgets every device. */
void store_fini(void);
/* Writes every device's batch now (before a report reads the files). */
void store_flush(void);

/* Declares device with its metrics: the data sources of its file, fixed here. An existing
 * file is checked now (once): a metric it lacks is added as a new data source, its history
 * copied from the old file; a data source no longer listed is kept (written unknown). A
 * missing file is created at the first write. interval_s is the polling interval: the
 * heartbeat is at least two intervals and two steps. 0, or -1 (bad name, duplicate). */
int store_open(const char *device, const char *const *metrics, size_t n_metrics,
	unsigned interval_s);
/* store_open for every device of cfg, with store_profile_metrics(). 0, or -1. */
int store_open_config(const struct config *cfg);

/* Stores the reading of device taken at time (epoch seconds; fractions dropped): an rrd
 * update with every data source, unknown for metrics not given, written with the
 * device's batch (when batch_s has passed since its first reading, or BATCH_MAX
 * readings, or store_flush). Returns 0 when stored or batched, 1
 * when skipped because time is not after the device's last update (a wall clock that went
 * back: logged once), -1 when it could not be stored (logged once, then at growing
 * intervals, and once more with the count of lost readings when storage works again). */
int store_write(const char *device, double time, const struct store_value *values, size_t n);

/* The metrics stored for a device of profile prof: the profile's metrics, then the derived
 * ones that apply (dew_point with temperature and humidity; temp_rate_hour and
 * temp_rate_15min with temperature). Fills up to max names; returns how many there are. */
size_t store_profile_metrics(const struct profile *prof, const char **names, size_t max);
/* The metrics of a poll result as values: READING_OK keeps its value (the state code for
 * a state), anything else is unknown; then the derived values of d (if not NULL). Returns
 * how many were filled (<= max). */
size_t store_values_from_result(const struct poll_result *res, const struct derived *d,
	struct store_value *out, size_t max);

/* Path of device's file (as given to librrd), or NULL if it was not opened. */
const char *store_path(const char *device);
/* Counters since store_init. */
const struct store_stats *store_stats(void);
/* Bytes of a file with n_ds data sources at step_s (header excepted), for sizing disks. */
size_t store_file_size(size_t n_ds, unsigned step_s);

#endif
