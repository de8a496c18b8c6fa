/* pipeline.h — what happens to each poll result: derived metrics, then the alert
 * lifecycle (rules, incidents, journal, notifications). One function for the poller's
 * sink, so that main wires the daemon with one line. */
#ifndef PIPELINE_H
#define PIPELINE_H

#include "alert.h"
#include "derive.h"
#include "drvapi.h"
#include "notify.h"

struct pipeline;

typedef void (*pipeline_tap_fn)(void *arg, const struct poll_result *res, const struct derived *d);

/* Builds the pipeline for cfg; notifications go to sink. NULL (logged) if the journal in
 * cfg->paths.state_dir cannot be used. */
struct pipeline *pipeline_new(const struct config *cfg, notify_fn sink, void *sink_arg);
void pipeline_free(struct pipeline *p);

struct confdiff;
/* A configuration reload: frees old and builds the pipeline for new_cfg, like
 * pipeline_new (the alert lifecycle comes back from its journal and snapshot), keeping
 * old's tap and the rate-of-change history of every device d calls SAME or RETUNED (a
 * changed transport or profile may be another device: it starts afresh). old may be
 * NULL. NULL (logged) if the journal cannot be used. */
struct pipeline *pipeline_reload(struct pipeline *old, const struct config *new_cfg,
	const struct confdiff *d, notify_fn sink, void *sink_arg);

/* The poller's sink (a poll_cb): arg is the pipeline. */
void pipeline_result(void *arg, const struct poll_result *res);

/* Also hands each result with its derived values to tap (storage, tests); NULL removes it. */
void pipeline_set_tap(struct pipeline *p, pipeline_tap_fn tap, void *arg);

struct alert *pipeline_alert(struct pipeline *p);
/* The context added to notifications (trends, neighbours): context.h. */
struct context *pipeline_context(struct pipeline *p);

/* A sink that only logs each notification, until a mail spool is wired in. */
int pipeline_log_sink(void *arg, const struct notification *n);

#endif
