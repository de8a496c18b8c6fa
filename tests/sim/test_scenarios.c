/* test_scenarios.c — simulations in virtual time through the real poller, sim driver,
 * derive, rules, alert and journal: each scenario's exact incidents, their times and
 * the notifications, over simulated days.
 *
 * Expected times come from the scenario's own definition (the formula of its values)
 * and the poll times the harness saw: "the first poll at or after t". */
#include <config.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>

#include <json-c/json.h>

#include "clock.h"
#include "context.h"
#include "derive.h"
#include "journal.h"
#include "silence.h"
#include "simharness.h"
#include "status.h"
#include "xmem.h"

#define ANY -1
#define ALL3 "srv-numerisation srv-comci srv-autre"
#define BAIE_A "srv-numerisation srv-comci"

/* The nth notice of (crit, kind) must be at time t with this severity, cause, servers. */
static void expect(const struct sim *s, enum criterion crit, int kind, size_t nth, double t,
	enum severity sev, const char *cause, const char *servers)
{
	const struct sim_notice *n = sim_find(s, crit, kind, nth);

	if (!n || fabs(n->time - t) > 1e-3 || n->severity != sev || strcmp(n->cause, cause) != 0 ||
	    strcmp(n->servers, servers) != 0) {
		sim_dump(s);
		fail_msg("%s kind %d #%zu: expected t = %.0f %s cause %s servers [%s], got %s", criterion_name(crit),
			kind, nth, t, severity_name(sev), cause, servers,
			n ? "something else (list above)" : "nothing");
	}
}

/* Every notice of an incident says when it opened: the time of its first notice (the
 * alert, or the flapping notice it opened with). A recovery mail said "Depuis le :
 * 01/01/1970" when the close record lost it. */
static void expect_opened(const struct sim *s)
{
	size_t recoveries = 0;

	for (size_t i = 0; i < s->n_notices; i++) {
		const struct sim_notice *n = &s->notices[i], *first = NULL;

		for (size_t k = 0; k < s->n_notices && !first; k++)
			if (strcmp(s->notices[k].id, n->id) == 0 && s->notices[k].seq == 0)
				first = &s->notices[k];
		recoveries += n->kind == NOTIF_RECOVERY;
		if (!first || fabs(n->opened - first->time) > 1e-3 || fabs(n->opened - first->opened) > 1e-3) {
			sim_dump(s);
			fail_msg("%s #%u: opened at %.0f, its first notice was at %.0f", n->id, n->seq, n->opened,
				first ? first->time : -1);
		}
	}
	assert_true(recoveries > 0);
}

/* The first poll of device at or after from whose value (by f) satisfies pred. */
static double first_poll(const struct sim *s, const char *dev, double from, double (*f)(double),
	bool (*pred)(double))
{
	for (double t = sim_poll_at(s, dev, from); t >= 0; t = sim_poll_at(s, dev, t + 0.5))
		if (pred(f(t)))
			return t;
	fail_msg("no poll of %s after %.0f satisfies the condition", dev, from);
	return -1;
}

/* ------------------------------------------------------------------ sine */

static double sine_temp(double t) { return 22.0 + 6.0 * sin(2 * M_PI * t / 86400.0); }
static bool above_27(double v) { return v > 27.0; }
static bool clear_27(double v) { return v <= 26.5; }
static bool below_18(double v) { return v < 18.0; }
static bool clear_18(double v) { return v >= 18.5; }

/* Three days of 22 ± 6 °C: each afternoon above 27 °C for 4.5 h and each night below
 * 18 °C for 6.4 h: per day two warning incidents, each with its alert, one reminder
 * (both last over the 4 h repeat) and its recovery; nothing at start-up. */
static void test_sine_temperature(void **state)
{
	struct sim s;

	sim_prepare(&s, "common.scn", "common.scn", "sine.scn");
	sim_start(&s, 0);
	sim_run(&s, 3 * 86400);
	assert_int_equal(s.n_notices, 18);
	for (int day = 0; day < 3; day++) {
		double d0 = day * 86400.0;
		double hot = first_poll(&s, "probe", d0, sine_temp, above_27);
		double hot_alert = sim_poll_at(&s, "probe", hot + 300);
		double hot_clear = first_poll(&s, "probe", hot, sine_temp, clear_27);
		double cold = first_poll(&s, "probe", hot_clear, sine_temp, below_18);
		double cold_alert = sim_poll_at(&s, "probe", cold + 300);
		double cold_clear = first_poll(&s, "probe", cold, sine_temp, clear_18);

		expect(&s, CRIT_TEMPERATURE, NOTIF_ALERT, 2 * day, hot_alert, SEV_WARNING, "baie-A", BAIE_A);
		expect(&s, CRIT_TEMPERATURE, NOTIF_REMINDER, 2 * day, sim_poll_at(&s, "probe", hot_alert + 4 * 3600),
			SEV_WARNING, "baie-A", BAIE_A);
		expect(&s, CRIT_TEMPERATURE, NOTIF_RECOVERY, 2 * day, sim_poll_at(&s, "probe", hot_clear + 300),
			SEV_WARNING, "baie-A", BAIE_A);
		expect(&s, CRIT_TEMPERATURE, NOTIF_ALERT, 2 * day + 1, cold_alert, SEV_WARNING, "baie-A", BAIE_A);
		expect(&s, CRIT_TEMPERATURE, NOTIF_REMINDER, 2 * day + 1,
			sim_poll_at(&s, "probe", cold_alert + 4 * 3600), SEV_WARNING, "baie-A", BAIE_A);
		expect(&s, CRIT_TEMPERATURE, NOTIF_RECOVERY, 2 * day + 1, sim_poll_at(&s, "probe", cold_clear + 300),
			SEV_WARNING, "baie-A", BAIE_A);
	}
	/* Incident ids: site code, UTC day, number of the day. */
	assert_string_equal(sim_find(&s, CRIT_TEMPERATURE, NOTIF_ALERT, 0)->id, "TJ-SIM-20260101-1");
	assert_string_equal(sim_find(&s, CRIT_TEMPERATURE, NOTIF_ALERT, 1)->id, "TJ-SIM-20260101-2");
	assert_string_equal(sim_find(&s, CRIT_TEMPERATURE, NOTIF_ALERT, 5)->id, "TJ-SIM-20260103-2");
	assert_true(fabs(sim_find(&s, CRIT_TEMPERATURE, NOTIF_RECOVERY, 0)->worst - 28.0) < 0.01);
	expect_opened(&s);
	sim_stop(&s);
	sim_cleanup(&s);
}

