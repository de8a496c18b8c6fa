/* test_snmptable.c — SNMP tables: the walk state machine fed with real Net-SNMP
 * response PDUs (GETBULK and GETNEXT), the choice of rows by type and label, the
 * aggregate of instances, device labels made safe, and the table settings of
 * profiles (shipped ENTITY-SENSOR and AKCP profiles, and refused settings). */
#include <config.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cfgparse.h"
#include "profile.h"
#include "proftable.h"
#include "snmptable.h"

static struct profile *load_file(const char *file, struct cfgparse *p)
{
	cfgparse_init(p);
	return profile_load(p, file);
}

static struct profile *load(const char *name)
{
	struct cfgparse p;
	char *file = NULL;
	struct profile *prof;

	assert_true(asprintf(&file, "%s/etc/profiles/%s.conf", TOP_SRCDIR, name) > 0);
	prof = load_file(file, &p);
	if (!prof)
		cfgparse_print(&p, stderr);
	cfgparse_fini(&p);
	free(file);
	assert_non_null(prof);
	return prof;
}

/* A response PDU as an agent sends it (snmp_pdu_create leaves error-status at -1). */
static netsnmp_pdu *response(void)
{
	netsnmp_pdu *pdu = snmp_pdu_create(SNMP_MSG_RESPONSE);

	pdu->errstat = SNMP_ERR_NOERROR;
	pdu->errindex = 0;
	return pdu;
}

/* An agent's table as (OID, integer or string) rows, sorted by OID. */
struct row {
	const char *oid;
	long num;
	const char *text;
	const char *objid;   /* an OBJECT IDENTIFIER value, or NULL */
};

/* The answer an agent holding rows gives to a GETNEXT/GETBULK at start (reps rows). */
static netsnmp_pdu *answer(const struct row *rows, size_t n, const oid *start, size_t start_len, long reps)
{
	netsnmp_pdu *pdu = response();
	long given = 0;

	for (size_t i = 0; i < n && given < reps; i++) {
		oid name[SNMPDEC_OID_MAX];
		size_t len = snmpdec_parse_oid(rows[i].oid, name, SNMPDEC_OID_MAX);

		if (snmp_oid_compare(name, len, start, start_len) <= 0)
			continue;
		if (rows[i].objid) {
			oid val[SNMPDEC_OID_MAX];
			size_t vlen = snmpdec_parse_oid(rows[i].objid, val, SNMPDEC_OID_MAX);

			snmp_pdu_add_variable(pdu, name, len, ASN_OBJECT_ID, val, vlen * sizeof(oid));
		} else if (rows[i].text)
			snmp_pdu_add_variable(pdu, name, len, ASN_OCTET_STR, rows[i].text, strlen(rows[i].text));
		else
			snmp_pdu_add_variable(pdu, name, len, ASN_INTEGER, &rows[i].num, sizeof(long));
		given++;
	}
	if (given == 0)   /* SNMPv2: endOfMibView */
		snmp_pdu_add_variable(pdu, start, start_len, SNMP_ENDOFMIBVIEW, NULL, 0);
	return pdu;
}

/* Runs a whole walk of prof against rows; returns the requests it took. */
static unsigned walk_all(struct snmptable_walk *w, const struct row *rows, size_t n)
{
	netsnmp_pdu *req;
	unsigned guard = 0;

	while ((req = snmptable_walk_pdu(w)) != NULL) {
		long reps = req->command == SNMP_MSG_GETBULK ? req->max_repetitions : 1;
		netsnmp_pdu *ans = answer(rows, n, req->variables->name, req->variables->name_length, reps);

		snmptable_walk_answer(w, ans);
		snmp_free_pdu(ans);
		snmp_free_pdu(req);
		assert_true(++guard < 500);
	}
	return snmptable_walk_requests(w);
}

/* The harness probe: temperatures at 2 and 4, humidity at 3, a voltage at 1, rows
 * of other columns between them. */
