/* test_derive.c — dew point against published Magnus values, temperature changes within
 * their windows (steps, ramps, wild readings), runtime units, the trends of humidity and
 * dew point kept beside the temperature's. */
#include <config.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>

#include "derive.h"
#include "noise_fixture.h"

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

/* Changes within the windows, on two hours of readings every 30 s ending at "now" =
 * 7200 s: a base of 22 °C, a ramp, a step at step_at, one wild reading at spike_at. */
static const struct change_case {
	const char *name;
	double ramp_per_h, step, step_at, spike, spike_at;
	double want_15min, want_hour;
} change_table[] = {
	/* ASHRAE: <= 5 °C within 15 min. A slope x 15 min read this 3.4 °C step 7 min ago
	 * as 5.1 °C (critical), and the 14 °C step below as 21.0 °C/h. */
	{ "step up 3.4 °C", 0, 3.4, 6780, 0, -1, 3.4, 3.4 },
	{ "step down 3.4 °C", 0, -3.4, 6780, 0, -1, -3.4, -3.4 },
	{ "step of 14 °C: 14 °C in the hour, not 21", 0, 14.0, 5400, 0, -1, 0.0, 14.0 },
	/* Confirmed by the next reading only: the newest does not count yet. */
	{ "step at the newest reading", 0, 6.0, 7200, 0, -1, 0.0, 0.0 },
	{ "step confirmed by one reading", 0, 6.0, 7170, 0, -1, 6.0, 6.0 },
	/* One poll's worth short of ramp x window: 870 s and 3570 s of the ramp. */
	{ "ramp of 6 °C/h", 6.0, 0, -1, 0, -1, 1.45, 5.95 },
	{ "falling ramp of 24 °C/h", -24.0, 0, -1, 0, -1, -5.8, -23.8 },
	{ "one wild reading changes nothing", 0, 0, -1, 6.0, 6600, 0.0, 0.0 },
	{ "a wild newest reading changes nothing", 0, 0, -1, -30.0, 7200, 0.0, 0.0 },
	{ "an old step is out of the 15 min", 0, 4.0, 6000, 0, -1, 0.0, 4.0 },
};

static double case_temp(const struct change_case *c, double t)
{
	return 22.0 + c->ramp_per_h * t / 3600.0 + (c->step_at >= 0 && t >= c->step_at ? c->step : 0) +
		(t == c->spike_at ? c->spike : 0);
}

static void test_change_table(void **state)
{
	double t0 = 1767225600.0;

	for (size_t i = 0; i < sizeof(change_table) / sizeof(change_table[0]); i++) {
		const struct change_case *c = &change_table[i];
		struct derive_history h;
		double q, hr;

		derive_history_init(&h);
		for (int k = 0; k <= 240; k++)
			derive_history_add(&h, DERIVE_TEMPERATURE, t0 + 30.0 * k, case_temp(c, 30.0 * k));
		q = derive_change(&h, t0 + 7200, DERIVE_RATE_15MIN_S);
		hr = derive_change(&h, t0 + 7200, DERIVE_RATE_HOUR_S);
		if (fabs(q - c->want_15min) > 1e-9 || fabs(hr - c->want_hour) > 1e-9)
			fail_msg("%s: %.4f °C in 15 min, %.4f °C in the hour; expected %.4f, %.4f", c->name,
				q, hr, c->want_15min, c->want_hour);
		/* The hour and the reading that confirms its oldest. */
		assert_true(h.q[DERIVE_TEMPERATURE].n <= 122);
		derive_history_fini(&h);
	}
}

/* Too short a history gives no change, then one no larger than the true one. */
static void test_change_needs_confirmed_readings(void **state)
{
	struct derive_history h;
	double t0 = 1767225600.0;

	derive_history_init(&h);
	derive_history_add(&h, DERIVE_TEMPERATURE, t0, 20.0);
	derive_history_add(&h, DERIVE_TEMPERATURE, t0 + 30, 21.0);
	derive_history_add(&h, DERIVE_TEMPERATURE, t0 + 60, 22.0);
	assert_true(isnan(derive_change(&h, t0 + 60, DERIVE_RATE_15MIN_S)));
	derive_history_add(&h, DERIVE_TEMPERATURE, t0 + 90, 23.0);
	assert_true(fabs(derive_change(&h, t0 + 90, DERIVE_RATE_15MIN_S) - 1.0) < 1e-9);
	assert_true(fabs(derive_change(&h, t0 + 90, DERIVE_RATE_HOUR_S) - 1.0) < 1e-9);
	/* A clock stepping backwards starts the history afresh. */
	derive_history_add(&h, DERIVE_TEMPERATURE, t0, 20.0);
	assert_int_equal(h.q[DERIVE_TEMPERATURE].n, 1);
	derive_history_fini(&h);
}

