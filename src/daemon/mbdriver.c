/* mbdriver.c — Modbus links, their worker threads, and the hand-back of results.
 *
 * Threads: the loop thread owns devices, links' logging state and every callback. A
 * worker per link owns that link's libmodbus context and runs jobs from its queue one
 * at a time (an RS-485 bus carries one request at a time; many gateways accept one
 * connection). A job goes out through the link's queue (mutex + condition) and comes
 * back as a pointer written to one pipe that the loop watches. The worker reads only
 * the job: its plan belongs to the device handle, which stays alive (closed or not)
 * until the job is back.
 * Over 600 lines: one concern, the link and its thread; the register plan and the
 * decoding are mbplan.c's and decode.c's. Splitting the queue from the link would
 * share the link's locking across two files. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <modbus.h>

#include "clock.h"
#include "decode.h"
#include "log.h"
#include "mbdecode.h"
#include "mbdriver.h"
#include "mbplan.h"
#include "sched.h"
#include "xmem.h"

/* How to open a link: copied from a device on it, so that the worker never reads
 * the configuration. */
struct mb_transport {
	bool rtu;
	char *host;
	unsigned port;
	char *serial;
	unsigned baud;
	char parity;
	unsigned data_bits, stop_bits;
	bool rs485;
	unsigned turnaround_ms;
};

struct mb_job;

struct mb_link {
	struct mb_link *next;
	char *name;                 /* "host:port" or the serial device, for logs */
	struct mb_transport tr;     /* worker thread while it runs; the loop's when stopped */
	char *settings_of;          /* the device whose settings the link uses (a copy: the
	                             * configuration it came from is freed on reload) */
	unsigned n_open;            /* devices open on the link (not closed) */
	unsigned n_handles;         /* device handles alive, closed ones with a job out included */
	bool retired;               /* off the list, worker joined: freed with its last handle */
	bool running;               /* thread started and not joined */
	pthread_t thread;
	pthread_mutex_t mu;         /* guards head, tail and stop */
	pthread_cond_t cv;
	struct mb_job *head, *tail;
	bool stop;
	modbus_t *ctx;              /* worker thread only */
	struct log_complaint down;  /* loop thread only */
	bool rs485_warned;          /* loop thread only */
};

/* One poll of one device: from the loop to the worker and back. */
struct mb_job {
	struct mb_job *next;
	struct drv_device *h;       /* handed back untouched: the worker never follows it */
	const struct mbplan *plan;
	unsigned unit, timeout_ms, retries;
	double *raw;                /* per plan item: the raw value read */
	int *err;                   /* per plan item: 0, or the libmodbus errno */
	bool answered;              /* the device itself answered at least once */
	int silent_err;             /* why it did not answer */
	int link_err;               /* the link failed (connect or I/O): reopened next poll */
	bool link_opened;           /* the link was (re)opened during this job */
	int rs485_err;              /* the port refused RS-485 mode */
};

struct drv_device {
	const struct cfg_device *dev;
	struct mb_link *link;
	poll_cb cb;
	void *arg;
	struct mbplan plan;
	bool in_flight, closed;
};

static struct {
	unsigned users;             /* init() calls not yet matched by fini() */
	int pipe[2];                /* workers write finished jobs, the loop reads them */
	struct mb_link *links;
} mb = { 0, { -1, -1 }, NULL };

/* ================================================================ worker thread */

enum outcome { OUT_DATA, OUT_EXCEPTION, OUT_SILENT };

static bool is_exception(int err)
{
	return err >= EMBXILFUN && err <= EMBXGTAR;
}

/* The gateway answers for a device behind it that did not: the device is silent. */
static bool is_gateway(int err)
{
	return err == EMBXGPATH || err == EMBXGTAR;
}

/* A timeout or a garbled frame concerns one request, not the link. */
static bool is_transient(int err)
{
	return err == ETIMEDOUT || (err >= EMBBADCRC && err <= EMBBADSLAVE);
}