static const struct row entity_rows[] = {
	{ "1.3.6.1.2.1.47.1.1.1.1.2.1", 0, "12V rail" },
	{ "1.3.6.1.2.1.47.1.1.1.1.2.2", 0, "Temp 1" },
	{ "1.3.6.1.2.1.47.1.1.1.1.2.3", 0, "Humidity\x01 front  " },
	{ "1.3.6.1.2.1.47.1.1.1.1.2.4", 0, "Temp 2" },
	{ "1.3.6.1.2.1.47.1.1.1.1.7.2", 0, "Front A" },
	{ "1.3.6.1.2.1.47.1.1.1.1.7.3", 0, "" },
	{ "1.3.6.1.2.1.99.1.1.1.1.1", 4, NULL },
	{ "1.3.6.1.2.1.99.1.1.1.1.2", 8, NULL },
	{ "1.3.6.1.2.1.99.1.1.1.1.3", 9, NULL },
	{ "1.3.6.1.2.1.99.1.1.1.1.4", 8, NULL },
	{ "1.3.6.1.2.1.99.1.1.1.4.1", 12050, NULL },
	{ "1.3.6.1.2.1.99.1.1.1.4.2", 245, NULL },
	{ "1.3.6.1.2.1.99.1.1.1.4.3", 41, NULL },
	{ "1.3.6.1.2.1.99.1.1.1.4.4", 31, NULL },
	{ "1.3.6.1.2.1.99.1.1.1.5.1", 1, NULL },
};

static void check_entity_instances(const struct profile *prof, const struct snmptable_walk *w)
{
	struct snmptable_instance *in;
	size_t n = snmptable_select(w, prof, &in, NULL);
	int t = profile_metric_index(prof, "temperature"), h = profile_metric_index(prof, "humidity");

	assert_int_equal(n, 3);
	assert_int_equal(in[0].metric, t);
	assert_string_equal(in[0].index, "2");
	assert_string_equal(in[0].label, "Front A");           /* entPhysicalName */
	assert_int_equal(in[1].metric, t);
	assert_string_equal(in[1].index, "4");
	assert_string_equal(in[1].label, "Temp 2");            /* empty name: entPhysicalDescr */
	assert_int_equal(in[2].metric, h);
	assert_string_equal(in[2].index, "3");
	assert_string_equal(in[2].label, "Humidity? front");   /* control character, padding */
	free(in);
}

static void test_entity_sensor_by_type_bulk(void **state)
{
	struct profile *prof = load("probe-entity-sensor");
	struct snmptable_walk *w = snmptable_walk_new(prof, true);

	(void)state;
	/* Four columns (value, type, name, descr), each in one GETBULK. */
	assert_int_equal(walk_all(w, entity_rows, sizeof(entity_rows) / sizeof(entity_rows[0])), 4);
	assert_false(snmptable_walk_failed(w));
	check_entity_instances(prof, w);
	snmptable_walk_free(w);
	profile_free(prof);
}

static void test_entity_sensor_by_type_getnext(void **state)
{
	struct profile *prof = load("probe-entity-sensor");
	struct snmptable_walk *w = snmptable_walk_new(prof, false);

	(void)state;
	/* SNMPv1: one GETNEXT per row, plus one past the end of each column (value 4 rows,
	 * type 4, name 2, descr 4). */
	assert_int_equal(walk_all(w, entity_rows, sizeof(entity_rows) / sizeof(entity_rows[0])), 5 + 5 + 3 + 5);
	check_entity_instances(prof, w);
	snmptable_walk_free(w);
	profile_free(prof);
}

/* An SNMPv1 agent ends a walk with noSuchName; a timeout fails the walk. */
static void test_walk_end_and_failure(void **state)
{
	struct profile *prof = load("probe-entity-sensor");
	struct snmptable_walk *w = snmptable_walk_new(prof, false);
	netsnmp_pdu *req, *ans;
	struct snmptable_instance *in;

	(void)state;
	for (int i = 0; i < 4; i++) {
		req = snmptable_walk_pdu(w);
		assert_non_null(req);
		ans = snmp_pdu_create(SNMP_MSG_RESPONSE);
		ans->errstat = SNMP_ERR_NOSUCHNAME;
		ans->errindex = 1;
		snmptable_walk_answer(w, ans);
		snmp_free_pdu(ans);
		snmp_free_pdu(req);
	}
	assert_null(snmptable_walk_pdu(w));
	assert_false(snmptable_walk_failed(w));
	assert_int_equal(snmptable_select(w, prof, &in, NULL), 0);
	free(in);
	snmptable_walk_free(w);

	w = snmptable_walk_new(prof, true);
	req = snmptable_walk_pdu(w);
	snmptable_walk_fail(w);
	assert_true(snmptable_walk_failed(w));
	assert_null(snmptable_walk_pdu(w));
	snmp_free_pdu(req);
	snmptable_walk_free(w);
	profile_free(prof);
}

