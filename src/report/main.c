/* main.c — envmon-report: the site-audit report the 2007 circular asks each court for,
 * written from what envmond recorded (RRD files and journal), in French by default. */
#include <config.h>

#include <errno.h>
#include <getopt.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "region.h"
#include "audit.h"
#include "cfgparse.h"
#include "clock.h"
#include "conf.h"
#include "csv.h"
#include "ctlclient.h"
#include "docinfo.h"
#include "envmon.h"
#include "fmt.h"
#include "html.h"
#include "log.h"
#include "mailout.h"
#include "pdf.h"
#include "period.h"
#include "sources.h"
#include "spool.h"
#include "text.h"
#include "xmem.h"

#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif

/* sysexits' EX_NOINPUT: what the report reads is unreadable, empty or has nothing for
 * the period (envmon-report(1), EXIT STATUS). */
#define REPORT_EX_NOINPUT 66

enum format { FORMAT_HTML, FORMAT_TEXT, FORMAT_CSV, FORMAT_PDF };

struct options {
	const char *config_file;
	const char *from, *to;
	enum format format;
	const char *output;
	const char *csv_dialect;   /* NULL: from the site's language */
	bool partial;
	bool send;                 /* queue the report in the daemon's spool (mailout.h) */
	bool last_month;           /* the period is the previous calendar month */
	bool region;               /* --region: the courts' configurations below */
	char **region_files;
	int n_region_files;
};

static void usage(FILE *out)
{
	fprintf(out, _("Usage: envmon-report [-c FILE] --from DATE --to DATE [--format html|pdf|text|csv] [-o FILE]\n"
		"Writes the analysis of the hosting conditions of the servers of the site for a\n"
		"period, from what envmond recorded.\n\n"
		"  -c, --config FILE    configuration file (default %s)\n"
		"      --from DATE      first day, YYYY-MM-DD (local time), \"YYYY-MM-DD HH:MM\"\n"
		"                       or ISO 8601 (2026-03-01T08:00:00, with or without a zone)\n"
		"      --to DATE        last day, included, or a time (excluded)\n"
		"      --last-month     the period is the previous calendar month\n"
		"  -f, --format FORMAT  html (default), pdf (A4, to print or archive), text or csv\n"
		"  -o, --output FILE    write to FILE instead of standard output\n"
		"      --csv-dialect D  fr (';', decimal comma, BOM; default with lang = fr)\n"
		"                       or rfc4180 (',', decimal point, for programs)\n"
		"      --partial        write the report even when files cannot be read,\n"
		"                       and say on its first page what is missing\n"
		"      --send           mail the report (PDF and CSV) to the site's contacts\n"
		"                       through envmond's spool instead of writing it\n"
		"      --region CONF... the regional summary of several courts (html, pdf, text or csv)\n"
		"  -h, --help           show this help\n"
		"  -V, --version        show the version\n"),
		SYSCONFDIR "/envmond/envmond.conf");
}

static int parse_format(const char *s, enum format *f)
{
	static const char *const names[] = { "html", "text", "csv", "pdf" };

	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (strcmp(s, names[i]) == 0) {
			*f = (enum format)i;
			return 0;
		}
	fprintf(stderr, _("envmon-report: unknown format '%s' (html, pdf, text or csv)\n"), s);
	return -1;
}

