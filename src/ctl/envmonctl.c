/* envmonctl.c — asks the running envmond over its control socket (control.h) for its
 * state, or to reload, silence a target, send a test mail. It prints what the daemon
 * answers as tables for a technician, or as the daemon's JSON with --json. */
#include <config.h>

#include <errno.h>
#include <getopt.h>
#include <json-c/json.h>
#include <libconfig.h>
#include <libgen.h>
#include <math.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "ctlclient.h"
#include "envmon.h"
#include "jget.h"
#include "criteria.h"
#include "metric.h"
#include "textesc.h"
#include "xmem.h"

#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif
#ifndef RUNSTATEDIR
#define RUNSTATEDIR "/run"
#endif

#define TIMEOUT_MS 30000

static void usage(FILE *out)
{
	fprintf(out, _("Usage: envmonctl [-s SOCKET] [-c FILE] COMMAND\n"
		"Asks the running envmond what it sees, or tells it what to do.\n\n"
		"Commands:\n"
		"  status [--json]                    devices, servers, incidents, mail spool\n"
		"  test-mail                          send a test e-mail to the contacts\n"
		"  silence TARGET DURATION REASON     no e-mail about TARGET (a device or a server)\n"
		"                                     for DURATION (e.g. 90m, 4h, 2d)\n"
		"  unsilence TARGET                   end the silence of TARGET\n"
		"  reload                             re-read the configuration\n\n"
		"  -s, --socket SOCKET  the daemon's control socket\n"
		"  -c, --config FILE    read the socket's path from FILE (default %s)\n"
		"  -h, --help           show this help\n"
		"  -V, --version        show the version\n"), SYSCONFDIR "/envmond/envmond.conf");
}

/* ------------------------------------------------------------------ the socket */

static struct json_object *ask(const char *socket_path, struct json_object *req)
{
	enum ctlclient_error err;
	struct json_object *resp = ctlclient_ask(socket_path, req, TIMEOUT_MS, &err);

	if (err == CTLCLIENT_PATH)
		fprintf(stderr, _("envmonctl: socket path too long: %s\n"), socket_path);
	else if (err == CTLCLIENT_CONNECT)
		fprintf(stderr, _("envmonctl: cannot reach envmond at %s: %s\n"
			"Is it running (systemctl status envmond)? Are you in its group?\n"),
			socket_path, strerror(errno));
	else if (err == CTLCLIENT_ANSWER)
		fprintf(stderr, _("envmonctl: no valid answer from envmond at %s\n"), socket_path);
	return resp;
}

/* ------------------------------------------------------------------ formatting */

static const char *str(struct json_object *o, const char *key)
{
	/* Device, mail server and client text is printed: no control character reaches the
	 * terminal. */
	return text_esc(jget_text(o, key));
}

static const char *fmt_time(double t, double now, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;
	size_t n;
	double age = now - t;

	if (isnan(t) || t <= 0)
		return _("never");
	localtime_r(&tt, &tm);
	n = strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm);
	if (!isnan(now) && age >= 0 && age < 86400 * 2)
		snprintf(buf + n, len - n, _(" (%.0f s ago)"), age);
	return buf;
}

/* The word people read for a metric or a state: its label once translated (French),
 * else the name as the configuration writes it. gettext returns the msgid itself when
 * it has no translation. */
static const char *people_word(const char *name, const char *msgid)
{
	const char *l = msgid ? _(msgid) : NULL;

	return l && l != msgid ? l : name;
}

/* Readings are printed as the mails print them: one decimal at most, none for a whole
 * number, a decimal comma in French. TRANSLATORS: the decimal separator of readings. */
static bool decimal_comma(void)
{
	return strcmp(_("."), ",") == 0;
}

/* The English msgid of a criterion's state, for people_word. */
static const char *severity_msgid(const char *state)
{
	static const char *const msgids[] = { N_("ok"), N_("warning"), N_("critical"), N_("unknown") };
	int sev = severity_lookup(state);

	return sev >= 0 && (size_t)sev < sizeof(msgids) / sizeof(msgids[0]) ? msgids[sev] : NULL;
}

/* A table metric's instance ("3 Entrée baie A") on its own line: device text, no control
 * character reaches the terminal. */
