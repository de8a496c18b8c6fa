/* mailer.c — the mailer thread and one SMTP submission with libesmtp.
 *
 * libesmtp traps handled here (DESIGN.md §10):
 * - STARTTLS with TLS 1.3 hangs in about a third of sessions: our SSL_CTX is capped at
 *   TLS 1.2, verifies the peer against the CA file (or the system store) and the host
 *   name, and is handed over with smtp_starttls_set_ctx().
 * - libesmtp has no implicit TLS (port 465) and connects only by host:port: for
 *   tls = "tls" we open the TLS connection ourselves and give libesmtp a one-shot
 *   loopback TCP socket relayed to it by a bridge thread (see bridge_*).
 * - A failed AUTH (or a server that offers none) does not stop libesmtp: it goes on to
 *   MAIL FROM unauthenticated. The monitor callback sees every reply and every command;
 *   when MAIL FROM is about to leave without a successful AUTH (or without TLS when it
 *   is required), it shuts the socket down, so no DATA can follow.
 */
#include <config.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <auth-client.h>
#include <libesmtp.h>

#include "clock.h"
#include "log.h"
#include "mailer.h"
#include "xmem.h"

/* The mail settings, copied so that a reload cannot free them under the thread. */
struct mail_settings {
	char *server, *ca_file, *user, *password, *from_addr;
	unsigned port, timeout_s, max_per_hour;
	enum mail_tls tls;
};

enum send_result { SEND_OK, SEND_REFUSED, SEND_FAILED };

struct mailer {
	struct spool *spool;
	struct mail_settings ms;
	struct mailer_options opt;
	SSL_CTX *ssl;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool stop, kicked;
	struct mailer_status st;         /* under lock */
	double last_prune;
	struct refused {                 /* messages the server refused (5xx): retried alone */
		char name[96];
		double next;
		unsigned backoff_s;
	} *refused;
	size_t n_refused, cap_refused;
	struct watched {                 /* messages someone waits for (test mail), under lock */
		char name[96];
		enum mailer_outcome outcome;
		bool drop_on_failure;
		char reply[600];
	} watched[MAILER_MAX_WATCHED];
	size_t next_watched;             /* the slot mailer_watch takes next (oldest first) */
	struct recent {                  /* what the server took during the last hour, and what */
		char name[96];           /* it took that is still in new/: sent/ may have kept */
		char incident[80];       /* no trace of it (mailer thread only) */
		double at;
	} *recent;
	size_t n_recent, cap_recent;
};

/* ------------------------------------------------------------------ settings */

/* "envmond TJ-EXV <envmond@example.org>" -> "envmond@example.org". */
static char *addr_spec(const char *from)
{
	const char *lt = strrchr(from, '<'), *gt;

	if (lt && (gt = strchr(lt, '>')))
		return xstrndup(lt + 1, (size_t)(gt - lt - 1));
	return xstrdup(from);
}

static void settings_copy(struct mail_settings *ms, const struct cfg_mail *m)
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

static void settings_free(struct mail_settings *ms)
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

void mailer_default_options(struct mailer_options *opt)
{
	opt->retry_min_s = 30;
	opt->retry_max_s = 3600;
	opt->keep_sent_days = 7;
}

unsigned mailer_backoff(unsigned prev_s, const struct mailer_options *opt)
{
	unsigned next = prev_s == 0 ? opt->retry_min_s : prev_s * 2;

	if (next < opt->retry_min_s || (prev_s != 0 && next / 2 != prev_s))
		next = opt->retry_max_s;             /* overflow */
	return next > opt->retry_max_s ? opt->retry_max_s : next;
}

/* ------------------------------------------------------------------ TLS */

static __thread char tls_error[256];

static int verify_cb(int ok, X509_STORE_CTX *x)
{
	if (!ok && !tls_error[0]) {
		int err = X509_STORE_CTX_get_error(x);
		snprintf(tls_error, sizeof(tls_error), "server certificate refused: %s (depth %d)",
			X509_verify_cert_error_string(err), X509_STORE_CTX_get_error_depth(x));
	}
	return ok;
}

static bool is_ip(const char *host)
{
	unsigned char buf[16];

	return inet_pton(AF_INET, host, buf) == 1 || inet_pton(AF_INET6, host, buf) == 1;
}

/* TLS 1.2 only (libesmtp + TLS 1.3 hang, DESIGN.md §10), peer verified against the CA
 * file or the system store, and against the configured host name. */