/* An agent that answers the same OID again must not make the walk endless. */
static void test_walk_stops_on_loop(void **state)
{
	struct profile *prof = load("probe-akcp");
	struct snmptable_walk *w = snmptable_walk_new(prof, false);
	netsnmp_pdu *req;
	oid same[] = { 1, 3, 6, 1, 4, 1, 3854, 1, 2, 2, 1, 16, 1, 14, 0 };
	long v = 224;
	unsigned n = 0;

	(void)state;
	while ((req = snmptable_walk_pdu(w)) != NULL && n++ < 100) {
		netsnmp_pdu *ans = response();

		snmp_pdu_add_variable(ans, same, OID_LENGTH(same), ASN_INTEGER, &v, sizeof(v));
		snmptable_walk_answer(w, ans);
		snmp_free_pdu(ans);
		snmp_free_pdu(req);
	}
	snmp_free_pdu(req);
	assert_true(n < 20);
	snmptable_walk_free(w);
	profile_free(prof);
}

/* AKCP firmware without the raw column (.14): the rows come from column 3. */
static void test_akcp_rows_from_fallback_column(void **state)
{
	static const struct row rows[] = {
		{ "1.3.6.1.4.1.3854.1.2.2.1.16.1.1.0", 0, "Port 1" },
		{ "1.3.6.1.4.1.3854.1.2.2.1.16.1.1.1", 0, "Port 2" },
		{ "1.3.6.1.4.1.3854.1.2.2.1.16.1.3.0", 22, NULL },
		{ "1.3.6.1.4.1.3854.1.2.2.1.16.1.3.1", 0, NULL },
		{ "1.3.6.1.4.1.3854.1.2.2.1.16.1.5.0", 1, NULL },
		{ "1.3.6.1.4.1.3854.1.2.2.1.16.1.5.1", 2, NULL },
	};
	struct profile *prof = load("probe-akcp");
	struct snmptable_walk *w = snmptable_walk_new(prof, true);
	struct snmptable_instance *in;
	size_t n;

	(void)state;
	walk_all(w, rows, sizeof(rows) / sizeof(rows[0]));
	n = snmptable_select(w, prof, &in, NULL);
	assert_int_equal(n, 2);
	assert_string_equal(in[1].index, "1");
	assert_string_equal(in[1].label, "Port 2");
	free(in);
	snmptable_walk_free(w);
	/* The online column (.5): 2 offline is not ok, 1 is. */
	assert_false(proftable_status_ok(&prof->metrics[0], 2));
	assert_true(proftable_status_ok(&prof->metrics[0], 1));
	profile_free(prof);
}

static struct instance_reading inst(size_t metric, const char *index, const char *label,
	enum reading_status st, double value)
{
	struct instance_reading r = { .metric = metric };

	snprintf(r.index, sizeof(r.index), "%s", index);
	snprintf(r.label, sizeof(r.label), "%s", label);
	r.r.status = st;
	r.r.value = st == READING_OK ? value : NAN;
	r.r.raw = value;
	return r;
}

static void test_aggregate(void **state)
{
	struct profile_table t = { .aggregate = AGG_MAX };
	struct profile_metric m = { .name = "temperature", .snmp_table = &t };
	struct instance_reading ir[] = {
		inst(0, "1", "Entrée baie A", READING_OK, 24.0),
		inst(1, "9", "other metric", READING_OK, 99.0),
		inst(0, "3", "Sortie baie A", READING_OK, 31.5),
		inst(0, "5", "", READING_INVALID, 0),
	};
	struct reading out;

	(void)state;
	snmptable_aggregate(&m, 0, ir, 4, NULL, &out);
	assert_int_equal(out.status, READING_OK);
	assert_true(out.value == 31.5);
	assert_string_equal(out.instance, "3 Sortie baie A");
	t.aggregate = AGG_MIN;
	snmptable_aggregate(&m, 0, ir, 4, NULL, &out);
	assert_true(out.value == 24.0);
	assert_string_equal(out.instance, "1 Entrée baie A");
	/* Only offline sensors: unknown, never 0. */
	snmptable_aggregate(&m, 0, ir + 3, 1, NULL, &out);
	assert_int_equal(out.status, READING_INVALID);
	assert_true(isnan(out.value));
	assert_string_equal(out.instance, "5");
	snmptable_aggregate(&m, 0, ir + 1, 1, NULL, &out);
	assert_int_equal(out.status, READING_ABSENT);
}

/* PowerNet-MIB upsPhaseOutputPhaseTable of a 3-phase Symmetra (rows TABLE.1.PHASE),
 * upsPhaseOutputPercentLoad (.10) 24/18/28 %, and its voltages (.3). */
static const struct row powernet_3phase_rows[] = {
	{ "1.3.6.1.4.1.318.1.1.1.9.3.3.1.3.1.1.1", 230, NULL, NULL },
	{ "1.3.6.1.4.1.318.1.1.1.9.3.3.1.3.1.1.2", 231, NULL, NULL },
	{ "1.3.6.1.4.1.318.1.1.1.9.3.3.1.3.1.1.3", 229, NULL, NULL },
	{ "1.3.6.1.4.1.318.1.1.1.9.3.3.1.10.1.1.1", 24, NULL, NULL },
	{ "1.3.6.1.4.1.318.1.1.1.9.3.3.1.10.1.1.2", 18, NULL, NULL },
	{ "1.3.6.1.4.1.318.1.1.1.9.3.3.1.10.1.1.3", 28, NULL, NULL },
};

