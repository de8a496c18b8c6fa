/* msgctx.h — the parts of the alert mail that give its context (issue 18.3): the
 * X-Envmon-* headers for mail filters, the trend and time to the next limit, the
 * neighbours' readings, the duration of a recovered incident, how to silence it and
 * the host envmond runs on. Pure formatting, called by message.c. */
#ifndef MSGCTX_H
#define MSGCTX_H

#include "conf.h"
#include "msgtext.h"
#include "notify.h"

/* "X-Envmon-Site: TJ-EXV", "X-Envmon-Severity: critical", "X-Envmon-Incident: ..."
 * (values reduced to [A-Za-z0-9._-], so nothing can add a header). */
void msgctx_headers(struct msg_buf *b, const struct config *cfg, const struct notification *n);
/* The facts of the context, after the incident's own facts. */
void msgctx_body(struct msg_buf *b, const struct msgcat *cat, const struct notification *n);
/* The closing lines: how to silence the cause, the host. */
void msgctx_footer(struct msg_buf *b, const struct msgcat *cat, const struct notification *n);
/* "1 h 12 min", "45 min", "30 s". */
void msgctx_duration(char *buf, size_t size, double seconds);

#endif
