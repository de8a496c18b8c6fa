/* test_derive.c — dew point against published Magnus values, rates as least-squares
 * slopes over their windows, runtime units. */
#include <config.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>

#include "derive.h"

/* Dew-point tables (Magnus over water, b = 17.62, c = 243.12 °C, as in Sensirion's
 * "Dew-point Calculation" note and the WMO guide), one decimal. */
static const struct { double t, rh, dew; } dew_table[] = {
	{ 20.0, 50.0, 9.3 },
	{ 25.0, 50.0, 13.9 },
	{ 30.0, 70.0, 23.9 },
	{ 27.0, 48.0, 15.1 },   /* DESIGN.md §8: at 27 °C the 15 °C limit binds near 48 % */
	{ 0.0, 100.0, 0.0 },
	{ 10.0, 30.0, -6.8 },
	{ -5.0, 80.0, -7.9 },
	{ 35.0, 20.0, 8.7 },
	{ 22.0, 60.0, 13.9 },
	{ 18.0, 40.0, 4.2 },
};

static void test_dew_point_table(void **state)
{
	for (size_t i = 0; i < sizeof(dew_table) / sizeof(dew_table[0]); i++) {
		double d = derive_dew_point(dew_table[i].t, dew_table[i].rh);

		if (fabs(d - dew_table[i].dew) > 0.06)
			fail_msg("dew point of %.1f °C %.0f %%: %.3f, expected %.1f", dew_table[i].t,
				dew_table[i].rh, d, dew_table[i].dew);
	}
}

static void test_dew_point_invalid(void **state)
{
	assert_true(isnan(derive_dew_point(NAN, 50)));
	assert_true(isnan(derive_dew_point(20, NAN)));
	assert_true(isnan(derive_dew_point(20, 0)));
	/* RH above 100 % (a sensor's overshoot) is read as saturation: dew point = temperature. */
	assert_true(fabs(derive_dew_point(20, 103) - 20.0) < 1e-9);
}

static void test_seconds(void **state)
{
	static const struct { double v; const char *unit; double s; } table[] = {
		{ 12, "min", 720 }, { 900, "s", 900 }, { 90000, "ticks", 900 }, { 1.5, "h", 5400 },
		{ 42, NULL, 42 },
	};

	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		assert_true(fabs(derive_seconds(table[i].v, table[i].unit) - table[i].s) < 1e-9);
	assert_true(isnan(derive_seconds(5, "furlongs")));
}

/* A linear ramp of 6 °C/h sampled every 30 s: both rates give it exactly. */
static void test_rates_of_a_ramp(void **state)
{
	struct derive_history h;
	double t0 = 1767225600.0, now = 0;

	derive_history_init(&h);
	for (int i = 0; i <= 240; i++) {             /* two hours */
		now = t0 + 30.0 * i;
		derive_history_add(&h, now, 20.0 + 6.0 * (30.0 * i) / 3600.0);
	}
	assert_true(fabs(derive_slope(&h, now, DERIVE_RATE_HOUR_S) * 3600.0 - 6.0) < 1e-6);
	assert_true(fabs(derive_slope(&h, now, DERIVE_RATE_15MIN_S) * 900.0 - 1.5) < 1e-6);
	/* Only the last hour is kept. */
	assert_true(h.n <= 121);
	derive_history_fini(&h);
}

/* Noise at the ends of the window barely moves a least-squares slope. */
static void test_rates_resist_one_outlier(void **state)
{
	struct derive_history h;
	double t0 = 1767225600.0, now = 0;

	derive_history_init(&h);
	for (int i = 0; i <= 120; i++) {
		now = t0 + 30.0 * i;
		derive_history_add(&h, now, i == 120 ? 24.0 : 22.0);   /* one reading 2 °C off */
	}
	/* A difference over the window would say 2 °C/h; the slope says far less. */
	assert_true(fabs(derive_slope(&h, now, DERIVE_RATE_HOUR_S) * 3600.0) < 0.2);
	derive_history_fini(&h);
}

/* Too short a history gives no rate rather than a wild one. */
static void test_rates_need_half_a_window(void **state)
{
	struct derive_history h;
	double t0 = 1767225600.0;

	derive_history_init(&h);
	derive_history_add(&h, t0, 20.0);
	derive_history_add(&h, t0 + 30, 21.0);
	derive_history_add(&h, t0 + 60, 22.0);
	assert_true(isnan(derive_slope(&h, t0 + 60, DERIVE_RATE_15MIN_S)));
	for (int i = 3; i <= 15; i++)
		derive_history_add(&h, t0 + 30.0 * i, 20.0 + i);
	/* 450 s of readings cover half of 15 min: 1 °C per 30 s = 30 °C per 15 min. */
	assert_true(fabs(derive_slope(&h, t0 + 450, DERIVE_RATE_15MIN_S) * 900.0 - 30.0) < 1e-6);
	assert_true(isnan(derive_slope(&h, t0 + 450, DERIVE_RATE_HOUR_S)));
	/* A clock stepping backwards starts the history afresh. */
	derive_history_add(&h, t0, 20.0);
	assert_int_equal(h.n, 1);
	derive_history_fini(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dew_point_table),
		cmocka_unit_test(test_dew_point_invalid),
		cmocka_unit_test(test_seconds),
		cmocka_unit_test(test_rates_of_a_ramp),
		cmocka_unit_test(test_rates_resist_one_outlier),
		cmocka_unit_test(test_rates_need_half_a_window),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