/* ------------------------------------------------------------------ air conditioner */

static double clim_temp(double t)
{
	if (t >= 7200 && t < 10800)
		return 22.0 + 7.0 * (t - 7200) / 3600;
	if (t >= 10800 && t < 14400)
		return 29.0 - 7.0 * (t - 10800) / 3600;
	return 22.0;
}

struct episode_list {
	const struct journal_episode *first;
	int n;
	char ids[4][64];
	double opened[4], end[4];
	size_t n_servers[4], n_notices[4];
	bool accepted[4];
};

static int keep_episode(void *arg, const struct journal_episode *ep)
{
	struct episode_list *l = arg;

	if (l->n < 4) {
		snprintf(l->ids[l->n], sizeof(l->ids[0]), "%s", ep->id);
		l->opened[l->n] = ep->opened - SIM_T0;
		l->end[l->n] = ep->end ? ep->end - SIM_T0 : 0;
		l->n_servers[l->n] = ep->n_servers;
		l->n_notices[l->n] = ep->n_notices;
		l->accepted[l->n] = true;
		for (size_t i = 0; i < ep->n_notices; i++)
			l->accepted[l->n] = l->accepted[l->n] && (ep->notices[i].accepted || ep->notices[i].silenced);
	}
	l->n++;
	return 0;
}

/* The air conditioner stops at 2 h and restarts at 3 h: one critical incident listing
 * all three servers of the two racks it cools (after its 120 s hold), and the rack's
 * warming as one incident for the servers of baie-A; both recover; the journal's reader
 * sees the same two episodes. */
static void test_clim_stops(void **state)
{
	struct sim s;
	double stop, start, hot, clear;
	struct episode_list l = { 0 };
	char *journal;

	sim_prepare(&s, "common.scn", "clim-stop.scn", "clim-stop.scn");
	sim_start(&s, 0);
	sim_run(&s, 86400);
	stop = sim_poll_at(&s, "clim", 7200);
	start = sim_poll_at(&s, "clim", 10800);
	hot = first_poll(&s, "probe", 7200, clim_temp, above_27);
	clear = first_poll(&s, "probe", hot, clim_temp, clear_27);
	assert_int_equal(s.n_notices, 4);
	expect(&s, CRIT_COOLING_STATE, NOTIF_ALERT, 0, sim_poll_at(&s, "clim", stop + 120), SEV_CRITICAL, "clim", ALL3);
	expect(&s, CRIT_COOLING_STATE, NOTIF_RECOVERY, 0, sim_poll_at(&s, "clim", start + 120), SEV_CRITICAL,
		"clim", ALL3);
	expect(&s, CRIT_TEMPERATURE, NOTIF_ALERT, 0, sim_poll_at(&s, "probe", hot + 300), SEV_WARNING, "baie-A", BAIE_A);
	expect(&s, CRIT_TEMPERATURE, NOTIF_RECOVERY, 0, sim_poll_at(&s, "probe", clear + 300), SEV_WARNING,
		"baie-A", BAIE_A);
	journal = sim_journal_path(&s);
	assert_int_equal(journal_episodes(journal, SIM_T0, SIM_T0 + 86400, keep_episode, &l), 2);
	assert_string_equal(l.ids[0], "TJ-SIM-20260101-1");
	assert_true(l.opened[0] == sim_poll_at(&s, "clim", stop + 120));
	assert_true(l.end[0] == sim_poll_at(&s, "clim", start + 120));
	assert_int_equal(l.n_servers[0], 3);
	assert_int_equal(l.n_notices[0], 2);
	assert_true(l.accepted[0] && l.accepted[1]);
	/* A range that ends before the stop sees nothing. */
	assert_int_equal(journal_episodes(journal, SIM_T0, SIM_T0 + 7200, keep_episode, &l), 0);
	free(journal);
	expect_opened(&s);
	sim_stop(&s);
	sim_cleanup(&s);
}

/* The same with the air conditioner under maintenance from 1 h to 4 h: its incident is
 * journaled but not mailed; the rack's temperature still is. */
static void test_clim_maintenance(void **state)
{
	struct sim s;
	struct episode_list l = { 0 };
	char *journal;

	sim_prepare_with(&s, "common.scn", "clim-stop.scn", "clim-stop.scn",
		"maintenance = ( { target = \"clim\"; from = \"2026-01-01 01:00\"; to = \"2026-01-01 04:00\"; "
		"reason = \"entretien\"; } );\n");
	sim_start(&s, 0);
	sim_run(&s, 86400);
	assert_int_equal(sim_count(&s, CRIT_COOLING_STATE, ANY), 0);
	assert_int_equal(sim_count(&s, CRIT_TEMPERATURE, ANY), 2);
	journal = sim_journal_path(&s);
	assert_int_equal(journal_episodes(journal, SIM_T0, SIM_T0 + 86400, keep_episode, &l), 2);
	assert_int_equal(l.n_notices[0], 2);        /* alert and recovery, both silenced */
	free(journal);
	expect_opened(&s);
	sim_stop(&s);
	sim_cleanup(&s);
}

/* The same, silenced at run time as `envmonctl silence clim 3h entretien` does: the
 * window counts like one of the configuration. */
