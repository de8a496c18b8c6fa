/* poller.c — per-device poll timers and contact tracking. */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "confdiff.h"
#include "driver.h"
#include "log.h"
#include "poller.h"
#include "sched.h"
#include "xmem.h"

struct poll_slot {
	struct poller *owner;
	const struct cfg_device *dev;
	const struct driver_ops *ops;
	struct drv_device *h;
	struct sched_timer *timer;
	bool in_flight;
	bool in_timer;                 /* inside on_timer: a driver may answer synchronously */
	int64_t poll_start_ms;         /* monotonic start of the last poll */
	struct device_status st;
	struct log_complaint silent;   /* "no answer" logged once, then at growing intervals */
	struct log_complaint unopened; /* "cannot open" likewise */
	struct log_complaint unreadable; /* answered, but some metric failed (a Modbus
	                                  * exception, an unmapped state ...) likewise */
};

struct poller {
	const struct config *cfg;
	poll_cb sink;
	void *sink_arg;
	struct poll_slot **slots;      /* pointers: drivers hold them across a reload */
	size_t n;
	bool started;
	bool drivers_up[PROTO_COUNT];
};

unsigned poller_backoff_ms(const struct cfg_device *dev, unsigned missed)
{
	unsigned interval_ms = dev->interval_s * 1000u;
	unsigned factor = 1;

	/* Until the device is declared lost, keep the normal pace so that dead_time means
	 * dead_time; after that, back off 2x, 4x ... but never beyond 5 intervals. */
	if (missed > dev->dead_intervals) {
		unsigned extra = missed - dev->dead_intervals;

		factor = extra >= 3 ? 5 : 1u << extra;
		if (factor > 5)
			factor = 5;
	}
	return interval_ms * factor;
}

/* Spreads first polls over the interval with a hash of the name: stable from one run
 * to the next (reproducible tests), different between devices. The phases are whole
 * seconds: devices that fall in the same second are polled in the same wake-up (their
 * timers come due together, so do their answers, and one pass of the loop serves
 * them all), and they stay together since the next polls are counted from that
 * wake-up. At 100 SNMP devices on a 10 s interval that is ~40 wake-ups per cycle
 * instead of ~190, and about half the CPU per cycle (tests/bench/daemon_bench.sh);
 * a burst is at most the devices of one second, not all of them. */
