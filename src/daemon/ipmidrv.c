/* ipmidrv.c — the IPMI driver (see ipmidrv.h); the mapping of sensors onto metrics is
 * in ipmimap.c.
 *
 * Threads: the loop thread owns the handles, their logging state and every callback.
 * Each device has a worker thread (jobthread.c) that owns its libipmimonitoring
 * context and runs one poll at a time: a whole IPMI session (RMCP+ open, the SDR
 * cache checked, one Get Sensor Reading per temperature sensor, close), bounded by
 * the device's timeout instead of the library's 60 s default. A dead BMC thus holds
 * up its own device only. ipmi_monitoring_init() runs once, before any thread.
 * The password is copied for the worker, handed to the library, and never logged:
 * the library's error strings do not contain it. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ipmi_monitoring.h>

#include "clock.h"
#include "envmon.h"
#include "ipmidrv.h"
#include "ipmimap.h"
#include "jobthread.h"
#include "log.h"
#include "sched.h"
#include "xmem.h"

enum ipmi_outcome {
	IJ_DATA,        /* the BMC answered with its temperature sensors */
	IJ_LINK_DOWN,   /* no BMC: timeout, session lost, busy, system error */
	IJ_CONFIG,      /* the BMC refuses us: user, password, privilege, cipher suite ... */
};

/* What the worker needs, copied from the configuration, which a reload frees. */
struct ipmi_target {
	char *host;                  /* NULL: in-band */
	char *user, *password;
	unsigned session_flags, reading_flags;
};

struct ipmi_job {
	struct drv_device *h;        /* handed back untouched */
	unsigned timeout_ms, retries;
	enum ipmi_outcome outcome;
	struct ipmi_sensors sensors;
	char why[600];
};

struct drv_device {
	struct drv_device *next;     /* every live handle, closed ones with a job out too */
	const struct cfg_device *dev;
	poll_cb cb;
	void *arg;
	char *label;                 /* "BMC host" or "local BMC", for logs */
	struct ipmi_target tg;       /* worker's */
	struct jobthread *thread;
	ipmi_monitoring_ctx_t ctx;   /* worker's; destroyed once the thread is joined */
	bool sdr_checked;            /* worker's: the SDR cache was read afresh once */
	bool in_flight, closed;      /* loop thread */
	struct log_complaint refused;/* loop thread: a configuration error */
};

/* The local BMC, through the kernel's IPMI driver (ipmi_si + ipmi_devintf). */
#define LOCAL_BMC "/dev/ipmi0"
/* The SDR cache files: <state_dir>/ipmi-sdr/sdr.<host>. */
#define SDR_CACHE_PREFIX "sdr."

static struct {
	unsigned users;
	bool lib_ready;
	int pipe[2];
	char *cache_dir;
	struct drv_device *all;
} ipmi = { 0, false, { -1, -1 }, NULL, NULL };

void ipmidrv_set_state_dir(const char *state_dir)
{
	free(ipmi.cache_dir);
	ipmi.cache_dir = state_dir ? xasprintf("%s/ipmi-sdr", state_dir) : NULL;
}

/* ================================================================ worker thread */

/* The library's error, sorted by what it means for envmond. */
static enum ipmi_outcome outcome_of(int errnum)
{
	switch (errnum) {
	case IPMI_MONITORING_ERR_USERNAME_INVALID:
	case IPMI_MONITORING_ERR_PASSWORD_INVALID:
	case IPMI_MONITORING_ERR_K_G_INVALID:
	case IPMI_MONITORING_ERR_PRIVILEGE_LEVEL_INSUFFICIENT:
	case IPMI_MONITORING_ERR_PRIVILEGEL_LEVEL_CANNOT_BE_OBTAINED:
	case IPMI_MONITORING_ERR_AUTHENTICATION_TYPE_UNAVAILABLE:
	case IPMI_MONITORING_ERR_IPMI_2_0_UNAVAILABLE:
	case IPMI_MONITORING_ERR_CIPHER_SUITE_ID_UNAVAILABLE:
	case IPMI_MONITORING_ERR_HOSTNAME_INVALID:
	case IPMI_MONITORING_ERR_PERMISSION:
	case IPMI_MONITORING_ERR_PARAMETERS:
	case IPMI_MONITORING_ERR_SDR_CACHE_PERMISSION:
		return IJ_CONFIG;
	default:
		return IJ_LINK_DOWN;
	}
}

