/* profile.c — parsing and validation of device profile files. */
#include <config.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cfgparse.h"
#include "oidtext.h"
#include "profile.h"
#include "proftable.h"
#include "xmem.h"

static const char *const kind_names[] = { "ups", "cooling", "probe", NULL };
static const char *const protocol_names[] = { "snmp", "modbus", "nut", "ipmi", NULL };
/* Indexed so that table_names[i] reads with function code i + 1. */
static const char *const table_names[] = { "coil", "discrete", "holding", "input", NULL };
static const char *const type_names[] = { "int16", "uint16", "int32", "uint32", "float32", "bit", NULL };
static const char *const order_names[] = { "ABCD", "CDAB", "BADC", "DCBA", NULL };
static const char *const convert_names[] = { "none", "f_to_c", NULL };

static const char *const profile_keys[] = { "profile", NULL };
static const char *const header_keys[] = { "name", "kind", "protocol", "description", "match", "metrics", NULL };
static const char *const match_keys[] = { "sysobjectid", "probe_oid", NULL };
static const char *const snmp_metric_keys[] = { "name", "oid", "fallback_oid", "fallback_scale",
	"sensor_scale_oid", "sensor_precision_oid", "sensor_status_oid", "scale", "offset", "convert", "unit",
	"invalid", "valid", "states",
	/* read by proftable.c */
	"table", "select_oid", "select_values", "select_text", "select_pattern", "label_oid", "aggregate", "status_ok",
	"unit_oid", "fahrenheit_values", "fallback_invalid", "fallback_status_oid", "fallback_select_oid",
	"fallback_metric", "select_each_poll", "prefer_pattern", "prefer_when", "parent_index_len", "override_oid", "override_values", "override_state", NULL };
static const char *const modbus_metric_keys[] = { "name", "table", "address", "type", "order",
	"bit", "scale", "offset", "convert", "unit", "invalid", "valid", "states", NULL };
/* NUT and IPMI state metrics are decoded by their driver (ups.status tokens), not by a
 * raw-number map: no "states" there. */
static const char *const nut_metric_keys[] = { "name", "var", "scale", "offset", "convert", "unit",
	"invalid", NULL };
static const char *const ipmi_metric_keys[] = { "name", "sensors", "scale", "offset", "convert", "unit",
	NULL };
static const char *const *const metric_keys[] = { snmp_metric_keys, modbus_metric_keys, nut_metric_keys,
	ipmi_metric_keys };

const char *device_kind_name(enum device_kind kind)
{
	return kind_names[kind];
}

const char *value_type_name(enum value_type t)
{
	return type_names[t];
}

unsigned profile_metric_width(const struct profile_metric *m)
{
	switch (m->type) {
	case VT_INT32: case VT_UINT32: case VT_FLOAT32:
		return 2;
	default:
		return 1;
	}
}

