/* context.c — the context of a notification (see context.h). */
#include <config.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "context.h"
#include "envmon.h"
#include "keptread.h"
#include "status.h"
#include "xmem.h"

#define MAX_NEIGHBOURS 32

/* The last answer of a device. */
struct last {
	bool seen, silent;
	double temperature, humidity;
	struct kept_readings readings;
};

struct context {
	const struct config *cfg;
	const struct derive_history *hist;
	notify_fn sink;
	void *sink_arg;
	struct last *last;               /* indexed like cfg->devices */
	char host[256];
};

struct context *context_new(const struct config *cfg, const struct derive_history *hist,
	notify_fn sink, void *sink_arg)
{
	struct context *cx = xcalloc(1, sizeof(*cx));

	cx->cfg = cfg;
	cx->hist = hist;
	cx->sink = sink;
	cx->sink_arg = sink_arg;
	cx->last = xcalloc(cfg->n_devices + 1, sizeof(*cx->last));
	if (gethostname(cx->host, sizeof(cx->host) - 1) != 0)
		cx->host[0] = '\0';
	return cx;
}

void context_free(struct context *cx)
{
	if (!cx)
		return;
	for (size_t i = 0; i < cx->cfg->n_devices; i++)
		kept_readings_free(&cx->last[i].readings);
	free(cx->last);
	free(cx);
}

void context_record(struct context *cx, const struct poll_result *res, const struct derived *d)
{
	struct last *l = &cx->last[res->dev - cx->cfg->devices];

	l->silent = !res->answered;
	if (!res->answered)
		return;
	l->seen = true;
	l->temperature = d->temperature;
	l->humidity = d->humidity;
	/* A device answers as many readings poll after poll: the copy is reused. */
	kept_readings_set(&l->readings, res->readings, res->n_readings);
}

/* ------------------------------------------------------------------ trend */

/* The quantity whose trend tells where criterion c is heading, and the criterion whose
 * bounds are its limits (*bounds); -1 when c has no trend. */
static int trend_quantity(enum criterion c, enum criterion *bounds)
{
	switch (c) {
	case CRIT_TEMPERATURE:
	case CRIT_TEMP_FORECAST:
	case CRIT_TEMP_RATE_HOUR:
	case CRIT_TEMP_RATE_15MIN:
		*bounds = CRIT_TEMPERATURE;
		return DERIVE_TEMPERATURE;
	case CRIT_HUMIDITY:
		*bounds = CRIT_HUMIDITY;
		return DERIVE_HUMIDITY;
	case CRIT_DEW_POINT:
		*bounds = CRIT_DEW_POINT;
		return DERIVE_DEW_POINT;
	default:
		return -1;
	}
}

/* The nearest limit past level in the direction of slope, over the servers of rack,
 * from their bounds of criterion bc: the maximum when rising, the minimum when falling
 * (dry air is a limit too). The allowable (critical) bounds only for the predictive
 * warning, whose news is when the temperature leaves the allowable envelope. */
static void next_limit(const struct cfg_rack *rack, enum criterion bc, double level, double slope,
	struct notification *n)
{
	int first = n->criterion == CRIT_TEMP_FORECAST ? 1 : 0;

	n->trend_limit = NAN;
	n->trend_limit_kind = NULL;
	for (size_t i = 0; i < rack->n_servers; i++) {
		const struct cfg_threshold *t = &rack->servers[i].spec->crit[bc];
		double cand[2] = { slope > 0 ? t->warn_hi : t->warn_lo, slope > 0 ? t->crit_hi : t->crit_lo };

		for (int k = first; k < 2; k++) {
			bool ahead = slope > 0 ? cand[k] > level : cand[k] < level;
			bool nearer = isnan(n->trend_limit) || fabs(cand[k] - level) < fabs(n->trend_limit - level);

			if (!isnan(cand[k]) && ahead && nearer) {
				n->trend_limit = cand[k];
				n->trend_limit_kind = k == 0 ? "recommended" : "allowable";
			}
		}
	}
}

