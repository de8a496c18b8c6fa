/* test_fileio.c — durable replacement of a file: new content, no temporary left, and
 * the old file kept when the new one cannot be written. */
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
	};

	return cmocka_run_group_tests_name("fileio", tests, setup, teardown);
}
