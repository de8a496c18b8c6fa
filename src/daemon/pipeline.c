/* pipeline.c — poll result -> derive -> alert (-> journal, notifications). */
#include <config.h>

#include <stdlib.h>

#include "confdiff.h"
#include "context.h"
#include "log.h"
#include "pipeline.h"
#include "xmem.h"

struct pipeline {
	const struct config *cfg;
	struct alert *alert;
	struct context *context;           /* between the alert and the sink */
	struct derive_history *hist;       /* per device, indexed like cfg->devices */
	pipeline_tap_fn tap;
	void *tap_arg;
};

/* The pipeline around hist (one per device of cfg, taken over). */
static struct pipeline *pipeline_build(const struct config *cfg, struct derive_history *hist,
	notify_fn sink, void *sink_arg)
{
	struct pipeline *p = xcalloc(1, sizeof(*p));

	p->cfg = cfg;
	p->hist = hist;
	p->context = context_new(cfg, hist, sink, sink_arg);
	p->alert = alert_new(cfg, context_sink, p->context);
	if (!p->alert) {
		pipeline_free(p);
		return NULL;
	}
	return p;
}

static struct derive_history *histories_new(const struct config *cfg)
{
	struct derive_history *hist = xcalloc(cfg->n_devices + 1, sizeof(*hist));

	for (size_t i = 0; i < cfg->n_devices; i++)
		derive_history_init(&hist[i]);
	return hist;
}

struct pipeline *pipeline_new(const struct config *cfg, notify_fn sink, void *sink_arg)
{
	return pipeline_build(cfg, histories_new(cfg), sink, sink_arg);
}

/* The history of old's device called name, or NULL. */
static struct derive_history *history_of(struct pipeline *old, const char *name)
{
	const struct cfg_device *dev = conf_device(old->cfg, name);

	return dev ? &old->hist[dev - old->cfg->devices] : NULL;
}

struct pipeline *pipeline_reload(struct pipeline *old, const struct config *new_cfg,
	const struct confdiff *d, notify_fn sink, void *sink_arg)
{
	struct derive_history *hist = histories_new(new_cfg);
	pipeline_tap_fn tap = old ? old->tap : NULL;
	void *tap_arg = old ? old->tap_arg : NULL;
	struct pipeline *p;

	for (size_t i = 0; old && i < new_cfg->n_devices; i++) {
		const char *name = new_cfg->devices[i].name;
		enum confdiff_change ch = confdiff_device(d, name);
		struct derive_history *h = history_of(old, name), tmp;

		if (!h || (ch != CONFDIFF_SAME && ch != CONFDIFF_RETUNED))
			continue;
		/* Swapped, so that old frees the empty one. */
		tmp = hist[i];
		hist[i] = *h;
		*h = tmp;
	}
	/* The old alert closes its journal before the new one replays it. */
	pipeline_free(old);
	p = pipeline_build(new_cfg, hist, sink, sink_arg);
	if (p)
		pipeline_set_tap(p, tap, tap_arg);
	return p;
}

void pipeline_free(struct pipeline *p)
{
	if (!p)
		return;
	alert_free(p->alert);
	context_free(p->context);
	for (size_t i = 0; i < p->cfg->n_devices; i++)
		derive_history_fini(&p->hist[i]);
	free(p->hist);
	free(p);
}

void pipeline_result(void *arg, const struct poll_result *res)
{
	struct pipeline *p = arg;
	struct derived d;

	derive_compute(&p->hist[res->dev - p->cfg->devices], res, &d);
	if (p->tap)
		p->tap(p->tap_arg, res, &d);
	context_record(p->context, res, &d);
	alert_result(p->alert, res, &d);
}

void pipeline_set_tap(struct pipeline *p, pipeline_tap_fn tap, void *arg)
{
	p->tap = tap;
	p->tap_arg = arg;
}

struct alert *pipeline_alert(struct pipeline *p)
{
	return p->alert;
}

struct context *pipeline_context(struct pipeline *p)
{
	return p->context;
}

int pipeline_log_sink(void *arg, const struct notification *n)
{
	static const char *const kinds[] = { "alert", "reminder", "recovery", "flapping", "test" };

	log_notice("notification %s #%u: %s %s %s (%s%s%s), %zu server(s)", n->incident_id, n->seq,
		kinds[n->kind], severity_name(n->severity), criterion_name(n->criterion),
		n->device ? n->device : "", n->device && n->rack ? ", " : "", n->rack ? n->rack : "",
		n->n_servers);
	return 0;
}
