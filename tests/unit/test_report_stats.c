/* test_report_stats.c — the report's statistics: percentile, envelope shares with
 * unknown points, local days (with a DST change), worst day, runs on battery, and the
 * level of each state, which must be the severity the daemon's alerts give it. */
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

#include "critfmt.h"
#include "audit.h"
#include "conf.h"
#include "metric.h"
#include "period.h"
#include "stats.h"

static void use_tz(const char *tz)
{
	setenv("TZ", tz, 1);
	tzset();
}

static void test_percentile(void **state)
{
	double v[] = { 10, 1, NAN, 2, 3, 4, 5, NAN, 6, 7, 8, 9 };
	double one[] = { NAN, 42 };
	double none[] = { NAN, NAN };

	/* Ten known values: rank 0.95 * 9 = 8.55 between 9 and 10. */
	assert_float_equal(stats_percentile(v, 12, 95), 9.55, 1e-9);
	assert_float_equal(stats_percentile(v, 12, 50), 5.5, 1e-9);
	assert_float_equal(stats_percentile(v, 12, 100), 10, 1e-9);
	assert_float_equal(stats_percentile(v, 12, 0), 1, 1e-9);
	assert_float_equal(stats_percentile(one, 2, 95), 42, 1e-9);
	assert_true(isnan(stats_percentile(none, 2, 95)));
	assert_true(isnan(stats_percentile(none, 0, 95)));
}

static void test_envelope_with_gaps(void **state)
{
	double v[] = { 17, 20, NAN, 28, 33, NAN, 25, 14 };
	struct series s = { .t0 = 1000, .step_s = 60, .n = 8, .v = v };
	struct envelope env = { 18, 27, 15, 32 };
	struct stats st;

	stats_compute(&s, 0, s.n, &env, &st);
	assert_int_equal(st.n_points, 8);
	assert_int_equal(st.n_known, 6);
	assert_float_equal(st.coverage, 0.75, 1e-12);
	assert_float_equal(st.min, 14, 0);
	assert_int_equal(st.min_t, 1000 + 7 * 60);
	assert_float_equal(st.max, 33, 0);
	assert_float_equal(st.mean, 137.0 / 6, 1e-12);      /* unknown points are not zeros */
	assert_float_equal(st.known_s, 360, 0);
	assert_float_equal(st.out_rec_s, 240, 0);           /* 17, 28, 33, 14 */
	assert_float_equal(st.out_allow_s, 120, 0);         /* 33, 14 */
	assert_float_equal(st.out_rec_share, 240.0 / 360, 1e-12);
	assert_float_equal(st.out_allow_share, 120.0 / 360, 1e-12);
	/* One-sided envelope (humidity: no recommended minimum). */
	env = (struct envelope){ NAN, 27, NAN, 32 };
	stats_compute(&s, 0, s.n, &env, &st);
	assert_float_equal(st.out_rec_s, 120, 0);
	/* Nothing known at all. */
	stats_compute(&s, 2, 1, &env, &st);
	assert_int_equal(st.n_known, 0);
	assert_float_equal(st.coverage, 0, 0);
	assert_true(isnan(st.mean) && isnan(st.p95));
}

static void test_days_across_dst(void **state)
{
	double v[72];
	struct series s = { .step_s = 3600, .n = 72, .v = v };
	struct stats_day *days;
	size_t n;

	use_tz("Europe/Paris");
	/* 2026-03-29 has 23 hours in Paris. */
	assert_int_equal(period_parse("2026-03-28", false, &s.t0), 0);
	for (size_t i = 0; i < 72; i++)
		v[i] = 20;
	n = stats_days(&s, &days);
	assert_int_equal(n, 4);
	assert_int_equal(days[0].count, 24);
	assert_int_equal(days[1].count, 23);
	assert_int_equal(days[2].count, 24);
	assert_int_equal(days[3].count, 1);
	assert_int_equal(days[1].first, 24);
	free(days);
	use_tz("UTC");
}

static void test_worst_day(void **state)
{
	double v[72];
	struct series s = { .t0 = 86400 * 20000, .step_s = 3600, .n = 72, .v = v };
	struct envelope env = { 18, 27, 15, 32 };
	struct stats_day *days;
	double out_s;
	size_t n;

	use_tz("UTC");
	for (size_t i = 0; i < 72; i++)
		v[i] = 22;
	n = stats_days(&s, &days);
	assert_int_equal(n, 3);
	assert_int_equal(stats_worst_day(&s, days, n, &env, &out_s), -1);
	assert_float_equal(out_s, 0, 0);
	v[3] = 29;                       /* day 0: one hour out */
	v[30] = v[31] = v[40] = 28;      /* day 1: three hours */
	v[41] = NAN;                     /* a gap counts as nothing */
	v[50] = 12;                      /* day 2: one hour, below */
	assert_int_equal(stats_worst_day(&s, days, n, &env, &out_s), 1);
	assert_float_equal(out_s, 3 * 3600, 0);
	free(days);
}

