/* test_log.c — rate-limited complaints: once, then at growing intervals, then once
 * more on recovery. */
#include <config.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "textesc.h"

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

/* Issue 13 item 6: a newline in a client's text forged a whole "envmond: error:" line,
 * and an ESC sequence reached the terminal. Accents stay; C1 and broken UTF-8 do not. */
static void test_escape(void **state)
{
	static const struct { const char *in, *out; } cases[] = {
		{ "plain", "plain" },
		{ "x\nenvmond: error: forged", "x\\nenvmond: error: forged" },
		{ "\x1b[2J\x1b]0;owned\x07", "\\x1b[2J\\x1b]0;owned\\x07" },
		{ "tab\there\r", "tab\\there\\r" },
		{ "del\x7f", "del\\x7f" },
		{ "salle serveur \xc3\xa9t\xc3\xa9 \xe2\x82\xac", "salle serveur \xc3\xa9t\xc3\xa9 \xe2\x82\xac" },
		{ "c1 \xc2\x9b" "6n", "c1 \\xc2\\x9b6n" },
		{ "bad \xff\xc3", "bad \\xff\\xc3" },
		{ "overlong \xc0\xaf", "overlong \\xc0\\xaf" },
	};
	char out[64];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		text_escape(out, sizeof(out), cases[i].in);
		assert_string_equal(out, cases[i].out);
	}
	/* Cut at a boundary, never inside an escape or a character. */
	text_escape(out, 6, "ab\ncd");
	assert_string_equal(out, "ab\\nc");
	text_escape(out, 5, "ab\x01");
	assert_string_equal(out, "ab");
	text_escape(out, 4, "a\xc3\xa9\xc3\xa9");
	assert_string_equal(out, "a\xc3\xa9");
	assert_null(text_esc(NULL));

	n_lines = 0;
	log_init("test", true, LOG_EMERG);
	log_set_sink(sink, NULL);
	log_warn("silence reason: %s", "ok\nenvmond: error: forged");
	log_set_sink(NULL, NULL);
	assert_int_equal(n_lines, 1);
	assert_string_equal(lines[0], "silence reason: ok\\nenvmond: error: forged");
}

/* Issue 13 item 10: under systemd (JOURNAL_STREAM names stderr) each line starts with
 * its syslog priority, so that journalctl -p warning finds the warnings; a stderr that
 * is some other file (JOURNAL_STREAM inherited, then redirected) gets none. */
static void test_journal_prefix(void **state)
{
	char path[] = "/tmp/test_log_XXXXXX", env[64], text[512] = "";
	int fd = mkstemp(path), saved = dup(2);
	struct stat st;
	FILE *f;

	assert_true(fd >= 0 && saved >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	snprintf(env, sizeof(env), "%llu:%llu", (unsigned long long)st.st_dev, (unsigned long long)st.st_ino);
	fflush(stderr);
	dup2(fd, 2);
	setenv("JOURNAL_STREAM", env, 1);
	log_init("test", true, LOG_INFO);
	log_warn("disk full");
	log_err("journal lost");
	log_info("started");
	setenv("JOURNAL_STREAM", "1:2", 1);
	log_init("test", true, LOG_INFO);
	log_warn("plain");
	unsetenv("JOURNAL_STREAM");
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	f = fdopen(fd, "r");
	rewind(f);
	text[fread(text, 1, sizeof(text) - 1, f)] = '\0';
	fclose(f);
	unlink(path);
	assert_string_equal(text, "<4>test: warning: disk full\n<3>test: error: journal lost\n"
		"<6>test: info: started\ntest: warning: plain\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_complaint_backoff),
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_journal_prefix),
	};

	return cmocka_run_group_tests_name("log", tests, NULL, NULL);
}