static void test_clim_silenced(void **state)
{
	struct sim s;
	struct silences *sil;

	sim_prepare(&s, "common.scn", "clim-stop.scn", "clim-stop.scn");
	sim_start(&s, 0);
	sil = silence_open(s.cfg->paths.state_dir);
	assert_non_null(sil);
	assert_int_equal(silence_add(sil, "clim", SIM_T0 + 3600, SIM_T0 + 4 * 3600, "entretien"), 0);
	alert_set_silences(pipeline_alert(s.pipe), sil);
	sim_run(&s, 86400);
	assert_int_equal(sim_count(&s, CRIT_COOLING_STATE, ANY), 0);
	assert_int_equal(sim_count(&s, CRIT_TEMPERATURE, ANY), 2);
	expect_opened(&s);
	sim_stop(&s);
	silence_close(sil);
	sim_cleanup(&s);
}

/* ------------------------------------------------------------------ mains failure */

static double runtime(double t)
{
	if (t >= 7200 && t < 8400)
		return 2400 - 2000 * (t - 7200) / 1200;
	if (t >= 8400 && t < 14400)
		return 400 + 2000 * (t - 8400) / 6000;
	return 2400;
}

static double charge(double t)
{
	if (t >= 7200 && t < 8400)
		return 100 - 60 * (t - 7200) / 1200;
	if (t >= 8400 && t < 14400)
		return 40 + 60 * (t - 8400) / 6000;
	return 100;
}

static bool under_1200(double v) { return v < 1200; }
static bool under_900(double v) { return v < 900; }
static bool clear_1200(double v) { return v >= 1260; }
static bool under_50(double v) { return v < 50; }
static bool clear_50(double v) { return v >= 55; }

/* 20 minutes on battery: "on battery" after its 60 s hold; the runtime under the
 * digitization server's 1200 s budget (warning, that server only), then under 900 s
 * (critical at once for it, warning for the others: one incident, now listing all);
 * the charge under 50 %. Input voltage at 0 V is the outage itself: no incident of its
 * own. Each recovers once: on mains + 60 s, runtime back over 1200 + 60 s hysteresis,
 * charge over 50 + 5 %. */
static void test_mains_failure(void **state)
{
	struct sim s;
	double out, back, rt;

	sim_prepare(&s, "mains-failure.scn", "common.scn", "common.scn");
	sim_start(&s, 0);
	sim_run(&s, 86400);
	out = sim_poll_at(&s, "ups", 7200);
	back = sim_poll_at(&s, "ups", 8400);
	assert_int_equal(s.n_notices, 7);
	expect(&s, CRIT_UPS_SOURCE, NOTIF_ALERT, 0, sim_poll_at(&s, "ups", out + 60), SEV_WARNING, "ups", ALL3);
	expect(&s, CRIT_UPS_SOURCE, NOTIF_RECOVERY, 0, sim_poll_at(&s, "ups", back + 60), SEV_WARNING, "ups", ALL3);
	rt = first_poll(&s, "ups", 7200, runtime, under_1200);
	expect(&s, CRIT_UPS_RUNTIME, NOTIF_ALERT, 0, rt, SEV_WARNING, "ups", "srv-numerisation");
	expect(&s, CRIT_UPS_RUNTIME, NOTIF_ALERT, 1, first_poll(&s, "ups", rt, runtime, under_900), SEV_CRITICAL,
		"ups", ALL3);
	expect(&s, CRIT_UPS_RUNTIME, NOTIF_RECOVERY, 0, first_poll(&s, "ups", 8400, runtime, clear_1200),
		SEV_CRITICAL, "ups", ALL3);
	assert_string_equal(sim_find(&s, CRIT_UPS_RUNTIME, NOTIF_ALERT, 1)->id,
		sim_find(&s, CRIT_UPS_RUNTIME, NOTIF_ALERT, 0)->id);
	assert_int_equal(sim_find(&s, CRIT_UPS_RUNTIME, NOTIF_ALERT, 1)->seq, 1);
	expect(&s, CRIT_UPS_CHARGE, NOTIF_ALERT, 0, first_poll(&s, "ups", 7200, charge, under_50), SEV_WARNING,
		"ups", ALL3);
	expect(&s, CRIT_UPS_CHARGE, NOTIF_RECOVERY, 0, first_poll(&s, "ups", 8400, charge, clear_50), SEV_WARNING,
		"ups", ALL3);
	assert_int_equal(sim_count(&s, CRIT_INPUT_VOLTAGE, ANY), 0);
	/* The on-battery mail says when the runtime left (2400 s falling by 2000 s in
	 * 20 min) reaches the most demanding budget (digitization: 900 s). */
	{
		const struct sim_notice *n = sim_find(&s, CRIT_UPS_SOURCE, NOTIF_ALERT, 0);
		double left = 2400.0 - 2000.0 * (n->time - H(2)) / M(20);

		assert_true(fabs(n->budget_at - (n->time + left - 900.0)) < 35.0);
	}
	expect_opened(&s);
	sim_stop(&s);
	sim_cleanup(&s);
}

/* ------------------------------------------------------------------ flapping */

static double flap_temp(double t)
{
	if (t >= 7200 && t < 14400)
		return 27.0 + (fmod(t, 60.0) < 30.0 ? 0.2 : -0.2);
	return 26.5;
}

/* Nagios' weighting, written out again here: changes between the last 21 evaluations,
 * the newest weighing 1.2, the oldest 0.8. */
static double share(const bool *changed, size_t n)
{
	double sum = 0, total = 0;

	for (size_t i = 0; i < 20; i++) {
		double w = 1.2 - 0.4 * (double)i / 19.0;

		total += w;
		if (i < n && changed[n - 1 - i])
			sum += w;
	}
	return sum / total;
}