static SSL_CTX *tls_context(const struct mail_settings *ms)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	X509_VERIFY_PARAM *param;
	int ok;

	if (!ctx)
		return NULL;
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_max_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, verify_cb);
	ok = ms->ca_file ? SSL_CTX_load_verify_locations(ctx, ms->ca_file, NULL)
		: SSL_CTX_set_default_verify_paths(ctx);
	param = SSL_CTX_get0_param(ctx);
	X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
	if (ok)
		ok = is_ip(ms->server) ? X509_VERIFY_PARAM_set1_ip_asc(param, ms->server)
			: X509_VERIFY_PARAM_set1_host(param, ms->server, 0);
	if (!ok) {
		log_err("mail: cannot load the CA certificates %s", ms->ca_file ? ms->ca_file : "(system)");
		SSL_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

/* ------------------------------------------------------------------ session state */

/* What one SMTP session saw, filled by the libesmtp callbacks. */
struct session {
	const struct mail_settings *ms;
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
		 * the chain and the host name or IP during the handshake (tls_context), so
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

/* ------------------------------------------------------------------ implicit TLS bridge */

/* libesmtp cannot start TLS before the greeting (port 465), and it only connects by
 * host:port. So we connect and complete the TLS handshake here (same verified context),
 * then listen once on 127.0.0.1, let libesmtp connect there in clear, and relay both
 * ways. The listening socket lives for one accept(); whoever else on this machine
 * connects first gets a session that has not authenticated yet, never our password,
 * and our own session then fails and is retried. */
struct bridge {
	int listen_fd, plain_fd, tls_fd;
	SSL *ssl;
	unsigned port;
	int timeout_ms;
	pthread_t thread;
	bool running;
};

static int tcp_connect(const char *host, unsigned port, unsigned timeout_s, char *err, size_t size)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res, *a;
	struct timeval tv = { .tv_sec = timeout_s };
	char service[16];
	int fd = -1, rc;

	snprintf(service, sizeof(service), "%u", port);
	if ((rc = getaddrinfo(host, service, &hints, &res)) != 0) {
		snprintf(err, size, "cannot resolve %s: %s", host, gai_strerror(rc));
		return -1;
	}
	for (a = res; a; a = a->ai_next) {
		fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
		if (fd < 0)
			continue;
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		if (connect(fd, a->ai_addr, a->ai_addrlen) == 0)
			break;
		snprintf(err, size, "cannot connect to %s port %u: %s", host, port, strerror(errno));
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	return fd;
}

static int bridge_tls(struct bridge *b, const struct mail_settings *ms, SSL_CTX *ctx,
	char *err, size_t size)
{
	b->tls_fd = tcp_connect(ms->server, ms->port, ms->timeout_s, err, size);
	if (b->tls_fd < 0)
		return -1;
	b->ssl = SSL_new(ctx);
	if (!is_ip(ms->server))
		SSL_set_tlsext_host_name(b->ssl, ms->server);
	SSL_set_fd(b->ssl, b->tls_fd);
	tls_error[0] = '\0';
	if (SSL_connect(b->ssl) != 1) {
		unsigned long e = ERR_get_error();
		snprintf(err, size, "TLS with %s port %u failed: %s", ms->server, ms->port,
			tls_error[0] ? tls_error : e ? ERR_reason_error_string(e) : "connection closed");
		ERR_clear_error();
		return -1;
	}
	return 0;
}

static int bridge_listen(struct bridge *b)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sin);

	b->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (b->listen_fd < 0 || bind(b->listen_fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 ||
	    listen(b->listen_fd, 1) < 0 || getsockname(b->listen_fd, (struct sockaddr *)&sin, &len) < 0)
		return -1;
	b->port = ntohs(sin.sin_port);
	return 0;
}

/* Copies what one side has to the other; false when the session is over. */
static bool bridge_pump(struct bridge *b, bool from_tls)
{
	char buf[16384];
	int n;

	if (from_tls) {
		n = SSL_read(b->ssl, buf, sizeof(buf));
		if (n <= 0)
			return false;
		for (int off = 0; off < n;) {
			ssize_t w = write(b->plain_fd, buf + off, (size_t)(n - off));
			if (w <= 0)
				return false;
			off += (int)w;
		}
		return true;
	}
	ssize_t r = read(b->plain_fd, buf, sizeof(buf));
	return r > 0 && SSL_write(b->ssl, buf, (int)r) == (int)r;
}

static void *bridge_run(void *arg)
{
	struct bridge *b = arg;
	struct pollfd p[2] = { { .fd = b->listen_fd, .events = POLLIN } };

	if (poll(p, 1, b->timeout_ms) <= 0)
		return NULL;
	b->plain_fd = accept4(b->listen_fd, NULL, NULL, SOCK_CLOEXEC);
	close(b->listen_fd);
	b->listen_fd = -1;
	if (b->plain_fd < 0)
		return NULL;
	p[0] = (struct pollfd){ .fd = b->plain_fd, .events = POLLIN };
	p[1] = (struct pollfd){ .fd = b->tls_fd, .events = POLLIN };
	for (;;) {
		int n = SSL_pending(b->ssl) > 0 ? 1 : poll(p, 2, b->timeout_ms);
		if (n <= 0)
			break;
		if ((SSL_pending(b->ssl) > 0 || p[1].revents) && !bridge_pump(b, true))
			break;
		if (p[0].revents && !bridge_pump(b, false))
			break;
		p[0].revents = p[1].revents = 0;
	}
	shutdown(b->plain_fd, SHUT_RDWR);
	return NULL;
}

static void bridge_close(struct bridge *b)
{
	if (b->running) {
		if (b->listen_fd >= 0)
			shutdown(b->listen_fd, SHUT_RDWR);
		pthread_join(b->thread, NULL);
	}
	if (b->ssl) {
		SSL_shutdown(b->ssl);
		SSL_free(b->ssl);
	}
	if (b->listen_fd >= 0)
		close(b->listen_fd);
	if (b->plain_fd >= 0)
		close(b->plain_fd);
	if (b->tls_fd >= 0)
		close(b->tls_fd);
}

static int bridge_open(struct bridge *b, const struct mail_settings *ms, SSL_CTX *ctx,
	char *err, size_t size)
{
	*b = (struct bridge){ .listen_fd = -1, .plain_fd = -1, .tls_fd = -1,
		.timeout_ms = (int)ms->timeout_s * 1000 };
	if (bridge_tls(b, ms, ctx, err, size) < 0 || bridge_listen(b) < 0 ||
	    pthread_create(&b->thread, NULL, bridge_run, b) != 0) {
		if (!err[0])
			snprintf(err, size, "cannot set up the TLS relay: %s", strerror(errno));
		bridge_close(b);
		return -1;
	}
	b->running = true;
	return 0;
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
static enum send_result session_result(struct session *s, smtp_session_t session, int started,
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
		return SEND_OK;
	}
	if (!s->error[0] && !started)
		session_error(s, "%s", smtp_strerror(smtp_errno(), buf, sizeof(buf)));
	if (!s->error[0] && st->code)
		session_error(s, "the server refused the message: %d %.*s", st->code,
			st->text ? (int)strcspn(st->text, "\r\n") : 0, st->text ? st->text : "");
	if (!s->error[0])
		session_error(s, "the session ended early%s%s", s->reply[0] ? "; last reply: " : "", s->reply);
	if (tls_error[0] && !strstr(s->error, "certificate"))
		snprintf(reply, size, "%s (%s)", s->error, tls_error);
	else
		snprintf(reply, size, "%s", s->error);
	return st->code / 100 == 5 && !s->aborted && !timed_out(s) ? SEND_REFUSED : SEND_FAILED;
}

/* Sends the message in path: SEND_OK (the server said 250), SEND_REFUSED (the server
 * refused this message: 5xx), SEND_FAILED (connection, TLS, AUTH, 4xx: try later).
 * reply gets the server's answer or the reason. Never logs the password. */
static enum send_result send_file(const struct mail_settings *ms, SSL_CTX *ctx, const char *path,
	char *reply, size_t size)
{
	struct session s = { .ms = ms, .fd = -1, .need_tls = ms->tls != MAIL_TLS_NONE,
		.waiting_since_ms = -1 };
	struct bridge b = { .listen_fd = -1, .plain_fd = -1, .tls_fd = -1 };
	char *msg = slurp(path), **rcpt = NULL;
	size_t n_rcpt = msg ? recipients(msg, &rcpt) : 0;
	const char *host = ms->server;
	unsigned port = ms->port;
	enum send_result res = SEND_FAILED;
	auth_context_t auth = NULL;
	smtp_session_t session;
	int started;

	tls_error[0] = '\0';
	reply[0] = '\0';
	if (!msg || n_rcpt == 0) {
		snprintf(reply, size, msg ? "no recipient in the message" : "cannot read %s", path);
		res = SEND_REFUSED;
		goto out;
	}
	if (ms->tls == MAIL_TLS_IMPLICIT) {
		if (bridge_open(&b, ms, ctx, reply, size) < 0)
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
		bridge_close(&b);
out:
	for (size_t i = 0; i < n_rcpt; i++)
		free(rcpt[i]);
	free(rcpt);
	free(msg);
	return res;
}

/* ------------------------------------------------------------------ the thread */

static double oldest_age(const struct spool_entry *v, int n, double now)
{
	double oldest = 0;

	for (int i = 0; i < n; i++)
		if (now - v[i].mtime > oldest)
			oldest = now - v[i].mtime;
	return oldest;
}

static struct recent *recent_find(struct mailer *m, const char *name)
{
	for (size_t i = 0; i < m->n_recent; i++)
		if (strcmp(m->recent[i].name, name) == 0)
			return &m->recent[i];
	return NULL;
}

/* The server took name: remembered whatever becomes of the file. */
static void recent_note(struct mailer *m, const char *name)
{
	struct recent *r = recent_find(m, name);
	const char *dot = strrchr(name, '.');

	if (!r) {
		m->recent = xgrow(m->recent, &m->cap_recent, m->n_recent + 1, sizeof(*r));
		r = &m->recent[m->n_recent++];
	}
	snprintf(r->name, sizeof(r->name), "%s", name);
	snprintf(r->incident, sizeof(r->incident), "%.*s", dot ? (int)(dot - name) : (int)strlen(name), name);
	r->at = clock_wall();
}

static bool listed(const struct spool_entry *v, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (strcmp(v[i].name, name) == 0)
			return true;
	return false;
}

/* Forgets sends older than the rate limit's hour, unless the file is still in new/
 * (a sent message that could be neither moved nor deleted must never go again). */
static void recent_prune(struct mailer *m, const struct spool_entry *v, int n, double now)
{
	size_t kept = 0;

	for (size_t i = 0; i < m->n_recent; i++)
		if (now - m->recent[i].at < 3600 || listed(v, n, m->recent[i].name))
			m->recent[kept++] = m->recent[i];
	m->n_recent = kept;
}

/* Drops from v what the server already took (still in new/ after a file error). */
static int without_sent(struct mailer *m, struct spool_entry *v, int n)
{
	int kept = 0;

	for (int i = 0; i < n; i++)
		if (!recent_find(m, v[i].name))
			v[kept++] = v[i];
	return kept;
}

/* Messages of this incident sent during the last hour: sent/ mtimes survive restarts,
 * the memory of this run holds when sent/ cannot keep them (removed, full disk). */
static unsigned sent_last_hour(const struct mailer *m, const struct spool_entry *sent, int n_sent,
	const char *incident, double now)
{
	unsigned count = 0;

	for (int i = 0; i < n_sent; i++)
		if (strcmp(sent[i].incident, incident) == 0 && now - sent[i].mtime < 3600)
			count++;
	for (size_t i = 0; i < m->n_recent; i++)
		if (strcmp(m->recent[i].incident, incident) == 0 && now - m->recent[i].at < 3600 &&
		    !listed(sent, n_sent, m->recent[i].name))
			count++;
	return count;
}

static void set_error(struct mailer *m, const char *name, const char *why, bool server_down)
{
	double now = clock_wall();

	pthread_mutex_lock(&m->lock);
	snprintf(m->st.last_error, sizeof(m->st.last_error), "%.96s: %.400s", name, why);
	m->st.failures++;
	m->st.last_failure = now;
	if (server_down) {
		m->st.backoff_s = mailer_backoff(m->st.backoff_s, &m->opt);
		m->st.next_attempt = now + m->st.backoff_s;
	}
	pthread_mutex_unlock(&m->lock);
}

static struct refused *refused_find(struct mailer *m, const char *name)
{
	for (size_t i = 0; i < m->n_refused; i++)
		if (strcmp(m->refused[i].name, name) == 0)
			return &m->refused[i];
	return NULL;
}

/* A refused message waits for its own backoff, so that it does not hold back the rest. */
static void refused_note(struct mailer *m, const char *name)
{
	struct refused *r = refused_find(m, name);

	if (!r) {
		m->refused = xgrow(m->refused, &m->cap_refused, m->n_refused + 1, sizeof(*r));
		r = &m->refused[m->n_refused++];
		*r = (struct refused){ .backoff_s = 0 };
		snprintf(r->name, sizeof(r->name), "%s", name);
	}
	r->backoff_s = mailer_backoff(r->backoff_s, &m->opt);
	r->next = clock_wall() + r->backoff_s;
}

static void set_sent(struct mailer *m)
{
	pthread_mutex_lock(&m->lock);
	m->st.sent++;
	m->st.last_success = clock_wall();
	m->st.backoff_s = 0;
	m->st.next_attempt = 0;
	pthread_mutex_unlock(&m->lock);
}

/* Under lock. */
static struct watched *watched_find(struct mailer *m, const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(m->watched); i++)
		if (m->watched[i].name[0] && strcmp(m->watched[i].name, name) == 0)
			return &m->watched[i];
	return NULL;
}

/* The outcome for whoever waits for name; a watched message that must not be retried
 * (a test mail: sent later, it would answer a question nobody asks any more) leaves
 * new/ when it failed. */
static void watched_note(struct mailer *m, const char *name, enum send_result res,
	const char *reply)
{
	struct watched *w;
	bool drop = false;

	pthread_mutex_lock(&m->lock);
	if ((w = watched_find(m, name))) {
		w->outcome = res == SEND_OK ? MAILER_SENT : MAILER_FAILED;
		snprintf(w->reply, sizeof(w->reply), "%s", reply);
		drop = res != SEND_OK && w->drop_on_failure;
	}
	pthread_mutex_unlock(&m->lock);
	if (drop) {
		char *path = spool_file(m->spool, "new", name);
		unlink(path);
		free(path);
	}
}

/* Sends new/name unless another process holds it (envmond --test-mail). false if the
 * server could not be reached: stop this pass. */
static bool send_entry(struct mailer *m, const char *name)
{
	char *path = spool_file(m->spool, "new", name), reply[600];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	enum send_result res = SEND_OK;
	struct stat st;

	if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB) < 0 || stat(path, &st) < 0 || recent_find(m, name))
		goto out;                        /* gone, being sent by someone else, or sent */
	res = send_file(&m->ms, m->ssl, path, reply, sizeof(reply));
	if (res == SEND_OK) {
		log_info("mail: sent %s: %s", name, reply);
		recent_note(m, name);
		spool_mark_sent(m->spool, name);
		set_sent(m);
	} else {
		log_err("mail: cannot send %s to %s port %u: %s", name, m->ms.server, m->ms.port, reply);
		set_error(m, name, reply, res == SEND_FAILED);
		if (res == SEND_REFUSED)
			refused_note(m, name);
	}
	watched_note(m, name, res, reply);
