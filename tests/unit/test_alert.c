/* test_alert.c — what one poll result costs the alert module (issue 20): it judges only
 * the conditions of its own device and racks, and the state snapshot is not rewritten
 * after every reading, only when a condition's lifecycle moves (batched), its times and
 * counters now and then, and everything at exit. The real configuration loader, journal
 * and snapshot in a temporary directory; the results are built as a driver hands them. */
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

#include <json-c/json.h>

#include "alert.h"
#include "alert_fixture.h"
#include "cfgparse.h"
#include "clock.h"
#include "journal.h"
#include "xmem.h"

#define T0 1767225600.0
#define INTERVAL_S 30.0

struct site {
	char dir[256];
	char *snapshot;
	struct config *cfg;
	struct alert *a;
	struct derive_history *hist;
	ino_t ino;             /* of the snapshot last seen; 0 = none yet */
	unsigned writes;       /* snapshot files put in place seen so far */
};

static int no_sink(void *arg, const struct notification *n)
{
	(void)arg;
	(void)n;
	return 0;
}

/* n_racks racks, each with one probe and one server; the last probe also sits in rack 0
 * when shared. */
static void site_open(struct site *s, unsigned n_racks, bool shared)
{
	struct cfgparse p;
	char *path;
	FILE *f;

	memset(s, 0, sizeof(*s));
	f = fixture_site_conf(s->dir, sizeof(s->dir), "alert", &path);
	fputs("storage = { step = 30; };\ndevices = (\n", f);
	for (unsigned i = 0; i < n_racks; i++)
		fprintf(f, "%s{ name = \"p%u\"; profile = \"sim-probe\"; interval = %d; "
			"sim = { scenario = \"%s/tests/sim/scenarios/common.scn\"; }; }\n",
			i ? "," : "", i, (int)INTERVAL_S, TOP_SRCDIR);
	fputs(");\nracks = (\n", f);
	for (unsigned i = 0; i < n_racks; i++) {
		char probes[64];

		if (shared && i == 0)
			snprintf(probes, sizeof(probes), "\"p0\", \"p%u\"", n_racks - 1);
		else
			snprintf(probes, sizeof(probes), "\"p%u\"", i);
		fprintf(f, "%s{ name = \"r%u\"; probes = [ %s ]; servers = ( { name = \"s%u\"; role = \"comci\"; } ); }\n",
			i ? "," : "", i, probes, i);
	}
	fputs(");\n", f);
	fclose(f);
	cfgparse_init(&p);
	s->cfg = conf_load(&p, path);
	cfgparse_print(&p, stderr);     /* the errors, if it was refused */
	cfgparse_fini(&p);
	free(path);
	assert_non_null(s->cfg);
	s->snapshot = xasprintf("%s/state/%s", s->dir, JOURNAL_SNAPSHOT_FILE);
	clock_virtual_start(T0);
	s->a = alert_new(s->cfg, no_sink, NULL);
	assert_non_null(s->a);
	s->hist = xcalloc(s->cfg->n_devices, sizeof(*s->hist));
	for (size_t i = 0; i < s->cfg->n_devices; i++)
		derive_history_init(&s->hist[i]);
}

/* Counts a new snapshot file in place (each write renames a new inode over the old). */
static void site_watch(struct site *s)
{
	struct stat st;

	if (stat(s->snapshot, &st) == 0 && st.st_ino != s->ino) {
		s->ino = st.st_ino;
		s->writes++;
	}
}

/* Device i answers temp_c and 40 %RH at scenario time t. */
static void site_reading(struct site *s, size_t i, double t, double temp_c)
{
	struct reading r[2] = { { READING_OK, temp_c, temp_c * 10, false }, { READING_OK, 40, 400, false } };
	struct poll_result res = { .dev = &s->cfg->devices[i], .time = T0 + t, .answered = true,
		.readings = r, .n_readings = 2 };
	struct derived d;

	derive_compute(&s->hist[i], &res, &d);
	alert_result(s->a, &res, &d);
	site_watch(s);
}

/* Every probe answers temp_c once per interval, from cycle first to cycle last - 1. */
static void site_cycles(struct site *s, unsigned first, unsigned last, double temp_c)
{
	for (unsigned k = first; k < last; k++)
		for (size_t i = 0; i < s->cfg->n_devices; i++)
			site_reading(s, i, 60 + k * INTERVAL_S + (double)i * 0.01, temp_c);
}

/* A member of one condition in the snapshot on disk. */
static double snapshot_number(const struct site *s, const char *cond, const char *member)
{
	struct json_object *root = journal_snapshot_read(s->snapshot), *conds, *c, *v;
	double value = NAN;

	assert_non_null(root);
	if (json_object_object_get_ex(root, "conds", &conds) && json_object_object_get_ex(conds, cond, &c) &&
	    json_object_object_get_ex(c, member, &v))
		value = json_object_get_double(v);
	json_object_put(root);
	return value;
}

