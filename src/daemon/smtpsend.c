/* smtpsend.c — one SMTP submission with libesmtp: the session, its callbacks, and the
 * checks libesmtp does not make.
 *
 * libesmtp traps handled here (DESIGN.md §10; the TLS ones are in tlsbridge.c):
 * - A failed AUTH (or a server that offers none) does not stop libesmtp: it goes on to
 *   MAIL FROM unauthenticated. The monitor callback sees every reply and every command;
 *   when MAIL FROM is about to leave without a successful AUTH (or without TLS when it
 *   is required), it shuts the socket down, so no DATA can follow.
 * - For port 465, libesmtp talks in clear to our TLS bridge on 127.0.0.1 (tlsbridge.h).
 */
#include <config.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/ssl.h>
#include <auth-client.h>
#include <libesmtp.h>

#include "clock.h"
#include "log.h"
#include "smtpsend.h"
#include "tlsbridge.h"
#include "xmem.h"

/* "envmond TJ-EXV <envmond@example.org>" -> "envmond@example.org". */
static char *addr_spec(const char *from)
{
	const char *lt = strrchr(from, '<'), *gt;

	if (lt && (gt = strchr(lt, '>')))
		return xstrndup(lt + 1, (size_t)(gt - lt - 1));
	return xstrdup(from);
}

void smtpsend_settings_copy(struct smtpsend_settings *ms, const struct cfg_mail *m)
{
	ms->server = xstrdup(m->server ? m->server : "localhost");
	ms->ca_file = m->ca_file ? xstrdup(m->ca_file) : NULL;
	ms->user = m->user ? xstrdup(m->user) : NULL;
	ms->password = m->password ? xstrdup(m->password) : NULL;
	ms->from_addr = addr_spec(m->from ? m->from : "envmond@localhost");
	ms->port = m->port;
	ms->timeout_s = m->timeout_s ? m->timeout_s : 60;
	ms->max_per_hour = m->max_per_hour;
	ms->tls = m->tls;
}

void smtpsend_settings_free(struct smtpsend_settings *ms)
{
	free(ms->server);
	free(ms->ca_file);
	free(ms->user);
	if (ms->password) {
		explicit_bzero(ms->password, strlen(ms->password));
		free(ms->password);
	}
	free(ms->from_addr);
}


/* ------------------------------------------------------------------ session state */

/* What one SMTP session saw, filled by the libesmtp callbacks. */
struct session {
	const struct smtpsend_settings *ms;
	struct sockaddr_storage peers[8];  /* where libesmtp may connect */
	size_t n_peers;
	int fd;                          /* libesmtp's socket once found, or the bridge's end */
	smtp_message_t message;
	bool need_tls, tls_ok, auth_ok, auth_failed, auth_offered, in_auth, aborted;
	int64_t waiting_since_ms;        /* a command left and no reply came yet, or -1 */
	char waiting_for[16];            /* that command's verb ("" = the greeting) */
	char line[1024];                 /* partial reply line */
	size_t line_len;
	char reply[512];                 /* last complete reply line of the server */
	char error[512];                 /* why the session failed, first reason wins */
};

static void session_error(struct session *s, const char *fmt, ...) ATTR_PRINTF(2, 3);
static void session_error(struct session *s, const char *fmt, ...)
{
	va_list ap;

	if (s->error[0])
		return;
	va_start(ap, fmt);
	vsnprintf(s->error, sizeof(s->error), fmt, ap);
	va_end(ap);
}

static bool same_peer(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET) {
		const struct sockaddr_in *x = (const void *)a, *y = (const void *)b;
		return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
	}
	if (a->ss_family == AF_INET6) {
		const struct sockaddr_in6 *x = (const void *)a, *y = (const void *)b;
		return x->sin6_port == y->sin6_port && !memcmp(&x->sin6_addr, &y->sin6_addr, 16);
	}
	return false;
}

/* libesmtp does not expose its socket: find the descriptor connected to the server. Only
 * this thread talks to the mail server, so the (address, port) pair identifies it. */
