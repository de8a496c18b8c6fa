/* daemonctl.h — the daemon's side of envmonctl: the status sections (daemon, devices,
 * servers, silences) and the commands (reload, silence, unsilence) plugged into the
 * control socket. A silence set or ended with envmonctl is recorded in the journal
 * (doc/journal.md: "silence", "silence_end"), with who asked. Other modules add their own sections (incidents, spool) and commands
 * (test-mail) with control_add_section / control_add_command. */
#ifndef DAEMONCTL_H
#define DAEMONCTL_H

#include <stddef.h>

#include "status.h"

struct config;
struct control;
struct journal;
struct json_object;
struct poller;
struct readings;
struct silences;

/* Reloads the configuration: 0 and a summary, or -1 with every error ("file:line:
 * message") added to the JSON array errors. */
typedef int (*daemonctl_reload_fn)(void *arg, struct json_object *errors, char *summary, size_t len);

/* Appends rec to the journal: 0, or -1 (logged). */
typedef int (*daemonctl_record_fn)(void *arg, struct json_object *rec);

/* What the sections read. Pointers to pointers: a reload replaces the configuration. */
struct daemonctl {
	struct config *const *cfg;
	struct poller *const *poller;
	struct readings *readings;
	struct silences *silences;
	daemonctl_record_fn record;            /* appends a record to the journal (NULL: not) */
	void *record_arg;
	daemonctl_reload_fn reload;
	void *reload_arg;
	status_criterion_fn criterion_state;   /* from the alert module (NULL: states show null) */
	void *criterion_arg;
	double started;                        /* wall clock */
};

/* Registers the sections and commands on c; dc must outlive c. */
void daemonctl_attach(struct daemonctl *dc, struct control *c);

/* One line for systemd's STATUS=: "12 devices (11 answering, 1 lost), 2 silenced". */
void daemonctl_summary(void *dc, char *buf, size_t len);

#endif