static int parse_args(int argc, char **argv, struct options *opt)
{
	enum { OPT_FROM = 256, OPT_TO, OPT_CSV_DIALECT, OPT_PARTIAL, OPT_SEND, OPT_LAST_MONTH, OPT_REGION };
	static const struct option longopts[] = {
		{ "region", no_argument, NULL, OPT_REGION },
		{ "last-month", no_argument, NULL, OPT_LAST_MONTH },
		{ "send", no_argument, NULL, OPT_SEND },
		{ "csv-dialect", required_argument, NULL, OPT_CSV_DIALECT },
		{ "partial", no_argument, NULL, OPT_PARTIAL },
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
		case OPT_CSV_DIALECT: opt->csv_dialect = optarg; break;
		case OPT_PARTIAL: opt->partial = true; break;
		case OPT_SEND: opt->send = true; break;
		case OPT_LAST_MONTH: opt->last_month = true; break;
		case OPT_REGION: opt->region = true; break;
		case 'h': usage(stdout); exit(ENVMON_EX_OK);
		case 'V': printf("envmon-report %s\n", PACKAGE_VERSION); exit(ENVMON_EX_OK);
		default: usage(stderr); return -1;
		}
	}
	if (opt->region) {
		opt->region_files = argv + optind;
		opt->n_region_files = argc - optind;
		if (opt->n_region_files == 0) {
			fprintf(stderr, _("envmon-report: --region needs the courts' configuration files\n"));
			return -1;
		}
		if (opt->send) {
			fprintf(stderr, _("envmon-report: --send mails one court's report, not the "
				"regional summary (--region)\n"));
			return -1;
		}
	} else if (optind < argc) {
		fprintf(stderr, _("envmon-report: unexpected argument '%s'\n"), argv[optind]);
		return -1;
	}
	if (opt->last_month && (opt->from || opt->to)) {
		fprintf(stderr, _("envmon-report: --last-month replaces --from and --to\n"));
		return -1;
	}
	if (!opt->last_month && (!opt->from || !opt->to)) {
		fprintf(stderr, _("envmon-report: --from and --to are required\n"));
		return -1;
	}
	if (opt->format == FORMAT_PDF && !opt->output && !opt->send && isatty(STDOUT_FILENO)) {
		fprintf(stderr, _("envmon-report: a PDF is not for a terminal: give -o FILE or "
			"redirect the output\n"));
		return -1;
	}
	if (opt->csv_dialect && csv_dialect_parse(opt->csv_dialect, NULL) < 0) {
		fprintf(stderr, _("envmon-report: unknown CSV dialect '%s' (fr or rfc4180)\n"),
			opt->csv_dialect);
		return -1;
	}
	return 0;
}

