/* test_store.c — the RRD store and the read API against real librrd files: a 30-day
 * series read back, the clock going back, a profile gaining a metric, a full disk. */
#include <config.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cfgparse.h"
#include "log.h"
#include "profile.h"
#include "rrdread.h"
#include "store.h"
#include "xmem.h"

#define STEP 30
#define T0 1699920000L            /* 2023-11-14 00:00:00 UTC: day-aligned */
#define DAY 86400L

static char dir[64];
static struct { int priority; char msg[512]; } lines[256];
static int n_lines;

static void sink(int priority, const char *msg, void *arg)
{
	if (n_lines < (int)ARRAY_SIZE(lines)) {
		lines[n_lines].priority = priority;
		snprintf(lines[n_lines++].msg, sizeof(lines[0].msg), "%s", msg);
	}
}

static int count_lines(int priority, const char *needle)
{
	int n = 0;

	for (int i = 0; i < n_lines; i++)
		if (lines[i].priority == priority && (!needle || strstr(lines[i].msg, needle)))
			n++;
	return n;
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	return remove(path);
}

static int setup(void **state)
{
	snprintf(dir, sizeof(dir), "/tmp/test_store.XXXXXX");
	assert_non_null(mkdtemp(dir));
	n_lines = 0;
	log_init("test_store", true, LOG_ERR);
	log_set_sink(sink, NULL);
	return 0;
}

static int teardown(void **state)
{
	store_fini();
	log_set_sink(NULL, NULL);
	umount2(dir, MNT_DETACH);  /* test_disk_full stopped half-way */
	nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	return 0;
}

static char *path_of(const char *device)
{
	return rrdread_path(dir, NULL, device);
}

/* ------------------------------------------------------------------ the known series */

static const char *const probe_metrics[] = {
	"temperature", "humidity", "dew_point", "temp_rate_hour", "temp_rate_15min"
};

/* Constant over each hour (the hour the update's interval belongs to). */
static double temp_at(long ts)
{
	return 18.0 + (double)(((ts - 1 - T0) / 3600) % 10);
}

/* 40..49 over each 5 minutes; unknown on day 10 from 06:00 to 12:00. */
static double hum_at(long ts)
{
	long off = ts - T0;

	if (off > 9 * DAY + 6 * 3600 && off <= 9 * DAY + 12 * 3600)
		return NAN;
	return 40.0 + (double)((off / STEP) % 10);
}

/* Only from day 16 on. */
static double dew_at(long ts)
{
	return ts - T0 > 15 * DAY ? 10.0 : NAN;
}

static void write_series(const char *device, long from, long to)
{
	for (long ts = from; ts <= to; ts += STEP) {
		struct store_value v[] = {
			{ "temperature", temp_at(ts) }, { "humidity", hum_at(ts) },
			{ "dew_point", dew_at(ts) },
		};

		assert_int_equal(store_write(device, (double)ts + 0.25, v, ARRAY_SIZE(v)), 0);
	}
}

static void check_full_resolution(const char *file, long end)
{
	struct rrdread_series s;

	assert_int_equal(rrdread_fetch(file, NULL, "temperature", RRDREAD_AVERAGE, end - DAY, end,
		0, &s), 0);
	assert_int_equal(s.step, STEP);
	assert_true(s.n_points >= (size_t)(DAY / STEP));
	for (size_t i = 0; i < s.n_points; i++) {
		long label = (long)s.start + (long)((i + 1) * s.step);

		if (label <= end)
			assert_float_equal(s.values[i], temp_at(label), 1e-9);
	}
	rrdread_series_free(&s);
}

/* 30 days: librrd chooses the 5-minute archive; min, mean and max of humidity. */
static void check_five_minutes(const char *file, long end)
{
	static const struct { enum rrdread_cf cf; double want; } cases[] = {
		{ RRDREAD_AVERAGE, 44.5 }, { RRDREAD_MIN, 40.0 }, { RRDREAD_MAX, 49.0 },
	};

	for (size_t c = 0; c < ARRAY_SIZE(cases); c++) {
		struct rrdread_series s;
		size_t known = 0;

		assert_int_equal(rrdread_fetch(file, NULL, "humidity", cases[c].cf, end - 30 * DAY,
			end, 0, &s), 0);
		assert_int_equal(s.step, 300);
		for (size_t i = 0; i < s.n_points; i++)
			if (!isnan(s.values[i])) {
				assert_float_equal(s.values[i], cases[c].want, 1e-9);
				known++;
			}
		/* 6 hours unknown = 72 points. */
		assert_int_equal(s.n_unknown, s.n_points - known);
		assert_int_equal(s.n_unknown, 72);
		assert_int_equal(s.n_points, 30 * DAY / 300);
		rrdread_series_free(&s);
	}
}

