/* instances.c — each instance of a row's table metric measured over the period from its
 * own RRD file (the daemon's store writes "<device>~<metric>~<index>.rrd" beside the
 * device's file, which keeps the aggregate the rules judged), and the worst of them. */
#include <config.h>

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "instances.h"
#include "instfile.h"
#include "log.h"
#include "rrdread.h"
#include "series.h"
#include "xmem.h"

/* Instance files of device for metric found in the RRD directory, without labels: for
 * files written before the daemon kept an instances file. Local files only. */
static void scan_directory(const struct config *cfg, const char *device, const char *metric,
	struct instfile *out)
{
	char *dir = xasprintf("%s/rrd", cfg->paths.state_dir);
	char *prefix = xasprintf("%s~%s~", device, metric);
	size_t plen = strlen(prefix);
	DIR *d = opendir(dir);

	for (struct dirent *e; d && (e = readdir(d)) != NULL; ) {
		size_t len = strlen(e->d_name);

		if (len > plen + 4 && strncmp(e->d_name, prefix, plen) == 0 &&
		    strcmp(e->d_name + len - 4, ".rrd") == 0) {
			char *index = xstrndup(e->d_name + plen, len - plen - 4);

			instfile_note(out, metric, index, "");
			free(index);
		}
	}
	if (d)
		closedir(d);
	free(prefix);
	free(dir);
}

/* The instances the daemon recorded for device (its instances file), else those whose
 * files are there. */
static void find_instances(const struct config *cfg, const char *device, const char *metric,
	struct instfile *out)
{
	char *path = instfile_path(cfg->paths.state_dir, device);

	if (instfile_load(path, out) < 0) {
		if (errno != ENOENT)
			log_warn("%s: %s", path, strerror(errno));
		if (!rrdread_is_remote(cfg->storage.rrdcached))
			scan_directory(cfg, device, metric, out);
	}
	free(path);
}

static int by_index(const void *a, const void *b)
{
	return strverscmp(((const struct audit_instance *)a)->index,
		((const struct audit_instance *)b)->index);
}

/* The extreme of the MIN or MAX archive (a coarse archive's averages hide a peak), when
 * it has the same points as the averages. */
static void true_extreme(const struct config *cfg, const char *file, const char *metric,
	enum series_cf cf, const struct audit *a, const struct series *avg, struct audit_instance *i)
{
	struct series s;
	struct envelope none = { NAN, NAN, NAN, NAN };
	struct stats x;

	if (series_fetch(cfg, file, metric, cf, a->from, a->to, &s) == 0 && s.n == avg->n &&
	    s.t0 == avg->t0 && s.step_s == avg->step_s) {
		stats_compute(&s, 0, s.n, &none, &x);
		if (cf == SERIES_MIN && x.n_known)
			i->st.min = x.min, i->st.min_t = x.min_t;
		if (cf == SERIES_MAX && x.n_known)
			i->st.max = x.max, i->st.max_t = x.max_t;
	}
	series_free(&s);
}

static void measure_one(const struct audit *a, const struct audit_row *r, const char *metric,
	struct audit_instance *i)
{
	char *file = instfile_rrd_name(r->device->name, metric, i->index);
	struct series s;

	series_fetch(a->cfg, file, metric, SERIES_AVERAGE, a->from, a->to, &s);
	stats_compute(&s, 0, s.n, &r->env, &i->st);
	if (s.n) {
		true_extreme(a->cfg, file, metric, SERIES_MIN, a, &s, i);
		true_extreme(a->cfg, file, metric, SERIES_MAX, a, &s, i);
	}
	series_free(&s);
	free(file);
}

/* The bound a side is judged against: the recommended one, else the allowable one. */
static double bound(double rec, double allow)
{
	return isnan(rec) ? allow : rec;
}

/* The worst instance: the one that went furthest below the lower bound when some went
 * below it further than any went above the upper (a cold inlet, a dry sensor), else the
 * highest maximum (the hottest inlet, the most loaded phase) -- or the lowest minimum
 * for a criterion with only a lower bound. */
static void pick_worst(struct audit_row *r)
{
	double lo = bound(r->env.rec_lo, r->env.allow_lo), hi = bound(r->env.rec_hi, r->env.allow_hi);
	double below = -INFINITY, above = -INFINITY;
	int lowest = -1, highest = -1;

	for (size_t k = 0; k < r->n_inst; k++) {
		const struct stats *st = &r->inst[k].st;

		if (st->n_known == 0)
			continue;
		if (lowest < 0 || st->min < r->inst[lowest].st.min)
			lowest = (int)k;
		if (highest < 0 || st->max > r->inst[highest].st.max)
			highest = (int)k;
	}
	if (highest < 0) {
		r->worst_inst = -1;
		return;
	}
	if (!isnan(lo))
		below = lo - r->inst[lowest].st.min;
	if (!isnan(hi))
		above = r->inst[highest].st.max - hi;
	r->worst_low = (isnan(hi) && !isnan(lo)) || (below > 0 && below > above);
	r->worst_inst = r->worst_low ? lowest : highest;
}

void instances_measure(const struct audit *a, struct audit_row *r)
{
	const char *metric = criterion_name(r->crit);
	struct instfile f;
	size_t n = 0;

	r->worst_inst = -1;
	if (r->is_state)
		return;
	find_instances(a->cfg, r->device->name, metric, &f);
	for (size_t k = 0; k < f.n; k++)
		n += strcmp(f.e[k].metric, metric) == 0;
	if (n >= 2) {
		r->inst = xcalloc(n, sizeof(*r->inst));
		for (size_t k = 0; k < f.n; k++) {
			if (strcmp(f.e[k].metric, metric) != 0)
				continue;
			r->inst[r->n_inst].index = xstrdup(f.e[k].index);
			r->inst[r->n_inst].label = xstrdup(f.e[k].label);
			r->n_inst++;
		}
		qsort(r->inst, r->n_inst, sizeof(*r->inst), by_index);
		for (size_t k = 0; k < r->n_inst; k++)
			measure_one(a, r, metric, &r->inst[k]);
		pick_worst(r);
	}
	instfile_free(&f);
}

void instances_free(struct audit_row *r)
{
	for (size_t k = 0; k < r->n_inst; k++) {
		free(r->inst[k].index);
		free(r->inst[k].label);
	}
	free(r->inst);
	r->inst = NULL;
	r->n_inst = 0;
}
