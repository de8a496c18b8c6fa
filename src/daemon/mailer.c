/* mailer.c — the mailer thread: the queue of the spool's new/, sent in order per
 * incident, with a per-incident hourly limit, capped exponential backoff when the server
 * is down, and a separate backoff for a message the server refused. One SMTP session
 * is smtpsend.c's; TLS is tlsbridge.c's. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "mailer.h"
#include "smtpsend.h"
#include "tlsbridge.h"
#include "xmem.h"

struct mailer {
	struct spool *spool;
	struct smtpsend_settings ms;
	struct mailer_options opt;
	SSL_CTX *ssl;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool stop, kicked;
	struct mailer_status st;         /* under lock */
	double last_prune;
	struct refused {                 /* messages the server refused (5xx): retried alone */
		char name[96];
		double next;
		unsigned backoff_s;
	} *refused;
	size_t n_refused, cap_refused;
	struct watched {                 /* messages someone waits for (test mail), under lock */
		char name[96];
		enum mailer_outcome outcome;
		bool drop_on_failure;
		char reply[600];
	} watched[MAILER_MAX_WATCHED];
	size_t next_watched;             /* the slot mailer_watch takes next (oldest first) */
	struct recent {                  /* what the server took during the last hour, and what */
		char name[96];           /* it took that is still in new/: sent/ may have kept */
		char incident[80];       /* no trace of it (mailer thread only) */
		double at;
	} *recent;
	size_t n_recent, cap_recent;
};

void mailer_default_options(struct mailer_options *opt)
{
	opt->retry_min_s = 30;
	opt->retry_max_s = 3600;
	opt->keep_sent_days = 7;
}

unsigned mailer_backoff(unsigned prev_s, const struct mailer_options *opt)
{
	unsigned next = prev_s == 0 ? opt->retry_min_s : prev_s * 2;

	if (next < opt->retry_min_s || (prev_s != 0 && next / 2 != prev_s))
		next = opt->retry_max_s;             /* overflow */
	return next > opt->retry_max_s ? opt->retry_max_s : next;
}

/* ------------------------------------------------------------------ the thread */

static double oldest_age(const struct spool_entry *v, int n, double now)
{
	double oldest = 0;

	for (int i = 0; i < n; i++)
		if (now - v[i].mtime > oldest)
			oldest = now - v[i].mtime;
	return oldest;
}

static struct recent *recent_find(struct mailer *m, const char *name)
{
	for (size_t i = 0; i < m->n_recent; i++)
		if (strcmp(m->recent[i].name, name) == 0)
			return &m->recent[i];
	return NULL;
}

/* The server took name: remembered whatever becomes of the file. */
static void recent_note(struct mailer *m, const char *name)
{
	struct recent *r = recent_find(m, name);
	const char *dot = strrchr(name, '.');

	if (!r) {
		m->recent = xgrow(m->recent, &m->cap_recent, m->n_recent + 1, sizeof(*r));
		r = &m->recent[m->n_recent++];
	}
	snprintf(r->name, sizeof(r->name), "%s", name);
	snprintf(r->incident, sizeof(r->incident), "%.*s", dot ? (int)(dot - name) : (int)strlen(name), name);
	r->at = clock_wall();
}

static bool listed(const struct spool_entry *v, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (strcmp(v[i].name, name) == 0)
			return true;
	return false;
}

/* Forgets sends older than the rate limit's hour, unless the file is still in new/
 * (a sent message that could be neither moved nor deleted must never go again). */
static void recent_prune(struct mailer *m, const struct spool_entry *v, int n, double now)
{
	size_t kept = 0;

	for (size_t i = 0; i < m->n_recent; i++)
		if (now - m->recent[i].at < 3600 || listed(v, n, m->recent[i].name))
			m->recent[kept++] = m->recent[i];
	m->n_recent = kept;
}

/* Drops from v what the server already took (still in new/ after a file error). */
static int without_sent(struct mailer *m, struct spool_entry *v, int n)
{
	int kept = 0;

	for (int i = 0; i < n; i++)
		if (!recent_find(m, v[i].name))
			v[kept++] = v[i];
	return kept;
}