bool context_rack_trend(const struct context *cx, const struct cfg_rack *rack, double now,
	struct notification *n)
{
	struct forecast_fit best = { .clear = false }, fit;
	struct notification lim = { .criterion = n->criterion }, best_lim = lim;
	enum criterion bc = CRIT_TEMPERATURE;
	int q = trend_quantity(n->criterion, &bc);
	double best_eta = NAN;

	n->trend_rate = n->trend_level = n->trend_eta_s = NAN;
	n->trend_limit = NAN;
	n->trend_limit_kind = NULL;
	if (q < 0)
		return false;
	/* The probe that reaches a limit first; without one, the highest line. */
	for (size_t i = 0; i < rack->n_probes; i++) {
		double eta;

		derive_trend(&cx->hist[rack->probes[i] - cx->cfg->devices], (enum derive_quantity)q, now, &fit);
		if (!fit.clear)
			continue;
		next_limit(rack, bc, fit.level, fit.slope, &lim);
		eta = forecast_eta(&fit, lim.trend_limit);
		if (!best.clear || (!isnan(eta) && (isnan(best_eta) || eta < best_eta)) ||
		    (isnan(eta) && isnan(best_eta) && fit.level > best.level)) {
			best = fit;
			best_lim = lim;
			best_eta = eta;
		}
	}
	if (!best.clear)
		return false;
	n->trend_rate = best.slope;
	n->trend_level = best.level;
	n->trend_limit = best_lim.trend_limit;
	n->trend_limit_kind = best_lim.trend_limit_kind;
	n->trend_eta_s = best_eta;
	return true;
}

void context_status_trend(const struct context *cx, const struct cfg_server *srv, enum criterion c,
	double now, struct status_criterion *out)
{
	struct notification n = { .criterion = c };
	enum criterion bc;

	if (trend_quantity(c, &bc) < 0 || c == CRIT_TEMP_RATE_HOUR || c == CRIT_TEMP_RATE_15MIN ||
	    srv->rack->n_probes == 0 || !context_rack_trend(cx, srv->rack, now, &n))
		return;
	out->trend_rate = n.trend_rate;
	out->trend_limit = n.trend_limit;
	out->trend_limit_kind = n.trend_limit_kind;
	out->trend_eta_s = n.trend_eta_s;
}

/* ------------------------------------------------------------------ neighbours */

struct nb_list {
	struct notif_reading r[MAX_NEIGHBOURS];
	size_t n;
};

static void add_metric(const struct context *cx, struct nb_list *l, const struct cfg_device *dev,
	const char *metric)
{
	const struct last *last = &cx->last[dev - cx->cfg->devices];
	const struct profile *prof = dev->profile;
	int i = prof ? profile_metric_index(prof, metric) : -1;
	struct notif_reading *r;

	if (l->n >= MAX_NEIGHBOURS || i < 0 || !last->seen)
		return;
	r = &l->r[l->n++];
	*r = (struct notif_reading){ dev->name, prof->metrics[i].name, NAN, prof->metrics[i].unit, NULL,
		last->silent };
	if ((size_t)i >= last->readings.n || last->readings.r[i].status != READING_OK)
		return;
	/* A table metric's reading is its instances' aggregate: say which sensor gave it. */
	if (kept_reading_instance(&last->readings, (size_t)i)[0])
		r->instance = kept_reading_instance(&last->readings, (size_t)i);
	if (prof->metrics[i].n_state_names > 0) {
		int code = (int)last->readings.r[i].value;

		if (code >= 0 && (size_t)code < prof->metrics[i].n_state_names)
			r->state = prof->metrics[i].state_names[code];
	} else {
		r->value = strcmp(metric, "temperature") == 0 ? last->temperature : last->readings.r[i].value;
	}
}

static void add_rack(const struct context *cx, struct nb_list *l, const struct cfg_rack *rack)
{
	for (size_t i = 0; i < rack->n_probes; i++) {
		add_metric(cx, l, rack->probes[i], "temperature");
		add_metric(cx, l, rack->probes[i], "humidity");
	}
	for (size_t i = 0; i < rack->n_cooling; i++)
		add_metric(cx, l, rack->cooling[i], "cooling_state");
}

