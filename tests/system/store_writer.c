/* store_writer.c — drives store.c the way the daemon does (many devices, one write per
 * device per cycle, explicit increasing timestamps) for the system tests and the timing of
 * a cycle; with --read/--last/--info it prints what rrdread.h reads back. */
#include <config.h>

#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "rrdread.h"
#include "store.h"
#include "xmem.h"

struct opts {
	const char *dir, *rrdcached, *prefix, *metrics;
	int devices, steps, wait_ms, first_device;
	long start;
	unsigned step_s;
	unsigned interval_s;       /* polling interval: one write per device every interval_s */
};

/* The known series: temperature constant over each hour, humidity 40..49 over 5 minutes,
 * other metrics constant per device; tests/system/test_store.py computes the same. */
static double value_of(const char *metric, int device, size_t j, long ts)
{
	if (strcmp(metric, "temperature") == 0)
		return 18.0 + (double)(((ts - 1) / 3600) % 10);
	if (strcmp(metric, "humidity") == 0)
		return 40.0 + (double)((ts / 30) % 10);
	return (double)device + 0.1 * (double)j;
}

static double now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);  /* a test's stopwatch, not the daemon's clock */
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static size_t split_metrics(char *list, const char **names, size_t max)
{
	size_t n = 0;

	for (char *tok = strtok(list, ","); tok && n < max; tok = strtok(NULL, ","))
		names[n++] = tok;
	return n;
}

/* One cycle: every device writes once at ts. Returns the failed writes. */
static int cycle(const struct opts *o, char **devs, const char **names, size_t n, long ts)
{
	struct store_value v[32];
	int failed = 0;

	for (int d = 0; d < o->devices; d++) {
		for (size_t j = 0; j < n; j++) {
			v[j].metric = names[j];
			v[j].value = value_of(names[j], o->first_device + d, j, ts);
		}
		if (store_write(devs[d], (double)ts, v, n) < 0)
			failed++;
	}
	return failed;
}

static void report(const struct opts *o, double *ms, int cycles, double first_ms, int failed)
{
	double sum = 0;

	for (int i = 0; i < cycles; i++)
		sum += ms[i];
	qsort(ms, (size_t)cycles, sizeof(*ms), cmp_double);
	printf("devices=%d cycles=%d updates=%lu failed=%d first_cycle_ms=%.2f",
		o->devices, cycles + 1, store_stats()->updates, failed, first_ms);
	if (cycles > 0)
		printf(" mean_cycle_ms=%.2f p95_cycle_ms=%.2f max_cycle_ms=%.2f",
			sum / cycles, ms[(size_t)(cycles * 95 / 100)], ms[cycles - 1]);
	printf("\n");
}

static int run_writer(const struct opts *o)
{
	char *list = xstrdup(o->metrics), **devs = xcalloc((size_t)o->devices, sizeof(*devs));
	const char *names[32];
	size_t n = split_metrics(list, names, 32);
	double *ms = xcalloc((size_t)o->steps + 1, sizeof(*ms)), first_ms = 0;
	int failed = 0, rc = 0;

	if (store_init(o->dir, o->step_s, 0, o->rrdcached) < 0)
		return 1;
	for (int d = 0; d < o->devices; d++) {
		devs[d] = xasprintf("%s%03d", o->prefix, o->first_device + d);
		if (store_open(devs[d], names, n, o->interval_s) < 0)
			rc = 1;
	}
	for (int i = 0; rc == 0 && (o->steps == 0 || i < o->steps); i++) {
		double t0 = now_ms();

		failed += cycle(o, devs, names, n, o->start + (long)(i + 1) * (long)o->interval_s);
		if (i == 0)
			first_ms = now_ms() - t0;
		else if (o->steps)
			ms[i - 1] = now_ms() - t0;
		if (o->wait_ms)
			usleep((useconds_t)o->wait_ms * 1000);
	}
	if (rc == 0 && o->steps)
		report(o, ms, o->steps - 1, first_ms, failed);
	store_fini();
	for (int d = 0; d < o->devices; d++)
		free(devs[d]);
	free(devs);
	free(ms);
	free(list);
	return rc;
}

