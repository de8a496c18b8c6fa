/* nutdrv.c — the NUT driver (see nutdrv.h): the jobs its worker threads (jobthread.c) run,
 * their hand-over to the loop and --discover; the variable mapping is in nutmap.c.
 *
 * Threads: the loop thread owns the handles, their logging state and every callback.
 * Each device has a worker thread that owns its libupsclient connection and runs one
 * job at a time: connect if needed (upscli_tryconnect, bounded by the device's
 * timeout), LIST VAR, and back through the driver's pipe. A dead upsd thus holds up
 * its own device only. libupsclient reads with a timeout in whole seconds
 * (upscli_readline_timeout): a device timeout is rounded up to the second.
 * No SSL: upsd is usually on the same host or LAN, and LIST VAR needs no password; a
 * site that gives one should keep upsd on loopback (its password travels in clear, as
 * upsmon's does without CERTVERIFY). */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/time.h>
#include <sys/types.h>
#include <unistd.h>

#include <upsclient.h>

#include "clock.h"
#include "envmon.h"
#include "jobthread.h"
#include "log.h"
#include "nutdrv.h"
#include "nutmap.h"
#include "sched.h"
#include "xmem.h"

enum nut_outcome {
	NJ_DATA,        /* LIST VAR answered */
	NJ_UPS_LOST,    /* upsd answered, but has no data for the UPS (stale, driver gone) */
	NJ_LINK_DOWN,   /* no upsd: refused, timed out, read or write failure, disconnect */
	NJ_CONFIG,      /* upsd refuses us: unknown UPS, access denied, bad login */
};

/* What the worker needs, copied from the configuration, which a reload frees. */
struct nut_target {
	char *host, *ups, *user, *password;
	unsigned port;
};

struct nut_job {
	struct drv_device *h;        /* handed back untouched */
	unsigned timeout_ms;
	enum nut_outcome outcome;
	struct nut_vars vars;
	char why[300];
	bool connected;              /* the connection was (re)opened for this job */
};

struct drv_device {
	struct drv_device *next;     /* every live handle, closed ones with a job out too */
	const struct cfg_device *dev;
	poll_cb cb;
	void *arg;
	char *label;                 /* "ups@host:port", for logs */
	struct nut_target tg;        /* worker's */
	struct jobthread *thread;    /* runs the jobs; NULL once joined */
	bool in_flight, closed;      /* loop thread */
	UPSCONN_t conn;              /* worker thread */
	bool connected;              /* worker thread */
	struct log_complaint link;   /* loop thread: upsd unreachable */
	struct log_complaint refused;/* loop thread: a configuration error */
};

static struct {
	unsigned users;
	int pipe[2];
	struct drv_device *all;
} nut = { 0, { -1, -1 }, NULL };

/* ================================================================ worker thread */

static void fail(struct nut_job *j, enum nut_outcome o, const char *fmt, ...) ATTR_PRINTF(3, 4);
static void fail(struct nut_job *j, enum nut_outcome o, const char *fmt, ...)
{
	va_list ap;

	j->outcome = o;
	va_start(ap, fmt);
	vsnprintf(j->why, sizeof(j->why), fmt, ap);
	va_end(ap);
}

static time_t timeout_s(const struct nut_job *j)
{
	return (time_t)((j->timeout_ms + 999) / 1000);
}

static void drop_link(struct drv_device *h)
{
	if (h->connected)
		upscli_disconnect(&h->conn);
	h->connected = false;
}

/* libupsclient waits with select(): a descriptor past FD_SETSIZE would overflow its
 * fd_set (glibc's fortified FD_SET aborts the process). envmond raises its descriptor
 * limit for large SNMP sites, so check the lowest free descriptor — the one socket()
 * will get, give or take another thread's open — before connecting, and the socket
 * itself after. */
static bool fd_room(void)
{
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return false;
	close(fd);
	return fd < FD_SETSIZE - 1;
}

static int send_line(struct drv_device *h, struct nut_job *j, const char *line)
{
	if (upscli_sendline_timeout(&h->conn, line, strlen(line), timeout_s(j)) == 0)
		return 0;
	fail(j, NJ_LINK_DOWN, "upsd %s:%u: cannot send (%s)", h->tg.host, h->tg.port, upscli_strerror(&h->conn));
	h->connected = false;
	return -1;
}