static int parse_period(const struct options *opt, time_t *from, time_t *to)
{
	if (opt->last_month) {
		period_last_month((time_t)clock_wall(), from, to);
		return 0;
	}
	if (period_parse(opt->from, false, from) < 0) {
		fprintf(stderr, _("envmon-report: invalid date '%s' (YYYY-MM-DD, \"YYYY-MM-DD HH:MM\" or 2026-03-01T08:00:00)\n"),
			opt->from);
		return -1;
	}
	if (period_parse(opt->to, true, to) < 0) {
		fprintf(stderr, _("envmon-report: invalid date '%s' (YYYY-MM-DD, \"YYYY-MM-DD HH:MM\" or 2026-03-01T08:00:00)\n"),
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

static int write_format(FILE *out, const struct options *opt, const struct audit *a,
	const struct docinfo *doc)
{
	enum csv_dialect d = CSV_DIALECT_FR;

	switch (opt->format) {
	case FORMAT_TEXT: return text_write(out, a, doc);
	case FORMAT_PDF: return pdf_write(out, a, doc);
	case FORMAT_CSV:
		if (opt->csv_dialect)
			csv_dialect_parse(opt->csv_dialect, &d);
		else if (a->cfg->mail.lang && strcmp(a->cfg->mail.lang, "fr") != 0)
			d = CSV_DIALECT_RFC4180;
		return csv_write(out, a, d);
	default: return html_write(out, a, doc);
	}
}

/* A file is written under a temporary name and renamed when complete: a report that
 * failed half-way never stands where the reader expects the document. draw(out, arg)
 * draws it. */
static int write_output(const struct options *opt, int (*draw)(FILE *, const void *),
	const void *arg)
{
	char *tmp = opt->output ? xasprintf("%s.tmp-XXXXXX", opt->output) : NULL;
	int fd = tmp ? mkstemp(tmp) : -1;
	FILE *out = stdout;
	int rc;

	if (tmp) {
		mode_t mask = umask(0);

		umask(mask);
		/* mkstemp's 0600, widened to what fopen would have given */
		out = fd >= 0 && fchmod(fd, 0666 & ~mask) == 0 ? fdopen(fd, "w") : NULL;
	}

	if (!out) {
		fprintf(stderr, _("envmon-report: cannot write %s: %m\n"), opt->output);
		if (fd >= 0)
			close(fd), unlink(tmp);
		free(tmp);
		return -1;
	}
	rc = draw(out, arg);
	if (fflush(out) != 0 || (out != stdout && fclose(out) != 0))
		rc = -1;
	if (rc == 0 && tmp && rename(tmp, opt->output) != 0)
		rc = -1;
	if (rc < 0) {
		fprintf(stderr, _("envmon-report: cannot write the report: %m\n"));
		if (tmp)
			unlink(tmp);
	}
	free(tmp);
	return rc;
}

struct site_doc {
	const struct options *opt;
	const struct audit *a;
	const struct docinfo *doc;
};

static int write_site(FILE *out, const void *arg)
{
	const struct site_doc *s = arg;

	return write_format(out, s->opt, s->a, s->doc);
}

static int write_report(const struct options *opt, const struct audit *a,
	const struct docinfo *doc)
{
	struct site_doc s = { opt, a, doc };

	return write_output(opt, write_site, &s);
}

/* The report in format f, in memory, for a mail. NULL on failure. */
static char *render(const struct options *opt, enum format f, const struct audit *a,
	const struct docinfo *doc, size_t *size)
{
	struct options o = *opt;
	char *buf = NULL;
	FILE *out = open_memstream(&buf, size);
	int rc;

	if (!out)
		return NULL;
	o.format = f;
	rc = write_format(out, &o, a, doc);
	if (fclose(out) != 0 || rc < 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* --send: the PDF report and its CSV in one mail, queued durably in the daemon's spool;
 * the daemon's mailer sends it, and retries it like an alert until the server takes it. */
static int send_report(const struct options *opt, const struct audit *a,
	const struct docinfo *doc)
{
	const struct config *cfg = a->cfg;
	char d[16], name[128], pdf_name[160], csv_name[160];
	struct mailout_part parts[2];
	struct spool *sp;
	char *pdf, *csv, *msg;
	int rc = -1;

	fmt_date_iso(d, sizeof(d), a->from);
	snprintf(pdf_name, sizeof(pdf_name), "rapport-%s-%s.pdf", cfg->site.code, d);
	snprintf(csv_name, sizeof(csv_name), "rapport-%s-%s.csv", cfg->site.code, d);
	pdf = render(opt, FORMAT_PDF, a, doc, &parts[0].size);
	csv = render(opt, FORMAT_CSV, a, doc, &parts[1].size);
	sp = spool_open(cfg->paths.state_dir, cfg, NULL);
	if (pdf && csv && sp) {
		parts[0] = (struct mailout_part){ pdf_name, "application/pdf", pdf, parts[0].size };
		parts[1] = (struct mailout_part){ csv_name, "text/csv; charset=utf-8", csv, parts[1].size };
		msg = mailout_build(a, spool_instance(sp), doc->issued, parts, 2);
		mailout_name(name, sizeof(name), a);
		rc = spool_enqueue(sp, name, msg);
		if (rc == 1)
			fprintf(stderr, _("envmon-report: the report of this period is already in the "
				"spool (%s)\n"), name);
		free(msg);
	}
	if (rc < 0)
		fprintf(stderr, _("envmon-report: cannot queue the report in %s/spool\n"),
			cfg->paths.state_dir);
	if (sp)
		spool_close(sp);
	free(pdf);
	free(csv);
	return rc < 0 ? -1 : 0;
}

/* Was anything recorded for the period at all? */
static bool audit_has_data(const struct audit *a)
{
	if (a->n_episodes > 0)
		return true;
	for (size_t i = 0; i < a->n_rows; i++)
		if (a->rows[i].st.n_known > 0)
			return true;
	return false;
}

/* The period against the clock: nothing is recorded after now. A period that starts in
 * the future is an error; one that ends after today is cut at the end of today (a month
 * in progress), so that the days to come do not count as missing data. */
static int check_future(time_t from, time_t *to)
{
	time_t now = (time_t)clock_wall();
	char d[32];

	if (from >= now) {
		fprintf(stderr, _("envmon-report: the period starts on %s, in the future: nothing "
			"was recorded yet\n"), fmt_datetime(d, sizeof(d), from));
		return -1;
	}
	if (*to > now) {
		time_t tonight;

		period_parse(fmt_date_iso(d, sizeof(d), now), true, &tonight);
		if (*to > tonight)
			*to = tonight;
	}
	return 0;
}

/* The running daemon keeps its last readings in memory for up to storage.batch seconds:
 * it is asked to write them before the files are read. A daemon that is not running has
 * written them all; one that cannot be asked (another user, not in its group) is named,
 * and the report goes on without its last minutes. */
static void flush_daemon(const struct config *cfg)
{
	struct json_object *req = json_object_new_object(), *resp, *ok;
	enum ctlclient_error err;

	json_object_object_add(req, "command", json_object_new_string("flush-storage"));
	resp = ctlclient_ask(cfg->paths.control_socket, req, 30000, &err);
	if (err == CTLCLIENT_PATH || (err == CTLCLIENT_CONNECT && (errno == ENOENT || errno == ECONNREFUSED))) {
		json_object_put(req);
		return;
	}
	if (err == CTLCLIENT_CONNECT)
		fprintf(stderr, _("envmon-report: cannot ask envmond at %s to write its last "
			"readings (%s): the last %u seconds may be missing\n"),
			cfg->paths.control_socket, strerror(errno), cfg->storage.batch_s);
	else if (!resp || !json_object_object_get_ex(resp, "ok", &ok) || !json_object_get_boolean(ok))
		fprintf(stderr, _("envmon-report: envmond at %s did not write its last readings: "
			"the last %u seconds may be missing\n"), cfg->paths.control_socket,
			cfg->storage.batch_s);
	json_object_put(resp);
	json_object_put(req);
}

/* The files first: an unreadable one is an error unless --partial; an empty state
 * directory always is. */
static int check_sources(const struct options *opt, const struct config *cfg,
	struct sources *src)
{
	sources_check(cfg, src);
	if (src->n_problems > 0) {
		sources_print(src, stderr);
		if (!opt->partial) {
			fprintf(stderr, _("envmon-report: no report written (--partial writes one that "
				"says what is missing)\n"));
			return -1;
		}
	}
	if (sources_empty(src)) {
		fprintf(stderr, _("envmon-report: %s holds no RRD file and no journal: envmond has "
			"recorded nothing there (is it the daemon's state directory?)\n"),
			cfg->paths.state_dir);
		return -1;
	}
	return 0;
}

static int report(const struct options *opt, const struct config *cfg, time_t from, time_t to)
{
	struct sources src;
	struct docinfo doc;
	struct audit *a;
	char d1[32], d2[32];
	int rc = REPORT_EX_NOINPUT;

	if (check_future(from, &to) < 0)
		return REPORT_EX_NOINPUT;
	flush_daemon(cfg);
	if (check_sources(opt, cfg, &src) < 0) {
		sources_free(&src);
		return REPORT_EX_NOINPUT;
	}
	a = audit_build(cfg, from, to);
	if (!audit_has_data(a)) {
		fmt_period(d1, d2, sizeof(d1), from, to);
		fprintf(stderr, _("envmon-report: nothing was recorded from %s to %s in %s: no "
			"report written\n"), d1, d2, cfg->paths.state_dir);
	} else {
		docinfo_init(&doc, &src);
		rc = (opt->send ? send_report(opt, a, &doc) : write_report(opt, a, &doc)) == 0 ?
			ENVMON_EX_OK : ENVMON_EX_FAIL;
		docinfo_fini(&doc);
	}
	audit_free(a);
	sources_free(&src);
	return rc;
}

struct region_doc {
	enum region_format f;
	const struct region_court *courts;
	size_t n;
	time_t from, to;
};

static int write_region(FILE *out, const void *arg)
{
	const struct region_doc *r = arg;

	return region_write(out, r->f, r->courts, r->n, r->from, r->to);
}

/* --region: every court's audit, ranked in one document (region.h). */
static int region_report(const struct options *opt, time_t from, time_t to)
{
	size_t n = (size_t)opt->n_region_files, done = 0;
	struct config **cfgs = xcalloc(n + 1, sizeof(*cfgs));
	struct audit **audits = xcalloc(n + 1, sizeof(*audits));
	struct region_court *courts = xcalloc(n + 1, sizeof(*courts));
	static const enum region_format formats[] = { [FORMAT_HTML] = REGION_HTML,
		[FORMAT_TEXT] = REGION_TEXT, [FORMAT_CSV] = REGION_CSV, [FORMAT_PDF] = REGION_PDF };
	struct region_doc r = { formats[opt->format], courts, n, from, to };
	int rc = ENVMON_EX_CONFIG;

	for (; done < n; done++) {
		if (!(cfgs[done] = load_config(opt->region_files[done])))
			goto out;
		if (done == 0)
			report_language(cfgs[0]);
		audits[done] = audit_build(cfgs[done], from, to);
		region_court_figures(audits[done], &courts[done]);
	}
	region_rank(courts, n);
	rc = write_output(opt, write_region, &r) == 0 ? ENVMON_EX_OK : ENVMON_EX_FAIL;
out:
	for (size_t i = 0; i < done; i++) {
		audit_free(audits[i]);
		conf_free(cfgs[i]);
	}
	free(courts);
	free(audits);
	free(cfgs);
	return rc;
}

int main(int argc, char **argv)
{
	struct options opt = { 0 };
	struct config *cfg;
	time_t from, to;
	int rc;

	envmon_i18n_init();
	tzset();
	log_init("envmon-report", true, LOG_WARNING);
	if (parse_args(argc, argv, &opt) < 0 || parse_period(&opt, &from, &to) < 0)
		return ENVMON_EX_USAGE;
	if (opt.region) {
		rc = region_report(&opt, from, to);
		log_fini();
		return rc;
	}
	cfg = load_config(opt.config_file);
	if (!cfg)
		return ENVMON_EX_CONFIG;
	report_language(cfg);
	rc = report(&opt, cfg, from, to);
	conf_free(cfg);
	log_fini();
	return rc;
}
