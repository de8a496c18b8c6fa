/* auditdata.h — the data of a site audit: rows, servers, episodes and upgrades. Its own
 * header so that the parts that fill it (episodes.c, upgrades.c) need not include the
 * orchestrator audit.h, which includes them: no include cycle. */
#ifndef AUDITDATA_H
#define AUDITDATA_H

#include <stdbool.h>
#include <time.h>

#include "conf.h"
#include "stats.h"
#include "verdict.h"

/* Static findings about a server's installation, from the configuration. */
enum audit_finding {
	FIND_NO_RACK = 1 << 0,     /* it stands outside a rack */
	FIND_NO_UPS = 1 << 1,      /* no UPS feeds it */
	FIND_NO_PROBE = 1 << 2,    /* nothing measures the air at its inlet */
	FIND_NO_COOLING = 1 << 3,  /* no cooling unit declared for its rack */
};

/* An incident from the journal, clipped to the period. */
struct audit_episode {
	time_t start, end;         /* end = the period's end when still open */
	time_t since;              /* first reading out of spec (before the hold), clipped */
	bool open;                 /* not over at the end of the period */
	bool on_battery;           /* ups_source: the UPS was on battery (an outage carried) */
	enum severity severity;
	enum criterion crit;
	char *device;              /* the device at the cause, or NULL */
	char *rack;                /* the rack at the cause, or NULL */
	char *servers;             /* the servers affected, comma-separated; may be NULL */
	double worst;              /* worst value, NAN if none */
	unsigned notifications;    /* mails sent for it */
};

/* One instance of a table metric (a probe's sensor, a UPS's phase), read from its own
 * RRD file (instances.h). */
struct audit_instance {
	char *index;
	char *label;               /* the device's label, control characters stripped; "" if none */
	struct stats st;
};

/* One criterion of one server, measured by one device. */
struct audit_row {
	const struct cfg_server *server;
	enum criterion crit;
	const struct cfg_device *device;
	bool is_state;             /* judged on states: figures are a level 0 ok, 1 warning, 2 critical */
	bool inlet;                /* read by the server's own BMC (`inlet`) */
	bool beside;               /* that reading beside the rack's probes: shown, not judged */
	struct envelope env;
	struct stats st;
	struct stats_day *days;    /* local days of the period, with */
	struct stats *daily;       /* the statistics of each */
	size_t n_days;
	int worst_day;             /* index in days, -1 when never outside */
	double worst_day_s;
	struct stats_runs battery; /* ups_source: runs on battery (transfers, longest outage) */
	unsigned warn_episodes, crit_episodes;
	double episodes_s;         /* total length of the incidents */
	enum verdict verdict;
	const char *reason;        /* msgid */
	/* A table metric with several instances: the figures of each, and the worst (-1 when
	 * none was measured), below the envelope (coldest, driest) when worst_low. n_inst = 0
	 * for a device with one instance or none: the row's figures are then the whole story. */
	struct audit_instance *inst;
	size_t n_inst;
	int worst_inst;
	bool worst_low;
};

struct audit_server {
	const struct cfg_server *server;
	unsigned findings;         /* enum audit_finding bits */
	enum verdict verdict;      /* worst of its rows and findings */
	size_t first_row, n_rows;
};

enum upgrade_kind {
	UPG_RACK, UPG_UPS_CONNECT, UPG_PROBE, UPG_COOLING, UPG_COOLING_SERVICE, UPG_HUMIDITY,
	UPG_BATTERY, UPG_UPS_CAPACITY, UPG_POWER, UPG_MONITORING,
};

struct audit_upgrade {
	enum upgrade_kind kind;
	char *target;              /* the rack, server or device it concerns */
	char *reason;              /* in the report's language, with figures */
};

struct audit {
	const struct config *cfg;
	time_t from, to;           /* [from, to) */
	struct audit_row *rows;
	size_t n_rows;
	struct audit_server *servers;
	size_t n_servers;
	struct audit_episode *episodes;
	size_t n_episodes;
	struct audit_upgrade *upgrades;
	size_t n_upgrades;
	struct battery_outage *outages;    /* every transfer to battery, battery.h */
	size_t n_outages;
};

#endif