out:
	if (fd >= 0)
		close(fd);
	free(path);
	return res != SEND_FAILED;
}

static bool stopping(struct mailer *m)
{
	bool stop;

	pthread_mutex_lock(&m->lock);
	stop = m->stop;
	pthread_mutex_unlock(&m->lock);
	return stop;
}

/* Should new/ entry e be sent now? Only the first waiting message of each incident is
 * (order per incident), and not while the incident used its hourly quota: rate-limited
 * mail is delayed, never dropped. */
static bool eligible(struct mailer *m, const struct spool_entry *v, int i,
	const struct spool_entry *sent, int n_sent, double now, size_t *held)
{
	struct refused *r;

	if (i > 0 && strcmp(v[i - 1].incident, v[i].incident) == 0)
		return false;
	if (m->ms.max_per_hour && sent_last_hour(m, sent, n_sent, v[i].incident, now) >= m->ms.max_per_hour) {
		(*held)++;
		return false;
	}
	r = refused_find(m, v[i].name);
	return !r || r->next <= now;
}

static void update_depth(struct mailer *m, size_t held)
{
	struct spool_entry *v = NULL;
	int n = spool_list(m->spool, "new", &v);

	n = without_sent(m, v, n);
	pthread_mutex_lock(&m->lock);
	m->st.depth = n > 0 ? (size_t)n : 0;
	m->st.oldest_age_s = oldest_age(v, n, clock_wall());
	m->st.held = held;
	pthread_mutex_unlock(&m->lock);
	free(v);
}