static void check_hourly(const char *file, long end)
{
	struct rrdread_series s;
	size_t checked = 0;

	assert_int_equal(rrdread_fetch(file, NULL, "temperature", RRDREAD_AVERAGE, end - 30 * DAY,
		end, 3600, &s), 0);
	assert_int_equal(s.step, 3600);
	for (size_t i = 0; i < s.n_points; i++) {
		long label = (long)s.start + (long)((i + 1) * s.step);

		if (label <= end && label > T0) {
			assert_float_equal(s.values[i], temp_at(label), 1e-9);
			checked++;
		}
	}
	assert_true(checked >= 719);
	rrdread_series_free(&s);
	/* dew_point was given for the last 15 days: half the hours are unknown. */
	assert_int_equal(rrdread_fetch(file, NULL, "dew_point", RRDREAD_MAX, T0, T0 + 30 * DAY,
		3600, &s), 0);
	assert_int_equal(s.n_points, 720);
	assert_int_equal(s.n_unknown, 360);
	rrdread_series_free(&s);
}

/* Thirty days of readings every STEP, written one by one (batch_s 0) or in batches:
 * every reading reads back either way. */
static void thirty_days(unsigned batch_s)
{
	char *file = path_of("probe-a");
	struct rrdread_info info;
	long end = T0 + 30 * DAY, per_call = batch_s / STEP + 1;
	time_t when;
	double v;

	assert_int_equal(store_init(dir, STEP, batch_s, NULL), 0);
	assert_int_equal(store_open("probe-a", probe_metrics, ARRAY_SIZE(probe_metrics), 30), 0);
	assert_string_equal(store_path("probe-a"), file);
	write_series("probe-a", T0 + STEP, end);
	store_flush();
	assert_int_equal(store_stats()->updates, 30 * DAY / STEP);
	/* A batch holds the readings of batch_s seconds after its first one, both ends in. */
	assert_int_equal(store_stats()->calls, (30 * DAY / STEP + per_call - 1) / per_call);
	assert_int_equal(store_stats()->creates, 1);

	assert_int_equal(rrdread_info(file, NULL, &info), 0);
	assert_int_equal(info.step, STEP);
	assert_int_equal(info.last_update, end);
	assert_int_equal(info.n_ds, 5);
	for (size_t i = 0; i < info.n_ds; i++)
		assert_string_equal(info.ds[i], probe_metrics[i]);
	rrdread_info_free(&info);

	check_full_resolution(file, end);
	check_five_minutes(file, end);
	check_hourly(file, end);
	assert_int_equal(rrdread_last(file, NULL, "temperature", &when, &v), 0);
	assert_int_equal(when, end);
	assert_float_equal(v, temp_at(end), 1e-9);
	assert_int_equal(rrdread_last(file, NULL, "temp_rate_hour", &when, &v), 0);
	assert_true(isnan(v));
	assert_int_equal(rrdread_last(file, NULL, "no_such_metric", &when, &v), -1);
	assert_non_null(strstr(rrdread_error(), "no_such_metric"));
	assert_int_equal(count_lines(LOG_ERR, NULL), 0);
	free(file);
}

static void test_thirty_days(void **state)
{
	thirty_days(0);
}

static void test_thirty_days_batched(void **state)
{
	thirty_days(300);
}

/* ------------------------------------------------------------------ batches */

static time_t last_update(const char *device)
{
	char *file = path_of(device);
	struct rrdread_info info;
	time_t t;

	assert_int_equal(rrdread_info(file, NULL, &info), 0);
	t = info.last_update;
	rrdread_info_free(&info);
	free(file);
	return t;
}

