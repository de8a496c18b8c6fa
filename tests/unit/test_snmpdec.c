/* test_snmpdec.c — SNMP decoding with real Net-SNMP varbinds (built by the library
 * with snmp_pdu_add_variable), ENTITY-SENSOR scale/precision, sentinels, fallback
 * OIDs, state maps, and the shipped profiles' units. */
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

#include "cfgparse.h"
#include "profile.h"
#include "snmpdec.h"

static const oid test_oid[] = { 1, 3, 6, 1, 4, 1, 99999, 1, 0 };

/* A GET response's varbind of the given type, built by Net-SNMP. */
static netsnmp_pdu *pdu_with(u_char type, const void *value, size_t len)
{
	netsnmp_pdu *pdu = snmp_pdu_create(SNMP_MSG_RESPONSE);

	assert_non_null(snmp_pdu_add_variable(pdu, test_oid, OID_LENGTH(test_oid), type, value, len));
	return pdu;
}

static enum snmpdec_status decode(u_char type, const void *value, size_t len, double *out)
{
	netsnmp_pdu *pdu = pdu_with(type, value, len);
	enum snmpdec_status st = snmpdec_varbind(pdu->variables, out);

	snmp_free_pdu(pdu);
	return st;
}

static void test_integer_types(void **state)
{
	long neg = -40, big = 4000000000L, ticks = 252000;
	struct counter64 c64 = { .high = 1, .low = 5 };
	double v;

	assert_int_equal(decode(ASN_INTEGER, &neg, sizeof(neg), &v), SNMPDEC_OK);
	assert_true(v == -40.0);
	/* Gauge32 / Counter32 / Unsigned32 are unsigned: above 2^31 stays positive. */
	assert_int_equal(decode(ASN_GAUGE, &big, sizeof(big), &v), SNMPDEC_OK);
	assert_true(v == 4000000000.0);
	assert_int_equal(decode(ASN_COUNTER, &big, sizeof(big), &v), SNMPDEC_OK);
	assert_true(v == 4000000000.0);
	assert_int_equal(decode(ASN_UINTEGER, &big, sizeof(big), &v), SNMPDEC_OK);
	assert_true(v == 4000000000.0);
	/* TimeTicks are hundredths of a second: APC's runtime 252000 = 2520 s. */
	assert_int_equal(decode(ASN_TIMETICKS, &ticks, sizeof(ticks), &v), SNMPDEC_OK);
	assert_true(v == 2520.0);
	assert_int_equal(decode(ASN_COUNTER64, &c64, sizeof(c64), &v), SNMPDEC_OK);
	assert_true(v == 4294967296.0 + 5.0);
}

static void test_opaque_types(void **state)
{
#ifdef NETSNMP_WITH_OPAQUE_SPECIAL_TYPES
	float f = 23.5f;
	double d = -1.25, v;

	assert_int_equal(decode(ASN_OPAQUE_FLOAT, &f, sizeof(f), &v), SNMPDEC_OK);
	assert_true(v == 23.5);
	assert_int_equal(decode(ASN_OPAQUE_DOUBLE, &d, sizeof(d), &v), SNMPDEC_OK);
	assert_true(v == -1.25);
#else
	skip();
#endif
}

/* Issue 13.7: infinities and NaN are unknown, never a reading (JSON has no Infinity). */
static void test_non_finite_is_unknown(void **state)
{
	char digits[401];
	double v = 0;
	struct profile_metric m = { .name = "ups_charge", .scale = 1, .fallback_scale = NAN };
	struct snmpdec_input in = { .main = SNMPDEC_NOT_FINITE, .main_value = NAN, .factor = 1 };
	struct reading r;

	memset(digits, '9', 400);
	digits[400] = '\0';
	assert_int_equal(decode(ASN_OCTET_STR, digits, 400, &v), SNMPDEC_NOT_FINITE);
	assert_true(isnan(v));
#ifdef NETSNMP_WITH_OPAQUE_SPECIAL_TYPES
	{
		float f = INFINITY;
		double d = -INFINITY, n = NAN;

		assert_int_equal(decode(ASN_OPAQUE_FLOAT, &f, sizeof(f), &v), SNMPDEC_NOT_FINITE);
		assert_int_equal(decode(ASN_OPAQUE_DOUBLE, &d, sizeof(d), &v), SNMPDEC_NOT_FINITE);
		assert_int_equal(decode(ASN_OPAQUE_DOUBLE, &n, sizeof(n), &v), SNMPDEC_NOT_FINITE);
	}
#endif
	snmpdec_metric(&m, &in, &r);
	assert_int_equal(r.status, READING_INVALID);
	assert_true(isnan(r.value));
	/* A finite raw value the scale makes overflow is unknown too. */
	m.scale = 1e300;
	in.main = SNMPDEC_OK;
	in.main_value = 1e300;
	snmpdec_metric(&m, &in, &r);
	assert_int_equal(r.status, READING_INVALID);
}

