/* silence.h — maintenance windows: those of the configuration (`maintenance = (...)`)
 * and those asked at run time with `envmonctl silence`, which are kept durably in
 * <state_dir>/silences.json so that a restart keeps them.
 *
 * For the alert module: while silence_active() answers true for a device or a server,
 * its notifications are not sent; the journal still records everything. Whether a
 * silenced device silences the servers it feeds is the alert module's decision
 * (suggested: yes, for incidents caused by that device only). */
#ifndef SILENCE_H
#define SILENCE_H

#include <stdbool.h>
#include <stddef.h>

struct config;
struct json_object;
struct silences;

struct silence_window {
	const char *target;        /* a device or a server name */
	double from, until;        /* wall clock, seconds since the epoch */
	const char *reason;
	bool from_config;          /* a `maintenance` entry rather than an envmonctl request */
};

/* Loads <state_dir>/silences.json if present (expired windows dropped). A damaged file
 * is logged and set aside as silences.json.bad; the daemon goes on without it. */
struct silences *silence_open(const char *state_dir);
void silence_close(struct silences *s);

/* Adds (or replaces, for the same target) a window and saves durably (write, fsync,
 * rename). 0, or -1 if it could not be saved (then it is not added). */
int silence_add(struct silences *s, const char *target, double from, double until,
	const char *reason);
/* Ends the run-time windows of target now; returns how many, -1 if not saved. */
int silence_remove(struct silences *s, const char *target);

/* Is target silenced at now, by a run-time window or one of cfg's maintenance windows?
 * When true and out is not NULL, *out describes the window (valid until the next
 * silence_* call or configuration change). */
bool silence_active(const struct silences *s, const struct config *cfg, const char *target,
	double now, struct silence_window *out);

/* Every window not over at now (run-time and configuration), for `envmonctl status`:
 * [{target, from, until, reason, source: "envmonctl" | "config"}]. */
struct json_object *silence_json(const struct silences *s, const struct config *cfg, double now);

#endif