static bool link_stopping(struct mb_link *l)
{
	bool stop;

	pthread_mutex_lock(&l->mu);
	stop = l->stop;
	pthread_mutex_unlock(&l->mu);
	return stop;
}

static void link_close(struct mb_link *l)
{
	if (!l->ctx)
		return;
	modbus_close(l->ctx);
	modbus_free(l->ctx);
	l->ctx = NULL;
}

static void set_timeout(modbus_t *ctx, unsigned timeout_ms)
{
	modbus_set_response_timeout(ctx, timeout_ms / 1000, (timeout_ms % 1000) * 1000);
}

static int link_open(struct mb_link *l, struct mb_job *j)
{
	const struct mb_transport *tr = &l->tr;
	char port[8];
	int e;

	snprintf(port, sizeof(port), "%u", tr->port);
	l->ctx = tr->rtu ? modbus_new_rtu(tr->serial, (int)tr->baud, tr->parity, (int)tr->data_bits,
		(int)tr->stop_bits) : modbus_new_tcp_pi(tr->host, port);
	if (!l->ctx)
		return -1;
	set_timeout(l->ctx, j->timeout_ms);   /* libmodbus also bounds connect() by it */
	if (modbus_connect(l->ctx) < 0) {
		e = errno;
		modbus_free(l->ctx);
		l->ctx = NULL;
		errno = e;
		return -1;
	}
	/* Adapters that switch direction by themselves refuse the ioctl: go on without. */
	if (tr->rtu && tr->rs485 && modbus_rtu_set_serial_mode(l->ctx, MODBUS_RTU_RS485) < 0)
		j->rs485_err = errno;
	if (tr->rtu)
		modbus_flush(l->ctx);
	j->link_opened = true;
	return 0;
}

/* Silence between two requests on a bus, for slow transceivers. */
static void link_pause(const struct mb_link *l)
{
	struct timespec ts = { l->tr.turnaround_ms / 1000, (long)(l->tr.turnaround_ms % 1000) * 1000000L };

	if (l->tr.rtu && l->tr.turnaround_ms > 0)
		while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
			;
}

static int do_read(modbus_t *ctx, enum modbus_table table, unsigned address, unsigned count,
	uint16_t *regs, uint8_t *bits)
{
	switch (table) {
	case MB_COILS:
		return modbus_read_bits(ctx, (int)address, (int)count, bits);
	case MB_DISCRETE_INPUTS:
		return modbus_read_input_bits(ctx, (int)address, (int)count, bits);
	case MB_HOLDING_REGISTERS:
		return modbus_read_registers(ctx, (int)address, (int)count, regs);
	case MB_INPUT_REGISTERS:
		return modbus_read_input_registers(ctx, (int)address, (int)count, regs);
	}
	errno = EINVAL;
	return -1;
}

/* After a failed read: may the next try use the link? On a serial bus a timeout or a
 * bad frame is one device's problem: flush and go on. On TCP a late answer could be
 * taken for the next one's: reconnect. A connection the peer closed while idle (many
 * gateways do) is reopened at once; a link that just failed to work waits for the
 * next poll. */
static bool link_after_error(struct mb_link *l, struct mb_job *j, int err, bool fresh)
{
	if (is_transient(err)) {
		if (l->tr.rtu)
			modbus_flush(l->ctx);
		else
			link_close(l);
		return true;
	}
	link_close(l);
	if (fresh) {
		j->link_err = err;
		return false;
	}
	return true;
}

