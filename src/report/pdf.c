/* pdf.c — the PDF form of the report, section by section as html.c writes it (first
 * page, racks, incidents, method), laid out by pdfdoc.c. The document is laid out twice:
 * the first pass counts the pages for "page N / M", the second writes; the graphs drawn
 * for the first are kept for the second. Every text from the configuration, a device or
 * the journal goes through g_markup_printf_escaped. */
#include <config.h>

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "describe.h"
#include "fmt.h"
#include "graph.h"
#include "groups.h"
#include "pdf.h"
#include "pdfdoc.h"
#include "pdfinst.h"
#include "insttext.h"
#include "text.h"
#include "upgrades.h"
#include "urgency.h"
#include "xmem.h"

/* rrdtool's zoom for print: its 850-pixel-wide graph across the 182 mm of text is then
 * about 300 dpi. */
#define GRAPH_ZOOM 2.5

struct pdf {
	struct pdfdoc *d;
	const struct audit *a;
	const struct docinfo *doc;
	struct graph_png *graphs;  /* in drawing order; size 0 when librrd drew none */
	size_t n_graphs, cap, next;
};

static void textf(struct pdf *p, enum pdfdoc_style st, bool keep, const char *fmt, ...)
	G_GNUC_PRINTF(4, 5);

/* pdfdoc_textf on p's document. */
static void textf(struct pdf *p, enum pdfdoc_style st, bool keep, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	pdfdoc_vtextf(p->d, st, keep, fmt, ap);
	va_end(ap);
}

/* The verdict as the HTML's coloured badge, as markup. */
static char *badge(enum verdict v)
{
	static const char *const colours[][2] = {
		[VERDICT_NO_DATA] = { "#e5e7e9", "#424949" },
		[VERDICT_OK] = { "#d5f5e3", "#145a32" },
		[VERDICT_WATCH] = { "#fdebd0", "#7e5109" },
		[VERDICT_FAIL] = { "#f5b7b1", "#78281f" },
	};

	return g_markup_printf_escaped("<span background=\"%s\" foreground=\"%s\" "
		"weight=\"bold\"> %s </span>", colours[v][0], colours[v][1], _(verdict_label(v)));
}

static void badge_cell(struct pdfdoc_table *t, enum verdict v)
{
	char *b = badge(v);

	pdfdoc_table_cell(t, b);
	g_free(b);
}

/* A table with a heading line of translated column names. */
static struct pdfdoc_table *table_head(const char *const *cols, const double *widths, size_t n)
{
	struct pdfdoc_table *t = pdfdoc_table_new(n, widths, true);

	for (size_t i = 0; i < n; i++)
		pdfdoc_table_cellf(t, "%s", _(cols[i]));
	return t;
}

static void fact_row(struct pdfdoc_table *t, const char *label, const char *value)
{
	pdfdoc_table_cellf(t, "%s", label);
	pdfdoc_table_cellf(t, "%s", value);
}

static void write_identity(struct pdf *p)
{
	static const double w[] = { 0.3, 0.7 };
	const struct config *cfg = p->a->cfg;
	struct pdfdoc_table *t = pdfdoc_table_new(2, w, false);
	char d1[32], d2[32], v[256];

	textf(p, PDFDOC_TITLE, true, "%s", _("Hosting conditions of the servers: site analysis"));
	snprintf(v, sizeof(v), "%s (%s)", cfg->site.name, cfg->site.code);
	fact_row(t, _("court"), v);
	if (cfg->site.ressort && cfg->site.ressort[0])
		fact_row(t, _("jurisdiction"), cfg->site.ressort);
	fmt_period(d1, d2, sizeof(d1), p->a->from, p->a->to);
	snprintf(v, sizeof(v), _("from %s to %s"), d1, d2);
	fact_row(t, _("period"), v);
	if (p->doc) {
		fact_row(t, _("date of issue"), fmt_datetime(d1, sizeof(d1), p->doc->issued));
		snprintf(v, sizeof(v), _("envmond %s, on %s"), p->doc->version, p->doc->host);
		fact_row(t, _("issuer"), v);
	}
	pdfdoc_table_end(p->d, t);
}

