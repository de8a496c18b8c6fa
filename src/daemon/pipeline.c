/* pipeline.c — poll result -> derive -> alert (-> journal, notifications). */
#include <config.h>

#include <stdlib.h>

#include "log.h"
#include "pipeline.h"
#include "xmem.h"

struct pipeline {
	const struct config *cfg;
	struct alert *alert;
	struct derive_history *hist;       /* per device, indexed like cfg->devices */
	pipeline_tap_fn tap;
	void *tap_arg;
};

struct pipeline *pipeline_new(const struct config *cfg, notify_fn sink, void *sink_arg)
{
	struct pipeline *p = xcalloc(1, sizeof(*p));

	p->cfg = cfg;
	p->hist = xcalloc(cfg->n_devices + 1, sizeof(*p->hist));
	for (size_t i = 0; i < cfg->n_devices; i++)
		derive_history_init(&p->hist[i]);
	p->alert = alert_new(cfg, sink, sink_arg);
	if (!p->alert) {
		pipeline_free(p);
		return NULL;
	}
	return p;
}

void pipeline_free(struct pipeline *p)
{
	if (!p)
		return;
	alert_free(p->alert);
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

int pipeline_log_sink(void *arg, const struct notification *n)
{
	static const char *const kinds[] = { "alert", "reminder", "recovery", "flapping", "test" };

	log_notice("notification %s #%u: %s %s %s (%s%s%s), %zu server(s)", n->incident_id, n->seq,
		kinds[n->kind], severity_name(n->severity), criterion_name(n->criterion),
		n->device ? n->device : "", n->device && n->rack ? ", " : "", n->rack ? n->rack : "",
		n->n_servers);
	return 0;
}
