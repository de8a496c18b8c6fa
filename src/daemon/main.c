/* main.c — envmond's command line: check the configuration (-t), probe one device
 * (--probe), or run the monitoring loop, in the foreground (-f) or as a daemon.
 * Over 600 lines: the command line and the wiring of every module (start and stop in
 * order, the reload participants, the control commands that reach several modules),
 * each a few lines; daemonizing is daemonize.c's, the mail service mailsvc.c's. */
#include <config.h>

#include <errno.h>
#include <json-c/json.h>
#include <libgen.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agentx.h"
#include "alert.h"
#include "cfgparse.h"
#include "conf.h"
#include "confdiff.h"
#include "context.h"
#include "dailymail.h"
#include "control.h"
#include "daemonctl.h"
#include "daemonize.h"
#include "journal.h"
#include "log.h"
#include "clock.h"
#include "mailsvc.h"
#include "pipeline.h"
#include "poller.h"
#include "privdrop.h"
#include "readings.h"
#include "reload.h"
#include "ipmidrv.h"
#include "nutdrv.h"
#include "probe.h"
#include "proflist.h"
#include "sched.h"
#include "sdnotify.h"
#include "snmpdisc.h"
#include "silence.h"
#include "spool.h"
#include "status.h"
#include "store.h"
#include "xmem.h"

#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif

struct options {
	const char *config_file;
	bool foreground;
	bool check_only;
	bool debug;
	const char *probe_device;
	bool list_profiles;        /* --list-profiles */
	bool json;
	bool test_mail;
	unsigned probe_all_cycles;  /* --probe-all N: benchmark mode */
	const char *discover;       /* --discover HOST[:PORT]: a NUT upsd's UPS units;
	                             * snmp://[COMMUNITY@]HOST[:PORT]: the profiles that fit */
	const char *snmp_version;   /* --snmp-version 1|2c for --discover snmp://... */
};

struct daemon_state {
	const struct options *opt;
	struct config *cfg;
	int pid_fd;
	struct mailsvc mail;
	struct dailymail digest;
	struct pipeline *pipe;
	struct poller *poller;
	char *pid_path;            /* the pid file in use (a reload cannot move it) */
	struct privdrop pd;
	struct readings *readings;
	struct silences *silences;
	struct control *ctl;
	struct agentx *agentx;
	struct daemonctl dc;
	struct reload reload;
	int startup_fd;            /* daemon mode: the pipe to the waiting parent, else -1 */
};

static void usage(FILE *out)
{
	fprintf(out, _("Usage: envmond [-c FILE] [-f] [-d] [-t]\n"
		"       envmond [-c FILE] --probe DEVICE [--json]\n"
		"Watches the hosting conditions of a court server room (UPS, air conditioning,\n"
		"rack probes) and e-mails the ARSIT when they leave the hosting spec.\n\n"
		"  -c, --config FILE    configuration file (default %s)\n"
		"  -f, --foreground     stay in the foreground and log to standard error\n"
		"  -d, --debug          log debugging messages too\n"
		"  -t, --check          check the configuration and the profiles, then exit\n"
		"      --probe DEVICE   poll one device once and print what it answers\n"
		"      --json           with --probe: print JSON\n"
		"      --test-mail      send a test e-mail through the spool and the mail server\n"
		"      --probe-all N    benchmark: poll every device at once, N times, and print\n"
		"                       the wall time of each cycle\n"
		"  -h, --help           show this help\n"
		"  -V, --version        show the version\n"),
		SYSCONFDIR "/envmond/envmond.conf");
	fprintf(out, _("      --discover HOST[:PORT]  list the UPS units a NUT upsd serves, then exit\n"));
	fprintf(out, _("      --discover snmp://[COMMUNITY@]HOST[:PORT]  print the profiles that fit an SNMP\n"
		"                       device, what each reads now and a device block, then exit\n"
		"      --snmp-version 1|2c  SNMP version for --discover snmp://... (default 2c)\n"));
	fprintf(out, _("      --list-profiles  list the profiles, the devices using them and their files\n"));
}

