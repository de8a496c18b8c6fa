/* drvapi.h — what every acquisition driver (SNMP, Modbus, NUT, simulation) offers the
 * poller, and what a poll hands back: one reading per metric of the device's profile.
 * Drivers know nothing of storage or rules: results leave through a callback. The
 * drivers include this header, not driver.h, so that the registry (driver.c), which
 * includes every driver, is not included back by them. */
#ifndef DRVAPI_H
#define DRVAPI_H

#include <stdbool.h>
#include <stddef.h>

#include "conf.h"

enum reading_status {
	READING_OK,       /* value holds the scaled value, or the state code of a state metric */
	READING_INVALID,  /* the device answered a sentinel meaning "unknown" (999, 65535, -1 ...) */
	READING_ABSENT,   /* the device does not have it (noSuchObject, illegal data address ...) */
	READING_ERROR,    /* the value could not be read or decoded (type, exception, state not mapped) */
};

/* Rounds of requests a poll may take, each with its own timeout x (retries + 1). */
#define DRIVER_MAX_ROUNDS 3

/* Longest instance label kept ("3 Entrée baie A"), terminator included. */
#define READING_INSTANCE_MAX 64

struct reading {
	enum reading_status status;
	double value;     /* NAN unless READING_OK */
	double raw;       /* the value as read, before scale and state mapping (NAN if none) */
	bool from_fallback; /* SNMP: read from the metric's fallback OID */
	/* A table metric: the instance that gave this value, as "INDEX LABEL" (the label
	 * is device text, control characters replaced); "" for a scalar metric. */
	char instance[READING_INSTANCE_MAX];
	unsigned sensor;    /* IPMI: index in the metric's sensors of the one read */
	bool from_fallback_metric; /* a table metric whose rows gave no good value: the
	                            * reading of its profile_table.fallback_metric */
};

/* One instance of a table metric (a sensor, a phase): a row of the device's table. */
struct instance_reading {
	size_t metric;                       /* index in dev->profile->metrics */
	char index[32];                      /* the row's index, the OID suffix ("2", "1.1") */
	char label[READING_INSTANCE_MAX];    /* the row's name column, or "" */
	struct reading r;
};

struct poll_result {
	const struct cfg_device *dev;
	double time;              /* wall clock when the answer arrived (clock_wall) */
	bool answered;            /* false: no answer at all (timeout, refused, bad credentials) */
	const char *error;        /* when !answered or some reading failed: why, for the log;
	                           * never contains a secret */
	struct reading *readings; /* indexed like dev->profile->metrics; a table metric's
	                           * is its instances' aggregate (profile_table) */
	size_t n_readings;
	const struct instance_reading *instances; /* every instance of the table metrics */
	size_t n_instances;

	/* Filled by the poller, not by drivers: */
	bool contact_lost;        /* this failure made the device "lost" (dead_time reached) */
	bool contact_restored;    /* this answer ended a lost contact */
	bool lost;                /* the device is currently lost */
};

typedef void (*poll_cb)(void *arg, const struct poll_result *res);

struct drv_device;   /* a driver's per-device state (session, link, ...) */

struct driver_ops {
	const char *name;
	/* Once, before any open; returns 0 or -1. NULL if not needed. */
	int (*init)(void);
	void (*fini)(void);
	/* Prepares dev for polling. cb is called on the loop thread with each result. */
	struct drv_device *(*open)(const struct cfg_device *dev, poll_cb cb, void *arg);
	/* Starts one asynchronous poll; the result comes later through cb, exactly once,
	 * within DRIVER_MAX_ROUNDS x dev->timeout_ms x (dev->retries + 1) plus a small
	 * margin (SNMP: v3 discovery, the main GETs, the fallback GETs). 0 or -1. */
	int (*poll)(struct drv_device *h);
	/* Stops dev; a poll in flight is abandoned and its callback not called. */
	void (*close)(struct drv_device *h);
	/* Optional. On a configuration reload, dev is replaced by an equivalent one (same
	 * transport, same profile: confdiff says SAME or RETUNED) from the new configuration;
	 * the old one is freed right after. Repoint h to it and keep the session, the poll in
	 * flight included. NULL: the poller closes and reopens the device instead. */
	void (*rebind)(struct drv_device *h, const struct cfg_device *dev);
};

#endif
