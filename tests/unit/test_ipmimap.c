/* test_ipmimap.c — a BMC's sensors onto the vocabulary, through the shipped
 * probe-ipmi-bmc profile: the inlet chosen by whole name in the profile's order
 * (never "PSU1 Inlet Temp"), padded and differently cased names, a sensor without a
 * reading, a BMC in Fahrenheit, and FreeIPMI's workaround names. */
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

#include <ipmi_monitoring.h>

#include "cfgparse.h"
#include "ipmimap.h"
#include "profile.h"

static struct profile *prof;
static const struct profile_metric *inlet, *exhaust;

static int setup(void **state)
{
	struct cfgparse p;
	char *file = NULL;

	(void)state;
	assert_true(asprintf(&file, "%s/etc/profiles/probe-ipmi-bmc.conf", TOP_SRCDIR) > 0);
	cfgparse_init(&p);
	prof = profile_load(&p, file);
	if (!prof)
		cfgparse_print(&p, stderr);
	cfgparse_fini(&p);
	free(file);
	if (!prof)
		return -1;
	inlet = &prof->metrics[profile_metric_index(prof, "temperature")];
	exhaust = &prof->metrics[profile_metric_index(prof, "exhaust_temperature")];
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	profile_free(prof);
	return 0;
}

/* A BMC's temperature sensors from "name=value|name=value" (value "na": no reading;
 * a trailing F: Fahrenheit). */
static void bmc(struct ipmi_sensors *s, const char *spec)
{
	char *copy = strdup(spec), *save = NULL;

	*s = (struct ipmi_sensors){ 0 };
	for (char *item = strtok_r(copy, "|", &save); item; item = strtok_r(NULL, "|", &save)) {
		char *eq = strchr(item, '=');
		size_t n;

		assert_non_null(eq);
		*eq++ = '\0';
		n = strlen(eq);
		if (strcmp(eq, "na") == 0)
			ipmimap_add(s, item, IPMI_UNIT_CELSIUS, false, 0);
		else
			ipmimap_add(s, item, n && eq[n - 1] == 'F' ? IPMI_UNIT_FAHRENHEIT : IPMI_UNIT_CELSIUS, true,
				strtod(eq, NULL));
	}
	free(copy);
}

static struct reading decode(const struct profile_metric *m, const char *spec)
{
	struct ipmi_sensors s;
	struct reading r;

	bmc(&s, spec);
	ipmimap_decode(m, &s, &r);
	ipmimap_free(&s);
	return r;
}

static void test_vendor_inlets(void **state)
{
	static const struct { const char *spec; double want; } cases[] = {
		{ "CPU1 Temp=55|PSU1 Inlet Temp=41|Inlet Temp=24|Exhaust Temp=35", 24 },   /* Dell */
		{ "02-CPU 1=40|01-Inlet Ambient=21|03-P1 DIMM 1-6=30", 21 },                 /* HPE */
		{ "CPU1 Temp=50|Ambient Temp=23", 23 },                                      /* Lenovo */
		{ "BB P1 VR Temp=45|BB Inlet Temp=22|BB Exit Air Temp=33", 22 },             /* Intel */
		{ "Inlet Temperature=19", 19 },                                              /* Fujitsu */
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct reading r = decode(inlet, cases[i].spec);

		assert_int_equal(r.status, READING_OK);
		assert_true(fabs(r.value - cases[i].want) < 1e-9);
		/* Which of the profile's names answered (--probe's source): the list's i-th. */
		assert_true(r.sensor < inlet->n_sensors);
		assert_non_null(strstr(cases[i].spec, inlet->sensors[r.sensor]));
	}
	assert_string_equal(inlet->sensors[decode(inlet, "01-Inlet Ambient=21").sensor], "01-Inlet Ambient");
}

/* Anchored: a power supply's or a second board's "inlet" is not the server's inlet. */
static void test_never_a_part_of_a_name(void **state)
{
	struct reading r = decode(inlet, "PSU1 Inlet Temp=41|PSU2 Inlet Temp=40|Inlet Temp 2=39|CPU1 Temp=55");

	(void)state;
	assert_int_equal(r.status, READING_ABSENT);
	assert_true(isnan(r.value));
}

/* The profile's order wins over the BMC's: a board with both a Dell-style inlet and a
 * Lenovo-style ambient gives the inlet. */
static void test_profile_order(void **state)
{
	struct reading r = decode(inlet, "Ambient Temp=30|Inlet Temp=22");

	(void)state;
	assert_int_equal(r.status, READING_OK);
	assert_true(fabs(r.value - 22) < 1e-9);
}

