/* poller.c — per-device poll timers and contact tracking. */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "clock.h"
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
	struct device_status st;
	struct log_complaint silent;   /* "no answer" logged once, then at growing intervals */
};

struct poller {
	const struct config *cfg;
	poll_cb sink;
	void *sink_arg;
	struct poll_slot *slots;
	size_t n;
	bool drivers_up[PROTO_SIM + 1];
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
 * to the next (reproducible tests), different between devices. */
static unsigned first_delay_ms(const struct cfg_device *dev)
{
	unsigned h = 2166136261u;

	for (const char *s = dev->name; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h % (dev->interval_s * 1000u);
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

static void on_result(void *arg, const struct poll_result *res)
{
	struct poll_slot *s = arg;
	struct poll_result r = *res;

	s->in_flight = false;
	track_contact(s, &r);
	r.lost = s->st.lost;
	s->owner->sink(s->owner->sink_arg, &r);
	/* Backing off: the next poll is timed from this failure. (Within on_timer, its
	 * return value does it.) */
	if (!r.answered && s->st.missed > s->dev->dead_intervals && s->timer && !s->in_timer)
		sched_reschedule(s->timer, poller_backoff_ms(s->dev, s->st.missed));
}

static int64_t on_timer(void *arg, int64_t now_ms)
{
	struct poll_slot *s = arg;

	if (s->in_flight) {
		/* The driver guarantees an answer within its timeout; a poll still running a
		 * whole interval later means a driver bug, not a slow device. */
		log_debug("%s: previous poll still in flight, skipping this one", s->dev->name);
		return s->dev->interval_s * 1000;
	}
	s->in_flight = true;
	s->in_timer = true;
	if (s->ops->poll(s->h) < 0) {
		struct poll_result r = { .dev = s->dev, .time = clock_wall(), .answered = false,
			.error = "the request could not be sent" };

		s->in_flight = false;
		track_contact(s, &r);
		r.lost = s->st.lost;
		s->owner->sink(s->owner->sink_arg, &r);
	}
	s->in_timer = false;
	return poller_backoff_ms(s->dev, s->st.missed);
}

static int open_slot(struct poller *p, struct poll_slot *s, const struct cfg_device *dev)
{
	s->owner = p;
	s->dev = dev;
	s->ops = driver_for(dev->protocol);
	if (!s->ops) {
		log_err("%s: no driver for protocol %s in this build", dev->name, protocol_name(dev->protocol));
		return -1;
	}
	if (!p->drivers_up[dev->protocol]) {
		if (s->ops->init && s->ops->init() < 0) {
			log_err("%s: the %s driver could not start", dev->name, s->ops->name);
			return -1;
		}
		p->drivers_up[dev->protocol] = true;
	}
	s->h = s->ops->open(dev, on_result, s);
	if (!s->h) {
		log_err("%s: cannot open the device", dev->name);
		return -1;
	}
	return 0;
}

struct poller *poller_new(const struct config *cfg, poll_cb sink, void *arg)
{
	struct poller *p = xcalloc(1, sizeof(*p));

	p->cfg = cfg;
	p->sink = sink;
	p->sink_arg = arg;
	p->slots = xcalloc(cfg->n_devices + 1, sizeof(*p->slots));
	for (size_t i = 0; i < cfg->n_devices; i++) {
		if (open_slot(p, &p->slots[i], &cfg->devices[i]) < 0) {
			poller_free(p);
			return NULL;
		}
		p->n++;
	}
	return p;
}

void poller_start(struct poller *p)
{
	for (size_t i = 0; i < p->n; i++)
		p->slots[i].timer = sched_add_timer(first_delay_ms(p->slots[i].dev), on_timer, &p->slots[i]);
}

void poller_free(struct poller *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n; i++) {
		sched_del_timer(p->slots[i].timer);
		p->slots[i].ops->close(p->slots[i].h);
	}
	for (int proto = 0; proto <= PROTO_SIM; proto++) {
		const struct driver_ops *ops = driver_for((enum protocol)proto);

		if (p->drivers_up[proto] && ops && ops->fini)
			ops->fini();
	}
	free(p->slots);
	free(p);
}

const struct device_status *poller_status(const struct poller *p, size_t device_index)
{
	return device_index < p->n ? &p->slots[device_index].st : NULL;
}
