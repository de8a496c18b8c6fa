/* mailer.h — the mailer thread: sends the messages of the spool's new/ over SMTP
 * (libesmtp), in order per incident, with capped exponential backoff, and keeps a
 * status (queue depth, oldest message, last error) for envmonctl. */
#ifndef MAILER_H
#define MAILER_H

#include <stdbool.h>
#include <stddef.h>

#include "conf.h"
#include "spool.h"

struct mailer;

struct mailer_options {
	unsigned retry_min_s;       /* first delay after a failure (default 30) */
	unsigned retry_max_s;       /* cap of the doubling delay (default 3600) */
	unsigned keep_sent_days;    /* sent/ is pruned after this (default 7) */
};

struct mailer_status {
	size_t depth;               /* messages waiting in new/ */
	double oldest_age_s;        /* age of the oldest waiting message (0 if none) */
	size_t held;                /* of which held back by the per-incident rate limit */
	unsigned long sent;         /* messages sent since start */
	unsigned long failures;     /* failed attempts since start */
	double last_success;        /* wall clock, 0 = never */
	double last_failure;        /* wall clock, 0 = never */
	double next_attempt;        /* wall clock of the next try after a failure, 0 = none */
	unsigned backoff_s;         /* current retry delay, 0 when the last attempt worked */
	char last_error[512];       /* the last failure with the server's reply, "" if none */
};

/* The default options (30 s .. 1 h, keep 7 days). */
void mailer_default_options(struct mailer_options *opt);
/* Delay after a failure when the previous one was prev_s (0 = first failure). */
unsigned mailer_backoff(unsigned prev_s, const struct mailer_options *opt);

/* Starts the thread. The mail settings of cfg are copied (a reload does not change them
 * for a running mailer). Returns NULL if mail is disabled or the thread cannot start. */
struct mailer *mailer_start(struct spool *sp, const struct config *cfg, const struct mailer_options *opt);
/* Wakes the thread: a message was queued. Any thread. Usable as spool_set_wakeup's fn. */
void mailer_kick(void *mailer);
/* Stops and joins the thread: a message in flight is either sent (and moved to sent/)
 * or left in new/. Frees the mailer. */
void mailer_stop(struct mailer *m);
/* A copy of the status; any thread. */
void mailer_get_status(struct mailer *m, struct mailer_status *st);

/* Someone waits for the outcome of new/name (envmonctl test-mail). Call before the
 * message is queued: the queuing's kick then wakes the thread even during a backoff, and
 * the message goes before the rest of the queue. drop_on_failure: a failed attempt
 * deletes it instead of retrying. The last MAILER_MAX_WATCHED names are kept. Any thread. */
#define MAILER_MAX_WATCHED 8
enum mailer_outcome { MAILER_PENDING, MAILER_SENT, MAILER_FAILED, MAILER_UNKNOWN };
void mailer_watch(struct mailer *m, const char *name, bool drop_on_failure);
/* The outcome of a watched message; reply gets the server's answer (sent) or the
 * reason (failed). MAILER_UNKNOWN if name is not watched (or no longer). Any thread. */
enum mailer_outcome mailer_outcome(struct mailer *m, const char *name, char *reply, size_t size);

/* Sends new/name now on the calling thread (test mail, no mailer thread needed) and
 * moves it to sent/ on success. reply receives the server's answer or the reason of the
 * failure. Returns 0 when the server accepted the message (250). */
int mailer_send_now(struct spool *sp, const struct config *cfg, const char *name,
	char *reply, size_t reply_size);

#endif
