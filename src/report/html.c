/* html.c — the HTML form of the report. Every text that comes from the configuration,
 * a device or the journal goes through html_put: nothing reaches the page unescaped.
 * Over 600 lines: one concern, the page, section by section; how the audit is walked
 * (racks, shared evidence) is groups.c's, shared with pdf.c. */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "describe.h"
#include "fmt.h"
#include "graph.h"
#include "groups.h"
#include "html.h"
#include "htmlinst.h"
#include "text.h"
#include "upgrades.h"
#include "urgency.h"
#include "xmem.h"

/* Screen and print. On paper (A4 portrait): a first page for the reader who decides, one
 * section per rack starting on a new page, tables and figures never cut, and the margin
 * boxes of write_page_rules for the running header and the page numbers. */
static const char style[] =
	"body{font-family:'DejaVu Sans',Arial,sans-serif;font-size:11pt;color:#222;"
	"max-width:60em;margin:1em auto;padding:0 1em;line-height:1.35}\n"
	"h1{font-size:18pt;margin-bottom:.2em}h2{font-size:14pt;border-bottom:2px solid #1F4E79;"
	"color:#1F4E79;margin-top:1.5em}h3{font-size:12pt;margin:1em 0 .3em}"
	"h4{font-size:10.5pt;margin:.6em 0 .2em}\n"
	"table{border-collapse:collapse;width:100%;margin:.5em 0}"
	"th,td{border:1px solid #bbb;padding:.2em .45em;text-align:left;vertical-align:top}"
	"th{background:#eef2f7}\n"
	"table.facts,table.instances{font-size:9pt}table.facts th{width:45%;font-weight:normal}"
	"caption{text-align:left;font-size:9pt;color:#555}tr.worst td{font-weight:bold}\n"
	".v{font-weight:bold;padding:.1em .5em;border-radius:.3em;white-space:nowrap}"
	".v-ok{background:#d5f5e3;color:#145a32}.v-watch{background:#fdebd0;color:#7e5109}"
	".v-fail{background:#f5b7b1;color:#78281f}.v-nodata{background:#e5e7e9;color:#424949}\n"
	".finding{color:#78281f;font-weight:bold}.meta{color:#555}"
	".alert{border:2px solid #78281f;padding:.3em .8em;margin:.6em 0}\n"
	"figure{margin:.6em 0;break-inside:avoid}figure img{max-width:100%;height:auto;"
	"border:1px solid #ddd}figcaption{font-size:9pt;color:#555}\n"
	".grid{columns:2;column-gap:1.2em}.crit{break-inside:avoid}\n"
	"@media print{body{max-width:none;margin:0;padding:0;font-size:9.5pt}"
	"section.rack{break-before:page}h2,h3,h4{break-after:avoid;break-inside:avoid}"
	"tr,figure,.crit,table.summary{break-inside:avoid}"
	".v,th,.alert{-webkit-print-color-adjust:exact;print-color-adjust:exact}}\n";

/* The running header (court and period) and footer (issuer, "page N / M"). */
static void write_page_rules(FILE *out, const struct audit *a, const struct docinfo *doc)
{
	char d1[32], d2[32], line[256], issuer[512];

	fmt_period(d1, d2, sizeof(d1), a->from, a->to);
	snprintf(line, sizeof(line), _("Period: from %s to %s"), d1, d2);
	fputs("@page{size:A4 portrait;margin:18mm 14mm 16mm;"
		"@top-left{font-size:8pt;color:#555;content:\"", out);
	htmlesc_css_put(out, a->cfg->site.name);
	fputs("\"}@top-right{font-size:8pt;color:#555;content:\"", out);
	htmlesc_css_put(out, line);
	fputs("\"}@bottom-left{font-size:8pt;color:#555;content:\"", out);
	if (doc)
		htmlesc_css_put(out, text_issuer(issuer, sizeof(issuer), doc));
	/* TRANSLATORS: the page numbers of the printed report, "page 3 / 8" */
	fprintf(out, "\"}@bottom-right{font-size:8pt;color:#555;content:\"%s \" counter(page) "
		"\" / \" counter(pages)}}\n", _("page"));
}

static void verdict_badge(FILE *out, enum verdict v)
{
	fprintf(out, "<span class=\"v v-%s\">", verdict_name(v));
	html_put(out, _(verdict_label(v)));
	fputs("</span>", out);
}

