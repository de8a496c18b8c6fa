/* ctlclient.h — the client side of envmond's control socket: one JSON request line, one
 * JSON answer line, bounded in size and time. Shared by envmonctl and envmon-report. */
#ifndef CTLCLIENT_H
#define CTLCLIENT_H

struct json_object;

/* A connection to the control socket at path: a descriptor, or -1 with errno set
 * (ENAMETOOLONG for a path that does not fit a socket address). */
int ctlclient_connect(const char *path);

/* Sends req on fd and reads the answer, waiting at most timeout_ms between two reads.
 * The answer (json_object_put it), or NULL if none came or it is not JSON. */
struct json_object *ctlclient_ask(int fd, struct json_object *req, int timeout_ms);

#endif