/* --partial: what the document lacks, framed, before anything it says. */
static void write_missing(struct pdf *p)
{
	GString *m;
	char *line;

	if (!p->doc || p->doc->n_missing == 0)
		return;
	line = g_markup_printf_escaped("<b>%s</b>", _("INCOMPLETE REPORT: these files could not "
		"be read, and what they hold is missing from it:"));
	m = g_string_new(line);
	g_free(line);
	for (size_t i = 0; i < p->doc->n_missing; i++) {
		line = g_markup_printf_escaped("\n• %s", p->doc->missing[i]);
		g_string_append(m, line);
		g_free(line);
	}
	pdfdoc_text(p->d, PDFDOC_ALERT, m->str, false);
	g_string_free(m, TRUE);
}

/* Devices measured less than VERDICT_MIN_COVERAGE of the period, once each, framed. */
static void write_coverage(struct pdf *p)
{
	GString *m = NULL;
	char share[32], line[320];

	for (size_t i = 0; i < p->a->n_rows; i++) {
		const struct audit_row *r = &p->a->rows[i];
		char *e;

		if (!docinfo_low_coverage(p->a, i))
			continue;
		if (!m) {
			e = g_markup_printf_escaped("%s", _("Measurements missing for part of the "
				"period (each verdict concerned is at best \"to watch\"):"));
			m = g_string_new(e);
			g_free(e);
		}
		snprintf(line, sizeof(line), _("%s: %s of the period measured"), r->device->name,
			fmt_share(share, sizeof(share), r->st.coverage));
		e = g_markup_printf_escaped("\n• %s", line);
		g_string_append(m, e);
		g_free(e);
	}
	if (m) {
		pdfdoc_text(p->d, PDFDOC_ALERT, m->str, false);
		g_string_free(m, TRUE);
	}
}

/* "Overall verdict:" and its badge, kept with the table that follows. */
static void write_overall(struct pdf *p)
{
	char *b = badge(groups_overall_verdict(p->a));
	char *head = g_markup_printf_escaped("<b>%s</b> ", _("Overall verdict:"));
	char *m = xasprintf("%s%s", head, b);

	pdfdoc_text(p->d, PDFDOC_BODY, m, true);
	free(m);
	g_free(head);
	g_free(b);
}

static void write_summary(struct pdf *p)
{
	static const char *const cols[] = { N_("server"), N_("rack"), N_("role"), N_("verdict") };
	static const double w[] = { 0.24, 0.2, 0.38, 0.18 };
	struct pdfdoc_table *t = table_head(cols, w, ARRAY_SIZE(cols));

	textf(p, PDFDOC_H2, true, "%s", _("Summary"));
	write_overall(p);
	for (size_t i = 0; i < p->a->n_servers; i++) {
		const struct audit_server *s = &p->a->servers[i];
		const struct cfg_rack *r = s->server->rack;

		pdfdoc_table_cellf(t, "%s", s->server->name);
		pdfdoc_table_cellf(t, "%s", r && r->is_rack ? r->name : _("outside any rack"));
		pdfdoc_table_cellf(t, "%s", describe_role(s->server->role));
		badge_cell(t, s->verdict);
	}
	pdfdoc_table_end(p->d, t);
}

static void write_upgrades(struct pdf *p)
{
	const struct audit *a = p->a;
	size_t *order = xcalloc(a->n_upgrades + 1, sizeof(*order));

	urgency_order(a, order);
	textf(p, PDFDOC_H2, true, "%s", _("Upgrades to plan, most urgent first"));
	if (a->n_upgrades == 0)
		textf(p, PDFDOC_BODY, false, "%s", _("None: the hosting conditions met the spec."));
	for (size_t i = 0; i < a->n_upgrades; i++) {
		const struct audit_upgrade *u = &a->upgrades[order[i]];

		textf(p, PDFDOC_LIST, false, "%zu. <b>%s</b> — %s\n%s", i + 1,
			_(upgrades_label(u->kind)), u->target, u->reason);
	}
	free(order);
}

