/* graph.c — rrd_graph_v in memory ("-" as the file name returns the image as the
 * "image" blob of the info list). Arguments are built as a vector, never through a
 * shell; colons in file names are escaped as rrdtool asks. */
#include <config.h>

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <rrd.h>

#include "graph.h"
#include "log.h"
#include "series.h"
#include "xmem.h"

struct args {
	char **v;
	size_t n, cap;
};

static void arg(struct args *a, const char *fmt, ...) ATTR_PRINTF(2, 3);
static void arg(struct args *a, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	a->v = xgrow(a->v, &a->cap, a->n + 2, sizeof(*a->v));
	a->v[a->n++] = xvasprintf(fmt, ap);
	a->v[a->n] = NULL;
	va_end(ap);
}

static void args_free(struct args *a)
{
	for (size_t i = 0; i < a->n; i++)
		free(a->v[i]);
	free(a->v);
}

/* file with ':' escaped for a DEF. */
static char *def_path(const struct config *cfg, const char *device)
{
	char *path = series_rrd_path(cfg, device);
	char *out = xmalloc(2 * strlen(path) + 1), *o = out;

	for (const char *p = path; *p; p++) {
		if (*p == ':' || *p == '\\')
			*o++ = '\\';
		*o++ = *p;
	}
	*o = '\0';
	free(path);
	return out;
}

/* Labels of the time axis, numeric so that they read the same in every locale: for
 * each longest period, rrdtool's --x-grid (base grid, major grid, labels every, label
 * precision, strftime format), so that an hour as well as a year gets 3 to 16 labels. */
const char *graph_time_grid(time_t from, time_t to)
{
	static const struct { double max_h; const char *grid; } grids[] = {
		{ 0.25, "SECOND:30:MINUTE:1:MINUTE:1:0:%H:%M" },
		{ 1, "MINUTE:1:MINUTE:5:MINUTE:5:0:%H:%M" },
		{ 3, "MINUTE:5:MINUTE:15:MINUTE:15:0:%H:%M" },
		{ 8, "MINUTE:15:HOUR:1:HOUR:1:0:%H:%M" },
		{ 24, "MINUTE:30:HOUR:2:HOUR:2:0:%H:%M" },
		{ 48, "HOUR:1:HOUR:6:HOUR:6:0:%H h" },
		{ 16 * 24, "HOUR:6:DAY:1:DAY:1:86400:%d/%m" },
		{ 70 * 24, "DAY:1:WEEK:1:DAY:7:86400:%d/%m" },
		{ 200 * 24, "WEEK:1:MONTH:1:MONTH:1:2592000:%m/%Y" },
	};
	double hours = difftime(to, from) / 3600.0;

	for (size_t i = 0; i < ARRAY_SIZE(grids); i++)
		if (hours <= grids[i].max_h)
			return grids[i].grid;
	return "MONTH:1:MONTH:3:MONTH:2:2592000:%m/%Y";
}

static void time_axis(struct args *g, time_t from, time_t to)
{
	arg(g, "--x-grid=%s", graph_time_grid(from, to));
}

static void common_args(struct args *g, const struct audit *a, const char *title,
	const char *vlabel)
{
	arg(g, "graph");
	arg(g, "-");
	arg(g, "--imgformat=PNG");
	arg(g, "--start=%lld", (long long)a->from);
	arg(g, "--end=%lld", (long long)a->to);
	arg(g, "--width=760");
	arg(g, "--height=180");
	arg(g, "--title=%s", title);
	arg(g, "--vertical-label=%s", vlabel);
	arg(g, "--font=DEFAULT:8:DejaVu Sans");
	arg(g, "--color=BACK#FFFFFF");
	arg(g, "--color=SHADEA#FFFFFF");
	arg(g, "--color=SHADEB#FFFFFF");
	arg(g, "--border=0");
	arg(g, "--slope-mode");
	time_axis(g, a->from, a->to);
}

