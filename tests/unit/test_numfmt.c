/* test_numfmt.c — numfmt_g12 writes what snprintf("%.12g") writes, for the values
 * devices give (integers, tenths, hundredths) and for every other kind. */
#include <config.h>

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "numfmt.h"

static void same(double v)
{
	char want[64], got[64];
	int wn = snprintf(want, sizeof(want), "%.12g", v);
	size_t gn = numfmt_g12(got, sizeof(got), v);

	if (strcmp(want, got) != 0 || (size_t)wn != gn)
		fail_msg("%.17g: snprintf wrote '%s' (%d), numfmt_g12 '%s' (%zu)", v, want, wn, got, gn);
}

static void test_fixed_cases(void **state)
{
	static const double cases[] = {
		0, -0.0, 1, -1, 7, 10, 100, 230, 49.9, 50.0, 0.5, -0.5, 0.05, 0.001, 0.0015,
		0.0001, 12.34, 99.99, 100.1, 229.7, 0.1 + 0.2, 1.0 / 3.0, 2.0 / 3.0, 1e-5,
		999999999999.0, 1e12, -999999999999.0, 123456789012.5, 12345678901.25,
		2147483647.0, -2147483648.0, 4294967295.0, 1e15, 1e300, 5e-324, 0.3, 0.7,
		21.000000000001, 21.0000000000001, 18446744073709551615.0, 123.456, -40.0,
		499 * 0.1, 2297 * 0.1, 4999 * 0.01, 0.1 * 3, 1.005, 2.675, 0.0049999999999999,
		999.99999999999994, 99.999999999999986, 0.0099999999999999985, 1000.0000000000001,
		9.9999999999999e11, 0.12345678901234, 1234.56789012345,
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		same(cases[i]);
	same(NAN);
	same(INFINITY);
	same(-INFINITY);
}

/* A million readings of the kinds a profile's scale makes: raw integers times 1, 0.1,
 * 0.01, 0.001, 60 (minutes to seconds), plus arbitrary doubles. */
static void test_many_values(void **state)
{
	static const double scales[] = { 1, 0.1, 0.01, 0.001, 60, 1.0 / 60, 0.5, 9.0 / 5 };
	uint64_t x = 88172645463325252ull;

	(void)state;
	for (int i = 0; i < 1000000; i++) {
		int64_t raw;

		x ^= x << 13; x ^= x >> 7; x ^= x << 17;   /* xorshift64 */
		raw = (int64_t)(x % 2000001) - 1000000;
		if (i % 7 == 0)
			raw = (int64_t)(x % 4294967296ull);
		same((double)raw * scales[i % 8]);
		same((double)raw / 10.0 * 1.8 + 32);   /* a Fahrenheit reading */
		same(((double)(raw % 1000) + 0.5) * 1e-3);
		if (i % 10 == 0) {
			double d;

			memcpy(&d, &x, sizeof(d));
			if (isfinite(d))
				same(d);
		}
	}
}

static void test_truncation(void **state)
{
	char small[4];

	(void)state;
	assert_int_equal(numfmt_g12(small, sizeof(small), 229.7), 5);
	assert_string_equal(small, "229");
	assert_int_equal(numfmt_g12(NULL, 0, -12.5), 5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixed_cases),
		cmocka_unit_test(test_many_values),
		cmocka_unit_test(test_truncation),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