/* 27.2 and 26.8 °C in turn at every poll for two hours: no alert ever holds its 5 min,
 * so a lifecycle without flap detection stays silent. One flapping notice when the
 * weighted share of changes reaches 50 %, nothing more while it flaps, one recovery
 * once it has settled (share under 25 %) and stayed clear for 5 min. */
static void test_flapping_probe(void **state)
{
	struct sim s;
	bool changed[2000] = { false };
	size_t n = 0;
	double flap_at = -1, settle_at = -1, prev = 26.5, clear_from = -1;

	sim_prepare(&s, "common.scn", "common.scn", "flap.scn");
	sim_start(&s, 0);
	sim_run(&s, 86400);
	for (double t = sim_poll_at(&s, "probe", 0); t >= 0 && n < 2000; t = sim_poll_at(&s, "probe", t + 0.5)) {
		double v = flap_temp(t);

		changed[n++] = (v > 27.0) != (prev > 27.0);
		prev = v;
		if (flap_at < 0 && share(changed, n) >= 0.5)
			flap_at = t;
		if (clear_from < 0 && t >= 14400)
			clear_from = t;
		if (flap_at >= 0 && settle_at < 0 && t > flap_at && share(changed, n) < 0.25)
			settle_at = t;
	}
	assert_int_equal(s.n_notices, 2);
	expect(&s, CRIT_TEMPERATURE, NOTIF_FLAPPING, 0, flap_at, SEV_WARNING, "baie-A", BAIE_A);
	expect(&s, CRIT_TEMPERATURE, NOTIF_RECOVERY, 0,
		settle_at > clear_from + 300 ? settle_at : sim_poll_at(&s, "probe", clear_from + 300),
		SEV_WARNING, "baie-A", BAIE_A);
	assert_int_equal(sim_find(&s, CRIT_TEMPERATURE, NOTIF_RECOVERY, 0)->seq, 1);
	expect_opened(&s);
	sim_stop(&s);
	sim_cleanup(&s);
}

/* ------------------------------------------------------------------ silence */

/* The poller calls a device lost at its dead_time-th (3rd) missed poll. */
static double lost_at(const struct sim *s, const char *dev, double from)
{
	double t = sim_poll_at(s, dev, from);

	t = sim_poll_at(s, dev, t + 0.5);
	return sim_poll_at(s, dev, t + 0.5);
}

/* The rack probe falls silent for an hour: one warning "lost contact" incident for the
 * servers of its rack, recovered at its first answer. */
static void test_probe_silent(void **state)
{
	struct sim s;

	sim_prepare(&s, "common.scn", "common.scn", "probe-silent.scn");
	sim_start(&s, 0);
	sim_run(&s, 86400);
	assert_int_equal(s.n_notices, 2);
	expect(&s, CRIT_CONTACT, NOTIF_ALERT, 0, lost_at(&s, "probe", 7200), SEV_WARNING, "probe", BAIE_A);
	expect(&s, CRIT_CONTACT, NOTIF_RECOVERY, 0, sim_poll_at(&s, "probe", 10800), SEV_WARNING, "probe", BAIE_A);
	expect_opened(&s);
	sim_stop(&s);
	sim_cleanup(&s);
}

/* A UPS on battery that falls silent: "on battery" after 60 s, then a critical lost
 * contact (it may be about to cut the power); when it answers again, on mains, both
 * recover (the source after its 60 s clear-hold). */
static void test_ups_silent_on_battery(void **state)
{
	struct sim s;
	double back;

	sim_prepare(&s, "ups-silent.scn", "common.scn", "common.scn");
	sim_start(&s, 0);
	sim_run(&s, 86400);
	back = sim_poll_at(&s, "ups", 10800);
	assert_int_equal(s.n_notices, 4);
	expect(&s, CRIT_UPS_SOURCE, NOTIF_ALERT, 0, sim_poll_at(&s, "ups", sim_poll_at(&s, "ups", 6600) + 60),
		SEV_WARNING, "ups", ALL3);
	expect(&s, CRIT_CONTACT, NOTIF_ALERT, 0, lost_at(&s, "ups", 7200), SEV_CRITICAL, "ups", ALL3);
	expect(&s, CRIT_CONTACT, NOTIF_RECOVERY, 0, back, SEV_CRITICAL, "ups", ALL3);
	expect(&s, CRIT_UPS_SOURCE, NOTIF_RECOVERY, 0, sim_poll_at(&s, "ups", back + 60), SEV_WARNING, "ups", ALL3);
	expect_opened(&s);
	sim_stop(&s);
	sim_cleanup(&s);
}

/* A rack with two probes, for the tests of one probe's silence. */
static const char two_probes[] =
	"devices = (\n"
	"  { name = \"hot\"; profile = \"sim-probe\"; interval = 30; sim = { scenario = \"@SCN@hot-silent.scn\"; }; },\n"
	"  { name = \"cool\"; profile = \"sim-probe\"; interval = 30; sim = { scenario = \"@SCN@common.scn\"; }; }\n"
	");\n"
	"racks = ( { name = \"baie-A\"; probes = [ \"hot\", \"cool\" ];\n"
	"    servers = ( { name = \"srv-comci\"; role = \"comci\"; } ); } );\n";

/* The hot probe of a rack falls silent while the other reads 22 °C: the rack keeps the
 * hot probe's last reading (DESIGN.md §5), so its incident recovers only once that probe
 * answers again, cool, at 4 h, after the 5 min clear-hold. */
