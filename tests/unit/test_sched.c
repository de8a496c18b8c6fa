/* test_sched.c — the event loop and the virtual clock. */
#include <config.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "sched.h"

struct counter {
	int fired;
	int64_t last_ms;
	int64_t period_ms;
	int limit;            /* stop after this many (0 = never) */
};

static int64_t periodic(void *arg, int64_t now_ms)
{
	struct counter *c = arg;

	/* Fires exactly on its period: no drift from the loop's own work. */
	if (c->fired > 0)
		assert_int_equal(now_ms - c->last_ms, c->period_ms);
	c->last_ms = now_ms;
	c->fired++;
	return c->limit && c->fired >= c->limit ? SCHED_STOP : c->period_ms;
}

static double real_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int setup(void **state)
{
	clock_virtual_start(1767225600.0); /* 2026-01-01 00:00:00 UTC */
	return sched_init();
}

static int teardown(void **state)
{
	sched_fini();
	clock_virtual_stop();
	return 0;
}

/* 24 h of a 30 s timer: 2880 runs, in virtual time, in well under a second. */
static void test_day_of_polling(void **state)
{
	struct counter c = { .period_ms = 30000 };
	double t0 = real_seconds(), elapsed;

	sched_add_timer(30000, periodic, &c);
	assert_int_equal(sched_run_until(24 * 3600 * 1000), 0);
	elapsed = real_seconds() - t0;
	assert_int_equal(c.fired, 2880);
	assert_int_equal(clock_mono_ms(), 24 * 3600 * 1000);
	assert_true(clock_wall() == 1767225600.0 + 86400.0);
	print_message("2880 timer runs in %.3f s of real time\n", elapsed);
	assert_true(elapsed < 1.0);
}

static int order[8];
static int n_order;

static int64_t record(void *arg, int64_t now_ms)
{
	order[n_order++] = (int)(intptr_t)arg;
	return SCHED_STOP;
}

/* Timers due at the same time run in the order they were added. */
static void test_same_time_order(void **state)
{
	n_order = 0;
	sched_add_timer(100, record, (void *)3);
	sched_add_timer(50, record, (void *)1);
	sched_add_timer(100, record, (void *)4);
	sched_add_timer(50, record, (void *)2);
	assert_int_equal(sched_run(), 0);
	assert_int_equal(n_order, 4);
	for (int i = 0; i < 4; i++)
		assert_int_equal(order[i], i + 1);
	assert_int_equal(sched_timer_count(), 0);
}

static struct sched_timer *victim;

static int64_t kill_other(void *arg, int64_t now_ms)
{
	sched_del_timer(victim);
	return SCHED_STOP;
}

static int64_t delete_self(void *arg, int64_t now_ms)
{
	struct counter *c = arg;

	c->fired++;
	sched_del_timer(victim);   /* victim is this very timer */
	return 1000;               /* ignored: the timer was deleted */
}

static void test_delete(void **state)
{
	struct counter c = { .period_ms = 10 };

	victim = sched_add_timer(200, periodic, &c);
	sched_add_timer(100, kill_other, NULL);
	assert_int_equal(sched_run(), 0);
	assert_int_equal(c.fired, 0);

	c.fired = 0;
	victim = sched_add_timer(10, delete_self, &c);
	assert_int_equal(sched_run(), 0);
	assert_int_equal(c.fired, 1);
	assert_int_equal(sched_timer_count(), 0);
}

static void test_reschedule(void **state)
{
	struct counter c = { .period_ms = 1000, .limit = 1 };
	struct sched_timer *t = sched_add_timer(1000, periodic, &c);
	int64_t start = clock_mono_ms();

	sched_reschedule(t, 5000);
	assert_int_equal(sched_timer_due(t), start + 5000);
	assert_int_equal(sched_run_until(start + 4999), 0);
	assert_int_equal(c.fired, 0);
	assert_int_equal(sched_run_until(start + 5000), 0);
	assert_int_equal(c.fired, 1);
}

static void on_readable(void *arg, int fd, unsigned events)
{
	int *got = arg;
	char b;

	assert_true(events & SCHED_READ);
	assert_int_equal(read(fd, &b, 1), 1);
	*got = b;
	sched_del_fd(fd);
}

static void test_fd_handler(void **state)
{
	int fds[2], got = 0;

	assert_int_equal(pipe(fds), 0);
	assert_int_equal(sched_add_fd(fds[0], SCHED_READ, on_readable, &got), 0);
	assert_int_equal(sched_add_fd(fds[0], SCHED_READ, on_readable, &got), -1);
	assert_int_equal(write(fds[1], "x", 1), 1);
	assert_int_equal(sched_run_once(0), 0);
	assert_int_equal(got, 'x');
	assert_int_equal(sched_fd_count(), 1); /* the signal pipe only */
	close(fds[0]);
	close(fds[1]);
}