/* One read, with the device's retries. */
static enum outcome link_read(struct mb_link *l, struct mb_job *j, enum modbus_table table,
	unsigned address, unsigned count, uint16_t *regs, uint8_t *bits, int *err)
{
	unsigned tries = 0;
	bool reopened = false;

	*err = ETIMEDOUT;
	while (tries <= j->retries) {
		bool fresh = !l->ctx;

		if (link_stopping(l)) {
			*err = ECANCELED;
			return OUT_SILENT;
		}
		if (!l->ctx && link_open(l, j) < 0) {
			*err = j->link_err = errno;
			return OUT_SILENT;
		}
		link_pause(l);
		set_timeout(l->ctx, j->timeout_ms);
		if (modbus_set_slave(l->ctx, (int)j->unit) < 0) {
			*err = errno;
			return OUT_SILENT;
		}
		if (do_read(l->ctx, table, address, count, regs, bits) == (int)count)
			return OUT_DATA;
		*err = errno;
		if (is_exception(*err))
			return is_gateway(*err) ? OUT_SILENT : OUT_EXCEPTION;
		if (!link_after_error(l, j, *err, fresh))
			return OUT_SILENT;
		/* A stale connection gets one reopening that is not a retry. */
		if (fresh || is_transient(*err) || reopened)
			tries++;
		else
			reopened = true;
	}
	return OUT_SILENT;
}

static void store(struct mb_job *j, size_t i, unsigned base, const uint16_t *regs, const uint8_t *bits)
{
	const struct mbplan_item *it = &j->plan->items[i];
	unsigned off = it->address - base;

	j->raw[i] = mbplan_is_bits(it->table) ? (double)bits[off] :
		mbdecode_registers(it->type, it->order, it->bit, regs + off);
	j->err[i] = 0;
}

/* The coalesced read was refused for an address: read its metrics alone, so that one
 * missing register does not blank the others. */
static enum outcome read_one_by_one(struct mb_link *l, struct mb_job *j, const struct mbplan_request *r,
	uint16_t *regs, uint8_t *bits)
{
	for (size_t i = r->first; i < r->first + r->n; i++) {
		const struct mbplan_item *it = &j->plan->items[i];
		enum outcome o = link_read(l, j, it->table, it->address, it->width, regs, bits, &j->err[i]);

		if (o == OUT_DATA)
			store(j, i, it->address, regs, bits);
		if (o == OUT_SILENT) {
			j->silent_err = j->err[i];
			return OUT_SILENT;
		}
	}
	return OUT_EXCEPTION;
}

static enum outcome run_request(struct mb_link *l, struct mb_job *j, const struct mbplan_request *r)
{
	uint16_t regs[MBPLAN_MAX_REGISTERS];
	uint8_t bits[MBPLAN_MAX_BITS];
	int err;
	enum outcome o = link_read(l, j, r->table, r->address, r->count, regs, bits, &err);

	if (o == OUT_EXCEPTION && err == EMBXILADD && r->n > 1) {
		j->answered = true;
		return read_one_by_one(l, j, r, regs, bits);
	}
	if (o == OUT_SILENT)
		j->silent_err = err;
	else
		j->answered = true;
	for (size_t i = r->first; i < r->first + r->n; i++) {
		if (o == OUT_DATA)
			store(j, i, r->address, regs, bits);
		else
			j->err[i] = err;
	}
	return o;
}

/* Requests in address order; once the device is silent the rest would only wait for
 * their timeouts, holding up the other devices of the bus. */
static void run_job(struct mb_link *l, struct mb_job *j)
{
	const struct mbplan *plan = j->plan;

	for (size_t k = 0; k < plan->n_reqs; k++) {
		if (run_request(l, j, &plan->reqs[k]) != OUT_SILENT)
			continue;
		for (size_t i = 0; i < plan->n_items; i++)
			if (j->err[i] == ECANCELED)
				j->err[i] = j->silent_err;
		break;
	}
}

static struct mb_job *link_take(struct mb_link *l)
{
	struct mb_job *j;

	pthread_mutex_lock(&l->mu);
	while (!l->head && !l->stop)
		pthread_cond_wait(&l->cv, &l->mu);
	j = l->stop ? NULL : l->head;
	if (j) {
		l->head = j->next;
		if (!l->head)
			l->tail = NULL;
	}
	pthread_mutex_unlock(&l->mu);
	return j;
}