static void print_instance(const char *inst)
{
	if (!inst)
		return;
	printf("    %-22s [", "");
	for (const unsigned char *c = (const unsigned char *)inst; *c; c++)
		putchar(*c < 0x20 || *c == 0x7f ? '?' : *c);
	printf("]\n");
}

static void print_reading(struct json_object *r)
{
	const char *status = str(r, "status"), *state = str(r, "state"), *unit = str(r, "unit");
	const char *metric = str(r, "metric");
	const struct metric_def *def = metric ? metric_lookup(metric) : NULL;
	char value[64];

	printf("    %-22s ", people_word(metric, def ? def->label : NULL));
	if (status && strcmp(status, "ok") != 0) {
		printf("(%s)\n", status);
	} else if (state) {
		printf("%s\n", people_word(state, metric_state_label(state)));
	} else {
		metric_number_text(value, sizeof(value), jget_num(r, "value"), 1, decimal_comma());
		printf("%s %s\n", value, unit ? unit : "");
	}
	print_instance(str(r, "instance"));
}

static void print_devices(struct json_object *devs, double now)
{
	char t[64];

	if (!devs)
		return;
	printf(_("\nDevices\n"));
	printf("  %-18s %-8s %-10s %-9s %s\n", _("NAME"), _("KIND"), _("PROTOCOL"), _("CONTACT"),
		_("LAST ANSWER"));
	for (size_t i = 0; i < json_object_array_length(devs); i++) {
		struct json_object *d = json_object_array_get_idx(devs, i), *rs = jget_member(d, "readings");

		printf("  %-18s %-8s %-10s %-9s %s\n", str(d, "name"), str(d, "kind"), str(d, "protocol"),
			str(d, "state"), fmt_time(jget_num(d, "last_answer"), now, t, sizeof(t)));
		if (str(d, "error"))
			printf(_("    last error: %s\n"), str(d, "error"));
		for (size_t k = 0; rs && k < json_object_array_length(rs); k++)
			print_reading(json_object_array_get_idx(rs, k));
	}
}

static const char *bound_text(double v, char *buf, size_t len)
{
	metric_number_text(buf, len, v, 1, decimal_comma());
	return buf;
}

static void print_bounds(const char *label, struct json_object *range)
{
	struct json_object *lo, *hi;
	char t[64];

	if (!range)
		return;
	lo = json_object_array_get_idx(range, 0);
	hi = json_object_array_get_idx(range, 1);
	printf(" %s ", label);
	if (lo)
		printf("%s", bound_text(json_object_get_double(lo), t, sizeof(t)));
	printf("..");
	if (hi)
		printf("%s", bound_text(json_object_get_double(hi), t, sizeof(t)));
}

/* "trend +1.2 °C / 5 min, 32 °C (allowable limit) in ~14 min at the current rate";
 * humidity and dew point say their direction: "trend falling -1.5 % / 5 min, ...". */
static void print_forecast(struct json_object *f, enum criterion c)
{
	const char *limit_kind, *unit, *dir;
	double eta;

	if (!f)
		return;
	unit = jget_str(f, "unit") ? jget_str(f, "unit") : "°C";
	dir = jget_str(f, "direction");
	printf("\n      %s", _("trend"));
	if ((c == CRIT_HUMIDITY || c == CRIT_DEW_POINT) && dir)
		printf(" %s", strcmp(dir, "rising") == 0 ? _("rising") : _("falling"));
	printf(" %+.1f %s / 5 min", jget_num(f, "rate_per_5min"), unit);
	eta = jget_num(f, "eta_s");
	limit_kind = jget_str(f, "limit_kind");
	if (isnan(eta) || isnan(jget_num(f, "limit")))
		return;
	printf(_(", %g %s (%s) in ~%.0f min at the current rate"), jget_num(f, "limit"), unit,
		limit_kind && strcmp(limit_kind, "allowable") == 0 ?
		_("allowable limit") : _("recommended limit"), ceil(eta / 60.0));
}