static int parse_args(int argc, char **argv, struct options *opt)
{
	enum { OPT_PROBE = 256, OPT_JSON, OPT_TEST_MAIL, OPT_PROBE_ALL, OPT_DISCOVER, OPT_SNMP_VERSION,
		OPT_LIST_PROFILES };
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "debug", no_argument, NULL, 'd' },
		{ "check", no_argument, NULL, 't' },
		{ "probe", required_argument, NULL, OPT_PROBE },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "test-mail", no_argument, NULL, OPT_TEST_MAIL },
		{ "probe-all", required_argument, NULL, OPT_PROBE_ALL },
		{ "discover", required_argument, NULL, OPT_DISCOVER },
		{ "snmp-version", required_argument, NULL, OPT_SNMP_VERSION },
		{ "list-profiles", no_argument, NULL, OPT_LIST_PROFILES },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	int c;

	opt->config_file = SYSCONFDIR "/envmond/envmond.conf";
	while ((c = getopt_long(argc, argv, "c:fdthV", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': opt->config_file = optarg; break;
		case 'f': opt->foreground = true; break;
		case 'd': opt->debug = true; break;
		case 't': opt->check_only = true; break;
		case OPT_PROBE: opt->probe_device = optarg; break;
		case OPT_JSON: opt->json = true; break;
		case OPT_TEST_MAIL: opt->test_mail = true; break;
		case OPT_PROBE_ALL: opt->probe_all_cycles = (unsigned)strtoul(optarg, NULL, 10); break;
		case OPT_DISCOVER: opt->discover = optarg; break;
		case OPT_SNMP_VERSION:
			if (strcmp(optarg, "1") != 0 && strcmp(optarg, "2c") != 0) {
				fprintf(stderr, _("envmond: --snmp-version wants 1 or 2c, not '%s'\n"), optarg);
				return -1;
			}
			opt->snmp_version = optarg;
			break;
		case OPT_LIST_PROFILES: opt->list_profiles = true; break;
		case 'h': usage(stdout); exit(ENVMON_EX_OK);
		case 'V': printf("envmond %s\n", PACKAGE_VERSION); exit(ENVMON_EX_OK);
		default: usage(stderr); return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, _("envmond: unexpected argument '%s'\n"), argv[optind]);
		return -1;
	}
	if (opt->json && !opt->probe_device) {
		fprintf(stderr, _("envmond: --json goes with --probe\n"));
		return -1;
	}
	return 0;
}

/* Loads the configuration; on error prints every problem as file:line: message. */
static struct config *load_config(const char *file, FILE *errors)
{
	struct cfgparse p;
	struct config *cfg;

	cfgparse_init(&p);
	cfg = conf_load(&p, file);
	if (!cfg) {
		if (errors)
			cfgparse_print(&p, errors);
		else
			for (size_t i = 0; i < p.n_errors; i++)
				log_err("%s", p.errors[i]);
	}
	cfgparse_fini(&p);
	return cfg;
}

/* ------------------------------------------------------------------ monitoring */

/* Each reading at debug level: what `envmond -f -d` shows a technician wiring a device. */
static void log_result(const struct poll_result *res)
{
	const struct profile *prof = res->dev->profile;

	if (!res->answered)
		return;   /* the poller logs silences */
	for (size_t i = 0; i < res->n_readings; i++) {
		const struct reading *r = &res->readings[i];

		log_debug("%s: %s status=%d raw=%.10g value=%.10g", res->dev->name, prof->metrics[i].name,
			(int)r->status, r->raw, r->value);
	}
	if (res->error)
		log_debug("%s: %s", res->dev->name, res->error);
}

static void on_poll_result(void *arg, const struct poll_result *res)
{
	struct daemon_state *st = arg;

	log_result(res);
	readings_record(st->readings, res);
	if (st->pipe)
		pipeline_result(st->pipe, res);
}

/* ------------------------------------------------------------------ signals */

static void on_terminate(void *arg, int signo)
{
	log_notice("signal %d received: exiting", signo);
	sched_stop();
}

/* ------------------------------------------------------------------ storage */

/* RRD storage of every reading: the files of all configured devices are checked (and
 * given new data sources) before the loop starts. */
static int storage_start(const struct config *cfg)
{
	if (store_init(cfg->paths.state_dir, cfg->storage.step_s, cfg->storage.batch_s, cfg->storage.rrdcached) < 0)
		return -1;
	if (store_open_config(cfg) < 0) {
		store_fini();
		return -1;
	}
	return 0;
}