static bool rack_cooled_by(const struct cfg_rack *rack, const struct cfg_device *dev)
{
	for (size_t i = 0; i < rack->n_cooling; i++)
		if (rack->cooling[i] == dev)
			return true;
	return false;
}

/* Which devices of the room answer: each with its silence flag (metric "contact"). */
static void add_contacts(const struct context *cx, struct nb_list *l, const struct cfg_device *cause)
{
	for (size_t i = 0; i < cx->cfg->n_devices && l->n < MAX_NEIGHBOURS; i++) {
		const struct cfg_device *dev = &cx->cfg->devices[i];

		if (dev != cause && cx->last[i].seen)
			l->r[l->n++] = (struct notif_reading){ dev->name, "contact", NAN, NULL, NULL,
				cx->last[i].silent };
	}
}

static void neighbours(const struct context *cx, const struct notification *n, struct nb_list *l)
{
	const struct cfg_device *dev = n->device ? conf_device(cx->cfg, n->device) : NULL;
	static const char *const ups_metrics[] = { "ups_source", "ups_runtime", "ups_charge", "ups_load" };

	if (n->criterion == CRIT_CONTACT) {
		add_contacts(cx, l, dev);
		return;
	}
	for (size_t r = 0; r < cx->cfg->n_racks; r++) {
		const struct cfg_rack *rack = &cx->cfg->racks[r];

		if ((n->rack && strcmp(rack->name, n->rack) == 0) || (dev && rack_cooled_by(rack, dev)))
			add_rack(cx, l, rack);
	}
	if (dev && dev->profile && dev->profile->kind == KIND_UPS)
		for (size_t i = 0; i < ARRAY_SIZE(ups_metrics); i++)
			add_metric(cx, l, dev, ups_metrics[i]);
}

/* When the runtime left reaches the most demanding shutdown budget of the servers. */
static double budget_time(const struct config *cfg, const struct notification *n, const struct nb_list *l)
{
	double runtime = NAN, budget = NAN;

	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->r[i].metric, "ups_runtime") == 0 && !l->r[i].silent)
			runtime = l->r[i].value;
	for (size_t i = 0; i < n->n_servers; i++) {
		const struct cfg_server *s = conf_server(cfg, n->servers[i].name);
		double b = s ? s->spec->crit[CRIT_UPS_RUNTIME].crit_lo : NAN;

		if (!isnan(b) && (isnan(budget) || b > budget))
			budget = b;
	}
	if (isnan(runtime) || isnan(budget) || runtime <= budget)
		return NAN;
	return n->time + (runtime - budget);
}

int context_sink(void *arg, const struct notification *orig)
{
	struct context *cx = arg;
	struct notification n = *orig;
	struct nb_list l = { .n = 0 };
	const struct cfg_rack *rack = NULL;

	/* mail.digest: the daily digest replaces reminders (dailymail.h); the journal still
	 * records each one as offered. */
	if (n.kind == NOTIF_REMINDER && cx->cfg->mail.digest_min >= 0)
		return 0;
	n.trend_rate = n.trend_level = n.trend_limit = n.trend_eta_s = n.budget_at = NAN;
	for (size_t r = 0; n.rack && r < cx->cfg->n_racks; r++)
		if (strcmp(cx->cfg->racks[r].name, n.rack) == 0)
			rack = &cx->cfg->racks[r];
	if (rack && n.kind != NOTIF_RECOVERY && n.kind != NOTIF_TEST)
		context_rack_trend(cx, rack, n.time, &n);
	if (n.kind != NOTIF_TEST)
		neighbours(cx, &n, &l);
	if (n.criterion == CRIT_UPS_SOURCE && n.state && strcmp(n.state, "on_battery") == 0)
		n.budget_at = budget_time(cx->cfg, &n, &l);
	n.neighbours = l.r;
	n.n_neighbours = l.n;
	n.host = cx->host[0] ? cx->host : NULL;
	return cx->sink(cx->sink_arg, &n);
}
