/* sched.h — the daemon's single event loop: timers on the monotonic clock, file
 * descriptor handlers and signals. With a virtual clock it jumps to the next timer
 * instead of sleeping, so a day of polling runs in milliseconds in tests. */
#ifndef SCHED_H
#define SCHED_H

#include <stdbool.h>
#include <stdint.h>

#define SCHED_READ 1u
#define SCHED_WRITE 2u
/* A timer callback returns the delay to its next run in ms, or SCHED_STOP. */
#define SCHED_STOP (-1)

struct sched_timer;

typedef int64_t (*sched_timer_fn)(void *arg, int64_t now_ms);
typedef void (*sched_fd_fn)(void *arg, int fd, unsigned events);
typedef void (*sched_signal_fn)(void *arg, int signo);

int sched_init(void);
void sched_fini(void);

/* Runs fn in delay_ms (>= 0), then again after each delay it returns. The handle stays
 * valid until the timer stops (fn returned SCHED_STOP or sched_del_timer). */
struct sched_timer *sched_add_timer(int64_t delay_ms, sched_timer_fn fn, void *arg);
void sched_del_timer(struct sched_timer *t);
/* Moves a pending timer to fire in delay_ms. */
void sched_reschedule(struct sched_timer *t, int64_t delay_ms);
int64_t sched_timer_due(const struct sched_timer *t);

/* Watches fd for events (SCHED_READ | SCHED_WRITE); one handler per fd. */
int sched_add_fd(int fd, unsigned events, sched_fd_fn fn, void *arg);
void sched_set_fd_events(int fd, unsigned events);
void sched_del_fd(int fd);

/* Calls fn from the loop (not from the signal handler) when signo arrives. */
int sched_on_signal(int signo, sched_signal_fn fn, void *arg);

/* Runs until sched_stop(). Returns 0, or -1 on a fatal poll error. */
int sched_run(void);
/* One turn: waits at most max_wait_ms (-1 = until the next timer) and dispatches. */
int sched_run_once(int64_t max_wait_ms);
/* Runs until the (virtual or real) monotonic clock reaches until_ms, or sched_stop(). */
int sched_run_until(int64_t until_ms);
void sched_stop(void);
/* Number of timers and fds still registered (tests check the loop drains). */
unsigned sched_timer_count(void);
unsigned sched_fd_count(void);

#endif
