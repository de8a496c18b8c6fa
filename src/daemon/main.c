/* main.c — envmond's command line: check the configuration (-t), probe one device
 * (--probe), or run the monitoring loop, in the foreground (-f) or as a daemon. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cfgparse.h"
#include "conf.h"
#include "log.h"
#include "pipeline.h"
#include "poller.h"
#include "sched.h"
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
	bool json;
};

struct daemon_state {
	const struct options *opt;
	struct config *cfg;
	int pid_fd;
	struct pipeline *pipe;
	struct poller *poller;
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
		"  -h, --help           show this help\n"
		"  -V, --version        show the version\n"),
		SYSCONFDIR "/envmond/envmond.conf");
}

static int parse_args(int argc, char **argv, struct options *opt)
{
	enum { OPT_PROBE = 256, OPT_JSON };
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "debug", no_argument, NULL, 'd' },
		{ "check", no_argument, NULL, 't' },
		{ "probe", required_argument, NULL, OPT_PROBE },
		{ "json", no_argument, NULL, OPT_JSON },
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

/* ------------------------------------------------------------------ pid file */

/* The pid file is locked for the daemon's life: a second envmond on the same
 * configuration sees the lock and refuses to start. */
static int pidfile_open(const char *path)
{
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	char buf[32];
	int n;

	if (fd < 0) {
		log_err("cannot open pid file %s: %s", path, strerror(errno));
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		log_err("another envmond is running (pid file %s is locked)", path);
		close(fd);
		return -1;
	}
	n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) < 0 || write(fd, buf, (size_t)n) != n) {
		log_err("cannot write pid file %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static void pidfile_close(int fd, const char *path)
{
	if (fd < 0)
		return;
	unlink(path);
	close(fd);
}

static int daemonize(void)
{
	pid_t pid = fork();
	int null;

	if (pid < 0)
		return -1;
	if (pid > 0)
		_exit(0);
	if (setsid() < 0)
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid > 0)
		_exit(0);
	if (chdir("/") < 0)
		return -1;
	null = open("/dev/null", O_RDWR);
	if (null < 0)
		return -1;
	dup2(null, 0);
	dup2(null, 1);
	dup2(null, 2);
	if (null > 2)
		close(null);
	return 0;
}

/* ------------------------------------------------------------------ signals */

static void on_terminate(void *arg, int signo)
{
	log_notice("signal %d received: exiting", signo);
	sched_stop();
}

/* ------------------------------------------------------------------ monitoring */

/* poller -> pipeline (derive, rules, alerts, journal). Until the mail spool is wired in,
 * notifications go to the log. Without a usable journal the daemon must not run; a
 * device without a driver in this build only disables polling (logged). */
static int monitoring_start(struct daemon_state *st)
{
	st->pipe = pipeline_new(st->cfg, pipeline_log_sink, NULL);
	if (!st->pipe)
		return -1;
	st->poller = poller_new(st->cfg, pipeline_result, st->pipe);
	if (st->poller)
		poller_start(st->poller);
	else
		log_err("polling disabled: a device cannot be opened (above)");
	return 0;
}

static void monitoring_stop(struct daemon_state *st)
{
	poller_free(st->poller);
	pipeline_free(st->pipe);
	st->poller = NULL;
	st->pipe = NULL;
}

/* A new configuration replaces the old one only if it is entirely valid. */
static void reload(struct daemon_state *st)
{
	struct config *cfg = load_config(st->opt->config_file, NULL);

	if (!cfg) {
		log_err("reload refused: the configuration has errors (above); the running one stays");
		return;
	}
	monitoring_stop(st);
	conf_free(st->cfg);
	st->cfg = cfg;
	if (monitoring_start(st) < 0)
		log_err("monitoring stopped: the journal cannot be used");
	log_notice("configuration reloaded from %s", st->opt->config_file);
}

static void on_hangup(void *arg, int signo)
{
	reload(arg);
}

static int run(struct daemon_state *st)
{
	int rc;

	if (!st->opt->foreground && daemonize() < 0) {
		log_err("cannot become a daemon: %s", strerror(errno));
		return ENVMON_EX_SOFTWARE;
	}
	st->pid_fd = pidfile_open(st->cfg->paths.pid_file);
	if (st->pid_fd < 0)
		return ENVMON_EX_UNAVAILABLE;
	if (sched_init() < 0) {
		log_err("cannot set up the event loop: %s", strerror(errno));
		pidfile_close(st->pid_fd, st->cfg->paths.pid_file);
		return ENVMON_EX_SOFTWARE;
	}
	signal(SIGPIPE, SIG_IGN);
	sched_on_signal(SIGTERM, on_terminate, st);
	sched_on_signal(SIGINT, on_terminate, st);
	sched_on_signal(SIGHUP, on_hangup, st);
	if (monitoring_start(st) < 0) {
		sched_fini();
		pidfile_close(st->pid_fd, st->cfg->paths.pid_file);
		return ENVMON_EX_UNAVAILABLE;
	}
	log_notice("envmond %s started for %s (%s): %zu devices, %zu racks", PACKAGE_VERSION,
		st->cfg->site.code, st->cfg->site.name, st->cfg->n_devices, st->cfg->n_racks);
	rc = sched_run();
	monitoring_stop(st);
	sched_fini();
	pidfile_close(st->pid_fd, st->cfg->paths.pid_file);
	log_notice("envmond stopped");
	return rc < 0 ? ENVMON_EX_SOFTWARE : ENVMON_EX_OK;
}

int main(int argc, char **argv)
{
	struct options opt = { 0 };
	struct daemon_state st = { .opt = &opt, .pid_fd = -1 };
	int rc;

	envmon_i18n_init();
	if (parse_args(argc, argv, &opt) < 0)
		return ENVMON_EX_USAGE;
	log_init("envmond", opt.foreground || opt.check_only || opt.probe_device,
		opt.debug ? LOG_DEBUG : LOG_INFO);
	st.cfg = load_config(opt.config_file, stderr);
	if (!st.cfg)
		return ENVMON_EX_CONFIG;
	if (opt.check_only) {
		printf(_("%s: configuration OK (%zu devices, %zu profiles, %zu racks)\n"),
			opt.config_file, st.cfg->n_devices, st.cfg->n_profiles, st.cfg->n_racks);
		rc = ENVMON_EX_OK;
	} else if (opt.probe_device) {
		fprintf(stderr, _("envmond: --probe needs the SNMP and Modbus drivers, which this "
			"build does not have yet\n"));
		rc = ENVMON_EX_SOFTWARE;
	} else {
		rc = run(&st);
	}
	conf_free(st.cfg);
	log_fini();
	return rc;
}
