/* ctlclient.c — one JSON line to envmond's control socket, one line back, bounded in
 * size and time. */
#include <config.h>

#include <errno.h>
#include <json-c/json.h>
#include <libconfig.h>
#include <libgen.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctlclient.h"
#include "xmem.h"

#define MAX_RESPONSE (8u << 20)

char *ctlclient_socket_from_config(const char *file, const char *default_path)
{
	config_t cf;
	const char *path = NULL;
	char *result = NULL;

	config_init(&cf);
	if (config_read_file(&cf, file) == CONFIG_TRUE &&
	    config_lookup_string(&cf, "paths.control_socket", &path) == CONFIG_TRUE && path[0]) {
		if (path[0] == '/') {
			result = xstrdup(path);
		} else {
			char *copy = xstrdup(file);

			result = xasprintf("%s/%s", dirname(copy), path);
			free(copy);
		}
	}
	config_destroy(&cf);
	return result ? result : xstrdup(default_path);
}

static int connect_to(const char *path, enum ctlclient_error *err)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, saved;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		*err = CTLCLIENT_PATH;
		return -1;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		saved = errno;
		if (fd >= 0)
			close(fd);
		errno = saved;
		*err = CTLCLIENT_CONNECT;
		return -1;
	}
	return fd;
}

static int send_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Reads one line (the response), bounded in size and time. */
static char *read_line(int fd, int timeout_ms)
{
	size_t len = 0, cap = 0;
	char *buf = NULL;

	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (poll(&pfd, 1, timeout_ms) <= 0 || len >= MAX_RESPONSE)
			break;
		buf = xgrow(buf, &cap, len + 65536, 1);
		n = recv(fd, buf + len, cap - len - 1, 0);
		if (n <= 0)
			break;
		len += (size_t)n;
		if (memchr(buf + len - n, '\n', (size_t)n)) {
			buf[len] = '\0';
			return buf;
		}
	}
	free(buf);
	return NULL;
}

struct json_object *ctlclient_ask(const char *path, struct json_object *req, int timeout_ms,
	enum ctlclient_error *err)
{
	const char *text = json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN);
	struct json_object *resp = NULL;
	int fd = connect_to(path, err);
	char *line;

	if (fd < 0)
		return NULL;
	if (send_all(fd, text, strlen(text)) == 0 && send_all(fd, "\n", 1) == 0 &&
	    (line = read_line(fd, timeout_ms))) {
		resp = json_tokener_parse(line);
		free(line);
	}
	close(fd);
	*err = resp ? CTLCLIENT_OK : CTLCLIENT_ANSWER;
	return resp;
}
