/* html.c — the HTML form of the report. Every text that comes from the configuration,
 * a device or the journal goes through html_put: nothing reaches the page unescaped. */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "describe.h"
#include "fmt.h"
#include "graph.h"
#include "html.h"
#include "text.h"
#include "upgrades.h"
#include "xmem.h"

static const char *entity(char c)
{
	switch (c) {
	case '&': return "&amp;";
	case '<': return "&lt;";
	case '>': return "&gt;";
	case '"': return "&quot;";
	case '\'': return "&#39;";
	default: return NULL;
	}
}

char *html_escape(const char *s)
{
	size_t len = 1;
	char *out, *o;

	for (const char *p = s; *p; p++)
		len += entity(*p) ? strlen(entity(*p)) : 1;
	out = o = xmalloc(len);
	for (const char *p = s; *p; p++) {
		const char *e = entity(*p);

		if (e)
			o = stpcpy(o, e);
		else
			*o++ = *p;
	}
	*o = '\0';
	return out;
}

void html_put(FILE *out, const char *s)
{
	char *e = html_escape(s ? s : "");

	fputs(e, out);
	free(e);
}

static const char style[] =
	"body{font-family:'DejaVu Sans',Arial,sans-serif;font-size:11pt;color:#222;"
	"max-width:60em;margin:1em auto;padding:0 1em;line-height:1.35}\n"
	"h1{font-size:18pt;margin-bottom:.2em}h2{font-size:14pt;border-bottom:2px solid #1F4E79;"
	"color:#1F4E79;margin-top:1.5em}h3{font-size:12pt;margin:1em 0 .3em}\n"
	"table{border-collapse:collapse;width:100%;margin:.5em 0}"
	"th,td{border:1px solid #bbb;padding:.25em .5em;text-align:left;vertical-align:top}"
	"th{background:#eef2f7}\n"
	"table.facts th{width:40%;font-weight:normal}\n"
	".v{font-weight:bold;padding:.1em .5em;border-radius:.3em;white-space:nowrap}"
	".v-ok{background:#d5f5e3;color:#145a32}.v-watch{background:#fdebd0;color:#7e5109}"
	".v-fail{background:#f5b7b1;color:#78281f}.v-nodata{background:#e5e7e9;color:#424949}\n"
	".finding{color:#78281f;font-weight:bold}.meta{color:#555}\n"
	"figure{margin:.8em 0;break-inside:avoid}figure img{max-width:100%;height:auto;"
	"border:1px solid #ddd}figcaption{font-size:9pt;color:#555}\n"
	".crit{break-inside:avoid}\n"
	"@page{size:A4;margin:15mm 12mm}\n"
	"@media print{body{max-width:none;margin:0;padding:0;font-size:10pt}"
	"section.server{break-before:page}h2{break-after:avoid}"
	"tr,figure,.crit{break-inside:avoid}"
	".v{-webkit-print-color-adjust:exact;print-color-adjust:exact}"
	"th{-webkit-print-color-adjust:exact;print-color-adjust:exact}}\n";

static void verdict_badge(FILE *out, enum verdict v)
{
	fprintf(out, "<span class=\"v v-%s\">", verdict_name(v));
	html_put(out, _(verdict_label(v)));
	fputs("</span>", out);
}

