/* test_confdiff.c — the configuration diff that drives a reload: devices and servers
 * matched by name, each change classified, restart-only settings listed. Real files
 * loaded by conf_load, one table row per kind of edit. And what the pipeline does with
 * it: a reload keeps the rate-of-change history of the devices the diff keeps. */
#include <config.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cfgparse.h"
#include "conf.h"
#include "confdiff.h"
#include "pipeline.h"
#include "xmem.h"

static const char ups_profile[] =
	"profile = { name = \"ups-test\"; kind = \"ups\"; protocol = \"snmp\"; metrics = (\n"
	"  { name = \"ups_source\"; oid = \"1.3.6.1.2.1.33.1.4.1.0\"; states = { online = 3; on_battery = 5; }; },\n"
	"  { name = \"ups_runtime\"; oid = \"1.3.6.1.2.1.33.1.2.3.0\"; scale = 60.0; unit = \"s\"; }\n"
	"); };\n";
static const char probe_profile[] =
	"profile = { name = \"probe-test\"; kind = \"probe\"; protocol = \"modbus\"; metrics = (\n"
	"  { name = \"temperature\"; table = \"input\"; address = 1; scale = 0.1; }\n"
	"); };\n";

#define SITE "site = { name = \"T\"; code = \"TJ-T\"; contacts = { arsit = [ \"a@example.org\" ]; }; };\n"
#define PATHS "paths = { profiles_dir = \"profiles\"; state_dir = \"state\"; };\n"
#define UPS "{ name = \"ups1\"; profile = \"ups-test\"; snmp = { host = \"127.0.0.1\"; }; }"
#define PROBE "{ name = \"probe1\"; profile = \"probe-test\"; modbus = { host = \"127.0.0.1\"; }; }"
#define RACK(servers) "racks = ( { name = \"r1\"; probes = [ \"probe1\" ]; servers = ( " servers " ); } );\n"
#define SRV "{ name = \"s1\"; role = \"comci\"; ups = [ \"ups1\" ]; }"
#define BASE SITE PATHS "devices = ( " UPS ", " PROBE " );\n" RACK(SRV)

static char dir[] = "/tmp/test_confdiff.XXXXXX";

static void write_file(const char *name, const char *text)
{
	char *path = xasprintf("%s/%s", dir, name);
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	free(path);
}

static struct config *load(const char *text)
{
	struct cfgparse p;
	struct config *cfg;
	char *path = xasprintf("%s/envmond.conf", dir);

	write_file("envmond.conf", text);
	cfgparse_init(&p);
	cfg = conf_load(&p, path);
	if (!cfg)
		cfgparse_print(&p, stderr);
	cfgparse_fini(&p);
	free(path);
	assert_non_null(cfg);
	return cfg;
}

static int setup(void **state)
{
	char *prof;

	if (!mkdtemp(dir))
		return -1;
	prof = xasprintf("%s/profiles", dir);
	mkdir(prof, 0755);
	free(prof);
	prof = xasprintf("%s/state", dir);
	mkdir(prof, 0750);
	free(prof);
	write_file("profiles/ups.conf", ups_profile);
	write_file("profiles/probe.conf", probe_profile);
	return 0;
}

static int teardown(void **state)
{
	char *cmd = xasprintf("rm -rf '%s'", dir);
	int rc = system(cmd);

	free(cmd);
	return rc == 0 ? 0 : -1;
}

struct diff_case {
	const char *what;
	const char *new_conf;
	enum confdiff_change ups1, probe1;
	const char *other_device;          /* NULL, or a device expected with other_change */
	enum confdiff_change other_change;
	enum confdiff_change s1;
	const char *restart_only;          /* first restart-only setting expected, or NULL */
};

