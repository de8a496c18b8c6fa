/* status.c — the "servers" status section, from the configuration and a state callback. */
#include <config.h>

#include <json-c/json.h>
#include <math.h>
#include <stdio.h>

#include "alert.h"
#include "status.h"

static struct json_object *bound(double v)
{
	return isnan(v) ? NULL : json_object_new_double(v);
}

static struct json_object *range(double lo, double hi)
{
	struct json_object *a = json_object_new_array();

	json_object_array_add(a, bound(lo));
	json_object_array_add(a, bound(hi));
	return a;
}

static void add_trend(struct json_object *o, enum criterion c, const struct status_criterion *sc)
{
	struct json_object *f;

	if (isnan(sc->trend_rate))
		return;
	f = json_object_new_object();
	json_object_object_add(f, "rate_per_5min", json_object_new_double(sc->trend_rate * 300.0));
	json_object_object_add(f, "direction", json_object_new_string(sc->trend_rate > 0 ? "rising" : "falling"));
	json_object_object_add(f, "unit", json_object_new_string(criterion_trend_unit(c)));
	json_object_object_add(f, "limit", bound(sc->trend_limit));
	json_object_object_add(f, "limit_kind", sc->trend_limit_kind ?
		json_object_new_string(sc->trend_limit_kind) : NULL);
	json_object_object_add(f, "eta_s", bound(sc->trend_eta_s));
	json_object_object_add(o, "forecast", f);
}

static void add_state(struct json_object *o, const struct cfg_server *srv, enum criterion c,
	status_criterion_fn fn, void *arg)
{
	struct status_criterion sc = { .severity = SEV_UNKNOWN, .value = NAN, .trend_rate = NAN,
		.trend_limit = NAN, .trend_eta_s = NAN };
	bool known = fn && fn(arg, srv, c, &sc);

	add_trend(o, c, &sc);
	if (!known) {
		json_object_object_add(o, "state", NULL);
		return;
	}
	json_object_object_add(o, "state", json_object_new_string(severity_name(sc.severity)));
	json_object_object_add(o, "since", sc.since > 0 ? json_object_new_double(sc.since) : NULL);
	json_object_object_add(o, "value", bound(sc.value));
	json_object_object_add(o, "pending", json_object_new_boolean(sc.pending));
}

static struct json_object *criteria_json(const struct cfg_server *srv, status_criterion_fn fn, void *arg)
{
	struct json_object *a = json_object_new_array();

	for (int c = 0; c < CRIT_COUNT; c++) {
		const struct cfg_threshold *t = &srv->spec->crit[c];
		struct json_object *o;

		if (!t->enabled)
			continue;
		o = json_object_new_object();
		json_object_object_add(o, "criterion", json_object_new_string(criterion_name((enum criterion)c)));
		if (!isnan(t->warn_lo) || !isnan(t->warn_hi))
			json_object_object_add(o, "warn", range(t->warn_lo, t->warn_hi));
		if (!isnan(t->crit_lo) || !isnan(t->crit_hi))
			json_object_object_add(o, "crit", range(t->crit_lo, t->crit_hi));
		json_object_object_add(o, "hold", json_object_new_int64(t->hold_s));
		add_state(o, srv, (enum criterion)c, fn, arg);
		json_object_array_add(a, o);
	}
	return a;
}

static struct json_object *server_json(const struct cfg_server *srv, status_criterion_fn fn, void *arg)
{
	struct json_object *o = json_object_new_object(), *ups = json_object_new_array();

	json_object_object_add(o, "name", json_object_new_string(srv->name));
	json_object_object_add(o, "rack", json_object_new_string(srv->rack->name));
	json_object_object_add(o, "in_rack", json_object_new_boolean(srv->rack->is_rack));
	json_object_object_add(o, "role", json_object_new_string(role_name(srv->role)));
	json_object_object_add(o, "spec", json_object_new_string(srv->spec->name));
	for (size_t i = 0; i < srv->n_ups; i++)
		json_object_array_add(ups, json_object_new_string(srv->ups[i]->name));
	json_object_object_add(o, "ups", ups);
	if (srv->inlet)   /* its own BMC (issue 15.3) */
		json_object_object_add(o, "inlet", json_object_new_string(srv->inlet->name));
	json_object_object_add(o, "criteria", criteria_json(srv, fn, arg));
	return o;
}

struct json_object *status_servers_json(const struct config *cfg, status_criterion_fn fn, void *arg)
{
	struct json_object *a = json_object_new_array();

	for (size_t r = 0; r < cfg->n_racks; r++)
		for (size_t s = 0; s < cfg->racks[r].n_servers; s++)
			json_object_array_add(a, server_json(&cfg->racks[r].servers[s], fn, arg));
	return a;
}

/* Folds the condition kind:name/c into out, keeping the worst; *any once one was seen. */
static void fold_condition(const struct alert *a, const char *kind, const char *name, enum criterion c,
	struct status_criterion *out, bool *any)
{
	char key[512];
	const struct rules_state *rs;
	bool pending;

	snprintf(key, sizeof(key), "%s:%s/%s", kind, name, criterion_name(c));
	rs = alert_condition(a, key, NULL);
	if (!rs || !rs->seen)
		return;
	pending = rs->bad_since > 0;
	if (*any && (rs->level < out->severity || (rs->level == out->severity && !pending)))
		return;
	out->severity = rs->level;
	out->pending = pending;
	out->since = rs->level > SEV_OK ? rs->opened : pending ? rs->bad_since : 0;
	out->value = NAN;
	*any = true;
}

static void fold_devices(const struct alert *a, const struct cfg_device *const *devs, size_t n,
	enum criterion c, struct status_criterion *out, bool *any)
{
	for (size_t i = 0; i < n; i++)
		fold_condition(a, "device", devs[i]->name, c, out, any);
}

bool status_alert_criterion(void *alert, const struct cfg_server *srv, enum criterion c,
	struct status_criterion *out)
{
	const struct alert *a = alert;
	const struct cfg_rack *rack = srv->rack;
	bool any = false;

	if (c <= CRIT_TEMP_FORECAST) {
		if (rack->n_probes > 0)
			fold_condition(a, "rack", rack->name, c, out, &any);
	} else if (c == CRIT_COOLING_STATE) {
		fold_devices(a, rack->cooling, rack->n_cooling, c, out, &any);
	} else if (c < CRIT_CONTACT) {
		fold_devices(a, srv->ups, srv->n_ups, c, out, &any);
	} else {
		fold_devices(a, rack->probes, rack->n_probes, c, out, &any);
		fold_devices(a, rack->cooling, rack->n_cooling, c, out, &any);
		fold_devices(a, srv->ups, srv->n_ups, c, out, &any);
	}
	return any;
}