static void test_runs(void **state)
{
	double v[] = { 1, 0, 1, 1, 0, NAN, 1, 1, 1, 0, 1 };
	struct series s = { .t0 = 0, .step_s = 30, .n = 11, .v = v };
	struct stats_runs r;

	stats_state_runs(&s, 1, &r);
	assert_int_equal(r.count, 4);
	assert_float_equal(r.longest_s, 90, 0);
	assert_int_equal(r.longest_start, 6 * 30);
	stats_state_runs(&s, 3, &r);
	assert_int_equal(r.count, 0);
	assert_float_equal(r.longest_s, 0, 0);
}

/* The levels the report gives states, from the domain (DESIGN.md §5, §8), written here
 * rather than copied from the code: 0 normal, 1 warning, 2 critical. */
static void test_state_levels(void **state)
{
	static const struct { enum criterion c; const char *state; double level; } want[] = {
		{ CRIT_COOLING_STATE, "running", 0 },
		{ CRIT_COOLING_STATE, "stopped", 2 },       /* the room heats up: critical */
		{ CRIT_COOLING_STATE, "alarm", 1 },
		{ CRIT_UPS_SOURCE, "online", 0 },
		{ CRIT_UPS_SOURCE, "on_battery", 1 },       /* carried, after a short hold */
		{ CRIT_UPS_SOURCE, "bypass", 2 },           /* load unprotected */
		{ CRIT_UPS_SOURCE, "off", 2 },
		{ CRIT_UPS_BATTERY, "normal", 0 },
		{ CRIT_UPS_BATTERY, "low", 2 },             /* shutdown is near */
		{ CRIT_UPS_BATTERY, "depleted", 2 },
		{ CRIT_UPS_BATTERY, "fault", 2 },
		{ CRIT_UPS_REPLACE_BATTERY, "no", 0 },
		{ CRIT_UPS_REPLACE_BATTERY, "yes", 1 },     /* maintenance to plan */
		{ CRIT_UPS_SELFTEST, "passed", 0 },
		{ CRIT_UPS_SELFTEST, "failed", 1 },
		{ CRIT_UPS_SELFTEST, "in_progress", 0 },
		{ CRIT_UPS_SELFTEST, "none", 0 },
	};

	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		const struct metric_def *def = metric_lookup(criterion_name(want[i].c));
		int code = metric_state_code(def, want[i].state);

		assert_true(code >= 0);
		if (critfmt_state_level(want[i].c, code) != want[i].level)
			print_error("%s = %s: level %g, want %g\n", criterion_name(want[i].c), want[i].state,
				critfmt_state_level(want[i].c, code), want[i].level);
		assert_true(critfmt_state_level(want[i].c, code) == want[i].level);
	}
	assert_true(isnan(critfmt_state_level(CRIT_COOLING_STATE, 3)));
}

/* "CRIT_UPS_SOURCE" -> "ups_source", "SEV_WARNING" -> "warning" */
/* The one state table the alerts and the report read, from DESIGN.md §5 and §8: what is
 * critical, what is a warning, what does not wait for its hold. */
static void test_state_severity(void **state)
{
	static const struct { enum criterion c; const char *st; enum severity sev; bool now; } want[] = {
		{ CRIT_UPS_SOURCE, "online", SEV_OK, false },
		{ CRIT_UPS_SOURCE, "on_battery", SEV_WARNING, false },   /* after a short hold */
		{ CRIT_UPS_SOURCE, "bypass", SEV_CRITICAL, true },
		{ CRIT_UPS_SOURCE, "off", SEV_CRITICAL, true },
		{ CRIT_UPS_BATTERY, "normal", SEV_OK, false },
		{ CRIT_UPS_BATTERY, "low", SEV_CRITICAL, true },
		{ CRIT_UPS_BATTERY, "depleted", SEV_CRITICAL, true },
		{ CRIT_UPS_BATTERY, "fault", SEV_CRITICAL, true },
		{ CRIT_UPS_REPLACE_BATTERY, "yes", SEV_WARNING, true },
		{ CRIT_UPS_REPLACE_BATTERY, "no", SEV_OK, false },
		{ CRIT_UPS_SELFTEST, "failed", SEV_WARNING, true },
		{ CRIT_COOLING_STATE, "running", SEV_OK, false },
		{ CRIT_COOLING_STATE, "stopped", SEV_CRITICAL, false },  /* after its hold */
		{ CRIT_COOLING_STATE, "alarm", SEV_WARNING, false },
	};
	size_t non_ok = 0, want_non_ok = 0;

	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		bool now;
		enum severity got = criteria_state_severity(want[i].c, want[i].st, &now);

		if (got != want[i].sev || now != want[i].now)
			print_error("%s %s: %s%s\n", criterion_name(want[i].c), want[i].st, severity_name(got),
				now ? " (immediate)" : "");
		assert_int_equal(got, want[i].sev);
		assert_int_equal(now, want[i].now);
		want_non_ok += want[i].sev != SEV_OK;
	}
	/* ... and no other state of the vocabulary alerts. */
	for (int k = 0; k < CRIT_COUNT; k++) {
		const struct metric_def *def = metric_lookup(criterion_name((enum criterion)k));

		for (size_t i = 0; def && def->type == METRIC_STATE && i < def->n_states; i++)
			non_ok += criteria_state_severity((enum criterion)k, def->states[i], NULL) != SEV_OK;
	}
	assert_int_equal(non_ok, want_non_ok);
}

