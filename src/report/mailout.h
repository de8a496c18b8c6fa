/* mailout.h — the report as a mail for the site's contacts (envmon-report --send): a
 * MIME multipart message with a short French text, the HTML report and the CSV attached,
 * queued in the daemon's durable spool, which sends and retries it like any alert. */
#ifndef MAILOUT_H
#define MAILOUT_H

#include <stddef.h>
#include <time.h>

#include "audit.h"

struct mailout_part {
	const char *filename;      /* "rapport-TJ-EXV-2026-03.html" */
	const char *content_type;  /* "text/html; charset=utf-8" */
	const char *data;
	size_t size;
};

/* The whole message (CRLF line ends): To the ARSIT list, Cc the local one, From
 * mail.from, the text body, then each part base64-encoded. instance: the spool's token
 * for the Message-ID. A new string. */
char *mailout_build(const struct audit *a, const char *instance, time_t now,
	const struct mailout_part *parts, size_t n_parts);
/* The spool name of the report of a's period: sending the same period twice queues it
 * once. */
void mailout_name(char *buf, size_t size, const struct audit *a);

#endif
