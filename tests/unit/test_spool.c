/* test_spool.c — the durable spool: one file per (incident_id, seq), duplicates refused
 * in new/ and sent/, order per incident, crash leftovers, pruning; the retry backoff. */
#include <config.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "mailer.h"
#include "spool.h"
#include "mail_fixture.h"
#include "xmem.h"

static struct config cfg;
static char dir[64];
static int wakeups;

static void on_wakeup(void *arg)
{
	wakeups++;
}

static int setup(void **state)
{
	struct spool *sp;

	log_init("test", true, LOG_ERR);
	fixture_config(&cfg);
	snprintf(dir, sizeof(dir), "/tmp/test_spool.XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	sp = spool_open(dir, &cfg, NULL);
	spool_set_wakeup(sp, on_wakeup, NULL);
	*state = sp;
	wakeups = 0;
	return sp ? 0 : -1;
}

static int teardown(void **state)
{
	char *cmd = xasprintf("rm -rf %s", dir);

	spool_close(*state);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	return 0;
}

static int count(struct spool *sp, const char *sub)
{
	struct spool_entry *v;
	int n = spool_list(sp, sub, &v);

	free(v);
	return n;
}

static void test_notify_once(void **state)
{
	struct spool *sp = *state;
	struct notification n = fixture_alert();
	char *path;
	struct stat st;

	assert_int_equal(spool_notify(sp, &n), 0);
	assert_int_equal(spool_notify(sp, &n), 0);          /* offered again after a crash */
	assert_int_equal(count(sp, "new"), 1);
	assert_int_equal(wakeups, 1);
	path = spool_file(sp, "new", "TJ-EXV-20261123-1.000000");
	assert_int_equal(stat(path, &st), 0);
	assert_true(st.st_size > 500);
	free(path);
	assert_int_equal(spool_mark_sent(sp, "TJ-EXV-20261123-1.000000"), 0);
	assert_int_equal(spool_notify(sp, &n), 0);          /* already sent: not again */
	assert_int_equal(count(sp, "new"), 0);
	assert_int_equal(count(sp, "sent"), 1);
	assert_int_equal(wakeups, 1);
}

/* sent/ removed: created again; a file in its place: the message leaves new/ anyway. */
static void test_mark_sent_without_sent_dir(void **state)
{
	struct spool *sp = *state;
	struct notification n = fixture_alert();
	char *sent = xasprintf("%s/spool/sent", dir);
	int fd;

	assert_int_equal(spool_notify(sp, &n), 0);
	assert_int_equal(rmdir(sent), 0);
	assert_int_equal(spool_mark_sent(sp, "TJ-EXV-20261123-1.000000"), 0);
	assert_int_equal(count(sp, "sent"), 1);
	n.seq = 1;
	assert_int_equal(spool_notify(sp, &n), 0);
	{
		char *cmd = xasprintf("rm -rf %s", sent);
		assert_int_equal(system(cmd), 0);
		free(cmd);
	}
	assert_true((fd = open(sent, O_CREAT | O_WRONLY, 0600)) >= 0);
	close(fd);
	assert_int_equal(spool_mark_sent(sp, "TJ-EXV-20261123-1.000001"), 1);
	assert_int_equal(count(sp, "new"), 0);
	assert_int_equal(unlink(sent), 0);
	free(sent);
}

static void test_order(void **state)
{
	struct spool *sp = *state;
	struct notification n = fixture_alert();
	struct spool_entry *v;
	const unsigned seqs[] = { 10, 2, 0, 1 };

	for (size_t i = 0; i < 4; i++) {
		n.seq = seqs[i];
		assert_int_equal(spool_notify(sp, &n), 0);
	}
	n.incident_id = "TJ-EXV-20261122-7";
	n.seq = 3;
	assert_int_equal(spool_notify(sp, &n), 0);
	assert_int_equal(spool_list(sp, "new", &v), 5);
	assert_string_equal(v[0].incident, "TJ-EXV-20261122-7");
	assert_int_equal(v[1].seq, 0);
	assert_int_equal(v[2].seq, 1);
	assert_int_equal(v[3].seq, 2);
	assert_int_equal(v[4].seq, 10);
	assert_string_equal(v[4].name, "TJ-EXV-20261123-1.000010");
	free(v);
}

/* The latest incident in new/ or sent/ (issue 13 item 4): days compare first, then n
 * as a number ("-10" after "-9"); a name of another shape is not an incident. */
static void test_last_id(void **state)
{
	struct spool *sp = *state;
	char day[9] = "";
	unsigned n = 0;

	assert_false(spool_last_id(sp, day, &n));
	assert_int_equal(spool_enqueue(sp, "TJ-EXV-20261123-9.000000", "x"), 0);
	assert_int_equal(spool_enqueue(sp, "TJ-EXV-20261123-10.000001", "x"), 0);
	assert_int_equal(spool_enqueue(sp, "TJ-EXV-20261122-40.000000", "x"), 0);
	assert_int_equal(spool_enqueue(sp, "odd-2026112-50.000000", "x"), 0);
	assert_int_equal(spool_mark_sent(sp, "TJ-EXV-20261123-9.000000"), 0);
	assert_true(spool_last_id(sp, day, &n));
	assert_string_equal(day, "20261123");
	assert_int_equal(n, 10);
}

static void test_names(void **state)
{
	char name[96];

	spool_name(name, sizeof(name), "../etc/passwd x", 7);
	assert_string_equal(name, "___etc_passwd_x.000007");
	assert_null(strchr(name, '/'));
}

static void test_tmp_cleaned_and_prune(void **state)
{
	struct spool *sp = *state;
	char *f = spool_file(sp, "tmp", "half-written"), *sent;
	struct notification n = fixture_alert();
	struct timespec old[2] = { { .tv_sec = 1000 }, { .tv_sec = 1000 } };
	int fd = open(f, O_CREAT | O_WRONLY, 0600);

	close(fd);
	spool_close(sp);
	*state = sp = spool_open(dir, &cfg, NULL);          /* a restart after a crash */
	assert_int_equal(access(f, F_OK), -1);
	free(f);
	assert_int_equal(spool_notify(sp, &n), 0);
	spool_mark_sent(sp, "TJ-EXV-20261123-1.000000");
	n.seq = 1;
	assert_int_equal(spool_notify(sp, &n), 0);
	spool_mark_sent(sp, "TJ-EXV-20261123-1.000001");
	sent = spool_file(sp, "sent", "TJ-EXV-20261123-1.000000");
	assert_int_equal(utimensat(AT_FDCWD, sent, old, 0), 0);
	free(sent);
	assert_int_equal(spool_prune(sp, 7 * 86400.0, 1000 + 8 * 86400.0), 1);
	assert_int_equal(count(sp, "sent"), 1);
}

/* The Message-ID token: drawn at random for a new state directory, kept across
 * restarts, drawn again when the state directory (and its incident counter) is lost. */
static void test_instance(void **state)
{
	struct spool *sp = *state, *other;
	struct notification n = fixture_alert();
	char first[32], other_dir[64], *cmd, *path, *msg;
	FILE *f;

	snprintf(first, sizeof(first), "%s", spool_instance(sp));
	assert_int_equal(strlen(first), 16);
	assert_int_equal(strspn(first, "0123456789abcdef"), 16);
	spool_close(sp);
	*state = sp = spool_open(dir, &cfg, NULL);                 /* a restart */
	assert_string_equal(spool_instance(sp), first);
	snprintf(other_dir, sizeof(other_dir), "/tmp/test_spool.XXXXXX");
	assert_non_null(mkdtemp(other_dir));
	other = spool_open(other_dir, &cfg, NULL);                 /* state directory lost */
	assert_non_null(other);
	assert_string_not_equal(spool_instance(other), first);
	spool_close(other);
	cmd = xasprintf("rm -rf %s", other_dir);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	assert_int_equal(spool_notify(sp, &n), 0);                /* the token is in the mail */
	path = spool_file(sp, "new", "TJ-EXV-20261123-1.000000");
	msg = calloc(1, 4096);
	f = fopen(path, "r");
	assert_non_null(f);
	assert_true(fread(msg, 1, 4095, f) > 0);
	fclose(f);
	cmd = xasprintf("Message-ID: <TJ-EXV-20261123-1.0.%s@", first);
	assert_non_null(strstr(msg, cmd));
	free(cmd);
	free(msg);
	free(path);
}

static void test_backoff(void **state)
{
	struct mailer_options opt;
	unsigned d = 0, seen[10];

	mailer_default_options(&opt);
	for (int i = 0; i < 10; i++)
		seen[i] = d = mailer_backoff(d, &opt);
	assert_int_equal(seen[0], 30);
	assert_int_equal(seen[1], 60);
	assert_int_equal(seen[6], 1920);
	assert_int_equal(seen[7], 3600);
	assert_int_equal(seen[9], 3600);
	opt.retry_max_s = 4000000000U;
	assert_true(mailer_backoff(3000000000U, &opt) == 4000000000U);  /* no overflow */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_notify_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mark_sent_without_sent_dir, setup, teardown),
		cmocka_unit_test_setup_teardown(test_order, setup, teardown),
		cmocka_unit_test(test_names),
		cmocka_unit_test_setup_teardown(test_last_id, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tmp_cleaned_and_prune, setup, teardown),
		cmocka_unit_test_setup_teardown(test_instance, setup, teardown),
		cmocka_unit_test(test_backoff),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