/* A single-phase Smart-UPS: no phase table at all. */
static const struct row powernet_1phase_rows[] = {
	{ "1.3.6.1.4.1.318.1.1.1.4.3.3.0", 352, NULL, NULL },
};

static struct reading good(double value)
{
	return (struct reading){ READING_OK, value, value * 10, false, "", 0, false };
}

/* ups_load: the phase table when it has rows with a load (the most loaded phase),
 * else the total load (fallback_metric total_load). */
static void test_phase_table_or_total_load(void **state)
{
	struct profile *prof = load("ups-apc-powernet");
	int load_i = profile_metric_index(prof, "ups_load"), total = profile_metric_index(prof, "total_load");
	const struct profile_metric *m = &prof->metrics[load_i];
	struct snmptable_walk *w = snmptable_walk_new(prof, true);
	struct snmptable_instance *in;
	struct instance_reading ir[3];
	struct reading total_r = good(35.2), bad = { READING_ABSENT, NAN, NAN, false, "", 0, false }, out;
	size_t n, n_load = 0;

	(void)state;
	assert_true(load_i >= 0 && total >= 0);
	assert_string_equal(m->snmp_table->fallback_metric, "total_load");
	assert_int_equal(m->snmp_table->fallback_metric_index, total);
	walk_all(w, powernet_3phase_rows, sizeof(powernet_3phase_rows) / sizeof(powernet_3phase_rows[0]));
	n = snmptable_select(w, prof, &in, NULL);
	for (size_t i = 0; i < n; i++)
		if ((int)in[i].metric == load_i) {
			static const double loads[] = { 24, 18, 28 };

			assert_true(n_load < 3);
			ir[n_load] = inst((size_t)load_i, in[i].index, "", READING_OK, loads[n_load]);
			n_load++;
		}
	assert_int_equal(n_load, 3);
	assert_string_equal(ir[2].index, "1.1.3");
	free(in);
	snmptable_walk_free(w);
	/* Three phases: the most loaded one, named; the total is not looked at. */
	snmptable_aggregate(m, (size_t)load_i, ir, 3, &total_r, &out);
	assert_int_equal(out.status, READING_OK);
	assert_true(out.value == 28);
	assert_string_equal(out.instance, "1.1.3");
	assert_false(out.from_fallback_metric);
	/* Every phase "not supported" (-1): the total load, without an instance. */
	for (size_t i = 0; i < 3; i++)
		ir[i].r = (struct reading){ READING_INVALID, NAN, -1, false, "", 0, false };
	snmptable_aggregate(m, (size_t)load_i, ir, 3, &total_r, &out);
	assert_int_equal(out.status, READING_OK);
	assert_true(out.value == 35.2 && out.from_fallback_metric);
	assert_string_equal(out.instance, "");
	/* ... unless the total is not good either: the phases say unknown. */
	snmptable_aggregate(m, (size_t)load_i, ir, 3, &bad, &out);
	assert_int_equal(out.status, READING_INVALID);
	assert_string_equal(out.instance, "1.1.1");

	/* A single-phase card: no row of the phase table; the total, or its absence. */
	w = snmptable_walk_new(prof, true);
	walk_all(w, powernet_1phase_rows, 1);
	n = snmptable_select(w, prof, &in, NULL);
	for (size_t i = 0; i < n; i++)
		assert_int_not_equal((int)in[i].metric, load_i);
	snmptable_aggregate(m, (size_t)load_i, NULL, 0, &total_r, &out);
	assert_int_equal(out.status, READING_OK);
	assert_true(out.value == 35.2 && out.from_fallback_metric);
	snmptable_aggregate(m, (size_t)load_i, NULL, 0, &bad, &out);
	assert_int_equal(out.status, READING_ABSENT);
	assert_true(out.from_fallback_metric);
	/* Without a fallback metric: absent. */
	snmptable_aggregate(m, (size_t)load_i, NULL, 0, NULL, &out);
	assert_int_equal(out.status, READING_ABSENT);
	assert_false(out.from_fallback_metric);
	free(in);
	snmptable_walk_free(w);
	profile_free(prof);
}

/* NetBotz: the value text read at every poll (select_each_poll) keeps the row while it
 * is not empty; empty (unplugged) or an exception (the row gone) does not. */
