/* test_restart.c — SIGKILL during an incident and during a recovery, at the worst
 * moments (after the journal decided a notification but before the sink had it; after
 * the sink stored it but before the journal recorded that), then a restart: exactly one
 * alert and one recovery exist for the episode, with their original times; a recovery
 * that happened while the daemon was down is still reported. The "daemon" is a forked
 * harness process running the real modules in virtual time. */
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
#include <sys/wait.h>
#include <unistd.h>

#include "journal.h"
#include "simharness.h"
#include "xmem.h"

/* Runs the harness in a child from scenario time 0 until it kills itself (in the sink
 * at (crit, kind), or at kill_at if >= 0); returns the scenario time it died at. */
static double run_and_kill(struct sim *s, int crit, int kind, bool after_store, double kill_at)
{
	pid_t pid;
	int status;
	double died = -1;
	char *path;
	FILE *f;

	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		s->kill_crit = crit;
		s->kill_kind = kind;
		s->kill_after_store = after_store;
		sim_start(s, 0);
		sim_run(s, kill_at >= 0 ? kill_at : 86400);
		if (kill_at >= 0)
			raise(SIGKILL);
		_exit(3);      /* the crash point was never reached */
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGKILL);
	if (kill_at >= 0)
		return kill_at;
	path = xasprintf("%s/killed_at", s->dir);
	f = fopen(path, "r");
	assert_non_null(f);
	assert_int_equal(fscanf(f, "%lf", &died), 1);
	fclose(f);
	free(path);
	return died;
}

struct notices_state {
	size_t n, accepted;
};

static int count_notices(void *arg, const struct journal_episode *ep)
{
	struct notices_state *st = arg;

	for (size_t i = 0; i < ep->n_notices; i++) {
		st->n++;
		st->accepted += ep->notices[i].accepted;
	}
	return 0;
}

/* One alert and one recovery for the air conditioner's episode, in one incident, and
 * the journal agrees that the sink accepted every notice. */
static void check_one_episode(struct sim *s, double alert_t, double recovery_t, int episodes)
{
	const struct sim_notice *a = sim_find(s, CRIT_COOLING_STATE, NOTIF_ALERT, 0);
	const struct sim_notice *r = sim_find(s, CRIT_COOLING_STATE, NOTIF_RECOVERY, 0);
	struct notices_state st = { 0 };
	char *journal = sim_journal_path(s);

	if (sim_count(s, CRIT_COOLING_STATE, NOTIF_ALERT) != 1 || sim_count(s, CRIT_COOLING_STATE, NOTIF_RECOVERY) != 1 ||
	    sim_count(s, CRIT_COOLING_STATE, -1) != 2) {
		sim_dump(s);
		fail_msg("expected exactly one alert and one recovery for the air conditioner");
	}
	assert_string_equal(a->id, r->id);
	assert_int_equal(a->seq, 0);
	assert_int_equal(r->seq, 1);
	assert_true(fabs(a->time - alert_t) < 1e-3);
	assert_true(fabs(r->time - recovery_t) < 1e-3);
	/* The recovery says when the incident opened, replayed or not. */
	assert_true(fabs(a->opened - alert_t) < 1e-3);
	assert_true(fabs(r->opened - alert_t) < 1e-3);
	/* With the temperature episode, if the daemon was up when the rack warmed. */
	assert_int_equal(journal_episodes(journal, SIM_T0, SIM_T0 + 86400, count_notices, &st), episodes);
	assert_int_equal(st.n, 2 * (size_t)episodes);
	assert_int_equal(st.accepted, 2 * (size_t)episodes);
	free(journal);
}

/* The undisturbed run, for the reference times. */
static void reference(double *alert_t, double *recovery_t)
{
	struct sim s;

	sim_prepare(&s, "common.scn", "clim-stop.scn", "clim-stop.scn");
	sim_start(&s, 0);
	sim_run(&s, 86400);
	*alert_t = sim_find(&s, CRIT_COOLING_STATE, NOTIF_ALERT, 0)->time;
	*recovery_t = sim_find(&s, CRIT_COOLING_STATE, NOTIF_RECOVERY, 0)->time;
	sim_stop(&s);
	sim_cleanup(&s);
}

static void crash_in_sink(int kind, bool after_store)
{
	struct sim s;
	double alert_t, recovery_t, died;

	reference(&alert_t, &recovery_t);
	sim_prepare(&s, "common.scn", "clim-stop.scn", "clim-stop.scn");
	died = run_and_kill(&s, CRIT_COOLING_STATE, kind, after_store, -1);
	assert_true(fabs(died - (kind == NOTIF_ALERT ? alert_t : recovery_t)) < 1e-3);
	sim_start(&s, died);
	sim_run(&s, 86400);
	/* Restarted before the recovery, the polls have a new phase: the recovery comes
	 * 120 s after the first poll that sees the unit running again. */
	if (kind == NOTIF_ALERT)
		recovery_t = sim_poll_at(&s, "clim", sim_poll_at(&s, "clim", 10800) + 120);
	check_one_episode(&s, alert_t, recovery_t, 2);
	/* The restart offered the interrupted notice again. */
	assert_true(s.offers >= 1);
	sim_stop(&s);
	sim_cleanup(&s);
}

