/* dailymail.c — the daily digest's timer (see dailymail.h). */
#include <config.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "dailymail.h"
#include "digest.h"
#include "journal.h"
#include "log.h"
#include "mailsvc.h"
#include "sched.h"
#include "spool.h"
#include "xmem.h"

#define CHECK_MS 60000

struct lists {
	struct digest_item *open, *day;
	size_t n_open, n_day, cap_open, cap_day;
	char **strings;
	size_t n_strings, cap_strings;
	double since;
};

static const char *keep(struct lists *l, const char *s)
{
	if (!s)
		return NULL;
	l->strings = xgrow(l->strings, &l->cap_strings, l->n_strings + 1, sizeof(*l->strings));
	return l->strings[l->n_strings++] = xstrdup(s);
}

static int add_episode(void *arg, const struct journal_episode *ep)
{
	struct lists *l = arg;
	struct digest_item it = { keep(l, ep->id), ep->severity, ep->criterion,
		keep(l, ep->device ? ep->device : ep->rack), ep->opened, ep->end };

	if (ep->end == 0) {
		l->open = xgrow(l->open, &l->cap_open, l->n_open + 1, sizeof(*l->open));
		l->open[l->n_open++] = it;
	} else if (ep->end >= l->since) {
		l->day = xgrow(l->day, &l->cap_day, l->n_day + 1, sizeof(*l->day));
		l->day[l->n_day++] = it;
	}
	return 0;
}

int dailymail_send(const struct config *cfg, struct mailsvc *mail, double now)
{
	char *path = xasprintf("%s/%s", cfg->paths.state_dir, JOURNAL_FILE), *msg, day[32], name[64];
	struct lists l = { .since = now - 86400 };
	time_t t = (time_t)now;
	struct tm tm;
	int rc;

	journal_episodes(path, now - 86400, now + 1, add_episode, &l);
	msg = digest_format(cfg, mail->cat, spool_instance(mail->spool), now, l.open, l.n_open, l.day, l.n_day);
	localtime_r(&t, &tm);
	/* The spool's own naming (incident.seq): one per day, never twice. */
	strftime(day, sizeof(day), "digest-%Y%m%d", &tm);
	spool_name(name, sizeof(name), day, 0);
	rc = spool_enqueue(mail->spool, name, msg);
	if (rc < 0)
		log_err("cannot queue the daily digest %s", name);
	else
		log_notice("daily digest %s queued: %zu open incident(s), %zu over in 24 h", name, l.n_open, l.n_day);
	for (size_t i = 0; i < l.n_strings; i++)
		free(l.strings[i]);
	free(l.strings);
	free(l.open);
	free(l.day);
	free(msg);
	free(path);
	return rc < 0 ? -1 : 0;
}

/* Every minute: when the digest's time came since the last check, send it. */
static int64_t tick(void *arg, int64_t now_ms)
{
	struct dailymail *dm = arg;
	const struct config *cfg = *dm->cfg;
	double now = clock_wall(), last = dm->last;

	(void)now_ms;
	dm->last = now;
	if (cfg->mail.digest_min < 0 || !dm->mail->spool)
		return CHECK_MS;
	if (digest_due(cfg, last, now))
		dailymail_send(cfg, dm->mail, now);
	return CHECK_MS;
}

void dailymail_start(struct dailymail *dm, struct config *const *cfg, struct mailsvc *mail)
{
	double now = clock_wall();

	dm->cfg = cfg;
	dm->mail = mail;
	dm->last = now;
	/* Ticks on the minute's start, so that 08:00 is seen between 08:00:00 and 08:00:59. */
	dm->timer = sched_add_timer((int64_t)((60.0 - fmod(now, 60.0)) * 1000.0), tick, dm);
}

void dailymail_stop(struct dailymail *dm)
{
	if (dm->timer)
		sched_del_timer(dm->timer);
	dm->timer = NULL;
}