/* A probe answering temperature and humidity, through derive_compute as the daemon. */
static struct profile_metric probe_metrics[] = { { .name = "temperature" }, { .name = "humidity" } };
static struct profile probe_profile = { .name = "probe", .metrics = probe_metrics, .n_metrics = 2 };
static struct cfg_device probe_dev = { .name = "probe", .profile = &probe_profile };

/* 15 min of 30 s polls ending at t_end: temperature 22 °C + sd_t noise, humidity
 * rh0 + rh_per_s * (t - t_end) + sd_rh noise. */
static void feed(struct derive_history *h, double t_end, double rh0, double rh_per_s, double sd_t,
	double sd_rh)
{
	for (int k = 30; k >= 0; k--) {
		double t = t_end - 30.0 * k;
		struct reading r[2] = { { READING_OK, 22.0 + gauss(sd_t), NAN, false },
			{ READING_OK, rh0 + rh_per_s * (t - t_end) + gauss(sd_rh), NAN, false } };
		struct poll_result res = { .dev = &probe_dev, .time = t, .answered = true, .readings = r,
			.n_readings = 2 };
		struct derived d;

		derive_compute(h, &res, &d);
	}
}

/* Humidity rising 2 %RH per 5 min at 22 °C: a clear humidity trend at its rate, 80 %RH
 * at the right time (within 10 %); the dew point follows it (Magnus: its rise over the window), the
 * flat temperature has none. Falling, it reaches the minimum (dry air). */
static void test_humidity_trend(void **state)
{
	double t0 = 1767225600.0, rate = 2.0 / 300.0, dew_rate;
	struct derive_history h;
	struct forecast_fit f;

	derive_history_init(&h);
	feed(&h, t0, 64.0, rate, 0.05, 0.3);
	derive_trend(&h, DERIVE_HUMIDITY, t0, &f);
	assert_true(f.clear);
	assert_true(fabs(f.slope - rate) < 0.1 * rate);
	assert_true(fabs(forecast_eta(&f, 80.0) - 16.0 / rate) < 0.1 * 16.0 / rate);
	derive_trend(&h, DERIVE_DEW_POINT, t0, &f);
	dew_rate = (derive_dew_point(22.0, 64.0) - derive_dew_point(22.0, 64.0 - rate * 900.0)) / 900.0;
	assert_true(f.clear);
	assert_true(fabs(f.slope - dew_rate) < 0.15 * dew_rate);
	assert_true(fabs(f.level - derive_dew_point(22.0, 64.0)) < 0.3);
	assert_true(forecast_eta(&f, 17.0) > 0);
	derive_trend(&h, DERIVE_TEMPERATURE, t0, &f);
	assert_false(f.clear);
	derive_history_fini(&h);

	derive_history_init(&h);
	feed(&h, t0, 22.0, -1.5 / 300.0, 0.05, 0.3);
	derive_trend(&h, DERIVE_HUMIDITY, t0, &f);
	assert_true(f.clear && f.slope < 0);
	assert_true(fabs(forecast_eta(&f, 8.0) - 14.0 / (1.5 / 300.0)) < 300.0);
	assert_true(isnan(forecast_eta(&f, 60.0)));
	derive_history_fini(&h);
}

/* A flat 45 %RH with 1 % of noise (and 0.2 °C on the temperature): no humidity trend
 * and no dew point trend, in 200 draws. */
static void test_noisy_flat_humidity(void **state)
{
	double t0 = 1767225600.0;

	for (int k = 0; k < 200; k++) {
		struct derive_history h;
		struct forecast_fit f;

		derive_history_init(&h);
		feed(&h, t0, 45.0, 0.0, 0.2, 1.0);
		derive_trend(&h, DERIVE_HUMIDITY, t0, &f);
		assert_false(f.clear);
		assert_true(f.enough);
		derive_trend(&h, DERIVE_DEW_POINT, t0, &f);
		assert_false(f.clear);
		derive_history_fini(&h);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dew_point_table),
		cmocka_unit_test(test_dew_point_invalid),
		cmocka_unit_test(test_seconds),
		cmocka_unit_test(test_change_table),
		cmocka_unit_test(test_change_needs_confirmed_readings),
		cmocka_unit_test(test_humidity_trend),
		cmocka_unit_test(test_noisy_flat_humidity),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
