/* sched.c — timers in a binary min-heap ordered by (due time, insertion order), fds
 * through epoll(7), signals through a self-pipe. Only the loop thread calls it.
 * epoll rather than poll: a court polls a few dozen devices, but one SNMP session is one
 * socket, and a turn of poll(2) costs every registered fd; epoll costs the ready ones. */
#include <config.h>

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/epoll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "sched.h"
#include "xmem.h"

struct sched_timer {
	int64_t due_ms;
	uint64_t seq;          /* keeps timers due at the same time in insertion order */
	size_t heap_index;
	sched_timer_fn fn;
	void *arg;
};

/* Handlers are indexed by fd. gen tells a handler from an earlier one of the same fd
 * number, so that an event read before a handler was replaced is not given to the new. */
struct fd_handler {
	sched_fd_fn fn;
	void *arg;
	uint32_t gen;
	bool used;
};

struct signal_handler {
	int signo;
	sched_signal_fn fn;
	void *arg;
};

static struct {
	struct sched_timer **heap;
	size_t n_timers, cap_timers;
	uint64_t next_seq;
	int epfd;
	struct fd_handler *fds;     /* by fd number */
	size_t n_fds, cap_handlers;
	uint32_t next_gen;
	struct signal_handler signals[16];
	size_t n_signals;
	int sig_pipe[2];
	bool stop;
	struct sched_timer *running;   /* timer whose callback is executing */
	bool running_deleted;
} S = { .epfd = -1, .sig_pipe = { -1, -1 } };

/* ------------------------------------------------------------------ timer heap */

static bool before(const struct sched_timer *a, const struct sched_timer *b)
{
	return a->due_ms < b->due_ms || (a->due_ms == b->due_ms && a->seq < b->seq);
}

static void heap_set(size_t i, struct sched_timer *t)
{
	S.heap[i] = t;
	t->heap_index = i;
}

static void sift_up(size_t i)
{
	struct sched_timer *t = S.heap[i];

	while (i > 0 && before(t, S.heap[(i - 1) / 2])) {
		heap_set(i, S.heap[(i - 1) / 2]);
		i = (i - 1) / 2;
	}
	heap_set(i, t);
}

static void sift_down(size_t i)
{
	struct sched_timer *t = S.heap[i];

	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= S.n_timers)
			break;
		if (c + 1 < S.n_timers && before(S.heap[c + 1], S.heap[c]))
			c++;
		if (!before(S.heap[c], t))
			break;
		heap_set(i, S.heap[c]);
		i = c;
	}
	heap_set(i, t);
}

static void heap_push(struct sched_timer *t)
{
	S.heap = xgrow(S.heap, &S.cap_timers, S.n_timers + 1, sizeof(*S.heap));
	S.heap[S.n_timers] = t;
	t->heap_index = S.n_timers++;
	sift_up(t->heap_index);
}

static void heap_remove(struct sched_timer *t)
{
	size_t i = t->heap_index;
	struct sched_timer *last = S.heap[--S.n_timers];

	t->heap_index = (size_t)-1;
	if (i == S.n_timers)
		return;
	heap_set(i, last);
	sift_up(i);
	sift_down(last->heap_index);
}

struct sched_timer *sched_add_timer(int64_t delay_ms, sched_timer_fn fn, void *arg)
{
	struct sched_timer *t = xcalloc(1, sizeof(*t));

	assert(delay_ms >= 0);
	t->due_ms = clock_mono_ms() + delay_ms;
	t->seq = S.next_seq++;
	t->fn = fn;
	t->arg = arg;
	heap_push(t);
	return t;
}

void sched_del_timer(struct sched_timer *t)
{
	if (!t)
		return;
	if (t == S.running) {
		/* Deleted from its own callback: dispatch_timers frees it after the call. */
		S.running_deleted = true;
		return;
	}
	heap_remove(t);
	free(t);
}

void sched_reschedule(struct sched_timer *t, int64_t delay_ms)
{
	assert(t != S.running && delay_ms >= 0);
	heap_remove(t);
	t->due_ms = clock_mono_ms() + delay_ms;
	t->seq = S.next_seq++;
	heap_push(t);
}

