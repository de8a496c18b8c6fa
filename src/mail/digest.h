/* digest.h — the daily digest (mail.digest, issue 18.3): one mail at the set local time
 * listing the open incidents and the incidents of the last day, sent instead of
 * per-incident reminders. Pure formatting, like message.h. */
#ifndef DIGEST_H
#define DIGEST_H

#include "conf.h"
#include "msgcat.h"

/* One incident as the digest lists it. Texts may come from devices: escaped here. */
struct digest_item {
	const char *id;
	enum severity severity;
	enum criterion criterion;
	const char *cause;         /* device or rack */
	double opened;             /* wall clock */
	double closed;             /* 0 while open */
};

/* Wall clock of the next mail.digest time strictly after now (local time). */
double digest_next(const struct config *cfg, double now);
/* Whether the digest's time fell in (last, now]: the check of a timer that ran at last
 * and runs again at now. Windows that follow each other leave no gap, however late the
 * timer runs (a window of "the last 60 s" missed 08:00:00 whenever a tick came 60.5 s
 * after the one before). */
bool digest_due(const struct config *cfg, double last, double now);
/* The whole message (CRLF, quoted-printable UTF-8 body), malloc'd: "open" incidents,
 * then "day" (those of the last 24 h, closed). instance as for message_id. */
char *digest_format(const struct config *cfg, const struct msgcat *cat, const char *instance,
	double now, const struct digest_item *open, size_t n_open, const struct digest_item *day,
	size_t n_day);

#endif