static const struct diff_case cases[] = {
	{ "nothing changed", BASE, CONFDIFF_SAME, CONFDIFF_SAME, NULL, 0, CONFDIFF_SAME, NULL },
	{ "a device added", SITE PATHS "devices = ( " UPS ", " PROBE ", { name = \"ups2\"; profile = "
	  "\"ups-test\"; snmp = { host = \"127.0.0.2\"; }; } );\n" RACK(SRV),
	  CONFDIFF_SAME, CONFDIFF_SAME, "ups2", CONFDIFF_ADDED, CONFDIFF_SAME, NULL },
	{ "a device removed", SITE PATHS "devices = ( " UPS ", " PROBE ", { name = \"ups2\"; profile = "
	  "\"ups-test\"; snmp = { host = \"127.0.0.2\"; }; } );\n" RACK(SRV),
	  CONFDIFF_SAME, CONFDIFF_SAME, "ups2", CONFDIFF_ADDED, CONFDIFF_SAME, NULL },
	{ "interval changed", SITE PATHS "devices = ( { name = \"ups1\"; profile = \"ups-test\"; interval = 60; "
	  "snmp = { host = \"127.0.0.1\"; }; }, " PROBE " );\n" RACK(SRV),
	  CONFDIFF_RETUNED, CONFDIFF_SAME, NULL, 0, CONFDIFF_SAME, NULL },
	{ "address changed", SITE PATHS "devices = ( { name = \"ups1\"; profile = \"ups-test\"; "
	  "snmp = { host = \"127.0.0.9\"; }; }, " PROBE " );\n" RACK(SRV),
	  CONFDIFF_CHANGED, CONFDIFF_SAME, NULL, 0, CONFDIFF_SAME, NULL },
	{ "community changed", SITE PATHS "devices = ( { name = \"ups1\"; profile = \"ups-test\"; "
	  "snmp = { host = \"127.0.0.1\"; community = \"other\"; }; }, " PROBE " );\n" RACK(SRV),
	  CONFDIFF_CHANGED, CONFDIFF_SAME, NULL, 0, CONFDIFF_SAME, NULL },
	{ "threshold changed", BASE "specs = { comci = { temperature = { warn = [ 19.0, 26.0 ]; }; }; };\n",
	  CONFDIFF_SAME, CONFDIFF_SAME, NULL, 0, CONFDIFF_CHANGED, NULL },
	{ "server's UPS removed", SITE PATHS "devices = ( " UPS ", " PROBE " );\n"
	  RACK("{ name = \"s1\"; role = \"comci\"; }"),
	  CONFDIFF_SAME, CONFDIFF_SAME, NULL, 0, CONFDIFF_CHANGED, NULL },
	{ "server renamed", SITE PATHS "devices = ( " UPS ", " PROBE " );\n"
	  RACK("{ name = \"s2\"; role = \"comci\"; ups = [ \"ups1\" ]; }"),
	  CONFDIFF_SAME, CONFDIFF_SAME, NULL, 0, CONFDIFF_REMOVED, NULL },
	{ "state_dir moved", SITE "paths = { profiles_dir = \"profiles\"; state_dir = \"state2\"; };\n"
	  "devices = ( " UPS ", " PROBE " );\n" RACK(SRV),
	  CONFDIFF_SAME, CONFDIFF_SAME, NULL, 0, CONFDIFF_SAME, "paths.state_dir" },
	{ "daemon user changed", BASE "daemon = { user = \"nobody\"; };\n",
	  CONFDIFF_SAME, CONFDIFF_SAME, NULL, 0, CONFDIFF_SAME, "daemon" },
};

static enum confdiff_change server_change(const struct confdiff *d, const char *name)
{
	for (size_t i = 0; i < d->n_servers; i++)
		if (strcmp(d->servers[i].name, name) == 0)
			return d->servers[i].change;
	return CONFDIFF_ADDED;
}

static void test_cases(void **state)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct diff_case *c = &cases[i];
		/* "a device removed" runs the "added" configuration backwards. */
		bool backwards = strcmp(c->what, "a device removed") == 0;
		struct config *a = load(backwards ? c->new_conf : BASE);
		struct config *b = load(backwards ? BASE : c->new_conf);
		struct confdiff d;

		fprintf(stderr, "# %s\n", c->what);
		confdiff_compute(&d, a, b);
		assert_int_equal(confdiff_device(&d, "ups1"), c->ups1);
		assert_int_equal(confdiff_device(&d, "probe1"), c->probe1);
		if (c->other_device)
			assert_int_equal(confdiff_device(&d, c->other_device),
				backwards ? CONFDIFF_REMOVED : c->other_change);
		assert_int_equal(server_change(&d, "s1"), c->s1);
		if (c->restart_only) {
			assert_true(d.n_restart_only > 0);
			assert_string_equal(d.restart_only[0], c->restart_only);
		} else {
			assert_int_equal(d.n_restart_only, 0);
		}
		confdiff_free(&d);
		conf_free(a);
		conf_free(b);
	}
}

