/* sdnotify.c — sd_notify(3) from libsystemd, driven by timers of the event loop: the
 * watchdog is only fed while the loop turns, which is the point. */
#include <config.h>

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <systemd/sd-daemon.h>

#include "log.h"
#include "sched.h"
#include "sdnotify.h"

static struct {
	sdnotify_summary_fn summary;
	void *arg;
	long watchdog_ms;
} N;

static void send_status(const char *prefix)
{
	char line[256] = "";

	if (N.summary)
		N.summary(N.arg, line, sizeof(line));
	sd_notifyf(0, "%sSTATUS=%s", prefix, line);
}

void sdnotify_status_now(void)
{
	send_status("");
}

static int64_t on_status(void *arg, int64_t now_ms)
{
	send_status("");
	return SDNOTIFY_STATUS_MS;
}

static int64_t on_watchdog(void *arg, int64_t now_ms)
{
	sd_notify(0, "WATCHDOG=1");
	return N.watchdog_ms;
}

void sdnotify_start(sdnotify_summary_fn summary, void *arg)
{
	uint64_t usec = 0;

	N.summary = summary;
	N.arg = arg;
	/* Half the period systemd allows, as sd_watchdog_enabled(3) advises. */
	if (sd_watchdog_enabled(0, &usec) > 0 && usec > 0) {
		N.watchdog_ms = (long)(usec / 2000u);
		if (N.watchdog_ms < 1)
			N.watchdog_ms = 1;
		sched_add_timer(N.watchdog_ms, on_watchdog, NULL);
		log_info("systemd watchdog: pinging every %ld ms", N.watchdog_ms);
	}
	sched_add_timer(SDNOTIFY_STATUS_MS, on_status, NULL);
	send_status("READY=1\n");
}

void sdnotify_reloading(void)
{
	sd_notify(0, "RELOADING=1");
}

void sdnotify_reloaded(void)
{
	send_status("READY=1\n");
}

void sdnotify_stopping(void)
{
	sd_notify(0, "STOPPING=1");
}

long sdnotify_watchdog_ms(void)
{
	return N.watchdog_ms;
}
