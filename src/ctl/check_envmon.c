/* check_envmon.c — a Nagios/Centreon/Icinga check (Monitoring Plugins guidelines): asks
 * the running envmond over its control socket for its status, never a device, and
 * prints one status line with every reading as perfdata and one line per open incident.
 * It is also the dead-man's switch: a daemon that does not answer, that no longer polls
 * or whose mail spool keeps failing gives UNKNOWN (CRITICAL with --dead-critical). */
#include <config.h>

#include <errno.h>
#include <getopt.h>
#include <json-c/json.h>
#include <locale.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctlclient.h"
#include "envmon.h"
#include "jget.h"
#include "xmem.h"

#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif
#ifndef RUNSTATEDIR
#define RUNSTATEDIR "/run"
#endif

/* Monitoring Plugins exit codes. */
enum state { ST_OK, ST_WARNING, ST_CRITICAL, ST_UNKNOWN };

struct options {
	const char *socket, *config, *server, *device, *criterion;
	unsigned intervals;        /* a device not polled for this many intervals: dead */
	unsigned mail_minutes;     /* a spool failing for longer: dead */
	unsigned timeout_s;
	bool dead_critical;
};

struct check {
	const struct options *opt;
	enum state state;
	char summary[512];
	char *perf;                /* perfdata, growing */
	size_t perf_len, perf_cap;
	char *details;             /* long output, growing */
	size_t det_len, det_cap;
	locale_t c_locale;         /* numbers in perfdata: always the C locale */
};

static void usage(FILE *out)
{
	fprintf(out, _("Usage: check_envmon [OPTION]...\n"
		"Nagios/Centreon check of the running envmond: open incidents, readings as perfdata,\n"
		"and whether envmond answers, polls and sends its mail.\n\n"
		"  -s, --socket SOCKET      the daemon's control socket\n"
		"  -c, --config FILE        read the socket's path from FILE (default %s)\n"
		"  -S, --server NAME        only the incidents of this server\n"
		"  -D, --device NAME        only this device (incidents, readings, polling)\n"
		"  -C, --criterion NAME     only this criterion (temperature, humidity, ...)\n"
		"  -n, --intervals N        not polled for N intervals: envmond is stuck (default 3)\n"
		"  -m, --mail-minutes M     mail spool failing for M minutes (default 60)\n"
		"  -x, --dead-critical      CRITICAL instead of UNKNOWN when envmond is dead or stuck\n"
		"  -t, --timeout SECONDS    wait at most this long for envmond (default 10)\n"
		"  -h, --help               show this help\n"
		"  -V, --version            show the version\n"), SYSCONFDIR "/envmond/envmond.conf");
}

/* ------------------------------------------------------------------ text */

static void append(char **buf, size_t *len, size_t *cap, const char *s)
{
	size_t n = strlen(s);

	*buf = xgrow(*buf, cap, *len + n + 1, 1);
	memcpy(*buf + *len, s, n + 1);
	*len += n;
}

/* Text from the daemon (device errors, SMTP replies) on one line without '|', which
 * would start perfdata, nor control characters, which a terminal or a web UI obeys. */
static void clean(const char *s, char *out, size_t size)
{
	size_t i = 0;

	for (; s && *s && i + 1 < size; s++)
		out[i++] = ((unsigned char)*s < 0x20 || *s == 0x7f || *s == '|') ? '?' : *s;
	out[i] = '\0';
}

/* A number as the C locale writes it, whatever LC_NUMERIC says. */
static void number(const struct check *ck, double v, char *out, size_t size)
{
	locale_t old = uselocale(ck->c_locale);

	snprintf(out, size, "%.10g", v);
	uselocale(old);
}

static void raise_state(struct check *ck, enum state st)
{
	/* UNKNOWN ranks below CRITICAL only for the dead-man's switch, handled apart. */
	if (st > ck->state)
		ck->state = st;
}

static void line(struct check *ck, const char *text)
{
	append(&ck->details, &ck->det_len, &ck->det_cap, text);
	append(&ck->details, &ck->det_len, &ck->det_cap, "\n");
}