/* Killed after the sink stored the alert, before the journal recorded it: the restart
 * offers it again and the sink refuses the duplicate. */
static void test_kill_after_sink_accepted_alert(void **state)
{
	crash_in_sink(NOTIF_ALERT, true);
}

/* Killed after the journal decided the alert, before the sink had it: the restart
 * delivers it, with its original time. */
static void test_kill_before_sink_had_alert(void **state)
{
	crash_in_sink(NOTIF_ALERT, false);
}

static void test_kill_after_sink_accepted_recovery(void **state)
{
	crash_in_sink(NOTIF_RECOVERY, true);
}

static void test_kill_before_sink_had_recovery(void **state)
{
	crash_in_sink(NOTIF_RECOVERY, false);
}

/* Killed at 2 h 30 during the incident; the air conditioner restarts at 3 h while the
 * daemon is down; the daemon comes back at 5 h: the recovery is still reported, once,
 * 120 s (clear-hold) after its first poll. The alert is not repeated. */
static void test_recovery_while_down(void **state)
{
	struct sim s;
	double alert_t, recovery_t, first;

	reference(&alert_t, &recovery_t);
	sim_prepare(&s, "common.scn", "clim-stop.scn", "clim-stop.scn");
	run_and_kill(&s, -1, -1, false, 2.5 * 3600);
	sim_start(&s, 5 * 3600);
	sim_run(&s, 86400);
	first = sim_poll_at(&s, "clim", 5 * 3600);
	check_one_episode(&s, alert_t, sim_poll_at(&s, "clim", first + 120), 1);
	sim_stop(&s);
	sim_cleanup(&s);
}

/* Exactly one alert and one recovery of crit, in one incident, the recovery at recovery_t. */
static void check_one_incident(const struct sim *s, enum criterion crit, double recovery_t)
{
	const struct sim_notice *a = sim_find(s, crit, NOTIF_ALERT, 0);
	const struct sim_notice *r = sim_find(s, crit, NOTIF_RECOVERY, 0);

	if (sim_count(s, crit, NOTIF_ALERT) != 1 || sim_count(s, crit, NOTIF_RECOVERY) != 1 ||
	    sim_count(s, crit, -1) != 2 || strcmp(a->id, r->id) != 0 || fabs(r->time - recovery_t) > 1e-3) {
		sim_dump(s);
		fail_msg("%s: expected one alert and one recovery at %.0f", criterion_name(crit), recovery_t);
	}
}

/* Killed at 2 h 30 while dev is silent (2 h to 3 h) and lost, restarted at once: the
 * new poller counts its misses from zero, and those misses must not close the lost
 * contact. One alert, one recovery when it answers again at 3 h. */
static void restart_while_silent(const char *ups, const char *probe, const char *dev)
{
	struct sim s;

	sim_prepare(&s, ups, "common.scn", probe);
	run_and_kill(&s, -1, -1, false, 2.5 * 3600);
	sim_start(&s, 2.5 * 3600);
	assert_int_equal(sim_count(&s, CRIT_CONTACT, NOTIF_ALERT), 1);     /* mailed before the kill */
	sim_run(&s, 86400);
	check_one_incident(&s, CRIT_CONTACT, sim_poll_at(&s, dev, 3 * 3600));
	if (strcmp(dev, "ups") == 0)
		check_one_incident(&s, CRIT_UPS_SOURCE, sim_poll_at(&s, "ups", sim_poll_at(&s, "ups", 3 * 3600) + 60));
	assert_int_equal(s.n_notices, strcmp(dev, "ups") == 0 ? 4 : 2);
	sim_stop(&s);
	sim_cleanup(&s);
}

static void test_restart_while_probe_silent(void **state)
{
	restart_while_silent("common.scn", "probe-silent.scn", "probe");
}

/* The same for a UPS last seen on battery: its critical lost contact, and its on-battery
 * incident that recovers 60 s after it answers, on mains. */
static void test_restart_while_ups_silent(void **state)
{
	restart_while_silent("ups-silent.scn", "common.scn", "ups");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kill_after_sink_accepted_alert),
		cmocka_unit_test(test_kill_before_sink_had_alert),
		cmocka_unit_test(test_kill_after_sink_accepted_recovery),
		cmocka_unit_test(test_kill_before_sink_had_recovery),
		cmocka_unit_test(test_recovery_while_down),
		cmocka_unit_test(test_restart_while_probe_silent),
		cmocka_unit_test(test_restart_while_ups_silent),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
