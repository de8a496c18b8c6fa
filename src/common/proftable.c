/* proftable.c — parsing of the table settings of an SNMP profile metric. */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "cfgparse.h"
#include "proftable.h"
#include "xmem.h"

static const char *const aggregate_names[] = { "max", "min", "first", NULL };

/* An array of integers at key; *n = 0 and NULL when absent. */
static long long *int_array(struct cfgparse *p, const config_setting_t *m, const char *key, size_t *n)
{
	config_setting_t *a = cfgparse_member(p, m, key, CONFIG_TYPE_ARRAY, false);
	long long *v;

	*n = 0;
	if (!a)
		return NULL;
	v = xcalloc((size_t)config_setting_length(a) + 1, sizeof(*v));
	for (int i = 0; i < config_setting_length(a); i++) {
		config_setting_t *e = config_setting_get_elem(a, (unsigned)i);

		if (config_setting_type(e) == CONFIG_TYPE_INT)
			v[(*n)++] = config_setting_get_int(e);
		else if (config_setting_type(e) == CONFIG_TYPE_INT64)
			v[(*n)++] = config_setting_get_int64(e);
		else {
			cfgparse_error_at(p, a, _("'%s' must be an array of integers"), key);
			break;
		}
	}
	if (*n == 0)
		cfgparse_error_at(p, a, _("'%s' cannot be empty"), key);
	return v;
}

/* key = "1.3..." or [ "1.3...", "1.3..." ] (label_oid, unit_oid). */
static void parse_columns(struct cfgparse *p, const config_setting_t *m, const char *key, char ***out, size_t *n,
	bool (*oid_valid)(const char *oid))
{
	config_setting_t *s = config_setting_get_member(m, key);

	if (!s)
		return;
	if (config_setting_type(s) == CONFIG_TYPE_STRING) {
		*out = xcalloc(1, sizeof(char *));
		(*out)[0] = xstrdup(config_setting_get_string(s));
		*n = 1;
	} else if (!cfgparse_strings(p, m, key, out, n)) {
		return;
	}
	for (size_t i = 0; i < *n; i++)
		if (!oid_valid((*out)[i]))
			cfgparse_error_at(p, s, _("'%s' = \"%s\" is not a numeric OID"), key, (*out)[i]);
}

/* KEY = "*inlet*" or [ "*inlet*", "*intake*" ]: shell patterns on the labels. */
static void parse_pattern_list(struct cfgparse *p, const config_setting_t *m, const char *key,
	const struct profile_table *t, char ***out, size_t *n)
{
	config_setting_t *s = config_setting_get_member(m, key);

	if (!s)
		return;
	if (config_setting_type(s) == CONFIG_TYPE_STRING) {
		*out = xcalloc(1, sizeof(char *));
		(*out)[0] = xstrdup(config_setting_get_string(s));
		*n = 1;
	} else if (!cfgparse_strings(p, m, key, out, n)) {
		return;
	}
	if (!t->n_label_oids)
		cfgparse_error_at(p, s, _("'%s' needs 'label_oid'"), key);
	for (size_t i = 0; i < *n; i++)
		if (!(*out)[i][0])
			cfgparse_error_at(p, s, _("'%s' cannot hold an empty pattern"), key);
}

/* prefer_pattern, and prefer_when: the rows that make the preference apply. */
static void parse_patterns(struct cfgparse *p, const config_setting_t *m, struct profile_table *t)
{
	parse_pattern_list(p, m, "prefer_pattern", t, &t->prefer_patterns, &t->n_prefer_patterns);
	parse_pattern_list(p, m, "prefer_when", t, &t->prefer_when, &t->n_prefer_when);
	if (t->n_prefer_when && !t->n_prefer_patterns)
		cfgparse_error_at(p, config_setting_get_member(m, "prefer_when"), _("'%s' needs '%s'"),
			"prefer_when", "prefer_pattern");
}

