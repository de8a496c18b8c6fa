/* poller.h — schedules the polls of every configured device on the event loop: its
 * interval, spread so that devices do not all fire together, and contact loss after
 * dead_time with a backoff capped at 5 intervals. */
#ifndef POLLER_H
#define POLLER_H

#include <stdbool.h>
#include <stddef.h>

#include "driver.h"

struct poller;

struct device_status {
	bool lost;                 /* no answer for dead_time */
	unsigned missed;           /* consecutive polls without an answer */
	double last_answer;        /* wall clock of the last answer, 0 if none */
	unsigned long polls, answers;
};

/* Opens every device of cfg with its driver; results go to sink on the loop thread.
 * Returns NULL (with log lines) if a device's driver cannot be opened. */
struct poller *poller_new(const struct config *cfg, poll_cb sink, void *arg);
/* Arms the first poll of each device within its first interval. */
void poller_start(struct poller *p);
void poller_free(struct poller *p);
const struct device_status *poller_status(const struct poller *p, size_t device_index);
/* Delay before the next poll after `missed` consecutive failures (exposed for tests). */
unsigned poller_backoff_ms(const struct cfg_device *dev, unsigned missed);

#endif
