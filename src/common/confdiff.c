/* confdiff.c — field-by-field comparison of two configurations, matched by name. */
#include <config.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "confdiff.h"
#include "xmem.h"

static bool str_eq(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

/* Equal numbers, or both "no bound" (NAN). */
static bool num_eq(double a, double b)
{
	return a == b || (isnan(a) && isnan(b));
}

static bool strings_eq(char *const *a, size_t na, char *const *b, size_t nb)
{
	if (na != nb)
		return false;
	for (size_t i = 0; i < na; i++)
		if (!str_eq(a[i], b[i]))
			return false;
	return true;
}

static bool ints_eq(const long long *a, size_t na, const long long *b, size_t nb)
{
	return na == nb && (na == 0 || memcmp(a, b, na * sizeof(*a)) == 0);
}

static bool table_eq(const struct profile_table *a, const struct profile_table *b)
{
	if (!a || !b)
		return a == b;
	return str_eq(a->select_oid, b->select_oid) && str_eq(a->fallback_select_oid, b->fallback_select_oid) &&
		str_eq(a->select_text, b->select_text) &&
		str_eq(a->select_pattern, b->select_pattern) && a->aggregate == b->aggregate &&
		str_eq(a->fallback_metric, b->fallback_metric) && a->select_each_poll == b->select_each_poll &&
		a->parent_index_len == b->parent_index_len &&
		ints_eq(a->select_values, a->n_select_values, b->select_values, b->n_select_values) &&
		strings_eq(a->label_oids, a->n_label_oids, b->label_oids, b->n_label_oids) &&
		strings_eq(a->prefer_patterns, a->n_prefer_patterns, b->prefer_patterns, b->n_prefer_patterns) &&
		strings_eq(a->prefer_when, a->n_prefer_when, b->prefer_when, b->n_prefer_when) &&
		strings_eq(a->unit_oids, a->n_unit_oids, b->unit_oids, b->n_unit_oids) &&
		ints_eq(a->fahrenheit_values, a->n_fahrenheit_values, b->fahrenheit_values, b->n_fahrenheit_values);
}

/* The SNMP settings a driver opened with: a reload that changes one reopens the device. */
static bool snmp_extra_eq(const struct profile_metric *a, const struct profile_metric *b)
{
	return str_eq(a->sensor_status_oid, b->sensor_status_oid) &&
		str_eq(a->fallback_status_oid, b->fallback_status_oid) && str_eq(a->override_oid, b->override_oid) &&
		a->override_state == b->override_state &&
		ints_eq(a->override_values, a->n_override_values, b->override_values, b->n_override_values) &&
		ints_eq(a->status_ok, a->n_status_ok, b->status_ok, b->n_status_ok) &&
		ints_eq(a->fallback_invalid, a->n_fallback_invalid, b->fallback_invalid, b->n_fallback_invalid) &&
		a->has_valid == b->has_valid && (!a->has_valid ||
		(a->valid_min == b->valid_min && a->valid_max == b->valid_max)) && table_eq(a->snmp_table, b->snmp_table);
}

static bool metric_eq(const struct profile_metric *a, const struct profile_metric *b)
{
	if (!str_eq(a->name, b->name) || !str_eq(a->unit, b->unit) || !num_eq(a->scale, b->scale) ||
	    !num_eq(a->offset, b->offset) || a->convert != b->convert || !str_eq(a->oid, b->oid) ||
	    !str_eq(a->fallback_oid, b->fallback_oid) || !num_eq(a->fallback_scale, b->fallback_scale) ||
	    !str_eq(a->sensor_scale_oid, b->sensor_scale_oid) ||
	    !str_eq(a->sensor_precision_oid, b->sensor_precision_oid) || a->table != b->table ||
	    a->address != b->address || a->type != b->type || a->order != b->order || a->bit != b->bit ||
	    !str_eq(a->var, b->var) || !strings_eq(a->sensors, a->n_sensors, b->sensors, b->n_sensors) ||
	    !snmp_extra_eq(a, b))
		return false;
	if (a->n_invalid != b->n_invalid || a->n_states != b->n_states ||
	    !strings_eq(a->state_names, a->n_state_names, b->state_names, b->n_state_names))
		return false;
	for (size_t i = 0; i < a->n_invalid; i++)
		if (a->invalid[i] != b->invalid[i])
			return false;
	for (size_t i = 0; i < a->n_states; i++)
		if (a->states[i].raw != b->states[i].raw || a->states[i].code != b->states[i].code)
			return false;
	return true;
}

static bool profile_eq(const struct profile *a, const struct profile *b)
{
	if (a == b)
		return true;
	if (!a || !b || !str_eq(a->name, b->name) || a->kind != b->kind ||
	    a->protocol != b->protocol || a->n_metrics != b->n_metrics)
		return false;
	for (size_t i = 0; i < a->n_metrics; i++)
		if (!metric_eq(&a->metrics[i], &b->metrics[i]))
			return false;
	return true;
}

static bool snmp_eq(const struct cfg_snmp *a, const struct cfg_snmp *b)
{
	return str_eq(a->host, b->host) && a->port == b->port && a->version == b->version &&
		str_eq(a->community, b->community) && str_eq(a->user, b->user) && a->auth == b->auth &&
		str_eq(a->auth_pass, b->auth_pass) && a->priv == b->priv &&
		str_eq(a->priv_pass, b->priv_pass) && str_eq(a->context, b->context) &&
		a->max_oids == b->max_oids;
}

static bool modbus_eq(const struct cfg_modbus *a, const struct cfg_modbus *b)
{
	return str_eq(a->host, b->host) && a->port == b->port && str_eq(a->serial, b->serial) &&
		a->baud == b->baud && a->parity == b->parity && a->data_bits == b->data_bits &&
		a->stop_bits == b->stop_bits && a->rs485 == b->rs485 &&
		a->turnaround_ms == b->turnaround_ms && a->unit == b->unit;
}

static bool nut_eq(const struct cfg_nut *a, const struct cfg_nut *b)
{
	return str_eq(a->host, b->host) && a->port == b->port && str_eq(a->ups, b->ups) &&
		str_eq(a->user, b->user) && str_eq(a->password, b->password);
}

static bool ipmi_eq(const struct cfg_ipmi *a, const struct cfg_ipmi *b)
{
	return str_eq(a->host, b->host) && str_eq(a->user, b->user) && str_eq(a->password, b->password) &&
		strings_eq(a->workarounds, a->n_workarounds, b->workarounds, b->n_workarounds);
}

enum confdiff_change confdiff_compare_devices(const struct cfg_device *a, const struct cfg_device *b)
{
	if (a->protocol != b->protocol || !snmp_eq(&a->snmp, &b->snmp) ||
	    !modbus_eq(&a->modbus, &b->modbus) || !str_eq(a->sim.scenario, b->sim.scenario) ||
	    !nut_eq(&a->nut, &b->nut) || !ipmi_eq(&a->ipmi, &b->ipmi) ||
	    !profile_eq(a->profile, b->profile))
		return CONFDIFF_CHANGED;
	if (a->interval_s != b->interval_s || a->timeout_ms != b->timeout_ms ||
	    a->retries != b->retries || a->dead_intervals != b->dead_intervals)
		return CONFDIFF_RETUNED;
	return CONFDIFF_SAME;
}

/* ------------------------------------------------------------------ servers */

static bool threshold_eq(const struct cfg_threshold *a, const struct cfg_threshold *b)
{
	return a->enabled == b->enabled && num_eq(a->warn_lo, b->warn_lo) &&
		num_eq(a->warn_hi, b->warn_hi) && num_eq(a->crit_lo, b->crit_lo) &&
		num_eq(a->crit_hi, b->crit_hi) && num_eq(a->hysteresis, b->hysteresis) &&
		a->hold_s == b->hold_s && a->clear_hold_s == b->clear_hold_s && a->repeat_s == b->repeat_s;
}

static bool device_refs_eq(const struct cfg_device *const *a, size_t na,
	const struct cfg_device *const *b, size_t nb)
{
	if (na != nb)
		return false;
	for (size_t i = 0; i < na; i++)
		if (!str_eq(a[i]->name, b[i]->name))
			return false;
	return true;
}

static bool server_eq(const struct cfg_server *a, const struct cfg_server *b)
{
	const struct cfg_rack *ra = a->rack, *rb = b->rack;

	if (a->role != b->role || !str_eq(ra->name, rb->name) || ra->is_rack != rb->is_rack ||
	    !str_eq(a->spec->name, b->spec->name) ||
	    !device_refs_eq(a->ups, a->n_ups, b->ups, b->n_ups) ||
	    !device_refs_eq(&a->inlet, a->inlet != NULL, &b->inlet, b->inlet != NULL) ||
	    !device_refs_eq(ra->probes, ra->n_probes, rb->probes, rb->n_probes) ||
	    !device_refs_eq(ra->cooling, ra->n_cooling, rb->cooling, rb->n_cooling))
		return false;
	for (int c = 0; c < CRIT_COUNT; c++)
		if (!threshold_eq(&a->spec->crit[c], &b->spec->crit[c]))
			return false;
	return true;
}

/* ------------------------------------------------------------------ whole configuration */

static void add_item(struct confdiff_item **v, size_t *n, size_t *cap, const char *name,
	enum confdiff_change change)
{
	*v = xgrow(*v, cap, *n + 1, sizeof(**v));
	(*v)[(*n)++] = (struct confdiff_item){ name, change };
}

static void diff_devices(struct confdiff *d, const struct config *old, const struct config *nw)
{
	size_t cap = 0;

	for (size_t i = 0; i < nw->n_devices; i++) {
		const struct cfg_device *o = conf_device(old, nw->devices[i].name);

		add_item(&d->devices, &d->n_devices, &cap, nw->devices[i].name,
			o ? confdiff_compare_devices(o, &nw->devices[i]) : CONFDIFF_ADDED);
	}
	for (size_t i = 0; i < old->n_devices; i++)
		if (!conf_device(nw, old->devices[i].name))
			add_item(&d->devices, &d->n_devices, &cap, old->devices[i].name, CONFDIFF_REMOVED);
}

static void diff_servers(struct confdiff *d, const struct config *old, const struct config *nw)
{
	size_t cap = 0;

	for (size_t r = 0; r < nw->n_racks; r++)
		for (size_t s = 0; s < nw->racks[r].n_servers; s++) {
			const struct cfg_server *srv = &nw->racks[r].servers[s];
			const struct cfg_server *o = conf_server(old, srv->name);

			add_item(&d->servers, &d->n_servers, &cap, srv->name, !o ? CONFDIFF_ADDED :
				server_eq(o, srv) ? CONFDIFF_SAME : CONFDIFF_CHANGED);
		}
	for (size_t r = 0; r < old->n_racks; r++)
		for (size_t s = 0; s < old->racks[r].n_servers; s++)
			if (!conf_server(nw, old->racks[r].servers[s].name))
				add_item(&d->servers, &d->n_servers, &cap, old->racks[r].servers[s].name,
					CONFDIFF_REMOVED);
}

static void restart_only(struct confdiff *d, bool differs, const char *what)
{
	if (differs && d->n_restart_only + 1 < ARRAY_SIZE(d->restart_only))
		d->restart_only[d->n_restart_only++] = what;
}

static bool mail_eq(const struct cfg_mail *a, const struct cfg_mail *b)
{
	return a->enabled == b->enabled && str_eq(a->server, b->server) && a->port == b->port &&
		a->tls == b->tls && str_eq(a->ca_file, b->ca_file) && str_eq(a->user, b->user) &&
		str_eq(a->password, b->password) && str_eq(a->from, b->from) &&
		str_eq(a->lang, b->lang) && a->timeout_s == b->timeout_s &&
		a->max_per_hour == b->max_per_hour;
}

static bool maintenance_eq(const struct config *a, const struct config *b)
{
	if (a->n_maintenance != b->n_maintenance)
		return false;
	for (size_t i = 0; i < a->n_maintenance; i++) {
		const struct cfg_maintenance *x = &a->maintenance[i], *y = &b->maintenance[i];

		if (!str_eq(x->target, y->target) || x->from != y->from || x->to != y->to ||
		    !str_eq(x->reason, y->reason))
			return false;
	}
	return true;
}

static bool site_eq(const struct config *a, const struct config *b)
{
	const struct cfg_contacts *x = &a->site.contacts, *y = &b->site.contacts;

	for (int r = 0; r < ROLE_COUNT; r++)
		if (!strings_eq(x->role[r], x->n_role[r], y->role[r], y->n_role[r]))
			return false;
	return str_eq(a->site.name, b->site.name) && str_eq(a->site.code, b->site.code) &&
		str_eq(a->site.ressort, b->site.ressort) &&
		strings_eq(x->arsit, x->n_arsit, y->arsit, y->n_arsit) &&
		strings_eq(x->local, x->n_local, y->local, y->n_local) &&
		x->local_min_severity == y->local_min_severity;
}

void confdiff_compute(struct confdiff *d, const struct config *old, const struct config *nw)
{
	memset(d, 0, sizeof(*d));
	diff_devices(d, old, nw);
	diff_servers(d, old, nw);
	d->site_changed = !site_eq(old, nw);
	d->mail_changed = !mail_eq(&old->mail, &nw->mail);
	d->alerts_changed = memcmp(&old->alerts, &nw->alerts, sizeof(old->alerts)) != 0;
	d->maintenance_changed = !maintenance_eq(old, nw);
	restart_only(d, !str_eq(old->paths.state_dir, nw->paths.state_dir), "paths.state_dir");
	restart_only(d, !str_eq(old->paths.pid_file, nw->paths.pid_file), "paths.pid_file");
	restart_only(d, !str_eq(old->paths.control_socket, nw->paths.control_socket),
		"paths.control_socket");
	restart_only(d, !str_eq(old->daemon.user, nw->daemon.user) ||
		!str_eq(old->daemon.group, nw->daemon.group) ||
		old->daemon.allow_root != nw->daemon.allow_root, "daemon");
	restart_only(d, old->storage.step_s != nw->storage.step_s ||
		old->storage.batch_s != nw->storage.batch_s ||
		!str_eq(old->storage.rrdcached, nw->storage.rrdcached), "storage");
}

void confdiff_free(struct confdiff *d)
{
	free(d->devices);
	free(d->servers);
	memset(d, 0, sizeof(*d));
}

enum confdiff_change confdiff_device(const struct confdiff *d, const char *name)
{
	for (size_t i = 0; i < d->n_devices; i++)
		if (strcmp(d->devices[i].name, name) == 0)
			return d->devices[i].change;
	return CONFDIFF_ADDED;
}

size_t confdiff_count(const struct confdiff *d, enum confdiff_change change)
{
	size_t n = 0;

	for (size_t i = 0; i < d->n_devices; i++)
		n += d->devices[i].change == change;
	return n;
}

const char *confdiff_change_name(enum confdiff_change change)
{
	static const char *const names[] = { "same", "retuned", "changed", "added", "removed" };

	return names[change];
}
