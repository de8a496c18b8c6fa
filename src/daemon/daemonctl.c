/* daemonctl.c — status sections and commands of the control socket. */
#include <config.h>

#include <json-c/json.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "conf.h"
#include "control.h"
#include "daemonctl.h"
#include "journal.h"
#include "log.h"
#include "poller.h"
#include "readings.h"
#include "silence.h"
#include "xmem.h"

static struct json_object *section_daemon(void *arg)
{
	struct daemonctl *dc = arg;
	const struct config *cfg = *dc->cfg;
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "version", json_object_new_string(PACKAGE_VERSION));
	json_object_object_add(o, "pid", json_object_new_int64(getpid()));
	json_object_object_add(o, "site", json_object_new_string(cfg->site.name));
	json_object_object_add(o, "code", json_object_new_string(cfg->site.code));
	json_object_object_add(o, "config", json_object_new_string(cfg->file));
	json_object_object_add(o, "started", json_object_new_double(dc->started));
	json_object_object_add(o, "now", json_object_new_double(clock_wall()));
	return o;
}

static struct json_object *section_devices(void *arg)
{
	struct daemonctl *dc = arg;

	return readings_devices_json(dc->readings, *dc->cfg, *dc->poller);
}

static struct json_object *section_servers(void *arg)
{
	struct daemonctl *dc = arg;

	return status_servers_json(*dc->cfg, dc->criterion_state, dc->criterion_arg);
}

static struct json_object *section_silences(void *arg)
{
	struct daemonctl *dc = arg;

	return silence_json(dc->silences, *dc->cfg, clock_wall());
}

static int cmd_reload(void *arg, struct json_object *req, struct json_object *resp)
{
	struct daemonctl *dc = arg;
	struct json_object *errors = json_object_new_array();
	char summary[256] = "";

	if (dc->reload(dc->reload_arg, errors, summary, sizeof(summary)) < 0) {
		control_error(resp, "the new configuration has errors: the running one stays");
		json_object_object_add(resp, "errors", errors);
		return -1;
	}
	json_object_put(errors);
	json_object_object_add(resp, "summary", json_object_new_string(summary));
	return 0;
}