static void write_one(const char *device, long ts, double temp_c)
{
	struct store_value v[] = { { "temperature", temp_c } };

	assert_int_equal(store_write(device, (double)ts, v, 1), 0);
}

/* A device's readings wait in memory for batch_s seconds of sample time, then go in one
 * rrd update; a device that stops sending has its batch written once another device's
 * readings show batch_s has passed; store_flush and store_fini write the rest. */
static void test_batch_window(void **state)
{
	const char *const m[] = { "temperature" };
	struct store_value v[] = { { "temperature", 1.0 } };

	assert_int_equal(store_init(dir, STEP, 300, NULL), 0);
	assert_int_equal(store_open("probe-a", m, 1, STEP), 0);
	assert_int_equal(store_open("probe-b", m, 1, STEP), 0);
	for (long k = 1; k <= 10; k++)
		write_one("probe-a", T0 + k * STEP, 20.0 + (double)k);
	write_one("probe-b", T0 + 5 * STEP, 30.0);
	/* The files exist (created at the first reading) but hold nothing yet. */
	assert_int_equal(last_update("probe-a"), T0);
	assert_int_equal(store_stats()->updates, 0);
	assert_int_equal(store_stats()->calls, 0);
	/* 300 s after its first reading, probe-a's 11 readings go in one call. */
	write_one("probe-a", T0 + 11 * STEP, 31.0);
	assert_int_equal(last_update("probe-a"), T0 + 11 * STEP);
	assert_int_equal(store_stats()->updates, 11);
	assert_int_equal(store_stats()->calls, 1);
	/* probe-b says nothing more (its file begins a step before its first reading): its
	 * batch goes when probe-a's readings pass its window. */
	assert_int_equal(last_update("probe-b"), T0 + 4 * STEP);
	for (long k = 12; k <= 21; k++)
		write_one("probe-a", T0 + k * STEP, 20.0);
	assert_int_equal(last_update("probe-b"), T0 + 5 * STEP);
	/* The rest at store_flush. */
	write_one("probe-b", T0 + 23 * STEP, 30.0);
	assert_int_equal(last_update("probe-a"), T0 + 11 * STEP);
	store_flush();
	assert_int_equal(last_update("probe-a"), T0 + 21 * STEP);
	assert_int_equal(last_update("probe-b"), T0 + 23 * STEP);
	assert_int_equal(store_stats()->updates, 23);
	assert_int_equal(store_stats()->calls, 4);
	assert_int_equal(store_stats()->lost, 0);
	/* A reading not after the last one batched is skipped, as one not after the file's. */
	write_one("probe-a", T0 + 23 * STEP, 20.0);
	assert_int_equal(store_write("probe-a", (double)(T0 + 23 * STEP), v, 1), 1);
	store_fini();
	assert_int_equal(last_update("probe-a"), T0 + 23 * STEP);
}

/* ------------------------------------------------------------------ clock back */

static void test_clock_back(void **state)
{
	struct store_value v[] = { { "temperature", 21.0 } };
	const char *const m[] = { "temperature" };
	char *file = path_of("probe-b");
	time_t when;
	double last;

	assert_int_equal(store_init(dir, STEP, 0, NULL), 0);
	assert_int_equal(store_open("probe-b", m, 1, 30), 0);
	assert_int_equal(store_open("probe-c", m, 1, 30), 0);
	for (long ts = T0 + STEP; ts <= T0 + 3600; ts += STEP) {
		assert_int_equal(store_write("probe-b", (double)ts, v, 1), 0);
		assert_int_equal(store_write("probe-c", (double)ts, v, 1), 0);
	}
	/* The wall clock is stepped back by 30 minutes: an hour of polls at 30 s. */
	for (long ts = T0 + 1800 + STEP; ts <= T0 + 5400; ts += STEP) {
		int want = ts <= T0 + 3600 ? 1 : 0;

		v[0].value = 25.0;
		assert_int_equal(store_write("probe-b", (double)ts, v, 1), want);
		assert_int_equal(store_write("probe-c", (double)ts, v, 1), want);
	}
	assert_int_equal(store_stats()->skipped, 2 * 60);
	assert_int_equal(count_lines(LOG_WARNING, "clock went back"), 1);
	assert_int_equal(count_lines(LOG_WARNING, NULL), 1);
	assert_int_equal(count_lines(LOG_ERR, NULL), 0);
	assert_int_equal(count_lines(LOG_NOTICE, "past the last stored times"), 1);
	assert_int_equal(rrdread_last(file, NULL, "temperature", &when, &last), 0);
	assert_int_equal(when, T0 + 5400);
	assert_float_equal(last, 25.0, 1e-9);
	/* Two readings in one second: the second is dropped without a word. */
	assert_int_equal(store_write("probe-b", T0 + 5400.9, v, 1), 1);
	assert_int_equal(count_lines(LOG_WARNING, NULL), 1);
	free(file);
}