/* Messages of this incident sent during the last hour: sent/ mtimes survive restarts,
 * the memory of this run holds when sent/ cannot keep them (removed, full disk). */
static unsigned sent_last_hour(const struct mailer *m, const struct spool_entry *sent, int n_sent,
	const char *incident, double now)
{
	unsigned count = 0;

	for (int i = 0; i < n_sent; i++)
		if (strcmp(sent[i].incident, incident) == 0 && now - sent[i].mtime < 3600)
			count++;
	for (size_t i = 0; i < m->n_recent; i++)
		if (strcmp(m->recent[i].incident, incident) == 0 && now - m->recent[i].at < 3600 &&
		    !listed(sent, n_sent, m->recent[i].name))
			count++;
	return count;
}

static void set_error(struct mailer *m, const char *name, const char *why, bool server_down)
{
	double now = clock_wall();

	pthread_mutex_lock(&m->lock);
	snprintf(m->st.last_error, sizeof(m->st.last_error), "%.96s: %.400s", name, why);
	m->st.failures++;
	m->st.last_failure = now;
	if (server_down) {
		m->st.backoff_s = mailer_backoff(m->st.backoff_s, &m->opt);
		m->st.next_attempt = now + m->st.backoff_s;
	}
	pthread_mutex_unlock(&m->lock);
}

static struct refused *refused_find(struct mailer *m, const char *name)
{
	for (size_t i = 0; i < m->n_refused; i++)
		if (strcmp(m->refused[i].name, name) == 0)
			return &m->refused[i];
	return NULL;
}

/* A refused message waits for its own backoff, so that it does not hold back the rest. */
static void refused_note(struct mailer *m, const char *name)
{
	struct refused *r = refused_find(m, name);

	if (!r) {
		m->refused = xgrow(m->refused, &m->cap_refused, m->n_refused + 1, sizeof(*r));
		r = &m->refused[m->n_refused++];
		*r = (struct refused){ .backoff_s = 0 };
		snprintf(r->name, sizeof(r->name), "%s", name);
	}
	r->backoff_s = mailer_backoff(r->backoff_s, &m->opt);
	r->next = clock_wall() + r->backoff_s;
}

static void set_sent(struct mailer *m)
{
	pthread_mutex_lock(&m->lock);
	m->st.sent++;
	m->st.last_success = clock_wall();
	m->st.backoff_s = 0;
	m->st.next_attempt = 0;
	pthread_mutex_unlock(&m->lock);
}

/* Under lock. */
static struct watched *watched_find(struct mailer *m, const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(m->watched); i++)
		if (m->watched[i].name[0] && strcmp(m->watched[i].name, name) == 0)
			return &m->watched[i];
	return NULL;
}

/* The outcome for whoever waits for name; a watched message that must not be retried
 * (a test mail: sent later, it would answer a question nobody asks any more) leaves
 * new/ when it failed. */
static void watched_note(struct mailer *m, const char *name, enum smtpsend_result res,
	const char *reply)
{
	struct watched *w;
	bool drop = false;

	pthread_mutex_lock(&m->lock);
	if ((w = watched_find(m, name))) {
		w->outcome = res == SMTPSEND_OK ? MAILER_SENT : MAILER_FAILED;
		snprintf(w->reply, sizeof(w->reply), "%s", reply);
		drop = res != SMTPSEND_OK && w->drop_on_failure;
	}
	pthread_mutex_unlock(&m->lock);
	if (drop) {
		char *path = spool_file(m->spool, "new", name);
		unlink(path);
		free(path);
	}
}

/* Sends new/name unless another process holds it (envmond --test-mail). false if the
 * server could not be reached: stop this pass. */