static void test_hot_probe_silent(void **state)
{
	struct sim s;
	double answers;

	sim_prepare_conf(&s, two_probes);
	sim_start(&s, 0);
	sim_run(&s, 86400);
	answers = sim_poll_at(&s, "hot", 4 * 3600);
	assert_int_equal(sim_count(&s, CRIT_TEMPERATURE, ANY), 2);
	expect(&s, CRIT_TEMPERATURE, NOTIF_ALERT, 0, sim_poll_at(&s, "hot", 3600 + 300), SEV_WARNING, "baie-A",
		"srv-comci");
	expect(&s, CRIT_TEMPERATURE, NOTIF_RECOVERY, 0, sim_poll_at(&s, "hot", answers + 300), SEV_WARNING,
		"baie-A", "srv-comci");
	expect(&s, CRIT_CONTACT, NOTIF_ALERT, 0, lost_at(&s, "hot", 7200), SEV_WARNING, "hot", "srv-comci");
	expect(&s, CRIT_CONTACT, NOTIF_RECOVERY, 0, answers, SEV_WARNING, "hot", "srv-comci");
	assert_int_equal(sim_count(&s, CRIT_CONTACT, ANY), 2);   /* (the 7 °C step also alerts on its rates) */
	expect_opened(&s);
	sim_stop(&s);
	sim_cleanup(&s);
}

/* The default site without its air conditioner. */
static const char no_clim[] =
	"devices = (\n"
	"  { name = \"ups\"; profile = \"sim-ups\"; interval = 30; sim = { scenario = \"@SCN@common.scn\"; }; },\n"
	"  { name = \"probe\"; profile = \"sim-probe\"; interval = 30; sim = { scenario = \"@SCN@common.scn\"; }; }\n"
	");\n"
	"racks = (\n"
	"  { name = \"baie-A\"; probes = [ \"probe\" ];\n"
	"    servers = ( { name = \"srv-numerisation\"; role = \"digitization\"; ups = [ \"ups\" ]; },\n"
	"                { name = \"srv-comci\"; role = \"comci\"; ups = [ \"ups\" ]; } ); },\n"
	"  { name = \"baie-B\"; servers = ( { name = \"srv-autre\"; role = \"other\"; ups = [ \"ups\" ]; } ); }\n"
	");\n";

struct closes {
	int n;
	const char *id;
};

static int count_closes(void *arg, struct json_object *rec)
{
	struct closes *c = arg;
	struct json_object *v;

	if (json_object_object_get_ex(rec, "type", &v) && strcmp(json_object_get_string(v), "close") == 0 &&
	    json_object_object_get_ex(rec, "id", &v) && strcmp(json_object_get_string(v), c->id) == 0)
		c->n++;
	return 0;
}

struct ending {
	double end;
	char reason[32];
};

static int find_cooling(void *arg, const struct journal_episode *ep)
{
	struct ending *e = arg;

	if (ep->criterion == CRIT_COOLING_STATE) {
		e->end = ep->end;
		snprintf(e->reason, sizeof(e->reason), "%s", ep->end_reason ? ep->end_reason : "");
	}
	return 0;
}

/* The air conditioner stops at 2 h; at 2 h 30 the daemon restarts on a configuration
 * without it: its incident is closed then, "removed", without a recovery mail, and only
 * once (a second restart adds nothing). */
static void test_removed_device(void **state)
{
	struct sim s;
	struct ending ep = { 0 };
	struct closes closes = { 0 };
	char *journal, id[64];

	sim_prepare(&s, "common.scn", "clim-stop.scn", "common.scn");
	sim_start(&s, 0);
	sim_run(&s, 2.5 * 3600);
	assert_int_equal(sim_count(&s, CRIT_COOLING_STATE, NOTIF_ALERT), 1);
	snprintf(id, sizeof(id), "%s", sim_find(&s, CRIT_COOLING_STATE, NOTIF_ALERT, 0)->id);
	sim_stop(&s);
	sim_write_conf(&s, no_clim);
	for (int run = 0; run < 2; run++) {
		sim_start(&s, (2.5 + run) * 3600);
		sim_run(&s, (3.5 + run) * 3600);
		sim_stop(&s);
	}
	journal = sim_journal_path(&s);
	assert_int_equal(journal_episodes(journal, SIM_T0, SIM_T0 + 86400, find_cooling, &ep), 1);
	assert_true(fabs(ep.end - (SIM_T0 + 2.5 * 3600)) < 1e-3);
	assert_string_equal(ep.reason, JOURNAL_REASON_REMOVED);
	closes.id = id;
	journal_replay(journal, count_closes, &closes);
	assert_int_equal(closes.n, 1);
	/* The sink saw the alert only. */
	sim_start(&s, 4.5 * 3600);
	assert_int_equal(sim_count(&s, CRIT_COOLING_STATE, ANY), 1);
	assert_int_equal(s.n_notices, 1);
	sim_stop(&s);
	free(journal);
	sim_cleanup(&s);
}

static int count_record(void *arg, struct json_object *rec)
{
	(*(int *)arg)++;
	return 0;
}

/* Whole lines only: every line of the journal ends with '\n' and parses. */
static void expect_line_valid(const char *journal)
{
	FILE *f = fopen(journal, "r");
	int lines = 0, records = 0, ch, last = '\n';

	while (f && (ch = fgetc(f)) != EOF) {
		lines += ch == '\n';
		last = ch;
	}
	if (f)
		fclose(f);
	assert_int_equal(last, '\n');
	assert_int_equal(journal_replay(journal, count_record, &records), lines);
	assert_int_equal(records, lines);
}

/* The disk fills up (RLIMIT_FSIZE: the journal may grow by 40 more bytes) just before
 * the air conditioner's alert is decided, and frees up 10 minutes later: no mail while
 * its record is not on disk, the journal keeps whole lines, then the alert goes out
 * once with its original time, and the recovery follows as usual. */
