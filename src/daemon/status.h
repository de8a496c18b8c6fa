/* status.h — the "servers" section of `envmonctl status`: every hosted server with the
 * criteria of its spec and, when the alert module provides it, the state of each. */
#ifndef STATUS_H
#define STATUS_H

#include "conf.h"

struct json_object;

/* What the alert module knows of one (server, criterion). */
struct status_criterion {
	enum severity severity;    /* SEV_UNKNOWN when no data yet */
	double since;              /* wall clock of the last change, 0 if unknown */
	double value;              /* the value judged, NAN if none */
	bool pending;              /* out of spec, hold time not over yet */
	/* The clear trend of the temperature, humidity or dew point (context.c), NAN rate
	 * when none: it reaches
	 * trend_limit ("recommended" or "allowable" limit_kind) in trend_eta_s. */
	double trend_rate, trend_limit, trend_eta_s;
	const char *trend_limit_kind;
};

/* Fills *out for (srv, c); returns false when it has nothing (the state shows as null). */
typedef bool (*status_criterion_fn)(void *arg, const struct cfg_server *srv, enum criterion c,
	struct status_criterion *out);

struct alert;
/* A status_criterion_fn over the alert lifecycle (arg: the struct alert): the state of
 * the conditions that judge (srv, c), the worst of them. Those are the rack's probes for
 * the thermal criteria, each cooling unit of the rack for cooling_state, each UPS of the
 * server for the UPS and power criteria, and the contact of every one of these devices
 * (alert.c). A condition shared by several servers has the worst state of them. Its
 * state is the severity of the open incident (ok if none), pending while out of spec
 * within the hold time, since = when the incident opened or the hold began; no value. */
bool status_alert_criterion(void *alert, const struct cfg_server *srv, enum criterion c,
	struct status_criterion *out);

/* [{name, rack, in_rack, role, spec, ups: [...], criteria: [{criterion, warn: [lo, hi],
 *   crit: [lo, hi], hold, state, since, value, pending, forecast: {rate_per_5min,
 *   direction ("rising" or "falling"), unit ("°C", "%"), limit, limit_kind, eta_s} or
 *   absent}]}]; fn may be NULL. */
struct json_object *status_servers_json(const struct config *cfg, status_criterion_fn fn, void *arg);

#endif