/* What to check, for the errors a technician can fix. */
static const char *hint_of(int errnum)
{
	switch (errnum) {
	case IPMI_MONITORING_ERR_USERNAME_INVALID:
	case IPMI_MONITORING_ERR_PASSWORD_INVALID:
		return "; check 'user' and the password against the BMC's IPMI users";
	case IPMI_MONITORING_ERR_PRIVILEGEL_LEVEL_CANNOT_BE_OBTAINED:
		return "; some BMCs need workarounds = [ \"opensesspriv\" ]";
	case IPMI_MONITORING_ERR_PRIVILEGE_LEVEL_INSUFFICIENT:
		return "; the BMC user needs the USER privilege on its LAN channel";
	case IPMI_MONITORING_ERR_IPMI_2_0_UNAVAILABLE:
	case IPMI_MONITORING_ERR_CIPHER_SUITE_ID_UNAVAILABLE:
		return "; enable IPMI over LAN 2.0 (RMCP+, cipher suite 3) on the BMC";
	case IPMI_MONITORING_ERR_PERMISSION:
		return "; in-band access needs /dev/ipmi0 (ipmi_devintf) and its permission";
	case IPMI_MONITORING_ERR_CONNECTION_TIMEOUT:
	case IPMI_MONITORING_ERR_SESSION_TIMEOUT:
		return "; check the BMC's address, that IPMI over LAN is enabled and UDP port 623 is reachable";
	default:
		return "";
	}
}

static enum ipmi_unit unit_of(int units)
{
	return units == IPMI_MONITORING_SENSOR_UNITS_CELSIUS ? IPMI_UNIT_CELSIUS :
		units == IPMI_MONITORING_SENSOR_UNITS_FAHRENHEIT ? IPMI_UNIT_FAHRENHEIT : IPMI_UNIT_OTHER;
}

static void collect(ipmi_monitoring_ctx_t c, int n, struct ipmi_sensors *out)
{
	for (int i = 0; i < n; i++, ipmi_monitoring_sensor_iterator_next(c)) {
		const void *r = ipmi_monitoring_sensor_read_sensor_reading(c);
		int type = ipmi_monitoring_sensor_read_sensor_reading_type(c);
		bool has = r != NULL && type == IPMI_MONITORING_SENSOR_READING_TYPE_DOUBLE;

		ipmimap_add(out, ipmi_monitoring_sensor_read_sensor_name(c),
			unit_of(ipmi_monitoring_sensor_read_sensor_units(c)), has, has ? *(const double *)r : 0.0);
	}
}

/* The cache file of h's BMC, removed once per open. The library checks a cache
 * against the repository's time stamps, which some BMCs leave at 0 (ipmi_sim does):
 * a BMC whose firmware changed its sensors would keep its old names. Its own
 * REREAD_SDR_CACHE flag does the same but leaks the SDR context (66 KB per call,
 * libipmimonitoring 1.6.10, valgrind). The in-band BMC's file is named "localhost". */
static void forget_sdr_cache(const struct drv_device *h)
{
	const char *host = h->tg.host ? h->tg.host : "localhost";
	char path[PATH_MAX];

	if (!ipmi.cache_dir || strchr(host, '/'))
		return;
	if (snprintf(path, sizeof(path), "%s/" SDR_CACHE_PREFIX "%s", ipmi.cache_dir, host) < (int)sizeof(path))
		unlink(path);
}

/* The session settings for one poll: the device's timeout instead of the library's
 * 60 s, a lost datagram sent again within it. */
static void session_config(const struct drv_device *h, const struct ipmi_job *j,
	struct ipmi_monitoring_ipmi_config *cfg)
{
	unsigned session_ms = j->timeout_ms * (j->retries + 1);
	unsigned resend_ms = j->timeout_ms / 2 > 100 ? j->timeout_ms / 2 : 100;

