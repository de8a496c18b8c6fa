/* jobthread.h — one worker thread that runs blocking jobs one at a time for a driver's
 * device (a BMC session, ...) and hands each finished job back to the loop thread
 * through a pipe the driver owns. The job is an opaque pointer; the thread never
 * touches the loop's state. */
#ifndef JOBTHREAD_H
#define JOBTHREAD_H

#include <stdbool.h>

struct jobthread;

/* run(ctx, job) is called on the worker thread for each job; when it returns, the job
 * pointer is written to done_fd (atomically: a pointer is below PIPE_BUF). All signals
 * are blocked in the thread. NULL if the thread cannot start (errno-like code in *rc). */
struct jobthread *jobthread_start(void (*run)(void *ctx, void *job), void *ctx, int done_fd, int *rc);
/* Queues one job; the caller keeps at most one job out at a time. */
void jobthread_submit(struct jobthread *t, void *job);
/* Tells the thread to stop after its current job (does not wait). */
void jobthread_stop(struct jobthread *t);
/* Stops, joins and frees the thread; returns the job it never took (or NULL). Waits at
 * most for the job running, if any. */
void *jobthread_join(struct jobthread *t);

#endif
