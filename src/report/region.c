/* region.c — the regional summary (see region.h). */
#include <config.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "envmon.h"
#include "fmt.h"
#include "html.h"
#include "pdfdoc.h"
#include "region.h"
#include "upgrades.h"
#include "xmem.h"

/* A (device, criterion) already counted: rows repeat a rack's probe per server. */
static bool counted(const struct audit *a, size_t i)
{
	for (size_t k = 0; k < i; k++)
		if (a->rows[k].device == a->rows[i].device && a->rows[k].crit == a->rows[i].crit)
			return true;
	return false;
}

void region_court_figures(const struct audit *a, struct region_court *c)
{
	memset(c, 0, sizeof(*c));
	c->a = a;
	c->servers = (unsigned)a->n_servers;
	for (size_t i = 0; i < a->n_servers; i++)
		c->servers_failing += a->servers[i].verdict == VERDICT_FAIL;
	for (size_t i = 0; i < a->n_rows; i++)
		if (!a->rows[i].is_state && !criterion_is_rate(a->rows[i].crit) && a->rows[i].device &&
		    !counted(a, i) && a->rows[i].st.out_allow_s > 0)
			c->hours_out += a->rows[i].st.out_allow_s / 3600.0;
	c->outages = (unsigned)a->n_outages;
	for (size_t i = 0; i < a->n_upgrades; i++)
		c->batteries += a->upgrades[i].kind == UPG_BATTERY;
	c->upgrades = a->n_upgrades;
}

static int worse_first(const void *x, const void *y)
{
	const struct region_court *a = x, *b = y;

	if (a->servers_failing != b->servers_failing)
		return a->servers_failing > b->servers_failing ? -1 : 1;
	if (a->upgrades != b->upgrades)
		return a->upgrades > b->upgrades ? -1 : 1;
	if (fabs(a->hours_out - b->hours_out) > 1e-9)
		return a->hours_out > b->hours_out ? -1 : 1;
	return strcmp(a->a->cfg->site.code, b->a->cfg->site.code);
}

void region_rank(struct region_court *courts, size_t n)
{
	qsort(courts, n, sizeof(*courts), worse_first);
}

/* ------------------------------------------------------------------ text */

/* "TJ-EXV — Remplacer les batteries de l'onduleur — ups-general : <reason>" (malloc'd). */
static char *upgrade_line(const struct audit *a, const struct audit_upgrade *u)
{
	return xasprintf("%s — %s — %s : %s", a->cfg->site.code, _(upgrades_label(u->kind)), u->target,
		u->reason);
}

static void write_text(FILE *out, const struct region_court *c, size_t n, const char *d1, const char *d2)
{
	char h[32];

	fprintf(out, "%s\n%s %s %s %s\n\n", _("Regional summary of the hosting conditions"),
		_("Period:"), d1, _("to"), d2);
	fprintf(out, "%-4s %-12s %-40s %9s %9s %8s %9s %10s\n", "#", _("court"), "", _("failing"),
		_("hours out"), _("outages"), _("batteries"), _("upgrades"));
	for (size_t i = 0; i < n; i++)
		fprintf(out, "%-4zu %-12s %-40.40s %5u/%-3u %9s %8u %9u %10zu\n", i + 1, c[i].a->cfg->site.code,
			c[i].a->cfg->site.name, c[i].servers_failing, c[i].servers,
			fmt_num(h, sizeof(h), c[i].hours_out, 1), c[i].outages, c[i].batteries, c[i].upgrades);
	fprintf(out, "\n%s\n", _("Upgrades to plan, by court"));
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < c[i].a->n_upgrades; k++) {
			const struct audit_upgrade *u = &c[i].a->upgrades[k];

			char *line = upgrade_line(c[i].a, u);

			fprintf(out, "  %s\n", line);
			free(line);
		}
}

/* ------------------------------------------------------------------ CSV */

static void write_csv(FILE *out, const struct region_court *c, size_t n)
{
	char h[32];

	fprintf(out, "rank;court;name;servers_failing;servers;hours_out;outages;batteries;upgrades;"
		"upgrade;target;reason\n");
	for (size_t i = 0; i < n; i++) {
		const struct audit *a = c[i].a;

		for (size_t k = 0; k <= a->n_upgrades; k++) {
			if (k == a->n_upgrades && k > 0)
				break;
			fprintf(out, "%zu;", i + 1);
			csv_field(out, a->cfg->site.code, ';');
			fputc(';', out);
			csv_field(out, a->cfg->site.name, ';');
			fprintf(out, ";%u;%u;%s;%u;%u;%zu;", c[i].servers_failing, c[i].servers,
				fmt_num_c(h, sizeof(h), c[i].hours_out, 1), c[i].outages, c[i].batteries, c[i].upgrades);
			if (k < a->n_upgrades) {
				csv_field(out, upgrades_name(a->upgrades[k].kind), ';');
				fputc(';', out);
				csv_field(out, a->upgrades[k].target, ';');
				fputc(';', out);
				csv_field(out, a->upgrades[k].reason, ';');
			} else {
				fputs(";;", out);
			}
			fputc('\n', out);
		}
	}
}

/* ------------------------------------------------------------------ HTML */

static void cell(FILE *out, const char *tag, const char *s)
{
	fprintf(out, "<%s>", tag);
	html_put(out, s);
	fprintf(out, "</%s>", tag);
}

