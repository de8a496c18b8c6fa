/* mailsvc.c — the daemon's mail service: the spool and the mailer thread started,
 * reloaded and stopped together, and the test mail (envmond --test-mail on the calling
 * thread, envmonctl test-mail through the mailer thread). */
#include <config.h>

#include <json-c/json.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "clock.h"
#include "conf.h"
#include "confdiff.h"
#include "control.h"
#include "log.h"
#include "mailsvc.h"
#include "notify.h"

/* The spool always exists (notifications are kept even without a mail server); the
 * mailer thread runs when a server is configured. ENVMOND_MAIL_RETRY_S shortens the
 * first retry delay (tests, or an operator who wants a quicker retry). */
static int mail_open_spool(struct mailsvc *st)
{
	st->cat = msgcat_load((*st->cfg)->mail.lang);
	st->spool = spool_open((*st->cfg)->paths.state_dir, *st->cfg, st->cat);
	return st->spool ? 0 : -1;
}

/* The mailer thread on cfg's mail settings (none if mail is disabled): 0, or -1 if a
 * configured mailer cannot start. */
static int mail_launch(struct mailsvc *st, const struct config *cfg)
{
	struct mailer_options opt;
	const char *retry = getenv("ENVMOND_MAIL_RETRY_S");

	mailer_default_options(&opt);
	if (retry && atoi(retry) > 0)
		opt.retry_min_s = (unsigned)atoi(retry);
	st->mailer = mailer_start(st->spool, cfg, &opt);
	if (st->mailer)
		spool_set_wakeup(st->spool, mailer_kick, st->mailer);
	else if (cfg->mail.enabled)
		return -1;
	else
		log_warn("no mail server configured: notifications stay in %s", spool_path(st->spool));
	return 0;
}

int mailsvc_start(struct mailsvc *st)
{
	if (mail_open_spool(st) < 0)
		return -1;
	return mail_launch(st, *st->cfg);
}

/* The mailer copies its server settings when it starts: new settings take a new thread.
 * The running one finishes the message in flight (mailer_stop); the others wait in new/,
 * the source of truth, for the new thread, which sends them first. */
static void mail_restart(struct mailsvc *st, const struct config *cfg)
{
	if (!st->spool)
		return;
	spool_set_wakeup(st->spool, NULL, NULL);
	mailer_stop(st->mailer);
	st->mailer = NULL;
	if (mail_launch(st, cfg) < 0)
		log_err("mail: the mailer cannot start with the new settings (above): "
			"notifications stay in %s", spool_path(st->spool));
	else if (st->mailer)
		log_notice("mail: mailer restarted with the new settings");
}

/* Joins the mailer: a message in flight is sent or stays in new/ for the next start. */
void mailsvc_stop(struct mailsvc *st)
{
	mailer_stop(st->mailer);
	spool_close(st->spool);
	msgcat_free(st->cat);
	st->mailer = NULL;
	st->spool = NULL;
	st->cat = NULL;
}

/* New messages follow the new configuration (site, contacts, language). */
static void mail_reload(struct mailsvc *st, const struct config *cfg)
{
	struct msgcat *cat;

	if (!st->spool)
		return;
	cat = msgcat_load(cfg->mail.lang);
	spool_set_config(st->spool, cfg, cat);
	msgcat_free(st->cat);
	st->cat = cat;
}

/* envmond --test-mail: one message through the real path (spool, then the same SMTP code
 * as the mailer), the server's answer printed. Exit 0 if it took the message. */
int mailsvc_test_mail(struct mailsvc *st, const char *config_file)
{
	char id[128], name[96], reply[600];
	struct notification n = { .kind = NOTIF_TEST, .severity = SEV_OK, .value = NAN,
		.worst = NAN, .bound = NAN };
	int rc = ENVMON_EX_FAIL;

	if (!(*st->cfg)->mail.enabled) {
		fprintf(stderr, _("envmond: no mail server in %s\n"), config_file);
		return ENVMON_EX_FAIL;
	}
	signal(SIGPIPE, SIG_IGN);         /* an aborted SMTP session must not kill us */
	if (mail_open_spool(st) < 0) {
		mailsvc_stop(st);
		return ENVMON_EX_FAIL;
	}
	n.time = n.opened = clock_wall();
	snprintf(id, sizeof(id), "TEST-%s-%.0f", (*st->cfg)->site.code, n.time);
	n.incident_id = id;
	spool_name(name, sizeof(name), id, 0);
	if (spool_notify(st->spool, &n) < 0) {
		fprintf(stderr, _("envmond: cannot write the test message in %s\n"), spool_path(st->spool));
	} else if (mailer_send_now(st->spool, *st->cfg, name, reply, sizeof(reply)) == 0) {
		printf(_("test mail sent to %s: the server answered \"%s\"\n"), (*st->cfg)->mail.server, reply);
		rc = ENVMON_EX_OK;
	} else {
		char *path = spool_file(st->spool, "new", name);
		unlink(path);                /* a test is not retried later */
		free(path);
		fprintf(stderr, _("test mail failed: %s\n"), reply);
	}
	mailsvc_stop(st);
	return rc;
}

