/* test_report_verdict.c — the verdict rule of verdict.h, line by line, and the French
 * formatting of figures. */
#include <config.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "fmt.h"
#include "verdict.h"

struct vcase {
	const char *what;
	size_t known;
	double coverage, out_rec_share, out_allow_s, out_allow_share;
	unsigned warn, crit, transfers;
	enum verdict want;
};

static const struct vcase cases[] = {
	{ "nothing measured", 0, 0, 0, 0, 0, 0, 0, 0, VERDICT_NO_DATA },
	{ "nothing measured, even with incidents", 0, 0, 0, 0, 0, 1, 1, 0, VERDICT_NO_DATA },
	{ "all inside", 100, 1, 0, 0, 0, 0, 0, 0, VERDICT_OK },
	{ "a little outside recommended", 100, 1, 0.05, 0, 0, 0, 0, 0, VERDICT_OK },
	{ "more than 5 % outside recommended", 100, 1, 0.051, 0, 0, 0, 0, 0, VERDICT_WATCH },
	{ "a short allowable excursion", 100, 1, 0.01, 30, 0.001, 0, 0, 0, VERDICT_WATCH },
	{ "exactly 1 % outside allowable", 100, 1, 0.01, 864, 0.01, 0, 0, 0, VERDICT_WATCH },
	{ "more than 1 % outside allowable", 100, 1, 0.02, 900, 0.011, 0, 0, 0, VERDICT_FAIL },
	{ "a warning episode", 100, 1, 0, 0, 0, 1, 0, 0, VERDICT_WATCH },
	{ "a critical episode", 100, 1, 0, 0, 0, 0, 1, 0, VERDICT_FAIL },
	{ "a transfer to battery", 100, 1, 0.001, 0, 0, 0, 0, 1, VERDICT_WATCH },
	{ "coverage 89 %", 89, 0.89, 0, 0, 0, 0, 0, 0, VERDICT_WATCH },
	{ "coverage 90 %", 90, 0.90, 0, 0, 0, 0, 0, 0, VERDICT_OK },
	{ "poor coverage but failing", 10, 0.1, 0.5, 3000, 0.5, 0, 0, 0, VERDICT_FAIL },
};

static void test_rule(void **state)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct vcase *c = &cases[i];
		struct stats st = { .n_points = 100, .n_known = c->known, .coverage = c->coverage,
			.out_rec_share = c->out_rec_share, .out_allow_s = c->out_allow_s,
			.out_allow_share = c->out_allow_share };
		struct verdict_input in = { &st, c->warn, c->crit, c->transfers };
		const char *reason = NULL;
		enum verdict v = verdict_judge(&in, &reason);

		if (v != c->want)
			fail_msg("%s: got %s, want %s", c->what, verdict_name(v), verdict_name(c->want));
		assert_non_null(reason);
	}
}

static void test_worst(void **state)
{
	assert_int_equal(verdict_worst(VERDICT_OK, VERDICT_FAIL), VERDICT_FAIL);
	assert_int_equal(verdict_worst(VERDICT_WATCH, VERDICT_OK), VERDICT_WATCH);
	assert_int_equal(verdict_worst(VERDICT_NO_DATA, VERDICT_OK), VERDICT_NO_DATA);
	assert_int_equal(verdict_worst(VERDICT_NO_DATA, VERDICT_WATCH), VERDICT_WATCH);
	assert_string_equal(verdict_label(VERDICT_FAIL), "not compliant");
}

static void test_french_numbers(void **state)
{
	char b[64];

	assert_string_equal(fmt_num(b, sizeof(b), 27.34, 1), "27,3");
	assert_string_equal(fmt_num(b, sizeof(b), -0.04, 1), "0,0");
	assert_string_equal(fmt_num(b, sizeof(b), NAN, 1), "—");
	assert_string_equal(fmt_num_c(b, sizeof(b), 27.34, 2), "27.34");
	assert_string_equal(fmt_num_c(b, sizeof(b), NAN, 2), "");
	assert_string_equal(fmt_share(b, sizeof(b), 0.125), "12,5 %");
	assert_string_equal(fmt_share(b, sizeof(b), 0.0001), "< 0,1 %");
	assert_string_equal(fmt_share(b, sizeof(b), 0), "0,0 %");
	assert_string_equal(fmt_duration(b, sizeof(b), 45), "45 s");
	assert_string_equal(fmt_duration(b, sizeof(b), 720), "12 min");
	assert_string_equal(fmt_duration(b, sizeof(b), 7500), "2 h 05 min");
	assert_string_equal(fmt_duration(b, sizeof(b), 3 * 86400 + 4 * 3600), "3 j 4 h");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rule),
		cmocka_unit_test(test_worst),
		cmocka_unit_test(test_french_numbers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