int64_t sched_timer_due(const struct sched_timer *t)
{
	return t->due_ms;
}

unsigned sched_timer_count(void)
{
	return (unsigned)S.n_timers;
}

/* Runs every timer due at now; a timer re-armed for 0 ms runs at the next turn. */
static void dispatch_timers(int64_t now)
{
	uint64_t limit = S.next_seq;

	while (S.n_timers > 0 && S.heap[0]->due_ms <= now && S.heap[0]->seq < limit) {
		struct sched_timer *t = S.heap[0];
		int64_t next;

		heap_remove(t);
		S.running = t;
		S.running_deleted = false;
		next = t->fn(t->arg, now);
		S.running = NULL;
		if (next < 0 || S.running_deleted) {
			free(t);
			continue;
		}
		t->due_ms = now + next;
		t->seq = S.next_seq++;
		heap_push(t);
	}
}

/* ------------------------------------------------------------------ descriptors */

static struct fd_handler *handler_of(int fd)
{
	return fd >= 0 && (size_t)fd < S.cap_handlers && S.fds[fd].used ? &S.fds[fd] : NULL;
}

static uint32_t to_epoll(unsigned events)
{
	return ((events & SCHED_READ) ? EPOLLIN : 0u) | ((events & SCHED_WRITE) ? EPOLLOUT : 0u);
}

static int epoll_set(int op, int fd, unsigned events, uint32_t gen)
{
	struct epoll_event ev = { .events = to_epoll(events) };

	ev.data.u64 = (uint64_t)gen << 32 | (uint32_t)fd;
	return epoll_ctl(S.epfd, op, fd, &ev);
}

int sched_add_fd(int fd, unsigned events, sched_fd_fn fn, void *arg)
{
	uint32_t gen = S.next_gen++;

	if (fd < 0 || handler_of(fd))
		return -1;
	if (epoll_set(EPOLL_CTL_ADD, fd, events, gen) < 0) {
		log_err("epoll_ctl(add %d): %s", fd, strerror(errno));
		return -1;
	}
	if ((size_t)fd >= S.cap_handlers) {
		size_t old_cap = S.cap_handlers;

		S.fds = xgrow(S.fds, &S.cap_handlers, (size_t)fd + 1, sizeof(*S.fds));
		memset(S.fds + old_cap, 0, (S.cap_handlers - old_cap) * sizeof(*S.fds));
	}
	S.fds[fd] = (struct fd_handler){ fn, arg, gen, true };
	S.n_fds++;
	return 0;
}

void sched_set_fd_events(int fd, unsigned events)
{
	struct fd_handler *h = handler_of(fd);

	if (h && epoll_set(EPOLL_CTL_MOD, fd, events, h->gen) < 0)
		log_err("epoll_ctl(mod %d): %s", fd, strerror(errno));
}

void sched_del_fd(int fd)
{
	struct fd_handler *h = handler_of(fd);

	if (!h)
		return;
	/* Fails harmlessly when the caller closed fd first: closing removed it. */
	(void)epoll_ctl(S.epfd, EPOLL_CTL_DEL, fd, NULL);
	h->used = false;
	S.n_fds--;
}

unsigned sched_fd_count(void)
{
	return (unsigned)S.n_fds;
}

/* Handlers may add or remove fds, their own or others, while the batch is dispatched:
 * each event is checked against the handler registered now. */
static void dispatch_fds(const struct epoll_event *evs, int n)
{
	for (int i = 0; i < n; i++) {
		int fd = (int)(uint32_t)evs[i].data.u64;
		uint32_t gen = (uint32_t)(evs[i].data.u64 >> 32), re = evs[i].events;
		struct fd_handler *h = handler_of(fd);

		if (!h || h->gen != gen)
			continue;
		h->fn(h->arg, fd, ((re & (EPOLLIN | EPOLLHUP | EPOLLERR)) ? SCHED_READ : 0) |
			((re & EPOLLOUT) ? SCHED_WRITE : 0));
	}
}

/* ------------------------------------------------------------------ signals */