/* ------------------------------------------------------------------ a new metric */

static void test_new_metric(void **state)
{
	const char *const before[] = { "temperature", "humidity" };
	const char *const after[] = { "temperature", "humidity", "dew_point" };
	char *file = path_of("probe-d");
	struct rrdread_series s;
	struct rrdread_info info;
	long mid = T0 + 2 * DAY, end = T0 + 3 * DAY;

	assert_int_equal(store_init(dir, STEP, 0, NULL), 0);
	assert_int_equal(store_open("probe-d", before, 2, 30), 0);
	write_series("probe-d", T0 + STEP, mid);
	store_fini();

	/* The profile gained dew_point: the file gets the data source, history stays. */
	assert_int_equal(store_init(dir, STEP, 0, NULL), 0);
	assert_int_equal(store_open("probe-d", after, 3, 30), 0);
	assert_int_equal(store_stats()->migrations, 1);
	assert_int_equal(count_lines(LOG_NOTICE, "new data source"), 1);
	assert_int_equal(rrdread_info(file, NULL, &info), 0);
	assert_int_equal(info.n_ds, 3);
	assert_string_equal(info.ds[2], "dew_point");
	assert_int_equal(info.last_update, mid);
	rrdread_info_free(&info);
	write_series("probe-d", mid + STEP, end);

	assert_int_equal(rrdread_fetch(file, NULL, "temperature", RRDREAD_AVERAGE, T0, end, 3600,
		&s), 0);
	assert_int_equal(s.n_points, 72);
	assert_int_equal(s.n_unknown, 0);
	for (size_t i = 0; i < s.n_points; i++)
		assert_float_equal(s.values[i], temp_at(T0 + (long)((i + 1) * 3600)), 1e-9);
	rrdread_series_free(&s);
	/* dew_point is unknown before its arrival (and given from day 16 only). */
	assert_int_equal(rrdread_fetch(file, NULL, "dew_point", RRDREAD_AVERAGE, T0, end, 3600,
		&s), 0);
	assert_int_equal(s.n_unknown, 72);
	rrdread_series_free(&s);

	/* The profile lost humidity: its data source stays, written unknown. */
	store_fini();
	assert_int_equal(store_init(dir, STEP, 0, NULL), 0);
	assert_int_equal(store_open("probe-d", before, 1, 30), 0);
	assert_int_equal(store_stats()->migrations, 0);
	assert_int_equal(store_write("probe-d", (double)(end + STEP),
		(struct store_value[]){ { "temperature", 30.0 } }, 1), 0);
	assert_int_equal(rrdread_info(file, NULL, &info), 0);
	assert_int_equal(info.n_ds, 3);
	assert_float_equal(info.last[0], 30.0, 1e-9);
	assert_true(isnan(info.last[1]));
	rrdread_info_free(&info);
	free(file);
}

/* ------------------------------------------------------------------ a longer interval */

/* A file created when the probe was polled every 30 s (heartbeat 60 s), then the interval
 * set to 120 s: without a longer heartbeat every reading would be stored unknown. */
