/* store.c — RRD storage of the readings: one file per device, created on its first
 * reading through librrd (or rrdcached), updated with all its metrics. The readings of a
 * device wait in memory for up to storage.batch seconds and go in one rrd update (one
 * open, header read and write of the file for several readings, not one per reading):
 * a kill -9 loses at most that window, never a file.
 * Over 600 lines: one concern, the RRD files (layout, creation, per-instance files,
 * batching, rrdcached, flush at exit and on request), all on one state, the open files. */
#include <config.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include <rrd.h>
#include <rrd_client.h>

#include "clock.h"
#include "instfile.h"
#include "log.h"
#include "metric.h"
#include "numfmt.h"
#include "rrdread.h"
#include "store.h"
#include "xmem.h"

/* The archives every file has, for AVERAGE, MIN and MAX: full resolution for 2 days,
 * 5-minute points for 31 days, hourly points for 13 months, daily points for 5 years. */
static const struct { unsigned period_s; unsigned span_days; } archives[] = {
	{ 0, 2 }, { 300, 31 }, { 3600, 396 }, { 86400, 1827 },
};
static const char *const cfs[] = { "AVERAGE", "MIN", "MAX" };
#define N_RRA (ARRAY_SIZE(archives) * ARRAY_SIZE(cfs))
#define RETRY_MAX_S 600   /* longest wait, in sample time, before retrying a creation */
#define BATCH_MAX 64      /* readings in one rrd update at most */
#define TRIM_AFTER_S 10   /* sample time between two trims of the heap after creations */

enum file_state {
	FILE_UNCHECKED,  /* not known yet (rrdcached unreachable, file vanished ...) */
	FILE_MISSING,    /* to create at the next write */
	FILE_READY,
};

struct sdev {
	char *name, *path;
	char **ds;                 /* data sources of the file, in file order */
	size_t n_ds;
	char **pending;            /* metrics to add as data sources (a migration that failed) */
	size_t n_pending;
	unsigned heartbeat_s;
	enum file_state state;
	time_t last_ts;            /* last update stored */
	time_t retry_ts;           /* no creation or migration before this sample time */
	unsigned retry_s;
	bool behind;               /* readings skipped: time is not after last_ts */
	unsigned long lost;        /* readings lost since the last stored one */
	time_t lost_since;
	struct log_complaint fail;
	/* The batch: update strings not written yet, NUL-separated in qbuf (kept between
	 * batches, so that steady state allocates nothing). No table of their offsets: it was
	 * 512 bytes per file (a UPS has five), and the strings are found again at the flush. */
	char *qbuf;
	size_t qlen, qcap;
	size_t n_queued;
	time_t queue_first, queue_last;
	/* A device with table metrics: its instances and labels, as in its instances file
	 * (instfile.h), read at the first instance stored and written when they change. */
	struct instfile *inst;
	struct log_complaint inst_fail;
};

static struct {
	bool ready;
	char *state_dir, *dir;
	char *rrdcached;           /* NULL: direct writes */
	unsigned step_s;
	unsigned batch_s;          /* longest wait of a reading in a batch (sample time) */
	time_t swept_ts;           /* last look for batches of devices that went quiet */
	struct sdev **devs;        /* sorted by name */
	size_t n_devs, cap_devs;
	size_t n_behind;           /* devices currently skipping readings */
	unsigned long behind_skipped;
	struct log_complaint nospace, daemon_down;
	unsigned long nospace_lost;
	time_t nospace_since;
	time_t reconnect_ts;       /* sample time of the next connection attempt to rrdcached */
	struct store_stats stats;
	double *vals;              /* scratch of queue_update: one value per data source */
	size_t cap_vals;
	bool trim_due;             /* files created since the heap was last trimmed */
	time_t trimmed_ts;
} st;

/* ------------------------------------------------------------------ helpers */

static const char *fmt_time(time_t t, char *buf, size_t len)
{
	return clock_local_str((double)t, buf, len);
}

/* librrd's message for this thread, cleared for the next call. */
static const char *take_rrd_error(char *buf, size_t len)
{
	snprintf(buf, len, "%s", rrd_test_error() ? rrd_get_error() : "unknown librrd error");
	rrd_clear_error();
	return buf;
}

static bool error_is_nospace(const char *msg)
{
	return strstr(msg, "No space left") || strstr(msg, strerror(ENOSPC)) ||
		strstr(msg, strerror(EDQUOT));
}

static bool error_is_missing(const char *msg)
{
	return strstr(msg, "No such file") || strstr(msg, strerror(ENOENT));
}