/* rrdtool legends treat ':' as a separator: escape it. */
static char *legend(const char *s)
{
	char *out = xmalloc(2 * strlen(s) + 1), *o = out;

	for (; *s; s++) {
		if (*s == ':' || *s == '\\')
			*o++ = '\\';
		*o++ = *s;
	}
	*o = '\0';
	return out;
}

/* A band between lo and hi, drawn under the curves: a transparent area up to lo and the
 * band stacked on it. */
static void band(struct args *g, const char *ref, const char *name, double lo, double hi,
	const char *color, const char *label)
{
	char *l = legend(label);

	if (isnan(lo) || isnan(hi))
		hi = isnan(hi) ? lo : hi, lo = isnan(lo) ? hi : lo;
	/* A constant as wide as the graph ("x,POP,15" is refused by librrd 1.7). */
	arg(g, "CDEF:%s_lo=%s,UN,%g,%g,IF", name, ref, lo, lo);
	arg(g, "CDEF:%s_h=%s,UN,%g,%g,IF", name, ref, hi - lo, hi - lo);
	arg(g, "AREA:%s_lo#FFFFFF00", name);
	arg(g, "AREA:%s_h#%s:%s:STACK", name, color, l);
	free(l);
}

static void hrule(struct args *g, double v, const char *color)
{
	if (!isnan(v))
		arg(g, "HRULE:%g#%s::dashes", v, color);
}

static void draw_temperature(struct args *g, const char *path, const struct cfg_threshold *t)
{
	char *l = legend(_("temperature at the air inlet (°C)"));

	arg(g, "DEF:t=%s:temperature:AVERAGE", path);
	if (!isnan(t->crit_lo) && !isnan(t->crit_hi))
		band(g, "t", "allow", t->crit_lo, t->crit_hi, "FDEBD0", _("allowable envelope"));
	if (!isnan(t->warn_lo) && !isnan(t->warn_hi))
		band(g, "t", "rec", t->warn_lo, t->warn_hi, "D5F5E3", _("recommended envelope"));
	hrule(g, t->warn_lo, "E67E22");
	hrule(g, t->warn_hi, "E67E22");
	hrule(g, t->crit_lo, "C0392B");
	hrule(g, t->crit_hi, "C0392B");
	arg(g, "LINE2:t#1F4E79:%s", l);
	if (!isnan(t->crit_lo))
		arg(g, "--lower-limit=%g", t->crit_lo - 2);
	free(l);
}

static void line_if(struct args *g, const struct config *cfg, const struct cfg_device *dev,
	const char *path, const char *metric, const char *cf, const char *color, const char *label)
{
	char *l = legend(label ? label : "");

	if (series_has_metric(cfg, dev->name, metric)) {
		arg(g, "DEF:%s=%s:%s:%s", metric, path, metric, cf);
		if (color)
			arg(g, "LINE2:%s#%s:%s", metric, color, l);
	}
	free(l);
}

static void draw_humidity(struct args *g, const struct config *cfg, const struct cfg_device *dev,
	const char *path, const struct cfg_spec *spec)
{
	line_if(g, cfg, dev, path, "humidity", "AVERAGE", "1F4E79", _("relative humidity (% RH)"));
	line_if(g, cfg, dev, path, "dew_point", "AVERAGE", "117A65", _("dew point (°C)"));
	hrule(g, spec->crit[CRIT_HUMIDITY].warn_hi, "E67E22");
	hrule(g, spec->crit[CRIT_DEW_POINT].warn_hi, "48C9B0");
}