static void test_period(void **state)
{
	time_t from, to;

	use_tz("Europe/Paris");
	assert_int_equal(period_parse("2026-03-01", false, &from), 0);
	assert_int_equal(period_parse("2026-03-31", true, &to), 0);
	/* March 2026 in Paris: 31 days minus the hour lost on the 29th. */
	assert_int_equal(to - from, 31 * 86400 - 3600);
	assert_int_equal(from, 1772319600);                 /* 2026-02-28T23:00:00Z */
	assert_int_equal(period_parse("2026-03-01 08:30", true, &to), 0);
	assert_int_equal(to - from, 8 * 3600 + 1800);
	assert_int_equal(period_parse("2026-03-01 08:30:15", true, &to), 0);
	assert_int_equal(to - from, 8 * 3600 + 1815);
	assert_int_equal(period_parse("2026-03-01 08:30:60", false, &to), -1);
	assert_int_equal(period_parse("2026-03-01 08:30:1", false, &to), -1);
	assert_int_equal(period_parse("2026-03-01 08:30:", false, &to), -1);
	assert_int_equal(period_parse("2026-03-01 08:30:15x", false, &to), -1);
	assert_int_equal(period_parse("2026-02-28", true, &to), 0);
	assert_int_equal(to, from);
	assert_int_equal(period_parse("2026-02-30", false, &from), -1);
	assert_int_equal(period_parse("2026-3-01", false, &from), -1);
	assert_int_equal(period_parse("2026-03-01x", false, &from), -1);
	assert_int_equal(period_parse("2026-03-01 25:00", false, &from), -1);
	assert_int_equal(period_parse("", false, &from), -1);
	/* ISO 8601: a 'T', seconds optional, a zone optional (then the time is not local). */
	assert_int_equal(period_parse("2026-03-01", false, &from), 0);
	assert_int_equal(period_parse("2026-03-01T08:00:00", false, &to), 0);
	assert_int_equal(to - from, 8 * 3600);
	assert_int_equal(period_parse("2026-03-01T08:00", true, &to), 0);
	assert_int_equal(to - from, 8 * 3600);
	assert_int_equal(period_parse("2026-03-01T07:00:00Z", false, &to), 0);
	assert_int_equal(to - from, 8 * 3600);
	assert_int_equal(period_parse("2026-03-01T08:00+01:00", false, &to), 0);
	assert_int_equal(to - from, 8 * 3600);
	assert_int_equal(period_parse("2026-03-01T02:00-0500", false, &to), 0);
	assert_int_equal(to - from, 8 * 3600);
	assert_int_equal(period_parse("2026-03-01T09:00+02", false, &to), 0);
	assert_int_equal(to - from, 8 * 3600);
	assert_int_equal(period_parse("2026-03-01T08:00:00+1:00", false, &to), -1);
	assert_int_equal(period_parse("2026-03-01T08:00:00X", false, &to), -1);
	assert_int_equal(period_parse("2026-03-01 08:00Z", false, &to), -1);
	assert_int_equal(period_parse("2026-03-01T", false, &to), -1);
	assert_int_equal(period_parse("2026-03-01T-8:00", false, &to), -1);
	/* The monthly timer's period: the month before, across a year and DST. */
	assert_int_equal(period_parse("2026-04-01 06:00", false, &from), 0);
	period_last_month(from, &from, &to);
	assert_int_equal(from, 1772319600);
	assert_int_equal(to - from, 31 * 86400 - 3600);
	assert_int_equal(period_parse("2027-01-01 00:30", false, &from), 0);
	period_last_month(from, &from, &to);
	assert_int_equal(period_parse("2026-12-01", false, &to), 0);
	assert_int_equal(from, to);
	use_tz("UTC");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_percentile),
		cmocka_unit_test(test_envelope_with_gaps),
		cmocka_unit_test(test_days_across_dst),
		cmocka_unit_test(test_worst_day),
		cmocka_unit_test(test_runs),
		cmocka_unit_test(test_period),
		cmocka_unit_test(test_state_levels),
		cmocka_unit_test(test_state_severity),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