static const char *get_string(struct json_object *req, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(req, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* Who asked, as far as the daemon can tell: the client's user from the kernel, and the
 * user behind sudo when envmonctl runs as root through it (then only root's word). */
static struct json_object *who_json(struct json_object *req)
{
	struct json_object *v;
	const char *sudo_user = get_string(req, "sudo_user");
	struct passwd *pw;
	char *who;
	uid_t uid;

	if (!json_object_object_get_ex(req, "peer_uid", &v))
		return NULL;
	uid = (uid_t)json_object_get_int64(v);
	pw = getpwuid(uid);
	who = pw ? xstrdup(pw->pw_name) : xasprintf("uid %ld", (long)uid);
	if (uid == 0 && sudo_user && sudo_user[0] && strlen(sudo_user) <= 64) {
		free(who);
		who = xasprintf("%s (sudo)", sudo_user);
	}
	v = json_object_new_string(who);
	free(who);
	return v;
}

/* A "silence" or "silence_end" record (doc/journal.md); a failure is logged, the silence
 * itself is already saved. */
static void journal_silence(struct daemonctl *dc, const char *type, struct json_object *req,
	const char *target, double from, double until, const char *reason)
{
	struct json_object *rec;

	if (!dc->record)
		return;
	rec = json_object_new_object();
	json_object_object_add(rec, "type", json_object_new_string(type));
	json_object_object_add(rec, "t", json_object_new_double(clock_wall()));
	json_object_object_add(rec, "target", json_object_new_string(target));
	json_object_object_add(rec, "from", json_object_new_double(from));
	json_object_object_add(rec, "until", json_object_new_double(until));
	json_object_object_add(rec, "reason", reason ? json_object_new_string(reason) : NULL);
	json_object_object_add(rec, "who", who_json(req));
	if (dc->record(dc->record_arg, rec) < 0)
		log_warn("silence of %s not recorded in the journal (above)", target);
	json_object_put(rec);
}

static bool known_target(const struct config *cfg, const char *target)
{
	return conf_device(cfg, target) || conf_server(cfg, target);
}

/* "no device or server is called 'X'", with the names there are, so that a typo is seen;
 * the target and the names go in the answer too, for envmonctl to say it in French. */
static int unknown_target(const struct config *cfg, const char *target, struct json_object *resp)
{
	struct json_object *devices = json_object_new_array(), *servers = json_object_new_array();
	char *msg = xasprintf("no device or server is called '%s'; devices:", target), *next;
	int rc;

	for (size_t i = 0; i < cfg->n_devices; i++, free(msg), msg = next) {
		next = xasprintf("%s %s", msg, cfg->devices[i].name);
		json_object_array_add(devices, json_object_new_string(cfg->devices[i].name));
	}
	next = xasprintf("%s; servers:", msg);
	free(msg);
	msg = next;
	for (size_t r = 0; r < cfg->n_racks; r++)
		for (size_t i = 0; i < cfg->racks[r].n_servers; i++, free(msg), msg = next) {
			next = xasprintf("%s %s", msg, cfg->racks[r].servers[i].name);
			json_object_array_add(servers, json_object_new_string(cfg->racks[r].servers[i].name));
		}
	rc = control_error(resp, msg);
	json_object_object_add(resp, "unknown_target", json_object_new_string(target));
	json_object_object_add(resp, "devices", devices);
	json_object_object_add(resp, "servers", servers);
	free(msg);
	return rc;
}

/* The bound said in the unit the operator likely used (days, hours or seconds). */
static int silence_too_long(struct json_object *resp, unsigned max_s)
{
	char *msg = max_s % 86400 == 0 ? xasprintf("the duration must be between 1 second and %u days "
		"(daemon.max_silence)", max_s / 86400) : max_s % 3600 == 0 ? xasprintf("the duration must be "
		"between 1 second and %u hours (daemon.max_silence)", max_s / 3600)
		: xasprintf("the duration must be between 1 second and %u seconds (daemon.max_silence)", max_s);
	int rc = control_error(resp, msg);

	free(msg);
	return rc;
}

static int cmd_silence(void *arg, struct json_object *req, struct json_object *resp)
{
	struct daemonctl *dc = arg;
	const char *target = get_string(req, "target"), *reason = get_string(req, "reason");
	struct json_object *v;
	int64_t duration;
	double now = clock_wall();

	if (!target || !reason || !json_object_object_get_ex(req, "duration", &v) ||
	    !json_object_is_type(v, json_type_int))
		return control_error(resp, "silence needs target, duration (seconds) and reason");
	if (!known_target(*dc->cfg, target))
		return unknown_target(*dc->cfg, target, resp);
	duration = json_object_get_int64(v);
	if (duration <= 0 || duration > (*dc->cfg)->daemon.max_silence_s)
		return silence_too_long(resp, (*dc->cfg)->daemon.max_silence_s);
	if (!reason[0] || strlen(reason) > 500)
		return control_error(resp, "give a reason (at most 500 characters)");
	if (silence_add(dc->silences, target, now, now + (double)duration, reason) < 0)
		return control_error(resp, "the silence could not be saved in the state directory");
	journal_silence(dc, "silence", req, target, now, now + (double)duration, reason);
	json_object_object_add(resp, "until", json_object_new_double(now + (double)duration));
	return 0;
}

static int cmd_unsilence(void *arg, struct json_object *req, struct json_object *resp)
{
	struct daemonctl *dc = arg;
	const char *target = get_string(req, "target");
	struct silence_window w;
	double now = clock_wall(), from = now;
	char *reason = NULL;
	int n;

	if (!target)
		return control_error(resp, "unsilence needs a target");
	/* Without the configuration: only the windows set with envmonctl. */
	if (silence_active(dc->silences, NULL, target, now, &w)) {
		from = w.from;
		reason = xstrdup(w.reason);
	}
	n = silence_remove(dc->silences, target);
	if (n > 0)
		journal_silence(dc, "silence_end", req, target, from, now, reason);
	free(reason);
	if (n < 0)
		return control_error(resp, "the change could not be saved in the state directory");
	if (n == 0) {
		char *msg = xasprintf("'%s' has no silence set with envmonctl", target);

		n = control_error(resp, msg);
		free(msg);
		return n;
	}
	json_object_object_add(resp, "removed", json_object_new_int(n));
	return 0;
}

void daemonctl_attach(struct daemonctl *dc, struct control *c)
{
	control_add_section(c, "daemon", section_daemon, dc);
	control_add_section(c, "devices", section_devices, dc);
	control_add_section(c, "servers", section_servers, dc);
	control_add_section(c, "silences", section_silences, dc);
	control_add_command(c, "reload", cmd_reload, dc);
	control_add_command(c, "silence", cmd_silence, dc);
	control_add_command(c, "unsilence", cmd_unsilence, dc);
}

void daemonctl_summary(void *arg, char *buf, size_t len)
{
	struct daemonctl *dc = arg;
	const struct config *cfg = *dc->cfg;
	size_t answering = 0, lost = 0, silenced = 0;
	double now = clock_wall();

	for (size_t i = 0; i < cfg->n_devices; i++) {
		const struct device_status *st = *dc->poller ? poller_status(*dc->poller, i) : NULL;

		if (st && st->lost)
			lost++;
		else if (st && st->answers > 0 && st->missed == 0)
			answering++;
		if (silence_active(dc->silences, cfg, cfg->devices[i].name, now, NULL))
			silenced++;
	}
	snprintf(buf, len, "%zu devices (%zu answering, %zu lost), %zu silenced", cfg->n_devices,
		answering, lost, silenced);
}
