/* message.h — turns a notification into the e-mail people read: a complete RFC 5322
 * message in French (or English), pure formatting with no I/O, unit-tested. */
#ifndef MESSAGE_H
#define MESSAGE_H

#include <stdbool.h>
#include <stddef.h>

#include "envmon.h"
#include "conf.h"
#include "msgcat.h"
#include "msgtext.h"
#include "notify.h"


/* The whole message, CRLF line ends, headers then a quoted-printable UTF-8 body.
 * cat translates (NULL = English); instance goes into the Message-IDs (message_id).
 * Returns a malloc'd string. */
char *message_format(const struct config *cfg, const struct msgcat *cat, const char *instance,
	const struct notification *n);

/* "<TJ-EXV-20261123-1.0.5f0c2a9e81d3b4a7@envmond.tj-exv.invalid>": stable for
 * (instance, incident_id, seq), so reminders thread under the first mail. instance is
 * the spool's random token (spool_instance): incident ids restart when the state
 * directory is lost, the token does not come back with them. NULL or "" = none. */
char *message_id(const char *site_code, const char *instance, const char *incident_id,
	unsigned seq);
/* The subject before encoding, e.g. "[CRITIQUE] TJ-EXV — température baie-A 31,4 °C
 * (max 27 °C) — srv-comci". */
char *message_subject(const struct config *cfg, const struct msgcat *cat,
	const struct notification *n);
/* Does the local list get this notification? (the ARSIT list gets them all) */
bool message_to_local(const struct config *cfg, const struct notification *n);

/* Appends "Name: value" to b, value RFC 2047-encoded (UTF-8, base64 encoded-words of
 * at most 75 characters, folded, never splitting a character) when it is not plain
 * printable ASCII that fits on one line. */
void message_header_encoded(struct msg_buf *b, const char *name, const char *value);
/* Appends "Date: ..." (RFC 5322, local time with its offset) for when. */
void message_date(struct msg_buf *b, double when);
/* Appends text to b encoded quoted-printable (RFC 2045), '\n' becoming CRLF. */
void message_qp(struct msg_buf *b, const char *text);

#endif
