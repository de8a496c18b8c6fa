/* test_keptread.c — the caches' compact copy of a device's readings gives back each
 * reading's status, value and instance text, poll after poll in the same buffers. */
#include <config.h>

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "keptread.h"

static struct reading rd(enum reading_status st, double v, const char *inst)
{
	struct reading r = { st, v, v, false, "", 0, false };

	snprintf(r.instance, sizeof(r.instance), "%s", inst);
	return r;
}

static void test_values_and_instances(void **state)
{
	struct kept_readings k = { 0 };
	struct reading r[4];
	char longest[READING_INSTANCE_MAX];

	memset(longest, 'x', sizeof(longest) - 1);
	longest[sizeof(longest) - 1] = '\0';
	r[0] = rd(READING_OK, 23.5, "");
	r[1] = rd(READING_OK, 31.2, "3 Entrée baie A");
	r[2] = rd(READING_ABSENT, NAN, "");
	r[3] = rd(READING_OK, 28, longest);
	kept_readings_set(&k, r, 4);
	assert_int_equal(k.n, 4);
	assert_int_equal(k.r[0].status, READING_OK);
	assert_true(k.r[0].value == 23.5);
	assert_string_equal(kept_reading_instance(&k, 0), "");
	assert_string_equal(kept_reading_instance(&k, 1), "3 Entrée baie A");
	assert_int_equal(k.r[2].status, READING_ABSENT);
	assert_true(isnan(k.r[2].value));
	assert_string_equal(kept_reading_instance(&k, 3), longest);
	assert_string_equal(kept_reading_instance(&k, 4), "");   /* beyond the readings */

	/* The next poll: another instance, one reading fewer, the buffers reused. */
	struct kept_reading *before = k.r;
	r[1] = rd(READING_OK, 29.0, "1 Sortie");
	r[0] = rd(READING_ERROR, NAN, "");
	kept_readings_set(&k, r, 3);
	assert_ptr_equal(k.r, before);
	assert_int_equal(k.n, 3);
	assert_int_equal(k.r[0].status, READING_ERROR);
	assert_string_equal(kept_reading_instance(&k, 1), "1 Sortie");
	assert_string_equal(kept_reading_instance(&k, 3), "");
	assert_int_equal(k.text_len, strlen("1 Sortie") + 1);
	kept_readings_free(&k);
	assert_null(k.r);
	assert_int_equal(k.n, 0);
}

/* An instance text without its terminator (a driver's bug) is kept cut, never read past. */
static void test_unterminated_instance(void **state)
{
	struct kept_readings k = { 0 };
	struct reading r = rd(READING_OK, 1, "");

	memset(r.instance, 'y', sizeof(r.instance));
	kept_readings_set(&k, &r, 1);
	assert_int_equal(strlen(kept_reading_instance(&k, 0)), READING_INSTANCE_MAX - 1);
	kept_readings_free(&k);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_values_and_instances),
		cmocka_unit_test(test_unterminated_instance),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