/* "srv-a: onduleur-1, onduleur-2" style device lists, none: what to say when empty. */
static void devices_cell(struct pdfdoc_table *t, const char *none,
	const struct cfg_device *const *d, size_t n)
{
	GString *s = g_string_new(NULL);

	if (n == 0) {
		char *e = g_markup_printf_escaped("<span foreground=\"#78281f\"><b>%s</b></span>", none);

		g_string_append(s, e);
		g_free(e);
	}
	for (size_t i = 0; i < n; i++) {
		char *e = g_markup_printf_escaped("%s%s", i ? ", " : "", d[i]->name);

		g_string_append(s, e);
		g_free(e);
	}
	pdfdoc_table_cell(t, s->str);
	g_string_free(s, TRUE);
}

static void write_inventory(struct pdf *p)
{
	static const char *const cols[] = { N_("rack"), N_("server"), N_("UPS"),
		N_("air conditioning"), N_("probes") };
	static const double w[] = { 0.17, 0.25, 0.18, 0.2, 0.2 };
	struct pdfdoc_table *t = table_head(cols, w, ARRAY_SIZE(cols));

	textf(p, PDFDOC_H2, true, "%s", _("Inventory of the room"));
	for (size_t i = 0; i < p->a->cfg->n_racks; i++) {
		const struct cfg_rack *r = &p->a->cfg->racks[i];

		for (size_t j = 0; j < r->n_servers; j++) {
			const struct cfg_server *s = &r->servers[j];

			if (r->is_rack)
				pdfdoc_table_cellf(t, "%s", r->name);
			else
				pdfdoc_table_cellf(t, "%s <span foreground=\"#78281f\"><b>(%s)</b></span>", r->name,
					_("outside any rack"));
			if (s->inlet)
				pdfdoc_table_cellf(t, "%s\n<span foreground=\"#555555\">%s\n%s : %s</span>", s->name,
					describe_role(s->role), _("air inlet measured by the server"), s->inlet->name);
			else
				pdfdoc_table_cellf(t, "%s\n<span foreground=\"#555555\">%s</span>", s->name,
					describe_role(s->role));
			devices_cell(t, _("no UPS"), s->ups, s->n_ups);
			devices_cell(t, _("no air-conditioning unit"), r->cooling, r->n_cooling);
			devices_cell(t, _("no probe"), r->probes, r->n_probes);
		}
	}
	pdfdoc_table_end(p->d, t);
}

/* A graph at print resolution; drawn by librrd in the first pass, reused in the second. */
static void write_graph(struct pdf *p, const struct cfg_server *srv,
	const struct cfg_device *dev, enum graph_kind kind)
{
	struct graph_png *g;

	if (p->next == p->n_graphs) {
		p->graphs = xgrow(p->graphs, &p->cap, p->n_graphs + 1, sizeof(*p->graphs));
		g = &p->graphs[p->n_graphs++];
		if (graph_draw_zoom(p->a, srv, dev, kind, GRAPH_ZOOM, g) != 0)
			memset(g, 0, sizeof(*g));
	}
	g = &p->graphs[p->next++];
	if (g->size)
		pdfdoc_image(p->d, g->data, g->size);
}

static void write_group_graphs(struct pdf *p, size_t first, size_t n)
{
	const struct audit *a = p->a;
	const struct cfg_server *srv0 = a->servers[first].server;
	const struct cfg_rack *rack = srv0->rack;

	if (groups_has_graphs(a, first, n))
		textf(p, PDFDOC_H3, true, "%s", _("Graphs"));
	for (size_t i = 0; rack && rack->is_rack && i < rack->n_probes; i++) {
		write_graph(p, srv0, rack->probes[i], GRAPH_TEMPERATURE);
		write_graph(p, srv0, rack->probes[i], GRAPH_HUMIDITY);
		write_graph(p, srv0, rack->probes[i], GRAPH_DEW_POINT);
	}
	for (size_t i = first; i < first + n; i++) {
		const struct cfg_server *srv = a->servers[i].server;

		for (size_t j = 0; j < srv->n_ups; j++)
			if (!groups_device_seen(a, first, i, srv->ups[j])) {
				write_graph(p, srv, srv->ups[j], GRAPH_UPS_LOAD);
				write_graph(p, srv, srv->ups[j], GRAPH_UPS_RUNTIME);
			}
	}
}

