/* sdnotify.h — telling systemd how envmond is doing (Type=notify): READY=1 once the
 * first poll cycle is scheduled, a one-line STATUS= refreshed periodically, RELOADING=1
 * around a reload, and WATCHDOG=1 from the event loop when WatchdogSec= is set, so that
 * a hung loop gets the daemon restarted. Without systemd every call does nothing. */
#ifndef SDNOTIFY_H
#define SDNOTIFY_H

#include <stddef.h>

/* Writes a one-line summary of the daemon's state into buf (for STATUS=). */
typedef void (*sdnotify_summary_fn)(void *arg, char *buf, size_t len);

/* Arms the watchdog (if WATCHDOG_USEC is set for this process) and the periodic status
 * on the event loop, then sends READY=1 with the first status. */
void sdnotify_start(sdnotify_summary_fn summary, void *arg);
/* Sends the status now (after a reload, a change worth showing). */
void sdnotify_status_now(void);
void sdnotify_reloading(void);
void sdnotify_reloaded(void);
void sdnotify_stopping(void);
/* Milliseconds between two WATCHDOG=1, 0 when systemd does not watch us. */
long sdnotify_watchdog_ms(void);

/* How often STATUS= is refreshed. */
#define SDNOTIFY_STATUS_MS 30000

#endif
