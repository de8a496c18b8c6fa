/* reload.h — applying a new configuration to the running daemon without losing state.
 * Modules that hold per-device or per-server state register a participant; on SIGHUP or
 * `envmonctl reload` the new file is loaded and validated first (an invalid file changes
 * nothing), then each participant is told, in registration order (= dependency order:
 * poller, readings, store, rules/alerts, mail), what changed, by name.
 *
 * Contract for a participant (poller_reload is the model):
 *  - state is carried over by name: a device or server that is SAME or RETUNED keeps
 *    everything (sessions, RRD files, alert states, counters); CHANGED keeps what still
 *    makes sense (the store keeps the RRD if the metrics are the same, the alerts keep
 *    their open incidents); REMOVED stops (open incidents are closed in the journal as
 *    "removed from the configuration", never mailed as recovered); ADDED starts fresh.
 *  - it cannot refuse: validation is conf_load's job. It must not fail half-way.
 *  - on return it holds no pointer into old_cfg, which is freed right after the last
 *    participant; durable data (spool, journal, RRD) is never dropped by a reload.
 * Settings a reload cannot apply (paths, daemon user, storage) keep their running values
 * (copied into the new configuration) and a warning asks for a restart. */
#ifndef RELOAD_H
#define RELOAD_H

#include <stddef.h>

struct config;
struct confdiff;

typedef void (*reload_fn)(void *arg, const struct config *old_cfg, const struct config *new_cfg,
	const struct confdiff *d);

struct reload_participant {
	const char *name;
	reload_fn fn;
	void *arg;
};

#define RELOAD_MAX_PARTICIPANTS 16

struct reload {
	struct reload_participant p[RELOAD_MAX_PARTICIPANTS];
	size_t n;
};

void reload_register(struct reload *r, const char *name, reload_fn fn, void *arg);

/* Moves to new_cfg: computes the difference, keeps restart-only settings, calls every
 * participant, and writes a one-line summary ("2 devices added, 1 removed ...") into
 * summary. new_cfg is modified only for the restart-only settings. The caller then
 * frees old_cfg. */
void reload_apply(const struct reload *r, const struct config *old_cfg, struct config *new_cfg,
	char *summary, size_t len);

#endif