static void print_servers(struct json_object *srvs)
{
	if (!srvs)
		return;
	printf(_("\nServers\n"));
	for (size_t i = 0; i < json_object_array_length(srvs); i++) {
		struct json_object *s = json_object_array_get_idx(srvs, i), *cr = jget_member(s, "criteria");

		printf(_("  %s (%s) in %s, spec %s\n"), str(s, "name"), str(s, "role"), str(s, "rack"),
			str(s, "spec"));
		if (jget_member(s, "inlet"))
			printf(_("    air inlet measured by the server: %s\n"), str(s, "inlet"));
		for (size_t k = 0; cr && k < json_object_array_length(cr); k++) {
			struct json_object *c = json_object_array_get_idx(cr, k), *pending = jget_member(c, "pending");
			const char *crit = str(c, "criterion"), *state = str(c, "state");
			int code = criterion_lookup(crit);

			printf("    %-22s %-9s",
				people_word(crit, code >= 0 ? criterion_label((enum criterion)code) : NULL),
				state ? people_word(state, severity_msgid(state)) : "-");
			if (pending && json_object_get_boolean(pending))
				printf(" %s", _("(pending)"));
			print_bounds(_("warn"), jget_member(c, "warn"));
			print_bounds(_("crit"), jget_member(c, "crit"));
			print_forecast(jget_object(c, "forecast"), code >= 0 ? (enum criterion)code : CRIT_COUNT);
			printf("\n");
		}
	}
}

static void print_incidents(struct json_object *inc, double now)
{
	char t[64];

	if (!inc)
		return;
	printf(_("\nOpen incidents: %zu\n"), json_object_array_length(inc));
	for (size_t i = 0; i < json_object_array_length(inc); i++) {
		struct json_object *o = json_object_array_get_idx(inc, i);

		printf("  %-24s %-9s %-20s %s %s\n", str(o, "id"), str(o, "severity"), str(o, "criterion"),
			str(o, "device") ? str(o, "device") : str(o, "rack") ? str(o, "rack") : "",
			fmt_time(jget_num(o, "opened"), now, t, sizeof(t)));
	}
}

static void print_spool(struct json_object *sp)
{
	if (!sp)
		return;
	printf(_("\nMail spool: %s waiting, %s failing"), str(sp, "pending") ? str(sp, "pending") : "?",
		str(sp, "failed") ? str(sp, "failed") : "0");
	if (str(sp, "last_error"))
		printf(_(" (last error: %s)"), str(sp, "last_error"));
	printf("\n");
}

static void print_silences(struct json_object *sil, double now)
{
	char t[64];

	if (!sil || json_object_array_length(sil) == 0)
		return;
	printf(_("\nSilences\n"));
	for (size_t i = 0; i < json_object_array_length(sil); i++) {
		struct json_object *o = json_object_array_get_idx(sil, i);

		printf(_("  %-18s until %s (%s): %s\n"), str(o, "target"),
			fmt_time(jget_num(o, "until"), NAN, t, sizeof(t)), str(o, "source"), str(o, "reason"));
	}
	(void)now;
}

static void print_status(struct json_object *st)
{
	struct json_object *d = jget_member(st, "daemon");
	double now = d ? jget_num(d, "now") : NAN;
	char t[64];

	if (d)
		printf(_("%s (%s): envmond %s, pid %s, running since %s\n"), str(d, "site"), str(d, "code"),
			str(d, "version"), str(d, "pid"), fmt_time(jget_num(d, "started"), NAN, t, sizeof(t)));
	print_devices(jget_member(st, "devices"), now);
	print_servers(jget_member(st, "servers"));
	print_incidents(jget_member(st, "incidents"), now);
	print_spool(jget_member(st, "spool"));
	print_silences(jget_member(st, "silences"), now);
}

/* ------------------------------------------------------------------ commands */

/* "90", "90s", "30m", "4h", "2d", "1h30m" -> seconds; -1 if malformed. */
static long long parse_duration(const char *s)
{
	long long total = 0;

	if (!*s)
		return -1;
	while (*s) {
		char *end;
		long long v;

		errno = 0;
		v = strtoll(s, &end, 10);
		if (errno || end == s || v < 0 || v > 100LL * 86400)
			return -1;
		switch (*end) {
		case '\0': case 's': break;
		case 'm': v *= 60; break;
		case 'h': v *= 3600; break;
		case 'd': v *= 86400; break;
		default: return -1;
		}
		total += v;
		s = *end ? end + 1 : end;
	}
	return total;
}

/* The journal records who set a silence: the daemon knows the client's user from the
 * socket; behind sudo that is root, so the user sudo names is sent too. */
