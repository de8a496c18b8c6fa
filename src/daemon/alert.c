/* alert.c — conditions, incidents, journal and notifications.
 *
 * This file wires the parts and holds the entry points of alert.h; each concern has its
 * own file: conds.c (the condition table), judge.c (a result judged per condition),
 * incident.c (the lifecycle), delivery.c (journal records and notifications to the
 * sink), replay.c (snapshot and journal replay). Their shared state is alertint.h.
 *
 * A condition is one criterion of one cause: "rack:baie-A/temperature" (the worst of
 * the rack's probes), "device:clim-1/cooling_state", "device:ups-general/ups_runtime",
 * "device:X/contact". It concerns every server that depends on the cause (the servers
 * of the racks a cooling unit cools, the servers a UPS feeds, the servers of a rack), each
 * judged by its own spec; the servers actually out of spec are listed in the incident.
 * So one dead air conditioner makes one incident listing all the servers it cools.
 *
 * Durability: every decision is journaled (fsync) before its notification is offered to
 * the sink; acceptance is journaled after. A crash in between re-offers the same
 * (incident id, seq) at restart and the sink refuses the duplicate. */
#include <config.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "alert.h"
#include "alertint.h"
#include "clock.h"
#include "silence.h"
#include "journal.h"
#include "jget.h"
#include "jrec.h"
#include "log.h"
#include "xmem.h"
#include "conds.h"
#include "delivery.h"
#include "incident.h"
#include "judge.h"
#include "replay.h"

/* ------------------------------------------------------------------ entry points */

size_t alert_retry(struct alert *a)
{
	return delivery_retry(a);
}

void alert_reserve_id(struct alert *a, const char *day, unsigned n)
{
	replay_reserve_id(a, day, n);
}

struct alert *alert_new(const struct config *cfg, notify_fn sink, void *sink_arg)
{
	struct alert *a = xcalloc(1, sizeof(*a));
	char *path = xasprintf("%s/%s", cfg->paths.state_dir, JOURNAL_FILE);
	size_t resent;

	a->cfg = cfg;
	a->sink = sink;
	a->sink_arg = sink_arg;
	a->snapshot_path = xasprintf("%s/%s", cfg->paths.state_dir, JOURNAL_SNAPSHOT_FILE);
	a->grace_until = clock_wall() + cfg->alerts.startup_grace_s;
	for (size_t i = 0; i < cfg->n_devices; i++) {
		unsigned dead_s = cfg->devices[i].interval_s * cfg->devices[i].dead_intervals;

		if (dead_s > a->max_gap_s)
			a->max_gap_s = dead_s;
	}
	a->devs = xcalloc(cfg->n_devices + 1, sizeof(*a->devs));
	for (size_t i = 0; i < cfg->n_devices; i++)
		a->devs[i].dev = &cfg->devices[i];
	conds_build(a);
	conds_index(a);
	if (journal_replay_lines(path, replay_checked, &(struct replay_ctx){ a, path }) < 0 ||
	    !(a->j = journal_open(path))) {
		log_err("cannot use the journal %s", path);
		free(path);
		alert_free(a);
		return NULL;
	}
	free(path);
	journal_set_max_bytes(a->j, (off_t)cfg->alerts.journal_max_kib * 1024);
	replay_close_orphans(a, clock_wall());
	replay_load_snapshot(a);
	resent = a->n_pending;
	if (resent > 0)
		log_notice("offering again %zu notification(s) not acknowledged before the restart", resent);
	alert_retry(a);
	return a;
}

void alert_free(struct alert *a)
{
	if (!a)
		return;
	if (a->j && (a->dirty || a->soft_moved))
		replay_save_snapshot(a);
	journal_close(a->j);
	for (size_t i = 0; i < a->n; i++) {
		free(a->conds[i].key);
		free(a->conds[i].servers);
		free(a->conds[i].hit);
		free(a->conds[i].cur_hit);
	}
	for (size_t i = 0; i < a->n_pending; i++)
		json_object_put(a->pending[i]);
	for (size_t i = 0; i < a->n_orphans; i++)
		json_object_put(a->orphans[i]);
	free(a->orphans);
	for (size_t i = 0; a->devs && i < a->cfg->n_devices; i++)
		free(a->devs[i].conds);
	if (a->n_unwritten > 0)
		log_err("stopping with %zu journal record(s) never written (disk full?)", a->n_unwritten);
	for (size_t i = 0; i < a->n_unwritten; i++)
		json_object_put(a->unwritten[i]);
	free(a->unwritten);
	free(a->pending);
	free(a->conds);
	free(a->devs);
	free(a->snapshot_path);
	free(a);
}

void alert_result(struct alert *a, const struct poll_result *res, const struct derived *d)
{
	if (a->n_unwritten > 0)
		delivery_flush_unwritten(a);
	const struct devinfo *di = judge_devinfo_of(a, res->dev);
	double since_write = res->time - a->snapshot_time;

	judge_note_device(a, res, d);
	for (size_t i = 0; i < di->n_conds; i++) {
		struct cond *c = &a->conds[di->conds[i]];
		struct eval e;

		if (judge_feeds(a, c, res) && judge_cond(a, c, res, d, &e))
			incident_step(a, c, &e, res->time);
	}
	if (a->n_pending > 0)
		alert_retry(a);
	/* A wall clock set back makes the last write look recent: write then too. */
	if ((a->dirty && (since_write >= SNAPSHOT_BATCH_S || since_write < 0)) ||
	    (a->soft_moved && (since_write >= SOFT_SNAPSHOT_S || since_write < 0))) {
		replay_save_snapshot(a);
		a->snapshot_time = res->time;
	}
}

struct journal *alert_journal(const struct alert *a)
{
	return a->j;
}

const struct rules_state *alert_condition(const struct alert *a, const char *key, const char **incident_id)
{
	const struct cond *c = conds_find(a, key);

	if (!c)
		return NULL;
	if (incident_id)
		*incident_id = c->id;
	return &c->rs;
}

size_t alert_condition_count(const struct alert *a)
{
	return a->n;
}

void alert_set_silences(struct alert *a, const struct silences *s)
{
	a->silences = s;
}

struct json_object *alert_incidents_json(const struct alert *a)
{
	struct json_object *list = json_object_new_array();

	for (size_t i = 0; i < a->n; i++) {
		const struct cond *c = &a->conds[i];
		struct json_object *o, *servers;

		if (!c->id[0])
			continue;
		o = json_object_new_object();
		servers = json_object_new_array();
		json_object_object_add(o, "id", json_object_new_string(c->id));
		json_object_object_add(o, "severity", json_object_new_string(severity_name(c->worst_sev)));
		json_object_object_add(o, "criterion", json_object_new_string(criterion_name(c->crit)));
		if (c->dev)
			json_object_object_add(o, "device", json_object_new_string(c->dev->name));
		if (c->rack)
			json_object_object_add(o, "rack", json_object_new_string(c->rack->name));
		json_object_object_add(o, "opened", json_object_new_double(c->opened));
		json_object_object_add(o, "since", json_object_new_double(c->since));
		json_object_object_add(o, "mailed", json_object_new_boolean(c->mailed));
		for (size_t k = 0; k < c->n_servers; k++)
			json_object_array_add(servers, json_object_new_string(c->servers[k]->name));
		json_object_object_add(o, "servers", servers);
		json_object_array_add(list, o);
	}
	return list;
}

