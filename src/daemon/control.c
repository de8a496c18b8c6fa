/* control.c — the control socket: non-blocking accept, read a line, answer, on the loop.
 * Every buffer is bounded and a client is served one request at a time, so a slow or
 * hostile client costs at most one buffer and is dropped after CONTROL_IDLE_MS. */
#include <config.h>

#include <errno.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "control.h"
#include "log.h"
#include "sched.h"
#include "xmem.h"

struct section {
	const char *name;
	control_section_fn fn;
	void *arg;
};

struct command {
	const char *name;
	control_command_fn fn;
	void *arg;
};

struct client {
	struct control *owner;
	int fd;
	char in[CONTROL_MAX_REQUEST];
	size_t in_len;
	char *out;                 /* response being written, NULL when none */
	size_t out_len, out_off;
	bool closing;              /* close once out is written */
	struct sched_timer *idle;
	struct ucred peer;         /* who connected (SO_PEERCRED); pid 0 if unknown */
};

struct control {
	char *path;
	int fd;
	struct section *sections;
	size_t n_sections, cap_sections;
	struct command *commands;
	size_t n_commands, cap_commands;
	struct client *clients[CONTROL_MAX_CLIENTS];
	struct log_complaint full;   /* connections refused: logged once, then at growing intervals */
	struct log_complaint accept_failing;
};

static void client_free(struct client *cl)
{
	struct control *c = cl->owner;

	for (size_t i = 0; i < CONTROL_MAX_CLIENTS; i++)
		if (c->clients[i] == cl)
			c->clients[i] = NULL;
	sched_del_fd(cl->fd);
	sched_del_timer(cl->idle);
	close(cl->fd);
	free(cl->out);
	free(cl);
}

int control_error(struct json_object *resp, const char *msg)
{
	json_object_object_add(resp, "ok", json_object_new_boolean(0));
	json_object_object_add(resp, "error", json_object_new_string(msg));
	return -1;
}

struct json_object *control_status(struct control *c)
{
	struct json_object *st = json_object_new_object();

	for (size_t i = 0; i < c->n_sections; i++) {
		struct json_object *v = c->sections[i].fn(c->sections[i].arg);

		json_object_object_add(st, c->sections[i].name, v);
	}
	return st;
}

static const struct command *find_command(const struct control *c, const char *name)
{
	for (size_t i = 0; i < c->n_commands; i++)
		if (strcmp(c->commands[i].name, name) == 0)
			return &c->commands[i];
	return NULL;
}

/* The kernel's word on who sent req, in place of anything the client wrote there. */
static void add_peer(struct json_object *req, const struct ucred *peer)
{
	json_object_object_del(req, "peer_uid");
	json_object_object_del(req, "peer_pid");
	if (peer->pid == 0)
		return;
	json_object_object_add(req, "peer_uid", json_object_new_int64((int64_t)peer->uid));
	json_object_object_add(req, "peer_pid", json_object_new_int64((int64_t)peer->pid));
}

/* Runs one request line; returns the response object. */
static struct json_object *dispatch(struct control *c, const struct ucred *peer, const char *line)
{
	struct json_object *req = json_tokener_parse(line), *resp = json_object_new_object(), *v;
	const struct command *cmd;
	const char *name;

	if (!req || !json_object_is_type(req, json_type_object) ||
	    !json_object_object_get_ex(req, "command", &v) || !json_object_is_type(v, json_type_string)) {
		control_error(resp, "a request is one JSON object with a \"command\" string");
	} else if (strcmp((name = json_object_get_string(v)), "status") == 0) {
		json_object_object_add(resp, "ok", json_object_new_boolean(1));
		json_object_object_add(resp, "status", control_status(c));
	} else if (!(cmd = find_command(c, name))) {
		control_error(resp, "unknown command, or not available in this build");
	} else {
		int rc;

		add_peer(req, peer);
		rc = cmd->fn(cmd->arg, req, resp);

		if (!json_object_object_get_ex(resp, "ok", NULL))
			json_object_object_add(resp, "ok", json_object_new_boolean(rc == 0));
	}
	json_object_put(req);
	return resp;
}

static void set_response(struct client *cl, struct json_object *resp)
{
	const char *s = json_object_to_json_string_ext(resp, JSON_C_TO_STRING_PLAIN);
	size_t len = strlen(s);

	if (len + 1 > CONTROL_MAX_RESPONSE) {
		log_warn("control: response of %zu bytes is over the limit", len);
		s = "{\"ok\":false,\"error\":\"response too large\"}";
		len = strlen(s);
	}
	cl->out = xmalloc(len + 1);
	memcpy(cl->out, s, len);
	cl->out[len] = '\n';
	cl->out_len = len + 1;
	cl->out_off = 0;
	json_object_put(resp);
}

/* Takes the first complete line out of the input buffer and answers it. */
static bool serve_line(struct client *cl)
{
	char *nl = memchr(cl->in, '\n', cl->in_len);
	size_t used;

	if (!nl) {
		if (cl->in_len == sizeof(cl->in)) {
			struct json_object *resp = json_object_new_object();

			control_error(resp, "request too long");
			set_response(cl, resp);
			cl->closing = true;
			return true;
		}
		return false;
	}
	*nl = '\0';
	used = (size_t)(nl - cl->in) + 1;
	set_response(cl, dispatch(cl->owner, &cl->peer, cl->in));
	memmove(cl->in, cl->in + used, cl->in_len - used);
	cl->in_len -= used;
	return true;
}

