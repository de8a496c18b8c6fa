/* test_incident.c — incident.c's lifecycle driven verdict by verdict (incident_step), with
 * the real configuration loader, journal and delivery in a temporary directory: an
 * incident opens once its hold has passed, reminds after `repeat`, recovers after the
 * clear hold, and each notification reaches the sink once, numbered 0, 1, 2 under one id;
 * the start-up grace holds the first verdicts back. */
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

#include "alert.h"
#include "alert_fixture.h"
#include "cfgparse.h"
#include "clock.h"
#include "conds.h"
#include "incident.h"
#include "xmem.h"

#define T0 1767225600.0   /* 2026-01-01 00:00:00 UTC */

struct seen {
	enum notif_kind kind;
	unsigned seq;
	enum severity severity;
	char id[64];
};

struct sink {
	struct seen n[16];
	size_t count;
};

static int sink_take(void *arg, const struct notification *n)
{
	struct sink *s = arg;

	assert_true(s->count < 16);
	s->n[s->count] = (struct seen){ n->kind, n->seq, n->severity, "" };
	snprintf(s->n[s->count].id, sizeof(s->n[s->count].id), "%s", n->incident_id);
	s->count++;
	return 0;
}

struct site {
	char dir[256];
	struct config *cfg;
	struct alert *a;
	struct sink sink;
	struct cfg_threshold thr;
};

static void site_open(struct site *s, unsigned grace_s)
{
	struct cfgparse p;
	char *path;
	FILE *f;

	memset(s, 0, sizeof(*s));
	f = fixture_site_conf(s->dir, sizeof(s->dir), "incident", &path);
	fprintf(f, "alerts = { startup_grace = %u; };\n"
		"devices = ( { name = \"p0\"; profile = \"sim-probe\"; interval = 30; "
		"sim = { scenario = \"%s/tests/sim/scenarios/common.scn\"; }; } );\n"
		"racks = ( { name = \"r0\"; probes = [ \"p0\" ]; servers = ( { name = \"s0\"; role = \"comci\"; } ); } );\n",
		grace_s, TOP_SRCDIR);
	fclose(f);
	cfgparse_init(&p);
	s->cfg = conf_load(&p, path);
	cfgparse_print(&p, stderr);
	cfgparse_fini(&p);
	free(path);
	assert_non_null(s->cfg);
	clock_virtual_start(T0);
	s->a = alert_new(s->cfg, sink_take, &s->sink);
	assert_non_null(s->a);
	/* Only the lifecycle's own settings matter here: the verdicts are given. */
	s->thr = (struct cfg_threshold){ .enabled = true, .hold_s = 60, .clear_hold_s = 60, .repeat_s = 600 };
}

static void site_close(struct site *s)
{
	char *cmd = xasprintf("rm -rf '%s'", s->dir);

	alert_free(s->a);
	conf_free(s->cfg);
	assert_int_equal(system(cmd), 0);
	free(cmd);
}

/* The rack's temperature condition is judged sev at t seconds after T0. */
static void verdict(struct site *s, double t, enum severity sev)
{
	struct cond *c = conds_find(s->a, "rack:r0/temperature");
	struct eval e = { .sev = sev, .clear = sev, .value = sev > SEV_OK ? 28.0 : 22.0,
		.bound = sev > SEV_OK ? 27.0 : NAN, .bound_dir = sev > SEV_OK ? 1 : 0, .thr = &s->thr };

	assert_non_null(c);
	for (size_t i = 0; i < c->n_servers; i++)
		c->cur_hit[i] = sev > SEV_OK;
	clock_virtual_advance_ms((int64_t)((T0 + t - clock_wall()) * 1000.0));
	incident_step(s->a, c, &e, T0 + t);
}

static void test_open_remind_recover(void **state)
{
	struct site s;
	struct cond *c;

	(void)state;
	site_open(&s, 0);
	c = conds_find(s.a, "rack:r0/temperature");
	verdict(&s, 0, SEV_WARNING);
	verdict(&s, 30, SEV_WARNING);
	assert_int_equal(s.sink.count, 0);          /* within the 60 s hold */
	assert_string_equal(c->id, "");
	verdict(&s, 60, SEV_WARNING);
	assert_int_equal(s.sink.count, 1);
	assert_int_equal(s.sink.n[0].kind, NOTIF_ALERT);
	assert_int_equal(s.sink.n[0].seq, 0);
	assert_int_equal(s.sink.n[0].severity, SEV_WARNING);
	assert_string_equal(s.sink.n[0].id, "TJ-T-20260101-1");
	assert_string_equal(c->id, "TJ-T-20260101-1");
	assert_true(c->hit[0]);
	verdict(&s, 600, SEV_WARNING);
	assert_int_equal(s.sink.count, 1);          /* repeat counts from the alert at 60 */
	verdict(&s, 660, SEV_WARNING);
	assert_int_equal(s.sink.count, 2);
	assert_int_equal(s.sink.n[1].kind, NOTIF_REMINDER);
	assert_int_equal(s.sink.n[1].seq, 1);
	verdict(&s, 700, SEV_OK);
	assert_int_equal(s.sink.count, 2);          /* within the clear hold */
	verdict(&s, 760, SEV_OK);
	assert_int_equal(s.sink.count, 3);
	assert_int_equal(s.sink.n[2].kind, NOTIF_RECOVERY);
	assert_int_equal(s.sink.n[2].seq, 2);
	assert_string_equal(s.sink.n[2].id, "TJ-T-20260101-1");
	assert_string_equal(c->id, "");
	/* The next incident of the day gets the next number. */
	verdict(&s, 800, SEV_WARNING);
	verdict(&s, 860, SEV_WARNING);
	assert_int_equal(s.sink.count, 4);
	assert_string_equal(s.sink.n[3].id, "TJ-T-20260101-2");
	site_close(&s);
}

static void test_startup_grace(void **state)
{
	struct site s;

	(void)state;
	site_open(&s, 300);
	for (double t = 0; t < 300; t += 30)
		verdict(&s, t, SEV_CRITICAL);
	assert_int_equal(s.sink.count, 0);          /* nothing opens during the grace ... */
	verdict(&s, 300, SEV_CRITICAL);
	assert_int_equal(s.sink.count, 0);          /* ... and the hold starts when it ends */
	verdict(&s, 360, SEV_CRITICAL);
	assert_int_equal(s.sink.count, 1);
	assert_int_equal(s.sink.n[0].kind, NOTIF_ALERT);
	assert_int_equal(s.sink.n[0].severity, SEV_CRITICAL);
	site_close(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_remind_recover),
		cmocka_unit_test(test_startup_grace),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
