/* main.c — envmon-report: the site-audit report the 2007 circular asks each court for,
 * written from what envmond recorded (RRD files and journal), in French by default. */
#include <config.h>

#include <getopt.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit.h"
#include "cfgparse.h"
#include "conf.h"
#include "csv.h"
#include "html.h"
#include "log.h"
#include "period.h"
#include "text.h"

#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif

enum format { FORMAT_HTML, FORMAT_TEXT, FORMAT_CSV };

struct options {
	const char *config_file;
	const char *from, *to;
	enum format format;
	const char *output;
};

static void usage(FILE *out)
{
	fprintf(out, _("Usage: envmon-report [-c FILE] --from DATE --to DATE [--format html|text|csv] [-o FILE]\n"
		"Writes the analysis of the hosting conditions of the servers of the site for a\n"
		"period, from what envmond recorded.\n\n"
		"  -c, --config FILE    configuration file (default %s)\n"
		"      --from DATE      first day, YYYY-MM-DD (local time) or \"YYYY-MM-DD HH:MM\"\n"
		"      --to DATE        last day, included, or \"YYYY-MM-DD HH:MM\" (excluded)\n"
		"  -f, --format FORMAT  html (default), text or csv\n"
		"  -o, --output FILE    write to FILE instead of standard output\n"
		"  -h, --help           show this help\n"
		"  -V, --version        show the version\n"),
		SYSCONFDIR "/envmond/envmond.conf");
}

static int parse_format(const char *s, enum format *f)
{
	static const char *const names[] = { "html", "text", "csv" };

	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (strcmp(s, names[i]) == 0) {
			*f = (enum format)i;
			return 0;
		}
	fprintf(stderr, _("envmon-report: unknown format '%s' (html, text or csv)\n"), s);
	return -1;
}

static int parse_args(int argc, char **argv, struct options *opt)
{
	enum { OPT_FROM = 256, OPT_TO };
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "from", required_argument, NULL, OPT_FROM },
		{ "to", required_argument, NULL, OPT_TO },
		{ "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	int c;

	opt->config_file = SYSCONFDIR "/envmond/envmond.conf";
	while ((c = getopt_long(argc, argv, "c:f:o:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': opt->config_file = optarg; break;
		case OPT_FROM: opt->from = optarg; break;
		case OPT_TO: opt->to = optarg; break;
		case 'f': if (parse_format(optarg, &opt->format) < 0) return -1; break;
		case 'o': opt->output = optarg; break;
		case 'h': usage(stdout); exit(ENVMON_EX_OK);
		case 'V': printf("envmon-report %s\n", PACKAGE_VERSION); exit(ENVMON_EX_OK);
		default: usage(stderr); return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, _("envmon-report: unexpected argument '%s'\n"), argv[optind]);
		return -1;
	}
	if (!opt->from || !opt->to) {
		fprintf(stderr, _("envmon-report: --from and --to are required\n"));
		return -1;
	}
	return 0;
}

static int parse_period(const struct options *opt, time_t *from, time_t *to)
{
	if (period_parse(opt->from, false, from) < 0) {
		fprintf(stderr, _("envmon-report: invalid date '%s' (YYYY-MM-DD or \"YYYY-MM-DD HH:MM\")\n"),
			opt->from);
		return -1;
	}
	if (period_parse(opt->to, true, to) < 0) {
		fprintf(stderr, _("envmon-report: invalid date '%s' (YYYY-MM-DD or \"YYYY-MM-DD HH:MM\")\n"),
			opt->to);
		return -1;
	}
	if (*to <= *from) {
		fprintf(stderr, _("envmon-report: the period ends before it starts\n"));
		return -1;
	}
	return 0;
}

/* The report is written in the site's language (mail.lang, French by default) whatever
 * the locale of the shell: LANGUAGE picks the catalogue, and it is only honoured when
 * LC_MESSAGES is not "C", hence C.UTF-8, present on every Debian. */
static void report_language(const struct config *cfg)
{
	const char *cur = setlocale(LC_MESSAGES, NULL);

	setenv("LANGUAGE", cfg->mail.lang && cfg->mail.lang[0] ? cfg->mail.lang : "fr", 1);
	if (!cur || strcmp(cur, "C") == 0 || strcmp(cur, "POSIX") == 0)
		setlocale(LC_MESSAGES, "C.UTF-8");
	else
		setlocale(LC_MESSAGES, "");
}

static struct config *load_config(const char *file)
{
	struct cfgparse p;
	struct config *cfg;

	cfgparse_init(&p);
	cfg = conf_load(&p, file);
	if (!cfg)
		cfgparse_print(&p, stderr);
	cfgparse_fini(&p);
	return cfg;
}

static int write_report(const struct options *opt, const struct audit *a)
{
	FILE *out = opt->output ? fopen(opt->output, "w") : stdout;
	int rc;

	if (!out) {
		fprintf(stderr, _("envmon-report: cannot write %s: %m\n"), opt->output);
		return -1;
	}
	switch (opt->format) {
	case FORMAT_TEXT: rc = text_write(out, a); break;
	case FORMAT_CSV: rc = csv_write(out, a); break;
	default: rc = html_write(out, a); break;
	}
	if (fflush(out) != 0 || (out != stdout && fclose(out) != 0))
		rc = -1;
	if (rc < 0)
		fprintf(stderr, _("envmon-report: cannot write the report: %m\n"));
	return rc;
}

int main(int argc, char **argv)
{
	struct options opt = { 0 };
	struct config *cfg;
	struct audit *a;
	time_t from, to;
	int rc;

	envmon_i18n_init();
	tzset();
	log_init("envmon-report", true, LOG_WARNING);
	if (parse_args(argc, argv, &opt) < 0 || parse_period(&opt, &from, &to) < 0)
		return ENVMON_EX_USAGE;
	cfg = load_config(opt.config_file);
	if (!cfg)
		return ENVMON_EX_CONFIG;
	report_language(cfg);
	a = audit_build(cfg, from, to);
	rc = write_report(&opt, a);
	audit_free(a);
	conf_free(cfg);
	log_fini();
	return rc == 0 ? ENVMON_EX_OK : ENVMON_EX_FAIL;
}