/* ------------------------------------------------------------------ thresholds */

/* The envelope of criterion for the servers considered: the tightest of their specs
 * (a reading is out for the court as soon as it is out for one of them). */
struct envelope {
	double warn_lo, warn_hi, crit_lo, crit_hi;
};

static void tighten(double *lo, double *hi, struct json_object *range)
{
	struct json_object *a = range && json_object_is_type(range, json_type_array) ? range : NULL;
	struct json_object *l = a ? json_object_array_get_idx(a, 0) : NULL;
	struct json_object *h = a ? json_object_array_get_idx(a, 1) : NULL;

	if (l && (json_object_is_type(l, json_type_double) || json_object_is_type(l, json_type_int))) {
		double v = json_object_get_double(l);

		if (isnan(*lo) || v > *lo)
			*lo = v;
	}
	if (h && (json_object_is_type(h, json_type_double) || json_object_is_type(h, json_type_int))) {
		double v = json_object_get_double(h);

		if (isnan(*hi) || v < *hi)
			*hi = v;
	}
}

static struct envelope envelope_of(struct json_object *servers, const char *server, const char *metric)
{
	struct envelope e = { NAN, NAN, NAN, NAN };

	for (size_t i = 0; servers && i < json_object_array_length(servers); i++) {
		struct json_object *srv = json_object_array_get_idx(servers, i), *crits = jget_array(srv, "criteria");
		const char *name = jget_str(srv, "name");

		if (server && (!name || strcmp(name, server) != 0))
			continue;
		for (size_t k = 0; crits && k < json_object_array_length(crits); k++) {
			struct json_object *c = json_object_array_get_idx(crits, k);
			const char *crit = jget_str(c, "criterion");

			if (crit && strcmp(crit, metric) == 0) {
				tighten(&e.warn_lo, &e.warn_hi, jget_member(c, "warn"));
				tighten(&e.crit_lo, &e.crit_hi, jget_member(c, "crit"));
			}
		}
	}
	return e;
}

/* A Nagios range: "lo:hi" is OK inside; "~:hi" without a lower bound, "lo:" without
 * an upper one; empty without either. Never a bare "hi", which alerts below 0 too. */
static void range_text(const struct check *ck, double lo, double hi, char *out, size_t size)
{
	char l[32] = "~", h[32] = "";

	if (isnan(lo) && isnan(hi)) {
		out[0] = '\0';
		return;
	}
	if (!isnan(lo))
		number(ck, lo, l, sizeof(l));
	if (!isnan(hi))
		number(ck, hi, h, sizeof(h));
	snprintf(out, size, "%s:%s", l, h);
}

/* Nagios knows few units: %, s (and B, c); the others go without. */
static const char *uom(const char *unit)
{
	return unit && (strcmp(unit, "%") == 0 || strcmp(unit, "s") == 0) ? unit : "";
}

/* ------------------------------------------------------------------ the checks */

static bool selected(const char *want, const char *have)
{
	return !want || (have && strcmp(want, have) == 0);
}

/* 'device#metric'=value[UOM];warn;crit;; for every numeric reading: the label Centreon
 * reads as instance#metric, one graph per instance. */
static void add_perfdata(struct check *ck, struct json_object *dev, struct json_object *servers)
{
	struct json_object *rs = jget_array(dev, "readings");
	const char *name = jget_str(dev, "name");

	for (size_t i = 0; rs && i < json_object_array_length(rs); i++) {
		struct json_object *r = json_object_array_get_idx(rs, i);
		const char *metric = jget_str(r, "metric");
		double v = jget_num(r, "value");
		char label[160], val[32], warn[80], crit[80], item[400];
		struct envelope e;

		if (!metric || isnan(v) || !selected(ck->opt->criterion, metric))
			continue;
		e = envelope_of(servers, ck->opt->server, metric);
		clean(name, label, sizeof(label) / 2);
		snprintf(label + strlen(label), sizeof(label) - strlen(label), "#%s", metric);
		number(ck, v, val, sizeof(val));
		range_text(ck, e.warn_lo, e.warn_hi, warn, sizeof(warn));
		range_text(ck, e.crit_lo, e.crit_hi, crit, sizeof(crit));
		snprintf(item, sizeof(item), "%s'%s'=%s%s;%s;%s;;", ck->perf_len ? " " : "", label, val,
			uom(jget_str(r, "unit")), warn, crit);
		append(&ck->perf, &ck->perf_len, &ck->perf_cap, item);
	}
}