/* The pipeline's tap: one RRD update per device per poll, with its derived values. */
static void store_result(void *arg, const struct poll_result *res, const struct derived *d)
{
	struct store_value v[128];
	size_t n = store_values_from_result(res, d, v, ARRAY_SIZE(v));

	store_write(res->dev->name, res->time, v, n);
	if (res->answered)
		store_write_instances(res);
}

/* Incident ids come from the journal; the spool keeps names for days after it (a journal
 * moved aside): new ids are made after those too, or their alert would be taken for one
 * already sent. */
static void reserve_spool_ids(struct daemon_state *st)
{
	char day[9];
	unsigned n;

	if (st->pipe && st->mail.spool && spool_last_id(st->mail.spool, day, &n))
		alert_reserve_id(pipeline_alert(st->pipe), day, n);
}

/* poller -> pipeline (derive, rules, alerts, journal) -> mail spool. Without a usable
 * journal the daemon must not run. A device that cannot be opened is retried by the
 * poller (poller.h) and does not stop the others. */
static int monitoring_start(struct daemon_state *st)
{
	st->pipe = pipeline_new(st->cfg, agentx_notify, st->mail.spool);
	if (!st->pipe)
		return -1;
	reserve_spool_ids(st);
	pipeline_set_tap(st->pipe, store_result, NULL);
	st->readings = readings_new();
	st->poller = poller_new(st->cfg, on_poll_result, st);
	poller_start(st->poller);
	return 0;
}

static void monitoring_stop(struct daemon_state *st)
{
	poller_free(st->poller);
	pipeline_free(st->pipe);
	readings_free(st->readings);
	st->poller = NULL;
	st->pipe = NULL;
	st->readings = NULL;
}

/* ------------------------------------------------------------------ reload */

static void poller_participant(void *arg, const struct config *old_cfg, const struct config *new_cfg,
	const struct confdiff *d)
{
	struct daemon_state *st = arg;

	poller_reload(st->poller, new_cfg, d);
}

static void readings_participant(void *arg, const struct config *old_cfg, const struct config *new_cfg,
	const struct confdiff *d)
{
	struct daemon_state *st = arg;

	readings_reload(st->readings, d);
}

/* The pipeline is rebuilt on the new configuration: the alert lifecycle finds its
 * durable state (journal, alert state) again as after a restart, and the unchanged
 * devices keep their rate-of-change history (pipeline_reload). */
static void pipeline_participant(void *arg, const struct config *old_cfg, const struct config *new_cfg,
	const struct confdiff *d)
{
	struct daemon_state *st = arg;

	st->pipe = pipeline_reload(st->pipe, new_cfg, d, agentx_notify, st->mail.spool);
	if (!st->pipe)
		log_err("monitoring stopped: the journal cannot be used");
	else {
		reserve_spool_ids(st);
		pipeline_set_tap(st->pipe, store_result, NULL);
		alert_set_silences(pipeline_alert(st->pipe), st->silences);
	}
}

/* RRD files: reopened on the new configuration (a device's file keeps its history; a
 * profile that gained a metric gets a new data source). */
static void store_participant(void *arg, const struct config *old_cfg, const struct config *new_cfg,
	const struct confdiff *d)
{
	store_fini();
	if (storage_start(new_cfg) < 0)
		log_err("storage stopped: the RRD files cannot be used (above)");
}

static void reload_participants(struct daemon_state *st)
{
	reload_register(&st->reload, "poller", poller_participant, st);
	reload_register(&st->reload, "readings", readings_participant, st);
	reload_register(&st->reload, "store", store_participant, st);
	/* Mail before the pipeline: the notifications the new pipeline offers again are
	 * written with the new site, contacts and language. */
	reload_register(&st->reload, "mail", mailsvc_participant, &st->mail);
	reload_register(&st->reload, "pipeline", pipeline_participant, st);
}

/* A new configuration replaces the old one only if it is entirely valid; then every
 * module carries its state over by name (reload.h). errors (may be NULL) receives the
 * "file:line: message" lines of an invalid file, which are logged too. */
