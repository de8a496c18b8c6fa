/* test_control.c — the control socket on the real event loop (virtual time) with real
 * UNIX sockets: requests and errors, bounded buffers, a client that never reads does not
 * block another, idle clients are dropped; and the durable silences behind
 * `envmonctl silence`. */
#include <config.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "clock.h"
#include "control.h"
#include "sched.h"
#include "silence.h"
#include "xmem.h"

static char dir[] = "/tmp/test_control.XXXXXX";
static char *sock_path;
static size_t big_len;             /* size of the "big" section's string */

static struct json_object *section_small(void *arg)
{
	return json_object_new_string(arg);
}

static struct json_object *section_big(void *arg)
{
	char *s = xmalloc(big_len + 1);
	struct json_object *o;

	memset(s, 'x', big_len);
	s[big_len] = '\0';
	o = json_object_new_string(s);
	free(s);
	return o;
}

static int64_t stop_timer(void *arg, int64_t now_ms)
{
	return SCHED_STOP;
}

static int cmd_fail(void *arg, struct json_object *req, struct json_object *resp)
{
	return control_error(resp, "refused on purpose");
}

static int client(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);

	strcpy(sa.sun_path, sock_path);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

static void say(int fd, const char *line)
{
	assert_int_equal(write(fd, line, strlen(line)), (ssize_t)strlen(line));
}

/* Turns the loop until fd has a whole line (or the peer closed); returns it parsed.
 * Bytes after the line are kept for the next call (one client at a time). */
static struct json_object *answer(int fd)
{
	static char buf[1 << 16];
	static size_t len;
	struct json_object *o = NULL;
	char *nl;

	for (int turn = 0; turn < 2000 && !memchr(buf, '\n', len); turn++) {
		ssize_t n;

		sched_run_once(0);
		n = read(fd, buf + len, sizeof(buf) - 1 - len);
		if (n > 0)
			len += (size_t)n;
		if (n == 0)
			break;
	}
	nl = memchr(buf, '\n', len);
	if (nl) {
		*nl = '\0';
		o = json_tokener_parse(buf);
		len -= (size_t)(nl + 1 - buf);
		memmove(buf, nl + 1, len);
	}
	return o;
}

static bool is_ok(struct json_object *resp)
{
	struct json_object *ok;

	return resp && json_object_object_get_ex(resp, "ok", &ok) && json_object_get_boolean(ok);
}

static const char *error_of(struct json_object *resp)
{
	struct json_object *e;

	return json_object_object_get_ex(resp, "error", &e) ? json_object_get_string(e) : "";
}

static int setup(void **state)
{
	if (!mkdtemp(dir))
		return -1;
	sock_path = xasprintf("%s/envmond.sock", dir);
	clock_virtual_start(1767225600.0);
	return sched_init();
}

static int teardown(void **state)
{
	char *cmd = xasprintf("rm -rf '%s'", dir);
	int rc = system(cmd);

	sched_fini();
	clock_virtual_stop();
	free(cmd);
	free(sock_path);
	return rc == 0 ? 0 : -1;
}