static void fact_row(FILE *out, const char *label, const char *value)
{
	fputs("<tr><th>", out);
	html_put(out, label);
	fputs("</th><td>", out);
	html_put(out, value);
	fputs("</td></tr>\n", out);
}

static void write_head(FILE *out, const struct audit *a, const struct docinfo *doc)
{
	fputs("<!DOCTYPE html>\n<html lang=\"fr\">\n<head>\n<meta charset=\"utf-8\">\n<title>", out);
	html_put(out, _("Hosting conditions of the servers: site analysis"));
	fputs(" — ", out);
	html_put(out, a->cfg->site.name);
	fprintf(out, "</title>\n<style>\n%s", style);
	write_page_rules(out, a, doc);
	fputs("</style>\n</head>\n<body>\n", out);
}

/* The identity of the document: court, jurisdiction, period, date of issue, issuer. */
static void write_identity(FILE *out, const struct audit *a, const struct docinfo *doc)
{
	const struct config *cfg = a->cfg;
	char d1[32], d2[32], v[256];

	fputs("<header>\n<h1>", out);
	html_put(out, _("Hosting conditions of the servers: site analysis"));
	fputs("</h1>\n<table class=\"facts identity\">\n", out);
	snprintf(v, sizeof(v), "%s (%s)", cfg->site.name, cfg->site.code);
	fact_row(out, _("court"), v);
	if (cfg->site.ressort && cfg->site.ressort[0])
		fact_row(out, _("jurisdiction"), cfg->site.ressort);
	fmt_period(d1, d2, sizeof(d1), a->from, a->to);
	snprintf(v, sizeof(v), _("from %s to %s"), d1, d2);
	fact_row(out, _("period"), v);
	if (doc) {
		fact_row(out, _("date of issue"), fmt_datetime(d1, sizeof(d1), doc->issued));
		snprintf(v, sizeof(v), _("envmond %s, on %s"), doc->version, doc->host);
		fact_row(out, _("issuer"), v);
	}
	fputs("</table>\n</header>\n", out);
}

/* --partial: what the document lacks, before anything it says. */
static void write_missing(FILE *out, const struct docinfo *doc)
{
	if (!doc || doc->n_missing == 0)
		return;
	fputs("<div class=\"alert\"><p class=\"finding\">", out);
	html_put(out, _("INCOMPLETE REPORT: these files could not be read, and what they "
		"hold is missing from it:"));
	fputs("</p>\n<ul>\n", out);
	for (size_t i = 0; i < doc->n_missing; i++) {
		fputs("<li>", out);
		html_put(out, doc->missing[i]);
		fputs("</li>\n", out);
	}
	fputs("</ul></div>\n", out);
}

/* Devices measured less than VERDICT_MIN_COVERAGE of the period, once each. */
static void write_coverage(FILE *out, const struct audit *a)
{
	bool any = false;
	char share[32], line[320];

	for (size_t i = 0; i < a->n_rows; i++) {
		const struct audit_row *r = &a->rows[i];

		if (!docinfo_low_coverage(a, i))
			continue;
		if (!any) {
			fputs("<div class=\"alert\"><p>", out);
			html_put(out, _("Measurements missing for part of the period (each verdict "
				"concerned is at best \"to watch\"):"));
			fputs("</p>\n<ul>\n", out);
			any = true;
		}
		snprintf(line, sizeof(line), _("%s: %s of the period measured"), r->device->name,
			fmt_share(share, sizeof(share), r->st.coverage));
		fputs("<li>", out);
		html_put(out, line);
		fputs("</li>\n", out);
	}
	if (any)
		fputs("</ul></div>\n", out);
}

/* <table class="cls"> and its heading line of translated column names. */
static void table_head(FILE *out, const char *cls, const char *const *cols, size_t n)
{
	fprintf(out, "<table class=\"%s\">\n<tr>", cls);
	for (size_t i = 0; i < n; i++) {
		fputs("<th>", out);
		html_put(out, _(cols[i]));
		fputs("</th>", out);
	}
	fputs("</tr>\n", out);
}

