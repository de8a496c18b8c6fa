/* context.h — what a reader needs beside the incident itself to act without logging in:
 * the trend of the reading and when it reaches its next limit, the current readings of
 * the cause's neighbours (the rack's probes, the UPS's runtime, charge and load, which
 * other devices of the room still answer), the host name. It sits between the alert
 * lifecycle and the notification sinks and only adds facts; the sinks format them. */
#ifndef CONTEXT_H
#define CONTEXT_H

#include "derive.h"
#include "drvapi.h"
#include "notify.h"

struct context;

/* The context of cfg's devices; hist (one per device, like cfg->devices) stays the
 * caller's and must outlive it. Notifications go on to sink. */
struct context *context_new(const struct config *cfg, const struct derive_history *hist,
	notify_fn sink, void *sink_arg);
void context_free(struct context *cx);

/* Keeps res's readings (a silent device keeps its last ones, marked silent). */
void context_record(struct context *cx, const struct poll_result *res, const struct derived *d);

/* A notify_fn (arg: the context): adds the context to a copy of n, hands it on. */
int context_sink(void *arg, const struct notification *n);

/* The trend at now of what n->criterion watches on rack's probes: the temperature (for
 * the temperature, its rates and temp_forecast), the humidity or the dew point. Of the
 * probes with a clear trend, the one that reaches a limit first (else the highest
 * line): fills n's trend fields with the nearest limit of the servers' specs for that
 * quantity above (rising) or below (falling) it. false without a clear trend, or for
 * a criterion that has none. For `envmonctl status` and the sink. */
bool context_rack_trend(const struct context *cx, const struct cfg_rack *rack, double now,
	struct notification *n);

struct status_criterion;
/* For `envmonctl status`: the trend of srv's rack for criterion c (temperature,
 * temp_forecast, humidity, dew_point; nothing for the others) into out's trend fields. */
void context_status_trend(const struct context *cx, const struct cfg_server *srv, enum criterion c,
	double now, struct status_criterion *out);

#endif