static void test_interval_raised(void **state)
{
	const char *const m[] = { "temperature", "humidity" };
	char *file = path_of("probe-i");
	struct rrdread_series s;
	struct rrdread_info info;
	long mid = T0 + 3600, end = T0 + 2 * 3600;

	assert_int_equal(store_init(dir, STEP, 0, NULL), 0);
	assert_int_equal(store_open("probe-i", m, 2, 30), 0);
	write_series("probe-i", T0 + STEP, mid);
	store_fini();
	assert_int_equal(rrdread_info(file, NULL, &info), 0);
	assert_int_equal(info.heartbeat_s[0], 60);
	rrdread_info_free(&info);

	assert_int_equal(store_init(dir, STEP, 0, NULL), 0);
	assert_int_equal(store_open("probe-i", m, 2, 120), 0);
	assert_int_equal(count_lines(LOG_NOTICE, "heartbeat raised to 240 s"), 1);
	for (long ts = mid + 120; ts <= end; ts += 120)
		assert_int_equal(store_write("probe-i", (double)ts,
			(struct store_value[]){ { "temperature", temp_at(ts) } }, 1), 0);
	assert_int_equal(rrdread_info(file, NULL, &info), 0);
	assert_int_equal(info.heartbeat_s[0], 240);
	assert_int_equal(info.heartbeat_s[1], 240);
	rrdread_info_free(&info);
	assert_int_equal(rrdread_fetch(file, NULL, "temperature", RRDREAD_AVERAGE, mid, end, STEP,
		&s), 0);
	assert_int_equal(s.n_points, 120);
	assert_int_equal(s.n_unknown, 0);
	rrdread_series_free(&s);
	/* Once raised, it stays: no tune at the next start. */
	store_fini();
	n_lines = 0;
	assert_int_equal(store_init(dir, STEP, 0, NULL), 0);
	assert_int_equal(store_open("probe-i", m, 2, 120), 0);
	assert_int_equal(count_lines(LOG_NOTICE, "heartbeat"), 0);
	assert_int_equal(count_lines(LOG_ERR, NULL), 0);
	free(file);
}

/* ------------------------------------------------------------------ damaged files */

static void test_unreadable_and_stale_files(void **state)
{
	const char *const m[] = { "temperature" };
	char *file = path_of("probe-e");
	char *rrddir = xasprintf("%s/rrd", dir), *temp;
	struct stat sb;
	FILE *f;

	assert_int_equal(mkdir(rrddir, 0755), 0);
	f = fopen(file, "w");
	fputs("not an rrd\n", f);
	fclose(f);
	/* What librrd leaves behind when killed while creating a file. */
	temp = xasprintf("%sAb12Cd", file);
	f = fopen(temp, "w");
	fclose(f);

	assert_int_equal(store_init(dir, STEP, 0, NULL), 0);
	assert_int_equal(stat(temp, &sb), -1);
	assert_int_equal(store_open("probe-e", m, 1, 30), 0);
	assert_int_equal(count_lines(LOG_ERR, "moved to"), 1);
	assert_int_equal(store_write("probe-e", (double)(T0 + STEP),
		(struct store_value[]){ { "temperature", 19.5 } }, 1), 0);
	assert_int_equal(stat(file, &sb), 0);
	/* Names that cannot be files or data sources are refused. */
	assert_int_equal(store_open("../etc", m, 1, 30), -1);
	assert_int_equal(store_open("probe-f", (const char *const[]){ "Bad-Name" }, 1, 30), -1);
	assert_int_equal(store_open("probe-e", m, 1, 30), -1);
	assert_int_equal(store_write("unknown-device", (double)T0, NULL, 0), -1);
	free(temp);
	free(rrddir);
	free(file);
}

/* ------------------------------------------------------------------ profiles, sizes */

static void test_profile_metrics(void **state)
{
	struct cfgparse p;
	struct profile *ups, *probe;
	const char *names[32];

	cfgparse_init(&p);
	ups = profile_load(&p, TOP_SRCDIR "/etc/profiles/ups-rfc1628.conf");
	probe = profile_load(&p, TOP_SRCDIR "/etc/profiles/probe-xy-md02.conf");
	assert_non_null(ups);
	assert_non_null(probe);
	/* A UPS has no temperature metric: its own metrics only, nothing derived. */
	assert_int_equal(store_profile_metrics(ups, names, 32), ups->n_metrics);
	assert_int_equal(ups->n_metrics, 13);   /* battery voltage, seconds on battery, alarms */
	assert_int_equal(store_profile_metrics(probe, names, 32), 5);
	assert_string_equal(names[2], "dew_point");
	assert_string_equal(names[3], "temp_rate_hour");
	assert_string_equal(names[4], "temp_rate_15min");
	assert_int_equal(store_profile_metrics(probe, names, 1), 5);
	/* 12 archives: 78057 rows per data source at 30 s. */
	assert_int_equal(store_file_size(1, 30), 78057 * 8);
	print_message("# file size at 30 s: UPS (9 DS) %zu bytes, probe (5 DS) %zu bytes\n",
		store_file_size(9, 30), store_file_size(5, 30));
	profile_free(ups);
	profile_free(probe);
	cfgparse_fini(&p);
}

