/* simharness.h — runs the real poller, sim driver, derive, rules, alert and journal in
 * virtual time against scenario files, with a recording notification sink that refuses
 * duplicates by (incident id, seq) as the mail spool does. Test code only. */
#ifndef SIMHARNESS_H
#define SIMHARNESS_H

#include <stdbool.h>
#include <stddef.h>

#include "conf.h"
#include "notify.h"
#include "pipeline.h"
#include "poller.h"

#define SIM_T0 1767225600.0           /* 2026-01-01 00:00:00 UTC, scenario time 0 */
#define H(x) ((x) * 3600.0)
#define M(x) ((x) * 60.0)

struct msgcat;

/* A notification as the sink kept it. */
struct sim_notice {
	char id[64];
	unsigned seq;
	enum notif_kind kind;
	enum severity severity;
	enum criterion criterion;
	double time, opened;          /* scenario seconds (time - SIM_T0) */
	char cause[64];               /* device or rack */
	char servers[256];            /* names, space-separated */
	double value, worst;
	double trend_rate, trend_limit, trend_eta_s;   /* context.c's forecast (NAN: none) */
	double budget_at;             /* on battery: scenario time the budget is reached */
	char mail_trend[256];         /* the French mail's "Prévision :" or "Tendance :" line,
	                               * "" if none (not kept over a restart) */
};

struct sim {
	char dir[256];                /* temporary directory: envmond.conf, state/, sink files */
	struct config *cfg;
	struct pipeline *pipe;
	struct poller *poller;
	struct sim_notice *notices;   /* accepted, in order */
	size_t n_notices;
	unsigned offers;              /* calls to the sink, duplicates included */
	struct msgcat *fr;            /* the French catalogue the sink formats mails with */
	double *polls[8];             /* scenario time of each poll result, per device */
	size_t n_polls[8], cap_polls[8];
	/* Crash points for the restart tests: SIGKILL in the sink, at the offer of this
	 * (criterion, kind), before or after the sink stored it. */
	int kill_crit, kill_kind;
	bool kill_after_store;
};

/* Writes envmond.conf in a new temporary directory with these scenarios (file names
 * under tests/sim/scenarios) for the UPS, the air conditioner and the rack probe. */
void sim_prepare(struct sim *s, const char *ups, const char *clim, const char *probe);
/* The same with extra settings appended to envmond.conf (e.g. maintenance windows). */
void sim_prepare_with(struct sim *s, const char *ups, const char *clim, const char *probe, const char *extra);
/* The same with default_spec inside the spec `default` instead of the one the older
 * scenarios use (the predictive warning turned off): "" keeps the built-in values. */
void sim_prepare_spec(struct sim *s, const char *ups, const char *clim, const char *probe,
	const char *default_spec, const char *extra);
/* The same with a configuration of its own: body follows the site, paths and storage
 * settings; "@SCN@" in it stands for the directory of the scenario files. */
void sim_prepare_conf(struct sim *s, const char *body);
/* Rewrites envmond.conf with body (as above), e.g. between sim_stop and sim_start. */
void sim_write_conf(const struct sim *s, const char *body);
/* Path of the journal in the state directory (free it). */
char *sim_journal_path(const struct sim *s);
/* Starts virtual time at SIM_T0 + at and the daemon's modules (restoring the journal). */
void sim_start(struct sim *s, double at);
/* Runs until scenario time until. */
void sim_run(struct sim *s, double until);
/* Stops the modules (not the files) and virtual time. */
void sim_stop(struct sim *s);
/* Removes the temporary directory. */
void sim_cleanup(struct sim *s);

/* Scenario time of the first poll of device (by name) at or after t; -1 if none. */
double sim_poll_at(const struct sim *s, const char *device, double t);
/* The accepted notices matching (criterion, kind); how many. */
size_t sim_count(const struct sim *s, enum criterion crit, int kind);
const struct sim_notice *sim_find(const struct sim *s, enum criterion crit, int kind, size_t nth);
/* Prints every notice (for failure messages). */
void sim_dump(const struct sim *s);

#endif
