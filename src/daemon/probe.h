/* probe.h — `envmond --probe DEVICE`: poll one device once through its driver, the
 * first thing a technician runs when wiring a UPS or a probe, and print each metric. */
#ifndef PROBE_H
#define PROBE_H

#include <stdbool.h>
#include <stdio.h>

#include "conf.h"

/* Polls the device called name with its driver (any protocol) and prints to out a
 * table, or JSON. Returns the exit status: 0, 1 if the device did not answer (the
 * reason on stderr), 64 for an unknown device, 69 if no driver can reach it. */
int probe_run(const struct config *cfg, const char *name, bool json, FILE *out);
/* The same for a device built by the caller (--discover). */
int probe_device(const struct cfg_device *dev, bool json, FILE *out);

/* Benchmark mode (--probe-all N): opens every device and its RRD file (the configured
 * storage), then N times polls them all at once, waits for the last result and stores
 * the answers, printing each cycle's poll wall time and CPU time and its RRD writes with
 * their time.
 * 0, or 1 if a device did not answer or a write failed. */
int probe_all(const struct config *cfg, unsigned cycles, FILE *out);

#endif
