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
/* The whole message (CRLF, quoted-printable UTF-8 body), malloc'd: "open" incidents,
 * then "day" (those of the last 24 h, closed). instance as for message_id. */
char *digest_format(const struct config *cfg, const struct msgcat *cat, const char *instance,
	double now, const struct digest_item *open, size_t n_open, const struct digest_item *day,
	size_t n_day);

#endif
