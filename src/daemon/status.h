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
};

/* Fills *out for (srv, c); returns false when it has nothing (the state shows as null). */
typedef bool (*status_criterion_fn)(void *arg, const struct cfg_server *srv, enum criterion c,
	struct status_criterion *out);

/* [{name, rack, in_rack, role, spec, ups: [...], criteria: [{criterion, warn: [lo, hi],
 *   crit: [lo, hi], hold, state, since, value, pending}]}]; fn may be NULL. */
struct json_object *status_servers_json(const struct config *cfg, status_criterion_fn fn, void *arg);

#endif
