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

/* label_oid = "1.3..." or [ "1.3...", "1.3..." ]. */
static void parse_labels(struct cfgparse *p, const config_setting_t *m, struct profile_table *t,
	bool (*oid_valid)(const char *oid))
{
	config_setting_t *s = config_setting_get_member(m, "label_oid");

	if (!s)
		return;
	if (config_setting_type(s) == CONFIG_TYPE_STRING) {
		t->label_oids = xcalloc(1, sizeof(char *));
		t->label_oids[0] = xstrdup(config_setting_get_string(s));
		t->n_label_oids = 1;
	} else if (!cfgparse_strings(p, m, "label_oid", &t->label_oids, &t->n_label_oids)) {
		return;
	}
	for (size_t i = 0; i < t->n_label_oids; i++)
		if (!oid_valid(t->label_oids[i]))
			cfgparse_error_at(p, s, _("'%s' = \"%s\" is not a numeric OID"), "label_oid", t->label_oids[i]);
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
	if (t->select_oid && !t->n_select_values)
		cfgparse_error_at(p, m, _("metric '%s': 'select_oid' needs 'select_values'"), pm->name);
	cfgparse_string(p, m, "select_pattern", false, &t->select_pattern);
	parse_labels(p, m, t, oid_valid);
	if (t->select_pattern && !t->n_label_oids)
		cfgparse_error_at(p, m, _("metric '%s': 'select_pattern' needs 'label_oid'"), pm->name);
	cfgparse_enum(p, m, "aggregate", aggregate_names, &agg);
	t->aggregate = (enum table_aggregate)agg;
}

void proftable_parse(struct cfgparse *p, const config_setting_t *m, struct profile_metric *pm,
	bool (*oid_valid)(const char *oid))
{
	bool table = false;
	static const char *const table_only[] = { "select_oid", "select_values", "select_pattern", "label_oid", "aggregate",
		NULL };

	pm->status_ok = int_array(p, m, "status_ok", &pm->n_status_ok);
	if (pm->n_status_ok && !pm->sensor_status_oid)
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

void proftable_free(struct profile_metric *pm)
{
	struct profile_table *t = pm->snmp_table;

	free(pm->status_ok);
	if (!t)
		return;
	free(t->select_oid);
	free(t->select_values);
	free(t->select_pattern);
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
