/* dailymail.h — sends the daily digest (mail.digest, digest.h) at its local time: the
 * incidents of the journal still open and those over in the last 24 hours, queued in the
 * spool once per day (its name is the day's). Reminders are not mailed meanwhile
 * (context.c). */
#ifndef DAILYMAIL_H
#define DAILYMAIL_H

#include "conf.h"

struct mailsvc;
struct sched_timer;

struct dailymail {
	struct config *const *cfg;     /* the running configuration (a reload replaces it) */
	struct mailsvc *mail;
	struct sched_timer *timer;
	double last;                   /* wall clock of the last check */
};

/* Arms the timer (checked every minute, so a reload that sets or moves mail.digest
 * takes effect). */
void dailymail_start(struct dailymail *dm, struct config *const *cfg, struct mailsvc *mail);
void dailymail_stop(struct dailymail *dm);
/* Queues the digest of now; 0, or -1 (logged). For the timer and tests. */
int dailymail_send(const struct config *cfg, struct mailsvc *mail, double now);

#endif
