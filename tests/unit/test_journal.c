/* test_journal.c — the journal's durability rules: records survive as lines, a torn
 * last line is ignored by readers and cut off by the next writer, the snapshot is
 * replaced atomically, and episodes are folded from their records. */
#include <config.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "journal.h"
#include "xmem.h"

static char dir[64];

static int setup(void **state)
{
	snprintf(dir, sizeof(dir), "/tmp/envmon-journal-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char *cmd = xasprintf("rm -rf '%s'", dir);
	int rc = system(cmd);

	free(cmd);
	return rc;
}

static struct json_object *rec(const char *type, const char *id, double t)
{
	struct json_object *r = json_object_new_object();

	json_object_object_add(r, "type", json_object_new_string(type));
	json_object_object_add(r, "id", json_object_new_string(id));
	json_object_object_add(r, "t", json_object_new_double(t));
	return r;
}

static int count(void *arg, struct json_object *r)
{
	(*(int *)arg)++;
	return 0;
}

static void append(struct journal *j, struct json_object *r)
{
	assert_int_equal(journal_append(j, r), 0);
	json_object_put(r);
}

static void test_torn_tail(void **state)
{
	char *path = xasprintf("%s/j.jsonl", dir);
	struct journal *j = journal_open(path);
	int n = 0, fd;

	append(j, rec("open", "X-20260101-1", 1.0));
	append(j, rec("close", "X-20260101-1", 2.0));
	journal_close(j);
	/* A crash in the middle of the third record. */
	fd = open(path, O_WRONLY | O_APPEND);
	assert_int_equal(write(fd, "{\"type\":\"op", 11), 11);
	close(fd);
	assert_int_equal(journal_replay(path, count, &n), 2);
	/* The next writer cuts it off: the new record is whole and readable. */
	j = journal_open(path);
	append(j, rec("open", "X-20260101-2", 3.0));
	journal_close(j);
	n = 0;
	assert_int_equal(journal_replay(path, count, &n), 3);
	assert_int_equal(n, 3);
	/* A missing journal has no records. */
	free(path);
	path = xasprintf("%s/none.jsonl", dir);
	assert_int_equal(journal_replay(path, count, &n), 0);
	free(path);
}

static off_t file_size(const char *path)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	return st.st_size;
}

/* A disk that fills up in the middle of a record (RLIMIT_FSIZE stands for it: the write
 * stops at the limit, then fails with EFBIG): the append fails, the file is cut back to
 * its whole lines, and the records after it are whole again once there is room. */
static void test_failed_write(void **state)
{
	char *path = xasprintf("%s/full.jsonl", dir);
	struct journal *j = journal_open(path);
	struct rlimit old, lim;
	struct json_object *r;
	off_t before;
	int n = 0;

	append(j, rec("open", "X-20260101-1", 1.0));
	before = file_size(path);
	signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	lim = (struct rlimit){ (rlim_t)before + 10, old.rlim_max };
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	r = rec("close", "X-20260101-1", 2.0);
	assert_int_equal(journal_append(j, r), -1);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	assert_int_equal(file_size(path), before);
	/* Written again later (by the caller that kept it), then one more. */
	append(j, r);
	append(j, rec("open", "X-20260101-2", 3.0));
	journal_close(j);
	assert_int_equal(journal_replay(path, count, &n), 3);
	assert_int_equal(n, 3);
	free(path);
}

static void test_snapshot(void **state)
{
	char *path = xasprintf("%s/state.json", dir), *tmp = xasprintf("%s/state.json.tmp", dir);
	struct json_object *o = json_object_new_object(), *back;
	struct stat st;

	assert_null(journal_snapshot_read(path));
	json_object_object_add(o, "k", json_object_new_int(42));
	assert_int_equal(journal_snapshot_write(path, o), 0);
	json_object_put(o);
	back = journal_snapshot_read(path);
	assert_non_null(back);
	assert_int_equal(json_object_get_int(json_object_object_get(back, "k")), 42);
	json_object_put(back);
	assert_int_equal(stat(tmp, &st), -1);      /* renamed into place */
	free(path);
	free(tmp);
}

static int first_episode(void *arg, const struct journal_episode *ep)
{
	*(struct journal_episode *)arg = *ep;
	((struct journal_episode *)arg)->id = xstrdup(ep->id);
	return 1;
}

