/* docinfo.c — the identity of the document. */
#include <config.h>

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit.h"
#include "clock.h"
#include "docinfo.h"
#include "xmem.h"

void docinfo_init(struct docinfo *d, const struct sources *s)
{
	memset(d, 0, sizeof(*d));
	d->issued = (time_t)clock_wall();
	if (gethostname(d->host, sizeof(d->host)) != 0)
		strcpy(d->host, "?");
	d->host[sizeof(d->host) - 1] = '\0';
	d->version = PACKAGE_VERSION;
	if (!s || s->n_problems == 0)
		return;
	d->missing = xcalloc(s->n_problems, sizeof(*d->missing));
	for (size_t i = 0; i < s->n_problems; i++)
		d->missing[d->n_missing++] = sources_describe(&s->problems[i]);
}

void docinfo_fini(struct docinfo *d)
{
	for (size_t i = 0; i < d->n_missing; i++)
		free(d->missing[i]);
	free(d->missing);
	memset(d, 0, sizeof(*d));
}

bool docinfo_low_coverage(const struct audit *a, size_t i)
{
	const struct audit_row *r = &a->rows[i];

	if (r->st.coverage >= VERDICT_MIN_COVERAGE)
		return false;
	for (size_t j = 0; j < i; j++)
		if (a->rows[j].device == r->device && a->rows[j].st.coverage < VERDICT_MIN_COVERAGE)
			return false;
	return true;
}