static int reload_config(void *arg, struct json_object *errors, char *summary, size_t len)
{
	struct daemon_state *st = arg;
	struct cfgparse p;
	struct config *cfg;

	cfgparse_init(&p);
	cfg = conf_load(&p, st->opt->config_file);
	for (size_t i = 0; !cfg && i < p.n_errors; i++) {
		log_err("%s", p.errors[i]);
		if (errors)
			json_object_array_add(errors, json_object_new_string(p.errors[i]));
	}
	cfgparse_fini(&p);
	if (!cfg) {
		log_err("reload refused: the configuration has errors (above); the running one stays");
		return -1;
	}
	sdnotify_reloading();
	reload_apply(&st->reload, st->cfg, cfg, summary, len);
	conf_free(st->cfg);
	st->cfg = cfg;
	log_notice("configuration reloaded from %s: %s", st->opt->config_file, summary);
	sdnotify_reloaded();
	return 0;
}

static void on_hangup(void *arg, int signo)
{
	char summary[256];

	reload_config(arg, NULL, summary, sizeof(summary));
}

/* Silences, the control socket and systemd notification, once privileges are dropped. */
/* envmonctl status: the open incidents of the alert lifecycle. */
static struct json_object *incidents_section(void *arg)
{
	struct daemon_state *st = arg;

	return st->pipe ? alert_incidents_json(pipeline_alert(st->pipe)) : json_object_new_array();
}

/* envmonctl status: each server's criteria as the alert lifecycle sees them. */
static bool criterion_state(void *arg, const struct cfg_server *srv, enum criterion c,
	struct status_criterion *out)
{
	struct daemon_state *st = arg;

	if (st->pipe)
		context_status_trend(pipeline_context(st->pipe), srv, c, clock_wall(), out);
	return st->pipe && status_alert_criterion(pipeline_alert(st->pipe), srv, c, out);
}

/* Silences set with envmonctl go to the journal through the alert lifecycle's handle. */
static int record_in_journal(void *arg, struct json_object *rec)
{
	struct daemon_state *st = arg;
	struct journal *j = st->pipe ? alert_journal(pipeline_alert(st->pipe)) : NULL;

	if (!j) {
		log_err("no journal open (monitoring stopped): record not written");
		return -1;
	}
	return journal_append(j, rec);
}

/* envmon-report asks before it reads the RRD files: the readings still batched in
 * memory are written first. */
static int cmd_flush_storage(void *arg, struct json_object *req, struct json_object *resp)
{
	unsigned long calls = store_stats()->calls;

	(void)arg;
	(void)req;
	store_flush();
	json_object_object_add(resp, "calls", json_object_new_int64((int64_t)(store_stats()->calls - calls)));
	return 0;
}

static int start_control(struct daemon_state *st)
{
	st->silences = silence_open(st->cfg->paths.state_dir);
	st->ctl = control_open(st->cfg->paths.control_socket);
	if (!st->ctl)
		return -1;
	st->dc = (struct daemonctl){ .cfg = &st->cfg, .poller = &st->poller, .readings = st->readings,
		.silences = st->silences, .record = record_in_journal, .record_arg = st, .reload = reload_config,
		.reload_arg = st, .criterion_state = criterion_state, .criterion_arg = st,
		.started = clock_wall() };
	daemonctl_attach(&st->dc, st->ctl);
	mailsvc_attach(&st->mail, st->ctl);
	control_add_section(st->ctl, "incidents", incidents_section, st);
	control_add_command(st->ctl, "flush-storage", cmd_flush_storage, st);
	if (st->pipe)
		alert_set_silences(pipeline_alert(st->pipe), st->silences);
	return 0;
}

static void stop_control(struct daemon_state *st)
{
	control_close(st->ctl);
	silence_close(st->silences);
	st->ctl = NULL;
	st->silences = NULL;
}

/* privdrop_prepare_dir's hook: the pid file is created while root still owns its
 * directory (privdrop.h). */
static int open_pid_file(void *arg)
{
	struct daemon_state *st = arg;

	st->pid_fd = daemonize_pidfile_open(st->pid_path);
	return st->pid_fd < 0 ? -1 : 0;
}

/* As root: the state directory, the directory of the control socket and that of the pid
 * file (each created if missing, once), 0750, owned by the daemon user; the pid file is
 * created before its directory is handed over. */