/* A profile edited on disk (a scale fixed) makes its devices CHANGED: the driver must
 * rebuild its requests, and the cached readings no longer mean the same. */
static void test_profile_edit(void **state)
{
	struct config *a = load(BASE), *b;
	struct confdiff d;

	write_file("profiles/ups.conf", "profile = { name = \"ups-test\"; kind = \"ups\"; protocol = \"snmp\"; metrics = (\n"
		"  { name = \"ups_source\"; oid = \"1.3.6.1.2.1.33.1.4.1.0\"; states = { online = 3; on_battery = 5; }; },\n"
		"  { name = \"ups_runtime\"; oid = \"1.3.6.1.2.1.33.1.2.3.0\"; scale = 1.0; unit = \"s\"; }\n"
		"); };\n");
	b = load(BASE);
	confdiff_compute(&d, a, b);
	assert_int_equal(confdiff_device(&d, "ups1"), CONFDIFF_CHANGED);
	assert_int_equal(confdiff_device(&d, "probe1"), CONFDIFF_SAME);
	assert_int_equal(confdiff_count(&d, CONFDIFF_CHANGED), 1);
	confdiff_free(&d);
	conf_free(a);
	conf_free(b);
	write_file("profiles/ups.conf", ups_profile);
}

static void on_derived(void *arg, const struct poll_result *res, const struct derived *d)
{
	*(double *)arg = d->temp_rate_15min;
}

/* One answer of probe1 reading temp_c at time t; the tap's rate lands in the tap's arg. */
static void feed_probe(struct pipeline *p, const struct config *cfg, double t, double temp_c)
{
	struct reading r = { .status = READING_OK, .value = temp_c, .raw = temp_c * 10 };
	struct poll_result res = { .dev = conf_device(cfg, "probe1"), .time = t, .answered = true,
		.readings = &r, .n_readings = 1 };

	assert_non_null(res.dev);
	pipeline_result(p, &res);
}

static struct pipeline *reload_pipeline(struct pipeline *p, const struct config *from,
	const struct config *to)
{
	struct confdiff d;

	confdiff_compute(&d, from, to);
	p = pipeline_reload(p, to, &d, pipeline_log_sink, NULL);
	confdiff_free(&d);
	assert_non_null(p);
	return p;
}

/* The 15-minute rate needs readings over half its window: after a reload that keeps
 * probe1 (a device added elsewhere), the next reading still has one; after one that
 * moves probe1 to another address (maybe another probe), it starts afresh. */
static void test_reload_keeps_rate_history(void **state)
{
	struct config *a = load(BASE);
	struct config *b = load(SITE PATHS "devices = ( " UPS ", " PROBE ", { name = \"ups2\"; profile = "
		"\"ups-test\"; snmp = { host = \"127.0.0.2\"; }; } );\n" RACK(SRV));
	struct config *c = load(SITE PATHS "devices = ( " UPS ", { name = \"probe1\"; profile = "
		"\"probe-test\"; modbus = { host = \"127.0.0.9\"; }; } );\n" RACK(SRV));
	const double t0 = 1767225600.0;
	double rate = NAN;
	struct pipeline *p = pipeline_new(a, pipeline_log_sink, NULL);

	assert_non_null(p);
	pipeline_set_tap(p, on_derived, &rate);
	for (int i = 0; i < 10; i++)          /* 0.1 °C a minute for 9 minutes */
		feed_probe(p, a, t0 + 60.0 * i, 20.0 + 0.1 * i);
	assert_false(isnan(rate));
	assert_true(rate > 0.5);
	p = reload_pipeline(p, a, b);
	rate = NAN;
	feed_probe(p, b, t0 + 600.0, 21.0);
	assert_false(isnan(rate));            /* a fresh history would have one reading */
	assert_true(rate > 0.5);
	p = reload_pipeline(p, b, c);
	feed_probe(p, c, t0 + 660.0, 21.1);
	assert_true(isnan(rate));
	pipeline_free(p);
	conf_free(a);
	conf_free(b);
	conf_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_profile_edit),
		cmocka_unit_test(test_reload_keeps_rate_history),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