static void write_summary(FILE *out, const struct audit *a)
{
	static const char *const summary_cols[] = { N_("server"), N_("rack"), N_("role"),
		N_("verdict") };

	fputs("<section class=\"summary\">\n<h2>", out);
	html_put(out, _("Summary"));
	fputs("</h2>\n<p><strong>", out);
	html_put(out, _("Overall verdict:"));
	fputs("</strong> ", out);
	verdict_badge(out, groups_overall_verdict(a));
	fputs("</p>\n", out);
	table_head(out, "summary", summary_cols, ARRAY_SIZE(summary_cols));
	for (size_t i = 0; i < a->n_servers; i++) {
		const struct audit_server *s = &a->servers[i];
		const struct cfg_rack *r = s->server->rack;

		fputs("<tr><td>", out);
		html_put(out, s->server->name);
		fputs("</td><td>", out);
		html_put(out, r && r->is_rack ? r->name : _("outside any rack"));
		fputs("</td><td>", out);
		html_put(out, describe_role(s->server->role));
		fputs("</td><td>", out);
		verdict_badge(out, s->verdict);
		fputs("</td></tr>\n", out);
	}
	fputs("</table>\n</section>\n", out);
}

/* none: what to say when there is none ("no probe"; see text.c's write_devices). */
static void put_devices(FILE *out, const char *none, const struct cfg_device *const *d, size_t n)
{
	if (n == 0)
		fprintf(out, "<span class=\"finding\">%s</span>", none);
	for (size_t i = 0; i < n; i++) {
		if (i)
			fputs(", ", out);
		html_put(out, d[i]->name);
	}
}

static void write_rack(FILE *out, const struct cfg_rack *r)
{
	for (size_t j = 0; j < r->n_servers; j++) {
		const struct cfg_server *s = &r->servers[j];

		fputs("<tr><td>", out);
		html_put(out, r->name);
		if (!r->is_rack) {
			fputs(" <span class=\"finding\">(", out);
			html_put(out, _("outside any rack"));
			fputs(")</span>", out);
		}
		fputs("</td><td>", out);
		html_put(out, s->name);
		fputs("<br><span class=\"meta\">", out);
		html_put(out, describe_role(s->role));
		if (s->inlet) {
			fputs("<br>", out);
			html_put(out, _("air inlet measured by the server"));
			fputs(" : ", out);
			html_put(out, s->inlet->name);
		}
		fputs("</span></td><td>", out);
		put_devices(out, _("no UPS"), s->ups, s->n_ups);
		fputs("</td><td>", out);
		put_devices(out, _("no air-conditioning unit"), r->cooling, r->n_cooling);
		fputs("</td><td>", out);
		put_devices(out, _("no probe"), r->probes, r->n_probes);
		fputs("</td></tr>\n", out);
	}
}

static void write_inventory(FILE *out, const struct audit *a)
{
	static const char *const cols[] = { N_("rack"), N_("server"), N_("UPS"),
		N_("air conditioning"), N_("probes") };

	fputs("<section class=\"inventory\">\n<h2>", out);
	html_put(out, _("Inventory of the room"));
	fputs("</h2>\n<table>\n<tr>", out);
	for (size_t i = 0; i < ARRAY_SIZE(cols); i++) {
		fputs("<th>", out);
		html_put(out, _(cols[i]));
		fputs("</th>", out);
	}
	fputs("</tr>\n", out);
	for (size_t i = 0; i < a->cfg->n_racks; i++)
		write_rack(out, &a->cfg->racks[i]);
	fputs("</table>\n</section>\n", out);
}

static void write_graph(FILE *out, const struct audit *a, const struct cfg_server *srv,
	const struct cfg_device *dev, enum graph_kind kind)
{
	struct graph_png png;
	char *b64;

	if (graph_draw(a, srv, dev, kind, &png) != 0)
		return;
	b64 = graph_base64(png.data, png.size);
	fputs("<figure><img alt=\"", out);
	html_put(out, dev->name);
	fprintf(out, "\" src=\"data:image/png;base64,%s\"></figure>\n", b64);
	free(b64);
	graph_png_free(&png);
}

