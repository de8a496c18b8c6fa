/* test_nutmap.c — NUT variables onto the vocabulary, through the shipped ups-nut
 * profile: LIST VAR lines with NUT's quoting, ups.status tokens (known, combined and
 * unknown), NUT's sentinels, numbers under a comma locale, lenient battery dates. */
#include <config.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfgparse.h"
#include "nutmap.h"
#include "profile.h"
#include "xmem.h"

#define NOW 1767268800.0   /* 2026-01-01T12:00:00Z */

static struct profile *prof;

static int setup(void **state)
{
	struct cfgparse p;
	char *file = NULL;

	(void)state;
	assert_true(asprintf(&file, "%s/etc/profiles/ups-nut.conf", TOP_SRCDIR) > 0);
	cfgparse_init(&p);
	prof = profile_load(&p, file);
	if (!prof)
		cfgparse_print(&p, stderr);
	cfgparse_fini(&p);
	free(file);
	return prof ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	profile_free(prof);
	return 0;
}

/* vars from "name=value|name=value" */
static void vars_of(struct nut_vars *v, const char *spec)
{
	char *copy = xstrdup(spec), *save = NULL;

	*v = (struct nut_vars){ 0 };
	for (char *item = strtok_r(copy, "|", &save); item; item = strtok_r(NULL, "|", &save)) {
		char *eq = strchr(item, '=');

		assert_non_null(eq);
		*eq = '\0';
		nutmap_vars_add(v, xstrdup(item), xstrdup(eq + 1));
	}
	free(copy);
}

static struct reading decode(const char *metric, const char *spec)
{
	int i = profile_metric_index(prof, metric);
	struct nut_vars v;
	struct reading r;

	assert_true(i >= 0);
	vars_of(&v, spec);
	nutmap_decode(&prof->metrics[i], &v, NOW, &r);
	nutmap_vars_free(&v);
	return r;
}

static const char *state_of(const char *metric, const char *spec)
{
	int i = profile_metric_index(prof, metric);
	struct reading r = decode(metric, spec);

	if (r.status != READING_OK)
		return r.status == READING_INVALID ? "(unknown)" : r.status == READING_ABSENT ? "(absent)" : "(error)";
	return prof->metrics[i].state_names[(int)r.value];
}

static void test_var_lines(void **state)
{
	static const struct { const char *line, *name, *value; } cases[] = {
		{ "VAR onduleur ups.status \"OB LB\"", "ups.status", "OB LB" },
		{ "VAR onduleur battery.charge \"100\"", "battery.charge", "100" },
		{ "VAR u device.model \"Say \\\"hi\\\" \\\\o/\"", "device.model", "Say \"hi\" \\o/" },
		{ "VAR u x \"\"", "x", "" },
		{ "BEGIN LIST VAR u", NULL, NULL },
		{ "VAR u x \"unterminated", NULL, NULL },
		{ "VAR u x", NULL, NULL },
		{ "ERR DATA-STALE", NULL, NULL },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *name = NULL, *value = NULL;
		bool ok = nutmap_parse_var_line(cases[i].line, &name, &value);

		assert_int_equal(ok, cases[i].name != NULL);
		if (ok) {
			assert_string_equal(name, cases[i].name);
			assert_string_equal(value, cases[i].value);
		}
		free(name);
		free(value);
	}
}

static void test_status_tokens(void **state)
{
	static const struct { const char *status, *source, *battery, *replace; } cases[] = {
		{ "OL", "online", "normal", "no" },
		{ "OL CHRG", "online", "normal", "no" },
		{ "OB DISCHRG", "on_battery", "normal", "no" },
		{ "OB LB", "on_battery", "low", "no" },
		{ "OL RB", "online", "normal", "yes" },
		{ "OL BYPASS", "bypass", "normal", "no" },
		{ "OFF", "off", "normal", "no" },
		{ "OB LB FSD", "on_battery", "depleted", "no" },
		{ "OL TRIM OVER HB CAL BOOST ALARM", "online", "normal", "no" },
		{ "OL ECO XYZZY", "online", "normal", "no" },     /* unknown tokens accepted */
		{ "WAIT", "(unknown)", "normal", "no" },           /* driver starting */
		{ "  OB   LB  ", "on_battery", "low", "no" },
	};
	unsigned unknown;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char spec[80];

		snprintf(spec, sizeof(spec), "ups.status=%s", cases[i].status);
		assert_string_equal(state_of("ups_source", spec), cases[i].source);
		assert_string_equal(state_of("ups_battery", spec), cases[i].battery);
		assert_string_equal(state_of("ups_replace_battery", spec), cases[i].replace);
	}
	assert_int_equal(nutmap_status("OL ECO XYZZY", &unknown), NUT_OL);
	assert_int_equal(unknown, 2);
	assert_int_equal(nutmap_status("OB LB RB", NULL), NUT_OB | NUT_LB | NUT_RB);
	assert_string_equal(state_of("ups_source", "battery.charge=100"), "(absent)");
}

