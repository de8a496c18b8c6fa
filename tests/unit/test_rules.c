/* test_rules.c — the pure rule engine, table-driven: classification against bounds
 * with hysteresis, and lifecycle sequences (hold, clear-hold, immediate, repeat,
 * worsening, flapping). */
#include <config.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "rules.h"

#define O SEV_OK
#define W SEV_WARNING
#define C SEV_CRITICAL

static void test_classify_table(void **state)
{
	struct cfg_threshold def[CRIT_COUNT];
	static const struct {
		enum criterion c;
		double v;
		enum severity sev, clear;
		double bound;
		int dir;
	} table[] = {
		{ CRIT_TEMPERATURE, 22.0, O, O, NAN, 0 },
		{ CRIT_TEMPERATURE, 27.0, O, W, NAN, 0 },      /* on the bound: inside, but not clear */
		{ CRIT_TEMPERATURE, 18.0, O, W, NAN, 0 },      /* "18-27 °C": both ends inside */
		{ CRIT_TEMPERATURE, 32.0, W, C, 27.0, 1 },     /* A1 allowable up to 32.0 included */
		{ CRIT_UPS_RUNTIME, 600.0, W, C, 900.0, -1 },   /* the budget itself is enough */
		{ CRIT_TEMPERATURE, 26.4, O, O, NAN, 0 },      /* 0.5 hysteresis */
		{ CRIT_TEMPERATURE, 27.1, W, W, 27.0, 1 },
		{ CRIT_TEMPERATURE, 31.8, W, C, 27.0, 1 },
		{ CRIT_TEMPERATURE, 32.5, C, C, 32.0, 1 },
		{ CRIT_TEMPERATURE, 17.0, W, W, 18.0, -1 },
		{ CRIT_TEMPERATURE, 14.0, C, C, 15.0, -1 },
		{ CRIT_HUMIDITY, 61.0, W, W, 60.0, 1 },
		{ CRIT_HUMIDITY, 5.0, C, C, 8.0, -1 },
		{ CRIT_HUMIDITY, 30.0, O, O, NAN, 0 },          /* no warning low bound */
		{ CRIT_DEW_POINT, 16.0, W, W, 15.0, 1 },
		{ CRIT_DEW_POINT, 17.5, C, C, 17.0, 1 },
		{ CRIT_DEW_POINT, -10.0, W, W, -9.0, -1 },
		{ CRIT_UPS_RUNTIME, 1200.0, O, O, NAN, 0 },
		{ CRIT_UPS_RUNTIME, 899.0, W, W, 900.0, -1 },
		{ CRIT_UPS_RUNTIME, 599.0, C, C, 600.0, -1 },
		{ CRIT_UPS_RUNTIME, 630.0, W, C, 900.0, -1 },   /* 60 s hysteresis */
		{ CRIT_UPS_LOAD, 79.0, O, W, NAN, 0 },          /* 2 % hysteresis, at or above 78 */
		{ CRIT_UPS_LOAD, 77.9, O, O, NAN, 0 },
		{ CRIT_UPS_LOAD, 80.0, W, W, 80.0, 1 },         /* DESIGN §8: warning at >= 80 % */
		{ CRIT_UPS_LOAD, 89.0, W, C, 80.0, 1 },
		{ CRIT_UPS_LOAD, 90.0, C, C, 90.0, 1 },         /* critical at >= 90 %: whole percent */
		{ CRIT_UPS_LOAD, 85.0, W, W, 80.0, 1 },
		{ CRIT_UPS_LOAD, 95.0, C, C, 90.0, 1 },
		{ CRIT_INPUT_VOLTAGE, 230.0, O, O, NAN, 0 },
		{ CRIT_INPUT_VOLTAGE, 0.0, C, C, 196.0, -1 },
		{ CRIT_INPUT_FREQUENCY, 50.6, W, W, 50.5, 1 },
		{ CRIT_TEMP_RATE_15MIN, 5.5, C, C, 5.0, 1 },
		{ CRIT_TEMPERATURE, NAN, SEV_UNKNOWN, SEV_UNKNOWN, NAN, 0 },
	};

	criteria_default_thresholds(def);
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		struct rules_verdict v;

		rules_classify(&def[table[i].c], table[i].v, &v);
		if (v.sev != table[i].sev || v.sev_clear != table[i].clear || v.bound_dir != table[i].dir ||
		    (isnan(table[i].bound) ? !isnan(v.bound) : v.bound != table[i].bound))
			fail_msg("case %zu (%s = %g): sev %d clear %d bound %g dir %d", i,
				criterion_name(table[i].c), table[i].v, v.sev, v.sev_clear, v.bound, v.bound_dir);
	}
}

/* A lifecycle case: observations at times, and the events each step must produce
 * (space-separated names, "" for none) and the level after it. */
struct step {
	double t;
	enum severity sev, clear;
	bool immediate;
	const char *events;
	enum severity level;
};

struct seq_case {
	const char *name;
	struct rules_params p;
	struct step steps[24];
};