static int prepare_files(struct daemon_state *st)
{
	char *sock_copy = xstrdup(st->cfg->paths.control_socket), *pid_copy;
	const char *dirs[3];
	int rc = 0;

	st->pid_path = xstrdup(st->cfg->paths.pid_file);
	pid_copy = xstrdup(st->pid_path);
	dirs[0] = st->cfg->paths.state_dir;
	dirs[1] = dirname(sock_copy);
	dirs[2] = dirname(pid_copy);
	for (size_t i = 0; rc == 0 && i < ARRAY_SIZE(dirs); i++) {
		bool seen = false;

		for (size_t k = 0; k < i; k++)
			seen = seen || strcmp(dirs[k], dirs[i]) == 0;
		if (!seen)
			rc = privdrop_prepare_dir(&st->pd, dirs[i], 0750,
				strcmp(dirs[i], dirs[2]) == 0 ? open_pid_file : NULL, st);
	}
	free(sock_copy);
	free(pid_copy);
	return rc;
}

static int run_loop(struct daemon_state *st)
{
	int rc;

	signal(SIGPIPE, SIG_IGN);
	/* A file-size limit makes a write fail with EFBIG, which the journal and the store
	 * handle, instead of killing the daemon. */
	signal(SIGXFSZ, SIG_IGN);
	sched_on_signal(SIGTERM, on_terminate, st);
	sched_on_signal(SIGINT, on_terminate, st);
	sched_on_signal(SIGHUP, on_hangup, st);
	if (privdrop_drop(&st->pd) < 0)
		return ENVMON_EX_UNAVAILABLE;
	/* After the drop: the RRD files belong to the daemon's user. */
	if (storage_start(st->cfg) < 0)
		return ENVMON_EX_UNAVAILABLE;
	if (mailsvc_start(&st->mail) < 0) {
		log_err("cannot start the mail spool in %s", st->cfg->paths.state_dir);
		return ENVMON_EX_SOFTWARE;
	}
	if (monitoring_start(st) < 0)
		return ENVMON_EX_UNAVAILABLE;
	dailymail_start(&st->digest, &st->cfg, &st->mail);
	reload_participants(st);
	if (start_control(st) < 0)
		return ENVMON_EX_UNAVAILABLE;
	st->agentx = agentx_start(st->cfg, st->ctl);
	sdnotify_start(daemonctl_summary, &st->dc);
	daemonize_report(&st->startup_fd, ENVMON_EX_OK);
	log_notice("envmond %s started for %s (%s): %zu devices, %zu racks", PACKAGE_VERSION,
		st->cfg->site.code, st->cfg->site.name, st->cfg->n_devices, st->cfg->n_racks);
	rc = sched_run();
	sdnotify_stopping();
	agentx_stop(st->agentx);
	return rc < 0 ? ENVMON_EX_SOFTWARE : ENVMON_EX_OK;
}

static int run(struct daemon_state *st)
{
	int rc;

	if (privdrop_init(&st->pd, st->cfg) < 0)
		return ENVMON_EX_CONFIG;
	if (!st->opt->foreground && daemonize_start(&st->startup_fd) < 0) {
		log_err("cannot become a daemon: %s", strerror(errno));
		daemonize_report(&st->startup_fd, ENVMON_EX_SOFTWARE);
		return ENVMON_EX_SOFTWARE;
	}
	if (prepare_files(st) < 0) {
		daemonize_report(&st->startup_fd, ENVMON_EX_UNAVAILABLE);
		daemonize_pidfile_close(st->pid_fd, st->pid_path);
		free(st->pid_path);
		privdrop_fini(&st->pd);
		return ENVMON_EX_UNAVAILABLE;
	}
	if (sched_init() < 0) {
		log_err("cannot set up the event loop: %s", strerror(errno));
		rc = ENVMON_EX_SOFTWARE;
	} else {
		rc = run_loop(st);
	}
	daemonize_report(&st->startup_fd, rc);
	stop_control(st);
	monitoring_stop(st);
	dailymail_stop(&st->digest);
	mailsvc_stop(&st->mail);
	store_fini();
	sched_fini();
	daemonize_pidfile_close(st->pid_fd, st->pid_path);
	free(st->pid_path);
	privdrop_fini(&st->pd);
	log_notice("envmond stopped");
	return rc;
}