static void update_events(struct client *cl)
{
	sched_set_fd_events(cl->fd, cl->out ? SCHED_WRITE : SCHED_READ);
	sched_reschedule(cl->idle, CONTROL_IDLE_MS);
}

/* Returns false when the client is gone. */
static bool client_write(struct client *cl)
{
	while (cl->out_off < cl->out_len) {
		ssize_t n = send(cl->fd, cl->out + cl->out_off, cl->out_len - cl->out_off, MSG_NOSIGNAL);

		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return true;
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			client_free(cl);
			return false;
		}
		cl->out_off += (size_t)n;
	}
	free(cl->out);
	cl->out = NULL;
	if (cl->closing) {
		client_free(cl);
		return false;
	}
	return true;
}

/* Returns false when the client is gone. */
static bool client_read(struct client *cl)
{
	ssize_t n = recv(cl->fd, cl->in + cl->in_len, sizeof(cl->in) - cl->in_len, 0);

	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return true;
	if (n <= 0) {
		client_free(cl);
		return false;
	}
	cl->in_len += (size_t)n;
	return true;
}

static void on_client(void *arg, int fd, unsigned events)
{
	struct client *cl = arg;

	if (cl->out) {
		if (!client_write(cl))
			return;
	} else if (events & SCHED_READ) {
		if (!client_read(cl))
			return;
	}
	/* Answer buffered requests one at a time, each once the previous one is written. */
	while (!cl->out && serve_line(cl))
		if (!client_write(cl))
			return;
	update_events(cl);
}

static int64_t on_idle(void *arg, int64_t now_ms)
{
	struct client *cl = arg;

	log_debug("control: client idle for %d ms, disconnected", CONTROL_IDLE_MS);
	cl->idle = NULL;   /* the timer stops itself */
	client_free(cl);
	return SCHED_STOP;
}

static void peer_of(int fd, struct ucred *peer)
{
	socklen_t len = sizeof(*peer);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, peer, &len) < 0 || len != sizeof(*peer))
		memset(peer, 0, sizeof(*peer));
}

static void add_client(struct control *c, int fd)
{
	for (size_t i = 0; i < CONTROL_MAX_CLIENTS; i++) {
		struct client *cl;

		if (c->clients[i])
			continue;
		cl = xcalloc(1, sizeof(*cl));
		cl->owner = c;
		cl->fd = fd;
		peer_of(fd, &cl->peer);
		c->clients[i] = cl;
		sched_add_fd(fd, SCHED_READ, on_client, cl);
		cl->idle = sched_add_timer(CONTROL_IDLE_MS, on_idle, cl);
		return;
	}
	log_complain(&c->full, LOG_WARNING, "control: too many clients (%d), connection refused",
		CONTROL_MAX_CLIENTS);
	close(fd);
}

static void on_accept(void *arg, int fd, unsigned events)
{
	struct control *c = arg;

	for (;;) {
		int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (cfd < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
				log_complain(&c->accept_failing, LOG_WARNING, "control: accept: %s", strerror(errno));
			return;
		}
		add_client(c, cfd);
	}
}

/* A socket file left by a daemon that died is removed; anything else at path is not. */
static int remove_stale(const char *path)
{
	struct stat st;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISSOCK(st.st_mode)) {
		log_err("control: %s exists and is not a socket", path);
		return -1;
	}
	return unlink(path);
}

static int listen_on(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;
	mode_t old_mask;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		log_err("control: socket path %s is too long", path);
		return -1;
	}
	strcpy(sa.sun_path, path);
	if (remove_stale(path) < 0)
		return -1;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	old_mask = umask(0117);    /* created 0660 from the start: no window at a wider mode */
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 16) < 0) {
		umask(old_mask);
		log_err("control: cannot listen on %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	umask(old_mask);
	return fd;
}

struct control *control_open(const char *path)
{
	int fd = listen_on(path);
	struct control *c;

	if (fd < 0)
		return NULL;
	c = xcalloc(1, sizeof(*c));
	c->path = xstrdup(path);
	c->fd = fd;
	sched_add_fd(fd, SCHED_READ, on_accept, c);
	log_info("control socket listening on %s", path);
	return c;
}

void control_close(struct control *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < CONTROL_MAX_CLIENTS; i++)
		if (c->clients[i])
			client_free(c->clients[i]);
	sched_del_fd(c->fd);
	close(c->fd);
	unlink(c->path);
	free(c->path);
	free(c->sections);
	free(c->commands);
	free(c);
}

void control_add_section(struct control *c, const char *name, control_section_fn fn, void *arg)
{
	c->sections = xgrow(c->sections, &c->cap_sections, c->n_sections + 1, sizeof(*c->sections));
	c->sections[c->n_sections++] = (struct section){ name, fn, arg };
}

void control_add_command(struct control *c, const char *command, control_command_fn fn, void *arg)
{
	c->commands = xgrow(c->commands, &c->cap_commands, c->n_commands + 1, sizeof(*c->commands));
	c->commands[c->n_commands++] = (struct command){ command, fn, arg };
}