static bool send_entry(struct mailer *m, const char *name)
{
	char *path = spool_file(m->spool, "new", name), reply[600];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	enum smtpsend_result res = SMTPSEND_OK;
	struct stat st;

	if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB) < 0 || stat(path, &st) < 0 || recent_find(m, name))
		goto out;                        /* gone, being sent by someone else, or sent */
	res = smtpsend_file(&m->ms, m->ssl, path, reply, sizeof(reply));
	if (res == SMTPSEND_OK) {
		log_info("mail: sent %s: %s", name, reply);
		recent_note(m, name);
		spool_mark_sent(m->spool, name);
		set_sent(m);
	} else {
		log_err("mail: cannot send %s to %s port %u: %s", name, m->ms.server, m->ms.port, reply);
		set_error(m, name, reply, res == SMTPSEND_FAILED);
		if (res == SMTPSEND_REFUSED)
			refused_note(m, name);
	}
	watched_note(m, name, res, reply);
out:
	if (fd >= 0)
		close(fd);
	free(path);
	return res != SMTPSEND_FAILED;
}

static bool stopping(struct mailer *m)
{
	bool stop;

	pthread_mutex_lock(&m->lock);
	stop = m->stop;
	pthread_mutex_unlock(&m->lock);
	return stop;
}

/* Should new/ entry e be sent now? Only the first waiting message of each incident is
 * (order per incident), and not while the incident used its hourly quota: rate-limited
 * mail is delayed, never dropped. */
static bool eligible(struct mailer *m, const struct spool_entry *v, int i,
	const struct spool_entry *sent, int n_sent, double now, size_t *held)
{
	struct refused *r;

	if (i > 0 && strcmp(v[i - 1].incident, v[i].incident) == 0)
		return false;
	if (m->ms.max_per_hour && sent_last_hour(m, sent, n_sent, v[i].incident, now) >= m->ms.max_per_hour) {
		(*held)++;
		return false;
	}
	r = refused_find(m, v[i].name);
	return !r || r->next <= now;
}

static void update_depth(struct mailer *m, size_t held)
{
	struct spool_entry *v = NULL;
	int n = spool_list(m->spool, "new", &v);

	n = without_sent(m, v, n);
	pthread_mutex_lock(&m->lock);
	m->st.depth = n > 0 ? (size_t)n : 0;
	m->st.oldest_age_s = oldest_age(v, n, clock_wall());
	m->st.held = held;
	pthread_mutex_unlock(&m->lock);
	free(v);
}

/* The oldest message of new/ that may go now, or -1. The backlog of an outage then
 * leaves in the order it was queued, which is the journal's, not in the order of the
 * names ("-10" before "-2"); equal times (a coarse file clock) go by the natural order
 * of the names. eligible() still keeps the order within each incident. */
static int oldest_eligible(struct mailer *m, const struct spool_entry *v, int n,
	const struct spool_entry *sent, int n_sent, double now, size_t *held)
{
	int best = -1;

	for (int i = 0; i < n; i++)
		if (eligible(m, v, i, sent, n_sent, now, held) &&
		    (best < 0 || v[i].mtime < v[best].mtime ||
		     (v[i].mtime == v[best].mtime && strverscmp(v[i].name, v[best].name) < 0)))
			best = i;
	return best;
}

/* One pass over new/: sends the oldest message that may go, again and again while
 * that works. Returns how many messages are still waiting. */
static size_t run_pass(struct mailer *m)
{
	struct spool_entry *v = NULL, *sent = NULL;
	bool progress = true, down = false;
	size_t held = 0, left;

	while (progress && !down && !stopping(m)) {
		int n = spool_list(m->spool, "new", &v), n_sent = spool_list(m->spool, "sent", &sent), i;
		double now = clock_wall();

		held = 0;
		recent_prune(m, v, n, now);
		n = without_sent(m, v, n);
		i = oldest_eligible(m, v, n, sent, n_sent, now, &held);
		progress = i >= 0;
		if (progress && !send_entry(m, v[i].name))
			down = true;                  /* the server is unreachable: back off */
		free(v);
		free(sent);
		v = sent = NULL;
	}
	update_depth(m, held);
	pthread_mutex_lock(&m->lock);
	left = m->st.depth;
	pthread_mutex_unlock(&m->lock);
	return left;
}

