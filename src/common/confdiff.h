/* confdiff.h — what changed between two configurations, by name: which devices and
 * servers were added, removed or changed, and which settings only a restart applies.
 * The reload of the running daemon is driven by it. */
#ifndef CONFDIFF_H
#define CONFDIFF_H

#include <stdbool.h>
#include <stddef.h>

struct config;
struct cfg_device;

enum confdiff_change {
	CONFDIFF_SAME,       /* identical for every module */
	CONFDIFF_RETUNED,    /* same transport and profile; interval, timeout, retries or
	                      * dead_time differ: the session may be kept */
	CONFDIFF_CHANGED,    /* transport (address, credentials, serial settings) or profile
	                      * differ: a new session is needed */
	CONFDIFF_ADDED,
	CONFDIFF_REMOVED,
};

struct confdiff_item {
	const char *name;           /* points into the old (removed) or the new configuration */
	enum confdiff_change change;
};

struct confdiff {
	struct confdiff_item *devices;  /* every device of both: new order, then removed ones */
	size_t n_devices;
	struct confdiff_item *servers;  /* CHANGED when its rack, role, spec thresholds or UPS differ */
	size_t n_servers;
	bool site_changed;              /* site name, code, contacts */
	bool mail_changed;
	bool alerts_changed;
	bool maintenance_changed;
	/* Settings that need a restart (paths, daemon user/group, storage step):
	 * "paths.state_dir", ... NULL-terminated, static strings. */
	const char *restart_only[8];
	size_t n_restart_only;
};

/* Compares old and new (both valid). The result points into both: free it (confdiff_free)
 * before either configuration. */
void confdiff_compute(struct confdiff *d, const struct config *old, const struct config *new_cfg);
void confdiff_free(struct confdiff *d);

/* How device name fares in d; CONFDIFF_ADDED if d does not know it. */
enum confdiff_change confdiff_device(const struct confdiff *d, const char *name);
/* The same comparison for one pair of devices (same name). */
enum confdiff_change confdiff_compare_devices(const struct cfg_device *a, const struct cfg_device *b);
/* Counts of devices in d with the given change. */
size_t confdiff_count(const struct confdiff *d, enum confdiff_change change);
const char *confdiff_change_name(enum confdiff_change change);

#endif