static void test_journal_full(void **state)
{
	struct sim s;
	struct rlimit old, lim;
	struct stat st;
	struct episode_list l = { 0 };
	char *journal;
	double decided;

	sim_prepare(&s, "common.scn", "clim-stop.scn", "common.scn");
	journal = sim_journal_path(&s);
	sim_start(&s, 0);
	sim_run(&s, 7200 + 60);
	assert_int_equal(stat(journal, &st), 0);
	signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	lim = (struct rlimit){ (rlim_t)st.st_size + 40, old.rlim_max };
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	sim_run(&s, 7200 + 600);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	assert_int_equal(sim_count(&s, CRIT_COOLING_STATE, ANY), 0);
	expect_line_valid(journal);
	sim_run(&s, 86400);
	expect_line_valid(journal);
	decided = sim_poll_at(&s, "clim", sim_poll_at(&s, "clim", 7200) + 120);
	assert_int_equal(s.n_notices, 2);
	expect(&s, CRIT_COOLING_STATE, NOTIF_ALERT, 0, decided, SEV_CRITICAL, "clim", ALL3);
	expect(&s, CRIT_COOLING_STATE, NOTIF_RECOVERY, 0,
		sim_poll_at(&s, "clim", sim_poll_at(&s, "clim", 10800) + 120), SEV_CRITICAL, "clim", ALL3);
	assert_int_equal(journal_episodes(journal, SIM_T0, SIM_T0 + 86400, keep_episode, &l), 1);
	assert_int_equal(l.n_notices[0], 2);
	assert_true(l.accepted[0]);
	expect_opened(&s);
	free(journal);
	sim_stop(&s);
	sim_cleanup(&s);
}

/* The air conditioner stops at 2 h under maintenance (1 h to 4 h) and stays stopped
 * until 10 h: its alert is mailed when the window ends, and the reminder comes 4 h after
 * that mail, the same whether the daemon ran through or restarted at 5 h (the journal's
 * replay counts from the unsilence mail). */
static void test_reminder_after_maintenance(void **state)
{
	static const char window[] = "maintenance = ( { target = \"clim\"; from = \"2026-01-01 01:00\"; "
		"to = \"2026-01-01 04:00\"; reason = \"entretien\"; } );\n";

	for (int restart = 0; restart < 2; restart++) {
		struct sim s;
		double unsilenced;

		sim_prepare_with(&s, "common.scn", "clim-long-stop.scn", "common.scn", window);
		sim_start(&s, 0);
		if (restart) {
			sim_run(&s, 5 * 3600);
			sim_stop(&s);
			sim_start(&s, 5 * 3600);
		}
		sim_run(&s, 12 * 3600);
		unsilenced = sim_find(&s, CRIT_COOLING_STATE, NOTIF_ALERT, 0)->time;
		assert_int_equal(sim_count(&s, CRIT_COOLING_STATE, NOTIF_ALERT), 1);
		assert_true(unsilenced >= 4 * 3600 && unsilenced < 4 * 3600 + 30);
		assert_int_equal(sim_count(&s, CRIT_COOLING_STATE, NOTIF_REMINDER), 1);
		expect(&s, CRIT_COOLING_STATE, NOTIF_REMINDER, 0, sim_poll_at(&s, "clim", unsilenced + 4 * 3600),
			SEV_CRITICAL, "clim", ALL3);
		sim_stop(&s);
		sim_cleanup(&s);
	}
}

/* alerts.startup_grace = 600: the air conditioner stopped at start-up opens nothing
 * during the first 10 minutes; its 120 s hold starts with the first poll after them. */
static void test_startup_grace(void **state)
{
	struct sim s;
	double first;

	sim_prepare_with(&s, "common.scn", "clim-stopped-at-start.scn", "common.scn",
		"alerts = { startup_grace = 600; };\n");
	sim_start(&s, 0);
	sim_run(&s, 2 * 3600);
	first = sim_poll_at(&s, "clim", 600);
	assert_int_equal(s.n_notices, 2);
	expect(&s, CRIT_COOLING_STATE, NOTIF_ALERT, 0, sim_poll_at(&s, "clim", first + 120), SEV_CRITICAL, "clim",
		ALL3);
	expect_opened(&s);
	sim_stop(&s);
	sim_cleanup(&s);
}

/* The rate of tests/sim/scenarios/heat-ramp.scn: 22 °C at 2 h, +1.2 °C per 5 min. */
#define RAMP_RATE (1.2 / 300.0)
#define RAMP_TEMP(t) (22.0 + RAMP_RATE * ((t) - H(2)))
/* The error the forecast in the mail is held to: 2 min on the time to 32 °C, 10 % on
 * the rate. */
#define ETA_ERROR_S 120.0

/* The forecast of notice n: the rate and the time to 32 °C against the scenario's. */
static void expect_forecast(const struct sim_notice *n)
{
	double true_eta = (32.0 - RAMP_TEMP(n->time)) / RAMP_RATE;

	fprintf(stderr, "# %s at %.0f s: rate %.3f °C/5 min, limit %g, eta %.0f s (true %.0f s)\n",
		criterion_name(n->criterion), n->time, n->trend_rate * 300.0, n->trend_limit,
		n->trend_eta_s, true_eta);
	assert_true(fabs(n->trend_rate - RAMP_RATE) <= 0.1 * RAMP_RATE);
	assert_true(n->trend_limit == 32.0);
	assert_true(fabs(n->trend_eta_s - true_eta) <= ETA_ERROR_S);
}

/* A linear heating (issue 18.1): the predictive warning goes out more than 10 min
 * before the temperature crosses 32 °C, with the forecast in it; the temperature alert
 * at 27 °C carries the forecast to 32 °C too; both recover once it cools. */
