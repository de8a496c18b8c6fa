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
	const char *vlabel, double zoom)
{
	arg(g, "graph");
	arg(g, "-");
	arg(g, "--imgformat=PNG");
	arg(g, "--start=%lld", (long long)a->from);
	arg(g, "--end=%lld", (long long)a->to);
	arg(g, "--width=760");
	arg(g, "--height=120");
	arg(g, "--title=%s", title);
	arg(g, "--vertical-label=%s", vlabel);
	arg(g, "--font=DEFAULT:8:DejaVu Sans");
	arg(g, "--color=BACK#FFFFFF");
	arg(g, "--color=SHADEA#FFFFFF");
	arg(g, "--color=SHADEB#FFFFFF");
	arg(g, "--border=0");
	arg(g, "--slope-mode");
	if (zoom != 1.0)
		/* not %g: a French LC_NUMERIC would write "2,5" */
		arg(g, "--zoom=%d.%02d", (int)zoom, (int)(zoom * 100 + 0.5) % 100);
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

/* Long periods: each pixel covers many points, and the average of an hour hides a 15-min
 * excursion; the MAX (and MIN) archives keep it. */
static bool long_period(const struct audit *a)
{
	return difftime(a->to, a->from) > 2 * 86400;
}

/* metric's AVERAGE as vname, and on a long period its extremes (cfs: "MAX", "MIN") as
 * thinner lines of the same colour, lighter. */
static void curve(struct args *g, const struct audit *a, const char *path, const char *metric,
	const char *vname, const char *color, const char *label, bool with_min)
{
	char *l = legend(label);

	arg(g, "DEF:%s=%s:%s:AVERAGE", vname, path, metric);
	arg(g, "LINE2:%s#%s:%s", vname, color, l);
	if (long_period(a)) {
		char *lmax = legend(_("maximum of each point")), *lmin = legend(_("minimum of each point"));

		arg(g, "DEF:%s_max=%s:%s:MAX", vname, path, metric);
		arg(g, "LINE1:%s_max#%s80:%s", vname, color, lmax);
		if (with_min) {
			arg(g, "DEF:%s_min=%s:%s:MIN", vname, path, metric);
			arg(g, "LINE1:%s_min#%s80:%s:dashes", vname, color, lmin);
		}
		free(lmax);
		free(lmin);
	}
	free(l);
}

static void draw_temperature(struct args *g, const struct audit *a, const char *path,
	const struct cfg_threshold *t)
{
	arg(g, "DEF:t=%s:temperature:AVERAGE", path);
	if (!isnan(t->crit_lo) && !isnan(t->crit_hi))
		band(g, "t", "allow", t->crit_lo, t->crit_hi, "FDEBD0", _("allowable envelope"));
	if (!isnan(t->warn_lo) && !isnan(t->warn_hi))
		band(g, "t", "rec", t->warn_lo, t->warn_hi, "D5F5E3", _("recommended envelope"));
	hrule(g, t->warn_lo, "E67E22");
	hrule(g, t->warn_hi, "E67E22");
	hrule(g, t->crit_lo, "C0392B");
	hrule(g, t->crit_hi, "C0392B");
	curve(g, a, path, "temperature", "tc", "1F4E79", _("temperature at the air inlet (°C)"), true);
	if (!isnan(t->crit_lo))
		arg(g, "--lower-limit=%g", t->crit_lo - 2);
}

static void draw_humidity(struct args *g, const struct audit *a, const char *path,
	const struct cfg_spec *spec)
{
	curve(g, a, path, "humidity", "rh", "1F4E79", _("relative humidity (% RH)"), true);
	hrule(g, spec->crit[CRIT_HUMIDITY].warn_hi, "E67E22");
	hrule(g, spec->crit[CRIT_HUMIDITY].crit_hi, "C0392B");
	hrule(g, spec->crit[CRIT_HUMIDITY].crit_lo, "C0392B");
}

static void draw_dew_point(struct args *g, const struct audit *a, const char *path,
	const struct cfg_spec *spec)
{
	curve(g, a, path, "dew_point", "dp", "117A65", _("dew point (°C)"), false);
	hrule(g, spec->crit[CRIT_DEW_POINT].warn_hi, "E67E22");
	hrule(g, spec->crit[CRIT_DEW_POINT].crit_hi, "C0392B");
}

static void draw_ups_load(struct args *g, const struct audit *a, const struct cfg_device *dev,
	const char *path, const struct cfg_spec *spec)
{
	if (series_has_metric(a->cfg, dev->name, "ups_load"))
		curve(g, a, path, "ups_load", "ld", "1F4E79", _("output load of the UPS (%)"), false);
	if (series_has_metric(a->cfg, dev->name, "ups_charge"))
		curve(g, a, path, "ups_charge", "ch", "117A65", _("battery charge (%)"), true);
	hrule(g, spec->crit[CRIT_UPS_LOAD].warn_hi, "E67E22");
	hrule(g, spec->crit[CRIT_UPS_LOAD].crit_hi, "C0392B");
	arg(g, "--lower-limit=0");
	arg(g, "--upper-limit=100");
}

static void draw_ups_runtime(struct args *g, const struct audit *a, const char *path,
	const struct cfg_spec *spec)
{
	char *rt = legend(_("runtime (min)")), *budget = legend(_("required runtime"));
	char *low = legend(_("lowest runtime of each point (min)"));

	arg(g, "DEF:rt=%s:ups_runtime:AVERAGE", path);
	arg(g, "CDEF:rtmin=rt,60,/");
	arg(g, "LINE2:rtmin#117A65:%s", rt);
	if (long_period(a)) {
		arg(g, "DEF:rtlo=%s:ups_runtime:MIN", path);
		arg(g, "CDEF:rtlomin=rtlo,60,/");
		arg(g, "LINE1:rtlomin#C0392B:%s", low);
	}
	if (!isnan(spec->crit[CRIT_UPS_RUNTIME].crit_lo))
		arg(g, "HRULE:%g#C0392B:%s:dashes", spec->crit[CRIT_UPS_RUNTIME].crit_lo / 60, budget);
	arg(g, "--lower-limit=0");
	free(rt);
	free(budget);
	free(low);
}

/* The transfers to battery of ups, from its MAX archive (the worst state of each point). */
static void battery_spans(struct args *g, const struct audit *a, const struct cfg_device *ups)
{
	char *path, *bat, *off;

	if (!ups || !series_has_metric(a->cfg, ups->name, "ups_source"))
		return;
	path = def_path(a->cfg, ups->name);
	bat = legend(_("on battery"));
	off = legend(_("output off"));
	arg(g, "DEF:src=%s:ups_source:MAX", path);
	/* A tick as high as the graph, opaque: a 15-minute transfer on a month graph is one
	 * pixel wide, and a translucent area that thin would not be seen. */
	arg(g, "CDEF:bat=src,0.5,GT,src,1.5,LT,*");
	arg(g, "TICK:bat#E67E22:1.0:%s", bat);
	arg(g, "CDEF:off=src,2.5,GT,INF,UNKN,IF");
	arg(g, "AREA:off#C0392B70:%s", off);
	free(path);
	free(bat);
	free(off);
}

/* Does incident e concern device dev (or the rack dev measures)? */
static bool episode_of(const struct audit_episode *e, const struct cfg_server *srv,
	const struct cfg_device *dev)
{
	if (e->device)
		return strcmp(e->device, dev->name) == 0;
	return e->rack && srv->rack && strcmp(e->rack, srv->rack->name) == 0;
}

#define GRAPH_MAX_SPANS 40

/* The journal's incidents of dev as hatched spans on top: one CDEF summing, for each,
 * "TIME in [start, end)"; ref is any vname of the graph (for its time base). */
static void incident_spans(struct args *g, const struct audit *a, const struct cfg_server *srv,
	const struct cfg_device *dev, const char *ref)
{
	char *rpn = xasprintf("%s,POP,0", ref), *l;
	size_t n = 0;

	for (size_t i = 0; i < a->n_episodes && n < GRAPH_MAX_SPANS; i++) {
		const struct audit_episode *e = &a->episodes[i];
		char *next;

		if (!episode_of(e, srv, dev))
			continue;
		next = xasprintf("%s,TIME,%lld,GE,TIME,%lld,LT,*,+", rpn, (long long)e->start,
			(long long)e->end);
		free(rpn);
		rpn = next;
		n++;
	}
	if (n) {
		l = legend(_("incident or contact loss in the journal"));
		arg(g, "CDEF:inc=%s,0,GT,INF,UNKN,IF", rpn);
		arg(g, "AREA:inc#8E44AD30:%s", l);
		free(l);
	}
	free(rpn);
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

static const char *const graph_metric[] = { "temperature", "humidity", "dew_point",
	"ups_load", "ups_runtime" };

static char *graph_title(enum graph_kind kind, const char *device)
{
	switch (kind) {
	case GRAPH_TEMPERATURE: return xasprintf(_("Temperature at %s"), device);
	case GRAPH_HUMIDITY: return xasprintf(_("Relative humidity at %s"), device);
	case GRAPH_DEW_POINT: return xasprintf(_("Dew point at %s"), device);
	case GRAPH_UPS_LOAD: return xasprintf(_("UPS %s: output load and battery charge"), device);
	default: return xasprintf(_("UPS %s: runtime"), device);
	}
}

static void draw_kind(struct args *g, const struct audit *a, const struct cfg_server *srv,
	const struct cfg_device *dev, enum graph_kind kind, const char *path)
{
	switch (kind) {
	case GRAPH_TEMPERATURE: draw_temperature(g, a, path, &srv->spec->crit[CRIT_TEMPERATURE]); break;
	case GRAPH_HUMIDITY: draw_humidity(g, a, path, srv->spec); break;
	case GRAPH_DEW_POINT: draw_dew_point(g, a, path, srv->spec); break;
	case GRAPH_UPS_LOAD: draw_ups_load(g, a, dev, path, srv->spec); break;
	default: draw_ups_runtime(g, a, path, srv->spec); break;
	}
}

int graph_draw(const struct audit *a, const struct cfg_server *srv,
	const struct cfg_device *dev, enum graph_kind kind, struct graph_png *out)
{
	return graph_draw_zoom(a, srv, dev, kind, 1.0, out);
}

int graph_draw_zoom(const struct audit *a, const struct cfg_server *srv,
	const struct cfg_device *dev, enum graph_kind kind, double zoom, struct graph_png *out)
{
	/* TRANSLATORS: the vertical axes of the graphs */
	const char *units[] = { "°C", _("% RH"), "°C", "%", "min" };
	struct args g = { 0 };
	char *path, *title;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!series_has_metric(a->cfg, dev->name, graph_metric[kind]) &&
	    !(kind == GRAPH_UPS_LOAD && series_has_metric(a->cfg, dev->name, "ups_charge")))
		return -1;
	path = def_path(a->cfg, dev->name);
	title = graph_title(kind, dev->name);
	common_args(&g, a, title, units[kind], zoom);
	arg(&g, "DEF:base=%s:%s:AVERAGE", path, series_has_metric(a->cfg, dev->name,
		graph_metric[kind]) ? graph_metric[kind] : "ups_charge");
	draw_kind(&g, a, srv, dev, kind, path);
	/* Over the envelope bands, translucent: the events show whatever lies under them. */
	battery_spans(&g, a, srv->n_ups ? srv->ups[0] : NULL);
	incident_spans(&g, a, srv, dev, "base");
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
