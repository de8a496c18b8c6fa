/* groups.c — walking the audit for the writers (see groups.h). */
#include <config.h>

#include <stdio.h>
#include <string.h>

#include "envmon.h"
#include "groups.h"

enum verdict groups_overall_verdict(const struct audit *a)
{
	enum verdict v = a->n_servers ? VERDICT_OK : VERDICT_NO_DATA;

	for (size_t i = 0; i < a->n_servers; i++)
		v = verdict_worst(v, a->servers[i].verdict);
	return v;
}

size_t groups_end(const struct audit *a, size_t first)
{
	size_t i = first + 1;

	while (i < a->n_servers && a->servers[i].server->rack == a->servers[first].server->rack)
		i++;
	return i;
}

bool groups_in_rack(const struct audit_server *s)
{
	return s->server->rack && s->server->rack->is_rack;
}

static bool same_evidence(const struct audit_row *r, const struct audit_row *o)
{
	return r->device == o->device && r->crit == o->crit && r->verdict == o->verdict &&
		memcmp(&r->env, &o->env, sizeof(r->env)) == 0;
}

/* The row of an earlier server of the group [first, first + n) with the same evidence
 * as r, or NULL. */
static const struct audit_row *groups_shown_before(const struct audit *a, size_t first,
	size_t n, const struct audit_row *r)
{
	for (size_t i = first; i < first + n && &a->rows[a->servers[i].first_row] <= r; i++) {
		const struct audit_server *s = &a->servers[i];

		for (size_t j = 0; j < s->n_rows; j++) {
			const struct audit_row *o = &a->rows[s->first_row + j];

			if (o == r)
				return NULL;
			if (same_evidence(r, o))
				return o;
		}
	}
	return NULL;
}

void groups_sharing(const struct audit *a, size_t first, size_t n, const struct audit_row *r,
	char *buf, size_t size)
{
	buf[0] = '\0';
	for (size_t i = first; i < first + n; i++) {
		const struct audit_server *s = &a->servers[i];

		for (size_t j = 0; j < s->n_rows; j++)
			if (same_evidence(r, &a->rows[s->first_row + j])) {
				size_t len = strlen(buf);

				snprintf(buf + len, size - len, "%s%s", len ? ", " : "", s->server->name);
				break;
			}
	}
}

const struct audit_row *groups_row_of(const struct audit *a, size_t k, const struct audit_row *r)
{
	const struct audit_server *s = &a->servers[k];

	for (size_t j = 0; j < s->n_rows; j++) {
		const struct audit_row *o = &a->rows[s->first_row + j];

		if (o->device == r->device && o->crit == r->crit)
			return o;
	}
	return NULL;
}

/* Is r's (device, criterion) a line of the verdict table through a server before i? */
static bool groups_verdict_seen(const struct audit *a, size_t first, size_t i,
	const struct audit_row *r)
{
	for (size_t k = first; k < i; k++)
		if (groups_row_of(a, k, r))
			return true;
	return false;
}

void groups_iter_init(struct groups_iter *it, size_t first, size_t n)
{
	*it = (struct groups_iter){ first, n, first, 0 };
}

const struct audit_row *groups_next(const struct audit *a, struct groups_iter *it,
	enum groups_walk walk)
{
	for (; it->i < it->first + it->n; it->i++, it->j = 0) {
		const struct audit_server *s = &a->servers[it->i];

		while (it->j < s->n_rows) {
			const struct audit_row *r = &a->rows[s->first_row + it->j++];
			bool skip = walk == GROUPS_EVIDENCE ?
				groups_shown_before(a, it->first, it->n, r) != NULL :
				groups_verdict_seen(a, it->first, it->i, r);

			if (!skip)
				return r;
		}
	}
	return NULL;
}

bool groups_device_seen(const struct audit *a, size_t first, size_t upto,
	const struct cfg_device *dev)
{
	for (size_t i = first; i < upto; i++) {
		const struct cfg_server *srv = a->servers[i].server;

		for (size_t j = 0; j < srv->n_ups; j++)
			if (srv->ups[j] == dev)
				return true;
	}
	return false;
}

bool groups_has_graphs(const struct audit *a, size_t first, size_t n)
{
	const struct cfg_rack *rack = a->servers[first].server->rack;
	bool any = rack && rack->is_rack && rack->n_probes > 0;

	for (size_t i = first; i < first + n && !any; i++)
		any = a->servers[i].server->n_ups > 0;
	return any;
}

const char *groups_crit_source(enum criterion c)
{
	switch (c) {
	case CRIT_TEMPERATURE: case CRIT_HUMIDITY: case CRIT_DEW_POINT:
	case CRIT_TEMP_RATE_HOUR: case CRIT_TEMP_RATE_15MIN:
		return _("ASHRAE TC 9.9, at the server inlet: recommended envelope, allowable class A1");
	case CRIT_INPUT_VOLTAGE: case CRIT_INPUT_FREQUENCY:
		return _("EN 50160: 230 V and 50 Hz supply tolerances");
	case CRIT_UPS_RUNTIME:
		return _("the servers' shutdown budget (10 min by default)");
	case CRIT_UPS_LOAD:
		return _("UPS load: warning from 80 percent, critical from 90 percent");
	default:
		return _("the state reported by the device, graded as envmond's alerts grade it");
	}
}

bool groups_first_source(const struct audit *a, size_t i)
{
	const char *src = groups_crit_source(a->rows[i].crit);

	for (size_t j = 0; j < i; j++)
		if (groups_crit_source(a->rows[j].crit) == src)
			return false;
	return true;
}

bool groups_first_threshold(const struct audit *a, size_t i)
{
	const struct audit_row *r = &a->rows[i];

	for (size_t j = 0; j < i; j++)
		if (a->rows[j].crit == r->crit && a->rows[j].server->spec == r->server->spec)
			return false;
	return true;
}
