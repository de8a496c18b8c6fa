/* alertint.h — the alert module's own state, shared by its parts (alert.c, conds.c,
 * judge.c, incident.c, delivery.c, replay.c) and by no one else: the rest of the daemon
 * sees only alert.h. */
#ifndef ALERTINT_H
#define ALERTINT_H

#include <stdbool.h>
#include <stddef.h>

#include "derive.h"
#include "drvapi.h"
#include "notify.h"
#include "rules.h"

struct devinfo {
	const struct cfg_device *dev;
	bool seen;                     /* answered at least once since start-up */
	struct derived d;              /* its last derived values (probes: the rack's envelope) */
	const char *ups_source;        /* last state read, for "silent while on battery" */
	char inst[2][READING_INSTANCE_MAX];   /* instance of its temperature, humidity ("" if none) */
	/* Its coldest temperature and driest humidity instance (NAN, "" if it has no table):
	 * the aggregate is the hottest, and the envelope has a lower bound too. */
	double low[2];
	char inst_low[2][READING_INSTANCE_MAX];
	size_t *conds, n_conds;        /* indexes in alert.conds of the conditions its results
	                                * may feed (its own, its racks'), in table order */
};

/* One evaluation of a condition across its servers. */
struct eval {
	enum severity sev, clear;
	bool immediate;
	double value, bound;
	int bound_dir;
	const char *state;
	const struct cfg_threshold *thr;   /* of the server driving the verdict */
	const char *sensor_device;         /* the instance that gave value, or NULL */
	char sensor[READING_INSTANCE_MAX];
};

struct cond {
	char *key;
	enum criterion crit;
	const struct cfg_device *dev;      /* the cause, or NULL for a rack */
	const struct cfg_rack *rack;       /* the cause for thermal criteria */
	const struct cfg_server **servers;
	size_t n_servers;
	bool *hit, *cur_hit;               /* out of spec during the incident / now */
	struct rules_state rs;
	/* the open incident ("" id = none) */
	char id[64];
	unsigned next_seq;
	bool mailed;
	/* When it opened. rules.c forgets it (rs.opened = 0) as the incident recovers, in the
	 * step whose close record and recovery mail still need it. */
	double opened;
	double since, worst, first_value, bound;
	int bound_dir;
	enum severity worst_sev;
	const char *state, *worst_state;
	char sensor_device[64], sensor[READING_INSTANCE_MAX];   /* of the worst reading ("": none) */
};

struct alert {
	const struct config *cfg;
	const struct silences *silences;   /* envmonctl silence windows (NULL: none) */
	struct journal *j;
	char *snapshot_path;
	notify_fn sink;
	void *sink_arg;
	struct cond *conds;
	size_t n, cap;
	struct devinfo *devs;
	struct json_object **pending;      /* notice records not yet accepted by the sink */
	size_t n_pending, cap_pending;
	struct json_object **unwritten;    /* records the journal refused (disk full), in order */
	size_t n_unwritten, cap_unwritten;
	struct json_object **orphans;      /* replay: last record of each open incident whose
	                                    * condition the configuration no longer has */
	size_t n_orphans, cap_orphans;
	char id_day[9];                    /* UTC day of the last incident id, and its n */
	unsigned id_n;
	double grace_until;                /* alerts.startup_grace: no new incident before */
	unsigned max_gap_s;                /* the longest dead time of the devices */
	bool dirty;                        /* a condition's lifecycle is newer than the snapshot */
	bool soft_moved;                   /* only times and counters are (last seen, the flap
	                                    * history's shift, a worst reading) */
	double snapshot_time;              /* when it was last written */
};

/* The snapshot is soft state beside the journal (which holds every incident): a change
 * of a condition's lifecycle (a hold or clear-hold starting, a new raw severity) is
 * written at most this long after the last write, batched with the others ... */
#define SNAPSHOT_BATCH_S 5.0
/* ... and the times and counters every reading moves (last seen, the flap history
 * shifting, a worse reading of an open incident) at most this often: rewriting and
 * fsyncing the state of every condition after every reading made the daemon's cost grow
 * as N^2 (issue 20). Both are written at exit and reload. */
#define SOFT_SNAPSHOT_S 300.0

static const char *const notice_kinds[] = { "alert", "reminder", "recovery", "flapping", "test" };

#endif
