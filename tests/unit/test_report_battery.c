/* test_report_battery.c — battery health from an outage (issue 18.2): a UPS that
 * promised 25 min and used its charge at a rate that empties it in 9 min is weak; one
 * that keeps its promise is not; too little charge used tells nothing. */
#include <config.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "battery.h"

#define T0 1773324300              /* 2026-03-12 14:05 UTC */

static struct battery_outage outage(double promised_min, double minutes, double from, double to)
{
	return (struct battery_outage){ .device = "ups-general", .start = T0,
		.end = T0 + (time_t)(minutes * 60), .promised_s = promised_min * 60, .charge_start = from,
		.charge_end = to, .load_pct = 40, .budget_s = 600 };
}

static void test_weak_battery(void **state)
{
	/* 6 min on battery, 100 % -> 33.3 %: 11.1 %/min, empty in 9 min. */
	struct battery_outage o = outage(25, 6, 100, 100 - 6 * 100.0 / 9);
	char *reason;

	assert_true(battery_assess(&o));
	assert_true(fabs(o.real_full_s - 540) < 1);
	assert_true(fabs(o.charge_per_min - 100.0 / 9) < 0.01);
	assert_true(o.weak);
	setenv("TZ", "UTC", 1);
	reason = battery_reason(&o);
	assert_string_equal(reason, "9 min real for 25 min promised in the outage of 12/03/2026");
	free(reason);
}

static void test_healthy_battery(void **state)
{
	/* 5 min, 100 % -> 80 %: 25 min at full charge, as promised. */
	struct battery_outage o = outage(25, 5, 100, 80);

	assert_true(battery_assess(&o));
	assert_true(fabs(o.real_full_s - 1500) < 1);
	assert_false(o.weak);
	/* 20 min promised, 15 real: above 70 % of the promise, above the 10 min budget. */
	o = outage(20, 5, 100, 100 - 5 * 100.0 / 15);
	assert_true(battery_assess(&o));
	assert_false(o.weak);
	/* ... but under a 16 min budget. */
	o.budget_s = 960;
	assert_true(battery_assess(&o));
	assert_true(o.weak);
}

static void test_too_little_to_judge(void **state)
{
	struct battery_outage o = outage(25, 1, 100, 98);

	assert_false(battery_assess(&o));
	assert_true(isnan(o.real_full_s));
	assert_false(o.weak);
	o = outage(25, 5, NAN, 50);
	assert_false(battery_assess(&o));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_weak_battery),
		cmocka_unit_test(test_healthy_battery),
		cmocka_unit_test(test_too_little_to_judge),
	};

	return cmocka_run_group_tests_name("report_battery", tests, NULL, NULL);
}
