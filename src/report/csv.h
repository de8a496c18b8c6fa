/* csv.h — the daily figures of the report as CSV, for a spreadsheet. One row per day x
 * server x criterion x measuring device, then one row per server x criterion x device for
 * the whole period (date = "period"), then one period row per static finding of a server
 * (criterion "installation:rack", "installation:ups", "installation:probe",
 * "installation:cooling"; verdict only), so that every server is present.
 *
 * Two dialects:
 *   rfc4180  ',' separator, decimal point, canonical names below, for programs;
 *   fr       what a French spreadsheet opens as it is: UTF-8 with a BOM, ';' separator,
 *            decimal comma, headers, roles, criteria and verdicts in French (through
 *            gettext), dates as DD/MM/YYYY and "période".
 *
 * Columns (rfc4180 names): *
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
 *   verdict         period rows: ok, watch, fail, nodata (fr: conforme, à surveiller,
 *                   non conforme, pas de données) */
#ifndef CSV_H
#define CSV_H

#include <stdio.h>

#include "audit.h"

enum csv_dialect { CSV_DIALECT_FR, CSV_DIALECT_RFC4180 };

/* "fr" or "rfc4180" into *d (d may be NULL to only check). 0, or -1. */
int csv_dialect_parse(const char *name, enum csv_dialect *d);
/* 0, or -1 on a write error. */
int csv_write(FILE *out, const struct audit *a, enum csv_dialect d);
/* Writes s as one CSV field, quoted when it holds sep, a quote or a line break. */
void csv_field(FILE *out, const char *s, char sep);

#endif