static void add_sudo_user(struct json_object *req)
{
	const char *user = getenv("SUDO_USER");

	if (user && user[0])
		json_object_object_add(req, "sudo_user", json_object_new_string(user));
}

/* What each command takes, for the message that names a wrong word. */
static const struct {
	const char *name;
	int argc;                  /* words, the command included */
	const char *args;
} commands[] = {
	{ "status", 1, "[--json]" }, { "reload", 1, "" }, { "test-mail", 1, "" },
	{ "silence", 4, "TARGET DURATION REASON" }, { "unsilence", 2, "TARGET" },
};

/* False, after saying which word is wrong, when argv is no command envmonctl knows. */
static bool check_command(int argc, char **argv)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(argv[0], commands[i].name) != 0)
			continue;
		if (i == 0 && argc == 2 && strcmp(argv[1], "--json") != 0)
			fprintf(stderr, _("envmonctl: status: unknown option '%s' (only --json)\n"), text_esc(argv[1]));
		else if (argc == commands[i].argc || (i == 0 && argc == 2))
			return true;
		else
			fprintf(stderr, _("envmonctl: usage: envmonctl %s %s\n"), commands[i].name, commands[i].args);
		return false;
	}
	fprintf(stderr, _("envmonctl: unknown command '%s' (status, test-mail, silence, unsilence, reload; "
		"see envmonctl --help)\n"), text_esc(argv[0]));
	return false;
}

static struct json_object *build_request(int argc, char **argv, bool *json_out)
{
	struct json_object *req;
	const char *cmd = argv[0];
	long long secs = 0;

	if (!check_command(argc, argv))
		return NULL;
	if (strcmp(cmd, "silence") == 0 && (secs = parse_duration(argv[2])) <= 0) {
		fprintf(stderr, _("envmonctl: silence: '%s' is not a duration: give seconds (5400) or a "
			"number with a unit, as in 90m, 4h, 2d or 1h30m\n"), text_esc(argv[2]));
		return NULL;
	}
	req = json_object_new_object();
	json_object_object_add(req, "command", json_object_new_string(cmd));
	if (strcmp(cmd, "status") == 0) {
		*json_out = argc == 2;
	} else if (strcmp(cmd, "unsilence") == 0) {
		json_object_object_add(req, "target", json_object_new_string(argv[1]));
		add_sudo_user(req);
	} else if (strcmp(cmd, "silence") == 0) {
		json_object_object_add(req, "target", json_object_new_string(argv[1]));
		json_object_object_add(req, "duration", json_object_new_int64(secs));
		json_object_object_add(req, "reason", json_object_new_string(argv[3]));
		add_sudo_user(req);
	}
	return req;
}

/* envmonctl test-mail: the daemon queued the message and its mailer thread sends it;
 * ask for the outcome until it is known or the daemon's bound ("wait_s", the mail
 * timeout and a margin) has passed. The server's answer is printed either way. */
static int wait_test_mail(const char *socket_path, struct json_object *queued)
{
	struct json_object *req = json_object_new_object(), *resp = NULL;
	double wait_s = jget_num(queued, "wait_s");
	int64_t polls = (int64_t)((isnan(wait_s) ? 75 : wait_s) * 5), i;
	int rc = ENVMON_EX_FAIL;

	json_object_object_add(req, "command", json_object_new_string("test-mail-result"));
	json_object_object_add(req, "name", json_object_new_string(str(queued, "queued")));
	for (i = 0; i < polls; i++, json_object_put(resp), resp = NULL) {
		struct json_object *done;

		usleep(200000);
		if (!(resp = ask(socket_path, req)) || !jget_member(resp, "ok") ||
		    !json_object_get_boolean(jget_member(resp, "ok"))) {
			fprintf(stderr, _("envmonctl: %s: %s\n"), "test-mail", resp && str(resp, "error") ?
				str(resp, "error") : _("no answer from envmond"));
			break;
		}
		if (!(done = jget_member(resp, "done")) || !json_object_get_boolean(done))
			continue;
		if (json_object_get_boolean(jget_member(resp, "sent"))) {
			printf(_("test mail sent: the server answered \"%s\"\n"), str(resp, "reply"));
			rc = ENVMON_EX_OK;
		} else {
			fprintf(stderr, _("test mail failed: %s\n"), str(resp, "reply"));
		}
		break;
	}
	if (i == polls)
		fprintf(stderr, _("test mail: no outcome after %.0f s; see envmonctl status and the "
			"daemon's log\n"), wait_s);
	json_object_put(resp);
	json_object_put(req);
	return rc;
}

