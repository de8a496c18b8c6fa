/* readings.h — the last poll result of every device, kept by device name for
 * `envmonctl status`, and the "devices" status section built from it and from the
 * poller's contact status. */
#ifndef READINGS_H
#define READINGS_H

#include "drvapi.h"

struct confdiff;
struct json_object;
struct poller;
struct readings;

struct readings *readings_new(void);
void readings_free(struct readings *rc);
/* Keeps a copy of res (answered or not: a failure keeps the previous values, with
 * their time, and records the error). */
void readings_record(struct readings *rc, const struct poll_result *res);
/* Forgets removed devices and those whose transport or profile changed. */
void readings_reload(struct readings *rc, const struct confdiff *d);

/* The "devices" section: an array, one object per device of cfg, in its order:
 * {name, kind, profile, protocol, address, interval, state ("ok" | "lost" | "silent"
 *  | "unopened" | "waiting"), last_answer, last_poll, missed, polls, answers, error,
 *  readings: [{metric, status, value, unit, state}]}. p may be NULL. */
struct json_object *readings_devices_json(const struct readings *rc, const struct config *cfg,
	const struct poller *p);

#endif
