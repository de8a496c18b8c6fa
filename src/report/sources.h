/* sources.h — what the report reads (the state directory, each device's RRD file, the
 * journal), checked before the report is built: a file that is there but cannot be read
 * is an error that names it and says why, never a report of "no data". */
#ifndef SOURCES_H
#define SOURCES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "conf.h"

/* One file the report needed and could not read. */
struct sources_problem {
	char *path;
	int err;                   /* errno of the attempt (EACCES, ENOENT, ...) */
};

struct sources {
	struct sources_problem *problems;
	size_t n_problems, cap_problems;
	size_t n_rrd_found;        /* RRD files present and readable */
	bool journal_found;        /* journal present and readable */
	bool remote;               /* RRD files read through a network rrdcached: not checked */
};

/* Checks the state directory, the RRD file and the instances file (instfile.h) of every
 * configured device and the journal of cfg. A missing RRD file or journal is not a
 * problem by itself (a device added yesterday); a missing or unreadable state directory,
 * or a file that exists and cannot be opened, is. Fills out; returns its number of problems. */
size_t sources_check(const struct config *cfg, struct sources *out);
/* True when the state directory holds nothing to report from (no RRD file, no journal). */
bool sources_empty(const struct sources *s);
/* Prints each problem as "envmon-report: PATH: cannot be read: REASON" (translated) to out. */
void sources_print(const struct sources *s, FILE *out);
/* Why err stops a reader, translated ("permission denied"). */
const char *sources_reason(int err);
/* One problem as a sentence for the document ("PATH: Permission denied"); free it. */
char *sources_describe(const struct sources_problem *p);
void sources_free(struct sources *s);

#endif