/* envmonctl test-mail: a test message through the real path (spool, mailer thread,
 * libesmtp), sent before the rest of the queue and never retried. The answer names the
 * message and how long envmonctl may wait; envmonctl then asks test-mail-result for the
 * server's reply (a deferred answer would hold the loop's client for a whole SMTP
 * session: polling keeps the control socket one request, one answer). */
static int cmd_test_mail(void *arg, struct json_object *req, struct json_object *resp)
{
	static unsigned count;
	struct mailsvc *st = arg;
	char id[128], name[96];
	struct notification n = { .kind = NOTIF_TEST, .severity = SEV_OK, .value = NAN,
		.worst = NAN, .bound = NAN };

	if (!(*st->cfg)->mail.enabled)
		return control_error(resp, "no mail server is configured");
	if (!st->mailer)
		return control_error(resp, "the mailer is not running: see the daemon's log");
	n.time = n.opened = clock_wall();
	snprintf(id, sizeof(id), "TEST-%s-%.0f-%u", (*st->cfg)->site.code, n.time, ++count);
	n.incident_id = id;
	spool_name(name, sizeof(name), id, 0);
	mailer_watch(st->mailer, name, true);
	if (spool_notify(st->spool, &n) < 0)
		return control_error(resp, "the test message could not be written in the spool");
	json_object_object_add(resp, "queued", json_object_new_string(name));
	/* A message of the queue may be in flight first: two sessions, and a margin. */
	json_object_object_add(resp, "wait_s",
		json_object_new_int64(2 * (int64_t)(*st->cfg)->mail.timeout_s + 10));
	return 0;
}

/* envmonctl test-mail, then: {"name": N} -> {"done": false} while the mailer has not
 * tried it, then {"done": true, "sent": bool, "reply": the server's answer or why}. */
static int cmd_test_mail_result(void *arg, struct json_object *req, struct json_object *resp)
{
	struct mailsvc *st = arg;
	struct json_object *v;
	enum mailer_outcome o;
	char reply[600];

	if (!json_object_object_get_ex(req, "name", &v) || !json_object_is_type(v, json_type_string))
		return control_error(resp, "test-mail-result needs the name test-mail answered");
	if (!st->mailer)
		return control_error(resp, "the mailer is not running: see the daemon's log");
	o = mailer_outcome(st->mailer, json_object_get_string(v), reply, sizeof(reply));
	if (o == MAILER_UNKNOWN)
		return control_error(resp, "no test mail of this name is waiting");
	json_object_object_add(resp, "done", json_object_new_boolean(o != MAILER_PENDING));
	if (o != MAILER_PENDING) {
		json_object_object_add(resp, "sent", json_object_new_boolean(o == MAILER_SENT));
		json_object_object_add(resp, "reply", json_object_new_string(reply));
	}
	return 0;
}

/* envmonctl status: the mail spool, as the mailer thread sees it. */
static struct json_object *spool_section(void *arg)
{
	struct mailsvc *st = arg;
	struct json_object *o = json_object_new_object();
	struct mailer_status ms;

	if (!st->mailer) {
		json_object_object_add(o, "pending", json_object_new_int64(0));
		json_object_object_add(o, "last_error", json_object_new_string(
			(*st->cfg)->mail.enabled ? "mailer not running" : "no mail server configured"));
		return o;
	}
	mailer_get_status(st->mailer, &ms);
	json_object_object_add(o, "pending", json_object_new_int64((int64_t)ms.depth));
	json_object_object_add(o, "failed", json_object_new_int64((int64_t)ms.failures));
	json_object_object_add(o, "held", json_object_new_int64((int64_t)ms.held));
	json_object_object_add(o, "sent", json_object_new_int64((int64_t)ms.sent));
	json_object_object_add(o, "oldest_age_s", json_object_new_double(ms.oldest_age_s));
	if (ms.last_error[0])
		json_object_object_add(o, "last_error", json_object_new_string(ms.last_error));
	return o;
}

/* Mail before the pipeline: the notifications the new pipeline offers again are written
 * with the new site, contacts and language; new server settings restart the mailer. */
void mailsvc_participant(void *arg, const struct config *old_cfg, const struct config *new_cfg,
	const struct confdiff *d)
{
	struct mailsvc *st = arg;

	mail_reload(st, new_cfg);
	if (d->mail_changed)
		mail_restart(st, new_cfg);
}

void mailsvc_attach(struct mailsvc *st, struct control *ctl)
{
	control_add_command(ctl, "test-mail", cmd_test_mail, st);
	control_add_command(ctl, "test-mail-result", cmd_test_mail_result, st);
	control_add_section(ctl, "spool", spool_section, st);
}