static void write_facts(FILE *out, const struct audit *a, const struct audit_row *r,
	const char *servers)
{
	struct fact f[DESCRIBE_MAX_FACTS];
	size_t n = describe_row(a, r, f);

	fputs("<div class=\"crit\">\n<h4>", out);
	html_put(out, describe_crit(r));
	fputs(" — ", out);
	html_put(out, r->device->name);
	fputs(" ", out);
	verdict_badge(out, r->verdict);
	fputs("</h4>\n<p class=\"meta\">", out);
	html_put(out, servers);
	fputs(" — ", out);
	html_put(out, _(r->reason));
	htmlinst_worst(out, r);
	fputs("</p>\n<table class=\"facts\">\n", out);
	for (size_t i = 0; i < n; i++)
		fact_row(out, f[i].label, f[i].value);
	fputs("</table>\n", out);
	htmlinst_table(out, r);
	fputs("</div>\n", out);
}

/* A server's head: its role, static findings and verdicts; no empty criteria table
 * for a server that nothing measures. */
static void write_server(FILE *out, const struct audit *a, const struct audit_server *s)
{
	const char *findings[4];
	size_t n = describe_findings(s->findings, findings);

	fputs("<div class=\"server\">\n<h3>", out);
	html_put(out, _("Server"));
	fputs(" ", out);
	html_put(out, s->server->name);
	fputs(" ", out);
	verdict_badge(out, s->verdict);
	fputs("</h3>\n<p class=\"meta\">", out);
	html_put(out, describe_role(s->server->role));
	fputs("</p>\n", out);
	for (size_t i = 0; i < n; i++) {
		fputs("<p class=\"finding\">", out);
		html_put(out, findings[i]);
		fputs("</p>\n", out);
	}
	if (s->n_rows == 0) {
		fputs("<p>", out);
		html_put(out, _("No device measures this server's conditions: its verdict rests on "
			"the findings above."));
		fputs("</p>\n", out);
	}
	fputs("</div>\n", out);
}

/* The graphs of a group of servers: each probe of the rack and each UPS once. */
static void write_group_graphs(FILE *out, const struct audit *a, size_t first, size_t n)
{
	const struct cfg_server *srv0 = a->servers[first].server;
	const struct cfg_rack *rack = srv0->rack;

	if (groups_has_graphs(a, first, n)) {
		fputs("<h3>", out);
		html_put(out, _("Graphs"));
		fputs("</h3>\n", out);
	}
	for (size_t i = 0; rack && rack->is_rack && i < rack->n_probes; i++) {
		write_graph(out, a, srv0, rack->probes[i], GRAPH_TEMPERATURE);
		write_graph(out, a, srv0, rack->probes[i], GRAPH_HUMIDITY);
		write_graph(out, a, srv0, rack->probes[i], GRAPH_DEW_POINT);
	}
	for (size_t i = first; i < first + n; i++) {
		const struct cfg_server *srv = a->servers[i].server;

		for (size_t j = 0; j < srv->n_ups; j++)
			if (!groups_device_seen(a, first, i, srv->ups[j])) {
				write_graph(out, a, srv, srv->ups[j], GRAPH_UPS_LOAD);
				write_graph(out, a, srv, srv->ups[j], GRAPH_UPS_RUNTIME);
			}
	}
}

/* The evidence of a group, each (device, criterion) once with the servers it concerns. */
static void write_group_evidence(FILE *out, const struct audit *a, size_t first, size_t n)
{
	char servers[512];
	struct groups_iter it;
	bool any = false;

	groups_iter_init(&it, first, n);
	for (const struct audit_row *r; (r = groups_next(a, &it, GROUPS_EVIDENCE)) != NULL; ) {
		if (!any) {
			fputs("<h3>", out);
			html_put(out, _("Evidence"));
			fputs("</h3>\n<div class=\"grid\">\n", out);
			any = true;
		}
		groups_sharing(a, first, n, r, servers, sizeof(servers));
		write_facts(out, a, r, servers);
	}
	if (any)
		fputs("</div>\n", out);
}

static void verdicts_head(FILE *out, const struct audit *a, size_t first, size_t n)
{
	fputs("<table class=\"verdicts\">\n<tr><th>", out);
	html_put(out, _("criterion"));
	fputs("</th><th>", out);
	html_put(out, _("measured by"));
	for (size_t k = first; k < first + n; k++) {
		fputs("</th><th>", out);
		html_put(out, a->servers[k].server->name);
	}
	fputs("</th><th>", out);
	html_put(out, _("reason"));
	fputs("</th></tr>\n", out);
}