	*cfg = (struct ipmi_monitoring_ipmi_config){
		/* In-band: the kernel's driver only (/dev/ipmi0), not the library's probing of
		 * ACPI/SMBIOS and I/O ports, which needs root and leaks at each failed
		 * attempt (libfreeipmi 1.6.10, ipmi_ctx_find_inband, valgrind: 640 bytes). */
		.driver_type = h->tg.host ? -1 : IPMI_MONITORING_DRIVER_TYPE_OPENIPMI,
		.disable_auto_probe = h->tg.host ? 0 : 1, .driver_device = h->tg.host ? NULL : (char *)LOCAL_BMC,
		.protocol_version = IPMI_MONITORING_PROTOCOL_VERSION_2_0,
		.username = h->tg.user, .password = h->tg.password, .privilege_level = IPMI_MONITORING_PRIVILEGE_LEVEL_USER,
		.authentication_type = -1, .cipher_suite_id = -1, .session_timeout_len = (int)session_ms,
		.retransmission_timeout_len = (int)(resend_ms < session_ms ? resend_ms : session_ms / 2),
		.workaround_flags = h->tg.session_flags,
	};
}

/* The context (made once per device) and what it needs before a poll; 0, or -1 with
 * j->why and j->outcome set. */
static int prepare(struct drv_device *h, struct ipmi_job *j)
{
	if (!h->ctx && !(h->ctx = ipmi_monitoring_ctx_create())) {
		snprintf(j->why, sizeof(j->why), "%s: cannot create an IPMI context (out of memory)", h->label);
		return -1;
	}
	if (ipmi.cache_dir && (ipmi_monitoring_ctx_sdr_cache_directory(h->ctx, ipmi.cache_dir) < 0 ||
	    ipmi_monitoring_ctx_sdr_cache_filenames(h->ctx, SDR_CACHE_PREFIX "%H") < 0)) {
		snprintf(j->why, sizeof(j->why), "%s: SDR cache directory %s: %s", h->label, ipmi.cache_dir,
			ipmi_monitoring_ctx_errormsg(h->ctx));
		j->outcome = IJ_CONFIG;
		return -1;
	}
	if (!h->tg.host && access(LOCAL_BMC, R_OK | W_OK) < 0) {
		j->outcome = errno == ENOENT ? IJ_LINK_DOWN : IJ_CONFIG;
		snprintf(j->why, sizeof(j->why), "%s: %s: %s%s", h->label, LOCAL_BMC, strerror(errno),
			errno == ENOENT ? " (the local BMC needs the ipmi_si and ipmi_devintf kernel modules)" :
			" (give the daemon's group access to it, e.g. a udev rule)");
		return -1;
	}
	if (!h->sdr_checked)
		forget_sdr_cache(h);
	return 0;
}

/* One poll, on the worker thread: a whole IPMI session for the temperature sensors. */
static void run_job(void *arg, void *job)
{
	struct drv_device *h = arg;
	struct ipmi_job *j = job;
	unsigned types[] = { IPMI_MONITORING_SENSOR_TYPE_TEMPERATURE };
	struct ipmi_monitoring_ipmi_config cfg;
	int n, err;

	if (prepare(h, j) < 0)
		return;
	session_config(h, j, &cfg);
	n = ipmi_monitoring_sensor_readings_by_sensor_type(h->ctx, h->tg.host, &cfg, h->tg.reading_flags,
		types, 1, NULL, NULL);
	if (n < 0) {
		err = ipmi_monitoring_ctx_errnum(h->ctx);
		j->outcome = outcome_of(err);
		snprintf(j->why, sizeof(j->why), "%s: %s%s", h->label, ipmi_monitoring_ctx_errormsg(h->ctx),
			hint_of(err));
		return;
	}
	h->sdr_checked = true;
	collect(h->ctx, n, &j->sensors);
	ipmi_monitoring_sensor_iterator_destroy(h->ctx);
	j->outcome = IJ_DATA;
}

/* ================================================================ loop thread */

static void target_free(struct ipmi_target *t)
{
	free(t->host);
	free(t->user);
	if (t->password)
		explicit_bzero(t->password, strlen(t->password));
	free(t->password);
}