static int read_line(struct drv_device *h, struct nut_job *j, char *buf, size_t size)
{
	if (upscli_readline_timeout(&h->conn, buf, size, timeout_s(j)) == 0) {
		buf[strcspn(buf, "\r\n")] = '\0';
		return 0;
	}
	fail(j, NJ_LINK_DOWN, "upsd %s:%u: no answer within %u ms or connection lost (%s)", h->tg.host,
		h->tg.port, j->timeout_ms, upscli_strerror(&h->conn));
	h->connected = false;
	return -1;
}

/* Text from the network, for a log line: printable ASCII only. */
static void safe_copy(char *dst, size_t size, const char *src)
{
	size_t n = 0;

	for (; *src && n + 1 < size; src++)
		dst[n++] = (unsigned char)*src >= 0x20 && (unsigned char)*src < 0x7f ? *src : '?';
	dst[n] = '\0';
}

/* An "ERR ..." line from upsd (network-protocol.txt), sorted by what it means here. */
static void upsd_error(struct drv_device *h, struct nut_job *j, const char *line)
{
	const char *code = line + 4;
	char safe[64];

	safe_copy(safe, sizeof(safe), code);
	if (strncmp(code, "DATA-STALE", 10) == 0)
		fail(j, NJ_UPS_LOST, "upsd %s:%u: UPS %s: data stale (its NUT driver gets no answer from the UPS)",
			h->tg.host, h->tg.port, h->tg.ups);
	else if (strncmp(code, "DRIVER-NOT-CONNECTED", 20) == 0)
		fail(j, NJ_UPS_LOST, "upsd %s:%u: UPS %s: its NUT driver is not running", h->tg.host, h->tg.port,
			h->tg.ups);
	else if (strncmp(code, "UNKNOWN-UPS", 11) == 0)
		fail(j, NJ_CONFIG, "upsd %s:%u serves no UPS called \"%s\" (check 'ups' against ups.conf, or run "
			"envmond --discover)", h->tg.host, h->tg.port, h->tg.ups);
	else if (strncmp(code, "ACCESS-DENIED", 13) == 0 || strncmp(code, "INVALID-", 8) == 0 ||
		 strncmp(code, "PASSWORD-", 9) == 0 || strncmp(code, "USERNAME-", 9) == 0)
		fail(j, NJ_CONFIG, "upsd %s:%u refuses envmond: %s (check 'user' and the password against "
			"upsd.users, and LISTEN/access in upsd.conf)", h->tg.host, h->tg.port, safe);
	else
		fail(j, NJ_UPS_LOST, "upsd %s:%u: UPS %s: %s", h->tg.host, h->tg.port, h->tg.ups, safe);
}

/* One command answered by "OK ..." (USERNAME, PASSWORD). */
static int command_ok(struct drv_device *h, struct nut_job *j, const char *cmd, const char *arg)
{
	char line[UPSCLI_NETBUF_LEN];

	snprintf(line, sizeof(line), "%s %s\n", cmd, arg);
	if (send_line(h, j, line) < 0 || read_line(h, j, line, sizeof(line)) < 0)
		return -1;
	if (strncmp(line, "OK", 2) == 0)
		return 0;
	if (strncmp(line, "ERR ", 4) == 0)
		upsd_error(h, j, line);
	else
		fail(j, NJ_LINK_DOWN, "upsd %s:%u: unexpected answer to %s", h->tg.host, h->tg.port, cmd);
	return -1;
}