/* A server's head: role, static findings, verdict; no empty criteria table. */
static void write_server(struct pdf *p, const struct audit_server *s)
{
	const char *findings[4];
	size_t n = describe_findings(s->findings, findings);
	char *b = badge(s->verdict);
	char *head = g_markup_printf_escaped("%s %s ", _("Server"), s->server->name);
	char *m = xasprintf("%s%s", head, b);

	pdfdoc_text(p->d, PDFDOC_H3, m, true);
	free(m);
	g_free(head);
	g_free(b);
	textf(p, PDFDOC_META, n > 0 || s->n_rows == 0, "%s", describe_role(s->server->role));
	for (size_t i = 0; i < n; i++)
		textf(p, PDFDOC_FINDING, false, "%s", findings[i]);
	if (s->n_rows == 0)
		textf(p, PDFDOC_BODY, false, "%s", _("No device measures this server's conditions: "
			"its verdict rests on the findings above."));
}

/* One table for the servers of a group: a line per device and criterion, a verdict
 * column per server. */
static void write_group_verdicts(struct pdf *p, size_t first, size_t n)
{
	const struct audit *a = p->a;
	size_t n_cols = n + 3;
	double *w = xcalloc(n_cols, sizeof(*w));
	/* a verdict column per server, as wide as "non conforme" in bold when they fit */
	double ws = 0.5 / (double)n < 0.15 ? 0.5 / (double)n : 0.15;
	struct pdfdoc_table *t;
	struct groups_iter it;
	bool any = false;
	char *worst;

	w[0] = 0.2, w[1] = 0.16, w[n_cols - 1] = 0.64 - ws * (double)n;
	for (size_t k = 2; k < n_cols - 1; k++)
		w[k] = ws;
	t = pdfdoc_table_new(n_cols, w, true);
	free(w);
	pdfdoc_table_cellf(t, "%s", _("criterion"));
	pdfdoc_table_cellf(t, "%s", _("measured by"));
	for (size_t k = first; k < first + n; k++)
		pdfdoc_table_cellf(t, "%s", a->servers[k].server->name);
	pdfdoc_table_cellf(t, "%s", _("reason"));
	groups_iter_init(&it, first, n);
	for (const struct audit_row *r; (r = groups_next(a, &it, GROUPS_VERDICT_LINES)) != NULL; ) {
		any = true;
		pdfdoc_table_cellf(t, "%s", describe_crit(r));
		pdfdoc_table_cellf(t, "%s", r->device->name);
		for (size_t k = first; k < first + n; k++) {
			const struct audit_row *o = groups_row_of(a, k, r);

			if (o)
				badge_cell(t, o->verdict);
			else
				pdfdoc_table_cell(t, "");
		}
		worst = insttext_worst(r);
		pdfdoc_table_cellf(t, "%s%s%s", _(r->reason), worst ? " — " : "", worst ? worst : "");
		free(worst);
	}
	if (any)
		pdfdoc_table_end(p->d, t);
	else
		pdfdoc_table_free(t);
}

/* One piece of evidence: its heading, who it concerns, its facts, on one page. */
static void write_facts(struct pdf *p, const struct audit_row *r, const char *servers)
{
	static const double w[] = { 0.45, 0.55 };
	struct fact f[DESCRIBE_MAX_FACTS];
	size_t n = describe_row(p->a, r, f);
	struct pdfdoc_table *t = pdfdoc_table_new(2, w, true);
	char *b = badge(r->verdict);
	char *head = g_markup_printf_escaped("%s — %s ", describe_crit(r), r->device->name);
	char *m = xasprintf("%s%s", head, b), *worst;

	pdfdoc_text(p->d, PDFDOC_H4, m, true);
	free(m);
	g_free(head);
	g_free(b);
	worst = insttext_worst(r);
	textf(p, PDFDOC_META, true, "%s — %s%s%s", servers, _(r->reason), worst ? " — " : "",
		worst ? worst : "");
	free(worst);
	pdfdoc_table_cellf(t, "%s", _("figure"));
	pdfdoc_table_cellf(t, "%s", _("value"));
	for (size_t i = 0; i < n; i++)
		fact_row(t, f[i].label, f[i].value);
	pdfdoc_table_end(p->d, t);
	pdfinst_table(p->d, r);
}

