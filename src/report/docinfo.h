/* docinfo.h — what makes the report a document rather than a page: its date of issue,
 * its issuer (envmond's version and the host it ran on), and, for a report written with
 * --partial, the files it could not read. The writers show them on the first page. */
#ifndef DOCINFO_H
#define DOCINFO_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "sources.h"

struct docinfo {
	time_t issued;
	char host[256];
	const char *version;
	char **missing;            /* sentences, in the report's language */
	size_t n_missing;
};

/* Fills d for a document issued now on this host; with the problems of s (may be NULL). */
void docinfo_init(struct docinfo *d, const struct sources *s);
void docinfo_fini(struct docinfo *d);

struct audit;
/* Is row i of a the first row of a device measured less than VERDICT_MIN_COVERAGE of the
 * period? (The first page lists each such device once.) */
bool docinfo_low_coverage(const struct audit *a, size_t i);

#endif