static int connect_upsd(struct drv_device *h, struct nut_job *j)
{
	struct timeval tv = { (time_t)(j->timeout_ms / 1000), (suseconds_t)(j->timeout_ms % 1000) * 1000 };

	if (!fd_room()) {
		fail(j, NJ_LINK_DOWN, "upsd %s:%u: no descriptor below %d left for libupsclient, which cannot "
			"use more (select()); lower the number of devices or poll NUT from another host",
			h->tg.host, h->tg.port, FD_SETSIZE);
		return -1;
	}
	if (upscli_tryconnect(&h->conn, h->tg.host, (uint16_t)h->tg.port, 0, &tv) < 0) {
		fail(j, NJ_LINK_DOWN, "upsd %s:%u: %s", h->tg.host, h->tg.port, upscli_strerror(&h->conn));
		upscli_disconnect(&h->conn);
		return -1;
	}
	h->connected = true;
	j->connected = true;
	if (upscli_fd(&h->conn) >= FD_SETSIZE) {
		fail(j, NJ_LINK_DOWN, "upsd %s:%u: socket descriptor %d is past FD_SETSIZE (%d), which "
			"libupsclient cannot use", h->tg.host, h->tg.port, upscli_fd(&h->conn), FD_SETSIZE);
		drop_link(h);
		return -1;
	}
	if (h->tg.user && (command_ok(h, j, "USERNAME", h->tg.user) < 0 ||
	    (h->tg.password && command_ok(h, j, "PASSWORD", h->tg.password) < 0))) {
		drop_link(h);
		return -1;
	}
	return 0;
}

/* LIST VAR <ups>: every variable in one round trip. */
static void list_vars(struct drv_device *h, struct nut_job *j)
{
	char line[UPSCLI_NETBUF_LEN], end[UPSCLI_NETBUF_LEN];

	snprintf(line, sizeof(line), "LIST VAR %s\n", h->tg.ups);
	snprintf(end, sizeof(end), "END LIST VAR %s", h->tg.ups);
	if (send_line(h, j, line) < 0 || read_line(h, j, line, sizeof(line)) < 0)
		return;
	if (strncmp(line, "ERR ", 4) == 0) {
		upsd_error(h, j, line);
		return;
	}
	if (strncmp(line, "BEGIN LIST VAR ", 15) != 0) {
		fail(j, NJ_LINK_DOWN, "upsd %s:%u: unexpected answer to LIST VAR", h->tg.host, h->tg.port);
		drop_link(h);
		return;
	}
	while (read_line(h, j, line, sizeof(line)) == 0) {
		char *name, *value;

		if (strcmp(line, end) == 0) {
			j->outcome = NJ_DATA;
			return;
		}
		if (nutmap_parse_var_line(line, &name, &value))
			nutmap_vars_add(&j->vars, name, value);
	}
	nutmap_vars_free(&j->vars);
}

static void run_job(struct drv_device *h, struct nut_job *j)
{
	if (!h->connected && connect_upsd(h, j) < 0)
		return;
	list_vars(h, j);
	if (j->outcome == NJ_LINK_DOWN)
		drop_link(h);
}

/* jobthread's callback, on the worker thread. */
static void worker_run(void *arg, void *job)
{
	run_job(arg, job);
}

/* ================================================================ loop thread */

static void target_free(struct nut_target *t)
{
	free(t->host);
	free(t->ups);
	free(t->user);
	if (t->password)
		explicit_bzero(t->password, strlen(t->password));
	free(t->password);
}

static void handle_free(struct drv_device *h)
{
	for (struct drv_device **p = &nut.all; *p; p = &(*p)->next) {
		if (*p == h) {
			*p = h->next;
			break;
		}
	}
	target_free(&h->tg);
	free(h->label);
	free(h);
}

/* The worker is idle or about to be (its job is back): this returns at once. Its
 * connection is closed here, on the loop thread, once the thread is gone. A job
 * queued but never taken is freed. */
static void worker_join(struct drv_device *h)
{
	if (!h->thread)
		return;
	free(jobthread_join(h->thread));
	h->thread = NULL;
	drop_link(h);
}

static void report_link(struct drv_device *h, const struct nut_job *j)
{
	const char *name = h->dev->name;

	if (j->outcome == NJ_CONFIG) {
		log_complain(&h->refused, LOG_ERR, "%s: %s", name, j->why);
		return;
	}
	log_release(&h->refused, LOG_NOTICE, "%s: upsd %s accepts envmond again", name, h->label);
	if (j->outcome == NJ_LINK_DOWN) {
		log_complain(&h->link, LOG_WARNING, "%s: %s; reconnecting at the next poll", name, j->why);
		return;
	}
	if (j->connected)
		log_debug("%s: connected to upsd %s", name, h->label);
	log_release(&h->link, LOG_NOTICE, "%s: upsd %s reachable again", name, h->label);
}

