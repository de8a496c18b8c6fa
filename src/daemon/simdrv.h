/* simdrv.h — the simulation driver (protocol "sim"): a device whose readings come from
 * a scenario file evaluated at the clock's time, for simulation tests and the demo.
 *
 * Scenario format (one statement per line, '#' starts a comment):
 *   include "FILE"                 statements of FILE first (relative to this file)
 *   start = EPOCH_SECONDS          scenario time 0 (default: when the device opens)
 *   METRIC = EXPR [@ WINDOW]       the value; the last '=' line active at t wins
 *   METRIC += EXPR [@ WINDOW]      added to it while active (sine waves, noise)
 *   silent [@ WINDOW]              the device does not answer
 * EXPR: NUMBER | STATE_NAME | invalid | absent | sine AMPLITUDE PERIOD [PHASE]
 *       | square AMPLITUDE PERIOD | ramp FROM TO (linear over the window)
 *       | noise SD (Gaussian, reproducible: a function of the time only)
 * WINDOW: FROM..TO or FROM.. (open end). Durations: 90, 90s, 15m, 2h, 1d.
 * Numbers are in the metric's unit after the profile's scaling (°C, %, s); states by
 * name from the profile's state map. */
#ifndef SIMDRV_H
#define SIMDRV_H

#include <stdbool.h>

#include "drvapi.h"

extern const struct driver_ops sim_driver;

struct scenario;

/* Parses a scenario file; NULL (errors logged as file:line) on error. */
struct scenario *simdrv_load(const char *path);
void simdrv_free(struct scenario *sc);
/* Scenario time 0 in epoch seconds, or NAN if the file gives none. */
double simdrv_start(const struct scenario *sc);
/* Evaluates metric m at scenario time t into out. Returns false if the device is
 * silent at t. */
bool simdrv_eval(const struct scenario *sc, const struct profile_metric *m, double t, struct reading *out);

#endif