/* The dead-man's part for one device: last polled longer ago than N intervals. */
static bool stuck(const struct check *ck, struct json_object *dev, double now, double started, double *age)
{
	double last = jget_num(dev, "last_poll"), interval = jget_num(dev, "interval");

	/* A device whose transport cannot be opened is the device's problem (a contact
	 * incident), not a sign that envmond stopped polling. */
	if (isnan(interval) || interval <= 0 || strcmp(jget_str(dev, "state") ? jget_str(dev, "state") : "", "unopened") == 0)
		return false;
	*age = now - (isnan(last) ? started : last);
	return *age > interval * ck->opt->intervals;
}

static size_t check_devices(struct check *ck, struct json_object *status, char *dead, size_t dead_size)
{
	struct json_object *devs = jget_array(status, "devices"), *servers = jget_array(status, "servers");
	double now = (double)time(NULL), started = jget_num(jget_object(status, "daemon"), "started");
	size_t n = 0;

	for (size_t i = 0; devs && i < json_object_array_length(devs); i++) {
		struct json_object *dev = json_object_array_get_idx(devs, i);
		const char *name = jget_str(dev, "name");
		double age;

		if (!selected(ck->opt->device, name))
			continue;
		n++;
		add_perfdata(ck, dev, servers);
		if (!dead[0] && stuck(ck, dev, now, started, &age)) {
			char clean_name[128];

			clean(name, clean_name, sizeof(clean_name));
			snprintf(dead, dead_size, _("envmond has not polled %s for %.0f s"), clean_name, age);
		}
	}
	return n;
}

static bool incident_selected(const struct check *ck, struct json_object *inc)
{
	struct json_object *srvs = jget_array(inc, "servers");
	bool server_ok = !ck->opt->server;

	for (size_t i = 0; !server_ok && srvs && i < json_object_array_length(srvs); i++)
		server_ok = strcmp(json_object_get_string(json_object_array_get_idx(srvs, i)), ck->opt->server) == 0;
	return server_ok && selected(ck->opt->device, jget_str(inc, "device")) &&
		selected(ck->opt->criterion, jget_str(inc, "criterion"));
}

static const char *severity_text(const char *sev)
{
	if (sev && strcmp(sev, "critical") == 0)
		return _("critical");
	if (sev && strcmp(sev, "warning") == 0)
		return _("warning");
	return sev ? sev : "?";
}

/* One line per open incident: id, severity, criterion, source, since, servers. */
static void incident_line(struct check *ck, struct json_object *inc)
{
	struct json_object *srvs = jget_array(inc, "servers");
	char servers[512] = "", clean_servers[512], src[128], id[96], crit[64], since[32] = "?", text[1024];
	const char *source = jget_str(inc, "device") ? jget_str(inc, "device") : jget_str(inc, "rack");
	time_t t = (time_t)jget_num(inc, "opened");
	struct tm tm;

	for (size_t i = 0; srvs && i < json_object_array_length(srvs); i++)
		snprintf(servers + strlen(servers), sizeof(servers) - strlen(servers), "%s%s", i ? ", " : "",
			json_object_get_string(json_object_array_get_idx(srvs, i)));
	clean(source, src, sizeof(src));
	clean(jget_str(inc, "id"), id, sizeof(id));
	clean(jget_str(inc, "criterion"), crit, sizeof(crit));
	if (t > 0 && localtime_r(&t, &tm))
		strftime(since, sizeof(since), "%Y-%m-%d %H:%M", &tm);
	clean(servers, clean_servers, sizeof(clean_servers));
	snprintf(text, sizeof(text), _("%s %s: %s on %s since %s (servers: %s)"), id,
		severity_text(jget_str(inc, "severity")), crit, src, since, clean_servers);
	line(ck, text);
}