static void write_group_evidence(struct pdf *p, size_t first, size_t n)
{
	char servers[512];
	struct groups_iter it;
	bool any = false;

	groups_iter_init(&it, first, n);
	for (const struct audit_row *r; (r = groups_next(p->a, &it, GROUPS_EVIDENCE)) != NULL; ) {
		if (!any) {
			textf(p, PDFDOC_H3, true, "%s", _("Evidence"));
			/* in two columns, as the HTML's print style */
			pdfdoc_columns(p->d, 2);
		}
		any = true;
		groups_sharing(p->a, first, n, r, servers, sizeof(servers));
		write_facts(p, r, servers);
	}
	pdfdoc_columns(p->d, 1);
}

static void write_group(struct pdf *p, size_t first, size_t n)
{
	for (size_t i = first; i < first + n; i++)
		write_server(p, &p->a->servers[i]);
	write_group_verdicts(p, first, n);
	write_group_graphs(p, first, n);
	write_group_evidence(p, first, n);
}

/* One section per rack, each on a new page (as html.c's print style), then the servers
 * outside racks. */
static void write_racks(struct pdf *p)
{
	const struct audit *a = p->a;
	bool outside = false;

	for (size_t i = 0; i < a->n_servers; i = groups_end(a, i)) {
		if (!groups_in_rack(&a->servers[i]))
			continue;
		pdfdoc_page_break(p->d);
		textf(p, PDFDOC_H2, true, "%s %s", _("Rack"), a->servers[i].server->rack->name);
		write_group(p, i, groups_end(a, i) - i);
	}
	for (size_t i = 0; i < a->n_servers; i = groups_end(a, i)) {
		if (groups_in_rack(&a->servers[i]))
			continue;
		if (!outside)
			textf(p, PDFDOC_H2, true, "%s", _("Servers outside racks"));
		outside = true;
		write_group(p, i, groups_end(a, i) - i);
	}
}

static void write_episodes(struct pdf *p)
{
	static const char *const cols[] = { N_("start"), N_("end"), N_("duration"),
		N_("severity"), N_("criterion"), N_("cause"), N_("worst value"), N_("servers") };
	static const double w[] = { 0.12, 0.12, 0.1, 0.1, 0.14, 0.14, 0.1, 0.18 };
	struct pdfdoc_table *t;

	textf(p, PDFDOC_H2, true, "%s", _("Incidents recorded"));
	if (p->a->n_episodes == 0) {
		textf(p, PDFDOC_BODY, false, "%s", _("No incident was recorded in the period."));
		return;
	}
	t = table_head(cols, w, ARRAY_SIZE(cols));
	for (size_t i = 0; i < p->a->n_episodes; i++) {
		const struct audit_episode *e = &p->a->episodes[i];
		char d1[32], d2[32], d3[32], v[48];

		pdfdoc_table_cellf(t, "%s", fmt_datetime(d1, sizeof(d1), e->start));
		pdfdoc_table_cellf(t, "%s", fmt_datetime(d2, sizeof(d2), e->end));
		pdfdoc_table_cellf(t, "%s%s", fmt_duration(d3, sizeof(d3), difftime(e->end, e->start)),
			e->open ? _(", still open") : "");
		pdfdoc_table_cellf(t, "%s", describe_severity(e->severity));
		pdfdoc_table_cellf(t, "%s", _(criterion_label(e->crit)));
		pdfdoc_table_cellf(t, "%s", e->device ? e->device : e->rack ? e->rack : "");
		pdfdoc_table_cellf(t, "%s", describe_value(v, sizeof(v), e->crit, e->worst));
		pdfdoc_table_cellf(t, "%s", e->servers ? e->servers : "");
	}
	pdfdoc_table_end(p->d, t);
}