static int run_read(const char *rrdcached, char **argv, int argc)
{
	static const char *const cf_names[] = { "AVERAGE", "MIN", "MAX" };
	struct rrdread_series s;
	int cf = 0;

	if (argc < 5)
		return 64;
	while (cf < 3 && strcmp(cf_names[cf], argv[2]) != 0)
		cf++;
	if (cf == 3 || rrdread_fetch(argv[0], rrdcached, argv[1], (enum rrdread_cf)cf,
		atol(argv[3]), atol(argv[4]), argc > 5 ? strtoul(argv[5], NULL, 10) : 0, &s) < 0) {
		fprintf(stderr, "store_writer: %s\n", rrdread_error());
		return 1;
	}
	printf("step=%lu points=%zu unknown=%zu\n", s.step, s.n_points, s.n_unknown);
	for (size_t i = 0; i < s.n_points; i++)
		printf("%lld %.10g\n", (long long)(s.start + (time_t)((i + 1) * s.step)), s.values[i]);
	rrdread_series_free(&s);
	return 0;
}

static int run_info(const char *rrdcached, const char *file)
{
	struct rrdread_info info;

	if (rrdread_info(file, rrdcached, &info) < 0) {
		fprintf(stderr, "store_writer: %s\n", rrdread_error());
		return 1;
	}
	printf("step=%lu last_update=%lld", info.step, (long long)info.last_update);
	for (size_t i = 0; i < info.n_ds; i++)
		printf(" %s=%.10g", info.ds[i], info.last[i]);
	printf("\n");
	rrdread_info_free(&info);
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: store_writer -d STATE_DIR [-C RRDCACHED] [-n DEVICES] [-s STEPS|0]\n"
		"         [-t START] [-S STEP_S] [-i INTERVAL_S] [-w WAIT_MS] [-m METRIC,...] [-p PREFIX]\n"
		"         [-f FIRST]\n"
		"       store_writer [-C RRDCACHED] --read FILE METRIC CF FROM TO [RESOLUTION]\n"
		"       store_writer [-C RRDCACHED] --info FILE\n");
}

int main(int argc, char **argv)
{
	struct opts o = { .prefix = "dev", .devices = 100, .steps = 100, .start = 1699920000L,
		.step_s = 30, .metrics = "temperature,humidity,dew_point,temp_rate_hour,temp_rate_15min" };
	enum { MODE_WRITE, MODE_READ, MODE_INFO } mode = MODE_WRITE;
	static const struct option longopts[] = {
		{ "read", no_argument, NULL, 'R' }, { "info", no_argument, NULL, 'I' },
		{ NULL, 0, NULL, 0 }
	};
	int c;

	signal(SIGPIPE, SIG_IGN);  /* as envmond: rrdcached may close its socket */
	log_init("store_writer", true, LOG_INFO);
	while ((c = getopt_long(argc, argv, "d:C:n:s:t:S:i:w:m:p:f:", longopts, NULL)) != -1) {
		switch (c) {
		case 'd': o.dir = optarg; break;
		case 'C': o.rrdcached = optarg; break;
		case 'n': o.devices = atoi(optarg); break;
		case 's': o.steps = atoi(optarg); break;
		case 't': o.start = atol(optarg); break;
		case 'S': o.step_s = (unsigned)atoi(optarg); break;
		case 'i': o.interval_s = (unsigned)atoi(optarg); break;
		case 'w': o.wait_ms = atoi(optarg); break;
		case 'm': o.metrics = optarg; break;
		case 'p': o.prefix = optarg; break;
		case 'f': o.first_device = atoi(optarg); break;
		case 'R': mode = MODE_READ; break;
		case 'I': mode = MODE_INFO; break;
		default: usage(); return 64;
		}
	}
	if (mode == MODE_READ)
		return run_read(o.rrdcached, argv + optind, argc - optind);
	if (mode == MODE_INFO)
		return optind < argc ? run_info(o.rrdcached, argv[optind]) : 64;
	if (!o.interval_s)
		o.interval_s = o.step_s;
	if (!o.dir || o.devices <= 0 || o.steps < 0) {
		usage();
		return 64;
	}
	return run_writer(&o);
}