static void site_close(struct site *s)
{
	char *cmd = xasprintf("rm -rf '%s'", s->dir);

	alert_free(s->a);
	for (size_t i = 0; i < s->cfg->n_devices; i++)
		derive_history_fini(&s->hist[i]);
	free(s->hist);
	conf_free(s->cfg);
	clock_virtual_stop();
	assert_int_equal(system(cmd), 0);
	free(cmd);
	free(s->snapshot);
}

/* 20 probes for an hour (2400 readings), all in spec: no lifecycle moves after the
 * first readings, so the snapshot is rewritten a handful of times (first readings, then
 * every SOFT_SNAPSHOT_S for the last-seen times), not after each reading as it was. */
static void test_no_rewrite_per_reading(void **state)
{
	struct site s;

	(void)state;
	site_open(&s, 20, false);
	site_cycles(&s, 0, 120, 22.0);
	/* 2 for the first cycle (each condition seen: the first write, then the batch),
	 * 3600 s / 300 s for the rest, 1 when the predictive warning (temp_forecast) is
	 * first judged, once the history spans 10 min; it was one per reading (2400). */
	assert_in_range(s.writes, 1, 2 + 3600 / 300 + 2);
	site_close(&s);
}

/* A hold that starts (a probe out of spec) is a lifecycle change: it reaches the
 * snapshot within the batch delay and the next reading, and not before (several such
 * changes share one write). */
static void test_lifecycle_change_batched(void **state)
{
	struct site s;
	unsigned before;

	(void)state;
	site_open(&s, 4, false);
	site_cycles(&s, 0, 10, 22.0);
	assert_true(snapshot_number(&s, "rack:r1/temperature", "bad_since") == 0);
	before = s.writes;
	/* Probe 1 too hot at 360 s, probe 2 too at 361 s (hold 300 s by default: pending). */
	site_reading(&s, 0, 360.0, 22.0);
	site_reading(&s, 1, 360.0, 30.0);
	site_reading(&s, 2, 361.0, 30.0);
	site_reading(&s, 3, 362.0, 22.0);
	site_reading(&s, 0, 364.0, 22.0);
	/* One write for both (at most one more: the batch boundary). */
	assert_in_range(s.writes - before, 1, 2);
	site_reading(&s, 3, 370.0, 22.0);
	assert_true(snapshot_number(&s, "rack:r1/temperature", "bad_since") == T0 + 360.0);
	assert_true(snapshot_number(&s, "rack:r2/temperature", "bad_since") == T0 + 361.0);
	site_close(&s);
}

/* At exit the snapshot gets what was only batched: the last-seen time of the last
 * reading. */
static void test_written_at_exit(void **state)
{
	struct site s;

	(void)state;
	site_open(&s, 3, false);
	site_cycles(&s, 0, 5, 22.0);
	assert_true(snapshot_number(&s, "rack:r2/temperature", "last_seen") < T0 + 60 + 4 * INTERVAL_S);
	alert_free(s.a);
	s.a = NULL;
	site_watch(&s);
	assert_true(fabs(snapshot_number(&s, "rack:r2/temperature", "last_seen") - (T0 + 60 + 4 * INTERVAL_S + 0.02))
		< 1e-3);
	site_close(&s);
}

/* A probe's result judges its own rack's conditions and its contact, not the others';
 * a probe in two racks judges both. */
static void test_result_judges_its_conditions(void **state)
{
	struct site s;
	const char *id;

	(void)state;
	site_open(&s, 5, true);
	site_reading(&s, 2, 100.0, 22.0);
	assert_true(alert_condition(s.a, "rack:r2/temperature", &id)->last_seen == T0 + 100.0);
	assert_true(alert_condition(s.a, "device:p2/contact", &id)->last_seen == T0 + 100.0);
	for (unsigned r = 0; r < 5; r++) {
		char key[64];

		if (r == 2)
			continue;
		snprintf(key, sizeof(key), "rack:r%u/temperature", r);
		assert_true(alert_condition(s.a, key, &id)->last_seen == 0);
	}
	site_reading(&s, 4, 101.0, 22.0);
	assert_true(alert_condition(s.a, "rack:r4/temperature", &id)->last_seen == T0 + 101.0);
	assert_true(alert_condition(s.a, "rack:r0/temperature", &id)->last_seen == T0 + 101.0);
	assert_true(alert_condition(s.a, "rack:r1/temperature", &id)->last_seen == 0);
	site_close(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_rewrite_per_reading),
		cmocka_unit_test(test_lifecycle_change_batched),
		cmocka_unit_test(test_written_at_exit),
		cmocka_unit_test(test_result_judges_its_conditions),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