/* One table for the servers of a group: a line per device and criterion, a verdict
 * column per server (the servers of a rack share most of their evidence). */
static void write_group_verdicts(FILE *out, const struct audit *a, size_t first, size_t n)
{
	struct groups_iter it;
	bool any = false;

	groups_iter_init(&it, first, n);
	for (const struct audit_row *r; (r = groups_next(a, &it, GROUPS_VERDICT_LINES)) != NULL; ) {
		if (!any)
			verdicts_head(out, a, first, n);
		any = true;
		fputs("<tr><td>", out);
		html_put(out, describe_crit(r));
		fputs("</td><td>", out);
		html_put(out, r->device->name);
		for (size_t k = first; k < first + n; k++) {
			const struct audit_row *o = groups_row_of(a, k, r);

			fputs("</td><td>", out);
			if (o)
				verdict_badge(out, o->verdict);
		}
		fputs("</td><td>", out);
		html_put(out, _(r->reason));
		htmlinst_worst(out, r);
		fputs("</td></tr>\n", out);
	}
	if (any)
		fputs("</table>\n", out);
}

/* The servers [first, first + n) of one rack: heads, then what they share once. */
static void write_group(FILE *out, const struct audit *a, size_t first, size_t n)
{
	for (size_t i = first; i < first + n; i++)
		write_server(out, a, &a->servers[i]);
	write_group_verdicts(out, a, first, n);
	write_group_graphs(out, a, first, n);
	write_group_evidence(out, a, first, n);
}

static void write_racks(FILE *out, const struct audit *a)
{
	bool outside = false;

	for (size_t i = 0; i < a->n_servers; i = groups_end(a, i)) {
		if (!groups_in_rack(&a->servers[i]))
			continue;
		fputs("<section class=\"rack\">\n<h2>", out);
		html_put(out, _("Rack"));
		fputs(" ", out);
		html_put(out, a->servers[i].server->rack->name);
		fputs("</h2>\n", out);
		write_group(out, a, i, groups_end(a, i) - i);
		fputs("</section>\n", out);
	}
	for (size_t i = 0; i < a->n_servers; i = groups_end(a, i)) {
		if (groups_in_rack(&a->servers[i]))
			continue;
		if (!outside) {
			fputs("<section class=\"outside\">\n<h2>", out);
			html_put(out, _("Servers outside racks"));
			fputs("</h2>\n", out);
			outside = true;
		}
		write_group(out, a, i, groups_end(a, i) - i);
	}
	if (outside)
		fputs("</section>\n", out);
}

static void write_episode(FILE *out, const struct audit_episode *e)
{
	char d1[32], d2[32], d3[32], v[48];

	fprintf(out, "<tr><td>%s</td><td>%s</td><td>%s%s</td><td>", fmt_datetime(d1, sizeof(d1),
		e->start), fmt_datetime(d2, sizeof(d2), e->end), fmt_duration(d3, sizeof(d3),
		difftime(e->end, e->start)), e->open ? _(", still open") : "");
	html_put(out, describe_severity(e->severity));
	fputs("</td><td>", out);
	html_put(out, _(criterion_label(e->crit)));
	fputs("</td><td>", out);
	html_put(out, e->device ? e->device : e->rack);
	fputs("</td><td>", out);
	/* The journal's reading, as the alert mail gave it: the archive's consolidated
	 * maximum can be lower than the reading that raised the alert. */
	html_put(out, describe_value(v, sizeof(v), e->crit, e->worst));
	fputs("</td><td>", out);
	html_put(out, e->servers);
	fputs("</td></tr>\n", out);
}

static void write_episodes(FILE *out, const struct audit *a)
{
	static const char *const cols[] = { N_("start"), N_("end"), N_("duration"),
		N_("severity"), N_("criterion"), N_("cause"), N_("worst value"), N_("servers") };

	fputs("<section class=\"episodes\">\n<h2>", out);
	html_put(out, _("Incidents recorded"));
	fputs("</h2>\n", out);
	if (a->n_episodes == 0) {
		fputs("<p>", out);
		html_put(out, _("No incident was recorded in the period."));
		fputs("</p>\n</section>\n", out);
		return;
	}
	fputs("<table>\n<tr>", out);
	for (size_t i = 0; i < ARRAY_SIZE(cols); i++) {
		fputs("<th>", out);
		html_put(out, _(cols[i]));
		fputs("</th>", out);
	}
	fputs("</tr>\n", out);
	for (size_t i = 0; i < a->n_episodes; i++)
		write_episode(out, &a->episodes[i]);
	fputs("</table>\n</section>\n", out);
}