/* One pass over new/: sends what may go, again while that lets the next message of an
 * incident go. Returns how many messages are still waiting. */
static size_t run_pass(struct mailer *m)
{
	struct spool_entry *v = NULL, *sent = NULL;
	bool progress = true, down = false;
	size_t held = 0, left;

	while (progress && !down && !stopping(m)) {
		int n = spool_list(m->spool, "new", &v), n_sent = spool_list(m->spool, "sent", &sent);
		double now = clock_wall();

		progress = false;
		held = 0;
		recent_prune(m, v, n, now);
		n = without_sent(m, v, n);
		for (int i = 0; i < n && !down && !stopping(m); i++) {
			if (!eligible(m, v, i, sent, n_sent, now, &held))
				continue;
			if (send_entry(m, v[i].name))
				progress = true;
			else
				down = true;          /* the server is unreachable: back off */
		}
		free(v);
		free(sent);
		v = sent = NULL;
	}
	update_depth(m, held);
	pthread_mutex_lock(&m->lock);
	left = m->st.depth;
	pthread_mutex_unlock(&m->lock);
	return left;
}

/* Condition variables wait on an absolute time of their own clock (CLOCK_MONOTONIC,
 * set in mailer_start); the mailer works in real time, never in virtual time. */
static void deadline_in(struct timespec *ts, double delay_s)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += (time_t)delay_s;
	ts->tv_nsec += (long)((delay_s - floor(delay_s)) * 1e9);
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