static void deliver(struct drv_device *h, const struct nut_job *j)
{
	const struct profile *prof = h->dev->profile;
	struct reading *rd = xcalloc(prof->n_metrics + 1, sizeof(*rd));
	struct poll_result res = { .dev = h->dev, .time = clock_wall(), .answered = j->outcome == NJ_DATA,
		.readings = rd, .n_readings = prof->n_metrics };

	for (size_t i = 0; i < prof->n_metrics; i++)
		nutmap_decode(&prof->metrics[i], &j->vars, res.time, &rd[i]);
	res.error = res.answered ? NULL : j->why;
	h->cb(h->arg, &res);
	free(rd);
}

static void job_finish(struct nut_job *j, bool deliver_it)
{
	struct drv_device *h = j->h;

	h->in_flight = false;
	if (h->closed) {
		worker_join(h);
		handle_free(h);
	} else {
		report_link(h, j);
		if (deliver_it)
			deliver(h, j);   /* the callback may close or poll h again */
	}
	nutmap_vars_free(&j->vars);
	free(j);
}

static void on_pipe(void *arg, int fd, unsigned events)
{
	struct nut_job *jobs[32];
	ssize_t n = read(fd, jobs, sizeof(jobs));

	(void)arg;
	(void)events;
	for (ssize_t i = 0; i < n / (ssize_t)sizeof(jobs[0]); i++)
		job_finish(jobs[i], true);
}

/* ================================================================ driver_ops */

static int nut_init(void)
{
	if (nut.users++ > 0)
		return 0;
	if (pipe2(nut.pipe, O_CLOEXEC) < 0 || fcntl(nut.pipe[0], F_SETFL, O_NONBLOCK) < 0 ||
	    sched_add_fd(nut.pipe[0], SCHED_READ, on_pipe, NULL) < 0) {
		log_err("NUT driver: cannot set up its pipe: %s", strerror(errno));
		if (nut.pipe[0] >= 0) {
			close(nut.pipe[0]);
			close(nut.pipe[1]);
		}
		nut.pipe[0] = nut.pipe[1] = -1;
		nut.users = 0;
		return -1;
	}
	return 0;
}

/* Every worker is told to stop first, so that their last calls (at most one device
 * timeout each) overlap; then joined, and the jobs still in the pipe retired. */
static void nut_fini(void)
{
	struct nut_job *j;

	if (nut.users == 0 || --nut.users > 0)
		return;
	for (struct drv_device *h = nut.all; h; h = h->next)
		if (h->thread)
			jobthread_stop(h->thread);
	for (struct drv_device *h = nut.all; h; h = h->next)
		worker_join(h);
	while (read(nut.pipe[0], &j, sizeof(j)) == (ssize_t)sizeof(j))
		job_finish(j, false);
	while (nut.all)
		handle_free(nut.all);
	sched_del_fd(nut.pipe[0]);
	close(nut.pipe[0]);
	close(nut.pipe[1]);
	nut.pipe[0] = nut.pipe[1] = -1;
}

static struct drv_device *nut_open(const struct cfg_device *dev, poll_cb cb, void *arg)
{
	const struct cfg_nut *n = &dev->nut;
	struct drv_device *h;
	int rc;

	if (nut.users == 0 || !dev->profile) {
		log_err("%s: the NUT driver is not started", dev->name);
		return NULL;
	}
	h = xcalloc(1, sizeof(*h));
	h->dev = dev;
	h->cb = cb;
	h->arg = arg;
	h->label = xasprintf("%s@%s:%u", n->ups, n->host, n->port);
	h->tg = (struct nut_target){ xstrdup(n->host), xstrdup(n->ups), n->user ? xstrdup(n->user) : NULL,
		n->password ? xstrdup(n->password) : NULL, n->port };
	h->next = nut.all;
	nut.all = h;
	h->thread = jobthread_start(worker_run, h, nut.pipe[1], &rc);
	if (!h->thread) {
		log_err("%s: cannot start a thread for upsd %s: %s", dev->name, h->label, strerror(rc));
		handle_free(h);
		return NULL;
	}
	log_debug("%s: NUT UPS %s", dev->name, h->label);
	return h;
}