/* Two ready pipes; whichever handler runs first closes the other pipe and registers a
 * fresh, empty one, which takes the closed fd number: the event already read for the
 * old pipe must not reach the new handler. */
struct swap {
	int a[2], b[2], fresh[2];
	int calls, fresh_calls;
};

static void on_fresh(void *arg, int fd, unsigned events)
{
	((struct swap *)arg)->fresh_calls++;
}

static void on_swap(void *arg, int fd, unsigned events)
{
	struct swap *sw = arg;
	int *other = fd == sw->a[0] ? sw->b : sw->a;

	sw->calls++;
	sched_del_fd(fd);
	if (sw->calls > 1)
		return;
	sched_del_fd(other[0]);
	close(other[0]);
	assert_int_equal(pipe(sw->fresh), 0);
	assert_int_equal(sw->fresh[0], other[0]);   /* the lowest free number comes back */
	assert_int_equal(sched_add_fd(sw->fresh[0], SCHED_READ, on_fresh, sw), 0);
	other[0] = -1;
}

static void test_fd_replaced_during_dispatch(void **state)
{
	struct swap sw = { .calls = 0 };

	assert_int_equal(pipe(sw.a), 0);
	assert_int_equal(pipe(sw.b), 0);
	assert_int_equal(sched_add_fd(sw.a[0], SCHED_READ, on_swap, &sw), 0);
	assert_int_equal(sched_add_fd(sw.b[0], SCHED_READ, on_swap, &sw), 0);
	assert_int_equal(write(sw.a[1], "x", 1), 1);
	assert_int_equal(write(sw.b[1], "y", 1), 1);
	assert_int_equal(sched_run_once(0), 0);
	assert_int_equal(sw.calls, 1);
	assert_int_equal(sw.fresh_calls, 0);
	sched_del_fd(sw.fresh[0]);
	{
		int all[] = { sw.a[0], sw.a[1], sw.b[0], sw.b[1], sw.fresh[0], sw.fresh[1] };

		for (size_t k = 0; k < sizeof(all) / sizeof(all[0]); k++)
			if (all[k] >= 0)
				close(all[k]);
	}
}

/* More descriptors than select()'s FD_SETSIZE (1024): one SNMP session is one socket. */
static void test_many_fds(void **state)
{
	enum { N = 1100 };
	static int pipes[N][2];
	struct rlimit rl;
	int got = 0, opened = 0;

	assert_int_equal(getrlimit(RLIMIT_NOFILE, &rl), 0);
	if (rl.rlim_cur < 2 * N + 64) {
		rl.rlim_cur = rl.rlim_max < 2 * N + 64 ? rl.rlim_max : 2 * N + 64;
		assert_int_equal(setrlimit(RLIMIT_NOFILE, &rl), 0);
	}
	if (rl.rlim_cur < 2 * N + 64)
		skip();
	for (; opened < N; opened++) {
		assert_int_equal(pipe(pipes[opened]), 0);
		assert_int_equal(sched_add_fd(pipes[opened][0], SCHED_READ, on_readable, &got), 0);
	}
	assert_true(pipes[N - 1][0] >= 1024);
	assert_int_equal(write(pipes[N - 1][1], "z", 1), 1);
	assert_int_equal(sched_run_once(0), 0);
	assert_int_equal(got, 'z');
	assert_int_equal(sched_fd_count(), N);   /* N - 1 pipes and the signal pipe */
	for (int k = 0; k < N; k++) {
		sched_del_fd(pipes[k][0]);
		close(pipes[k][0]);
		close(pipes[k][1]);
	}
}

static void on_hup(void *arg, int signo)
{
	*(int *)arg = signo;
	sched_stop();
}

/* A signal is handled in the loop, not in the signal handler. */
static void test_signal(void **state)
{
	int got = 0;

	assert_int_equal(sched_on_signal(SIGHUP, on_hup, &got), 0);
	raise(SIGHUP);
	assert_int_equal(got, 0);
	assert_int_equal(sched_run_once(0), 0);
	assert_int_equal(got, SIGHUP);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_day_of_polling, setup, teardown),
		cmocka_unit_test_setup_teardown(test_same_time_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_delete, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reschedule, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fd_handler, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fd_replaced_during_dispatch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_many_fds, setup, teardown),
		cmocka_unit_test_setup_teardown(test_signal, setup, teardown),
	};

	return cmocka_run_group_tests_name("sched", tests, NULL, NULL);
}