static void parse_table(struct cfgparse *p, const config_setting_t *m, struct profile_metric *pm,
	bool (*oid_valid)(const char *oid))
{
	struct profile_table *t = pm->snmp_table;
	int agg = AGG_MAX;

	if (cfgparse_string(p, m, "select_oid", false, &t->select_oid) && !oid_valid(t->select_oid))
		cfgparse_error_at(p, m, _("'%s' = \"%s\" is not a numeric OID"), "select_oid", t->select_oid);
	t->select_values = int_array(p, m, "select_values", &t->n_select_values);
	if (t->n_select_values && !t->select_oid)
		cfgparse_error_at(p, m, _("metric '%s': 'select_values' needs 'select_oid'"), pm->name);
	cfgparse_string(p, m, "select_text", false, &t->select_text);
	if (t->select_text && !t->select_oid)
		cfgparse_error_at(p, m, _("metric '%s': 'select_text' needs 'select_oid'"), pm->name);
	if (cfgparse_string(p, m, "fallback_select_oid", false, &t->fallback_select_oid) &&
	    (!oid_valid(t->fallback_select_oid) || !t->select_oid || !pm->fallback_oid))
		cfgparse_error_at(p, m, _("metric '%s': 'fallback_select_oid' must be a numeric OID, with "
			"'select_oid' and 'fallback_oid'"), pm->name);
	if (t->select_oid && !t->n_select_values && !t->select_text)
		cfgparse_error_at(p, m, _("metric '%s': 'select_oid' needs 'select_values' or 'select_text'"), pm->name);
	if (cfgparse_bool(p, m, "select_each_poll", &t->select_each_poll) && t->select_each_poll && !t->select_oid)
		cfgparse_error_at(p, m, _("metric '%s': 'select_each_poll' needs 'select_oid'"), pm->name);
	cfgparse_string(p, m, "select_pattern", false, &t->select_pattern);
	parse_columns(p, m, "label_oid", &t->label_oids, &t->n_label_oids, oid_valid);
	if (t->select_pattern && !t->n_label_oids)
		cfgparse_error_at(p, m, _("metric '%s': 'select_pattern' needs 'label_oid'"), pm->name);
	parse_patterns(p, m, t);
	cfgparse_uint(p, m, "parent_index_len", 1, 15, &t->parent_index_len);
	parse_columns(p, m, "unit_oid", &t->unit_oids, &t->n_unit_oids, oid_valid);
	t->fahrenheit_values = int_array(p, m, "fahrenheit_values", &t->n_fahrenheit_values);
	if (!t->n_unit_oids != !t->n_fahrenheit_values)
		cfgparse_error_at(p, m, _("metric '%s': 'unit_oid' and 'fahrenheit_values' go together"), pm->name);
	if (cfgparse_string(p, m, "fallback_status_oid", false, &pm->fallback_status_oid) &&
	    (!oid_valid(pm->fallback_status_oid) || !pm->fallback_oid))
		cfgparse_error_at(p, m, _("metric '%s': 'fallback_status_oid' must be a numeric OID, with "
			"'fallback_oid'"), pm->name);
	cfgparse_enum(p, m, "aggregate", aggregate_names, &agg);
	t->aggregate = (enum table_aggregate)agg;
	t->fallback_metric_index = -1;
	cfgparse_string(p, m, "fallback_metric", false, &t->fallback_metric);
}

void proftable_parse(struct cfgparse *p, const config_setting_t *m, struct profile_metric *pm,
	bool (*oid_valid)(const char *oid))
{
	bool table = false;
	static const char *const table_only[] = { "select_oid", "select_values", "select_text", "select_pattern", "label_oid", "aggregate",
		"unit_oid", "fahrenheit_values", "fallback_status_oid", "fallback_select_oid", "fallback_metric", "select_each_poll",
		"prefer_pattern", "prefer_when", "parent_index_len", NULL };

	pm->status_ok = int_array(p, m, "status_ok", &pm->n_status_ok);
	pm->fallback_invalid = int_array(p, m, "fallback_invalid", &pm->n_fallback_invalid);
	if (pm->n_fallback_invalid && !pm->fallback_oid)
		cfgparse_error_at(p, m, _("metric '%s': 'fallback_invalid' needs 'fallback_oid'"), pm->name);
	if (pm->n_status_ok && !pm->sensor_status_oid && !config_setting_get_member(m, "fallback_status_oid"))
		cfgparse_error_at(p, m, _("metric '%s': 'status_ok' needs 'sensor_status_oid'"), pm->name);
	cfgparse_bool(p, m, "table", &table);
	if (!table) {
		for (size_t i = 0; table_only[i]; i++)
			if (config_setting_get_member(m, table_only[i]))
				cfgparse_error_at(p, m, _("metric '%s': '%s' is for a table metric (table = true)"),
					pm->name, table_only[i]);
		return;
	}
	pm->snmp_table = xcalloc(1, sizeof(*pm->snmp_table));
	parse_table(p, m, pm, oid_valid);
}