static int nut_poll(struct drv_device *h)
{
	struct nut_job *j;

	if (h->in_flight || h->closed)
		return -1;
	j = xcalloc(1, sizeof(*j));
	j->h = h;
	j->timeout_ms = h->dev->timeout_ms;
	j->outcome = NJ_LINK_DOWN;
	snprintf(j->why, sizeof(j->why), "upsd %s: no answer", h->label);
	h->in_flight = true;
	jobthread_submit(h->thread, j);
	return 0;
}

static void nut_close(struct drv_device *h)
{
	if (!h)
		return;
	h->closed = true;
	if (h->in_flight)
		return;   /* joined and freed when its job comes back */
	worker_join(h);
	handle_free(h);
}

const struct driver_ops nut_driver = {
	.name = "nut",
	.init = nut_init,
	.fini = nut_fini,
	.open = nut_open,
	.poll = nut_poll,
	.close = nut_close,
};

/* ================================================================ --discover */

static int discover_list(UPSCONN_t *conn, const char *where, unsigned timeout_ms, FILE *out)
{
	char line[UPSCLI_NETBUF_LEN], safe_name[UPSCLI_NETBUF_LEN], safe_desc[UPSCLI_NETBUF_LEN];
	time_t wait_s = (time_t)((timeout_ms + 999) / 1000);
	unsigned n = 0;

	if (upscli_sendline_timeout(conn, "LIST UPS\n", 9, wait_s) != 0 ||
	    upscli_readline_timeout(conn, line, sizeof(line), wait_s) != 0) {
		fprintf(stderr, _("envmond: upsd %s: %s\n"), where, upscli_strerror(conn));
		return ENVMON_EX_FAIL;
	}
	while (upscli_readline_timeout(conn, line, sizeof(line), wait_s) == 0) {
		char *name, *desc;

		line[strcspn(line, "\r\n")] = '\0';
		if (strcmp(line, "END LIST UPS") == 0) {
			if (n == 0)
				fprintf(out, _("upsd %s serves no UPS\n"), where);
			return ENVMON_EX_OK;
		}
		if (!nutmap_parse_ups_line(line, &name, &desc))
			continue;
		safe_copy(safe_name, sizeof(safe_name), name);
		safe_copy(safe_desc, sizeof(safe_desc), desc);
		fprintf(out, "%s\t%s\n", safe_name, safe_desc);
		n++;
		free(name);
		free(desc);
	}
	fprintf(stderr, _("envmond: upsd %s: %s\n"), where, upscli_strerror(conn));
	return ENVMON_EX_FAIL;
}

int nutdrv_discover(const char *address, unsigned timeout_ms, FILE *out)
{
	struct timeval tv = { (time_t)(timeout_ms / 1000), (suseconds_t)(timeout_ms % 1000) * 1000 };
	char *copy = xstrdup(address), *colon = strrchr(copy, ':'), *where;
	unsigned long port = 3493;
	UPSCONN_t conn;
	int rc;

	if (colon) {
		char *end;

		*colon = '\0';
		port = strtoul(colon + 1, &end, 10);
		if (*end || port == 0 || port > 65535 || !copy[0]) {
			fprintf(stderr, _("envmond: --discover wants HOST or HOST:PORT, not '%s'\n"), address);
			free(copy);
			return ENVMON_EX_USAGE;
		}
	}
	where = xasprintf("%s:%lu", copy, port);
	if (!fd_room() || upscli_tryconnect(&conn, copy, (uint16_t)port, 0, &tv) < 0) {
		fprintf(stderr, _("envmond: upsd %s: %s\n"), where, fd_room() ? upscli_strerror(&conn) :
			"no descriptor below FD_SETSIZE");
		rc = ENVMON_EX_FAIL;
	} else {
		rc = discover_list(&conn, where, timeout_ms, out);
		upscli_disconnect(&conn);
	}
	free(where);
	free(copy);
	return rc;
}