/* Condition variables wait on an absolute time of their own clock (CLOCK_MONOTONIC,
 * set in mailer_start); the mailer works in real time, never in virtual time. */
static void deadline_in(struct timespec *ts, double delay_s)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += (time_t)delay_s;
	ts->tv_nsec += (long)((delay_s - floor(delay_s)) * 1e9);
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

/* Under lock. */
static bool watch_pending(const struct mailer *m)
{
	for (size_t i = 0; i < ARRAY_SIZE(m->watched); i++)
		if (m->watched[i].name[0] && m->watched[i].outcome == MAILER_PENDING)
			return true;
	return false;
}

/* Waits until kicked, stopped or delay_s passed; true unless stopping. A kick always
 * wakes the thread while a watched message waits, even during a backoff. */
static bool wait_for_work(struct mailer *m, double delay_s, bool kick_wakes)
{
	struct timespec ts;
	bool stop;

	deadline_in(&ts, delay_s > 0 ? delay_s : 0);
	pthread_mutex_lock(&m->lock);
	while (!m->stop && !((kick_wakes || watch_pending(m)) && m->kicked))
		if (pthread_cond_timedwait(&m->cond, &m->lock, &ts) == ETIMEDOUT)
			break;
	if (kick_wakes || watch_pending(m))
		m->kicked = false;
	stop = m->stop;
	pthread_mutex_unlock(&m->lock);
	return !stop;
}

static void maybe_prune(struct mailer *m)
{
	double now = clock_wall();
	int n;

	if (now - m->last_prune < 3600)
		return;
	m->last_prune = now;
	n = spool_prune(m->spool, m->opt.keep_sent_days * 86400.0, now);
	if (n > 0)
		log_info("mail: pruned %d sent messages older than %u days", n, m->opt.keep_sent_days);
}

/* Watched messages already in new/ go first, whatever the backoff: someone waits. */
static void send_watched(struct mailer *m)
{
	char names[MAILER_MAX_WATCHED][96];
	size_t n = 0;

	pthread_mutex_lock(&m->lock);
	for (size_t i = 0; i < ARRAY_SIZE(m->watched); i++)
		if (m->watched[i].name[0] && m->watched[i].outcome == MAILER_PENDING)
			memcpy(names[n++], m->watched[i].name, sizeof(names[0]));
	pthread_mutex_unlock(&m->lock);
	for (size_t i = 0; i < n && !stopping(m); i++) {
		char *path = spool_file(m->spool, "new", names[i]);

		if (access(path, F_OK) == 0)
			send_entry(m, names[i]);
		free(path);
	}
}

static void *mailer_run(void *arg)
{
	struct mailer *m = arg;
	double next_attempt, delay;
	size_t left;

	for (;;) {
		maybe_prune(m);
		send_watched(m);
		left = run_pass(m);
		pthread_mutex_lock(&m->lock);
		next_attempt = m->st.next_attempt;
		pthread_mutex_unlock(&m->lock);
		/* After a connection failure new mail waits for the backoff too (the server is
		 * down for it as well); otherwise re-check each minute what the rate limit or a
		 * refusal holds back, and wake at once for new mail. */
		delay = next_attempt > 0 ? next_attempt - clock_wall() : left ? 60 : 3600;
		if (!wait_for_work(m, delay, next_attempt <= 0))
			break;
	}
	return NULL;
}

/* ------------------------------------------------------------------ API */

struct mailer *mailer_start(struct spool *sp, const struct config *cfg, const struct mailer_options *opt)
{
	struct mailer *m;
	pthread_condattr_t attr;

