/* groups.h — how the report's writers (HTML, PDF) walk the audit: servers rack by rack,
 * the evidence two servers of one rack share shown once, the overall verdict and where
 * each threshold comes from. Pure functions of the audit. */
#ifndef GROUPS_H
#define GROUPS_H

#include <stdbool.h>
#include <stddef.h>

#include "audit.h"

/* The worst verdict of all servers (no data when there is no server). */
enum verdict groups_overall_verdict(const struct audit *a);
/* Servers are built rack by rack (audit_build): the end of the group that starts at
 * server first, the servers of its rack being consecutive. */
size_t groups_end(const struct audit *a, size_t first);
/* Does server s stand in a real rack (not the "outside any rack" pseudo-rack)? */
bool groups_in_rack(const struct audit_server *s);
/* The servers of the group whose rows share r's evidence, "srv-a, srv-b", into buf. */
void groups_sharing(const struct audit *a, size_t first, size_t n, const struct audit_row *r,
	char *buf, size_t size);
/* Server k's row with the device and criterion of r, or NULL. */
const struct audit_row *groups_row_of(const struct audit *a, size_t k, const struct audit_row *r);
/* Walks the rows of the servers [first, first + n) of a group. */
struct groups_iter {
	size_t first, n, i, j;
};
enum groups_walk {
	GROUPS_EVIDENCE,       /* each piece of evidence once (groups_shown_before) */
	GROUPS_VERDICT_LINES,  /* each (device, criterion) once (groups_verdict_seen) */
};
void groups_iter_init(struct groups_iter *it, size_t first, size_t n);
/* The next row of the walk, or NULL after the last. */
const struct audit_row *groups_next(const struct audit *a, struct groups_iter *it,
	enum groups_walk walk);
/* Has a server of [first, upto) the UPS dev? (Its graphs are drawn once.) */
bool groups_device_seen(const struct audit *a, size_t first, size_t upto,
	const struct cfg_device *dev);
/* Does the group have anything to graph (a probe of its rack, a UPS)? */
bool groups_has_graphs(const struct audit *a, size_t first, size_t n);
/* Where the threshold of criterion c comes from, translated. */
const char *groups_crit_source(enum criterion c);
/* Is row i the first of its threshold source / of its (spec, criterion)? (The method
 * lists each once.) */
bool groups_first_source(const struct audit *a, size_t i);
bool groups_first_threshold(const struct audit *a, size_t i);

#endif