static void test_episode_folding(void **state)
{
	char *path = xasprintf("%s/e.jsonl", dir);
	struct journal *j = journal_open(path);
	struct journal_episode ep;
	struct json_object *r, *nt;

	r = rec("open", "X-20260101-1", 100.0);
	json_object_object_add(r, "criterion", json_object_new_string("temperature"));
	json_object_object_add(r, "severity", json_object_new_string("warning"));
	json_object_object_add(r, "value", json_object_new_double(27.5));
	nt = json_object_new_object();
	json_object_object_add(nt, "seq", json_object_new_int(0));
	json_object_object_add(nt, "kind", json_object_new_string("alert"));
	json_object_object_add(r, "notice", nt);
	append(j, r);
	r = rec("notified", "X-20260101-1", 100.0);
	json_object_object_add(r, "seq", json_object_new_int(0));
	append(j, r);
	r = rec("worsen", "X-20260101-1", 200.0);
	json_object_object_add(r, "severity", json_object_new_string("critical"));
	json_object_object_add(r, "worst", json_object_new_double(32.5));
	append(j, r);
	r = rec("close", "X-20260101-1", 300.0);
	json_object_object_add(r, "severity", json_object_new_string("critical"));
	append(j, r);
	journal_close(j);
	assert_int_equal(journal_episodes(path, 0, 1000, first_episode, &ep), 1);
	assert_string_equal(ep.id, "X-20260101-1");
	assert_int_equal(ep.criterion, CRIT_TEMPERATURE);
	assert_int_equal(ep.severity, SEV_CRITICAL);
	assert_true(ep.opened == 100.0 && ep.end == 300.0);
	assert_true(ep.first_value == 27.5 && ep.worst == 32.5);
	free((char *)ep.id);
	/* Outside the range: none. */
	assert_int_equal(journal_episodes(path, 301, 1000, first_episode, &ep), 0);
	assert_int_equal(journal_episodes(path, 0, 100, first_episode, &ep), 0);
	free(path);
}

static int ids_in_order(void *arg, struct json_object *r)
{
	int *n = arg;
	struct json_object *v;
	char want[32];

	snprintf(want, sizeof(want), "X-20260101-%d", *n / 2 + 1);
	assert_true(json_object_object_get_ex(r, "id", &v));
	assert_string_equal(json_object_get_string(v), want);
	(*n)++;
	return 0;
}

static int count_episodes(void *arg, const struct journal_episode *ep)
{
	(*(int *)arg)++;
	return 0;
}

/* Issue 13 item 11: the journal is bounded; rotated files ("<path>.<N>") are still
 * replayed, oldest first, and an incident that opened before a rotation and closed
 * after it is one episode. A file left over by an operator (".old") is not read. */
static void test_rotation(void **state)
{
	char *path = xasprintf("%s/r.jsonl", dir), *p;
	struct journal *j = journal_open(path);
	struct stat st;
	int n = 0, episodes = 0;
	unsigned long files = 0;

	journal_set_max_bytes(j, 200);
	for (int i = 1; i <= 20; i++) {
		char id[32];

		snprintf(id, sizeof(id), "X-20260101-%d", i);
		append(j, rec("open", id, 100.0 * i));
		append(j, rec("close", id, 100.0 * i + 50));
	}
	journal_close(j);
	p = xasprintf("%s.old", path);
	fclose(fopen(p, "w"));
	free(p);
	for (unsigned long k = 1;; k++, files++) {
		p = xasprintf("%s.%lu", path, k);
		int rc = stat(p, &st);

		free(p);
		if (rc < 0)
			break;
		assert_true(st.st_size > 0 && st.st_size <= 200);
	}
	assert_true(files >= 5);
	assert_int_equal(stat(path, &st), 0);
	assert_true(st.st_size <= 200);
	assert_int_equal(journal_replay(path, ids_in_order, &n), 40);
	assert_int_equal(n, 40);
	assert_int_equal(journal_episodes(path, 0, 1e9, count_episodes, &episodes), 20);
	/* Each file holds whole records: an episode never splits into two, nor is lost. */
	assert_int_equal(episodes, 20);
	/* Reopened: rotation goes on after the newest rotated file. */
	j = journal_open(path);
	journal_set_max_bytes(j, 1);
	append(j, rec("open", "X-20260101-21", 3000.0));
	append(j, rec("close", "X-20260101-21", 3050.0));
	journal_close(j);
	p = xasprintf("%s.%lu", path, files + 1);
	assert_int_equal(stat(p, &st), 0);
	free(p);
	episodes = 0;
	assert_int_equal(journal_episodes(path, 0, 1e9, count_episodes, &episodes), 21);
	free(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_torn_tail),
		cmocka_unit_test(test_failed_write),
		cmocka_unit_test(test_snapshot),
		cmocka_unit_test(test_episode_folding),
		cmocka_unit_test(test_rotation),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
