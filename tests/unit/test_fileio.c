/* test_fileio.c — durable replacement of a file: new content, no temporary left, and
 * the old file kept when the new one cannot be written; the instances file of a device
 * (instfile.c) written and read back. */
#include <config.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "instfile.h"
#include "xmem.h"

static char dir[] = "/tmp/envmond-test-fileio-XXXXXX";

static char *slurp(const char *path)
{
	static char buf[256];
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	return buf;
}

static void test_replace(void **state)
{
	char *path = xasprintf("%s/state.json", dir), *tmp = xasprintf("%s.tmp", path);
	struct stat st;

	assert_int_equal(fileio_replace(path, "old\n", 4, 0640), 0);
	assert_int_equal(fileio_replace(path, "new\n", 4, 0640), 0);
	assert_string_equal(slurp(path), "new\n");
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0640);
	assert_int_equal(stat(tmp, &st), -1);
	free(path);
	free(tmp);
}

/* The destination's directory is gone: the call fails, says why, leaves no temporary. */
static void test_publish_failure(void **state)
{
	char *tmp = xasprintf("%s/msg.tmp", dir), *dst = xasprintf("%s/missing/msg", dir);
	struct stat st;

	assert_int_equal(fileio_publish(tmp, dst, "x", 1, 0600), -1);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(stat(tmp, &st), -1);
	free(tmp);
	free(dst);
}

/* Instances noted (a new one, a label that changes, one unchanged) are saved and read
 * back; a label's tab, line break and escape become '?', so they cannot forge a line. */
static void test_instfile_round_trip(void **state)
{
	char *path = instfile_path(dir, "akcp");
	struct instfile f = { 0 }, g;

	assert_string_equal(path + strlen(dir), "/rrd/akcp.instances");
	assert_true(instfile_note(&f, "temperature", "3", "Sortie baie A"));
	assert_false(instfile_note(&f, "temperature", "3", "Sortie baie A"));
	assert_true(instfile_note(&f, "temperature", "0", "a\tb\nhumidity\t9\tforged\x1b[31m"));
	assert_true(instfile_note(&f, "ups_load", "1.1", ""));
	assert_true(instfile_note(&f, "temperature", "3", "Entrée <b>baie</b> A"));
	assert_int_equal(instfile_save(path, &f), 0);   /* makes dir/rrd */
	assert_int_equal(instfile_load(path, &g), 0);
	assert_int_equal(g.n, 3);
	assert_string_equal(g.e[0].index, "3");
	assert_string_equal(g.e[0].label, "Entrée <b>baie</b> A");
	assert_string_equal(g.e[1].label, "a?b?humidity?9?forged?[31m");
	assert_string_equal(g.e[2].metric, "ups_load");
	assert_string_equal(g.e[2].index, "1.1");
	assert_string_equal(g.e[2].label, "");
	assert_string_equal(slurp(path), "# envmond instances 1\ntemperature\t3\tEntrée <b>baie</b> A\n"
		"temperature\t0\ta?b?humidity?9?forged?[31m\nups_load\t1.1\t\n");
	instfile_free(&f);
	instfile_free(&g);
	free(path);
}

/* Lines that do not name a metric and a file-safe index are skipped; no file is ENOENT. */
static void test_instfile_bad_lines(void **state)
{
	char *path = xasprintf("%s/bad.instances", dir), *none = xasprintf("%s/none", dir);
	static const char text[] = "# envmond instances 1\nTemp\t1\tx\ntemperature\t../../x\ty\n"
		"temperature\t.hidden\tz\ntemperature\t2\nhumidity\t4\tok\n";
	struct instfile f;

	assert_int_equal(fileio_replace(path, text, sizeof(text) - 1, 0644), 0);
	assert_int_equal(instfile_load(path, &f), 0);
	assert_int_equal(f.n, 1);
	assert_string_equal(f.e[0].metric, "humidity");
	assert_string_equal(f.e[0].label, "ok");
	instfile_free(&f);
	assert_int_equal(instfile_load(none, &f), -1);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(f.n, 0);
	free(path);
	free(none);
}

static int setup(void **state)
{
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char *cmd = xasprintf("rm -rf '%s'", dir);
	int rc = system(cmd);

	free(cmd);
	return rc;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_replace),
		cmocka_unit_test(test_publish_failure),
		cmocka_unit_test(test_instfile_round_trip),
		cmocka_unit_test(test_instfile_bad_lines),
	};

	return cmocka_run_group_tests_name("fileio", tests, setup, teardown);
}
