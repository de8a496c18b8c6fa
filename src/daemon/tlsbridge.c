/* tlsbridge.c — TLS for the mail session: the verified client context (STARTTLS and
 * port 465) and, for port 465, the bridge that libesmtp needs.
 *
 * libesmtp traps handled here (DESIGN.md §10):
 * - STARTTLS with TLS 1.3 hangs in about a third of sessions: our SSL_CTX is capped at
 *   TLS 1.2, verifies the peer against the CA file (or the system store) and the host
 *   name, and is handed over with smtp_starttls_set_ctx() (smtpsend.c).
 * - libesmtp has no implicit TLS (port 465) and connects only by host:port: for
 *   tls = "tls" we open the TLS connection ourselves and give libesmtp a one-shot
 *   loopback TCP socket relayed to it by a bridge thread.
 */
#include <config.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "log.h"
#include "tlsbridge.h"

static __thread char tls_error[256];

const char *tlsbridge_error(void)
{
	return tls_error;
}

void tlsbridge_clear_error(void)
{
	tls_error[0] = '\0';
}

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
SSL_CTX *tlsbridge_context(const char *server, const char *ca_file)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	X509_VERIFY_PARAM *param;
	int ok;

	if (!ctx)
		return NULL;
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_max_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, verify_cb);
	ok = ca_file ? SSL_CTX_load_verify_locations(ctx, ca_file, NULL)
		: SSL_CTX_set_default_verify_paths(ctx);
	param = SSL_CTX_get0_param(ctx);
	X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
	if (ok)
		ok = is_ip(server) ? X509_VERIFY_PARAM_set1_ip_asc(param, server)
			: X509_VERIFY_PARAM_set1_host(param, server, 0);
	if (!ok) {
		log_err("mail: cannot load the CA certificates %s", ca_file ? ca_file : "(system)");
		SSL_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

/* ------------------------------------------------------------------ implicit TLS bridge */

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

static int bridge_tls(struct tlsbridge *b, const char *server, unsigned port, unsigned timeout_s,
	SSL_CTX *ctx, char *err, size_t size)
{
	b->tls_fd = tcp_connect(server, port, timeout_s, err, size);
	if (b->tls_fd < 0)
		return -1;
	b->ssl = SSL_new(ctx);
	if (!is_ip(server))
		SSL_set_tlsext_host_name(b->ssl, server);
	SSL_set_fd(b->ssl, b->tls_fd);
	tls_error[0] = '\0';
	if (SSL_connect(b->ssl) != 1) {
		unsigned long e = ERR_get_error();
		snprintf(err, size, "TLS with %s port %u failed: %s", server, port,
			tls_error[0] ? tls_error : e ? ERR_reason_error_string(e) : "connection closed");
		ERR_clear_error();
		return -1;
	}
	return 0;
}

static int bridge_listen(struct tlsbridge *b)
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
static bool bridge_pump(struct tlsbridge *b, bool from_tls)
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
	struct tlsbridge *b = arg;
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

void tlsbridge_close(struct tlsbridge *b)
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

int tlsbridge_open(struct tlsbridge *b, const char *server, unsigned port, unsigned timeout_s,
	SSL_CTX *ctx, char *err, size_t size)
{
	*b = (struct tlsbridge){ .listen_fd = -1, .plain_fd = -1, .tls_fd = -1,
		.timeout_ms = (int)timeout_s * 1000 };
	if (bridge_tls(b, server, port, timeout_s, ctx, err, size) < 0 || bridge_listen(b) < 0 ||
	    pthread_create(&b->thread, NULL, bridge_run, b) != 0) {
		if (!err[0])
			snprintf(err, size, "cannot set up the TLS relay: %s", strerror(errno));
		tlsbridge_close(b);
		return -1;
	}
	b->running = true;
	return 0;
}
