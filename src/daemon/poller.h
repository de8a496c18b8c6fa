/* poller.h — schedules the polls of every configured device on the event loop: its
 * interval, spread so that devices do not all fire together, and contact loss after
 * dead_time with a backoff capped at 5 intervals. */
#ifndef POLLER_H
#define POLLER_H

#include <stdbool.h>
#include <stddef.h>

#include "drvapi.h"

struct poller;

struct device_status {
	bool lost;                 /* no answer for dead_time */
	unsigned missed;           /* consecutive polls without an answer */
	double last_answer;        /* wall clock of the last answer, 0 if none */
	unsigned long polls, answers;
	bool unopened;             /* the driver could not open it (no driver in this build,
	                            * serial port missing ...): retried at each interval */
};

struct confdiff;

/* Opens every device of cfg with its driver; results go to sink on the loop thread.
 * A device that cannot be opened (logged) does not stop the others: it is retried at
 * each interval and counts as not answering, so it is declared lost after dead_time. */
struct poller *poller_new(const struct config *cfg, poll_cb sink, void *arg);
/* Arms the first poll of each device within its first interval. */
void poller_start(struct poller *p);
void poller_free(struct poller *p);
/* Status of cfg->devices[device_index] (cfg: the one the poller runs now). */
const struct device_status *poller_status(const struct poller *p, size_t device_index);
/* Switches to new_cfg, matching devices by name (d from confdiff_compute(old, new_cfg)):
 * SAME and RETUNED devices keep their session (driver rebind, or close and reopen) and
 * their status, CHANGED ones get a new session and a fresh status, REMOVED ones stop,
 * ADDED ones start within their first interval. Afterwards nothing points into the old
 * configuration, which the caller may free. */
void poller_reload(struct poller *p, const struct config *new_cfg, const struct confdiff *d);
/* Delay before the next poll after `missed` consecutive failures (exposed for tests). */
unsigned poller_backoff_ms(const struct cfg_device *dev, unsigned missed);

#endif
