/* log.h — logging to syslog or stderr, with rate-limited complaints so that a
 * device failing every poll is logged once, then at growing intervals. */
#ifndef LOG_H
#define LOG_H

#include <stdbool.h>
#include <stdint.h>
#include <syslog.h>

#include "envmon.h"

/* Where messages go. ident is the program name. */
void log_init(const char *ident, bool to_stderr, int max_priority);
void log_fini(void);
/* Messages above max_priority (LOG_ERR .. LOG_DEBUG) are dropped. */
void log_set_level(int max_priority);
/* Tests capture messages: every message is also passed to sink (NULL to remove). */
void log_set_sink(void (*sink)(int priority, const char *msg, void *arg), void *arg);

void log_msg(int priority, const char *fmt, ...) ATTR_PRINTF(2, 3);
#define log_err(...) log_msg(LOG_ERR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARNING, __VA_ARGS__)
#define log_notice(...) log_msg(LOG_NOTICE, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

/* One recurring problem (a device that does not answer, a full disk). Zero-initialise. */
struct log_complaint {
	int64_t next_ms;     /* monotonic time before which repeats are muted */
	int64_t interval_ms; /* current muting interval, doubled at each repeat */
	unsigned muted;      /* repeats not logged since the last line */
	bool active;
};

/* Logs the first time, then again only after 1 min, 2 min, 4 min ... (capped at 1 day),
 * saying how many repeats were muted. Returns true when a line was logged. */
bool log_complain(struct log_complaint *c, int priority, const char *fmt, ...) ATTR_PRINTF(3, 4);
/* The problem is over: logs once if a complaint was active, with the number of repeats
 * muted since its last line, and resets it. */
bool log_release(struct log_complaint *c, int priority, const char *fmt, ...) ATTR_PRINTF(3, 4);

#endif
