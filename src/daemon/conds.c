/* conds.c — the condition table: one condition per criterion and cause (a rack's
 * probes, a device), the servers it concerns, the index from a device to the conditions
 * its results feed, and whether a condition is in a maintenance window. */
#include <config.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "alertint.h"
#include "clock.h"
#include "silence.h"
#include "journal.h"
#include "jget.h"
#include "jrec.h"
#include "log.h"
#include "xmem.h"
#include "conds.h"

/* ------------------------------------------------------------------ conditions */

size_t conds_device_index(const struct config *cfg, const struct cfg_device *dev)
{
	return (size_t)(dev - cfg->devices);
}

static void cond_add_server(struct cond *c, const struct cfg_server *s)
{
	for (size_t i = 0; i < c->n_servers; i++)
		if (c->servers[i] == s)
			return;
	c->servers = xrealloc(c->servers, (c->n_servers + 1) * sizeof(*c->servers));
	c->servers[c->n_servers++] = s;
}

static struct cond *cond_get(struct alert *a, const char *kind, const char *name, enum criterion crit)
{
	char *key = xasprintf("%s:%s/%s", kind, name, criterion_name(crit));
	struct cond *c;

	for (size_t i = 0; i < a->n; i++) {
		if (strcmp(a->conds[i].key, key) == 0) {
			free(key);
			return &a->conds[i];
		}
	}
	a->conds = xgrow(a->conds, &a->cap, a->n + 1, sizeof(*a->conds));
	c = &a->conds[a->n++];
	memset(c, 0, sizeof(*c));
	c->key = key;
	c->crit = crit;
	c->worst = c->first_value = c->bound = NAN;
	return c;
}

static void add_device_conds(struct alert *a, const struct cfg_device *dev, const struct cfg_server *s,
	enum criterion from, enum criterion to)
{
	for (int k = from; k <= (int)to; k++) {
		struct cond *c = cond_get(a, "device", dev->name, (enum criterion)k);

		c->dev = dev;
		cond_add_server(c, s);
	}
}

/* A server's own BMC: its contact, and, in a rack without probes, the temperature
 * criteria it is then the only measure of (a BMC reads no humidity). */
static void add_inlet_conds(struct alert *a, const struct cfg_server *s)
{
	if (!s->inlet)
		return;
	add_device_conds(a, s->inlet, s, CRIT_CONTACT, CRIT_CONTACT);
	if (s->rack->n_probes > 0)
		return;
	add_device_conds(a, s->inlet, s, CRIT_TEMPERATURE, CRIT_TEMPERATURE);
	add_device_conds(a, s->inlet, s, CRIT_TEMP_RATE_HOUR, CRIT_TEMP_RATE_15MIN);
}

/* Builds every condition of the configuration, each with the servers it concerns. */
void conds_build(struct alert *a)
{
	const struct config *cfg = a->cfg;

	for (size_t r = 0; r < cfg->n_racks; r++) {
		const struct cfg_rack *rack = &cfg->racks[r];

		for (size_t k = 0; k < rack->n_servers; k++) {
			const struct cfg_server *s = &rack->servers[k];

			for (int crit = 0; rack->n_probes > 0 && crit <= CRIT_TEMP_FORECAST; crit++) {
				struct cond *c = cond_get(a, "rack", rack->name, (enum criterion)crit);

				c->rack = rack;
				cond_add_server(c, s);
			}
			for (size_t i = 0; i < rack->n_probes; i++)
				add_device_conds(a, rack->probes[i], s, CRIT_CONTACT, CRIT_CONTACT);
			for (size_t i = 0; i < rack->n_cooling; i++)
				add_device_conds(a, rack->cooling[i], s, CRIT_COOLING_STATE, CRIT_COOLING_STATE);
			for (size_t i = 0; i < rack->n_cooling; i++)
				add_device_conds(a, rack->cooling[i], s, CRIT_CONTACT, CRIT_CONTACT);
			add_inlet_conds(a, s);
			for (size_t i = 0; i < s->n_ups; i++) {
				add_device_conds(a, s->ups[i], s, CRIT_UPS_SOURCE, CRIT_INPUT_FREQUENCY);
				add_device_conds(a, s->ups[i], s, CRIT_CONTACT, CRIT_CONTACT);
			}
		}
	}
	for (size_t i = 0; i < a->n; i++) {
		a->conds[i].hit = xcalloc(a->conds[i].n_servers + 1, sizeof(bool));
		a->conds[i].cur_hit = xcalloc(a->conds[i].n_servers + 1, sizeof(bool));
	}
}

static void devinfo_add_cond(struct devinfo *di, size_t cond)
{
	di->conds = xrealloc(di->conds, (di->n_conds + 1) * sizeof(*di->conds));
	di->conds[di->n_conds++] = cond;
}

/* The conditions each device's results may feed, so that a result judges its own
 * conditions only (every condition for every result grew as N^2). */
void conds_index(struct alert *a)
{
	for (size_t i = 0; i < a->n; i++) {
		const struct cond *c = &a->conds[i];

		if (c->dev)
			devinfo_add_cond(&a->devs[conds_device_index(a->cfg, c->dev)], i);
		for (size_t k = 0; c->rack && k < c->rack->n_probes; k++)
			devinfo_add_cond(&a->devs[conds_device_index(a->cfg, c->rack->probes[k])], i);
	}
}

struct cond *conds_find(const struct alert *a, const char *key)
{
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->conds[i].key, key) == 0)
			return &a->conds[i];
	return NULL;
}

/* ------------------------------------------------------------------ maintenance */

/* A maintenance window of the configuration, or a silence set with `envmonctl silence`. */
static bool target_in_maintenance(const struct alert *a, const char *name, double now)
{
	return silence_active(a->silences, a->cfg, name, now, NULL);
}

/* Mail is silenced when the cause is under maintenance (the device, or every probe of
 * the rack) or every server concerned is. The journal still records everything. */
bool conds_in_maintenance(const struct alert *a, const struct cond *c, double now)
{
	bool all = c->n_servers > 0;

	if (c->dev && target_in_maintenance(a, c->dev->name, now))
		return true;
	if (c->rack && c->rack->n_probes > 0) {
		bool probes = true;

		for (size_t i = 0; i < c->rack->n_probes; i++)
			probes = probes && target_in_maintenance(a, c->rack->probes[i]->name, now);
		if (probes)
			return true;
	}
	for (size_t i = 0; i < c->n_servers; i++)
		all = all && target_in_maintenance(a, c->servers[i]->name, now);
	return all;
}

