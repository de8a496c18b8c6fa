/* control.h — the control socket that envmonctl talks to: a UNIX stream socket on the
 * event loop, one JSON object per line each way. Modules plug in status sections and
 * commands as callbacks, so the control module depends on none of them.
 *
 * Protocol: request  {"command":"status"} | {"command":"reload"} | {"command":"silence",
 *   "target":T,"duration":SECONDS,"reason":R} | {"command":"unsilence","target":T} | ...
 * A command's req also holds "peer_uid" and "peer_pid", the client's credentials from
 * the kernel (SO_PEERCRED), replacing any the client sent; absent if unknown.
 * Response: {"ok":true, ...} or {"ok":false,"error":"why"}; "status" answers
 *   {"ok":true,"status":{"<section>":<what its provider returned>, ...}}. */
#ifndef CONTROL_H
#define CONTROL_H

#include <stddef.h>

struct json_object;
struct control;

/* Largest request line; a longer one is refused and the client disconnected. */
#define CONTROL_MAX_REQUEST 8192
/* Largest response; a status beyond it answers an error instead. */
#define CONTROL_MAX_RESPONSE (4u << 20)
#define CONTROL_MAX_CLIENTS 16
/* A client that neither sends nor reads for this long is disconnected. */
#define CONTROL_IDLE_MS 10000

/* A status section: returns a new JSON value (owned by the caller) for key `name`. */
typedef struct json_object *(*control_section_fn)(void *arg);
/* A command: reads its arguments from req, may add members to resp; returns 0, or -1
 * after setting "error" in resp (control_error). Runs on the loop thread. */
typedef int (*control_command_fn)(void *arg, struct json_object *req, struct json_object *resp);

/* Listens on path (mode 0660; its directory must exist), a stale socket removed.
 * NULL (logged) on failure. */
struct control *control_open(const char *path);
void control_close(struct control *c);

/* Sections appear in the order added. name and command are static strings. */
void control_add_section(struct control *c, const char *name, control_section_fn fn, void *arg);
void control_add_command(struct control *c, const char *command, control_command_fn fn, void *arg);

/* Sets {"ok":false,"error":msg} in resp; returns -1 for `return control_error(...)`. */
int control_error(struct json_object *resp, const char *msg);

/* The whole status object, as "status" answers it (also used by tests). */
struct json_object *control_status(struct control *c);

#endif
