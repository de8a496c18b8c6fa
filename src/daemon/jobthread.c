/* jobthread.c — see jobthread.h. */
#include <config.h>

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include "jobthread.h"
#include "xmem.h"

struct jobthread {
	void (*run)(void *ctx, void *job);
	void *ctx;
	int done_fd;
	pthread_t thread;
	pthread_mutex_t mu;   /* guards job and stop */
	pthread_cond_t cv;
	void *job;
	bool stop;
};

static void *take(struct jobthread *t)
{
	void *job;

	pthread_mutex_lock(&t->mu);
	while (!t->job && !t->stop)
		pthread_cond_wait(&t->cv, &t->mu);
	job = t->stop ? NULL : t->job;
	if (job)
		t->job = NULL;
	pthread_mutex_unlock(&t->mu);
	return job;
}

static void *thread_main(void *arg)
{
	struct jobthread *t = arg;
	void *job;

	while ((job = take(t)) != NULL) {
		ssize_t n;

		t->run(t->ctx, job);
		do
			n = write(t->done_fd, &job, sizeof(job));
		while (n < 0 && errno == EINTR);
	}
	return NULL;
}

struct jobthread *jobthread_start(void (*run)(void *ctx, void *job), void *ctx, int done_fd, int *rc)
{
	struct jobthread *t = xcalloc(1, sizeof(*t));
	sigset_t all, old;

	t->run = run;
	t->ctx = ctx;
	t->done_fd = done_fd;
	pthread_mutex_init(&t->mu, NULL);
	pthread_cond_init(&t->cv, NULL);
	/* Signals stay with the loop thread. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	*rc = pthread_create(&t->thread, NULL, thread_main, t);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (*rc != 0) {
		pthread_mutex_destroy(&t->mu);
		pthread_cond_destroy(&t->cv);
		free(t);
		return NULL;
	}
	return t;
}

void jobthread_submit(struct jobthread *t, void *job)
{
	pthread_mutex_lock(&t->mu);
	t->job = job;
	pthread_cond_signal(&t->cv);
	pthread_mutex_unlock(&t->mu);
}

void jobthread_stop(struct jobthread *t)
{
	pthread_mutex_lock(&t->mu);
	t->stop = true;
	pthread_cond_signal(&t->cv);
	pthread_mutex_unlock(&t->mu);
}

void *jobthread_join(struct jobthread *t)
{
	void *left;

	if (!t)
		return NULL;
	jobthread_stop(t);
	pthread_join(t->thread, NULL);
	left = t->job;
	pthread_mutex_destroy(&t->mu);
	pthread_cond_destroy(&t->cv);
	free(t);
	return left;
}