/* Under lock. */
static bool watch_pending(const struct mailer *m)
{
	for (size_t i = 0; i < ARRAY_SIZE(m->watched); i++)
		if (m->watched[i].name[0] && m->watched[i].outcome == MAILER_PENDING)
			return true;
	return false;
}

/* Waits until kicked, stopped or delay_s passed; true unless stopping. A kick always
 * wakes the thread while a watched message waits, even during a backoff. */
static bool wait_for_work(struct mailer *m, double delay_s, bool kick_wakes)
{
	struct timespec ts;
	bool stop;

	deadline_in(&ts, delay_s > 0 ? delay_s : 0);
	pthread_mutex_lock(&m->lock);
	while (!m->stop && !((kick_wakes || watch_pending(m)) && m->kicked))
		if (pthread_cond_timedwait(&m->cond, &m->lock, &ts) == ETIMEDOUT)
			break;
	if (kick_wakes || watch_pending(m))
		m->kicked = false;
	stop = m->stop;
	pthread_mutex_unlock(&m->lock);
	return !stop;
}

static void maybe_prune(struct mailer *m)
{
	double now = clock_wall();
	int n;

	if (now - m->last_prune < 3600)
		return;
	m->last_prune = now;
	n = spool_prune(m->spool, m->opt.keep_sent_days * 86400.0, now);
	if (n > 0)
		log_info("mail: pruned %d sent messages older than %u days", n, m->opt.keep_sent_days);
}