static void check_incidents(struct check *ck, struct json_object *status, size_t *n_crit, size_t *n_warn)
{
	struct json_object *incs = jget_array(status, "incidents");

	*n_crit = *n_warn = 0;
	for (size_t i = 0; incs && i < json_object_array_length(incs); i++) {
		struct json_object *inc = json_object_array_get_idx(incs, i);
		const char *sev = jget_str(inc, "severity");

		if (!incident_selected(ck, inc))
			continue;
		if (sev && strcmp(sev, "critical") == 0) {
			(*n_crit)++;
			raise_state(ck, ST_CRITICAL);
		} else {
			(*n_warn)++;
			raise_state(ck, ST_WARNING);
		}
		incident_line(ck, inc);
	}
}

/* A spool that holds mail and has been failing for longer than the limit. */
static bool spool_failing(const struct check *ck, struct json_object *status, char *why, size_t size)
{
	struct json_object *sp = jget_object(status, "spool");
	double pending = jget_num(sp, "pending"), age = jget_num(sp, "oldest_age_s");
	const char *err = jget_str(sp, "last_error");
	char text[256];

	if (!sp || isnan(pending) || pending <= 0 || !err || isnan(age) || age < ck->opt->mail_minutes * 60.0)
		return false;
	clean(err, text, sizeof(text));
	snprintf(why, size, _("mail spool failing for %.0f min (%.0f pending): %s"), age / 60, pending, text);
	return true;
}

/* ------------------------------------------------------------------ main */

static enum state dead_state(const struct options *opt)
{
	return opt->dead_critical ? ST_CRITICAL : ST_UNKNOWN;
}

static void summarize(struct check *ck, struct json_object *status, size_t n_dev, size_t n_crit, size_t n_warn)
{
	char code[64];

	clean(jget_str(jget_object(status, "daemon"), "code"), code, sizeof(code));
	if (n_crit + n_warn == 0)
		snprintf(ck->summary, sizeof(ck->summary), ngettext("%s: %zu device, no open incident",
			"%s: %zu devices, no open incident", n_dev), code, n_dev);
	else
		snprintf(ck->summary, sizeof(ck->summary), ngettext("%s: %zu open incident (%zu critical, %zu warning)",
			"%s: %zu open incidents (%zu critical, %zu warning)", n_crit + n_warn), code,
			n_crit + n_warn, n_crit, n_warn);
}

static void evaluate(struct check *ck, struct json_object *status)
{
	char dead[512] = "";
	size_t n_dev, n_crit, n_warn;

	n_dev = check_devices(ck, status, dead, sizeof(dead));
	check_incidents(ck, status, &n_crit, &n_warn);
	summarize(ck, status, n_dev, n_crit, n_warn);
	if (ck->opt->device && n_dev == 0) {
		char name[128];

		clean(ck->opt->device, name, sizeof(name));
		snprintf(dead, sizeof(dead), _("no device named %s"), name);
		ck->state = ST_UNKNOWN;
		snprintf(ck->summary, sizeof(ck->summary), "%s", dead);
		return;
	}
	if (dead[0] || spool_failing(ck, status, dead, sizeof(dead))) {
		ck->state = ck->state == ST_CRITICAL ? ST_CRITICAL : dead_state(ck->opt);
		snprintf(ck->summary + strlen(ck->summary), sizeof(ck->summary) - strlen(ck->summary), ", %s", dead);
	}
}

static int parse_uint(const char *s, unsigned min, unsigned max, unsigned *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		return -1;
	*out = (unsigned)v;
	return 0;
}

