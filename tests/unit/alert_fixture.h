/* alert_fixture.h — a site in a temporary directory for the alert tests (test_alert,
 * test_incident): its state directory, and its envmond.conf opened with the site and the
 * paths written; the test adds its devices and racks, then loads it. */
#ifndef ALERT_FIXTURE_H
#define ALERT_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "xmem.h"

/* Creates dir (size bytes, from "<TMPDIR>/envmon-<tag>-XXXXXX") and dir/state; returns
 * dir/envmond.conf open for writing, its path in *conf_path (to free). */
static inline FILE *fixture_site_conf(char *dir, size_t size, const char *tag, char **conf_path)
{
	char *path;
	FILE *f;

	snprintf(dir, size, "%s/envmon-%s-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", tag);
	assert_non_null(mkdtemp(dir));
	path = xasprintf("%s/state", dir);
	assert_int_equal(mkdir(path, 0750), 0);
	free(path);
	*conf_path = xasprintf("%s/envmond.conf", dir);
	f = fopen(*conf_path, "w");
	assert_non_null(f);
	fprintf(f, "site = { name = \"TJ\"; code = \"TJ-T\"; contacts = { arsit = [ \"a@example.org\" ]; }; };\n"
		"paths = { state_dir = \"%s/state\"; profiles_dir = \"%s/tests/sim/profiles\"; };\n",
		dir, TOP_SRCDIR);
	return f;
}

#endif
