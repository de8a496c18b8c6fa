/* test_judge.c — judge.c's judge_reading, table-driven: what the alerts add on top of
 * rules_classify (tested in test_rules.c): state criteria through criteria.c's map,
 * rates judged on their size both ways with the bound on the reading's side, and which
 * verdicts skip the hold (immediate), and the predictive warning's bounds. */
#include <config.h>

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "judge.h"

#define O SEV_OK
#define W SEV_WARNING
#define C SEV_CRITICAL
#define U SEV_UNKNOWN

static void test_judge_table(void **state)
{
	struct cfg_threshold def[CRIT_COUNT];
	static const struct {
		enum criterion crit;
		double value;
		const char *state;
		enum severity sev, clear;
		bool immediate;
		double bound;
		int dir;
	} table[] = {
		{ CRIT_TEMPERATURE, 22.0, NULL, O, O, false, NAN, 0 },
		{ CRIT_TEMPERATURE, 32.5, NULL, C, C, false, 32.0, 1 },   /* critical, but held */
		{ CRIT_TEMPERATURE, 14.0, NULL, C, C, false, 15.0, -1 },
		{ CRIT_TEMPERATURE, NAN, NULL, U, U, false, NAN, 0 },
		/* Rates both ways: cooling 5.5 °C in 15 min is as bad as heating; the bound is
		 * given on the reading's side. */
		{ CRIT_TEMP_RATE_15MIN, 5.5, NULL, C, C, false, 5.0, 1 },
		{ CRIT_TEMP_RATE_15MIN, -5.5, NULL, C, C, false, -5.0, 1 },
		{ CRIT_TEMP_RATE_15MIN, -1.0, NULL, O, O, false, NAN, 0 },
		/* The predictive warning (temp_forecast, issue 18.1): the temperature forecast_s
		 * ahead, judged against the allowable envelope as a warning only (the temperature
		 * criterion turns critical itself); signed, not by size like the rates; unknown
		 * while the history is too short (NAN), so a restart neither opens nor closes it. */
		{ CRIT_TEMP_FORECAST, 25.0, NULL, O, O, false, NAN, 0 },
		{ CRIT_TEMP_FORECAST, 32.5, NULL, W, W, false, 32.0, 1 },
		{ CRIT_TEMP_FORECAST, 14.0, NULL, W, W, false, 15.0, -1 },
		{ CRIT_TEMP_FORECAST, NAN, NULL, U, U, false, NAN, 0 },
		/* Runtime under the shutdown budget and overload do not wait (DESIGN.md §5) ... */
		{ CRIT_UPS_RUNTIME, 599.0, NULL, C, C, true, 600.0, -1 },
		{ CRIT_UPS_RUNTIME, 899.0, NULL, W, W, false, 900.0, -1 },
		{ CRIT_UPS_LOAD, 95.0, NULL, C, C, true, 90.0, 1 },
		{ CRIT_UPS_LOAD, 85.0, NULL, W, W, false, 80.0, 1 },
		/* ... nor do the states criteria.c marks so; a transfer to battery waits. */
		{ CRIT_UPS_SOURCE, NAN, "on_battery", W, W, false, NAN, 0 },
		{ CRIT_UPS_SOURCE, NAN, "bypass", C, C, true, NAN, 0 },
		{ CRIT_UPS_SOURCE, NAN, "online", O, O, false, NAN, 0 },
		{ CRIT_UPS_SOURCE, NAN, NULL, U, U, false, NAN, 0 },      /* no state read */
		{ CRIT_UPS_BATTERY, NAN, "low", C, C, true, NAN, 0 },
		{ CRIT_COOLING_STATE, NAN, "stopped", C, C, false, NAN, 0 },
		{ CRIT_COOLING_STATE, NAN, "alarm", W, W, false, NAN, 0 },
		{ CRIT_UPS_SELFTEST, NAN, "failed", W, W, true, NAN, 0 },
	};

	(void)state;
	criteria_default_thresholds(def);
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		struct eval e;

		judge_reading(&def[table[i].crit], table[i].crit, table[i].value, table[i].state, &e);
		if (e.sev != table[i].sev || e.clear != table[i].clear || e.immediate != table[i].immediate ||
		    e.bound_dir != table[i].dir || e.thr != &def[table[i].crit] || e.state != table[i].state ||
		    (isnan(table[i].bound) ? !isnan(e.bound) : e.bound != table[i].bound) ||
		    (isnan(table[i].value) ? !isnan(e.value) : e.value != table[i].value))
			fail_msg("case %zu (%s = %g / %s): sev %d clear %d immediate %d bound %g dir %d", i,
				criterion_name(table[i].crit), table[i].value,
				table[i].state ? table[i].state : "-", e.sev, e.clear, e.immediate, e.bound,
				e.bound_dir);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_judge_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