static int parse_args(int argc, char **argv, struct options *opt)
{
	static const struct option longopts[] = {
		{ "socket", required_argument, NULL, 's' }, { "config", required_argument, NULL, 'c' },
		{ "server", required_argument, NULL, 'S' }, { "device", required_argument, NULL, 'D' },
		{ "criterion", required_argument, NULL, 'C' }, { "intervals", required_argument, NULL, 'n' },
		{ "mail-minutes", required_argument, NULL, 'm' }, { "dead-critical", no_argument, NULL, 'x' },
		{ "timeout", required_argument, NULL, 't' }, { "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' }, { NULL, 0, NULL, 0 }
	};
	int c;

	while ((c = getopt_long(argc, argv, "s:c:S:D:C:n:m:xt:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 's': opt->socket = optarg; break;
		case 'c': opt->config = optarg; break;
		case 'S': opt->server = optarg; break;
		case 'D': opt->device = optarg; break;
		case 'C': opt->criterion = optarg; break;
		case 'n': if (parse_uint(optarg, 1, 1000, &opt->intervals) < 0) return -1; break;
		case 'm': if (parse_uint(optarg, 0, 100000, &opt->mail_minutes) < 0) return -1; break;
		case 'x': opt->dead_critical = true; break;
		case 't': if (parse_uint(optarg, 1, 300, &opt->timeout_s) < 0) return -1; break;
		case 'h': usage(stdout); exit(ST_OK);
		case 'V': printf("check_envmon %s\n", PACKAGE_VERSION); exit(ST_OK);
		default: return -1;
		}
	}
	return optind == argc ? 0 : -1;
}

/* The daemon's status, or NULL with why filled. */
static struct json_object *ask_status(const struct options *opt, char *why, size_t size)
{
	char *path = opt->socket ? xstrdup(opt->socket) :
		ctlclient_socket_from_config(opt->config, RUNSTATEDIR "/envmond/envmond.sock");
	struct json_object *req = json_object_new_object(), *resp, *status = NULL;
	enum ctlclient_error err;

	json_object_object_add(req, "command", json_object_new_string("status"));
	resp = ctlclient_ask(path, req, (int)opt->timeout_s * 1000, &err);
	if (err == CTLCLIENT_CONNECT)
		snprintf(why, size, _("envmond is not reachable at %s: %s"), path, strerror(errno));
	else if (err != CTLCLIENT_OK)
		snprintf(why, size, _("no valid answer from envmond at %s"), path);
	else if (!jget_bool(resp, "ok") || !(status = jget_object(resp, "status")))
		snprintf(why, size, _("envmond refused the status request"));
	if (status)
		json_object_get(status);
	json_object_put(resp);
	json_object_put(req);
	free(path);
	return status;
}

static void print_result(const struct check *ck)
{
	static const char *const names[] = { "OK", "WARNING", "CRITICAL", "UNKNOWN" };

	printf("ENVMON %s: %s", names[ck->state], ck->summary);
	if (ck->perf_len)
		printf(" | %s", ck->perf);
	printf("\n%s", ck->details ? ck->details : "");
}

int main(int argc, char **argv)
{
	struct options opt = { .config = SYSCONFDIR "/envmond/envmond.conf", .intervals = 3,
		.mail_minutes = 60, .timeout_s = 10 };
	struct check ck = { .opt = &opt };
	struct json_object *status;
	char why[512];

	envmon_i18n_init();
	if (parse_args(argc, argv, &opt) < 0) {
		usage(stderr);
		printf("ENVMON UNKNOWN: %s\n", _("invalid arguments"));
		return ST_UNKNOWN;
	}
	ck.c_locale = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
	status = ask_status(&opt, why, sizeof(why));
	if (!status) {
		ck.state = dead_state(&opt);
		clean(why, ck.summary, sizeof(ck.summary));
	} else {
		evaluate(&ck, status);
	}
	print_result(&ck);
	json_object_put(status);
	free(ck.perf);
	free(ck.details);
	freelocale(ck.c_locale);
	return (int)ck.state;
}