/* Wall-clock times are epoch seconds: the tables count from T0. */
#define T0 1767225600.0
#define P(hold, clear, repeat) { hold, clear, repeat, 0.5, 0.25, 21 }
#define PF(hold, clear, repeat) { hold, clear, repeat, 0.5, 0.25, 5 }
#define PG(hold, clear, gap) { hold, clear, 0, 0.5, 0.25, 21, gap }

static const struct seq_case seq_cases[] = {
	{ "hold then open, clear-hold then recover", P(300, 300, 0), {
		{ 0, O, O, false, "", O },
		{ 30, W, W, false, "", O },
		{ 300, W, W, false, "", O },          /* 270 s out: still pending */
		{ 330, W, W, false, "open", W },      /* 300 s out */
		{ 360, O, W, false, "", W },          /* back inside but within the hysteresis */
		{ 390, O, O, false, "", W },          /* clear from here */
		{ 600, O, O, false, "", W },
		{ 690, O, O, false, "recover", O },
		{ 720, O, O, false, "", O },
		{ -1 } } },
	{ "no hold counted across a gap without data", PG(300, 300, 400), {
		{ 0, W, W, false, "", O },
		{ 30, W, W, false, "", O },
		{ 7230, W, W, false, "", O },         /* two hours silent: the hold starts again */
		{ 7500, W, W, false, "", O },
		{ 7530, W, W, false, "open", W },
		{ 7560, O, O, false, "", W },
		{ 7800, O, O, false, "", W },
		{ 20000, O, O, false, "", W },        /* nor a clear-hold */
		{ 20270, O, O, false, "", W },
		{ 20300, O, O, false, "recover", O },
		{ -1 } } },
	{ "a gap within max_gap keeps the hold", PG(300, 300, 400), {
		{ 0, W, W, false, "", O },
		{ 90, W, W, false, "", O },
		{ 180, W, W, false, "", O },
		{ 270, W, W, false, "", O },
		{ 300, W, W, false, "open", W },
		{ -1 } } },
	{ "a dip resets the hold", P(300, 300, 0), {
		{ 0, W, W, false, "", O },
		{ 240, O, O, false, "", O },
		{ 270, W, W, false, "", O },
		{ 540, W, W, false, "", O },
		{ 570, W, W, false, "open", W },
		{ -1 } } },
	{ "a relapse resets the clear-hold", P(0, 120, 0), {
		{ 0, C, C, false, "open", C },
		{ 30, O, O, false, "", C },
		{ 120, W, W, false, "", C },          /* not clear: the clock restarts */
		{ 150, O, O, false, "", C },
		{ 240, O, O, false, "", C },
		{ 270, O, O, false, "recover", O },
		{ -1 } } },
	{ "immediate ignores the hold", P(600, 60, 0), {
		{ 0, O, O, false, "", O },
		{ 30, C, C, true, "open", C },
		{ 60, O, O, false, "", C },
		{ 120, O, O, false, "recover", O },
		{ -1 } } },
	{ "opens at the lowest severity held, then worsens", P(60, 60, 0), {
		{ 0, W, W, false, "", O },
		{ 30, C, C, false, "", O },
		{ 60, C, C, false, "open", W },       /* warning held 60 s, critical only 30 s */
		{ 90, C, C, false, "", W },
		{ 120, C, C, false, "", W },
		{ 150, C, C, false, "worsen", C },
		{ 180, W, W, false, "", C },          /* no mail going back down */
		{ 240, O, O, false, "", C },
		{ 300, O, O, false, "recover", O },
		{ -1 } } },
	{ "reminders every repeat while unresolved", P(0, 0, 3600), {
		{ 0, W, W, false, "open", W },
		{ 3570, W, W, false, "", W },
		{ 3600, W, W, false, "remind", W },
		{ 7170, W, W, false, "", W },
		{ 7200, W, W, false, "remind", W },
		{ 7230, O, O, false, "recover", O },
		{ 10830, O, O, false, "", O },
		{ -1 } } },
	{ "clear_hold 0 recovers at once", P(0, 0, 0), {
		{ 0, W, W, false, "open", W },
		{ 30, O, O, false, "recover", O },
		{ -1 } } },
	/* Flapping (window 5: two changes in a row pass the 0.5 mark) keeps the wobble
	 * quiet, but not what is worse than the level mailed. */
	{ "an immediate critical gets through while flapping", PF(300, 300, 3600), {
		{ 0, O, O, false, "", O },
		{ 30, W, W, false, "", O },
		{ 60, O, O, false, "flap_start", W },
		{ 90, W, W, false, "", W },
		{ 120, C, C, true, "worsen", C },     /* low battery, overload ... */
		{ 150, O, O, false, "", C },
		{ 180, C, C, true, "", C },           /* nothing above critical */
		{ 210, W, W, false, "", C },
		{ 4000, W, W, false, "", C },         /* no reminder while flapping */
		{ -1 } } },
	{ "a rise held long enough gets through while flapping", PF(60, 300, 0), {
		{ 0, O, O, false, "", O },
		{ 30, W, W, false, "", O },
		{ 60, O, O, false, "flap_start", W },
		{ 90, C, C, false, "", W },
		{ 120, C, C, false, "", W },
		{ 150, C, C, false, "worsen", C },    /* critical held 60 s */
		{ 180, O, O, false, "", C },
		{ -1 } } },
	{ "flapping starts on an immediate critical: one notice, and the rise", PF(0, 600, 0), {
		{ 0, W, W, false, "open", W },
		{ 30, O, O, false, "", W },
		{ 60, C, C, true, "flap_start worsen", C },
		{ 90, O, O, false, "", C },
		{ -1 } } },
	{ "fine from the start: nothing", P(300, 300, 3600), {
		{ 0, O, O, false, "", O },
		{ 30000, O, O, false, "", O },
		{ -1 } } },
};

