/* ctlclient.h — the client side of envmond's control socket (control.h), shared by
 * envmonctl, check_envmon and envmon-report: where the socket is, one request, one answer. */
#ifndef CTLCLIENT_H
#define CTLCLIENT_H

struct json_object;

enum ctlclient_error {
	CTLCLIENT_OK,
	CTLCLIENT_PATH,        /* the socket path is too long */
	CTLCLIENT_CONNECT,     /* socket or connect failed: errno tells why */
	CTLCLIENT_ANSWER,      /* no answer, too large, too late, or not JSON */
};

/* paths.control_socket of the configuration file (relative to its directory), read with
 * libconfig alone so that a file the daemon would refuse still gives it; the default
 * socket if it gives none. Never NULL; free it. */
char *ctlclient_socket_from_config(const char *file, const char *default_path);

/* Sends req and returns the daemon's answer, or NULL with *err set (and errno for
 * CTLCLIENT_CONNECT). Waits at most timeout_ms for each read. */
struct json_object *ctlclient_ask(const char *path, struct json_object *req, int timeout_ms,
	enum ctlclient_error *err);

#endif
