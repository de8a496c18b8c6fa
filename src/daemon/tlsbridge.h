/* tlsbridge.h — TLS for the mail session: the client context (TLS 1.2, peer verified
 * against the CA file or the system store and the server's name or address), and the
 * relay that gives libesmtp, which has no implicit TLS, a session on port 465. */
#ifndef TLSBRIDGE_H
#define TLSBRIDGE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include <openssl/ssl.h>

/* libesmtp cannot start TLS before the greeting (port 465), and it only connects by
 * host:port. So we connect and complete the TLS handshake here (same verified context),
 * then listen once on 127.0.0.1, let libesmtp connect there in clear, and relay both
 * ways. The listening socket lives for one accept(); whoever else on this machine
 * connects first gets a session that has not authenticated yet, never our password,
 * and our own session then fails and is retried. On the caller's stack: the fields are
 * the bridge's own, except port. */
struct tlsbridge {
	int listen_fd, plain_fd, tls_fd;
	SSL *ssl;
	unsigned port;              /* where libesmtp connects: 127.0.0.1:port */
	int timeout_ms;
	pthread_t thread;
	bool running;
};

/* The client context for server (a name or an IP address) and ca_file (NULL = the system
 * store). NULL when the certificates cannot be loaded (logged). SSL_CTX_free() it. */
SSL_CTX *tlsbridge_context(const char *server, const char *ca_file);
/* Why the last handshake of this thread refused the certificate, "" if it did not. */
const char *tlsbridge_error(void);
void tlsbridge_clear_error(void);

/* Connects to server:port with TLS (ctx), then starts the relay thread. 0, or -1 with
 * the reason in err. Close it with tlsbridge_close, whatever the outcome. */
int tlsbridge_open(struct tlsbridge *b, const char *server, unsigned port, unsigned timeout_s,
	SSL_CTX *ctx, char *err, size_t size);
/* Stops the relay and closes everything; safe on a bridge that failed to open. */
void tlsbridge_close(struct tlsbridge *b);

#endif