/* Some BMCs pad their 16-byte id strings with blanks, or write them in capitals. */
static void test_padding_and_case(void **state)
{
	(void)state;
	assert_true(ipmimap_name_is("Inlet Temp      ", "Inlet Temp"));
	assert_true(ipmimap_name_is(" INLET TEMP", "Inlet Temp"));
	assert_false(ipmimap_name_is("Inlet Temp2", "Inlet Temp"));
	assert_false(ipmimap_name_is("Inlet", "Inlet Temp"));
	assert_false(ipmimap_name_is("", "Inlet Temp"));
	assert_int_equal(decode(inlet, "INLET TEMP   =26").status, READING_OK);
}

/* The sensor exists but has no reading (host powered off, "N/A"): unknown, not absent,
 * and not a later choice in the list either. */
static void test_no_reading_is_invalid(void **state)
{
	struct reading r = decode(inlet, "Inlet Temp=na|Ambient Temp=25");

	(void)state;
	assert_int_equal(r.status, READING_INVALID);
	assert_true(isnan(r.value));
}

static void test_fahrenheit_bmc(void **state)
{
	struct reading r = decode(inlet, "Inlet Temp=77F");

	(void)state;
	assert_int_equal(r.status, READING_OK);
	assert_true(fabs(r.value - 25.0) < 1e-9);
	assert_true(fabs(r.raw - 77.0) < 1e-9);   /* as the BMC said it */
}

static void test_exhaust(void **state)
{
	(void)state;
	assert_true(fabs(decode(exhaust, "Inlet Temp=24|Exhaust Temp=35").value - 35) < 1e-9);
	assert_int_equal(decode(exhaust, "Inlet Temp=24").status, READING_ABSENT);
}

/* Device text for a log line: quoted, control bytes and quotes masked, cut to fit. */
static void test_names_for_the_log(void **state)
{
	struct ipmi_sensors s;
	char buf[40], tiny[12];

	(void)state;
	bmc(&s, "CPU1 Temp=55|Bad\"\x1b[2J=1|Exhaust Temp=35|Another Long Sensor Name=20");
	assert_string_equal(ipmimap_names(&s, buf, sizeof(buf)), "\"CPU1 Temp\", \"Bad??[2J\"...");
	assert_true(strlen(buf) < sizeof(buf));
	assert_string_equal(ipmimap_names(&s, tiny, sizeof(tiny)), "...");
	ipmimap_free(&s);
}

static void test_workarounds(void **state)
{
	char *lan[] = { "opensesspriv", "intel20", "discretereading" };
	char *inband[] = { "spinpoll", "assumebmcowner" };
	char *wrong_place[] = { "opensesspriv", "assumeio" };
	char *unknown[] = { "opensespriv" };
	unsigned session, reading;

	(void)state;
	assert_int_equal(ipmimap_workarounds(lan, 3, true, &session, &reading), -1);
	assert_int_equal(session, IPMI_MONITORING_WORKAROUND_FLAGS_PROTOCOL_VERSION_2_0_OPEN_SESSION_PRIVILEGE |
		IPMI_MONITORING_WORKAROUND_FLAGS_PROTOCOL_VERSION_2_0_INTEL_2_0_SESSION);
	assert_int_equal(reading, IPMI_MONITORING_SENSOR_READING_FLAGS_DISCRETE_READING);
	assert_int_equal(ipmimap_workarounds(inband, 2, false, &session, &reading), -1);
	assert_int_equal(session, IPMI_MONITORING_WORKAROUND_FLAGS_INBAND_SPIN_POLL);
	assert_int_equal(reading, IPMI_MONITORING_SENSOR_READING_FLAGS_ASSUME_BMC_OWNER);
	assert_int_equal(ipmimap_workarounds(wrong_place, 2, true, &session, &reading), 1);
	assert_int_equal(ipmimap_workarounds(wrong_place, 2, false, &session, &reading), 0);
	assert_int_equal(ipmimap_workarounds(unknown, 1, true, &session, &reading), 0);
	assert_int_equal(ipmimap_workarounds(NULL, 0, true, &session, &reading), -1);
	assert_int_equal(session | reading, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vendor_inlets),
		cmocka_unit_test(test_never_a_part_of_a_name),
		cmocka_unit_test(test_profile_order),
		cmocka_unit_test(test_padding_and_case),
		cmocka_unit_test(test_no_reading_is_invalid),
		cmocka_unit_test(test_fahrenheit_bmc),
		cmocka_unit_test(test_exhaust),
		cmocka_unit_test(test_names_for_the_log),
		cmocka_unit_test(test_workarounds),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