static void test_row_still_selected(void **state)
{
	struct profile *prof = load("probe-netbotz");
	const struct profile_table *t = prof->metrics[profile_metric_index(prof, "temperature")].snmp_table;
	oid name[SNMPDEC_OID_MAX];
	size_t len = snmpdec_parse_oid("1.3.6.1.4.1.52674.500.4.1.1.1.7.2231587019", name, SNMPDEC_OID_MAX);
	netsnmp_pdu *pdu = response();

	(void)state;
	assert_true(t->select_each_poll);
	snmp_pdu_add_variable(pdu, name, len, ASN_OCTET_STR, "26.400000", 9);
	snmp_pdu_add_variable(pdu, name, len, ASN_OCTET_STR, "", 0);
	snmp_pdu_add_variable(pdu, name, len, SNMP_NOSUCHINSTANCE, NULL, 0);
	assert_true(snmptable_varbind_selected(t, pdu->variables));
	assert_false(snmptable_varbind_selected(t, pdu->variables->next_variable));
	assert_false(snmptable_varbind_selected(t, pdu->variables->next_variable->next_variable));
	snmp_free_pdu(pdu);
	profile_free(prof);
}

/* A switch: celsius rows for the inlet (named so in entPhysicalDescr only, the name
 * says "Sensor 1"), the ASIC and an SFP; a voltage row. */
static const struct row switch_rows[] = {
	{ "1.3.6.1.2.1.47.1.1.1.1.2.1", 0, "Air Inlet", NULL },
	{ "1.3.6.1.2.1.47.1.1.1.1.2.2", 0, "ASIC", NULL },
	{ "1.3.6.1.2.1.47.1.1.1.1.2.3", 0, "SFP Te1/1", NULL },
	{ "1.3.6.1.2.1.47.1.1.1.1.7.1", 0, "Sensor 1", NULL },
	{ "1.3.6.1.2.1.99.1.1.1.1.1", 8, NULL, NULL },
	{ "1.3.6.1.2.1.99.1.1.1.1.2", 8, NULL, NULL },
	{ "1.3.6.1.2.1.99.1.1.1.1.3", 8, NULL, NULL },
	{ "1.3.6.1.2.1.99.1.1.1.1.4", 4, NULL, NULL },
	{ "1.3.6.1.2.1.99.1.1.1.4.1", 24, NULL, NULL },
	{ "1.3.6.1.2.1.99.1.1.1.4.2", 65, NULL, NULL },
	{ "1.3.6.1.2.1.99.1.1.1.4.3", 38, NULL, NULL },
	{ "1.3.6.1.2.1.99.1.1.1.4.4", 3300, NULL, NULL },
};

/* prefer_pattern: the inlet row alone (matched on its description, case ignored), of the
 * three celsius rows; without an inlet name, all three. */
static void test_prefer_inlet_rows(void **state)
{
	struct profile *prof = load("probe-entity-sensor");
	int t = profile_metric_index(prof, "temperature");
	struct snmptable_walk *w = snmptable_walk_new(prof, true);
	struct snmptable_instance *in;
	size_t candidates[8] = { 0 }, n;
	struct row rows[sizeof(switch_rows) / sizeof(switch_rows[0])];

	(void)state;
	assert_true(prof->n_metrics <= 8);
	walk_all(w, switch_rows, sizeof(rows) / sizeof(rows[0]));
	n = snmptable_select(w, prof, &in, candidates);
	assert_int_equal(n, 1);
	assert_int_equal(in[0].metric, t);
	assert_string_equal(in[0].index, "1");
	assert_string_equal(in[0].label, "Sensor 1");
	assert_int_equal(candidates[t], 3);
	free(in);
	snmptable_walk_free(w);
	/* No row says inlet: every celsius row. */
	memcpy(rows, switch_rows, sizeof(rows));
	rows[0].text = "Board";
	w = snmptable_walk_new(prof, true);
	walk_all(w, rows, sizeof(rows) / sizeof(rows[0]));
	n = snmptable_select(w, prof, &in, candidates);
	assert_int_equal(n, 3);
	assert_int_equal(candidates[t], 3);
	free(in);
	snmptable_walk_free(w);
	/* A rack probe: an inlet and an outlet, no switch part (prefer_when): both. */
	memcpy(rows, switch_rows, sizeof(rows));
	rows[1].text = "Outlet";
	rows[2].text = "Spare";
	w = snmptable_walk_new(prof, true);
	walk_all(w, rows, sizeof(rows) / sizeof(rows[0]));
	n = snmptable_select(w, prof, &in, candidates);
	assert_int_equal(n, 3);
	free(in);
	snmptable_walk_free(w);
	/* The same with a CPU row beside them: a switch, its inlet alone. */
	rows[2].text = "cpu 0";
	w = snmptable_walk_new(prof, true);
	walk_all(w, rows, sizeof(rows) / sizeof(rows[0]));
	n = snmptable_select(w, prof, &in, candidates);
	assert_int_equal(n, 1);
	assert_string_equal(in[0].index, "1");
	free(in);
	snmptable_walk_free(w);
	profile_free(prof);
}