	if (!cfg->mail.enabled)
		return NULL;
	m = xcalloc(1, sizeof(*m));
	m->spool = sp;
	smtpsend_settings_copy(&m->ms, &cfg->mail);
	if (opt)
		m->opt = *opt;
	else
		mailer_default_options(&m->opt);
	if (m->ms.tls != MAIL_TLS_NONE && !(m->ssl = tlsbridge_context(m->ms.server, m->ms.ca_file)))
		goto fail;
	pthread_mutex_init(&m->lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&m->cond, &attr);
	pthread_condattr_destroy(&attr);
	if (pthread_create(&m->thread, NULL, mailer_run, m) != 0) {
		log_err("mail: cannot start the mailer thread: %s", strerror(errno));
		pthread_cond_destroy(&m->cond);
		pthread_mutex_destroy(&m->lock);
		goto fail;
	}
	log_info("mail: mailer started for %s port %u (%s)", m->ms.server, m->ms.port,
		m->ms.tls == MAIL_TLS_STARTTLS ? "STARTTLS" : m->ms.tls == MAIL_TLS_IMPLICIT ? "TLS" : "no TLS");
	return m;
fail:
	SSL_CTX_free(m->ssl);
	smtpsend_settings_free(&m->ms);
	free(m);
	return NULL;
}

void mailer_kick(void *mailer)
{
	struct mailer *m = mailer;

	if (!m)
		return;
	pthread_mutex_lock(&m->lock);
	m->kicked = true;
	pthread_cond_signal(&m->cond);
	pthread_mutex_unlock(&m->lock);
}

void mailer_stop(struct mailer *m)
{
	if (!m)
		return;
	pthread_mutex_lock(&m->lock);
	m->stop = true;
	pthread_cond_signal(&m->cond);
	pthread_mutex_unlock(&m->lock);
	pthread_join(m->thread, NULL);
	pthread_cond_destroy(&m->cond);
	pthread_mutex_destroy(&m->lock);
	SSL_CTX_free(m->ssl);
	smtpsend_settings_free(&m->ms);
	free(m->refused);
	free(m->recent);
	free(m);
}

void mailer_watch(struct mailer *m, const char *name, bool drop_on_failure)
{
	struct watched *w;

	pthread_mutex_lock(&m->lock);
	if (!(w = watched_find(m, name))) {
		w = &m->watched[m->next_watched];
		m->next_watched = (m->next_watched + 1) % ARRAY_SIZE(m->watched);
	}
	*w = (struct watched){ .outcome = MAILER_PENDING, .drop_on_failure = drop_on_failure };
	snprintf(w->name, sizeof(w->name), "%s", name);
	pthread_mutex_unlock(&m->lock);
}

enum mailer_outcome mailer_outcome(struct mailer *m, const char *name, char *reply, size_t size)
{
	struct watched *w;
	enum mailer_outcome o = MAILER_UNKNOWN;

	pthread_mutex_lock(&m->lock);
	if ((w = watched_find(m, name))) {
		o = w->outcome;
		snprintf(reply, size, "%s", w->reply);
	}
	pthread_mutex_unlock(&m->lock);
	return o;
}

void mailer_get_status(struct mailer *m, struct mailer_status *st)
{
	pthread_mutex_lock(&m->lock);
	*st = m->st;
	pthread_mutex_unlock(&m->lock);
}

int mailer_send_now(struct spool *sp, const struct config *cfg, const char *name,
	char *reply, size_t reply_size)
{
	struct smtpsend_settings ms;
	SSL_CTX *ctx = NULL;
	char *path = spool_file(sp, "new", name);
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc = -1;

	smtpsend_settings_copy(&ms, &cfg->mail);
	if (fd < 0 || flock(fd, LOCK_EX) < 0)
		snprintf(reply, reply_size, "cannot open %s: %s", path, strerror(errno));
	else if (ms.tls != MAIL_TLS_NONE && !(ctx = tlsbridge_context(ms.server, ms.ca_file)))
		snprintf(reply, reply_size, "cannot load the CA certificates");
	else if (smtpsend_file(&ms, ctx, path, reply, reply_size) == SMTPSEND_OK) {
		rc = 0;                      /* taken: a file error afterwards changes nothing */
		spool_mark_sent(sp, name);
	}
	if (fd >= 0)
		close(fd);
	SSL_CTX_free(ctx);
	smtpsend_settings_free(&ms);
	free(path);
	return rc;
}