static int find_socket(const struct session *s)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int found = -1;

	while (d && (e = readdir(d))) {
		struct sockaddr_storage peer;
		socklen_t len = sizeof(peer);
		int fd = atoi(e->d_name);

		if (e->d_name[0] == '.' || fd == dirfd(d))
			continue;
		if (getpeername(fd, (struct sockaddr *)&peer, &len) < 0)
			continue;
		for (size_t i = 0; i < s->n_peers; i++)
			if (same_peer(&peer, &s->peers[i]))
				found = fd;
	}
	if (d)
		closedir(d);
	return found;
}

static void session_abort(struct session *s, const char *why)
{
	session_error(s, "%s", why);
	s->aborted = true;
	if (s->fd >= 0)
		shutdown(s->fd, SHUT_RDWR);
}

/* One complete reply line from the server. */
static void on_reply_line(struct session *s, const char *line)
{
	int code = atoi(line);
	bool last = strlen(line) > 3 && line[3] == ' ';

	if (code == 250 && strlen(line) > 8 && strncasecmp(line + 4, "AUTH", 4) == 0 &&
	    (line[8] == ' ' || line[8] == '='))
		s->auth_offered = true;          /* an EHLO keyword line, "250-AUTH PLAIN LOGIN" */
	if (!last)
		return;
	/* After 354 the message data leaves unseen by the monitor: its reply is awaited now. */
	s->waiting_since_ms = code == 354 ? clock_mono_ms() : -1;
	snprintf(s->reply, sizeof(s->reply), "%s", line);
	if (!s->in_auth)
		return;
	if (code == 235) {
		s->auth_ok = true;
		s->in_auth = false;
	} else if (code >= 400) {
		s->auth_failed = true;
		s->in_auth = false;
		session_error(s, "authentication refused by the server: %s", line);
	}
}

/* A command leaves: the clock of "no answer within N s" starts, unless an earlier
 * command (pipelined) still waits for its reply. */
static void note_command(struct session *s, const char *buf, int len)
{
	int n = 0;

	if (s->waiting_since_ms >= 0)
		return;
	s->waiting_since_ms = clock_mono_ms();
	while (n < len && n < (int)sizeof(s->waiting_for) - 1 && buf[n] >= 'A' && buf[n] <= 'Z')
		n++;
	memcpy(s->waiting_for, buf, (size_t)n);
	s->waiting_for[n] = '\0';
}

/* Did the session end because the server stayed silent for the whole timeout? libesmtp
 * does not say (its error is a dropped connection or a stale status), so we time it:
 * the monitor saw a command (or the connection) wait that long without a reply. */
static bool timed_out(const struct session *s)
{
	return s->waiting_since_ms >= 0 &&
		clock_mono_ms() - s->waiting_since_ms >= (int64_t)s->ms->timeout_s * 1000 - 500;
}

static void timeout_error(struct session *s)
{
	const char *after = s->waiting_for;

	if (strcmp(s->reply, "354") == 0 || strncmp(s->reply, "354 ", 4) == 0)
		after = "the message data";
	session_error(s, "no answer from the server within %u s (%s%s)", s->ms->timeout_s,
		after[0] ? "waiting for the reply to " : "waiting for its greeting", after);
}

/* Sees every byte exchanged (after TLS). Written data is never logged: it holds the
 * AUTH exchange. */
static void monitor_cb(const char *buf, int len, int writing, void *arg)
{
	struct session *s = arg;

	if (writing) {
		note_command(s, buf, len);
		if (len >= 5 && strncasecmp(buf, "AUTH ", 5) == 0)
			s->in_auth = true;
		if (len >= 10 && strncasecmp(buf, "MAIL FROM:", 10) == 0) {
			if (s->ms->user && !s->auth_ok)
				session_abort(s, s->auth_failed ? "authentication failed: nothing sent"
					: !s->auth_offered ? "a user is configured but the server offers no AUTH: "
					"nothing sent unauthenticated"
					: "the server did not authenticate us: nothing sent");
			else if (s->need_tls && !s->tls_ok)
				session_abort(s, "TLS is required but not established: nothing sent");
		}
		return;
	}
	for (int i = 0; i < len; i++) {
		if (buf[i] == '\n' || s->line_len == sizeof(s->line) - 1) {
			while (s->line_len && s->line[s->line_len - 1] == '\r')
				s->line_len--;
			s->line[s->line_len] = '\0';
			log_debug("mail: server: %s", s->line);
			on_reply_line(s, s->line);
			s->line_len = 0;
		} else if (buf[i] != '\n') {
			s->line[s->line_len++] = buf[i];
		}
	}
}