/* EATON-SENSOR-MIB: temperature rows PROBE.CHANNEL, named by sensorName.PROBE
 * (parent_index_len = 1); the card's temperatureUnit.0 says Fahrenheit for every row. */
static const struct row emp_rows[] = {
	{ "1.3.6.1.4.1.534.6.8.1.1.3.1.1.1", 0, "EMP A", NULL },
	{ "1.3.6.1.4.1.534.6.8.1.1.3.1.1.2", 0, "EMP B", NULL },
	{ "1.3.6.1.4.1.534.6.8.1.2.3.1.3.1.1", 725, NULL, NULL },
	{ "1.3.6.1.4.1.534.6.8.1.2.3.1.3.2.1", 806, NULL, NULL },
	{ "1.3.6.1.4.1.534.6.8.1.2.5.0", 2, NULL, NULL },
};

static void test_parent_index_labels(void **state)
{
	struct profile *prof = load("probe-eaton-emp");
	struct snmptable_walk *w = snmptable_walk_new(prof, true);
	struct snmptable_instance *in;
	size_t n;

	(void)state;
	walk_all(w, emp_rows, sizeof(emp_rows) / sizeof(emp_rows[0]));
	n = snmptable_select(w, prof, &in, NULL);
	assert_int_equal(n, 2);
	assert_string_equal(in[1].index, "2.1");
	assert_string_equal(in[1].parent, "2");
	assert_string_equal(in[1].label, "EMP B");
	assert_true(in[0].fahrenheit && in[1].fahrenheit);
	free(in);
	snmptable_walk_free(w);
	profile_free(prof);
}

static void test_clean_label(void **state)
{
	char out[12];

	(void)state;
	snmptable_clean_label((const unsigned char *)"a\nb\x7f" "c\0\0", 7, out, sizeof(out));
	assert_string_equal(out, "a?b?c");
	/* Cut on a character boundary: "é" is two bytes. */
	snmptable_clean_label((const unsigned char *)"Entrée baie", 12, out, 7);
	assert_string_equal(out, "Entr\xc3\xa9");
	snmptable_clean_label((const unsigned char *)"Entrée baie", 12, out, 6);
	assert_string_equal(out, "Entr");
}

