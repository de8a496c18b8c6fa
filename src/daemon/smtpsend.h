/* smtpsend.h — one SMTP submission of a spool message with libesmtp: STARTTLS or port
 * 465 (through tlsbridge), AUTH that must succeed before MAIL FROM, recipients taken
 * from the message's To: and Cc: headers, a timeout on every step. */
#ifndef SMTPSEND_H
#define SMTPSEND_H

#include <stddef.h>

#include <openssl/ssl.h>

#include "conf.h"

/* The mail settings, copied so that a reload cannot free them under the mailer thread. */
struct smtpsend_settings {
	char *server, *ca_file, *user, *password, *from_addr;
	unsigned port, timeout_s, max_per_hour;
	enum mail_tls tls;
};

enum smtpsend_result {
	SMTPSEND_OK,                /* the server said 250 */
	SMTPSEND_REFUSED,           /* the server refused this message (5xx): this one waits */
	SMTPSEND_FAILED             /* connection, TLS, AUTH, 4xx: the server is down, try later */
};

/* Copies m (defaults filled in: server localhost, timeout 60 s, From's bare address). */
void smtpsend_settings_copy(struct smtpsend_settings *ms, const struct cfg_mail *m);
/* Frees the copy; the password is wiped first. */
void smtpsend_settings_free(struct smtpsend_settings *ms);

/* Sends the message in path over one session; ctx (tlsbridge_context) when ms->tls is
 * not MAIL_TLS_NONE. reply gets the server's answer or the reason. Never logs the
 * password. Any thread; one session per call. */
enum smtpsend_result smtpsend_file(const struct smtpsend_settings *ms, SSL_CTX *ctx, const char *path,
	char *reply, size_t size);

#endif