static void event_cb(smtp_session_t session, int event, void *arg, ...)
{
	struct session *s = smtp_get_application_data(session);
	va_list ap;
	int *ok;

	va_start(ap, arg);
	switch (event) {
	case SMTP_EV_CONNECT:
		if (s->fd < 0)
			s->fd = find_socket(s);
		break;
	case SMTP_EV_STARTTLS_OK:
		s->tls_ok = true;
		break;
	case SMTP_EV_EXTNA_STARTTLS:
		session_error(s, "the server does not offer STARTTLS (required)");
		break;
	case SMTP_EV_INVALID_PEER_CERTIFICATE: {
		long result = va_arg(ap, long);
		ok = va_arg(ap, int *);
		*ok = 0;
		session_error(s, "server certificate refused: %s", X509_verify_cert_error_string(result));
		break;
	}
	case SMTP_EV_NO_PEER_CERTIFICATE:
		ok = va_arg(ap, int *);
		*ok = 0;
		session_error(s, "server certificate refused: none presented");
		break;
	case SMTP_EV_WRONG_PEER_CERTIFICATE: {
		/* libesmtp 1.1 matches the certificate's DNS names only, never an IP address
		 * (its smtp-tls.c leaves GEN_IPADD entries unhandled). Our SSL_CTX already checked
		 * the chain and the host name or IP during the handshake (tlsbridge_context), so
		 * its complaint is overruled only when that verification passed. */
		SSL *ssl;

		ok = va_arg(ap, int *);
		(void)va_arg(ap, const char *);
		ssl = va_arg(ap, SSL *);
		*ok = ssl && SSL_get_verify_result(ssl) == X509_V_OK && SSL_get0_peer_certificate(ssl);
		if (!*ok)
			session_error(s, "server certificate refused: it does not name the server");
		break;
	}
	case SMTP_EV_WEAK_CIPHER:
		(void)va_arg(ap, int);
		ok = va_arg(ap, int *);
		*ok = 0;
		session_error(s, "TLS cipher too weak");
		break;
	default:
		break;
	}
	va_end(ap);
}

/* libesmtp's SASL client asks for the user and the password. */
static int auth_interact(auth_client_request_t req, char **result, int fields, void *arg)
{
	struct session *s = arg;

	for (int i = 0; i < fields; i++) {
		if (req[i].flags & AUTH_USER)
			result[i] = s->ms->user;
		else if (req[i].flags & AUTH_PASS)
			result[i] = s->ms->password;
		else
			return 0;
	}
	return 1;
}

static void resolve_peers(struct session *s, const char *host, unsigned port)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res, *a;
	char service[16];

	snprintf(service, sizeof(service), "%u", port);
	if (getaddrinfo(host, service, &hints, &res) != 0)
		return;
	for (a = res; a && s->n_peers < ARRAY_SIZE(s->peers); a = a->ai_next) {
		memcpy(&s->peers[s->n_peers], a->ai_addr, a->ai_addrlen);
		s->n_peers++;
	}
	freeaddrinfo(res);
}

/* ------------------------------------------------------------------ one message */

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	struct stat st;
	char *buf;

	if (!f)
		return NULL;
	if (fstat(fileno(f), &st) < 0) {
		fclose(f);
		return NULL;
	}
	buf = xmalloc((size_t)st.st_size + 1);
	buf[fread(buf, 1, (size_t)st.st_size, f)] = '\0';
	fclose(f);
	return buf;
}

