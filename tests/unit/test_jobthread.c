/* test_jobthread.c — the worker thread the NUT and IPMI drivers run their blocking
 * calls on: jobs run one at a time, in order, off the calling thread, each handed back
 * through the pipe; a stop waits for the job running; a job never taken is returned. */
#include <config.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdbool.h>
#include <unistd.h>

#include "jobthread.h"

struct job {
	int n;
	pthread_t ran_on;
	bool done;
};

struct ctx {
	pthread_mutex_t gate;   /* held by the test to keep a job running */
	int runs;
};

static void run(void *arg, void *j)
{
	struct ctx *c = arg;
	struct job *job = j;

	pthread_mutex_lock(&c->gate);
	job->ran_on = pthread_self();
	job->done = true;
	c->runs++;
	pthread_mutex_unlock(&c->gate);
}

static struct job *back(int fd)
{
	struct job *j = NULL;

	assert_int_equal(read(fd, &j, sizeof(j)), (ssize_t)sizeof(j));
	return j;
}

static struct jobthread *start(struct ctx *c, int fds[2])
{
	struct jobthread *t;
	int rc = -1;

	assert_int_equal(pipe(fds), 0);
	t = jobthread_start(run, c, fds[1], &rc);
	assert_non_null(t);
	assert_int_equal(rc, 0);
	return t;
}

static void finish(int fds[2])
{
	close(fds[0]);
	close(fds[1]);
}

static void test_jobs_in_order_off_thread(void **state)
{
	struct ctx c = { PTHREAD_MUTEX_INITIALIZER, 0 };
	struct job jobs[3] = { { .n = 0 }, { .n = 1 }, { .n = 2 } };
	int fds[2];
	struct jobthread *t = start(&c, fds);

	(void)state;
	for (int i = 0; i < 3; i++) {   /* one job out at a time, as the drivers do */
		jobthread_submit(t, &jobs[i]);
		assert_ptr_equal(back(fds[0]), &jobs[i]);
		assert_true(jobs[i].done);
		assert_false(pthread_equal(jobs[i].ran_on, pthread_self()));
	}
	assert_null(jobthread_join(t));
	assert_int_equal(c.runs, 3);
	finish(fds);
}

/* Stopped while a job runs: the join waits for it (its pointer is in the pipe);
 * a job queued behind a stop is never run and comes back from the join. */
static void test_stop_during_a_job(void **state)
{
	struct ctx c = { PTHREAD_MUTEX_INITIALIZER, 0 };
	struct job running = { .n = 1 }, queued = { .n = 2 };
	int fds[2];
	struct jobthread *t = start(&c, fds);

	(void)state;
	pthread_mutex_lock(&c.gate);
	jobthread_submit(t, &running);
	usleep(50 * 1000);              /* the worker has taken it and waits on the gate */
	jobthread_stop(t);
	jobthread_submit(t, &queued);
	pthread_mutex_unlock(&c.gate);
	assert_ptr_equal(jobthread_join(t), &queued);
	assert_ptr_equal(back(fds[0]), &running);
	assert_false(queued.done);
	assert_int_equal(c.runs, 1);
	assert_null(jobthread_join(NULL));
	finish(fds);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_jobs_in_order_off_thread),
		cmocka_unit_test(test_stop_during_a_job),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