/* --probe, --probe-all and --test-mail parse what devices and mail servers answer: not
 * as root. Once the configuration (and its secrets) is read they become the daemon's
 * user as the daemon does, so that the spool they write in the state directory is the
 * daemon's too (a root-owned file there would stop the daemon's next start). */
static int tool_drop_privileges(struct daemon_state *st)
{
	int rc = ENVMON_EX_OK;

	if (privdrop_init(&st->pd, st->cfg) < 0)
		return ENVMON_EX_CONFIG;
	if ((st->pd.drop && privdrop_prepare_dir(&st->pd, st->cfg->paths.state_dir, 0750, NULL, NULL) < 0) ||
	    privdrop_drop(&st->pd) < 0)
		rc = ENVMON_EX_UNAVAILABLE;
	privdrop_fini(&st->pd);
	return rc;
}

/* The daemon changes to / and rereads its file on reload: keep an absolute path. */
static char *absolute_config(struct options *opt)
{
	char *path = realpath(opt->config_file, NULL);

	if (path)
		opt->config_file = path;
	return path;
}

int main(int argc, char **argv)
{
	struct options opt = { 0 };
	struct daemon_state st = { .opt = &opt, .pid_fd = -1, .startup_fd = -1, .mail.cfg = &st.cfg };
	char *config_path;
	int rc;

	xmem_return_large();
	envmon_i18n_init();
	if (parse_args(argc, argv, &opt) < 0)
		return ENVMON_EX_USAGE;
	conf_auto_profile = snmpdisc_pick;   /* profile = "auto" */
	if (opt.discover && strncmp(opt.discover, "snmp://", 7) == 0) {   /* the configuration's profiles */
		log_init("envmond", true, opt.debug ? LOG_DEBUG : LOG_INFO);
		st.cfg = load_config(opt.config_file, stderr);
		if (!st.cfg)
			return ENVMON_EX_CONFIG;
		rc = snmpdisc_main(st.cfg, opt.discover, opt.snmp_version ? opt.snmp_version : "2c", stdout);
		conf_free(st.cfg);
		return rc;
	}
	if (opt.discover)   /* needs no configuration */
		return nutdrv_discover(opt.discover, 5000, stdout);
	config_path = absolute_config(&opt);
	log_init("envmond", opt.foreground || opt.check_only || opt.list_profiles || opt.probe_device || opt.test_mail ||
		opt.probe_all_cycles,
		opt.debug ? LOG_DEBUG : LOG_INFO);
	st.cfg = load_config(opt.config_file, stderr);
	if (!st.cfg) {
		free(config_path);
		return ENVMON_EX_CONFIG;
	}
	/* The secrets are in memory now: no core dump or ptrace by the same user may read them
	 * (setuid() would also clear the flag, but not when running as root or as the user). */
	ipmidrv_set_state_dir(st.cfg->paths.state_dir);
	if (prctl(PR_SET_DUMPABLE, 0) < 0)
		log_warn("cannot disable core dumps: %s", strerror(errno));
	if (opt.check_only) {
		printf(_("%s: configuration OK (%zu devices, %zu profiles, %zu racks)\n"),
			opt.config_file, st.cfg->n_devices, st.cfg->n_profiles, st.cfg->n_racks);
		proflist_print_origins(st.cfg, stdout);
		rc = ENVMON_EX_OK;
	} else if (opt.list_profiles) {
		proflist_print_table(st.cfg, stdout);
		rc = ENVMON_EX_OK;
	} else if ((opt.test_mail || opt.probe_all_cycles > 0 || opt.probe_device) &&
		   (rc = tool_drop_privileges(&st)) != ENVMON_EX_OK) {
		/* logged */
	} else if (opt.test_mail) {
		rc = mailsvc_test_mail(&st.mail, opt.config_file);
	} else if (opt.probe_all_cycles > 0) {
		rc = probe_all(st.cfg, opt.probe_all_cycles, stdout);
	} else if (opt.probe_device) {
		rc = probe_run(st.cfg, opt.probe_device, opt.json, stdout);
	} else {
		rc = run(&st);
	}
	ipmidrv_set_state_dir(NULL);
	conf_free(st.cfg);
	free(config_path);
	log_fini();
	return rc;
}
