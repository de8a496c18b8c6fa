/* test_oidtext.c — the one numeric-OID parser (oidtext.c), table-driven: what a profile
 * may write, and Net-SNMP's limit of 128 sub-identifiers on both sides of it. */
#include <config.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "oidtext.h"

/* "1.3.6.1.4.1.99999" followed by ".1" until it has n sub-identifiers. */
static void long_oid(char *buf, size_t size, int n)
{
	int len = snprintf(buf, size, "1.3.6.1.4.1.99999");

	for (int i = 7; i < n; i++)
		len += snprintf(buf + len, size - (size_t)len, ".%d", i);
}

static void test_syntax(void **state)
{
	static const struct { const char *text; int n; } cases[] = {
		{ "1.3.6.1.2.1.33.1.2.3.0", 11 },
		{ ".1.3.6.1.4.1.318.1.1.1.2.2.3.0", 14 },
		{ "1.3", 2 },
		{ "1.3.6.4294967295", 4 },
		{ "1.3.6.4294967296", 0 },       /* a sub-identifier is 32 bits */
		{ "1", 0 },                      /* at least two */
		{ "", 0 },
		{ ".", 0 },
		{ "1.3.", 0 },
		{ "1..3", 0 },
		{ "iso.3.6", 0 },                /* names need MIB files: refused */
		{ "1.3.6 ", 0 },
		{ "-1.3", 0 },
	};
	uint32_t buf[OIDTEXT_MAX_LEN];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		print_message("# %s\n", cases[i].text);
		assert_int_equal(oidtext_parse(cases[i].text, buf, OIDTEXT_MAX_LEN), cases[i].n);
		assert_int_equal(oidtext_parse(cases[i].text, NULL, OIDTEXT_MAX_LEN), cases[i].n);
	}
	assert_int_equal(oidtext_parse(".1.3.6.1.4.1.318.1.1.1.2.2.3.0", buf, OIDTEXT_MAX_LEN), 14);
	assert_int_equal(buf[6], 318);
	assert_int_equal(buf[13], 0);
	assert_int_equal(oidtext_parse("1.3.6.4294967295", buf, OIDTEXT_MAX_LEN), 4);
	assert_true(buf[3] == 4294967295u);
}

static void test_length_limit(void **state)
{
	char text[OIDTEXT_MAX_LEN * 8];
	uint32_t buf[OIDTEXT_MAX_LEN];

	(void)state;
	/* 70 sub-identifiers: more than the 64 the driver once took, well within SNMP's. */
	long_oid(text, sizeof(text), 70);
	assert_int_equal(oidtext_parse(text, buf, OIDTEXT_MAX_LEN), 70);
	assert_int_equal(buf[69], 69);
	long_oid(text, sizeof(text), OIDTEXT_MAX_LEN);
	assert_int_equal(oidtext_parse(text, buf, OIDTEXT_MAX_LEN), OIDTEXT_MAX_LEN);
	assert_int_equal(buf[OIDTEXT_MAX_LEN - 1], OIDTEXT_MAX_LEN - 1);
	long_oid(text, sizeof(text), OIDTEXT_MAX_LEN + 1);
	assert_int_equal(oidtext_parse(text, buf, OIDTEXT_MAX_LEN), OIDTEXT_TOO_LONG);
	/* A smaller buffer: too long for it, never written past its end. */
	buf[3] = 12345;
	assert_int_equal(oidtext_parse("1.3.6.1", buf, 3), OIDTEXT_TOO_LONG);
	assert_int_equal(buf[3], 12345);
	/* Too long but also malformed further on: not an OID at all. */
	long_oid(text, sizeof(text), OIDTEXT_MAX_LEN + 1);
	strcat(text, ".x");
	assert_int_equal(oidtext_parse(text, NULL, OIDTEXT_MAX_LEN), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_syntax),
		cmocka_unit_test(test_length_limit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
