/* rrdread.c — reading envmond's RRD files through librrd, flushing through rrdcached
 * first when the daemon writes through it. */
#include <config.h>

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <rrd.h>
#include <rrd_client.h>

#include "rrdread.h"
#include "xmem.h"

static __thread char last_error[512];

static void set_error(const char *fmt, ...) ATTR_PRINTF(1, 2);
static void set_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(last_error, sizeof(last_error), fmt, ap);
	va_end(ap);
}

/* Takes librrd's message for this thread, then clears it. */
static void set_rrd_error(const char *what, const char *file)
{
	const char *msg = rrd_test_error() ? rrd_get_error() : "unknown error";

	set_error("%s %s: %s", what, file, msg);
	rrd_clear_error();
}

const char *rrdread_error(void)
{
	return last_error;
}

const char *rrdread_cf_name(enum rrdread_cf cf)
{
	switch (cf) {
	case RRDREAD_MIN: return "MIN";
	case RRDREAD_MAX: return "MAX";
	default: return "AVERAGE";
	}
}

static bool has_daemon(const char *rrdcached)
{
	return rrdcached && rrdcached[0];
}

bool rrdread_is_remote(const char *rrdcached)
{
	return has_daemon(rrdcached) && rrdcached[0] != '/' && strncmp(rrdcached, "unix:", 5) != 0;
}

char *rrdread_path(const char *state_dir, const char *rrdcached, const char *device)
{
	/* librrd refuses absolute names for a network daemon: they are resolved by the
	 * daemon against its base directory (rrdcached -b). */
	if (rrdread_is_remote(rrdcached))
		return xasprintf("rrd/%s.rrd", device);
	return xasprintf("%s/rrd/%s.rrd", state_dir, device);
}

/* Makes the file current on disk: its updates may still sit in rrdcached's cache. */
static int flush_daemon(const char *file, const char *rrdcached)
{
	if (!has_daemon(rrdcached))
		return 0;
	rrd_clear_error();
	if (rrdc_connect(rrdcached) != 0 || rrdc_flush(file) != 0) {
		set_rrd_error("cannot flush through rrdcached", file);
		return -1;
	}
	return 0;
}

static bool is_missing(const char *file, const char *rrdcached)
{
	struct stat sb;

	if (!has_daemon(rrdcached))
		return stat(file, &sb) < 0 && errno == ENOENT;
	return rrd_test_error() && (strstr(rrd_get_error(), "No such file") != NULL);
}

static double parse_last(const char *s)
{
	char *end;
	double v;

	if (!s || strcmp(s, "U") == 0)
		return NAN;
	v = strtod(s, &end);
	return end == s ? NAN : v;
}

/* Reads one "ds[name].field" key into info; other keys are ignored. */
static void info_take_ds(struct rrdread_info *info, const rrd_info_t *p, size_t *cap)
{
	const char *name = p->key + 3, *dot = strstr(name, "].");
	size_t len, i;

	if (!dot)
		return;
	len = (size_t)(dot - name);
	for (i = 0; i < info->n_ds; i++)
		if (strlen(info->ds[i]) == len && strncmp(info->ds[i], name, len) == 0)
			break;
	if (i == info->n_ds) {
		info->ds = xgrow(info->ds, cap, info->n_ds + 1, sizeof(*info->ds));
		info->last = xrealloc(info->last, *cap * sizeof(*info->last));
		info->heartbeat_s = xrealloc(info->heartbeat_s, *cap * sizeof(*info->heartbeat_s));
		info->ds[i] = xstrndup(name, len);
		info->last[i] = NAN;
		info->heartbeat_s[i] = 0;
		info->n_ds++;
	}
	if (strcmp(dot, "].last_ds") == 0 && p->type == RD_I_STR)
		info->last[i] = parse_last(p->value.u_str);
	else if (strcmp(dot, "].minimal_heartbeat") == 0 && p->type == RD_I_CNT)
		info->heartbeat_s[i] = p->value.u_cnt;
}

/* librrd lists data sources in file order, each with its fields. */
static void info_parse(const rrd_info_t *list, struct rrdread_info *out)
{
	size_t cap = 0;

	for (const rrd_info_t *p = list; p; p = p->next) {
		if (strcmp(p->key, "step") == 0 && p->type == RD_I_CNT)
			out->step = p->value.u_cnt;
		else if (strcmp(p->key, "last_update") == 0 && p->type == RD_I_CNT)
			out->last_update = (time_t)p->value.u_cnt;
		else if (strncmp(p->key, "ds[", 3) == 0)
			info_take_ds(out, p, &cap);
	}
}