static void handle_free(struct drv_device *h)
{
	for (struct drv_device **p = &ipmi.all; *p; p = &(*p)->next) {
		if (*p == h) {
			*p = h->next;
			break;
		}
	}
	free(jobthread_join(h->thread));   /* a job queued but never taken */
	if (h->ctx)
		ipmi_monitoring_ctx_destroy(h->ctx);
	target_free(&h->tg);
	free(h->label);
	free(h);
}

/* A refused login is worth an error of its own (the poller logs every failure as "no
 * answer" at the warning level, rate-limited): it will not heal by itself. */
static void report_refusal(struct drv_device *h, const struct ipmi_job *j)
{
	if (j->outcome == IJ_CONFIG)
		log_complain(&h->refused, LOG_ERR, "%s: %s", h->dev->name, j->why);
	else
		log_release(&h->refused, LOG_NOTICE, "%s: %s accepts envmond again", h->dev->name, h->label);
}

/* When the BMC has none of a metric's sensors: which metrics, and the names it has, so
 * that a technician can add the right one to the profile. NULL when all were found. */
static const char *absent_note(const struct drv_device *h, struct ipmi_job *j, const struct reading *rd)
{
	const struct profile *prof = h->dev->profile;
	char names[400];
	size_t n = 0;

	for (size_t i = 0; i < prof->n_metrics && n < sizeof(j->why) / 2; i++)
		if (rd[i].status == READING_ABSENT)
			n += (size_t)snprintf(j->why + n, sizeof(j->why) / 2 - n, "%s%s", n ? ", " : "",
				prof->metrics[i].name);
	if (n == 0)
		return NULL;
	snprintf(j->why + n, sizeof(j->why) - n, ": %s has none of the profile's sensor names; its "
		"temperature sensors: %s", h->label, j->sensors.n ? ipmimap_names(&j->sensors, names, sizeof(names)) :
		"none");
	return j->why;
}

static void deliver(struct drv_device *h, struct ipmi_job *j)
{
	const struct profile *prof = h->dev->profile;
	struct reading *rd = xcalloc(prof->n_metrics + 1, sizeof(*rd));
	struct poll_result res = { .dev = h->dev, .time = clock_wall(), .answered = j->outcome == IJ_DATA,
		.readings = rd, .n_readings = prof->n_metrics };

	for (size_t i = 0; i < prof->n_metrics; i++)
		ipmimap_decode(&prof->metrics[i], &j->sensors, &rd[i]);
	res.error = res.answered ? absent_note(h, j, rd) : j->why;
	h->cb(h->arg, &res);
	free(rd);
}

static void job_finish(struct ipmi_job *j, bool deliver_it)
{
	struct drv_device *h = j->h;

	h->in_flight = false;
	if (h->closed) {
		handle_free(h);
	} else {
		report_refusal(h, j);
		if (deliver_it)
			deliver(h, j);   /* the callback may close or poll h again */
	}
	ipmimap_free(&j->sensors);
	free(j);
}

static void on_pipe(void *arg, int fd, unsigned events)
{
	struct ipmi_job *jobs[32];
	ssize_t n = read(fd, jobs, sizeof(jobs));

	(void)arg;
	(void)events;
	for (ssize_t i = 0; i < n / (ssize_t)sizeof(jobs[0]); i++)
		job_finish(jobs[i], true);
}

/* ================================================================ driver_ops */

static int lib_init(void)
{
	int err = 0;

	if (ipmi.lib_ready)
		return 0;
	if (ipmi_monitoring_init(IPMI_MONITORING_FLAGS_NONE, &err) < 0) {
		log_err("IPMI driver: libipmimonitoring does not start (error %d)", err);
		return -1;
	}
	ipmi.lib_ready = true;
	return 0;
}

static int cache_dir_ready(void)
{
	if (!ipmi.cache_dir || mkdir(ipmi.cache_dir, 0700) == 0 || errno == EEXIST)
		return 0;
	log_err("IPMI driver: cannot create the SDR cache directory %s: %s", ipmi.cache_dir, strerror(errno));
	return -1;
}