static void free_names(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

static char **dup_names(const char *const *names, size_t n)
{
	char **out = xcalloc(n ? n : 1, sizeof(*out));

	for (size_t i = 0; i < n; i++)
		out[i] = xstrdup(names[i]);
	return out;
}

static int find_name(char *const *names, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(names[i], name) == 0)
			return (int)i;
	return -1;
}

static int mkdir_one(const char *path)
{
	if (mkdir(path, 0755) < 0 && errno != EEXIST) {
		log_err("storage: cannot create directory %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------------ file layout */

static unsigned pdp_per_row(unsigned period_s, unsigned step_s)
{
	unsigned n = period_s ? (period_s + step_s / 2) / step_s : 1;

	return n ? n : 1;
}

static unsigned rra_rows(unsigned period_s, unsigned span_days, unsigned step_s)
{
	unsigned long row_s = (unsigned long)pdp_per_row(period_s, step_s) * step_s;

	return (unsigned)(((unsigned long)span_days * 86400 + row_s - 1) / row_s);
}

size_t store_file_size(size_t n_ds, unsigned step_s)
{
	size_t rows = 0;

	for (size_t i = 0; i < ARRAY_SIZE(archives); i++)
		rows += rra_rows(archives[i].period_s, archives[i].span_days, step_s);
	return rows * ARRAY_SIZE(cfs) * n_ds * sizeof(double);
}

/* The "DS:..." and "RRA:..." arguments of rrd create; free with free_names. */
static char **create_args(const struct sdev *d, size_t *argc)
{
	char **argv = xcalloc(d->n_ds + N_RRA, sizeof(*argv));
	size_t n = 0;

	for (size_t i = 0; i < d->n_ds; i++)
		argv[n++] = xasprintf("DS:%s:GAUGE:%u:U:U", d->ds[i], d->heartbeat_s);
	for (size_t c = 0; c < ARRAY_SIZE(cfs); c++)
		for (size_t a = 0; a < ARRAY_SIZE(archives); a++)
			argv[n++] = xasprintf("RRA:%s:0.5:%u:%u", cfs[c],
				pdp_per_row(archives[a].period_s, st.step_s),
				rra_rows(archives[a].period_s, archives[a].span_days, st.step_s));
	*argc = n;
	return argv;
}

/* ------------------------------------------------------------------ creation */

/* librrd creates a file under a temporary name and renames it, but does not sync it. Only
 * a file with history is worth the wait: a new file lost to a power cut is found
 * unreadable or missing at start-up and created again. */
static void sync_file(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	fd = open(st.dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

/* librrd 1.7.2 reports success when writing the new file fails (ENOSPC): it unlinks its
 * temporary file and returns 0. So look at the free space first, and at the file after. */
static bool local_space_ok(const struct sdev *d)
{
	struct statvfs sv;

	if (rrdread_is_remote(st.rrdcached) || statvfs(st.dir, &sv) < 0)
		return true;
	return (unsigned long long)sv.f_bavail * sv.f_frsize >
		store_file_size(d->n_ds, st.step_s) + 65536;
}

static bool file_exists(const struct sdev *d)
{
	struct rrdread_info info;
	struct stat sb;

	if (!st.rrdcached)
		return stat(d->path, &sb) == 0;
	if (rrdread_info(d->path, st.rrdcached, &info) < 0)
		return false;
	rrdread_info_free(&info);
	return true;
}

/* Creates d's file with its data sources, copying the data of sources (NULL: none). */
static int rrd_make(struct sdev *d, time_t last_up, const char **sources, char *err, size_t len)
{
	size_t argc;
	char **argv;
	int rc;

	if (!local_space_ok(d)) {
		snprintf(err, len, "%s", strerror(ENOSPC));
		return -1;
	}
	argv = create_args(d, &argc);
	rrd_clear_error();
	if (st.rrdcached)
		rc = rrdc_create_r2(d->path, st.step_s, last_up, sources == NULL, sources, NULL,
			(int)argc, (const char **)argv);
	else
		rc = rrd_create_r2(d->path, st.step_s, last_up, sources == NULL, sources, NULL,
			(int)argc, (const char **)argv);
	free_names(argv, argc);
	if (rc != 0) {
		take_rrd_error(err, len);
		return -1;
	}
	if (!sources && !file_exists(d)) {
		snprintf(err, len, "librrd reported success but wrote no file (full disk?)");
		return -1;
	}
	if (sources && !st.rrdcached)
		sync_file(d->path);
	return 0;
}

/* A creation failed: wait longer (in sample time) before the next attempt. */
static void creation_backoff(struct sdev *d, time_t ts)
{
	d->retry_s = d->retry_s ? d->retry_s * 2 : st.step_s;
	if (d->retry_s > RETRY_MAX_S)
		d->retry_s = RETRY_MAX_S;
	d->retry_ts = ts + (time_t)d->retry_s;
}

static void complain_create(struct sdev *d, const char *what, const char *err)
{
	if (error_is_nospace(err))
		log_complain(&st.nospace, LOG_ERR, "storage: disk full, cannot %s %s: %s; "
			"readings that need a new file are lost until space is freed",
			what, d->path, err);
	else
		log_complain(&d->fail, LOG_ERR, "storage: cannot %s %s: %s", what, d->path, err);
}

/* Space is back: say which readings the full disk cost. */
static void nospace_over(void)
{
	char since[32];

	if (!st.nospace.active)
		return;
	log_release(&st.nospace, LOG_NOTICE, "storage: disk space available again; %lu readings "
		"taken since %s could not be stored and are lost", st.nospace_lost,
		fmt_time(st.nospace_since, since, sizeof(since)));
	st.nospace_lost = 0;
}

static int create_file(struct sdev *d, time_t ts)
{
	char err[512];

	if (ts < d->retry_ts)
		return -1;
	if (rrd_make(d, ts - (time_t)st.step_s, NULL, err, sizeof(err)) < 0) {
		complain_create(d, "create", err);
		creation_backoff(d, ts);
		if (strstr(err, "File exists"))
			d->state = FILE_UNCHECKED;
		return -1;
	}
	d->state = FILE_READY;
	d->last_ts = ts - (time_t)st.step_s;
	d->retry_s = 0;
	st.stats.creates++;
	st.trim_due = true;
	log_info("storage: created %s with %zu data sources", d->path, d->n_ds);
	nospace_over();
	return 0;
}

/* Adds the pending metrics as data sources: a new file whose history is copied from the
 * old one by librrd (create --source), renamed over it. The old file stays on failure. */
static int migrate_file(struct sdev *d, time_t ts)
{
	const char *sources[] = { d->path, NULL };
	size_t n_old = d->n_ds;
	char err[512];

	if (st.rrdcached)
		rrdc_flush(d->path);
	d->ds = xrealloc(d->ds, (d->n_ds + d->n_pending) * sizeof(*d->ds));
	for (size_t i = 0; i < d->n_pending; i++)
		d->ds[d->n_ds++] = d->pending[i];
	if (rrd_make(d, d->last_ts, sources, err, sizeof(err)) < 0) {
		d->n_ds = n_old;
		complain_create(d, "add data sources to", err);
		creation_backoff(d, ts);
		return -1;
	}
	log_notice("storage: %s: %zu new data source(s) added (first: %s), history kept",
		d->path, d->n_pending, d->pending[0]);
	free(d->pending);
	d->pending = NULL;
	d->n_pending = 0;
	d->retry_s = 0;
	st.stats.migrations++;
	st.trim_due = true;
	nospace_over();
	return 0;
}

/* ------------------------------------------------------------------ checking a file */

/* librrd 1.7.2 leaves its temporary "<name>XXXXXX" behind when killed while creating. */
static void remove_stale_temps(void)
{
	DIR *dir = opendir(st.dir);
	struct dirent *e;

	if (!dir)
		return;
	while ((e = readdir(dir))) {
		const char *dot = strstr(e->d_name, ".rrd");

		if (!dot || strlen(dot) != 10 || strspn(dot + 4, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
			"abcdefghijklmnopqrstuvwxyz0123456789") != 6)
			continue;
		if (unlinkat(dirfd(dir), e->d_name, 0) == 0)
			log_notice("storage: removed %s/%s, left by an interrupted creation",
				st.dir, e->d_name);
	}
	closedir(dir);
}

/* "-h DS:heartbeat" arguments of rrd tune for the data sources whose heartbeat is
 * shorter than d's; NULL if none is. Free with free_names. */
static char **tune_args(const struct sdev *d, const struct rrdread_info *info, size_t *argc)
{
	char **argv = xcalloc(2 + 2 * info->n_ds, sizeof(*argv));
	size_t n = 0;

	argv[n++] = xstrdup("tune");
	argv[n++] = xstrdup(d->path);
	for (size_t i = 0; i < info->n_ds; i++)
		if (info->heartbeat_s[i] < d->heartbeat_s) {
			argv[n++] = xstrdup("-h");
			argv[n++] = xasprintf("%s:%u", info->ds[i], d->heartbeat_s);
		}
	*argc = n;
	if (n > 2)
		return argv;
	free_names(argv, n);
	return NULL;
}

/* A file made when the device was polled more often has a heartbeat shorter than two of
 * today's intervals: librrd would store every reading as unknown. librrd 1.7 cannot tune
 * through rrdcached, so the file is flushed and tuned where it lies; the files of a daemon
 * on another host are out of reach. */
static void raise_heartbeat(struct sdev *d, const struct rrdread_info *info)
{
	size_t argc;
	char **argv = tune_args(d, info, &argc), err[512];

	if (!argv)
		return;
	if (rrdread_is_remote(st.rrdcached)) {
		log_warn("storage: %s: heartbeat shorter than two polling intervals (%u s) and "
			"rrdcached %s is not on this machine: readings will be stored as unknown until "
			"'rrdtool tune %s -h DS:%u' is run on its host for each data source", d->path,
			d->heartbeat_s, st.rrdcached, d->path, d->heartbeat_s);
	} else {
		if (st.rrdcached)
			rrdc_flush(d->path);
		rrd_clear_error();
		if (rrd_tune((int)argc, argv) != 0)
			log_err("storage: cannot raise the heartbeat of %s to %u s: %s", d->path,
				d->heartbeat_s, take_rrd_error(err, sizeof(err)));
		else
			log_notice("storage: %s: heartbeat raised to %u s (two polling intervals)",
				d->path, d->heartbeat_s);
	}
	free_names(argv, argc);
}

/* The wanted metrics the file lacks become pending; data sources of the file stay. */
static void adopt_file(struct sdev *d, struct rrdread_info *info)
{
	char **want = d->n_pending ? d->pending : NULL;
	size_t n_want = d->n_pending;

	/* Before the first check d->ds holds the wanted layout. */
	if (!want) {
		want = d->ds;
		n_want = d->n_ds;
	}
	char **pending = xcalloc(n_want ? n_want : 1, sizeof(*pending));
	size_t n_pending = 0;

	raise_heartbeat(d, info);

	for (size_t i = 0; i < n_want; i++)
		if (rrdread_info_index(info, want[i]) < 0)
			pending[n_pending++] = xstrdup(want[i]);
	if (want != d->ds)
		free_names(want, n_want);
	free_names(d->ds, d->n_ds);
	d->ds = info->ds;
	d->n_ds = info->n_ds;
	d->pending = pending;
	d->n_pending = n_pending;
	d->last_ts = info->last_update;
	d->state = FILE_READY;
	if (info->step != st.step_s)
		log_notice("storage: %s has a step of %lu s, not the configured %u s: kept as is",
			d->path, info->step, st.step_s);
	info->ds = NULL;
	info->n_ds = 0;
	rrdread_info_free(info);
}

/* A file librrd cannot read is moved aside, never overwritten: a new one is created. */
static void set_aside(struct sdev *d, const char *why)
{
	char *aside = xasprintf("%s.unreadable-%lld", d->path, (long long)time(NULL));

	if (rename(d->path, aside) == 0) {
		log_err("storage: %s is not a readable RRD file (%s): moved to %s, a new one "
			"will be created", d->path, why, aside);
		d->state = FILE_MISSING;
	}
	free(aside);
}

/* Learns whether d's file exists and what it holds. */
static void check_file(struct sdev *d)
{
	struct rrdread_info info;

	if (rrdread_info(d->path, st.rrdcached, &info) == 0) {
		adopt_file(d, &info);
	} else if (errno == ENOENT) {
		d->state = FILE_MISSING;
	} else if (errno == EINVAL || (!st.rrdcached && strstr(rrdread_error(), "EOF"))) {
		set_aside(d, rrdread_error());
	} else {
		log_complain(&d->fail, LOG_ERR, "storage: cannot check %s: %s", d->path,
			rrdread_error());
		d->state = FILE_UNCHECKED;
	}
}

/* ------------------------------------------------------------------ devices */

static int dev_cmp(const void *a, const void *b)
{
	return strcmp((*(struct sdev *const *)a)->name, (*(struct sdev *const *)b)->name);
}

static struct sdev *dev_find(const char *name)
{
	struct sdev key = { .name = (char *)name }, *kp = &key, **found;

	if (!st.n_devs)
		return NULL;
	found = bsearch(&kp, st.devs, st.n_devs, sizeof(*st.devs), dev_cmp);
	return found ? *found : NULL;
}

static void dev_free(struct sdev *d)
{
	free(d->name);
	free(d->path);
	free_names(d->ds, d->n_ds);
	free_names(d->pending, d->n_pending);
	free(d->qbuf);
	if (d->inst)
		instfile_free(d->inst);
	free(d->inst);
	free(d);
}

static bool names_valid(const char *device, const char *const *metrics, size_t n)
{
	if (!device[0] || device[0] == '.' || strpbrk(device, "/ \\:") != NULL) {
		log_err("storage: device name '%s' cannot name a file", device);
		return false;
	}
	for (size_t i = 0; i < n; i++)
		if (!metric_name_valid(metrics[i]) || find_name((char *const *)metrics, i,
			metrics[i]) >= 0) {
			log_err("storage: %s: '%s' cannot be a data source (invalid or repeated)",
				device, metrics[i]);
			return false;
		}
	return n > 0;
}

int store_open(const char *device, const char *const *metrics, size_t n_metrics,
	unsigned interval_s)
{
	struct sdev *d;
	unsigned hb = 2 * (interval_s > st.step_s ? interval_s : st.step_s);

	if (!st.ready || !names_valid(device, metrics, n_metrics))
		return -1;
	if (dev_find(device)) {
		log_err("storage: device %s opened twice", device);
		return -1;
	}
	d = xcalloc(1, sizeof(*d));
	d->name = xstrdup(device);
	d->path = rrdread_path(st.state_dir, st.rrdcached, device);
	d->ds = dup_names(metrics, n_metrics);
	d->n_ds = n_metrics;
	d->heartbeat_s = hb;
	st.devs = xgrow(st.devs, &st.cap_devs, st.n_devs + 1, sizeof(*st.devs));
	st.devs[st.n_devs++] = d;
	qsort(st.devs, st.n_devs, sizeof(*st.devs), dev_cmp);
	check_file(d);
	if (d->state == FILE_READY && d->n_pending)
		migrate_file(d, d->last_ts);
	return 0;
}

/* Whether the metric of instance k has another instance in this result. */
static bool has_sibling(const struct poll_result *res, size_t k)
{
	for (size_t j = 0; j < res->n_instances; j++)
		if (j != k && res->instances[j].metric == res->instances[k].metric)
			return true;
	return false;
}

/* The instances file of the device (instfile.h) when an instance or a label is new:
 * what the report names each instance file by. The file keeps every instance ever seen
 * (a sensor unplugged today still has its history), with its latest label; a table of
 * one row has no file of its own (store_write_instances), so it is not listed. */
static void note_instances(const struct poll_result *res)
{
	struct sdev *d = dev_find(res->dev->name);
	bool changed = false;
	char *path;

	if (!d || res->n_instances == 0)
		return;
	path = instfile_path(st.state_dir, d->name);
	if (!d->inst) {
		d->inst = xcalloc(1, sizeof(*d->inst));
		if (instfile_load(path, d->inst) < 0 && errno != ENOENT)
			log_warn("storage: %s: %s (rewritten)", path, strerror(errno));
	}
	for (size_t k = 0; k < res->n_instances; k++) {
		const struct instance_reading *ir = &res->instances[k];

		if (has_sibling(res, k))
			changed |= instfile_note(d->inst, res->dev->profile->metrics[ir->metric].name,
				ir->index, ir->label);
	}
	if (changed && instfile_save(path, d->inst) < 0)
		log_complain(&d->inst_fail, LOG_ERR, "storage: cannot write %s: %s", path,
			strerror(errno));
	else if (changed)
		log_release(&d->inst_fail, LOG_NOTICE, "storage: %s written again", path);
	free(path);
}

static bool write_instance(const struct poll_result *res, const struct instance_reading *ir)
{
	const char *metric = res->dev->profile->metrics[ir->metric].name;
	char *name = instfile_rrd_name(res->dev->name, metric, ir->index);
	struct store_value v = { metric, ir->r.status == READING_OK ? ir->r.value : NAN };
	bool ok = (dev_find(name) || store_open(name, &metric, 1, res->dev->interval_s) == 0) &&
		store_write(name, res->time, &v, 1) >= 0;

	free(name);
	return ok;
}

/* A table that answered a single row (a single-phase UPS, a probe with one sensor) is
 * its own aggregate, already in the device's file: it gets no file of its own (four
 * files of 6.6 MB and four rrd_update calls per poll saved on a single-phase UPS-MIB
 * card). Its rows get their files once it answers two or more. */
size_t store_write_instances(const struct poll_result *res)
{
	size_t lost = 0;

	note_instances(res);
	for (size_t k = 0; k < res->n_instances; k++)
		if (has_sibling(res, k) && !write_instance(res, &res->instances[k]))
			lost++;
	return lost;
}

size_t store_profile_metrics(const struct profile *prof, const char **names, size_t max)
{
	bool temp = profile_metric_index(prof, "temperature") >= 0;
	bool hum = profile_metric_index(prof, "humidity") >= 0;
	size_t n = 0;

#define ADD(s) do { if (names && n < max) names[n] = (s); n++; } while (0)
	for (size_t i = 0; i < prof->n_metrics; i++)
		ADD(prof->metrics[i].name);
	if (temp && hum && profile_metric_index(prof, "dew_point") < 0)
		ADD("dew_point");
	if (temp && profile_metric_index(prof, "temp_rate_hour") < 0)
		ADD("temp_rate_hour");
	if (temp && profile_metric_index(prof, "temp_rate_15min") < 0)
		ADD("temp_rate_15min");
#undef ADD
	return n;
}

int store_open_config(const struct config *cfg)
{
	int rc = 0;

	for (size_t i = 0; i < cfg->n_devices; i++) {
		const struct cfg_device *dev = &cfg->devices[i];
		size_t n = store_profile_metrics(dev->profile, NULL, 0);
		const char **names = xcalloc(n, sizeof(*names));

		store_profile_metrics(dev->profile, names, n);
		if (store_open(dev->name, names, n, dev->interval_s) < 0)
			rc = -1;
		free(names);
	}
	return rc;
}

size_t store_values_from_result(const struct poll_result *res, const struct derived *d,
	struct store_value *out, size_t max)
{
	const struct profile *prof = res->dev->profile;
	size_t n = 0;

	for (size_t i = 0; i < prof->n_metrics && i < res->n_readings && n < max; i++, n++) {
		out[n].metric = prof->metrics[i].name;
		out[n].value = res->answered && res->readings[i].status == READING_OK ?
			res->readings[i].value : NAN;
	}
	/* Names the device's file does not have are ignored by store_write. */
	if (d && n + 3 <= max) {
		out[n++] = (struct store_value){ "dew_point", d->dew_point };
		out[n++] = (struct store_value){ "temp_rate_hour", d->temp_rate_hour };
		out[n++] = (struct store_value){ "temp_rate_15min", d->temp_rate_15min };
	}
	return n;
}

const char *store_path(const char *device)
{
	struct sdev *d = dev_find(device);

	return d ? d->path : NULL;
}

const struct store_stats *store_stats(void)
{
	return &st.stats;
}

/* ------------------------------------------------------------------ writing */

/* Time did not move past the device's last update (the wall clock was stepped back):
 * librrd would refuse the update. One warning for the episode, one notice at its end. */
static void skip_reading(struct sdev *d, time_t ts)
{
	char now[32], last[32];

	st.stats.skipped++;
	if (ts == d->last_ts && !d->behind)
		return;  /* two readings in one second: the first one is kept */
	st.behind_skipped++;
	if (d->behind)
		return;
	d->behind = true;
	if (st.n_behind++ == 0)
		log_warn("storage: the wall clock went back (%s: reading at %s, last stored at %s): "
			"readings are skipped until the clock passes the last stored times",
			d->name, fmt_time(ts, now, sizeof(now)), fmt_time(d->last_ts, last, sizeof(last)));
}

static void caught_up(struct sdev *d)
{
	d->behind = false;
	if (--st.n_behind == 0) {
		log_notice("storage: the wall clock is past the last stored times again; %lu "
			"readings taken meanwhile were skipped", st.behind_skipped);
		st.behind_skipped = 0;
	}
}

/* Appends "<time>:<v1>:<v2>..." (file order, U for unknown) to d's batch, written in
 * place at the end of qbuf: no line buffer of its own per file. Values are matched to data
 * sources by name; callers that give them in file order take the fast path. */
static void queue_update(struct sdev *d, time_t ts, const struct store_value *v, size_t n)
{
	size_t need = 24 + d->n_ds * 26, len;
	char *line;

	if (d->qlen + need > d->qcap) {   /* grows during the first batch only */
		d->qcap = d->qlen + need;
		d->qbuf = xrealloc(d->qbuf, d->qcap);
	}
	st.vals = xgrow(st.vals, &st.cap_vals, d->n_ds, sizeof(*st.vals));
	for (size_t i = 0; i < d->n_ds; i++)
		st.vals[i] = NAN;
	for (size_t j = 0; j < n; j++) {
		int i = j < d->n_ds && strcmp(d->ds[j], v[j].metric) == 0 ? (int)j :
			find_name(d->ds, d->n_ds, v[j].metric);

		if (i >= 0)
			st.vals[i] = v[j].value;
	}
	line = d->qbuf + d->qlen;
	len = (size_t)snprintf(line, need, "%lld", (long long)ts);
	for (size_t i = 0; i < d->n_ds; i++) {
		line[len++] = ':';
		if (isfinite(st.vals[i])) {
			len += numfmt_g12(line + len, need - len, st.vals[i]);
		} else {
			line[len++] = 'U';
			line[len] = '\0';
		}
	}
	d->qlen += len + 1;
	d->n_queued++;
	if (d->n_queued == 1)
		d->queue_first = ts;
	d->queue_last = ts;
}

static int rrd_write(struct sdev *d, int argc, const char **argv, char *err, size_t len)
{
	int rc;

	rrd_clear_error();
	if (st.rrdcached)
		rc = rrdc_update(d->path, argc, argv);
	else
		rc = rrd_update_r(d->path, NULL, argc, argv);
	if (rc == 0)
		return 0;
	if (rc > 0 && !rrd_test_error())
		snprintf(err, len, "%s", strerror(rc));
	else
		take_rrd_error(err, len);
	return -1;
}

/* rrdcached is (re)connected at most once per step of sample time while it is down. */
static int daemon_ready(time_t ts)
{
	if (!st.rrdcached || rrdc_is_connected(st.rrdcached))
		return 0;
	if (ts < st.reconnect_ts)
		return -1;
	st.reconnect_ts = ts + (time_t)st.step_s;
	rrd_clear_error();
	if (rrdc_connect(st.rrdcached) != 0) {
		char err[512];

		log_complain(&st.daemon_down, LOG_ERR, "storage: rrdcached at %s does not answer "
			"(%s): readings are lost until it does", st.rrdcached,
			take_rrd_error(err, sizeof(err)));
		return -1;
	}
	return 0;
}

static void lost_readings(struct sdev *d, time_t ts, unsigned long n)
{
	if (d->lost == 0)
		d->lost_since = ts;
	d->lost += n;
	st.stats.lost += n;
	if (st.nospace.active)
		st.nospace_lost += n;
}

static void lost_reading(struct sdev *d, time_t ts)
{
	lost_readings(d, ts, 1);
}

static void write_failed(struct sdev *d, const char *err)
{
	if (st.rrdcached && !rrdc_is_connected(st.rrdcached)) {
		log_complain(&st.daemon_down, LOG_ERR, "storage: lost rrdcached at %s (%s): "
			"readings are lost until it answers", st.rrdcached, err);
		return;
	}
	log_complain(&d->fail, LOG_ERR, "storage: cannot update %s: %s", d->path, err);
	/* Gone, or updated by someone else: look at the file again before the next write. */
	if (error_is_missing(err) || strstr(err, "illegal attempt") || strstr(err, "minimum one"))
		d->state = FILE_UNCHECKED;
}

static void stored(struct sdev *d, time_t ts, unsigned long n)
{
	char since[32];

	d->last_ts = ts;
	st.stats.updates += n;
	if (st.daemon_down.active)
		log_release(&st.daemon_down, LOG_NOTICE, "storage: rrdcached at %s answers again",
			st.rrdcached);
	if (d->lost && d->fail.active)
		log_release(&d->fail, LOG_NOTICE, "storage: %s stored again; %lu readings taken "
			"since %s could not be stored and are lost", d->name, d->lost,
			fmt_time(d->lost_since, since, sizeof(since)));
	d->lost = 0;
}

/* Makes sure d has a file with its data sources before an update at ts. */
static int prepare_file(struct sdev *d, time_t ts)
{
	if (d->state == FILE_UNCHECKED) {
		check_file(d);
		if (d->state == FILE_READY && ts <= d->last_ts)
			return 1;
	}
	if (d->state == FILE_MISSING && create_file(d, ts) < 0)
		return -1;
	if (d->state != FILE_READY)
		return -1;
	if (d->n_pending && ts >= d->retry_ts)
		migrate_file(d, ts);  /* on failure the old layout goes on */
	return 0;
}

/* Writes d's batch in one rrd update. 0, or -1 when it could not be stored (the whole
 * batch counts as lost: librrd keeps the updates before the one that failed, so this may
 * count a few too many, never too few). */
static int flush_dev(struct sdev *d)
{
	const char *argv[BATCH_MAX];
	char err[512];
	size_t n = d->n_queued;

	if (n == 0)
		return 0;
	d->n_queued = d->qlen = 0;
	for (size_t i = 0, off = 0; i < n; i++) {
		argv[i] = d->qbuf + off;
		off += strlen(argv[i]) + 1;
	}
	st.stats.calls++;
	if (rrd_write(d, (int)n, argv, err, sizeof(err)) < 0) {
		write_failed(d, err);
		lost_readings(d, d->queue_first, n);
		return -1;
	}
	stored(d, d->queue_last, n);
	return 0;
}

/* librrd's creations leave free holes in the heap between the blocks kept meanwhile,
 * pages the daemon had touched: 3.7 MB of 23.2 MB anonymous memory at 1000 devices after
 * their 5000 files were created. Trimmed at most every TRIM_AFTER_S of sample time while
 * creations go on and once after the last, not after each (malloc_trim walks the heap). */
static void trim_after_creations(time_t ts)
{
	if (!st.trim_due || (ts >= st.trimmed_ts && ts - st.trimmed_ts < TRIM_AFTER_S))
		return;
	st.trim_due = false;
	st.trimmed_ts = ts;
	xmem_trim();
}

/* The batches of devices that stopped sending readings (a reload, a removed driver) are
 * written too once they are batch_s old: one look over every device per batch_s. */
static void sweep(time_t ts)
{
	if (ts >= st.swept_ts && ts - st.swept_ts < (time_t)st.batch_s)
		return;
	st.swept_ts = ts;
	for (size_t i = 0; i < st.n_devs; i++)
		if (st.devs[i]->n_queued && ts - st.devs[i]->queue_first >= (time_t)st.batch_s)
			flush_dev(st.devs[i]);
}

int store_write(const char *device, double time, const struct store_value *values, size_t n)
{
	struct sdev *d = dev_find(device);
	time_t ts = (time_t)floor(time);
	int rc;

	if (!d)
		return -1;
	if (ts <= (d->n_queued ? d->queue_last : d->last_ts)) {
		skip_reading(d, ts);
		return 1;
	}
	if (d->behind)
		caught_up(d);
	/* What the file's checks, creation or migration do starts from what it holds. */
	if (d->n_queued && (d->state != FILE_READY || (d->n_pending && ts >= d->retry_ts)))
		flush_dev(d);
	if (daemon_ready(ts) < 0 || (rc = prepare_file(d, ts)) < 0) {
		lost_reading(d, ts);
		return -1;
	}
	if (rc > 0) {
		skip_reading(d, ts);
		return 1;
	}
	queue_update(d, ts, values, n);
	if (d->n_queued == BATCH_MAX || ts - d->queue_first >= (time_t)st.batch_s)
		rc = flush_dev(d);
	sweep(ts);
	trim_after_creations(ts);
	return rc;
}

void store_flush(void)
{
	for (size_t i = 0; i < st.n_devs; i++)
		flush_dev(st.devs[i]);
}

/* ------------------------------------------------------------------ init, fini */

static int make_dirs(void)
{
	/* A network rrdcached resolves names in its own base directory. */
	if (rrdread_is_remote(st.rrdcached))
		return 0;
	if (mkdir_one(st.state_dir) < 0 || mkdir_one(st.dir) < 0)
		return -1;
	if (!st.rrdcached)
		remove_stale_temps();
	return 0;
}

int store_init(const char *state_dir, unsigned step_s, unsigned batch_s, const char *rrdcached)
{
	if (st.ready || step_s == 0)
		return -1;
	memset(&st, 0, sizeof(st));
	st.state_dir = xstrdup(state_dir);
	st.dir = xasprintf("%s/rrd", state_dir);
	st.rrdcached = rrdcached && rrdcached[0] ? xstrdup(rrdcached) : NULL;
	st.step_s = step_s;
	st.batch_s = batch_s;
	if (make_dirs() < 0) {
		store_fini();
		return -1;
	}
	st.ready = true;
	if (st.rrdcached && rrdc_connect(st.rrdcached) != 0) {
		char err[512];

		/* Not fatal: rrdcached may start after us; writes retry the connection. */
		log_complain(&st.daemon_down, LOG_ERR, "storage: rrdcached at %s does not answer "
			"(%s): readings are lost until it does", st.rrdcached,
			take_rrd_error(err, sizeof(err)));
	}
	log_info("storage: %s, step %u s, %s", st.rrdcached ? st.rrdcached : st.dir, step_s,
		st.rrdcached ? "through rrdcached" : "direct writes");
	return 0;
}

void store_fini(void)
{
	store_flush();
	if (st.rrdcached && rrdc_is_connected(st.rrdcached)) {
		for (size_t i = 0; i < st.n_devs; i++)
			if (st.devs[i]->state == FILE_READY)
				rrdc_flush(st.devs[i]->path);
		rrdc_disconnect();
	}
	for (size_t i = 0; i < st.n_devs; i++)
		dev_free(st.devs[i]);
	free(st.devs);
	free(st.state_dir);
	free(st.dir);
	free(st.rrdcached);
	free(st.vals);
	memset(&st, 0, sizeof(st));
}