static void write_upgrades(FILE *out, const struct audit *a)
{
	size_t *order = xcalloc(a->n_upgrades + 1, sizeof(*order));

	urgency_order(a, order);
	fputs("<section class=\"upgrades\" id=\"upgrades\">\n<h2>", out);
	html_put(out, _("Upgrades to plan, most urgent first"));
	fputs("</h2>\n", out);
	if (a->n_upgrades == 0) {
		fputs("<p>", out);
		html_put(out, _("None: the hosting conditions met the spec."));
		fputs("</p>\n", out);
	}
	fputs("<ol>\n", out);
	for (size_t i = 0; i < a->n_upgrades; i++) {
		const struct audit_upgrade *u = &a->upgrades[order[i]];

		fputs("<li><strong>", out);
		html_put(out, _(upgrades_label(u->kind)));
		fputs("</strong> — ", out);
		html_put(out, u->target);
		fputs("<br>", out);
		html_put(out, u->reason);
		fputs("</li>\n", out);
	}
	fputs("</ol>\n</section>\n", out);
	free(order);
}

/* The sources of the thresholds, each once. */
static void write_sources(FILE *out, const struct audit *a)
{
	fputs("<p>", out);
	html_put(out, _("Sources of the thresholds:"));
	fputs("</p>\n<ul>\n", out);
	for (size_t i = 0; i < a->n_rows; i++) {
		if (!groups_first_source(a, i))
			continue;
		fputs("<li>", out);
		html_put(out, groups_crit_source(a->rows[i].crit));
		fputs("</li>\n", out);
	}
	fputs("</ul>\n", out);
}

/* The thresholds each server was judged against: one line per spec and criterion. */
static void write_thresholds(FILE *out, const struct audit *a)
{
	static const char *const cols[] = { N_("spec"), N_("criterion"), N_("recommended"),
		N_("allowable") };
	char rec[64], allow[64];

	fputs("<div class=\"crit\">\n<h3>", out);
	html_put(out, _("Thresholds applied"));
	fputs("</h3>\n", out);
	table_head(out, "facts", cols, ARRAY_SIZE(cols));
	for (size_t i = 0; i < a->n_rows; i++) {
		const struct audit_row *r = &a->rows[i];

		if (!groups_first_threshold(a, i))
			continue;
		fputs("<tr><td>", out);
		html_put(out, r->server->spec->name);
		fputs("</td><td>", out);
		html_put(out, describe_crit(r));
		fputs("</td><td>", out);
		html_put(out, r->is_state ? _("normal state") :
			describe_envelope(rec, sizeof(rec), r->crit, r->env.rec_lo, r->env.rec_hi));
		fputs("</td><td>", out);
		html_put(out, r->is_state ? _("no critical state") :
			describe_envelope(allow, sizeof(allow), r->crit, r->env.allow_lo, r->env.allow_hi));
		fputs("</td></tr>\n", out);
	}
	fputs("</table>\n", out);
	write_sources(out, a);
	fputs("</div>\n", out);
}

static void write_method(FILE *out, const struct audit *a)
{
	fputs("<section class=\"method\">\n<h2>", out);
	html_put(out, _("Method"));
	fputs("</h2>\n<p>", out);
	html_put(out, text_method());
	fputs("</p>\n", out);
	if (a->n_rows)
		write_thresholds(out, a);
	fputs("</section>\n", out);
}

int html_write(FILE *out, const struct audit *a, const struct docinfo *doc)
{
	write_head(out, a, doc);
	write_identity(out, a, doc);
	write_missing(out, doc);
	write_coverage(out, a);
	write_summary(out, a);
	write_upgrades(out, a);
	write_inventory(out, a);
	write_racks(out, a);
	write_episodes(out, a);
	write_method(out, a);
	fputs("</body>\n</html>\n", out);
	return ferror(out) ? -1 : 0;
}