int profile_metric_index(const struct profile *prof, const char *name)
{
	for (size_t i = 0; i < prof->n_metrics; i++)
		if (strcmp(prof->metrics[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* For the table OIDs (proftable.c): the same parser and limit as the SNMP driver's. */
static bool oid_valid(const char *oid)
{
	return oidtext_parse(oid, NULL, OIDTEXT_MAX_LEN) > 0;
}

static void get_oid(struct cfgparse *p, const config_setting_t *m, const char *key,
	bool required, char **out)
{
	int n;

	if (!cfgparse_string(p, m, key, required, out))
		return;
	n = oidtext_parse(*out, NULL, OIDTEXT_MAX_LEN);
	if (n == 0)
		cfgparse_error_at(p, config_setting_get_member(m, key),
			_("'%s' = \"%s\" is not a numeric OID"), key, *out);
	else if (n == OIDTEXT_TOO_LONG)
		cfgparse_error_at(p, config_setting_get_member(m, key),
			_("'%s': an OID of more than %d sub-identifiers (SNMP's limit)"), key, OIDTEXT_MAX_LEN);
}

static int state_name_code(struct profile_metric *pm, const char *name)
{
	for (size_t i = 0; i < pm->n_state_names; i++)
		if (strcmp(pm->state_names[i], name) == 0)
			return (int)i;
	return -1;
}

static bool setting_int(const config_setting_t *s, long long *out)
{
	if (config_setting_type(s) == CONFIG_TYPE_INT)
		*out = config_setting_get_int(s);
	else if (config_setting_type(s) == CONFIG_TYPE_INT64)
		*out = config_setting_get_int64(s);
	else
		return false;
	return true;
}

static void add_state(struct profile_metric *pm, long long raw, int code)
{
	pm->states = xrealloc(pm->states, (pm->n_states + 1) * sizeof(*pm->states));
	pm->states[pm->n_states].raw = raw;
	pm->states[pm->n_states++].code = code;
}

/* One state: name = raw; or name = [ raw, raw ... ]; */
static void parse_state(struct cfgparse *p, const config_setting_t *e, struct profile_metric *pm)
{
	const char *name = config_setting_name(e);
	int code = state_name_code(pm, name);
	long long raw;

	if (code < 0 && pm->def) {
		cfgparse_error_at(p, e, _("\"%s\" is not a state of '%s'"), name, pm->name);
		return;
	}
	if (code < 0) {
		pm->state_names = xrealloc(pm->state_names, (pm->n_state_names + 1) * sizeof(char *));
		pm->state_names[pm->n_state_names] = xstrdup(name);
		code = (int)pm->n_state_names++;
	}
	if (setting_int(e, &raw)) {
		add_state(pm, raw, code);
		return;
	}
	if (config_setting_type(e) == CONFIG_TYPE_ARRAY && config_setting_length(e) > 0) {
		for (int i = 0; i < config_setting_length(e); i++)
			if (setting_int(config_setting_get_elem(e, (unsigned)i), &raw))
				add_state(pm, raw, code);
		if (config_setting_get_elem(e, 0) && setting_int(config_setting_get_elem(e, 0), &raw))
			return;
	}
	cfgparse_error_at(p, e, _("state '%s' must be a raw integer or an array of them"), name);
}

/* states = { online = [ 3, 6, 7 ]; bypass = 4; ... }: each state with the raw values
 * that mean it. A raw value may map to one state only. */
static void parse_states(struct cfgparse *p, const config_setting_t *m, struct profile_metric *pm,
	bool driver_maps)
{
	config_setting_t *g = cfgparse_member(p, m, "states", CONFIG_TYPE_GROUP, false);

	if (pm->def && pm->def->type == METRIC_STATE) {
		pm->n_state_names = pm->def->n_states;
		pm->state_names = xcalloc(pm->n_state_names, sizeof(char *));
		for (size_t i = 0; i < pm->n_state_names; i++)
			pm->state_names[i] = xstrdup(pm->def->states[i]);
		if (!config_setting_get_member(m, "states") && !driver_maps)
			cfgparse_error_at(p, m, _("metric '%s' is a state: it needs a 'states' map"), pm->name);
	}
	if (!g)
		return;
	if (pm->def && pm->def->type == METRIC_NUMBER) {
		cfgparse_error_at(p, g, _("metric '%s' is a number: it cannot have 'states'"), pm->name);
		return;
	}
	for (int i = 0; i < config_setting_length(g); i++)
		parse_state(p, config_setting_get_elem(g, (unsigned)i), pm);
	for (size_t i = 0; i < pm->n_states; i++)
		for (size_t j = 0; j < i; j++)
			if (pm->states[i].raw == pm->states[j].raw)
				cfgparse_error_at(p, g, _("raw value %lld is mapped to two states"), pm->states[i].raw);
}

static void parse_invalid(struct cfgparse *p, const config_setting_t *m, struct profile_metric *pm)
{
	config_setting_t *a = cfgparse_member(p, m, "invalid", CONFIG_TYPE_ARRAY, false);
	int n;

	if (!a)
		return;
	n = config_setting_length(a);
	pm->invalid = xcalloc((size_t)n, sizeof(long long));
	for (int i = 0; i < n; i++) {
		config_setting_t *e = config_setting_get_elem(a, (unsigned)i);

		if (setting_int(e, &pm->invalid[pm->n_invalid]))
			pm->n_invalid++;
		else {
			cfgparse_error_at(p, a, _("'invalid' must be an array of integers"));
			return;
		}
	}
}

/* valid = [ MIN, MAX ]: raw values outside mean "unknown" (a card's 2147483647 or -1
 * for an object its UPS does not report). */
static void parse_valid(struct cfgparse *p, const config_setting_t *m, struct profile_metric *pm)
{
	config_setting_t *a = cfgparse_member(p, m, "valid", CONFIG_TYPE_ARRAY, false);

	if (!a)
		return;
	if (config_setting_length(a) != 2 || !setting_int(config_setting_get_elem(a, 0), &pm->valid_min) ||
	    !setting_int(config_setting_get_elem(a, 1), &pm->valid_max) || pm->valid_min > pm->valid_max) {
		cfgparse_error_at(p, a, _("'valid' must be [ MIN, MAX ], two integers, MIN <= MAX"));
		return;
	}
	pm->has_valid = true;
}

static void parse_modbus_address(struct cfgparse *p, const config_setting_t *m, struct profile_metric *pm)
{
	int table = -1, type = -1, order = ORDER_ABCD;
	unsigned address = 0, bit = 0;
	bool has_bit;

	if (!config_setting_get_member(m, "table"))
		cfgparse_error_at(p, m, _("metric '%s': missing setting 'table'"), pm->name);
	cfgparse_enum(p, m, "table", table_names, &table);
	if (!cfgparse_uint(p, m, "address", 0, 65535, &address) && !config_setting_get_member(m, "address"))
		cfgparse_error_at(p, m, _("metric '%s': missing setting 'address'"), pm->name);
	cfgparse_enum(p, m, "type", type_names, &type);
	cfgparse_enum(p, m, "order", order_names, &order);
	has_bit = cfgparse_uint(p, m, "bit", 0, 15, &bit);
	if (table < 0)
		return;
	pm->table = (enum modbus_table)(table + 1);
	pm->address = address;
	pm->order = (enum word_order)order;
	pm->bit = has_bit ? (int)bit : -1;
	if (pm->table == MB_COILS || pm->table == MB_DISCRETE_INPUTS) {
		if (type >= 0 && type != VT_BIT)
			cfgparse_error_at(p, m, _("metric '%s': coils and discrete inputs are single bits"), pm->name);
		pm->type = VT_BIT;
	} else {
		pm->type = type >= 0 ? (enum value_type)type : VT_INT16;
		if (pm->type == VT_BIT && !has_bit)
			cfgparse_error_at(p, m, _("metric '%s': type \"bit\" in a register needs 'bit'"), pm->name);
	}
	if (address + profile_metric_width(pm) > 65536)
		cfgparse_error_at(p, m, _("metric '%s': register range ends past 65535"), pm->name);
}

static void parse_metric(struct cfgparse *p, const config_setting_t *m, struct profile *prof,
	struct profile_metric *pm)
{
	int convert = CONVERT_NONE;

	pm->line = (int)config_setting_source_line(m);
	pm->scale = 1.0;
	pm->fallback_scale = NAN;
	pm->bit = -1;
	cfgparse_check_keys(p, m, metric_keys[prof->protocol]);
	if (!cfgparse_string(p, m, "name", true, &pm->name))
		pm->name = xstrdup("?");
	else if (!metric_name_valid(pm->name))
		cfgparse_error_at(p, m, _("metric name \"%s\" must be 1 to 19 characters of a-z, 0-9 and _, "
			"starting with a letter"), pm->name);
	pm->def = metric_lookup(pm->name);
	if (pm->def && pm->def->derived)
		cfgparse_error_at(p, m, _("metric '%s' is computed by envmond and cannot be read from a device"),
			pm->name);
	for (size_t i = 0; i + 1 < prof->n_metrics; i++)
		if (&prof->metrics[i] != pm && strcmp(prof->metrics[i].name, pm->name) == 0)
			cfgparse_error_at(p, m, _("metric '%s' is defined twice"), pm->name);

	if (prof->protocol == PROFILE_SNMP) {
		get_oid(p, m, "oid", true, &pm->oid);
		get_oid(p, m, "fallback_oid", false, &pm->fallback_oid);
		cfgparse_double(p, m, "fallback_scale", -1e9, 1e9, &pm->fallback_scale);
		get_oid(p, m, "sensor_scale_oid", false, &pm->sensor_scale_oid);
		get_oid(p, m, "sensor_precision_oid", false, &pm->sensor_precision_oid);
		get_oid(p, m, "sensor_status_oid", false, &pm->sensor_status_oid);
		proftable_parse(p, m, pm, oid_valid);
	} else if (prof->protocol == PROFILE_MODBUS) {
		parse_modbus_address(p, m, pm);
	} else if (prof->protocol == PROFILE_NUT) {
		cfgparse_string(p, m, "var", true, &pm->var);
	} else if (cfgparse_strings(p, m, "sensors", &pm->sensors, &pm->n_sensors) && pm->n_sensors == 0) {
		cfgparse_error_at(p, m, _("metric '%s': 'sensors' lists no sensor name"), pm->name);
	} else if (!config_setting_get_member(m, "sensors")) {
		cfgparse_error_at(p, m, _("metric '%s': missing setting 'sensors'"), pm->name);
	} else {
		/* A sensor's name is its SDR id string: 16 bytes at most (IPMI 2.0, 43.1). */
		for (size_t i = 0; i < pm->n_sensors; i++)
			if (strlen(pm->sensors[i]) > 16)
				cfgparse_error_at(p, config_setting_get_member(m, "sensors"),
					_("metric '%s': IPMI sensor name \"%s\" is longer than 16 bytes, "
					"which a BMC cannot name a sensor"), pm->name, pm->sensors[i]);
	}
	cfgparse_double(p, m, "scale", -1e9, 1e9, &pm->scale);
	if (pm->scale == 0.0)
		cfgparse_error_at(p, m, _("metric '%s': 'scale' cannot be 0"), pm->name);
	cfgparse_double(p, m, "offset", -1e9, 1e9, &pm->offset);
	cfgparse_enum(p, m, "convert", convert_names, &convert);
	pm->convert = (enum unit_convert)convert;
	cfgparse_string(p, m, "unit", false, &pm->unit);
	if (pm->def && pm->def->type == METRIC_NUMBER && pm->unit && strcmp(pm->unit, pm->def->unit) != 0)
		cfgparse_error_at(p, m, _("metric '%s' must be in \"%s\" (scale or convert it), not \"%s\""),
			pm->name, pm->def->unit, pm->unit);
	if (!pm->unit)
		pm->unit = xstrdup(pm->def ? pm->def->unit : "");
	parse_invalid(p, m, pm);
	parse_valid(p, m, pm);
	parse_states(p, m, pm, prof->protocol == PROFILE_NUT || prof->protocol == PROFILE_IPMI);
	if (prof->protocol == PROFILE_SNMP)
		proftable_parse_override(p, m, pm, oid_valid);
}

/* key = "1.3..." or [ "1.3...", ... ], each a numeric OID. */
static void match_oids(struct cfgparse *p, const config_setting_t *g, const char *key, char ***out, size_t *n)
{
	config_setting_t *s = config_setting_get_member(g, key);

	if (!s)
		return;
	if (config_setting_type(s) == CONFIG_TYPE_STRING) {
		*out = xcalloc(1, sizeof(char *));
		(*out)[0] = xstrdup(config_setting_get_string(s));
		*n = 1;
	} else if (!cfgparse_strings(p, g, key, out, n)) {
		return;
	}
	/* A probe OID may start with '=': asked with a GET exactly as written (a card that
	 * publishes its scalars without their .0 instance). */
	for (size_t i = 0; i < *n; i++)
		if (!oid_valid((*out)[i] + (strcmp(key, "probe_oid") == 0 && (*out)[i][0] == '=')))
			cfgparse_error_at(p, s, _("'%s' = \"%s\" is not a numeric OID"), key, (*out)[i]);
}

/* match = { sysobjectid = ...; probe_oid = ...; }: how profile = "auto" and --discover
 * recognise a device. */
static void parse_match(struct cfgparse *p, const config_setting_t *g, struct profile *prof)
{
	config_setting_t *m = cfgparse_member(p, g, "match", CONFIG_TYPE_GROUP, false);

	if (!m)
		return;
	if (prof->protocol != PROFILE_SNMP)
		cfgparse_error_at(p, m, _("'match' is for SNMP profiles"));
	cfgparse_check_keys(p, m, match_keys);
	match_oids(p, m, "sysobjectid", &prof->match_sysoids, &prof->n_match_sysoids);
	match_oids(p, m, "probe_oid", &prof->match_probes, &prof->n_match_probes);
	if (!prof->n_match_probes)
		cfgparse_error_at(p, m, _("'match' needs 'probe_oid': an OID the device answers"));
}

static void parse_profile(struct cfgparse *p, const config_setting_t *g, struct profile *prof)
{
	int kind = -1, proto = -1;
	config_setting_t *metrics;

	cfgparse_check_keys(p, g, header_keys);
	cfgparse_string(p, g, "name", true, &prof->name);
	cfgparse_string(p, g, "description", false, &prof->description);
	if (!config_setting_get_member(g, "kind"))
		cfgparse_error_at(p, g, _("missing setting '%s'"), "kind");
	cfgparse_enum(p, g, "kind", kind_names, &kind);
	if (!config_setting_get_member(g, "protocol"))
		cfgparse_error_at(p, g, _("missing setting '%s'"), "protocol");
	if (!cfgparse_enum(p, g, "protocol", protocol_names, &proto) || kind < 0)
		return;
	prof->kind = (enum device_kind)kind;
	prof->protocol = (enum profile_protocol)proto;
	parse_match(p, g, prof);
	metrics = cfgparse_member(p, g, "metrics", CONFIG_TYPE_LIST, true);
	if (!metrics)
		return;
	if (config_setting_length(metrics) == 0)
		cfgparse_error_at(p, metrics, _("a profile needs at least one metric"));
	prof->metrics = xcalloc((size_t)config_setting_length(metrics), sizeof(*prof->metrics));
	for (int i = 0; i < config_setting_length(metrics); i++) {
		config_setting_t *m = config_setting_get_elem(metrics, (unsigned)i);

		prof->n_metrics++;
		if (config_setting_type(m) != CONFIG_TYPE_GROUP) {
			cfgparse_error_at(p, metrics, _("each metric must be a group { ... }"));
			prof->metrics[i].name = xstrdup("?");
			continue;
		}
		parse_metric(p, m, prof, &prof->metrics[i]);
	}
	for (int i = 0; prof->protocol == PROFILE_SNMP && i < config_setting_length(metrics); i++)
		proftable_resolve(p, config_setting_get_elem(metrics, (unsigned)i), prof, (size_t)i);
}

struct profile *profile_load(struct cfgparse *p, const char *file)
{
	config_t cf;
	struct profile *prof;
	config_setting_t *g;
	size_t before = p->n_errors;

	if (!cfgparse_read(p, &cf, file)) {
		config_destroy(&cf);
		return NULL;
	}
	prof = xcalloc(1, sizeof(*prof));
	prof->file = xstrdup(file);
	cfgparse_check_keys(p, config_root_setting(&cf), profile_keys);
	g = cfgparse_member(p, config_root_setting(&cf), "profile", CONFIG_TYPE_GROUP, true);
	if (g)
		parse_profile(p, g, prof);
	config_destroy(&cf);
	if (p->n_errors > before) {
		profile_free(prof);
		return NULL;
	}
	return prof;
}

static void metric_free(struct profile_metric *m)
{
	free(m->name);
	free(m->unit);
	free(m->oid);
	free(m->fallback_oid);
	free(m->sensor_scale_oid);
	free(m->sensor_precision_oid);
	free(m->sensor_status_oid);
	proftable_free(m);
	free(m->var);
	for (size_t i = 0; i < m->n_sensors; i++)
		free(m->sensors[i]);
	free(m->sensors);
	free(m->invalid);
	free(m->states);
	for (size_t i = 0; i < m->n_state_names; i++)
		free(m->state_names[i]);
	free(m->state_names);
}

void profile_free(struct profile *prof)
{
	if (!prof)
		return;
	for (size_t i = 0; i < prof->n_metrics; i++)
		metric_free(&prof->metrics[i]);
	free(prof->metrics);
	free(prof->name);
	free(prof->file);
	free(prof->overrides);
	free(prof->description);
	for (size_t i = 0; i < prof->n_match_sysoids; i++)
		free(prof->match_sysoids[i]);
	free(prof->match_sysoids);
	for (size_t i = 0; i < prof->n_match_probes; i++)
		free(prof->match_probes[i]);
	free(prof->match_probes);
	free(prof);
}