static void test_numbers_and_sentinels(void **state)
{
	struct reading r;

	(void)state;
	r = decode("ups_charge", "battery.charge=87.5|ups.status=OL");
	assert_int_equal(r.status, READING_OK);
	assert_true(r.value == 87.5);
	r = decode("ups_runtime", "battery.runtime=1800|ups.status=OB");
	assert_true(r.status == READING_OK && r.value == 1800);
	assert_int_equal(decode("ups_runtime", "battery.runtime=65535|ups.status=OB").status, READING_INVALID);
	/* 0 on mains: a driver without runtime calibration; 0 on battery is real. */
	assert_int_equal(decode("ups_runtime", "battery.runtime=0|ups.status=OL CHRG").status, READING_INVALID);
	r = decode("ups_runtime", "battery.runtime=0|ups.status=OB LB");
	assert_true(r.status == READING_OK && r.value == 0);
	/* No mains on battery is the outage, not a voltage fault. */
	assert_int_equal(decode("input_voltage", "input.voltage=0|ups.status=OB").status, READING_INVALID);
	r = decode("input_voltage", "input.voltage=0|ups.status=OL");
	assert_true(r.status == READING_OK && r.value == 0);
	r = decode("input_voltage", "input.voltage=230.5|ups.status=OL");
	assert_true(r.status == READING_OK && r.value == 230.5);
	assert_int_equal(decode("ups_load", "ups.load=n/a").status, READING_ERROR);
	assert_int_equal(decode("ups_load", "ups.load=").status, READING_ERROR);
	assert_int_equal(decode("output_voltage", "ups.load=10").status, READING_ABSENT);
	r = decode("ambient1_temp", "ambient.1.temperature=21.4");
	assert_true(r.status == READING_OK && r.value == 21.4);
}

/* A French LC_NUMERIC must not turn "230.5" into 230. (Where no comma locale is
 * installed, as on a bare Debian image, this runs under C only.) */
static void test_c_locale(void **state)
{
	struct reading r;
	const char *fr = setlocale(LC_NUMERIC, "fr_FR.UTF-8");

	(void)state;
	if (!fr)
		fr = setlocale(LC_NUMERIC, "de_DE.UTF-8");
	r = decode("input_voltage", "input.voltage=230.5|ups.status=OL");
	setlocale(LC_NUMERIC, "C");
	assert_true(r.status == READING_OK && r.value == 230.5);
}

static void test_dates(void **state)
{
	static const char *const same[] = { "2023-01-31", "2023/01/31", "01/31/2023", "31/01/2023",
		"01/31/23", "20230131", "31.01.2023" };
	static const char *const bad[] = { "", "n/a", "2023-02-30", "13/13/2023", "2023-01", "1970-01-01",
		"2023-01-31x", "2023/01-31" };
	double t, first;
	struct reading r;

	(void)state;
	assert_true(nutmap_date(same[0], &first));
	assert_true(first == 1675123200.0);   /* 2023-01-31T00:00:00Z */
	for (size_t i = 0; i < sizeof(same) / sizeof(same[0]); i++) {
		assert_true(nutmap_date(same[i], &t));
		assert_true(t == first);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_false(nutmap_date(bad[i], &t));
	r = decode("battery_age", "battery.date=2025-01-01");
	assert_int_equal(r.status, READING_OK);
	assert_true(fabs(r.value - 365.5) < 1e-9);
	r = decode("battery_mfr_age", "battery.mfr.date=12/31/24");
	assert_true(r.status == READING_OK && fabs(r.value - 366.5) < 1e-9);
	assert_int_equal(decode("battery_age", "battery.date=2030-01-01").status, READING_INVALID);
	assert_int_equal(decode("battery_age", "battery.date=unknown").status, READING_INVALID);
}

static void test_selftest(void **state)
{
	(void)state;
	assert_string_equal(state_of("ups_selftest", "ups.test.result=Done and passed"), "passed");
	assert_string_equal(state_of("ups_selftest", "ups.test.result=Done and warning"), "passed");
	assert_string_equal(state_of("ups_selftest", "ups.test.result=Done and error"), "failed");
	assert_string_equal(state_of("ups_selftest", "ups.test.result=Failed"), "failed");
	assert_string_equal(state_of("ups_selftest", "ups.test.result=In progress"), "in_progress");
	assert_string_equal(state_of("ups_selftest", "ups.test.result=No test initiated"), "none");
	assert_string_equal(state_of("ups_selftest", "ups.test.result=Aborted"), "none");
	assert_string_equal(state_of("ups_selftest", "ups.test.result=???"), "(unknown)");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_var_lines),
		cmocka_unit_test(test_status_tokens),
		cmocka_unit_test(test_numbers_and_sentinels),
		cmocka_unit_test(test_c_locale),
		cmocka_unit_test(test_dates),
		cmocka_unit_test(test_selftest),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