static void draw_ups(struct args *g, const struct config *cfg, const struct cfg_device *dev,
	const char *path, const struct cfg_spec *spec)
{
	char *bat = legend(_("on battery")), *off = legend(_("output off"));
	char *rt = legend(_("runtime (min)")), *budget = legend(_("required runtime"));

	line_if(g, cfg, dev, path, "ups_source", "MAX", NULL, NULL);
	if (series_has_metric(cfg, dev->name, "ups_source")) {
		arg(g, "CDEF:bat=ups_source,0.5,GT,ups_source,1.5,LT,*,INF,UNKN,IF");
		arg(g, "AREA:bat#F9E79F:%s", bat);
		arg(g, "CDEF:off=ups_source,2.5,GT,INF,UNKN,IF");
		arg(g, "AREA:off#F5B7B1:%s", off);
	}
	line_if(g, cfg, dev, path, "ups_load", "AVERAGE", "1F4E79", _("load (%)"));
	if (series_has_metric(cfg, dev->name, "ups_runtime")) {
		arg(g, "DEF:rt=%s:ups_runtime:AVERAGE", path);
		arg(g, "CDEF:rtmin=rt,60,/");
		arg(g, "LINE2:rtmin#117A65:%s", rt);
		if (!isnan(spec->crit[CRIT_UPS_RUNTIME].crit_lo))
			arg(g, "HRULE:%g#C0392B:%s:dashes", spec->crit[CRIT_UPS_RUNTIME].crit_lo / 60, budget);
	}
	arg(g, "--lower-limit=0");
	free(bat);
	free(off);
	free(rt);
	free(budget);
}

static int render(struct args *g, struct graph_png *out)
{
	rrd_info_t *info, *i;
	int rc = -1;

	rrd_clear_error();
	info = rrd_graph_v((int)g->n, g->v);
	for (i = info; i; i = i->next)
		if (strcmp(i->key, "image") == 0 && i->type == RD_I_BLO && i->value.u_blo.size) {
			out->size = i->value.u_blo.size;
			out->data = xmalloc(out->size);
			memcpy(out->data, i->value.u_blo.ptr, out->size);
			rc = 0;
		}
	if (rc != 0)
		log_warn("graph: %s", rrd_test_error() ? rrd_get_error() : "no image");
	rrd_info_free(info);
	return rc;
}

int graph_draw(const struct audit *a, const struct cfg_server *srv,
	const struct cfg_device *dev, enum graph_kind kind, struct graph_png *out)
{
	static const char *const units[] = { "°C", "% HR, °C", "%, min" };
	const char *metric = kind == GRAPH_TEMPERATURE ? "temperature" :
		kind == GRAPH_HUMIDITY ? "humidity" : "ups_load";
	struct args g = { 0 };
	char *path, *title;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!series_has_metric(a->cfg, dev->name, metric) &&
	    !(kind == GRAPH_UPS && series_has_metric(a->cfg, dev->name, "ups_source")))
		return -1;
	path = def_path(a->cfg, dev->name);
	if (kind == GRAPH_TEMPERATURE)
		title = xasprintf(_("Temperature at %s"), dev->name);
	else if (kind == GRAPH_HUMIDITY)
		title = xasprintf(_("Humidity at %s"), dev->name);
	else
		title = xasprintf(_("UPS %s: load and runtime"), dev->name);
	common_args(&g, a, title, units[kind]);
	if (kind == GRAPH_TEMPERATURE)
		draw_temperature(&g, path, &srv->spec->crit[CRIT_TEMPERATURE]);
	else if (kind == GRAPH_HUMIDITY)
		draw_humidity(&g, a->cfg, dev, path, srv->spec);
	else
		draw_ups(&g, a->cfg, dev, path, srv->spec);
	rc = render(&g, out);
	args_free(&g);
	free(title);
	free(path);
	return rc;
}

void graph_png_free(struct graph_png *g)
{
	free(g->data);
	memset(g, 0, sizeof(*g));
}

char *graph_base64(const unsigned char *data, size_t size)
{
	static const char b64[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char *out = xmalloc((size + 2) / 3 * 4 + 1), *o = out;

	for (size_t i = 0; i < size; i += 3) {
		unsigned v = (unsigned)data[i] << 16;

		v |= i + 1 < size ? (unsigned)data[i + 1] << 8 : 0;
		v |= i + 2 < size ? data[i + 2] : 0;
		*o++ = b64[v >> 18 & 63];
		*o++ = b64[v >> 12 & 63];
		*o++ = i + 1 < size ? b64[v >> 6 & 63] : '=';
		*o++ = i + 2 < size ? b64[v & 63] : '=';
	}
	*o = '\0';
	return out;
}
