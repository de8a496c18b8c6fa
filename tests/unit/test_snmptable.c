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
		if (rows[i].text)
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
	{ "1.3.6.1.2.1.47.1.1.1.1.7.2", 0, "Inlet A" },
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
	size_t n = snmptable_select(w, prof, &in);
	int t = profile_metric_index(prof, "temperature"), h = profile_metric_index(prof, "humidity");

	assert_int_equal(n, 3);
	assert_int_equal(in[0].metric, t);
	assert_string_equal(in[0].index, "2");
	assert_string_equal(in[0].label, "Inlet A");           /* entPhysicalName */
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
	assert_int_equal(snmptable_select(w, prof, &in), 0);
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
	n = snmptable_select(w, prof, &in);
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
	snmptable_aggregate(&m, 0, ir, 4, &out);
	assert_int_equal(out.status, READING_OK);
	assert_true(out.value == 31.5);
	assert_string_equal(out.instance, "3 Sortie baie A");
	t.aggregate = AGG_MIN;
	snmptable_aggregate(&m, 0, ir, 4, &out);
	assert_true(out.value == 24.0);
	assert_string_equal(out.instance, "1 Entrée baie A");
	/* Only offline sensors: unknown, never 0. */
	snmptable_aggregate(&m, 0, ir + 3, 1, &out);
	assert_int_equal(out.status, READING_INVALID);
	assert_true(isnan(out.value));
	assert_string_equal(out.instance, "5");
	snmptable_aggregate(&m, 0, ir + 1, 1, &out);
	assert_int_equal(out.status, READING_ABSENT);
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
}

/* A row kept by its label: select_pattern. */
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
	assert_int_equal(snmptable_select(w, prof, &in), 2);
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
		cmocka_unit_test(test_clean_label),
		cmocka_unit_test(test_profile_errors),
		cmocka_unit_test(test_select_pattern),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
