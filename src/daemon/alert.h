/* alert.h — the alert lifecycle of every hosting condition of the site: judges each
 * poll result against the specs of the servers it concerns (through rules.c), groups the
 * servers hit by one cause into one incident, journals it durably and hands
 * notifications to a sink exactly once, across crashes and restarts. */
#ifndef ALERT_H
#define ALERT_H

#include <stddef.h>

#include "derive.h"
#include "driver.h"
#include "notify.h"
#include "rules.h"

struct alert;

/* Opens (or creates) the journal and the state snapshot in cfg->paths.state_dir,
 * restores the open incidents, and offers again every notification the sink had not
 * accepted before a crash. NULL (logged) if the journal cannot be opened. */
struct alert *alert_new(const struct config *cfg, notify_fn sink, void *sink_arg);
void alert_free(struct alert *a);

/* Judges every condition fed by res->dev (derived values in d) at time res->time. */
void alert_result(struct alert *a, const struct poll_result *res, const struct derived *d);

/* Offers again the notifications the sink refused; returns how many are still waiting. */
size_t alert_retry(struct alert *a);

/* For status and tests: the condition called key ("rack:<rack>/<criterion>",
 * "device:<device>/<criterion>"): its lifecycle state and open incident id ("" if none). */
const struct rules_state *alert_condition(const struct alert *a, const char *key, const char **incident_id);
/* The journal a writes, for the daemon's other records in the same file (silences):
 * one handle, one writer. */
struct journal *alert_journal(const struct alert *a);
size_t alert_condition_count(const struct alert *a);
/* Incident n of UTC day "yyyymmdd" exists elsewhere (a spool name that outlived the
 * journal): the next id of that day is made after it, so that no id is used twice. */
void alert_reserve_id(struct alert *a, const char *day, unsigned n);

struct silences;
struct json_object;
/* Silences set at run time (`envmonctl silence`) count as maintenance windows too. */
void alert_set_silences(struct alert *a, const struct silences *s);
/* The open incidents, for `envmonctl status`: [{id, severity, criterion, device|rack,
 * opened, mailed, servers: [name ...]}]. */
struct json_object *alert_incidents_json(const struct alert *a);

#endif