/* Envelope recipients: the addresses of the To: and Cc: headers we wrote (spool.c puts
 * one validated address per line, continuation lines start with a space). */
static size_t recipients(const char *msg, char ***out)
{
	char **v = NULL;
	size_t n = 0, cap = 0;
	bool in_list = false;

	for (const char *line = msg; *line && strncmp(line, "\r\n", 2) != 0;) {
		const char *end = strstr(line, "\r\n"), *p = line;

		if (!end)
			break;
		if (strncasecmp(line, "To:", 3) == 0 || strncasecmp(line, "Cc:", 3) == 0) {
			in_list = true;
			p += 3;
		} else if (*line != ' ' && *line != '\t') {
			in_list = false;
		}
		if (in_list) {
			while (p < end && (*p == ' ' || *p == '\t'))
				p++;
			size_t len = (size_t)(end - p);
			if (len && p[len - 1] == ',')
				len--;
			if (len) {
				v = xgrow(v, &cap, n + 1, sizeof(*v));
				v[n++] = xstrndup(p, len);
			}
		}
		line = end + 2;
	}
	*out = v;
	return n;
}

static void set_timeouts(smtp_session_t session, unsigned timeout_s)
{
	static const int which[] = { Timeout_GREETING, Timeout_ENVELOPE, Timeout_DATA,
		Timeout_TRANSFER, Timeout_DATA2 };

	for (size_t i = 0; i < ARRAY_SIZE(which); i++)
		smtp_set_timeout(session, which[i] | Timeout_OVERRIDE_RFC2822_MINIMUM,
			(long)timeout_s * 1000);
}

/* The session with the server (or with our TLS bridge), its message and recipients. */
static smtp_session_t session_setup(struct session *s, SSL_CTX *ctx, const char *host,
	unsigned port, auth_context_t auth, const char *msg, char **rcpt, size_t n_rcpt)
{
	smtp_session_t session = smtp_create_session();
	smtp_message_t message = smtp_add_message(session);
	char hostport[300];

	s->message = message;
	snprintf(hostport, sizeof(hostport), strchr(host, ':') ? "[%s]:%u" : "%s:%u", host, port);
	smtp_set_server(session, hostport);
	smtp_set_application_data_release(session, s, NULL);
	smtp_set_eventcb(session, event_cb, NULL);
	smtp_set_monitorcb(session, monitor_cb, s, 0);
	set_timeouts(session, s->ms->timeout_s);
	if (s->ms->tls == MAIL_TLS_STARTTLS) {
		smtp_starttls_set_ctx(session, ctx);
		smtp_starttls_enable(session, Starttls_REQUIRED);
	} else {
		smtp_starttls_enable(session, Starttls_DISABLED);
	}
	if (auth)
		smtp_auth_set_context(session, auth);
	smtp_set_reverse_path(message, s->ms->from_addr);
	smtp_set_message_str(message, (void *)msg);
	for (size_t i = 0; i < n_rcpt; i++)
		smtp_add_recipient(message, rcpt[i]);
	return session;
}

/* PLAIN and LOGIN send the password in clear: allowed only because the session is
 * encrypted (STARTTLS required, implicit TLS) or stays on this machine (tls = "none"
 * is refused by conf.c for any other server). */
static auth_context_t auth_setup(struct session *s)
{
	auth_context_t auth;

	if (!s->ms->user)
		return NULL;
	auth = auth_create_context();
	auth_set_mechanism_flags(auth, AUTH_PLUGIN_PLAIN, 0);
	auth_set_interact_cb(auth, auth_interact, s);
	return auth;
}

struct rcpt_check {
	struct session *s;
	unsigned accepted, refused;
};

static void check_rcpt(smtp_recipient_t r, const char *mailbox, void *arg)
{
	struct rcpt_check *c = arg;
	const smtp_status_t *st = smtp_recipient_status(r);

	if (st->code / 100 == 2) {
		c->accepted++;
		return;
	}
	c->refused++;
	log_err("mail: the server refused recipient %s: %d %s", mailbox, st->code,
		st->text ? st->text : "");
}