static void test_predictive_warning(void **state)
{
	struct sim s;
	const struct sim_notice *w, *t;
	double cross32 = H(2) + (32.0 - 22.0) / RAMP_RATE;

	sim_prepare_spec(&s, "common.scn", "common.scn", "heat-ramp.scn", "", "");
	sim_start(&s, 0);
	sim_run(&s, H(8));
	sim_dump(&s);
	w = sim_find(&s, CRIT_TEMP_FORECAST, NOTIF_ALERT, 0);
	assert_non_null(w);
	assert_int_equal(w->severity, SEV_WARNING);
	assert_true(w->time < cross32 - 600.0);
	assert_true(w->time > H(2));
	expect_forecast(w);
	t = sim_find(&s, CRIT_TEMPERATURE, NOTIF_ALERT, 0);
	assert_non_null(t);
	assert_true(t->time > w->time);
	expect_forecast(t);
	assert_int_equal(sim_count(&s, CRIT_TEMP_FORECAST, NOTIF_ALERT), 1);
	assert_int_equal(sim_count(&s, CRIT_TEMP_FORECAST, NOTIF_RECOVERY), 1);
	assert_true(isnan(sim_find(&s, CRIT_TEMP_FORECAST, NOTIF_RECOVERY, 0)->trend_rate));
	sim_stop(&s);
	sim_cleanup(&s);
}

/* A flat 25 °C with 0.3 °C of noise for a day: never a forecast, never a warning. */
static void test_noisy_flat_never_forecasts(void **state)
{
	struct sim s;

	sim_prepare_spec(&s, "common.scn", "common.scn", "noisy-flat.scn", "", "");
	sim_start(&s, 0);
	sim_run(&s, H(24));
	sim_dump(&s);
	assert_int_equal(sim_count(&s, CRIT_TEMP_FORECAST, ANY), 0);
	assert_int_equal(sim_count(&s, CRIT_TEMPERATURE, ANY), 0);
	sim_stop(&s);
	sim_cleanup(&s);
}

/* A restart while the predictive warning is open keeps it: no second alert, one
 * recovery, mailed once. */
static void test_predictive_warning_restart(void **state)
{
	struct sim s;

	sim_prepare_spec(&s, "common.scn", "common.scn", "heat-ramp.scn", "", "");
	sim_start(&s, 0);
	sim_run(&s, H(2) + M(30));
	assert_int_equal(sim_count(&s, CRIT_TEMP_FORECAST, NOTIF_ALERT), 1);
	sim_stop(&s);
	sim_start(&s, H(2) + M(31));
	sim_run(&s, H(8));
	sim_dump(&s);
	assert_int_equal(sim_count(&s, CRIT_TEMP_FORECAST, NOTIF_ALERT), 1);
	assert_int_equal(sim_count(&s, CRIT_TEMP_FORECAST, NOTIF_RECOVERY), 1);
	assert_int_equal(sim_count(&s, CRIT_TEMP_FORECAST, ANY), 2);
	sim_stop(&s);
	sim_cleanup(&s);
}

/* The humidity of humidity-rise.scn (from 2 h, +2 %RH per 5 min) and humidity-fall.scn
 * (from 2 h, -1.5 %RH per 5 min), both from 40 %RH, at 22 °C. */
#define RH_RISE (2.0 / 300.0)
#define RH_FALL (-1.5 / 300.0)
#define RH_AT(rate, t) (40.0 + (rate) * ((t) - H(2)))

