/* log.c — syslog or stderr output and rate-limited complaints. */
#include <config.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "clock.h"
#include "log.h"
#include "textesc.h"

#define COMPLAIN_FIRST_MS (60 * 1000)
#define COMPLAIN_MAX_MS (24 * 3600 * 1000)

static struct {
	const char *ident;
	bool to_stderr;
	bool journal;        /* stderr is systemd's journal: lines carry "<N>" prefixes */
	int max_priority;
	void (*sink)(int, const char *, void *);
	void *sink_arg;
} lg = { "envmond", true, false, LOG_INFO, NULL, NULL };

/* systemd sets JOURNAL_STREAM to "<device>:<inode>" of the stream it connects to
 * stderr; it is still ours only if stderr is that file (not redirected since). Then the
 * journal reads a "<N>" syslog priority at the start of each line (sd-daemon(3)). */
static bool stderr_is_journal(void)
{
	const char *env = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	if (!env || sscanf(env, "%llu:%llu", &dev, &ino) != 2 || fstat(2, &st) < 0)
		return false;
	return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

void log_init(const char *ident, bool to_stderr, int max_priority)
{
	lg.ident = ident;
	lg.to_stderr = to_stderr;
	lg.journal = to_stderr && stderr_is_journal();
	lg.max_priority = max_priority;
	if (!to_stderr)
		openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void log_fini(void)
{
	if (!lg.to_stderr)
		closelog();
}

void log_set_level(int max_priority)
{
	lg.max_priority = max_priority;
}

void log_set_sink(void (*sink)(int, const char *, void *), void *arg)
{
	lg.sink = sink;
	lg.sink_arg = arg;
}

static const char *priority_name(int priority)
{
	switch (priority) {
	case LOG_EMERG: case LOG_ALERT: case LOG_CRIT: case LOG_ERR: return "error";
	case LOG_WARNING: return "warning";
	case LOG_NOTICE: return "notice";
	case LOG_INFO: return "info";
	default: return "debug";
	}
}

ATTR_PRINTF(2, 0) static void log_vmsg(int priority, const char *fmt, va_list ap)
{
	char raw[2048], msg[2048];

	if (priority > lg.max_priority && !lg.sink)
		return;
	/* Arguments may carry device, network or client text: one message, one line. */
	vsnprintf(raw, sizeof(raw), fmt, ap);
	text_escape(msg, sizeof(msg), raw);
	if (lg.sink)
		lg.sink(priority, msg, lg.sink_arg);
	if (priority > lg.max_priority)
		return;
	if (lg.journal)
		fprintf(stderr, "<%d>%s: %s: %s\n", priority & LOG_PRIMASK, lg.ident, priority_name(priority), msg);
	else if (lg.to_stderr)
		fprintf(stderr, "%s: %s: %s\n", lg.ident, priority_name(priority), msg);
	else
		syslog(priority, "%s", msg);
}

void log_msg(int priority, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(priority, fmt, ap);
	va_end(ap);
}

bool log_complain(struct log_complaint *c, int priority, const char *fmt, ...)
{
	int64_t now = clock_mono_ms();
	va_list ap;
	char msg[1024];

	if (c->active && now < c->next_ms) {
		c->muted++;
		return false;
	}
	c->interval_ms = !c->active ? COMPLAIN_FIRST_MS
		: c->interval_ms * 2 > COMPLAIN_MAX_MS ? COMPLAIN_MAX_MS : c->interval_ms * 2;
	c->next_ms = now + c->interval_ms;
	c->active = true;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (c->muted)
		log_msg(priority, "%s (repeated %u times since the last report)", msg, c->muted);
	else
		log_msg(priority, "%s", msg);
	c->muted = 0;
	return true;
}

bool log_release(struct log_complaint *c, int priority, const char *fmt, ...)
{
	va_list ap;

	if (!c->active)
		return false;
	memset(c, 0, sizeof(*c));
	va_start(ap, fmt);
	log_vmsg(priority, fmt, ap);
	va_end(ap);
	return true;
}