int rrdread_info(const char *file, const char *rrdcached, struct rrdread_info *out)
{
	rrd_info_t *list;

	memset(out, 0, sizeof(*out));
	rrd_clear_error();
	if (has_daemon(rrdcached) && rrdc_connect(rrdcached) != 0) {
		set_rrd_error("cannot reach rrdcached for", file);
		errno = ECONNREFUSED;
		return -1;
	}
	/* Pending updates in rrdcached's cache would make last_update stale. A missing
	 * file fails here too; INFO below says so in its own words. */
	if (has_daemon(rrdcached))
		rrdc_flush(file);
	rrd_clear_error();
	list = has_daemon(rrdcached) ? rrdc_info(file) : rrd_info_r(file);
	if (!list) {
		bool missing = is_missing(file, rrdcached);

		set_rrd_error("cannot read", file);
		errno = missing ? ENOENT : EIO;
		return -1;
	}
	info_parse(list, out);
	rrd_info_free(list);
	if (out->n_ds == 0 || out->step == 0) {
		set_error("%s: not an RRD file with data sources", file);
		rrdread_info_free(out);
		errno = EINVAL;
		return -1;
	}
	return 0;
}

void rrdread_info_free(struct rrdread_info *info)
{
	for (size_t i = 0; i < info->n_ds; i++)
		free(info->ds[i]);
	free(info->ds);
	free(info->last);
	free(info->heartbeat_s);
	memset(info, 0, sizeof(*info));
}

int rrdread_info_index(const struct rrdread_info *info, const char *metric)
{
	for (size_t i = 0; i < info->n_ds; i++)
		if (strcmp(info->ds[i], metric) == 0)
			return (int)i;
	return -1;
}

int rrdread_last(const char *file, const char *rrdcached, const char *metric,
	time_t *when, double *value)
{
	struct rrdread_info info;
	int i;

	if (rrdread_info(file, rrdcached, &info) < 0)
		return -1;
	i = rrdread_info_index(&info, metric);
	if (i < 0) {
		set_error("%s: no data source %s", file, metric);
		rrdread_info_free(&info);
		return -1;
	}
	*when = info.last_update;
	*value = info.last[i];
	rrdread_info_free(&info);
	return 0;
}

struct raw_fetch {
	time_t start, end;
	unsigned long step, ds_cnt;
	char **ds_names;
	rrd_value_t *data;
};

static void raw_free(struct raw_fetch *r)
{
	for (unsigned long i = 0; r->ds_names && i < r->ds_cnt; i++)
		rrd_freemem(r->ds_names[i]);
	rrd_freemem(r->ds_names);
	rrd_freemem(r->data);
}

static int raw_fetch(const char *file, const char *rrdcached, const char *cf, struct raw_fetch *r)
{
	int rc;

	rrd_clear_error();
	if (rrdread_is_remote(rrdcached)) {
		rc = rrdc_connect(rrdcached);
		if (rc == 0)
			rc = rrdc_fetch(file, cf, &r->start, &r->end, &r->step, &r->ds_cnt,
				&r->ds_names, &r->data);
	} else {
		rc = flush_daemon(file, rrdcached);
		if (rc < 0)
			return -1;
		rc = rrd_fetch_r(file, cf, &r->start, &r->end, &r->step, &r->ds_cnt,
			&r->ds_names, &r->data);
	}
	if (rc != 0) {
		set_rrd_error("cannot fetch from", file);
		return -1;
	}
	return 0;
}

/* Copies column ds of the fetched rows into out, keeping the points whose interval
 * overlaps (from, to]: librrd adds one after an aligned end. */
static void take_column(const struct raw_fetch *r, unsigned long ds, time_t from, time_t to,
	struct rrdread_series *out)
{
	size_t rows = r->step ? (size_t)((r->end - r->start) / (time_t)r->step) : 0, first = 0;
	time_t step = (time_t)r->step;

	while (first < rows && r->start + (time_t)(first + 1) * step <= from)
		first++;
	while (rows > first && r->start + (time_t)rows * step - step >= to)
		rows--;
	out->step = r->step;
	out->start = r->start + (time_t)first * step;
	out->n_points = rows - first;
	out->end = out->start + (time_t)out->n_points * step;
	out->values = xcalloc(out->n_points ? out->n_points : 1, sizeof(double));
	out->n_unknown = 0;
	for (size_t i = 0; i < out->n_points; i++) {
		double v = r->data[(first + i) * r->ds_cnt + ds];

		if (isnan(v)) {
			v = NAN;
			out->n_unknown++;
		}
		out->values[i] = v;
	}
}

int rrdread_fetch(const char *file, const char *rrdcached, const char *metric,
	enum rrdread_cf cf, time_t from, time_t to, unsigned long resolution_s,
	struct rrdread_series *out)
{
	struct raw_fetch r = { .start = from, .end = to, .step = resolution_s ? resolution_s : 1 };
	unsigned long ds;

	memset(out, 0, sizeof(*out));
	if (to <= from) {
		set_error("%s: empty period", file);
		return -1;
	}
	if (raw_fetch(file, rrdcached, rrdread_cf_name(cf), &r) < 0)
		return -1;
	for (ds = 0; ds < r.ds_cnt; ds++)
		if (strcmp(r.ds_names[ds], metric) == 0)
			break;
	if (ds == r.ds_cnt) {
		set_error("%s: no data source %s", file, metric);
		raw_free(&r);
		return -1;
	}
	take_column(&r, ds, from, to, out);
	raw_free(&r);
	return 0;
}

void rrdread_series_free(struct rrdread_series *s)
{
	free(s->values);
	memset(s, 0, sizeof(*s));
}