static size_t split_events(const char *s, char names[4][16])
{
	size_t n = 0;
	char buf[64];
	char *save = NULL;

	snprintf(buf, sizeof(buf), "%s", s);
	for (char *tok = strtok_r(buf, " ", &save); tok && n < 4; tok = strtok_r(NULL, " ", &save))
		snprintf(names[n++], 16, "%s", tok);
	return n;
}

static void run_case(const struct seq_case *c)
{
	struct rules_state st = { 0 };

	for (size_t i = 0; c->steps[i].t >= 0; i++) {
		const struct step *s = &c->steps[i];
		struct rules_obs obs = { s->sev, s->clear, s->immediate };
		struct rules_out out;
		char want[4][16];
		size_t n_want = split_events(s->events, want);

		rules_step(&st, &obs, &c->p, T0 + s->t, &out);
		if (out.n != n_want)
			fail_msg("%s, t = %g: %zu events, expected %zu (%s)", c->name, s->t, out.n, n_want, s->events);
		for (size_t k = 0; k < n_want; k++)
			if (strcmp(rules_event_name(out.ev[k]), want[k]) != 0)
				fail_msg("%s, t = %g: event %s, expected %s", c->name, s->t,
					rules_event_name(out.ev[k]), want[k]);
		if (st.level != s->level)
			fail_msg("%s, t = %g: level %d, expected %d", c->name, s->t, st.level, s->level);
	}
}

static void test_lifecycle_table(void **state)
{
	for (size_t i = 0; i < sizeof(seq_cases) / sizeof(seq_cases[0]); i++)
		run_case(&seq_cases[i]);
}

static void test_flap_share(void **state)
{
	/* No change: 0; every slot changed: 1; newest weigh more than oldest. */
	assert_true(rules_flap_share(0, 21) == 0.0);
	assert_true(fabs(rules_flap_share((1ull << 20) - 1, 21) - 1.0) < 1e-12);
	assert_true(rules_flap_share(1, 21) > rules_flap_share(1ull << 19, 21));
	assert_true(fabs(rules_flap_share(1, 21) - 1.2 / 20.0) < 1e-12);
	assert_true(fabs(rules_flap_share(1ull << 19, 21) - 0.8 / 20.0) < 1e-12);
}

/* A value alternating across the bound at every poll: never held long enough for an
 * alert, so without flap detection nobody would hear of it. Flapping is announced once,
 * stays quiet, and settles into a recovery. */
static void test_flapping_sequence(void **state)
{
	struct rules_params p = P(300, 300, 3600);
	struct rules_state st = { 0 };
	struct rules_out out;
	int starts = 0, stops = 0, recovers = 0, others = 0;
	double t = 0, start_t = -1, stop_t = -1;

	for (int i = 0; i < 200; i++, t += 30) {
		bool wobble = i >= 10 && i < 100;
		struct rules_obs obs = { wobble && (i & 1) ? W : O, wobble && (i & 1) ? W : O, false };

		rules_step(&st, &obs, &p, T0 + t, &out);
		for (size_t k = 0; k < out.n; k++) {
			switch (out.ev[k]) {
			case RULES_FLAP_START: starts++; start_t = t; break;
			case RULES_FLAP_STOP: stops++; stop_t = t; break;
			case RULES_RECOVER: recovers++; break;
			default: others++; break;
			}
		}
	}
	assert_int_equal(starts, 1);
	assert_int_equal(stops, 1);
	assert_int_equal(recovers, 1);
	assert_int_equal(others, 0);      /* no alert, no reminder while flapping */
	/* Every evaluation changes from i = 11: as the newest weigh most, the share passes
	 * 0.5 after 9 changes (i = 19), and falls under 0.25 some 16 steady evaluations later. */
	print_message("flapping from %g s to %g s\n", start_t, stop_t);
	assert_true(start_t == 30 * 19);
	assert_true(stop_t > 30 * 100 && stop_t <= 30 * 118);
	assert_int_equal(st.level, O);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_classify_table),
		cmocka_unit_test(test_lifecycle_table),
		cmocka_unit_test(test_flap_share),
		cmocka_unit_test(test_flapping_sequence),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