static void test_requests(void **state)
{
	struct control *c = control_open(sock_path);
	struct json_object *r, *st, *v;
	struct stat sb;
	int fd;

	assert_non_null(c);
	assert_int_equal(stat(sock_path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0660);
	control_add_section(c, "first", section_small, "one");
	control_add_section(c, "second", section_small, "two");
	control_add_command(c, "fail", cmd_fail, NULL);
	fd = client();
	/* Two requests in one write: answered in order, one line each. */
	say(fd, "{\"command\":\"status\"}\n{\"command\":\"nope\"}\n");
	r = answer(fd);
	assert_true(is_ok(r));
	assert_true(json_object_object_get_ex(r, "status", &st));
	assert_true(json_object_object_get_ex(st, "second", &v));
	assert_string_equal(json_object_get_string(v), "two");
	json_object_put(r);
	r = answer(fd);
	assert_false(is_ok(r));
	assert_non_null(strstr(error_of(r), "unknown command"));
	json_object_put(r);
	say(fd, "not json\n");
	r = answer(fd);
	assert_false(is_ok(r));
	json_object_put(r);
	say(fd, "{\"command\":\"fail\"}\n");
	r = answer(fd);
	assert_string_equal(error_of(r), "refused on purpose");
	json_object_put(r);
	close(fd);
	control_close(c);
	assert_int_equal(access(sock_path, F_OK), -1);
}

static void test_long_request(void **state)
{
	struct control *c = control_open(sock_path);
	char *line = xmalloc(CONTROL_MAX_REQUEST + 100);
	struct json_object *r;
	int fd = client();
	ssize_t n;
	char b;

	memset(line, ' ', CONTROL_MAX_REQUEST + 99);
	line[CONTROL_MAX_REQUEST + 99] = '\0';
	say(fd, line);
	r = answer(fd);
	assert_string_equal(error_of(r), "request too long");
	json_object_put(r);
	/* ... and the connection is closed. */
	for (int i = 0; i < 10; i++)
		sched_run_once(0);
	/* Closed with unread input: a reset rather than an end of file. */
	n = read(fd, &b, 1);
	assert_true(n == 0 || (n < 0 && errno == ECONNRESET));
	close(fd);
	free(line);
	control_close(c);
}

/* A client that asks for a large status and never reads it stays stuck in its own
 * buffer; another client is served meanwhile; the stuck one is dropped when idle. */
static void test_slow_client(void **state)
{
	struct control *c = control_open(sock_path);
	unsigned fds_before;
	struct json_object *r;
	int slow, quick, rcvbuf = 4096;

	big_len = 2u << 20;
	control_add_section(c, "big", section_big, NULL);
	slow = client();
	setsockopt(slow, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	say(slow, "{\"command\":\"status\"}\n");
	for (int i = 0; i < 20; i++)
		sched_run_once(0);
	fds_before = sched_fd_count();
	quick = client();
	say(quick, "{\"command\":\"unknown\"}\n");
	r = answer(quick);
	assert_non_null(r);
	assert_false(is_ok(r));
	json_object_put(r);
	close(quick);
	for (int i = 0; i < 5; i++)
		sched_run_once(0);
	assert_int_equal(sched_fd_count(), fds_before);
	/* Ten idle seconds later (virtual), the stuck client is gone. (The end timer keeps
	 * virtual time moving once the idle timer is gone.) */
	sched_add_timer(CONTROL_IDLE_MS + 1, stop_timer, NULL);
	sched_run_until(clock_mono_ms() + CONTROL_IDLE_MS + 1);
	assert_int_equal(sched_fd_count(), fds_before - 1);
	close(slow);
	control_close(c);
}

static void test_silences(void **state)
{
	double now = clock_wall();
	struct silences *s = silence_open(dir);
	struct silence_window w;

	assert_false(silence_active(s, NULL, "ups1", now, NULL));
	assert_int_equal(silence_add(s, "ups1", now, now + 3600, "battery replacement"), 0);
	assert_int_equal(silence_add(s, "srv-comci", now, now + 60, "move"), 0);
	silence_close(s);
	/* Durable: a restart finds them. */
	s = silence_open(dir);
	assert_true(silence_active(s, NULL, "ups1", now + 10, &w));
	assert_string_equal(w.reason, "battery replacement");
	assert_false(w.from_config);
	assert_true(silence_active(s, NULL, "srv-comci", now + 10, NULL));
	assert_false(silence_active(s, NULL, "srv-comci", now + 61, NULL));
	assert_int_equal(silence_remove(s, "ups1"), 1);
	assert_int_equal(silence_remove(s, "ups1"), 0);
	silence_close(s);
	s = silence_open(dir);
	assert_false(silence_active(s, NULL, "ups1", now + 10, NULL));
	silence_close(s);
}

static void test_damaged_silences(void **state)
{
	char *file = xasprintf("%s/silences.json", dir), *bad = xasprintf("%s.bad", file);
	FILE *f = fopen(file, "w");
	struct silences *s;

	fputs("{ \"silences\": [ trunc", f);
	fclose(f);
	s = silence_open(dir);
	assert_non_null(s);
	assert_int_equal(access(bad, F_OK), 0);
	assert_int_equal(silence_add(s, "ups1", 0, clock_wall() + 60, "x"), 0);
	silence_close(s);
	free(file);
	free(bad);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_requests),
		cmocka_unit_test(test_long_request),
		cmocka_unit_test(test_slow_client),
		cmocka_unit_test(test_silences),
		cmocka_unit_test(test_damaged_silences),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