/* Scenario time at which the dew point of humidity-rise.scn reaches dew (bisection). */
static double rise_dew_time(double dew)
{
	double lo = H(2), hi = H(3) + M(30);

	for (int i = 0; i < 60; i++) {
		double mid = (lo + hi) / 2;

		if (derive_dew_point(22.0, RH_AT(RH_RISE, mid)) < dew)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

/* The trend of notice n: its rate within 10 % of rate, its limit, its time to it within
 * 10 % of the true one (true_at - n->time), and the French mail's line starting with
 * head and giving the rate. */
static void expect_trend(const struct sim_notice *n, double rate, double limit, double true_at,
	const char *head)
{
	double true_eta = true_at - n->time;

	fprintf(stderr, "# %s at %.0f s: rate %.4f/5 min, limit %g, eta %.0f s (true %.0f s)\n#   %s\n",
		criterion_name(n->criterion), n->time, n->trend_rate * 300.0, n->trend_limit, n->trend_eta_s,
		true_eta, n->mail_trend);
	assert_true(fabs(n->trend_rate - rate) <= 0.1 * fabs(rate));
	assert_true(n->trend_limit == limit);
	assert_true(fabs(n->trend_eta_s - true_eta) <= 0.1 * true_eta);
	assert_true(strncmp(n->mail_trend, head, strlen(head)) == 0);
	assert_non_null(strstr(n->mail_trend, " au rythme actuel ("));
}

/* Starts scenario probe with the default spec default_spec. */
static void start_humidity(struct sim *s, const char *probe, const char *default_spec)
{
	sim_prepare_spec(s, "common.scn", "common.scn", probe, default_spec, "");
	sim_start(s, 0);
}

/* The first humidity alert of s, a warning. */
static const struct sim_notice *humidity_warning(struct sim *s)
{
	const struct sim_notice *h;

	sim_dump(s);
	h = sim_find(s, CRIT_HUMIDITY, NOTIF_ALERT, 0);
	assert_non_null(h);
	assert_int_equal(h->severity, SEV_WARNING);
	return h;
}

/* `envmonctl status`'s trends, as the daemon gives them (main.c criterion_state). */
static bool status_trend(void *arg, const struct cfg_server *srv, enum criterion c, struct status_criterion *out)
{
	struct sim *s = arg;

	context_status_trend(pipeline_context(s->pipe), srv, c, clock_wall(), out);
	return false;
}

/* The status forecast of criterion crit of srv-comci; NULL if none. Owned by root. */
static struct json_object *status_forecast(struct json_object *root, const char *crit)
{
	for (size_t i = 0; i < json_object_array_length(root); i++) {
		struct json_object *srv = json_object_array_get_idx(root, i), *v, *cr, *f;

		if (!json_object_object_get_ex(srv, "name", &v) || strcmp(json_object_get_string(v), "srv-comci") != 0 ||
		    !json_object_object_get_ex(srv, "criteria", &cr))
			continue;
		for (size_t k = 0; k < json_object_array_length(cr); k++) {
			struct json_object *c = json_object_array_get_idx(cr, k);

			if (json_object_object_get_ex(c, "criterion", &v) &&
			    strcmp(json_object_get_string(v), crit) == 0)
				return json_object_object_get_ex(c, "forecast", &f) ? f : NULL;
		}
	}
	return NULL;
}

static const char *member_str(struct json_object *o, const char *name)
{
	struct json_object *v;

	return o && json_object_object_get_ex(o, name, &v) ? json_object_get_string(v) : "";
}

static double member_num(struct json_object *o, const char *name)
{
	struct json_object *v;

	return o && json_object_object_get_ex(o, name, &v) && v ? json_object_get_double(v) : NAN;
}

/* Wetter air (issue 18.1): the humidity warning at 60 %RH carries the forecast to the
 * 80 %RH allowable limit, the dew point warning at 15 °C the one to 17 °C, both rising;
 * the recoveries carry none. */
static void test_humidity_rising_forecast(void **state)
{
	struct sim s;
	const struct sim_notice *h, *d;

	start_humidity(&s, "humidity-rise.scn", "temp_forecast = { enabled = false; };");
	sim_run(&s, H(8));
	h = humidity_warning(&s);
	expect_trend(h, RH_RISE, 80.0, H(2) + (80.0 - 40.0) / RH_RISE,
		"Prévision : humidité relative en hausse, 80 % (limite admissible) dans ~");
	d = sim_find(&s, CRIT_DEW_POINT, NOTIF_ALERT, 0);
	assert_non_null(d);
	assert_int_equal(d->severity, SEV_WARNING);
	/* The dew point's rate where the alert is, from the scenario. */
	expect_trend(d, (derive_dew_point(22.0, RH_AT(RH_RISE, d->time + 60)) -
		derive_dew_point(22.0, RH_AT(RH_RISE, d->time - 60))) / 120.0, 17.0, rise_dew_time(17.0),
		"Prévision : point de rosée en hausse, 17 °C (limite admissible) dans ~");
	assert_non_null(sim_find(&s, CRIT_HUMIDITY, NOTIF_RECOVERY, 0));
	assert_string_equal(sim_find(&s, CRIT_HUMIDITY, NOTIF_RECOVERY, 0)->mail_trend, "");
	assert_int_equal(sim_count(&s, CRIT_HUMIDITY, NOTIF_ALERT), 1);
	sim_stop(&s);
	sim_cleanup(&s);
}

/* Drier air, with a minimum of 25 %RH in the spec: the humidity warning carries the
 * forecast, falling, to the 8 %RH allowable minimum. On the way, `envmonctl status`
 * gives the humidity's and the dew point's trends, falling, in their units, and none
 * for the flat temperature. */
static void test_humidity_falling_forecast(void **state)
{
	struct sim s;
	struct json_object *st, *f;
	double now = H(2) + M(55);

	start_humidity(&s, "humidity-fall.scn", "temp_forecast = { enabled = false; }; humidity = { warn_below = 25; };");
	sim_run(&s, now);
	st = status_servers_json(s.cfg, status_trend, &s);
	f = status_forecast(st, "humidity");
	fprintf(stderr, "# status at %.0f s: humidity %s\n", now, f ? json_object_to_json_string(f) : "-");
	assert_string_equal(member_str(f, "direction"), "falling");
	assert_string_equal(member_str(f, "unit"), "%");
	assert_true(member_num(f, "limit") == 8.0);
	assert_string_equal(member_str(f, "limit_kind"), "allowable");
	assert_true(fabs(member_num(f, "rate_per_5min") - RH_FALL * 300.0) <= 0.1 * 1.5);
	assert_true(fabs(member_num(f, "eta_s") - (8.0 - RH_AT(RH_FALL, now)) / RH_FALL) <= 0.1 * 3100.0);
	f = status_forecast(st, "dew_point");
	assert_string_equal(member_str(f, "direction"), "falling");
	assert_string_equal(member_str(f, "unit"), "°C");
	assert_true(member_num(f, "limit") == -9.0);
	assert_string_equal(member_str(f, "limit_kind"), "recommended");
	assert_null(status_forecast(st, "temperature"));
	json_object_put(st);
	sim_run(&s, H(8));
	expect_trend(humidity_warning(&s), RH_FALL, 8.0, H(2) + (8.0 - 40.0) / RH_FALL,
		"Prévision : humidité relative en baisse, 8 % (limite admissible) dans ~");
	sim_stop(&s);
	sim_cleanup(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sine_temperature),
		cmocka_unit_test(test_clim_stops),
		cmocka_unit_test(test_clim_maintenance),
		cmocka_unit_test(test_clim_silenced),
		cmocka_unit_test(test_mains_failure),
		cmocka_unit_test(test_flapping_probe),
		cmocka_unit_test(test_probe_silent),
		cmocka_unit_test(test_ups_silent_on_battery),
		cmocka_unit_test(test_hot_probe_silent),
		cmocka_unit_test(test_removed_device),
		cmocka_unit_test(test_journal_full),
		cmocka_unit_test(test_reminder_after_maintenance),
		cmocka_unit_test(test_startup_grace),
		cmocka_unit_test(test_predictive_warning),
		cmocka_unit_test(test_noisy_flat_never_forecasts),
		cmocka_unit_test(test_predictive_warning_restart),
		cmocka_unit_test(test_humidity_rising_forecast),
		cmocka_unit_test(test_humidity_falling_forecast),
	};

	/* Maintenance windows are written in local time: make it UTC like the scenarios. */
	setenv("TZ", "UTC", 1);
	tzset();
	/* SIM_FILTER=test_name runs one case (cmocka_set_test_filter). */
	if (getenv("SIM_FILTER"))
		cmocka_set_test_filter(getenv("SIM_FILTER"));
	return cmocka_run_group_tests(tests, NULL, NULL);
}