static void write_html(FILE *out, const struct region_court *c, size_t n, const char *d1, const char *d2)
{
	char b[64];

	fputs("<!DOCTYPE html>\n<html lang=\"fr\"><head><meta charset=\"utf-8\"><title>", out);
	html_put(out, _("Regional summary of the hosting conditions"));
	fputs("</title><style>table{border-collapse:collapse}td,th{border:1px solid #999;padding:2px 6px}"
		"</style></head><body>\n<h1>", out);
	html_put(out, _("Regional summary of the hosting conditions"));
	fprintf(out, "</h1>\n<p>%s %s %s %s</p>\n<table>\n<tr>", _("Period:"), d1, _("to"), d2);
	cell(out, "th", "#"); cell(out, "th", _("court")); cell(out, "th", _("failing"));
	cell(out, "th", _("hours out")); cell(out, "th", _("outages")); cell(out, "th", _("batteries"));
	cell(out, "th", _("upgrades"));
	fputs("</tr>\n", out);
	for (size_t i = 0; i < n; i++) {
		fprintf(out, "<tr><td>%zu</td>", i + 1);
		fputs("<td>", out);
		html_put(out, c[i].a->cfg->site.name);
		fputs(" (", out);
		html_put(out, c[i].a->cfg->site.code);
		fputs(")</td>", out);
		snprintf(b, sizeof(b), "%u/%u", c[i].servers_failing, c[i].servers);
		cell(out, "td", b);
		cell(out, "td", fmt_num(b, sizeof(b), c[i].hours_out, 1));
		fprintf(out, "<td>%u</td><td>%u</td><td>%zu</td></tr>\n", c[i].outages, c[i].batteries,
			c[i].upgrades);
	}
	fputs("</table>\n<h2>", out);
	html_put(out, _("Upgrades to plan, by court"));
	fputs("</h2>\n<ul>\n", out);
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < c[i].a->n_upgrades; k++) {
			const struct audit_upgrade *u = &c[i].a->upgrades[k];

			char *line = upgrade_line(c[i].a, u);

			fputs("<li>", out);
			html_put(out, line);
			fputs("</li>\n", out);
			free(line);
		}
	fputs("</ul>\n</body></html>\n", out);
}

/* ------------------------------------------------------------------ PDF */

/* The HTML's content on A4 through pdfdoc: the court's name comes from its configuration,
 * so every text goes in as an escaped argument, never as markup. */
static void write_pdf_body(struct pdfdoc *d, const struct region_court *c, size_t n,
	const char *period)
{
	static const double w[] = { 0.05, 0.41, 0.11, 0.11, 0.10, 0.11, 0.11 };
	static const char *const cols[] = { "#", N_("court"), N_("failing"), N_("hours out"),
		N_("outages"), N_("batteries"), N_("upgrades") };
	struct pdfdoc_table *t = pdfdoc_table_new(7, w, true);
	char h[32];

	pdfdoc_textf(d, PDFDOC_TITLE, true, "%s", _("Regional summary of the hosting conditions"));
	pdfdoc_textf(d, PDFDOC_BODY, true, "%s", period);
	for (size_t i = 0; i < 7; i++)
		pdfdoc_table_cellf(t, "%s", i ? _(cols[i]) : cols[i]);
	for (size_t i = 0; i < n; i++) {
		pdfdoc_table_cellf(t, "%zu", i + 1);
		pdfdoc_table_cellf(t, "%s (%s)", c[i].a->cfg->site.name, c[i].a->cfg->site.code);
		pdfdoc_table_cellf(t, "%u/%u", c[i].servers_failing, c[i].servers);
		pdfdoc_table_cellf(t, "%s", fmt_num(h, sizeof(h), c[i].hours_out, 1));
		pdfdoc_table_cellf(t, "%u", c[i].outages);
		pdfdoc_table_cellf(t, "%u", c[i].batteries);
		pdfdoc_table_cellf(t, "%zu", c[i].upgrades);
	}
	pdfdoc_table_end(d, t);
	pdfdoc_textf(d, PDFDOC_H2, true, "%s", _("Upgrades to plan, by court"));
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < c[i].a->n_upgrades; k++) {
			char *line = upgrade_line(c[i].a, &c[i].a->upgrades[k]);

			pdfdoc_textf(d, PDFDOC_LIST, false, "%s", line);
			free(line);
		}
}

/* One pass: the number of pages, or -1. The first pass (out NULL) counts the pages for
 * the footer's "page N / M", as pdf.c does. */
static int write_pdf_pass(FILE *out, int total, const struct region_court *c, size_t n,
	const char *period, time_t to)
{
	const char *title = _("Regional summary of the hosting conditions");
	struct pdfdoc_running run = { title, period, NULL, _("page") };
	struct pdfdoc *d = pdfdoc_open_file(out, total, &run);

	if (!d)
		return -1;
	pdfdoc_metadata(d, title, "envmond", period, "envmon-report " PACKAGE_VERSION, to);
	write_pdf_body(d, c, n, period);
	return pdfdoc_close(d);
}

static int write_pdf(FILE *out, const struct region_court *c, size_t n, const char *d1,
	const char *d2, time_t to)
{
	char period[160];
	int pages;

	snprintf(period, sizeof(period), _("Period: from %s to %s"), d1, d2);
	pages = write_pdf_pass(NULL, 0, c, n, period, to);
	if (pages > 0)
		pages = write_pdf_pass(out, pages, c, n, period, to);
	return pages > 0 ? 0 : -1;
}

int region_write(FILE *out, enum region_format f, const struct region_court *courts, size_t n,
	time_t from, time_t to)
{
	char d1[32], d2[32];

	fmt_period(d1, d2, sizeof(d1), from, to);
	if (f == REGION_PDF) {
		if (write_pdf(out, courts, n, d1, d2, to) < 0)
			return -1;
	} else if (f == REGION_CSV)
		write_csv(out, courts, n);
	else if (f == REGION_HTML)
		write_html(out, courts, n, d1, d2);
	else
		write_text(out, courts, n, d1, d2);
	return ferror(out) ? -1 : 0;
}