static void expect_error(const char *text, const char *needle)
{
	char path[] = "/tmp/test_snmptable.XXXXXX";
	int fd = mkstemp(path);
	struct cfgparse p;
	struct profile *prof;
	bool found = false;

	assert_true(fd >= 0);
	assert_true(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
	close(fd);
	prof = load_file(path, &p);
	assert_null(prof);
	for (size_t i = 0; i < p.n_errors; i++)
		found = found || strstr(p.errors[i], needle) != NULL;
	if (!found)
		cfgparse_print(&p, stderr);
	assert_true(found);
	cfgparse_fini(&p);
	unlink(path);
}

#define HEAD "profile = { name = \"x\"; kind = \"probe\"; protocol = \"snmp\"; metrics = ( "

static void test_profile_errors(void **state)
{
	(void)state;
	expect_error(HEAD "{ name = \"temperature\"; oid = \"1.3.6.1.4\"; select_oid = \"1.3.6.1.1\"; "
		"select_values = [ 8 ]; } ); };", "is for a table metric");
	expect_error(HEAD "{ name = \"temperature\"; oid = \"1.3.6.1.4\"; table = true; "
		"select_oid = \"1.3.6.1.1\"; } ); };", "'select_oid' needs 'select_values'");
	expect_error(HEAD "{ name = \"temperature\"; oid = \"1.3.6.1.4\"; table = true; "
		"label_oid = [ \"1.3.x\" ]; } ); };", "is not a numeric OID");
	expect_error(HEAD "{ name = \"temperature\"; oid = \"1.3.6.1.4\"; table = true; "
		"aggregate = \"mean\"; } ); };", "aggregate");
	expect_error(HEAD "{ name = \"temperature\"; oid = \"1.3.6.1.4\"; status_ok = [ 1 ]; } ); };",
		"'status_ok' needs 'sensor_status_oid'");
	expect_error(HEAD "{ name = \"temperature\"; oid = \"1.3.6.1.4\"; table = true; "
		"select_pattern = \"Inlet*\"; } ); };", "'select_pattern' needs 'label_oid'");
	expect_error(HEAD "{ name = \"temperature\"; oid = \"1.3.6.1.4\"; table = true; "
		"unit_oid = \"1.3.6.1.5\"; } ); };", "'unit_oid' and 'fahrenheit_values' go together");
	expect_error(HEAD "{ name = \"temperature\"; oid = \"1.3.6.1.4\"; table = true; "
		"select_text = \"1.3.*\"; } ); };", "'select_text' needs 'select_oid'");
	expect_error(HEAD "{ name = \"temperature\"; oid = \"1.3.6.1.4\"; fallback_invalid = [ 255 ]; } ); };",
		"'fallback_invalid' needs 'fallback_oid'");
	expect_error(HEAD "{ name = \"ups_source\"; oid = \"1.3.6.1.4\"; states = { online = 2; }; "
		"override_oid = \"1.3.6.1.5\"; override_values = [ 4 ]; override_state = \"flying\"; } ); };",
		"is not one of its states");
	expect_error(HEAD "{ name = \"ups_source\"; oid = \"1.3.6.1.4\"; states = { online = 2; }; "
		"override_oid = \"1.3.6.1.5\"; } ); };", "'override_oid' needs 'override_values' and 'override_state'");
	expect_error(HEAD "{ name = \"temperature\"; oid = \"1.3.6.1.4\"; fallback_metric = \"t2\"; } ); };",
		"'fallback_metric' is for a table metric");
	expect_error(HEAD "{ name = \"temperature\"; oid = \"1.3.6.1.4\"; table = true; fallback_metric = \"t2\"; } ); };",
		"'fallback_metric' \"t2\" is not a metric of this profile");
	expect_error(HEAD "{ name = \"temperature\"; oid = \"1.3.6.1.4\"; table = true; fallback_metric = \"t2\"; },"
		"{ name = \"t2\"; oid = \"1.3.6.1.5\"; table = true; unit = \"°C\"; } ); };",
		"must be a scalar metric, not a table");
	expect_error(HEAD "{ name = \"temperature\"; oid = \"1.3.6.1.4\"; table = true; fallback_metric = \"t2\"; },"
		"{ name = \"t2\"; oid = \"1.3.6.1.5.0\"; unit = \"%\"; } ); };",
		"'fallback_metric' \"t2\" must have the same unit and states");
	expect_error(HEAD "{ name = \"temperature\"; oid = \"1.3.6.1.4\"; table = true; select_each_poll = true; } ); };",
		"'select_each_poll' needs 'select_oid'");
	expect_error(HEAD "{ name = \"temperature\"; oid = \"1.3.6.1.4\"; table = true; prefer_pattern = \"*inlet*\"; } ); };",
		"'prefer_pattern' needs 'label_oid'");
	expect_error(HEAD "{ name = \"temperature\"; oid = \"1.3.6.1.4\"; prefer_pattern = \"*inlet*\"; } ); };",
		"'prefer_pattern' is for a table metric");
	expect_error(HEAD "{ name = \"temperature\"; oid = \"1.3.6.1.4\"; table = true; label_oid = \"1.3.6.1.5\"; "
		"prefer_when = \"*asic*\"; } ); };", "'prefer_when' needs 'prefer_pattern'");
}

/* A row kept by its label: select_pattern. */
/* LIEBERT-GP: the line table's rows are chosen by the OID of the point they measure
 * (column 3), the input at point 2 and the output at point 1 here. */
static const struct row liebert_rows[] = {
	{ "1.3.6.1.4.1.476.1.42.3.5.2.3.1.3.1.1", 0, NULL, "1.3.6.1.4.1.476.1.42.3.5.2.1.5" },
	{ "1.3.6.1.4.1.476.1.42.3.5.2.3.1.3.2.1", 0, NULL, "1.3.6.1.4.1.476.1.42.3.5.2.1.1" },
	{ "1.3.6.1.4.1.476.1.42.3.5.2.3.1.3.2.2", 0, NULL, "1.3.6.1.4.1.476.1.42.3.5.2.1.1" },
	{ "1.3.6.1.4.1.476.1.42.3.5.2.3.1.5.1.1", 229, NULL, NULL },
	{ "1.3.6.1.4.1.476.1.42.3.5.2.3.1.5.2.1", 233, NULL, NULL },
	{ "1.3.6.1.4.1.476.1.42.3.5.2.3.1.5.2.2", 228, NULL, NULL },
};

static void test_select_text_on_an_oid_column(void **state)
{
	struct profile *prof = load("ups-liebert-gp");
	struct snmptable_walk *w = snmptable_walk_new(prof, true);
	struct snmptable_instance *in;
	size_t n;
	int vin = profile_metric_index(prof, "input_voltage"), vout = profile_metric_index(prof, "output_voltage");
	size_t n_in = 0, n_out = 0;

	(void)state;
	walk_all(w, liebert_rows, sizeof(liebert_rows) / sizeof(liebert_rows[0]));
	n = snmptable_select(w, prof, &in, NULL);
	for (size_t i = 0; i < n; i++) {
		if ((int)in[i].metric == vin) {
			assert_true(strncmp(in[i].index, "2.", 2) == 0);
			n_in++;
		} else if ((int)in[i].metric == vout) {
			assert_string_equal(in[i].index, "1.1");
			n_out++;
		}
	}
	assert_int_equal(n_in, 2);
	assert_int_equal(n_out, 1);
	free(in);
	snmptable_walk_free(w);
	profile_free(prof);
}

/* An EMU (emsProbeStatusTable, the fallback columns) set to Fahrenheit by its scalar
 * emsStatusSysTempUnits.0; no memSensors row. */
static const struct row emu_rows[] = {
	{ "1.3.6.1.4.1.318.1.1.10.3.12.11.0", 2, NULL, NULL },
	{ "1.3.6.1.4.1.318.1.1.10.3.13.1.1.2.1", 0, "Inlet", NULL },
	{ "1.3.6.1.4.1.318.1.1.10.3.13.1.1.2.2", 0, "Outlet", NULL },
	{ "1.3.6.1.4.1.318.1.1.10.3.13.1.1.3.1", 75, NULL, NULL },
	{ "1.3.6.1.4.1.318.1.1.10.3.13.1.1.3.2", 90, NULL, NULL },
};

static void test_unit_scalar_and_fallback_rows(void **state)
{
	struct profile *prof = load("probe-apc-rackmon");
	struct snmptable_walk *w = snmptable_walk_new(prof, false);
	struct snmptable_instance *in;
	size_t n, n_temp = 0;
	int t = profile_metric_index(prof, "temperature");

	(void)state;
	walk_all(w, emu_rows, sizeof(emu_rows) / sizeof(emu_rows[0]));
	n = snmptable_select(w, prof, &in, NULL);
	for (size_t i = 0; i < n; i++)
		if ((int)in[i].metric == t) {
			assert_true(in[i].fahrenheit);
			assert_true(in[i].from_fallback);
			assert_string_equal(in[i].label, n_temp == 0 ? "Inlet" : "Outlet");
			n_temp++;
		}
	assert_int_equal(n_temp, 2);
	free(in);
	snmptable_walk_free(w);
	profile_free(prof);
}

static void test_select_pattern(void **state)
{
	char path[] = "/tmp/test_snmptable.XXXXXX";
	const char *text = HEAD "{ name = \"temperature\"; oid = \"1.3.6.1.2.1.99.1.1.1.4\"; table = true; "
		"label_oid = \"1.3.6.1.2.1.47.1.1.1.1.2\"; select_pattern = \"temp*\"; } ); };";
	int fd = mkstemp(path);
	struct cfgparse p;
	struct profile *prof;
	struct snmptable_walk *w;
	struct snmptable_instance *in;

	(void)state;
	assert_true(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
	close(fd);
	prof = load_file(path, &p);
	cfgparse_fini(&p);
	unlink(path);
	assert_non_null(prof);
	w = snmptable_walk_new(prof, true);
	walk_all(w, entity_rows, sizeof(entity_rows) / sizeof(entity_rows[0]));
	assert_int_equal(snmptable_select(w, prof, &in, NULL), 2);
	assert_string_equal(in[0].index, "2");
	assert_string_equal(in[1].index, "4");
	free(in);
	snmptable_walk_free(w);
	profile_free(prof);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_entity_sensor_by_type_bulk),
		cmocka_unit_test(test_entity_sensor_by_type_getnext),
		cmocka_unit_test(test_walk_end_and_failure),
		cmocka_unit_test(test_walk_stops_on_loop),
		cmocka_unit_test(test_akcp_rows_from_fallback_column),
		cmocka_unit_test(test_aggregate),
		cmocka_unit_test(test_phase_table_or_total_load),
		cmocka_unit_test(test_row_still_selected),
		cmocka_unit_test(test_prefer_inlet_rows),
		cmocka_unit_test(test_parent_index_labels),
		cmocka_unit_test(test_clean_label),
		cmocka_unit_test(test_profile_errors),
		cmocka_unit_test(test_select_pattern),
		cmocka_unit_test(test_select_text_on_an_oid_column),
		cmocka_unit_test(test_unit_scalar_and_fallback_rows),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