/* The method: the verdict rule, the thresholds applied and where they come from. */
/* The sources of the thresholds, each once, as one block (a list is never cut). */
static void write_sources(struct pdf *p)
{
	GString *m = g_string_new(NULL);

	for (size_t i = 0; i < p->a->n_rows; i++)
		if (groups_first_source(p->a, i)) {
			char *e = g_markup_printf_escaped("%s• %s", m->len ? "\n" : "",
				groups_crit_source(p->a->rows[i].crit));

			g_string_append(m, e);
			g_free(e);
		}
	textf(p, PDFDOC_BODY, true, "%s", _("Sources of the thresholds:"));
	pdfdoc_text(p->d, PDFDOC_LIST, m->str, false);
	g_string_free(m, TRUE);
}

/* The method: the verdict rule, where the thresholds come from, the thresholds applied
 * (last: the table moves whole to the next page with its heading if it must). */
static void write_method(struct pdf *p)
{
	static const char *const cols[] = { N_("spec"), N_("criterion"), N_("recommended"),
		N_("allowable") };
	static const double w[] = { 0.22, 0.26, 0.26, 0.26 };
	const struct audit *a = p->a;
	struct pdfdoc_table *t;
	char rec[64], allow[64];

	textf(p, PDFDOC_H2, true, "%s", _("Method"));
	textf(p, PDFDOC_BODY, false, "%s", text_method());
	if (a->n_rows == 0)
		return;
	write_sources(p);
	textf(p, PDFDOC_H3, true, "%s", _("Thresholds applied"));
	t = table_head(cols, w, ARRAY_SIZE(cols));
	for (size_t i = 0; i < a->n_rows; i++) {
		const struct audit_row *r = &a->rows[i];

		if (!groups_first_threshold(a, i))
			continue;
		pdfdoc_table_cellf(t, "%s", r->server->spec->name);
		pdfdoc_table_cellf(t, "%s", describe_crit(r));
		pdfdoc_table_cellf(t, "%s", r->is_state ? _("normal state") :
			describe_envelope(rec, sizeof(rec), r->crit, r->env.rec_lo, r->env.rec_hi));
		pdfdoc_table_cellf(t, "%s", r->is_state ? _("no critical state") :
			describe_envelope(allow, sizeof(allow), r->crit, r->env.allow_lo, r->env.allow_hi));
	}
	pdfdoc_table_end(p->d, t);
}

/* One pass over the whole document: its number of pages, or -1. */
static int write_pass(struct pdf *p, FILE *out, int total)
{
	const struct config *cfg = p->a->cfg;
	char d1[32], d2[32], period[160], issuer[512], subject[320];
	const char *title = _("Hosting conditions of the servers: site analysis");
	struct pdfdoc_running run = { cfg->site.name, period, NULL, _("page") };

	fmt_period(d1, d2, sizeof(d1), p->a->from, p->a->to);
	snprintf(period, sizeof(period), _("Period: from %s to %s"), d1, d2);
	if (p->doc)
		run.foot_left = text_issuer(issuer, sizeof(issuer), p->doc);
	p->d = pdfdoc_open_file(out, total, &run);
	if (!p->d)
		return -1;
	snprintf(subject, sizeof(subject), "%s — %s", cfg->site.name, period);
	pdfdoc_metadata(p->d, title, "envmond", subject, "envmon-report " PACKAGE_VERSION,
		p->doc ? p->doc->issued : p->a->to);
	p->next = 0;
	write_identity(p);
	write_missing(p);
	write_coverage(p);
	write_summary(p);
	write_upgrades(p);
	write_inventory(p);
	write_racks(p);
	write_episodes(p);
	write_method(p);
	return pdfdoc_close(p->d);
}

int pdf_write(FILE *out, const struct audit *a, const struct docinfo *doc)
{
	struct pdf p = { .a = a, .doc = doc };
	int pages = write_pass(&p, NULL, 0);

	if (pages > 0)
		pages = write_pass(&p, out, pages);
	for (size_t i = 0; i < p.n_graphs; i++)
		graph_png_free(&p.graphs[i]);
	free(p.graphs);
	return pages > 0 && !ferror(out) ? 0 : -1;
}