static void *link_main(void *arg)
{
	struct mb_link *l = arg;
	struct mb_job *j;

	while ((j = link_take(l)) != NULL) {
		ssize_t n;

		run_job(l, j);
		/* A pointer is far below PIPE_BUF: the write is atomic. */
		do
			n = write(mb.pipe[1], &j, sizeof(j));
		while (n < 0 && errno == EINTR);
	}
	link_close(l);
	return NULL;
}

/* ================================================================ loop thread */

static struct mb_job *job_new(struct drv_device *h)
{
	struct mb_job *j = xcalloc(1, sizeof(*j));
	size_t n = h->plan.n_items;

	j->h = h;
	j->plan = &h->plan;
	j->unit = h->dev->modbus.unit;
	j->timeout_ms = h->dev->timeout_ms;
	j->retries = h->dev->retries;
	j->raw = xcalloc(n + 1, sizeof(*j->raw));
	j->err = xcalloc(n + 1, sizeof(*j->err));
	for (size_t i = 0; i < n; i++) {
		j->raw[i] = NAN;
		j->err[i] = ECANCELED;   /* not read (yet) */
	}
	return j;
}

static void job_free(struct mb_job *j)
{
	free(j->raw);
	free(j->err);
	free(j);
}

static void link_free(struct mb_link *l);

static void device_free(struct drv_device *h)
{
	struct mb_link *l = h->link;

	mbplan_free(&h->plan);
	free(h);
	if (--l->n_handles == 0 && l->retired)
		link_free(l);
}

static void describe(int err, char *buf, size_t size)
{
	if (is_exception(err))
		snprintf(buf, size, "Modbus exception %d (%s)", err - MODBUS_ENOBASE, modbus_strerror(err));
	else
		snprintf(buf, size, "%s", modbus_strerror(err));
}

static void append(char *buf, size_t size, const char *fmt, ...) ATTR_PRINTF(3, 4);
static void append(char *buf, size_t size, const char *fmt, ...)
{
	size_t len = strlen(buf);
	va_list ap;

	if (len + 3 >= size)
		return;
	if (len > 0) {
		strcpy(buf + len, "; ");
		len += 2;
	}
	va_start(ap, fmt);
	vsnprintf(buf + len, size - len, fmt, ap);
	va_end(ap);
}

/* Why a device did not answer, for the poller's "no answer (...)" line. */
static void describe_silence(const struct drv_device *h, const struct mb_job *j, char *buf, size_t size)
{
	const struct cfg_device *dev = h->dev;
	char why[160];

	describe(j->silent_err, why, sizeof(why));
	if (j->link_err)
		snprintf(buf, size, "Modbus link %s: %s", h->link->name, why);
	else if (j->silent_err == ETIMEDOUT)
		snprintf(buf, size, "no answer from unit %u on %s within %u ms (%u tries)",
			dev->modbus.unit, h->link->name, dev->timeout_ms, dev->retries + 1);
	else if (is_gateway(j->silent_err))
		snprintf(buf, size, "the gateway %s answered for unit %u: %s", h->link->name,
			dev->modbus.unit, why);
	else
		snprintf(buf, size, "unit %u on %s: %s", dev->modbus.unit, h->link->name, why);
}

static void decode_item(const struct drv_device *h, const struct mb_job *j, size_t i,
	struct reading *rd, char *error, size_t size)
{
	const struct mbplan_item *it = &h->plan.items[i];
	const struct profile_metric *m = &h->dev->profile->metrics[it->metric];
	struct reading *r = &rd[it->metric];
	char why[160];

	if (j->err[i] == 0) {
		decode_reading(m, j->raw[i], r);
		if (r->status == READING_ERROR && m->n_states > 0)
			append(error, size, "%s: raw value %.0f is not in the profile's states", m->name, r->raw);
		else if (r->status == READING_ERROR)
			append(error, size, "%s: the device sent a value that is not a number", m->name);
		return;
	}
	r->value = r->raw = NAN;
	r->status = j->err[i] == EMBXILADD || j->err[i] == EMBXILFUN ? READING_ABSENT : READING_ERROR;
	if (j->answered) {
		describe(j->err[i], why, sizeof(why));
		append(error, size, "%s: %s", m->name, why);
	}
}

