/* test_log.c — rate-limited complaints: once, then at growing intervals, then once
 * more on recovery. */
#include <config.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "log.h"

static char lines[16][256];
static int n_lines;

static void sink(int priority, const char *msg, void *arg)
{
	if (n_lines < 16)
		snprintf(lines[n_lines++], sizeof(lines[0]), "%s", msg);
}

static void test_complaint_backoff(void **state)
{
	struct log_complaint c = { 0 };
	int logged = 0;

	clock_virtual_start(0);
	log_init("test", true, LOG_EMERG); /* keep stderr quiet; the sink sees all */
	log_set_sink(sink, NULL);
	/* A device failing every 10 s for 10 minutes. */
	for (int t = 0; t < 600; t += 10) {
		if (log_complain(&c, LOG_WARNING, "ups1: no answer"))
			logged++;
		clock_virtual_advance_ms(10000);
	}
	/* At 0, 60, 180, 420 s: the interval doubles from one minute. */
	assert_int_equal(logged, 4);
	assert_string_equal(lines[0], "ups1: no answer");
	assert_string_equal(lines[1], "ups1: no answer (repeated 5 times since the last report)");
	assert_string_equal(lines[2], "ups1: no answer (repeated 11 times since the last report)");
	assert_true(log_release(&c, LOG_NOTICE, "ups1: answering again"));
	assert_string_equal(lines[4], "ups1: answering again");
	assert_false(log_release(&c, LOG_NOTICE, "ups1: answering again"));
	assert_int_equal(n_lines, 5);
	/* After a recovery the next failure is logged at once. */
	assert_true(log_complain(&c, LOG_WARNING, "ups1: no answer"));
	log_set_sink(NULL, NULL);
	clock_virtual_stop();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_complaint_backoff),
	};

	return cmocka_run_group_tests_name("log", tests, NULL, NULL);
}