static int ipmi_init(void)
{
	if (ipmi.users++ > 0)
		return 0;
	if (lib_init() < 0 || cache_dir_ready() < 0 || pipe2(ipmi.pipe, O_CLOEXEC) < 0 ||
	    fcntl(ipmi.pipe[0], F_SETFL, O_NONBLOCK) < 0 || sched_add_fd(ipmi.pipe[0], SCHED_READ, on_pipe, NULL) < 0) {
		if (ipmi.pipe[0] >= 0) {
			log_err("IPMI driver: cannot set up its pipe: %s", strerror(errno));
			close(ipmi.pipe[0]);
			close(ipmi.pipe[1]);
		}
		ipmi.pipe[0] = ipmi.pipe[1] = -1;
		ipmi.users = 0;
		return -1;
	}
	return 0;
}

/* Every worker is told to stop first, so that their last sessions (at most one device
 * timeout each) overlap; then joined, and the jobs still in the pipe retired. */
static void ipmi_fini(void)
{
	struct ipmi_job *j;

	if (ipmi.users == 0 || --ipmi.users > 0)
		return;
	for (struct drv_device *h = ipmi.all; h; h = h->next)
		jobthread_stop(h->thread);
	for (struct drv_device *h = ipmi.all; h; h = h->next) {
		free(jobthread_join(h->thread));
		h->thread = NULL;
	}
	while (read(ipmi.pipe[0], &j, sizeof(j)) == (ssize_t)sizeof(j))
		job_finish(j, false);
	while (ipmi.all)
		handle_free(ipmi.all);
	sched_del_fd(ipmi.pipe[0]);
	close(ipmi.pipe[0]);
	close(ipmi.pipe[1]);
	ipmi.pipe[0] = ipmi.pipe[1] = -1;
}

static struct drv_device *ipmi_open(const struct cfg_device *dev, poll_cb cb, void *arg)
{
	const struct cfg_ipmi *c = &dev->ipmi;
	struct drv_device *h;
	int rc, bad;

	if (ipmi.users == 0 || !dev->profile) {
		log_err("%s: the IPMI driver is not started", dev->name);
		return NULL;
	}
	h = xcalloc(1, sizeof(*h));
	h->dev = dev;
	h->cb = cb;
	h->arg = arg;
	h->label = c->host ? xasprintf("BMC %s", c->host) : xstrdup("local BMC");
	h->tg = (struct ipmi_target){ c->host ? xstrdup(c->host) : NULL, c->user ? xstrdup(c->user) : NULL,
		c->password ? xstrdup(c->password) : NULL, 0, 0 };
	/* Checked at configuration time too: here for a configuration built otherwise. */
	bad = ipmimap_workarounds(c->workarounds, c->n_workarounds, c->host != NULL, &h->tg.session_flags,
		&h->tg.reading_flags);
	if (bad >= 0) {
		log_err("%s: IPMI workaround '%s' does not apply here", dev->name, c->workarounds[bad]);
		handle_free(h);
		return NULL;
	}
	h->next = ipmi.all;
	ipmi.all = h;
	h->thread = jobthread_start(run_job, h, ipmi.pipe[1], &rc);
	if (!h->thread) {
		log_err("%s: cannot start a thread for %s: %s", dev->name, h->label, strerror(rc));
		handle_free(h);
		return NULL;
	}
	log_debug("%s: IPMI %s", dev->name, h->label);
	return h;
}

static int ipmi_poll(struct drv_device *h)
{
	struct ipmi_job *j;

	if (h->in_flight || h->closed)
		return -1;
	j = xcalloc(1, sizeof(*j));
	j->h = h;
	j->timeout_ms = h->dev->timeout_ms;
	j->retries = h->dev->retries;
	j->outcome = IJ_LINK_DOWN;
	snprintf(j->why, sizeof(j->why), "%s: no answer", h->label);
	h->in_flight = true;
	jobthread_submit(h->thread, j);
	return 0;
}

static void ipmi_close(struct drv_device *h)
{
	if (!h)
		return;
	h->closed = true;
	if (h->in_flight)
		return;   /* freed when its job comes back */
	handle_free(h);
}

const struct driver_ops ipmi_driver = {
	.name = "ipmi",
	.init = ipmi_init,
	.fini = ipmi_fini,
	.open = ipmi_open,
	.poll = ipmi_poll,
	.close = ipmi_close,
};