static void deliver(struct drv_device *h, const struct mb_job *j)
{
	size_t n = h->dev->profile->n_metrics;
	struct reading *rd = xcalloc(n + 1, sizeof(*rd));
	char error[768] = "";
	struct poll_result res = { .dev = h->dev, .time = clock_wall(), .answered = j->answered,
		.readings = rd, .n_readings = n };

	for (size_t i = 0; i < h->plan.n_items; i++)
		decode_item(h, j, i, rd, error, sizeof(error));
	if (!j->answered)
		describe_silence(h, j, error, sizeof(error));
	res.error = error[0] ? error : NULL;
	h->cb(h->arg, &res);
	free(rd);
}

/* Link-level events, once per link and rate-limited, whichever device saw them. */
static void link_report(struct mb_link *l, const struct mb_job *j)
{
	if (j->rs485_err && !l->rs485_warned) {
		l->rs485_warned = true;
		log_warn("Modbus link %s: the port refused RS-485 mode (%s); going on without it",
			l->name, modbus_strerror(j->rs485_err));
	}
	if (j->link_err) {
		log_complain(&l->down, LOG_WARNING, "Modbus link %s: %s; reconnecting at the next poll",
			l->name, modbus_strerror(j->link_err));
		return;
	}
	if (j->link_opened)
		log_debug("Modbus link %s: connected", l->name);
	if (j->link_opened || j->answered)
		log_release(&l->down, LOG_NOTICE, "Modbus link %s: connected again", l->name);
}

/* A job is back (deliver) or abandoned at shutdown (!deliver). */
static void job_finish(struct mb_job *j, bool deliver_it)
{
	struct drv_device *h = j->h;

	h->in_flight = false;
	link_report(h->link, j);
	if (h->closed)
		device_free(h);
	else if (deliver_it)
		deliver(h, j);   /* the callback may close or poll h again */
	job_free(j);
}

static void on_pipe(void *arg, int fd, unsigned events)
{
	struct mb_job *jobs[32];
	ssize_t n = read(fd, jobs, sizeof(jobs));

	for (ssize_t i = 0; i < n / (ssize_t)sizeof(jobs[0]); i++)
		job_finish(jobs[i], true);
}

/* ================================================================ links */

static void transport_of(const struct cfg_device *dev, struct mb_transport *tr)
{
	const struct cfg_modbus *m = &dev->modbus;

	*tr = (struct mb_transport){ .rtu = dev->protocol == PROTO_MODBUS_RTU,
		.host = m->host ? xstrdup(m->host) : NULL, .port = m->port,
		.serial = m->serial ? xstrdup(m->serial) : NULL, .baud = m->baud, .parity = m->parity,
		.data_bits = m->data_bits, .stop_bits = m->stop_bits, .rs485 = m->rs485,
		.turnaround_ms = m->turnaround_ms };
}

static bool same_serial_settings(const struct mb_transport *a, const struct mb_transport *b)
{
	return a->baud == b->baud && a->parity == b->parity && a->data_bits == b->data_bits &&
		a->stop_bits == b->stop_bits && a->rs485 == b->rs485 && a->turnaround_ms == b->turnaround_ms;
}

static void transport_free(struct mb_transport *tr)
{
	free(tr->host);
	free(tr->serial);
	tr->host = tr->serial = NULL;
}

static void link_free(struct mb_link *l)
{
	pthread_mutex_destroy(&l->mu);
	pthread_cond_destroy(&l->cv);
	transport_free(&l->tr);
	free(l->settings_of);
	free(l->name);
	free(l);
}

