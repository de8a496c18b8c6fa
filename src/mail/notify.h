/* notify.h — a notification, as the alert lifecycle hands it to its sinks (the mail
 * spool, later others). It carries facts, not text: the sinks format it. */
#ifndef NOTIFY_H
#define NOTIFY_H

#include <stdbool.h>
#include <stddef.h>

#include "conf.h"

enum notif_kind {
	NOTIF_ALERT,      /* an incident opens (or worsens: warning -> critical) */
	NOTIF_REMINDER,   /* still unresolved after `repeat` */
	NOTIF_RECOVERY,   /* the incident is over */
	NOTIF_FLAPPING,   /* the condition changes too often: quiet until it settles */
	NOTIF_TEST,       /* envmonctl test-mail */
};

struct notif_server {
	const char *name;
	enum server_role role;
	const char *rack;
	bool has_inlet;               /* its own BMC's inlet temperature (beside a rack's */
	double inlet_c;               /* thermal incident), when has_inlet */
};

/* A reading of a neighbour of the cause, at the time of the notification. */
struct notif_reading {
	const char *device;
	const char *metric;           /* canonical name: "temperature", "ups_runtime" ... */
	double value;                 /* NAN for a state, or when the device is silent */
	const char *unit;
	const char *state;            /* state metrics: the state name, else NULL */
	bool silent;                  /* the device did not answer its last poll */
	const char *instance;         /* a table metric: the instance that gave value, "INDEX
	                               * LABEL" (device text), as in struct reading; else NULL */
};

struct notification {
	enum notif_kind kind;
	/* Identifies the incident for its whole life, across restarts: "<site code>-<yyyymmdd>-<n>".
	 * With seq it makes each notification unique, so a sink can refuse a duplicate. */
	const char *incident_id;
	unsigned seq;                 /* 0 = the first notification of the incident, then 1, 2 ... */
	enum severity severity;       /* of the incident now (recovery: the worst it reached) */
	enum criterion criterion;
	double opened;                /* wall clock when the incident opened */
	double time;                  /* wall clock of this notification */
	double closed;                /* NOTIF_RECOVERY: when it ended, else 0 */

	/* The cause: the device (a dead air conditioner, a UPS on battery) or the rack whose
	 * probes read out of envelope. Device names come from the configuration, but
	 * states and texts below may come from devices: sinks must escape them. */
	const char *device;           /* device name, or NULL */
	const char *rack;             /* rack name, or NULL */
	const char *metric;           /* canonical metric name, e.g. "temperature" */
	double value;                 /* the reading that triggered it (NAN if none: contact) */
	double worst;                 /* the worst reading of the incident */
	const char *unit;             /* "°C", "%", "s" ... */
	const char *state;            /* for state metrics: "on_battery", "alarm" ... else NULL */
	double bound;                 /* the threshold crossed (NAN if none) */
	const char *bound_kind;       /* "max" or "min", NULL if none */
	/* The sensor or phase that gave the worst reading, for a metric with several
	 * instances: its device ("probe-a") and instance ("3 Entrée baie A": the row index,
	 * then the device's own label); NULL if the metric has one value. */
	const char *sensor_device;
	const char *sensor;

	const struct notif_server *servers;   /* the servers affected, grouped in one incident */
	size_t n_servers;

	/* Context added on the way to the sinks (context.c); zero/NAN/NULL when none. */
	double trend_rate;            /* the reading's clear trend, unit per second; NAN if none */
	double trend_level;           /* the trend line now */
	double trend_limit;           /* the next limit it reaches ... */
	const char *trend_limit_kind; /* ... "recommended" or "allowable" ... */
	double trend_eta_s;           /* ... in this many seconds */
	double budget_at;             /* UPS on battery: wall clock when the runtime left falls
	                               * to the shutdown budget (NAN if unknown) */
	const struct notif_reading *neighbours;
	size_t n_neighbours;
	const char *host;             /* the machine envmond runs on */
};

/* A sink accepts a notification durably (0) or not (-1: the caller keeps it pending and
 * offers it again later). It must accept the same (incident_id, seq) twice without
 * sending it twice. */
typedef int (*notify_fn)(void *arg, const struct notification *n);

#endif