/* ------------------------------------------------------------------ full disk */

static void fill_disk(const char *path)
{
	static char block[65536];
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	assert_true(fd >= 0);
	while (write(fd, block, sizeof(block)) > 0)
		;
	while (write(fd, block, 512) > 0)
		;
	close(fd);
}

static int count_dir_entries(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

static void write_two(long ts, int want_b)
{
	struct store_value v[] = { { "temperature", 20.0 }, { "humidity", 45.0 } };

	assert_int_equal(store_write("probe-full-a", (double)ts, v, 2), 0);
	assert_int_equal(store_write("probe-full-b", (double)ts, v, 2), want_b);
}

/* A tmpfs too small for one more file: the device without a file loses its readings,
 * logged once; the one with a file goes on (updates write in place); space freed, the
 * file is created and the loss is told. Needs root for mount(2). */
static void test_disk_full(void **state)
{
	const char *const m[] = { "temperature", "humidity" };
	char *filler = xasprintf("%s/filler", dir), *rrddir = xasprintf("%s/rrd", dir);
	long ts = T0;

	if (mount("tmpfs", dir, "tmpfs", 0, "size=4m,mode=0755") < 0) {
		print_message("# cannot mount a tmpfs (%s): not run\n", strerror(errno));
		free(filler);
		free(rrddir);
		skip();
	}
	assert_int_equal(store_init(dir, STEP, 0, NULL), 0);
	assert_int_equal(store_open("probe-full-a", m, 2, 30), 0);
	assert_int_equal(store_open("probe-full-b", m, 2, 30), 0);
	assert_int_equal(store_write("probe-full-a", (double)(ts += STEP),
		(struct store_value[]){ { "temperature", 20.0 } }, 1), 0);
	fill_disk(filler);
	for (int i = 0; i < 100; i++)
		write_two(ts += STEP, -1);
	assert_int_equal(count_lines(LOG_ERR, "disk full"), 1);
	assert_int_equal(count_lines(LOG_ERR, NULL), 1);
	assert_int_equal(store_stats()->lost, 100);
	assert_int_equal(count_dir_entries(rrddir), 1);  /* probe-full-a.rrd, no temporary file */

	unlink(filler);
	int stored = 0;
	for (int i = 0; i < 100; i++) {
		struct store_value v[] = { { "temperature", 20.0 }, { "humidity", 45.0 } };

		assert_int_equal(store_write("probe-full-a", (double)(ts += STEP), v, 2), 0);
		if (store_write("probe-full-b", (double)ts, v, 2) == 0)
			stored++;
	}
	/* The next attempt comes after the backoff (at most 600 s = 20 steps). */
	assert_true(stored >= 80);
	assert_int_equal(count_lines(LOG_NOTICE, "disk space available again"), 1);
	assert_int_equal(count_dir_entries(rrddir), 2);
	store_fini();
	assert_int_equal(umount2(dir, MNT_DETACH), 0);
	free(filler);
	free(rrddir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_thirty_days, setup, teardown),
		cmocka_unit_test_setup_teardown(test_thirty_days_batched, setup, teardown),
		cmocka_unit_test_setup_teardown(test_batch_window, setup, teardown),
		cmocka_unit_test_setup_teardown(test_clock_back, setup, teardown),
		cmocka_unit_test_setup_teardown(test_new_metric, setup, teardown),
		cmocka_unit_test_setup_teardown(test_interval_raised, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unreadable_and_stale_files, setup, teardown),
		cmocka_unit_test_setup_teardown(test_profile_metrics, setup, teardown),
		cmocka_unit_test_setup_teardown(test_disk_full, setup, teardown),
	};

	return cmocka_run_group_tests_name("store", tests, NULL, NULL);
}