static void on_signal(int signo)
{
	unsigned char b = (unsigned char)signo;
	int saved = errno;

	/* A full pipe means a wake-up is already pending: dropping the byte is fine. */
	if (write(S.sig_pipe[1], &b, 1) < 0) {
	}
	errno = saved;
}

static void dispatch_signals(void *arg, int fd, unsigned events)
{
	unsigned char buf[32];
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) > 0)
		for (ssize_t i = 0; i < n; i++)
			for (size_t h = 0; h < S.n_signals; h++)
				if (S.signals[h].signo == buf[i])
					S.signals[h].fn(S.signals[h].arg, buf[i]);
}

int sched_on_signal(int signo, sched_signal_fn fn, void *arg)
{
	struct sigaction sa;

	if (S.n_signals == ARRAY_SIZE(S.signals))
		return -1;
	S.signals[S.n_signals++] = (struct signal_handler){ signo, fn, arg };
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	return sigaction(signo, &sa, NULL);
}

/* ------------------------------------------------------------------ the loop */

int sched_init(void)
{
	S.epfd = epoll_create1(EPOLL_CLOEXEC);
	if (S.epfd < 0 || pipe2(S.sig_pipe, O_CLOEXEC | O_NONBLOCK) < 0)
		return -1;
	S.stop = false;
	return sched_add_fd(S.sig_pipe[0], SCHED_READ, dispatch_signals, NULL);
}

void sched_fini(void)
{
	for (size_t i = 0; i < S.n_signals; i++)
		signal(S.signals[i].signo, SIG_DFL);
	S.n_signals = 0;
	while (S.n_timers > 0) {
		struct sched_timer *t = S.heap[0];

		heap_remove(t);
		free(t);
	}
	free(S.heap);
	free(S.fds);
	if (S.sig_pipe[0] >= 0) {
		close(S.sig_pipe[0]);
		close(S.sig_pipe[1]);
	}
	if (S.epfd >= 0)
		close(S.epfd);
	memset(&S, 0, sizeof(S));
	S.epfd = S.sig_pipe[0] = S.sig_pipe[1] = -1;
}

void sched_stop(void)
{
	S.stop = true;
}

/* How long epoll_wait may sleep: until the next timer, within max_wait_ms (-1 = no limit). */
static int poll_timeout(int64_t now, int64_t max_wait_ms)
{
	int64_t wait = max_wait_ms;

	if (S.n_timers > 0) {
		int64_t until = S.heap[0]->due_ms - now;

		if (until < 0)
			until = 0;
		if (wait < 0 || until < wait)
			wait = until;
	}
	if (clock_is_virtual())
		return 0;
	return wait > 60000 || wait < 0 ? 60000 : (int)wait;
}

int sched_run_once(int64_t max_wait_ms)
{
	struct epoll_event evs[64];
	int64_t now = clock_mono_ms();
	int ready = epoll_wait(S.epfd, evs, ARRAY_SIZE(evs), poll_timeout(now, max_wait_ms));

	if (ready < 0 && errno != EINTR) {
		log_err("epoll_wait: %s", strerror(errno));
		return -1;
	}
	if (ready > 0)
		dispatch_fds(evs, ready);
	/* Virtual time: nothing else to do now, so jump to the next timer. */
	if (clock_is_virtual() && ready <= 0 && S.n_timers > 0 && S.heap[0]->due_ms > now) {
		int64_t jump = S.heap[0]->due_ms - now;

		if (max_wait_ms >= 0 && jump > max_wait_ms)
			jump = max_wait_ms;
		clock_virtual_advance_ms(jump);
	}
	dispatch_timers(clock_mono_ms());
	return 0;
}

int sched_run(void)
{
	S.stop = false;
	while (!S.stop) {
		/* In virtual time an empty timer heap means nothing can ever happen again. */
		if (clock_is_virtual() && S.n_timers == 0)
			break;
		if (sched_run_once(-1) < 0)
			return -1;
	}
	return 0;
}

int sched_run_until(int64_t until_ms)
{
	S.stop = false;
	while (!S.stop) {
		int64_t now = clock_mono_ms();

		if (now >= until_ms)
			break;
		if (sched_run_once(until_ms - now) < 0)
			return -1;
	}
	return 0;
}