/* Watched messages already in new/ go first, whatever the backoff: someone waits. */
static void send_watched(struct mailer *m)
{
	char names[MAILER_MAX_WATCHED][96];
	size_t n = 0;

	pthread_mutex_lock(&m->lock);
	for (size_t i = 0; i < ARRAY_SIZE(m->watched); i++)
		if (m->watched[i].name[0] && m->watched[i].outcome == MAILER_PENDING)
			memcpy(names[n++], m->watched[i].name, sizeof(names[0]));
	pthread_mutex_unlock(&m->lock);
	for (size_t i = 0; i < n && !stopping(m); i++) {
		char *path = spool_file(m->spool, "new", names[i]);

		if (access(path, F_OK) == 0)
			send_entry(m, names[i]);
		free(path);
	}
}

static void *mailer_run(void *arg)
{
	struct mailer *m = arg;
	double next_attempt, delay;
	size_t left;

	for (;;) {
		maybe_prune(m);
		send_watched(m);
		left = run_pass(m);
		pthread_mutex_lock(&m->lock);
		next_attempt = m->st.next_attempt;
		pthread_mutex_unlock(&m->lock);
		/* After a connection failure new mail waits for the backoff too (the server is
		 * down for it as well); otherwise re-check each minute what the rate limit or a
		 * refusal holds back, and wake at once for new mail. */
		delay = next_attempt > 0 ? next_attempt - clock_wall() : left ? 60 : 3600;
		if (!wait_for_work(m, delay, next_attempt <= 0))
			break;
	}
	return NULL;
}

/* ------------------------------------------------------------------ API */

