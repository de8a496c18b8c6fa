/* series.c — the report's thin adapter over rrdread: the series of one metric clipped
 * to the period, on the report's convention of intervals [start, end). */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "log.h"
#include "rrdread.h"
#include "series.h"
#include "xmem.h"

char *series_rrd_path(const struct config *cfg, const char *device)
{
	return rrdread_path(cfg->paths.state_dir, cfg->storage.rrdcached, device);
}

void series_free(struct series *s)
{
	free(s->v);
	memset(s, 0, sizeof(*s));
}

/* rrdread's point i covers (start + i*step, start + (i+1)*step]: the same interval,
 * named by its beginning here. */
static void clip(const struct rrdread_series *r, time_t from, time_t to, struct series *out)
{
	out->step_s = (unsigned)r->step;
	out->v = xmalloc((r->n_points ? r->n_points : 1) * sizeof(double));
	for (size_t i = 0; i < r->n_points; i++) {
		time_t t = r->start + (time_t)(i * r->step);

		if (t < from || t + (time_t)r->step > to)
			continue;
		if (out->n == 0)
			out->t0 = t;
		out->v[out->n++] = r->values[i];
	}
}

int series_fetch(const struct config *cfg, const char *device, const char *metric,
	enum series_cf cf, time_t from, time_t to, struct series *out)
{
	static const enum rrdread_cf cfs[] = { RRDREAD_AVERAGE, RRDREAD_MIN, RRDREAD_MAX };
	char *path = series_rrd_path(cfg, device);
	struct rrdread_series r;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = rrdread_fetch(path, cfg->storage.rrdcached, metric, cfs[cf], from, to, 0, &r);
	if (rc == 0) {
		clip(&r, from, to, out);
		rrdread_series_free(&r);
	} else {
		log_debug("%s: %s: %s", path, metric, rrdread_error());
	}
	free(path);
	return rc;
}

bool series_has_metric(const struct config *cfg, const char *device, const char *metric)
{
	char *path = series_rrd_path(cfg, device);
	struct rrdread_info info;
	bool found = false;

	if (rrdread_info(path, cfg->storage.rrdcached, &info) == 0) {
		found = rrdread_info_index(&info, metric) >= 0;
		rrdread_info_free(&info);
	}
	free(path);
	return found;
}