static unsigned first_delay_ms(const struct cfg_device *dev)
{
	unsigned h = 2166136261u;

	for (const char *s = dev->name; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h % dev->interval_s * 1000u;
}

static void track_contact(struct poll_slot *s, struct poll_result *res)
{
	const struct cfg_device *dev = s->dev;

	s->st.polls++;
	if (res->answered) {
		s->st.answers++;
		s->st.last_answer = res->time;
		s->st.missed = 0;
		if (s->st.lost) {
			s->st.lost = false;
			res->contact_restored = true;
		}
		log_release(&s->silent, LOG_NOTICE, "%s: answering again", dev->name);
		if (res->error)
			log_complain(&s->unreadable, LOG_NOTICE, "%s: %s", dev->name, res->error);
		else
			log_release(&s->unreadable, LOG_NOTICE, "%s: every metric read again", dev->name);
		return;
	}
	s->st.missed++;
	log_complain(&s->silent, LOG_WARNING, "%s: no answer (%s)", dev->name,
		res->error ? res->error : "timeout");
	if (!s->st.lost && s->st.missed >= dev->dead_intervals) {
		s->st.lost = true;
		res->contact_lost = true;
		log_warn("%s: contact lost after %u polls without an answer", dev->name, s->st.missed);
	}
}

/* The next poll delay_ms after the start of the last one (not after its answer:
 * a slow or silent device would otherwise drift by its timeout at each poll). */
static void reschedule_from_start(struct poll_slot *s, unsigned delay_ms)
{
	int64_t left = s->poll_start_ms + (int64_t)delay_ms - clock_mono_ms();

	sched_reschedule(s->timer, left > 0 ? left : 0);
}

static void on_result(void *arg, const struct poll_result *res)
{
	struct poll_slot *s = arg;
	struct poll_result r = *res;
	unsigned missed_before = s->st.missed;

	r.dev = s->dev;   /* the driver's pointer may predate a reload */
	s->in_flight = false;
	track_contact(s, &r);
	r.lost = s->st.lost;
	s->owner->sink(s->owner->sink_arg, &r);
	/* on_timer armed the next poll when this one started, before its answer: with the
	 * backoff of the misses so far. An answer brings back the normal pace; one more
	 * miss past dead_time, the next step of the backoff. (A synchronous answer, within
	 * on_timer, is handled by its return value.) */
	if (!s->timer || s->in_timer)
		return;
	if (r.answered && missed_before > s->dev->dead_intervals)
		reschedule_from_start(s, s->dev->interval_s * 1000u);
	else if (!r.answered && s->st.missed > s->dev->dead_intervals)
		reschedule_from_start(s, poller_backoff_ms(s->dev, s->st.missed));
}

/* A poll that failed before reaching the device counts as "no answer". */
static void report_failure(struct poll_slot *s, const char *why)
{
	struct poll_result r = { .dev = s->dev, .time = clock_wall(), .answered = false, .error = why };

	track_contact(s, &r);
	r.lost = s->st.lost;
	s->owner->sink(s->owner->sink_arg, &r);
}

static int open_slot(struct poll_slot *s);

static int64_t on_timer(void *arg, int64_t now_ms)
{
	struct poll_slot *s = arg;

	if (s->in_flight) {
		/* The driver guarantees an answer within its timeout; a poll still running a
		 * whole interval later means a driver bug, not a slow device. */
		log_debug("%s: previous poll still in flight, skipping this one", s->dev->name);
		return s->dev->interval_s * 1000;
	}
	s->poll_start_ms = now_ms;
	if (!s->h && open_slot(s) < 0) {
		report_failure(s, "the device could not be opened");
		return poller_backoff_ms(s->dev, s->st.missed);
	}
	s->in_flight = true;
	s->in_timer = true;
	if (s->ops->poll(s->h) < 0) {
		s->in_flight = false;
		report_failure(s, "the request could not be sent");
	}
	s->in_timer = false;
	return poller_backoff_ms(s->dev, s->st.missed);
}

static int start_driver(struct poller *p, const struct cfg_device *dev, const struct driver_ops *ops)
{
	if (p->drivers_up[dev->protocol])
		return 0;
	if (ops->init && ops->init() < 0) {
		log_err("%s: the %s driver could not start", dev->name, ops->name);
		return -1;
	}
	p->drivers_up[dev->protocol] = true;
	return 0;
}

/* Opens s->dev with its driver; on failure s->h stays NULL and on_timer tries again. */
static int open_slot(struct poll_slot *s)
{
	const struct cfg_device *dev = s->dev;

	s->ops = driver_for(dev->protocol);
	s->st.unopened = true;
	if (!s->ops) {
		log_complain(&s->unopened, LOG_ERR, "%s: no driver for protocol %s in this build",
			dev->name, protocol_name(dev->protocol));
		return -1;
	}
	if (start_driver(s->owner, dev, s->ops) < 0)
		return -1;
	s->h = s->ops->open(dev, on_result, s);
	if (!s->h) {
		log_complain(&s->unopened, LOG_ERR, "%s: cannot open the device", dev->name);
		return -1;
	}
	s->st.unopened = false;
	log_release(&s->unopened, LOG_NOTICE, "%s: device opened", dev->name);
	return 0;
}

static void close_slot(struct poll_slot *s)
{
	if (s->h)
		s->ops->close(s->h);
	s->h = NULL;
	s->in_flight = false;
}

static struct poll_slot *new_slot(struct poller *p, const struct cfg_device *dev)
{
	struct poll_slot *s = xcalloc(1, sizeof(*s));

	s->owner = p;
	s->dev = dev;
	open_slot(s);
	return s;
}

static void free_slot(struct poll_slot *s)
{
	sched_del_timer(s->timer);
	close_slot(s);
	free(s);
}

struct poller *poller_new(const struct config *cfg, poll_cb sink, void *arg)
{
	struct poller *p = xcalloc(1, sizeof(*p));

	p->cfg = cfg;
	p->sink = sink;
	p->sink_arg = arg;
	p->slots = xcalloc(cfg->n_devices + 1, sizeof(*p->slots));
	for (size_t i = 0; i < cfg->n_devices; i++)
		p->slots[p->n++] = new_slot(p, &cfg->devices[i]);
	return p;
}

static void arm(struct poll_slot *s)
{
	s->timer = sched_add_timer(first_delay_ms(s->dev), on_timer, s);
}

void poller_start(struct poller *p)
{
	p->started = true;
	for (size_t i = 0; i < p->n; i++)
		arm(p->slots[i]);
}

void poller_free(struct poller *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n; i++)
		free_slot(p->slots[i]);
	for (int proto = 0; proto < PROTO_COUNT; proto++) {
		const struct driver_ops *ops = driver_for((enum protocol)proto);

		if (p->drivers_up[proto] && ops && ops->fini)
			ops->fini();
	}
	free(p->slots);
	free(p);
}