static int link_spawn(struct mb_link *l)
{
	sigset_t all, old;
	int rc;

	l->stop = false;
	/* Signals stay with the loop thread. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&l->thread, NULL, link_main, l);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	l->running = rc == 0;
	return rc;
}

/* The worker finishes the read it is in (at most one device timeout: link_read checks
 * stop between tries), closes the port and exits; queued jobs stay queued. */
static void link_join(struct mb_link *l)
{
	if (!l->running)
		return;
	l->running = false;
	pthread_mutex_lock(&l->mu);
	l->stop = true;
	pthread_cond_signal(&l->cv);
	pthread_mutex_unlock(&l->mu);
	pthread_join(l->thread, NULL);
}

static struct mb_link *link_start(const struct cfg_device *dev, const char *name)
{
	struct mb_link *l = xcalloc(1, sizeof(*l));
	int rc;

	l->name = xstrdup(name);
	l->settings_of = xstrdup(dev->name);
	transport_of(dev, &l->tr);
	pthread_mutex_init(&l->mu, NULL);
	pthread_cond_init(&l->cv, NULL);
	rc = link_spawn(l);
	if (rc != 0) {
		log_err("%s: cannot start a thread for Modbus link %s: %s", dev->name, name, strerror(rc));
		link_free(l);
		return NULL;
	}
	l->next = mb.links;
	mb.links = l;
	return l;
}

/* The device whose settings the bus uses was reopened (a reload) with other ones:
 * the bus takes them. The worker is stopped while its transport changes. */
static void link_resettle(struct mb_link *l, const struct cfg_device *dev, struct mb_transport *tr)
{
	int rc;

	link_join(l);
	transport_free(&l->tr);
	l->tr = *tr;
	*tr = (struct mb_transport){ 0 };
	l->rs485_warned = false;
	rc = link_spawn(l);
	if (rc != 0) {
		/* Jobs then stay queued and the devices count as silent until a reload. */
		log_err("%s: cannot restart the thread of Modbus link %s: %s", dev->name, l->name, strerror(rc));
		return;
	}
	log_notice("Modbus link %s: serial settings of %s applied", l->name, dev->name);
}

/* The link of dev: devices on one serial port or one host:port share it. */
static struct mb_link *link_get(const struct cfg_device *dev)
{
	bool rtu = dev->protocol == PROTO_MODBUS_RTU;
	char name[300];
	struct mb_transport tr;

	if (rtu)
		snprintf(name, sizeof(name), "%s", dev->modbus.serial);
	else
		snprintf(name, sizeof(name), "%s:%u", dev->modbus.host, dev->modbus.port);
	for (struct mb_link *l = mb.links; l; l = l->next) {
		if (l->tr.rtu != rtu || strcmp(l->name, name) != 0)
			continue;
		transport_of(dev, &tr);
		if (rtu && !same_serial_settings(&l->tr, &tr)) {
			if (strcmp(l->settings_of, dev->name) == 0)
				link_resettle(l, dev, &tr);
			else
				log_warn("%s: shares %s with %s but asks for other serial settings; the bus keeps "
					"%s's", dev->name, name, l->settings_of, l->settings_of);
		}
		transport_free(&tr);
		return l;
	}
	return link_start(dev, name);
}

static void links_unlink(struct mb_link *l)
{
	for (struct mb_link **pp = &mb.links; *pp; pp = &(*pp)->next)
		if (*pp == l) {
			*pp = l->next;
			return;
		}
}

/* The last device of l closed: its worker stops now (no thread or port left behind
 * when a reload moves the devices elsewhere, and a device reopened on the same port
 * gets a new link with its new settings). The job that was running comes back
 * through the pipe later; l is freed with the last handle. */
static void link_retire(struct mb_link *l)
{
	struct mb_job *queued;

	links_unlink(l);
	link_join(l);
	queued = l->head;
	l->head = l->tail = NULL;
	while (queued) {
		struct mb_job *j = queued;

		queued = j->next;
		job_finish(j, false);
	}
	l->retired = true;
	if (l->n_handles == 0)
		link_free(l);
}

static void link_enqueue(struct mb_link *l, struct mb_job *j)
{
	pthread_mutex_lock(&l->mu);
	if (l->tail)
		l->tail->next = j;
	else
		l->head = j;
	l->tail = j;
	pthread_cond_signal(&l->cv);
	pthread_mutex_unlock(&l->mu);
}

/* Stops and joins every worker (each finishes the read it is in: at most one
 * device timeout), then retires the jobs still queued or in the pipe. */
static void links_stop(void)
{
	struct mb_job *j;

	/* All told to stop first, so that their last reads overlap. */
	for (struct mb_link *l = mb.links; l; l = l->next) {
		pthread_mutex_lock(&l->mu);
		l->stop = true;
		pthread_cond_signal(&l->cv);
		pthread_mutex_unlock(&l->mu);
	}
	for (struct mb_link *l = mb.links; l; l = l->next)
		link_join(l);
	while (read(mb.pipe[0], &j, sizeof(j)) == (ssize_t)sizeof(j))
		job_finish(j, false);
	while (mb.links) {
		struct mb_link *l = mb.links;

		mb.links = l->next;
		while ((j = l->head) != NULL) {
			l->head = j->next;
			job_finish(j, false);
		}
		link_free(l);
	}
}

/* ================================================================ driver_ops */

static int mb_init(void)
{
	if (mb.users++ > 0)
		return 0;
	if (pipe2(mb.pipe, O_CLOEXEC) < 0 || fcntl(mb.pipe[0], F_SETFL, O_NONBLOCK) < 0 ||
	    sched_add_fd(mb.pipe[0], SCHED_READ, on_pipe, NULL) < 0) {
		log_err("Modbus driver: cannot set up its pipe: %s", strerror(errno));
		if (mb.pipe[0] >= 0) {
			close(mb.pipe[0]);
			close(mb.pipe[1]);
		}
		mb.pipe[0] = mb.pipe[1] = -1;
		mb.users = 0;
		return -1;
	}
	return 0;
}

static void mb_fini(void)
{
	if (mb.users == 0 || --mb.users > 0)
		return;
	links_stop();
	sched_del_fd(mb.pipe[0]);
	close(mb.pipe[0]);
	close(mb.pipe[1]);
	mb.pipe[0] = mb.pipe[1] = -1;
}

static struct drv_device *mb_open(const struct cfg_device *dev, poll_cb cb, void *arg)
{
	struct drv_device *h;
	struct mb_link *l;

	if (mb.users == 0 || !dev->profile) {
		log_err("%s: the Modbus driver is not started", dev->name);
		return NULL;
	}
	l = link_get(dev);
	if (!l)
		return NULL;
	h = xcalloc(1, sizeof(*h));
	h->dev = dev;
	h->link = l;
	l->n_open++;
	l->n_handles++;
	h->cb = cb;
	h->arg = arg;
	mbplan_build(&h->plan, dev->profile->metrics, dev->profile->n_metrics,
		MBPLAN_GAP_REGISTERS, MBPLAN_GAP_BITS);
	log_debug("%s: %zu metrics in %zu Modbus requests on %s, unit %u", dev->name,
		h->plan.n_items, h->plan.n_reqs, l->name, dev->modbus.unit);
	return h;
}

static int mb_poll(struct drv_device *h)
{
	if (h->in_flight || h->closed)
		return -1;
	h->in_flight = true;
	link_enqueue(h->link, job_new(h));
	return 0;
}

static void mb_close(struct drv_device *h)
{
	struct mb_link *l;

	if (!h)
		return;
	l = h->link;
	h->closed = true;
	if (!h->in_flight)
		device_free(h);   /* else freed when its job comes back */
	if (--l->n_open == 0)
		link_retire(l);
}

const struct driver_ops modbus_driver = {
	.name = "modbus",
	.init = mb_init,
	.fini = mb_fini,
	.open = mb_open,
	.poll = mb_poll,
	.close = mb_close,
};