struct mailer *mailer_start(struct spool *sp, const struct config *cfg, const struct mailer_options *opt)
{
	struct mailer *m;
	pthread_condattr_t attr;

	if (!cfg->mail.enabled)
		return NULL;
	m = xcalloc(1, sizeof(*m));
	m->spool = sp;
	settings_copy(&m->ms, &cfg->mail);
	if (opt)
		m->opt = *opt;
	else
		mailer_default_options(&m->opt);
	if (m->ms.tls != MAIL_TLS_NONE && !(m->ssl = tls_context(&m->ms)))
		goto fail;
	pthread_mutex_init(&m->lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&m->cond, &attr);
	pthread_condattr_destroy(&attr);
	if (pthread_create(&m->thread, NULL, mailer_run, m) != 0) {
		log_err("mail: cannot start the mailer thread: %s", strerror(errno));
		pthread_cond_destroy(&m->cond);
		pthread_mutex_destroy(&m->lock);
		goto fail;
	}
	log_info("mail: mailer started for %s port %u (%s)", m->ms.server, m->ms.port,
		m->ms.tls == MAIL_TLS_STARTTLS ? "STARTTLS" : m->ms.tls == MAIL_TLS_IMPLICIT ? "TLS" : "no TLS");
	return m;
fail:
	SSL_CTX_free(m->ssl);
	settings_free(&m->ms);
	free(m);
	return NULL;
}

void mailer_kick(void *mailer)
{
	struct mailer *m = mailer;

	if (!m)
		return;
	pthread_mutex_lock(&m->lock);
	m->kicked = true;
	pthread_cond_signal(&m->cond);
	pthread_mutex_unlock(&m->lock);
}

void mailer_stop(struct mailer *m)
{
	if (!m)
		return;
	pthread_mutex_lock(&m->lock);
	m->stop = true;
	pthread_cond_signal(&m->cond);
	pthread_mutex_unlock(&m->lock);
	pthread_join(m->thread, NULL);
	pthread_cond_destroy(&m->cond);
	pthread_mutex_destroy(&m->lock);
	SSL_CTX_free(m->ssl);
	settings_free(&m->ms);
	free(m->refused);
	free(m->recent);
	free(m);
}

void mailer_watch(struct mailer *m, const char *name, bool drop_on_failure)
{
	struct watched *w;

	pthread_mutex_lock(&m->lock);
	if (!(w = watched_find(m, name))) {
		w = &m->watched[m->next_watched];
		m->next_watched = (m->next_watched + 1) % ARRAY_SIZE(m->watched);
	}
	*w = (struct watched){ .outcome = MAILER_PENDING, .drop_on_failure = drop_on_failure };
	snprintf(w->name, sizeof(w->name), "%s", name);
	pthread_mutex_unlock(&m->lock);
}

enum mailer_outcome mailer_outcome(struct mailer *m, const char *name, char *reply, size_t size)
{
	struct watched *w;
	enum mailer_outcome o = MAILER_UNKNOWN;

	pthread_mutex_lock(&m->lock);
	if ((w = watched_find(m, name))) {
		o = w->outcome;
		snprintf(reply, size, "%s", w->reply);
	}
	pthread_mutex_unlock(&m->lock);
	return o;
}

void mailer_get_status(struct mailer *m, struct mailer_status *st)
{
	pthread_mutex_lock(&m->lock);
	*st = m->st;
	pthread_mutex_unlock(&m->lock);
}

int mailer_send_now(struct spool *sp, const struct config *cfg, const char *name,
	char *reply, size_t reply_size)
{
	struct mail_settings ms;
	SSL_CTX *ctx = NULL;
	char *path = spool_file(sp, "new", name);
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc = -1;

	settings_copy(&ms, &cfg->mail);
	if (fd < 0 || flock(fd, LOCK_EX) < 0)
		snprintf(reply, reply_size, "cannot open %s: %s", path, strerror(errno));
	else if (ms.tls != MAIL_TLS_NONE && !(ctx = tls_context(&ms)))
		snprintf(reply, reply_size, "cannot load the CA certificates");
	else if (send_file(&ms, ctx, path, reply, reply_size) == SEND_OK) {
		rc = 0;                      /* taken: a file error afterwards changes nothing */
		spool_mark_sent(sp, name);
	}
	if (fd >= 0)
		close(fd);
	SSL_CTX_free(ctx);
	settings_free(&ms);
	free(path);
	return rc;
}
