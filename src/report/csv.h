/* csv.h — the daily figures of the report as CSV (RFC 4180, UTF-8, decimal point),
 * for a spreadsheet. One row per day x server x criterion x measuring device, then one
 * row per server x criterion x device for the whole period (date = "period").
 *
 * Columns:
 *   date            YYYY-MM-DD (local day), or "period" for the whole period
 *   server, role    the server and its role (digitization, comci, other)
 *   criterion       canonical name (temperature, humidity, ups_runtime, ...)
 *   device          the device that measured it
 *   unit            unit of min..allow_hi ("°C", "%HR", "s", ...; "level" for states:
 *                   0 normal, 1 warning state, 2 critical state)
 *   points, known   points in the day and how many were measured (unknown = missing)
 *   coverage        known / points, 0..1
 *   min, mean, max, p95   over the known points (p95: linear interpolation between
 *                   closest ranks); empty when nothing was measured
 *   rec_lo, rec_hi, allow_lo, allow_hi   the envelopes (empty = no bound)
 *   out_rec_s, out_allow_s   seconds outside the recommended / allowable envelope
 *   out_rec_share, out_allow_share   the same as shares of the measured time, 0..1
 *   transfers, longest_outage_s      ups_source, period rows: runs on battery
 *   worst_day       period rows: the local day with the most time outside the
 *                   recommended envelope (empty when never outside)
 *   incidents       period rows: incidents of the journal (warning + critical)
 *   verdict         period rows: ok, watch, fail, nodata */
#ifndef CSV_H
#define CSV_H

#include <stdio.h>

#include "audit.h"

/* 0, or -1 on a write error. */
int csv_write(FILE *out, const struct audit *a);
/* Writes s as one CSV field (quoted when it holds a comma, quote or line break). */
void csv_field(FILE *out, const char *s);

#endif