/* After smtp_start_session: did the server take the message? */
static enum smtpsend_result session_result(struct session *s, smtp_session_t session, int started,
	char *reply, size_t size)
{
	smtp_message_t message = s->message;
	const smtp_status_t *st = smtp_message_transfer_status(message);
	struct rcpt_check rc = { s, 0, 0 };
	char buf[256];

	if (!s->aborted && timed_out(s))
		timeout_error(s);
	if (!s->aborted && !s->error[0] && started && st->code / 100 == 2) {
		smtp_enumerate_recipients(message, check_rcpt, &rc);
		snprintf(reply, size, "%d %s", st->code, st->text ? st->text : "");
		reply[strcspn(reply, "\r\n")] = '\0';
		return SMTPSEND_OK;
	}
	if (!s->error[0] && !started)
		session_error(s, "%s", smtp_strerror(smtp_errno(), buf, sizeof(buf)));
	if (!s->error[0] && st->code)
		session_error(s, "the server refused the message: %d %.*s", st->code,
			st->text ? (int)strcspn(st->text, "\r\n") : 0, st->text ? st->text : "");
	if (!s->error[0])
		session_error(s, "the session ended early%s%s", s->reply[0] ? "; last reply: " : "", s->reply);
	if (tlsbridge_error()[0] && !strstr(s->error, "certificate"))
		snprintf(reply, size, "%s (%s)", s->error, tlsbridge_error());
	else
		snprintf(reply, size, "%s", s->error);
	return st->code / 100 == 5 && !s->aborted && !timed_out(s) ? SMTPSEND_REFUSED : SMTPSEND_FAILED;
}

/* Sends the message in path: SMTPSEND_OK (the server said 250), SMTPSEND_REFUSED (the server
 * refused this message: 5xx), SMTPSEND_FAILED (connection, TLS, AUTH, 4xx: try later).
 * reply gets the server's answer or the reason. Never logs the password. */
enum smtpsend_result smtpsend_file(const struct smtpsend_settings *ms, SSL_CTX *ctx, const char *path,
	char *reply, size_t size)
{
	struct session s = { .ms = ms, .fd = -1, .need_tls = ms->tls != MAIL_TLS_NONE,
		.waiting_since_ms = -1 };
	struct tlsbridge b = { .listen_fd = -1, .plain_fd = -1, .tls_fd = -1 };
	char *msg = slurp(path), **rcpt = NULL;
	size_t n_rcpt = msg ? recipients(msg, &rcpt) : 0;
	const char *host = ms->server;
	unsigned port = ms->port;
	enum smtpsend_result res = SMTPSEND_FAILED;
	auth_context_t auth = NULL;
	smtp_session_t session;
	int started;

	tlsbridge_clear_error();
	reply[0] = '\0';
	if (!msg || n_rcpt == 0) {
		snprintf(reply, size, msg ? "no recipient in the message" : "cannot read %s", path);
		res = SMTPSEND_REFUSED;
		goto out;
	}
	if (ms->tls == MAIL_TLS_IMPLICIT) {
		if (tlsbridge_open(&b, ms->server, ms->port, ms->timeout_s, ctx, reply, size) < 0)
			goto out;
		s.tls_ok = true;
		host = "127.0.0.1";
		port = b.port;
	}
	resolve_peers(&s, host, port);
	auth = auth_setup(&s);
	session = session_setup(&s, ctx, host, port, auth, msg, rcpt, n_rcpt);
	s.waiting_since_ms = clock_mono_ms();   /* for the greeting */
	started = smtp_start_session(session);
	res = session_result(&s, session, started, reply, size);
	smtp_destroy_session(session);
	if (auth)
		auth_destroy_context(auth);
	if (ms->tls == MAIL_TLS_IMPLICIT)
		tlsbridge_close(&b);
out:
	for (size_t i = 0; i < n_rcpt; i++)
		free(rcpt[i]);
	free(rcpt);
	free(msg);
	return res;
}