const struct device_status *poller_status(const struct poller *p, size_t device_index)
{
	return device_index < p->n ? &p->slots[device_index]->st : NULL;
}

/* ------------------------------------------------------------------ reload */

/* The same session goes on with the new configuration's device. */
static void rebind_slot(struct poll_slot *s, const struct cfg_device *dev)
{
	unsigned old_interval = s->dev->interval_s;

	s->dev = dev;
	if (s->h && s->ops->rebind) {
		s->ops->rebind(s->h, dev);
	} else {
		close_slot(s);
		open_slot(s);
	}
	/* A shorter interval applies now, not after the old, longer wait. */
	if (s->timer && dev->interval_s < old_interval)
		sched_reschedule(s->timer, first_delay_ms(dev));
}

static void renew_slot(struct poll_slot *s, const struct cfg_device *dev)
{
	close_slot(s);
	s->dev = dev;
	memset(&s->st, 0, sizeof(s->st));
	memset(&s->silent, 0, sizeof(s->silent));
	memset(&s->unreadable, 0, sizeof(s->unreadable));
	open_slot(s);
	if (s->timer)
		sched_reschedule(s->timer, first_delay_ms(dev));
}

static struct poll_slot *take_slot(struct poller *p, const char *name)
{
	for (size_t i = 0; i < p->n; i++) {
		struct poll_slot *s = p->slots[i];

		if (s && strcmp(s->dev->name, name) == 0) {
			p->slots[i] = NULL;
			return s;
		}
	}
	return NULL;
}

void poller_reload(struct poller *p, const struct config *new_cfg, const struct confdiff *d)
{
	struct poll_slot **slots = xcalloc(new_cfg->n_devices + 1, sizeof(*slots));

	for (size_t i = 0; i < new_cfg->n_devices; i++) {
		const struct cfg_device *dev = &new_cfg->devices[i];
		enum confdiff_change change = confdiff_device(d, dev->name);
		struct poll_slot *s = change == CONFDIFF_ADDED ? NULL : take_slot(p, dev->name);

		if (!s) {
			s = new_slot(p, dev);
			if (p->started)
				arm(s);
		} else if (change == CONFDIFF_CHANGED) {
			renew_slot(s, dev);
		} else {
			rebind_slot(s, dev);
		}
		slots[i] = s;
	}
	for (size_t i = 0; i < p->n; i++)
		if (p->slots[i]) {
			log_info("%s: removed from the configuration, no longer polled", p->slots[i]->dev->name);
			free_slot(p->slots[i]);
		}
	free(p->slots);
	p->slots = slots;
	p->n = new_cfg->n_devices;
	p->cfg = new_cfg;
}