static void test_octet_string_numbers(void **state)
{
	static const struct { const char *text; enum snmpdec_status st; double v; } cases[] = {
		{ "23.4", SNMPDEC_OK, 23.4 },
		{ " 41 ", SNMPDEC_OK, 41 },
		{ "-1", SNMPDEC_OK, -1 },
		{ "22,6", SNMPDEC_OK, 22.6 },
		{ "+7.50\r\n", SNMPDEC_OK, 7.5 },
		{ "", SNMPDEC_NOT_NUMBER, 0 },
		{ "23.4 C", SNMPDEC_NOT_NUMBER, 0 },
		{ "abc", SNMPDEC_NOT_NUMBER, 0 },
		{ "1.2.3", SNMPDEC_NOT_NUMBER, 0 },
		{ "-", SNMPDEC_NOT_NUMBER, 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		double v = NAN;

		assert_int_equal(decode(ASN_OCTET_STR, cases[i].text, strlen(cases[i].text), &v), cases[i].st);
		if (cases[i].st == SNMPDEC_OK)
			assert_float_equal(v, cases[i].v, 1e-9);
	}
}

static void test_exceptions_and_other_types(void **state)
{
	static const u_char absent[] = { SNMP_NOSUCHOBJECT, SNMP_NOSUCHINSTANCE, SNMP_ENDOFMIBVIEW, ASN_NULL };
	static const char *const names[] = { "noSuchObject", "noSuchInstance", "endOfMibView", "NULL" };
	const oid some_oid[] = { 1, 3, 6 };
	u_char ip[4] = { 127, 0, 0, 1 };
	double v;

	for (size_t i = 0; i < sizeof(absent); i++) {
		netsnmp_pdu *pdu = pdu_with(absent[i], NULL, 0);

		assert_int_equal(snmpdec_varbind(pdu->variables, &v), SNMPDEC_ABSENT);
		assert_string_equal(snmpdec_exception_name(pdu->variables), names[i]);
		snmp_free_pdu(pdu);
	}
	assert_int_equal(decode(ASN_OBJECT_ID, some_oid, sizeof(some_oid), &v), SNMPDEC_NOT_NUMBER);
	assert_int_equal(decode(ASN_IPADDRESS, ip, sizeof(ip), &v), SNMPDEC_NOT_NUMBER);
}

static void test_parse_oid(void **state)
{
	oid buf[SNMPDEC_OID_MAX];

	assert_int_equal(snmpdec_parse_oid("1.3.6.1.2.1.33.1.2.3.0", buf, SNMPDEC_OID_MAX), 11);
	assert_int_equal(buf[6], 33);
	assert_int_equal(snmpdec_parse_oid(".1.3.6.1.4.1.318.1.1.1.2.2.3.0", buf, SNMPDEC_OID_MAX), 14);
	assert_int_equal(buf[6], 318);
	assert_int_equal(snmpdec_parse_oid("1.3.6.4294967295", buf, SNMPDEC_OID_MAX), 4);
	assert_int_equal(snmpdec_parse_oid("1.3.6.4294967296", buf, SNMPDEC_OID_MAX), 0);
	assert_int_equal(snmpdec_parse_oid("1", buf, SNMPDEC_OID_MAX), 0);
	assert_int_equal(snmpdec_parse_oid("1.3.", buf, SNMPDEC_OID_MAX), 0);
	assert_int_equal(snmpdec_parse_oid("1..3", buf, SNMPDEC_OID_MAX), 0);
	assert_int_equal(snmpdec_parse_oid("iso.3.6", buf, SNMPDEC_OID_MAX), 0);
	assert_int_equal(snmpdec_parse_oid("1.3.6.1", buf, 3), 0);
	/* The driver takes what envmond -t accepts (oidtext.h): 70 sub-identifiers, up to 128. */
	{
		char text[1024] = "1.3.6.1.4.1.99999";

		for (int i = 7; i < 70; i++)
			snprintf(text + strlen(text), sizeof(text) - strlen(text), ".%d", i);
		assert_int_equal(snmpdec_parse_oid(text, buf, SNMPDEC_OID_MAX), 70);
		assert_int_equal(buf[69], 69);
	}
	assert_int_equal(SNMPDEC_OID_MAX, MAX_OID_LEN);
}

static void test_sensor_factor(void **state)
{
	/* RFC 3433: units (9) with precision 1 -> tenths; milli (8) -> 1e-3; kilo (10). */
	assert_float_equal(snmpdec_sensor_factor(9, 1), 0.1, 1e-12);
	assert_float_equal(snmpdec_sensor_factor(9, 0), 1.0, 1e-12);
	assert_float_equal(snmpdec_sensor_factor(8, 0), 1e-3, 1e-15);
	assert_float_equal(snmpdec_sensor_factor(8, 2), 1e-5, 1e-17);
	assert_float_equal(snmpdec_sensor_factor(10, 0), 1e3, 1e-9);
	assert_float_equal(snmpdec_sensor_factor(9, -2), 100.0, 1e-9);
	assert_true(isnan(snmpdec_sensor_factor(0, 0)));
	assert_true(isnan(snmpdec_sensor_factor(18, 0)));
	assert_true(isnan(snmpdec_sensor_factor(9, 10)));
	assert_true(isnan(snmpdec_sensor_factor(9, -9)));
	assert_true(isnan(snmpdec_sensor_factor(NAN, 0)));
}

/* ------------------------------------------------------------------ metric decoding */

static struct profile *load(const char *name)
{
	struct cfgparse p;
	char *file = NULL;
	struct profile *prof;

	assert_true(asprintf(&file, "%s/etc/profiles/%s.conf", TOP_SRCDIR, name) > 0);
	cfgparse_init(&p);
	prof = profile_load(&p, file);
	if (!prof)
		cfgparse_print(&p, stderr);
	cfgparse_fini(&p);
	free(file);
	assert_non_null(prof);
	return prof;
}

static const struct profile_metric *metric(const struct profile *prof, const char *name)
{
	int i = profile_metric_index(prof, name);

	assert_true(i >= 0);
	return &prof->metrics[i];
}

/* Decodes one varbind through a shipped profile's metric, as the driver does. */
static struct reading through(const struct profile_metric *m, u_char type, long value)
{
	double raw;
	struct snmpdec_input in = { .factor = 1.0 };
	struct reading r;
	netsnmp_pdu *pdu = pdu_with(type, &value, sizeof(value));

	in.main = snmpdec_varbind(pdu->variables, &raw);
	in.main_value = raw;
	snmp_free_pdu(pdu);
	snmpdec_metric(m, &in, &r);
	return r;
}

static void test_runtime_units(void **state)
{
	struct profile *rfc = load("ups-rfc1628"), *apc = load("ups-apc-powernet"), *eaton = load("ups-eaton-xups");
	struct reading r;

	r = through(metric(rfc, "ups_runtime"), ASN_INTEGER, 42);         /* minutes */
	assert_int_equal(r.status, READING_OK);
	assert_float_equal(r.value, 2520.0, 1e-9);
	assert_float_equal(r.raw, 42.0, 1e-9);
	r = through(metric(apc, "ups_runtime"), ASN_TIMETICKS, 252000);   /* 1/100 s */
	assert_int_equal(r.status, READING_OK);
	assert_float_equal(r.value, 2520.0, 1e-9);
	r = through(metric(eaton, "ups_runtime"), ASN_INTEGER, 2520);     /* seconds */
	assert_float_equal(r.value, 2520.0, 1e-9);
	/* RFC 1628 sentinels mean "unknown", not 999 minutes. */
	for (long s = 0; s < 3; s++) {
		static const long sentinels[] = { 999, 65535, -1 };

		r = through(metric(rfc, "ups_runtime"), ASN_INTEGER, sentinels[s]);
		assert_int_equal(r.status, READING_INVALID);
		assert_true(isnan(r.value));
		assert_float_equal(r.raw, (double)sentinels[s], 0);
	}
	profile_free(rfc);
	profile_free(apc);
	profile_free(eaton);
}

static void test_state_maps(void **state)
{
	struct profile *rfc = load("ups-rfc1628"), *apc = load("ups-apc-powernet");
	const struct profile_metric *src = metric(rfc, "ups_source");
	static const struct { long raw; const char *state; } rfc_cases[] = {
		{ 3, "online" }, { 6, "online" }, { 7, "online" }, { 4, "bypass" }, { 5, "on_battery" }, { 2, "off" },
	};
	static const struct { long raw; const char *state; } apc_cases[] = {
		{ 2, "online" }, { 20, "online" }, { 23, "online" }, { 25, "online" }, { 27, "online" },
		{ 28, "on_battery" }, { 19, "bypass" }, { 24, "bypass" }, { 26, "off" },
	};
	struct reading r;

	for (size_t i = 0; i < sizeof(rfc_cases) / sizeof(rfc_cases[0]); i++) {
		r = through(src, ASN_INTEGER, rfc_cases[i].raw);
		assert_int_equal(r.status, READING_OK);
		assert_string_equal(src->state_names[(int)r.value], rfc_cases[i].state);
	}
	/* A raw value the map does not know is an error, not a guess. */
	assert_int_equal(through(src, ASN_INTEGER, 42).status, READING_ERROR);
	/* upsBatteryStatus 1 = unknown is a sentinel; so is upsOutputSource other(1),
	 * which is not "off" (an immediate critical). */
	assert_int_equal(through(metric(rfc, "ups_battery"), ASN_INTEGER, 1).status, READING_INVALID);
	assert_int_equal(through(src, ASN_INTEGER, 1).status, READING_INVALID);
	for (size_t i = 0; i < sizeof(apc_cases) / sizeof(apc_cases[0]); i++) {
		r = through(metric(apc, "ups_source"), ASN_INTEGER, apc_cases[i].raw);
		assert_int_equal(r.status, READING_OK);
		assert_string_equal(metric(apc, "ups_source")->state_names[(int)r.value], apc_cases[i].state);
	}
	/* noBatteryPresent(5). */
	r = through(metric(apc, "ups_battery"), ASN_INTEGER, 5);
	assert_int_equal(r.status, READING_OK);
	assert_string_equal(metric(apc, "ups_battery")->state_names[(int)r.value], "fault");
	r = through(metric(apc, "ups_source"), ASN_INTEGER, 3);
	assert_string_equal(metric(apc, "ups_source")->state_names[(int)r.value], "on_battery");
	r = through(metric(apc, "ups_source"), ASN_INTEGER, 17);
	assert_string_equal(metric(apc, "ups_source")->state_names[(int)r.value], "bypass");
	r = through(metric(apc, "ups_replace_battery"), ASN_INTEGER, 2);
	assert_string_equal(metric(apc, "ups_replace_battery")->state_names[(int)r.value], "yes");
	profile_free(rfc);
	profile_free(apc);
}

static void test_fallback(void **state)
{
	struct profile *apc = load("ups-apc-powernet");
	const struct profile_metric *load_m = metric(apc, "total_load");
	struct snmpdec_input in = { .main = SNMPDEC_OK, .main_value = 352, .factor = 1.0,
		.fallback = SNMPDEC_OK, .fallback_value = 35, .fallback_read = true };
	struct reading r;

	/* The high-precision OID answers: tenths, fallback ignored. */
	assert_false(snmpdec_metric(load_m, &in, &r));
	assert_float_equal(r.value, 35.2, 1e-9);
	/* It is absent: the basic OID in whole units, with fallback_scale. */
	in.main = SNMPDEC_ABSENT;
	assert_true(snmpdec_metric(load_m, &in, &r));
	assert_int_equal(r.status, READING_OK);
	assert_float_equal(r.value, 35.0, 1e-9);
	assert_float_equal(r.raw, 35.0, 1e-9);
	/* Both absent. */
	in.fallback = SNMPDEC_ABSENT;
	assert_false(snmpdec_metric(load_m, &in, &r));
	assert_int_equal(r.status, READING_ABSENT);
	/* Main absent and the fallback not read (yet): absent. */
	in.fallback_read = false;
	snmpdec_metric(load_m, &in, &r);
	assert_int_equal(r.status, READING_ABSENT);
	/* Main absent and the fallback asked but unanswered (timeout): an error, not
	 * "the device does not have it". */
	in.fallback_failed = true;
	assert_false(snmpdec_metric(load_m, &in, &r));
	assert_int_equal(r.status, READING_ERROR);
	assert_false(r.from_fallback);
	in.fallback_failed = false;
	/* The fallback's value says where it came from. */
	in.fallback = SNMPDEC_OK;
	in.fallback_read = true;
	assert_true(snmpdec_metric(load_m, &in, &r));
	assert_true(r.from_fallback);
	/* A value that is not a number. */
	in.main = SNMPDEC_NOT_NUMBER;
	snmpdec_metric(load_m, &in, &r);
	assert_int_equal(r.status, READING_ERROR);
	profile_free(apc);
}

static void test_entity_sensor(void **state)
{
	struct profile *es = load("probe-entity-sensor");
	const struct profile_metric *t = metric(es, "temperature");
	struct snmpdec_input in = { .main = SNMPDEC_OK, .main_value = 235 };
	struct reading r;

	assert_non_null(t->sensor_scale_oid);
	assert_non_null(t->sensor_precision_oid);
	in.factor = snmpdec_sensor_factor(9, 1);
	snmpdec_metric(t, &in, &r);
	assert_int_equal(r.status, READING_OK);
	assert_float_equal(r.value, 23.5, 1e-9);
	assert_float_equal(r.raw, 235, 0);
	/* milli-units with precision 0: 23500 m°C. */
	in.main_value = 23500;
	in.factor = snmpdec_sensor_factor(8, 0);
	snmpdec_metric(t, &in, &r);
	assert_float_equal(r.value, 23.5, 1e-9);
	/* entPhySensorOperStatus: ok(1) reads; unavailable(2) or nonoperational(3) (an
	 * unplugged sensor reads 0) is unknown. */
	assert_non_null(t->sensor_status_oid);
	in.main_value = 0;
	in.factor = 1.0;
	in.status_read = true;
	in.status_value = 1;
	snmpdec_metric(t, &in, &r);
	assert_int_equal(r.status, READING_OK);
	for (int st = 2; st <= 3; st++) {
		in.status_value = st;
		snmpdec_metric(t, &in, &r);
		assert_int_equal(r.status, READING_INVALID);
		assert_true(isnan(r.value));
	}
	in.status_read = false;
	/* Scale or precision unreadable: no guess. */
	in.factor = NAN;
	snmpdec_metric(t, &in, &r);
	assert_int_equal(r.status, READING_ERROR);
	profile_free(es);
}

static void test_scale_offset_sentinel(void **state)
{
	struct profile_metric m = { .name = "temperature", .scale = 0.1, .offset = -2.0,
		.fallback_scale = NAN, .invalid = (long long[]){ -1, 32767 }, .n_invalid = 2 };
	struct snmpdec_input in = { .main = SNMPDEC_OK, .main_value = 250, .factor = 1.0 };
	struct reading r;

	snmpdec_metric(&m, &in, &r);
	assert_float_equal(r.value, 23.0, 1e-9);
	in.main_value = 32767;
	snmpdec_metric(&m, &in, &r);
	assert_int_equal(r.status, READING_INVALID);
	/* Sentinels apply to the raw device value, before the sensor factor. */
	in.main_value = -1;
	in.factor = 0.1;
	snmpdec_metric(&m, &in, &r);
	assert_int_equal(r.status, READING_INVALID);
	/* Fahrenheit tenths converted to °C. */
	m.convert = CONVERT_F_TO_C;
	m.offset = 0;
	m.n_invalid = 0;
	in.main_value = 770;
	in.factor = 1.0;
	snmpdec_metric(&m, &in, &r);
	assert_float_equal(r.value, 25.0, 1e-9);
}

static void test_all_profiles_load(void **state)
{
	static const char *const names[] = { "ups-rfc1628", "ups-apc-powernet", "ups-eaton-xups",
		"probe-entity-sensor", "probe-apc-uio", "probe-netbotz", "probe-akcp", "probe-eaton-emp" };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		struct profile *p = load(names[i]);
		oid buf[SNMPDEC_OID_MAX];

		assert_string_equal(p->name, names[i]);
		assert_int_equal(p->protocol, PROFILE_SNMP);
		for (size_t k = 0; k < p->n_metrics; k++)
			assert_true(snmpdec_parse_oid(p->metrics[k].oid, buf, SNMPDEC_OID_MAX) > 0);
		profile_free(p);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_integer_types),
		cmocka_unit_test(test_opaque_types),
		cmocka_unit_test(test_octet_string_numbers),
		cmocka_unit_test(test_non_finite_is_unknown),
		cmocka_unit_test(test_exceptions_and_other_types),
		cmocka_unit_test(test_parse_oid),
		cmocka_unit_test(test_sensor_factor),
		cmocka_unit_test(test_runtime_units),
		cmocka_unit_test(test_state_maps),
		cmocka_unit_test(test_fallback),
		cmocka_unit_test(test_entity_sensor),
		cmocka_unit_test(test_scale_offset_sentinel),
		cmocka_unit_test(test_all_profiles_load),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
