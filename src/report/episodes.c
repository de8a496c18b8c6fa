/* episodes.c — the journal's episodes of a period, as the report shows them: start at
 * the opening of the incident (after its hold), clipped to the period. */
#include <config.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "episodes.h"
#include "journal.h"
#include "xmem.h"

struct collect {
	time_t from, to;
	struct audit_episode *e;
	size_t n, cap;
};

static char *join_servers(const struct journal_episode *ep)
{
	size_t len = 1;
	char *s;

	if (ep->n_servers == 0)
		return NULL;
	for (size_t i = 0; i < ep->n_servers; i++)
		len += strlen(ep->servers[i].name) + 2;
	s = xcalloc(1, len);
	for (size_t i = 0; i < ep->n_servers; i++) {
		if (i)
			strcat(s, ", ");
		strcat(s, ep->servers[i].name);
	}
	return s;
}

static unsigned count_mailed(const struct journal_episode *ep)
{
	unsigned n = 0;

	for (size_t i = 0; i < ep->n_notices; i++)
		n += ep->notices[i].accepted && !ep->notices[i].silenced;
	return n;
}

static int collect_one(void *arg, const struct journal_episode *ep)
{
	struct collect *c = arg;
	struct audit_episode *e;
	time_t start = (time_t)ep->opened, end = (time_t)ep->end;

	c->e = xgrow(c->e, &c->cap, c->n + 1, sizeof(*c->e));
	e = &c->e[c->n++];
	memset(e, 0, sizeof(*e));
	e->open = ep->end <= 0 || end > c->to;
	e->start = start < c->from ? c->from : start;
	e->since = ep->since > 0 && (time_t)ep->since < start ? (time_t)ep->since : start;
	if (e->since < c->from)
		e->since = c->from;
	e->on_battery = (ep->state && strcmp(ep->state, "on_battery") == 0) ||
		(ep->worst_state && strcmp(ep->worst_state, "on_battery") == 0);
	e->end = e->open ? c->to : end;
	e->severity = ep->severity;
	e->crit = ep->criterion;
	e->device = ep->device ? xstrdup(ep->device) : NULL;
	e->rack = ep->rack ? xstrdup(ep->rack) : NULL;
	e->servers = join_servers(ep);
	e->worst = ep->worst;
	e->notifications = count_mailed(ep);
	return 0;
}

size_t episodes_load(const struct config *cfg, time_t from, time_t to,
	struct audit_episode **out)
{
	char *path = xasprintf("%s/%s", cfg->paths.state_dir, JOURNAL_FILE);
	struct collect c = { .from = from, .to = to };

	if (journal_episodes(path, (double)from, (double)to, collect_one, &c) < 0) {
		episodes_free(c.e, c.n);
		c.e = NULL;
		c.n = 0;
	}
	free(path);
	*out = c.e;
	return c.n;
}

void episodes_free(struct audit_episode *e, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(e[i].device);
		free(e[i].rack);
		free(e[i].servers);
	}
	free(e);
}