/* The names of a JSON array, escaped, one space between them. */
static char *name_list(struct json_object *names)
{
	char *out = xstrdup(""), *next;

	for (size_t i = 0; names && i < json_object_array_length(names); i++, free(out), out = next)
		next = xasprintf("%s%s%s", out, i ? " " : "",
			text_esc(json_object_get_string(json_object_array_get_idx(names, i))));
	return out;
}

/* The daemon's answer to a name it does not know, in the user's language. */
static void print_unknown_target(const char *cmd, struct json_object *resp)
{
	char *devices = name_list(jget_member(resp, "devices")), *servers = name_list(jget_member(resp, "servers"));

	fprintf(stderr, _("envmonctl: %s: no device or server is called '%s'; devices: %s; servers: %s\n"),
		cmd, str(resp, "unknown_target"), devices, servers);
	free(devices);
	free(servers);
}

static int report(const char *cmd, struct json_object *resp, bool json_out)
{
	struct json_object *ok = jget_member(resp, "ok"), *errs = jget_member(resp, "errors");
	char t[64];

	if (json_out) {
		printf("%s\n", json_object_to_json_string_ext(jget_member(resp, "status"), JSON_C_TO_STRING_PRETTY));
		return ok && json_object_get_boolean(ok) ? ENVMON_EX_OK : ENVMON_EX_FAIL;
	}
	if ((!ok || !json_object_get_boolean(ok)) && str(resp, "unknown_target")) {
		print_unknown_target(cmd, resp);
		return ENVMON_EX_FAIL;
	}
	if (!ok || !json_object_get_boolean(ok)) {
		fprintf(stderr, _("envmonctl: %s: %s\n"), cmd, str(resp, "error") ? text_esc(str(resp, "error")) : "?");
		for (size_t i = 0; errs && i < json_object_array_length(errs); i++)
			fprintf(stderr, "  %s\n",
				text_esc(json_object_get_string(json_object_array_get_idx(errs, i))));
		return ENVMON_EX_FAIL;
	}
	if (strcmp(cmd, "status") == 0)
		print_status(jget_member(resp, "status"));
	else if (strcmp(cmd, "reload") == 0)
		printf(_("configuration reloaded: %s\n"), str(resp, "summary"));
	else if (strcmp(cmd, "silence") == 0)
		printf(_("silenced until %s\n"), fmt_time(jget_num(resp, "until"), NAN, t, sizeof(t)));
	else if (strcmp(cmd, "test-mail") == 0)
		printf(_("test mail queued as %s, waiting for the server's answer...\n"), str(resp, "queued"));
	else
		printf(_("done\n"));
	return ENVMON_EX_OK;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "socket", required_argument, NULL, 's' }, { "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' }, { "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	const char *sock = NULL, *conf = SYSCONFDIR "/envmond/envmond.conf";
	struct json_object *req, *resp;
	char *path;
	bool json_out = false;
	int c, rc;

	envmon_i18n_init();
	/* "+": options after the command (status --json) belong to the command. */
	while ((c = getopt_long(argc, argv, "+s:c:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 's': sock = optarg; break;
		case 'c': conf = optarg; break;
		case 'h': usage(stdout); return ENVMON_EX_OK;
		case 'V': printf("envmonctl %s\n", PACKAGE_VERSION); return ENVMON_EX_OK;
		default: usage(stderr); return ENVMON_EX_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return ENVMON_EX_USAGE;
	}
	if (!(req = build_request(argc - optind, argv + optind, &json_out)))
		return ENVMON_EX_USAGE;
	path = sock ? xstrdup(sock) : ctlclient_socket_from_config(conf, RUNSTATEDIR "/envmond/envmond.sock");
	resp = ask(path, req);
	rc = resp ? report(argv[optind], resp, json_out) : ENVMON_EX_UNAVAILABLE;
	if (rc == ENVMON_EX_OK && strcmp(argv[optind], "test-mail") == 0)
		rc = wait_test_mail(path, resp);
	json_object_put(req);
	json_object_put(resp);
	free(path);
	return rc;
}
