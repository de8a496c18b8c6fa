/* region.h — the regional summary (issue 18.5): several courts' audits in one document
 * for the ARSIT and the SDIT, the courts ranked by verdict and by upgrades to plan,
 * then one line per upgrade with its court. Text, CSV, HTML or PDF (A4, through pdfdoc). */
#ifndef REGION_H
#define REGION_H

#include <stdio.h>

#include "audit.h"

/* One court's figures, from its audit. */
struct region_court {
	const struct audit *a;
	unsigned servers_failing;  /* servers judged non conforme */
	unsigned servers;
	double hours_out;          /* outside the allowable envelope, per (device, criterion) */
	unsigned outages;          /* transfers to battery carried */
	unsigned batteries;        /* UPS units whose batteries are to replace */
	size_t upgrades;
};

enum region_format { REGION_TEXT, REGION_CSV, REGION_HTML, REGION_PDF };

/* The figures of audit a. */
void region_court_figures(const struct audit *a, struct region_court *c);
/* Sorts courts worst first: more servers non conformes, then more upgrades, then more
 * hours out of the envelope, then by site code. */
void region_rank(struct region_court *courts, size_t n);
/* The document; 0, or -1 on a write error (or when cairo failed). */
int region_write(FILE *out, enum region_format f, const struct region_court *courts, size_t n,
	time_t from, time_t to);

#endif