/* Two metrics say the same thing when their units and state names are the same. */
static bool same_kind(const struct profile_metric *a, const struct profile_metric *b)
{
	if (!a->unit || !b->unit || strcmp(a->unit, b->unit) != 0 || a->n_state_names != b->n_state_names)
		return false;
	for (size_t i = 0; i < a->n_state_names; i++)
		if (strcmp(a->state_names[i], b->state_names[i]) != 0)
			return false;
	return true;
}

void proftable_resolve(struct cfgparse *p, const config_setting_t *m, struct profile *prof, size_t i)
{
	struct profile_metric *pm = &prof->metrics[i];
	struct profile_table *t = pm->snmp_table;
	const struct profile_metric *other = NULL;
	size_t at = 0;

	if (!t || !t->fallback_metric)
		return;
	for (size_t k = 0; k < prof->n_metrics; k++)
		if (k != i && strcmp(prof->metrics[k].name, t->fallback_metric) == 0) {
			other = &prof->metrics[k];
			at = k;
		}
	if (!other)
		cfgparse_error_at(p, m, _("metric '%s': 'fallback_metric' \"%s\" is not a metric of this profile"),
			pm->name, t->fallback_metric);
	else if (other->snmp_table)
		cfgparse_error_at(p, m, _("metric '%s': 'fallback_metric' \"%s\" must be a scalar metric, not a table"),
			pm->name, t->fallback_metric);
	else if (!same_kind(pm, other))
		cfgparse_error_at(p, m, _("metric '%s': 'fallback_metric' \"%s\" must have the same unit and states"),
			pm->name, t->fallback_metric);
	else
		t->fallback_metric_index = (int)at;
}

void proftable_parse_override(struct cfgparse *p, const config_setting_t *m, struct profile_metric *pm,
	bool (*oid_valid)(const char *oid))
{
	char *state = NULL;

	pm->override_state = -1;
	if (!cfgparse_string(p, m, "override_oid", false, &pm->override_oid))
		return;
	if (!oid_valid(pm->override_oid))
		cfgparse_error_at(p, m, _("'%s' = \"%s\" is not a numeric OID"), "override_oid", pm->override_oid);
	pm->override_values = int_array(p, m, "override_values", &pm->n_override_values);
	if (!cfgparse_string(p, m, "override_state", false, &state) || !pm->n_override_values) {
		cfgparse_error_at(p, m, _("metric '%s': 'override_oid' needs 'override_values' and 'override_state'"),
			pm->name);
	} else {
		for (size_t i = 0; i < pm->n_state_names; i++)
			if (strcmp(pm->state_names[i], state) == 0)
				pm->override_state = (int)i;
		if (pm->override_state < 0)
			cfgparse_error_at(p, m, _("metric '%s': 'override_state' \"%s\" is not one of its states"),
				pm->name, state);
	}
	free(state);
}

void proftable_free(struct profile_metric *pm)
{
	struct profile_table *t = pm->snmp_table;

	free(pm->status_ok);
	free(pm->fallback_invalid);
	free(pm->fallback_status_oid);
	free(pm->override_oid);
	free(pm->override_values);
	if (!t)
		return;
	free(t->select_oid);
	free(t->fallback_select_oid);
	free(t->select_values);
	free(t->select_pattern);
	free(t->select_text);
	free(t->fallback_metric);
	for (size_t i = 0; i < t->n_unit_oids; i++)
		free(t->unit_oids[i]);
	free(t->unit_oids);
	free(t->fahrenheit_values);
	for (size_t i = 0; i < t->n_prefer_patterns; i++)
		free(t->prefer_patterns[i]);
	free(t->prefer_patterns);
	for (size_t i = 0; i < t->n_prefer_when; i++)
		free(t->prefer_when[i]);
	free(t->prefer_when);
	for (size_t i = 0; i < t->n_label_oids; i++)
		free(t->label_oids[i]);
	free(t->label_oids);
	free(t);
}

bool proftable_status_ok(const struct profile_metric *pm, double raw)
{
	if (!pm->n_status_ok)
		return raw == 1;   /* RFC 3433 EntitySensorStatus ok(1) */
	for (size_t i = 0; i < pm->n_status_ok; i++)
		if ((double)pm->status_ok[i] == raw)
			return true;
	return false;
}