static void write_head(FILE *out, const struct audit *a)
{
	const struct config *cfg = a->cfg;
	char d1[32], d2[32];

	fputs("<!DOCTYPE html>\n<html lang=\"fr\">\n<head>\n<meta charset=\"utf-8\">\n<title>", out);
	html_put(out, _("Hosting conditions of the servers: site analysis"));
	fputs(" — ", out);
	html_put(out, cfg->site.name);
	fprintf(out, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<header>\n<h1>", style);
	html_put(out, _("Hosting conditions of the servers: site analysis"));
	fputs("</h1>\n<p><strong>", out);
	html_put(out, cfg->site.name);
	fputs("</strong> (", out);
	html_put(out, cfg->site.code);
	fputs(")", out);
	if (cfg->site.ressort && cfg->site.ressort[0]) {
		fputs(" — ", out);
		html_put(out, cfg->site.ressort);
	}
	fputs("</p>\n<p class=\"meta\">", out);
	fmt_period(d1, d2, sizeof(d1), a->from, a->to);
	fprintf(out, _("Period: from %s to %s"), d1, d2);
	fputs("</p>\n</header>\n", out);
}

static void write_summary(FILE *out, const struct audit *a)
{
	fputs("<section class=\"summary\">\n<h2>", out);
	html_put(out, _("Summary"));
	fputs("</h2>\n<table>\n<tr><th>", out);
	html_put(out, _("server"));
	fputs("</th><th>", out);
	html_put(out, _("role"));
	fputs("</th><th>", out);
	html_put(out, _("verdict"));
	fputs("</th></tr>\n", out);
	for (size_t i = 0; i < a->n_servers; i++) {
		const struct audit_server *s = &a->servers[i];

		fputs("<tr><td>", out);
		html_put(out, s->server->name);
		fputs("</td><td>", out);
		html_put(out, describe_role(s->server->role));
		fputs("</td><td>", out);
		verdict_badge(out, s->verdict);
		fputs("</td></tr>\n", out);
	}
	fputs("</table>\n<p>", out);
	fprintf(out, _("Upgrades to plan: %zu"), a->n_upgrades);
	fputs(" — <a href=\"#upgrades\">", out);
	html_put(out, _("see the list"));
	fputs("</a></p>\n</section>\n", out);
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

static void write_facts(FILE *out, const struct audit *a, const struct audit_row *r)
{
	struct fact f[DESCRIBE_MAX_FACTS];
	size_t n = describe_row(a, r, f);

	fputs("<div class=\"crit\">\n<h3>", out);
	html_put(out, _(criterion_label(r->crit)));
	fputs(" — ", out);
	html_put(out, r->device->name);
	fputs(" ", out);
	verdict_badge(out, r->verdict);
	fputs("</h3>\n<p class=\"meta\">", out);
	html_put(out, _(r->reason));
	fputs("</p>\n<table class=\"facts\">\n", out);
	for (size_t i = 0; i < n; i++) {
		fputs("<tr><th>", out);
		html_put(out, f[i].label);
		fputs("</th><td>", out);
		html_put(out, f[i].value);
		fputs("</td></tr>\n", out);
	}
	fputs("</table>\n</div>\n", out);
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

static void write_verdicts(FILE *out, const struct audit *a, const struct audit_server *s)
{
	fputs("<table>\n<tr><th>", out);
	html_put(out, _("criterion"));
	fputs("</th><th>", out);
	html_put(out, _("measured by"));
	fputs("</th><th>", out);
	html_put(out, _("verdict"));
	fputs("</th><th>", out);
	html_put(out, _("reason"));
	fputs("</th></tr>\n", out);
	for (size_t i = 0; i < s->n_rows; i++) {
		const struct audit_row *r = &a->rows[s->first_row + i];

		fputs("<tr><td>", out);
		html_put(out, _(criterion_label(r->crit)));
		fputs("</td><td>", out);
		html_put(out, r->device->name);
		fputs("</td><td>", out);
		verdict_badge(out, r->verdict);
		fputs("</td><td>", out);
		html_put(out, _(r->reason));
		fputs("</td></tr>\n", out);
	}
	fputs("</table>\n", out);
}

static void write_graphs(FILE *out, const struct audit *a, const struct cfg_server *srv)
{
	const struct cfg_rack *rack = srv->rack;

	for (size_t i = 0; rack && i < rack->n_probes; i++) {
		write_graph(out, a, srv, rack->probes[i], GRAPH_TEMPERATURE);
		write_graph(out, a, srv, rack->probes[i], GRAPH_HUMIDITY);
	}
	for (size_t i = 0; i < srv->n_ups; i++)
		write_graph(out, a, srv, srv->ups[i], GRAPH_UPS);
}

static void write_server(FILE *out, const struct audit *a, const struct audit_server *s)
{
	const char *findings[4];
	size_t n = describe_findings(s->findings, findings);

	fputs("<section class=\"server\">\n<h2>", out);
	html_put(out, _("Server"));
	fputs(" ", out);
	html_put(out, s->server->name);
	fputs(" ", out);
	verdict_badge(out, s->verdict);
	fputs("</h2>\n<p class=\"meta\">", out);
	html_put(out, describe_role(s->server->role));
	fputs("</p>\n", out);
	for (size_t i = 0; i < n; i++) {
		fputs("<p class=\"finding\">", out);
		html_put(out, findings[i]);
		fputs("</p>\n", out);
	}
	write_verdicts(out, a, s);
	write_graphs(out, a, s->server);
	for (size_t i = 0; i < s->n_rows; i++)
		write_facts(out, a, &a->rows[s->first_row + i]);
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
	fputs("<section class=\"upgrades\" id=\"upgrades\">\n<h2>", out);
	html_put(out, _("Upgrades to plan"));
	fputs("</h2>\n", out);
	if (a->n_upgrades == 0) {
		fputs("<p>", out);
		html_put(out, _("None: the hosting conditions met the spec."));
		fputs("</p>\n", out);
	}
	fputs("<ol>\n", out);
	for (size_t i = 0; i < a->n_upgrades; i++) {
		const struct audit_upgrade *u = &a->upgrades[i];

		fputs("<li><strong>", out);
		html_put(out, _(upgrades_label(u->kind)));
		fputs("</strong> — ", out);
		html_put(out, u->target);
		fputs("<br>", out);
		html_put(out, u->reason);
		fputs("</li>\n", out);
	}
	fputs("</ol>\n</section>\n", out);
}

int html_write(FILE *out, const struct audit *a, const struct docinfo *doc)
{
	write_head(out, a);
	write_summary(out, a);
	write_inventory(out, a);
	write_upgrades(out, a);
	for (size_t i = 0; i < a->n_servers; i++)
		write_server(out, a, &a->servers[i]);
	write_episodes(out, a);
	fputs("<section class=\"method\">\n<h2>", out);
	html_put(out, _("Method"));
	fputs("</h2>\n<p>", out);
	html_put(out, text_method());
	fputs("</p>\n</section>\n</body>\n</html>\n", out);
	return ferror(out) ? -1 : 0;
}
