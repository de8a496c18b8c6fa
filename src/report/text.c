/* text.c — the report as plain text: the same sections as the HTML, without graphs. */
#include <config.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "describe.h"
#include "fmt.h"
#include "insttext.h"
#include "text.h"
#include "upgrades.h"
#include "battery.h"
#include "urgency.h"
#include "xmem.h"

static void heading(FILE *out, const char *title)
{
	size_t n = 0;

	fprintf(out, "\n%s\n", title);
	for (const char *p = title; *p; p++)
		n += ((unsigned char)*p & 0xc0) != 0x80;   /* UTF-8 characters, not bytes */
	while (n--)
		fputc('=', out);
	fputc('\n', out);
}

char *text_issuer(char *buf, size_t size, const struct docinfo *doc)
{
	char d[32];

	snprintf(buf, size, _("Issued on %s by envmond %s on %s"), fmt_datetime(d, sizeof(d),
		doc->issued), doc->version, doc->host);
	return buf;
}

static void write_missing(FILE *out, const struct docinfo *doc)
{
	if (doc->n_missing == 0)
		return;
	fprintf(out, "%s\n", _("INCOMPLETE REPORT: these files could not be read, and what they "
		"hold is missing from it:"));
	for (size_t i = 0; i < doc->n_missing; i++)
		fprintf(out, "  - %s\n", doc->missing[i]);
}

/* Devices measured less than VERDICT_MIN_COVERAGE of the period, once each (as on the
 * HTML first page). */
static void write_coverage(FILE *out, const struct audit *a)
{
	bool any = false;
	char share[32];

	for (size_t i = 0; i < a->n_rows; i++) {
		const struct audit_row *r = &a->rows[i];

		if (!docinfo_low_coverage(a, i))
			continue;
		if (!any)
			fprintf(out, "%s\n", _("Measurements missing for part of the period (each "
				"verdict concerned is at best \"to watch\"):"));
		any = true;
		fputs("  - ", out);
		fprintf(out, _("%s: %s of the period measured"), r->device->name,
			fmt_share(share, sizeof(share), r->st.coverage));
		fputc('\n', out);
	}
}

static void write_header(FILE *out, const struct audit *a, const struct docinfo *doc)
{
	const struct config *cfg = a->cfg;
	char d1[32], d2[32], issuer[512];

	fprintf(out, "%s\n", _("Hosting conditions of the servers: site analysis"));
	fprintf(out, "%s (%s)\n", cfg->site.name, cfg->site.code);
	if (cfg->site.ressort && cfg->site.ressort[0])
		fprintf(out, _("Jurisdiction: %s\n"), cfg->site.ressort);
	fmt_period(d1, d2, sizeof(d1), a->from, a->to);
	fprintf(out, _("Period: from %s to %s"), d1, d2);
	fputc('\n', out);
	if (doc) {
		fprintf(out, "%s\n", text_issuer(issuer, sizeof(issuer), doc));
		write_missing(out, doc);
	}
	write_coverage(out, a);
}

static void write_summary(FILE *out, const struct audit *a)
{
	heading(out, _("Summary"));
	for (size_t i = 0; i < a->n_servers; i++) {
		const struct audit_server *s = &a->servers[i];

		fprintf(out, "  %s (%s) : %s\n", s->server->name, describe_role(s->server->role),
			_(verdict_label(s->verdict)));
	}
	fputs("  ", out);
	fprintf(out, _("Upgrades to plan: %zu"), a->n_upgrades);
	fputc('\n', out);
}

/* none: what to say when there is none ("no probe"): one word "none" cannot agree in
 * French with both "sonde" and "onduleur". */
static void write_devices(FILE *out, const char *label, const char *none,
	const struct cfg_device *const *d, size_t n)
{
	fprintf(out, "    %s :", label);
	if (n == 0)
		fprintf(out, " %s", none);
	for (size_t i = 0; i < n; i++)
		fprintf(out, "%s %s", i ? "," : "", d[i]->name);
	fputc('\n', out);
}

static void write_inventory(FILE *out, const struct audit *a)
{
	const struct config *cfg = a->cfg;

	heading(out, _("Inventory of the room"));
	for (size_t i = 0; i < cfg->n_racks; i++) {
		const struct cfg_rack *r = &cfg->racks[i];

		fprintf(out, r->is_rack ? _("  Rack %s\n") : _("  %s (outside any rack)\n"), r->name);
		write_devices(out, _("probes"), _("no probe"), r->probes, r->n_probes);
		write_devices(out, _("air conditioning"), _("no air-conditioning unit"), r->cooling,
			r->n_cooling);
		for (size_t j = 0; j < r->n_servers; j++) {
			const struct cfg_server *s = &r->servers[j];

			fprintf(out, "    - %s (%s)\n", s->name, describe_role(s->role));
			fputs("  ", out);
			write_devices(out, _("UPS"), _("no UPS"), s->ups, s->n_ups);
			if (s->inlet) {
				fputs("  ", out);
				write_devices(out, _("air inlet measured by the server"), "", &s->inlet, 1);
			}
		}
	}
}

/* Each instance of r's table metric on a line of its own (names are device text,
 * control characters removed by insttext). */
static void write_instances(FILE *out, const struct audit_row *r)
{
	const char *cols[INSTTEXT_COLS];

	insttext_columns(cols);
	for (size_t k = 0; k < r->n_inst; k++) {
		struct insttext_line l;

		insttext_line(r, k, &l);
		fprintf(out, "      %s : %s / %s / %s ; %s : %s ; %s : %s\n", l.name, l.cell[0],
			l.cell[1], l.cell[2], cols[3], l.cell[3], cols[4], l.cell[4]);
		free(l.name);
	}
}

static void write_row(FILE *out, const struct audit *a, const struct audit_row *r)
{
	struct fact f[DESCRIBE_MAX_FACTS];
	size_t n = describe_row(a, r, f);
	char *worst = insttext_worst(r);

	fprintf(out, "\n  %s (%s) : %s — %s%s%s\n", describe_crit(r), r->device->name,
		_(verdict_label(r->verdict)), _(r->reason), worst ? " — " : "", worst ? worst : "");
	free(worst);
	for (size_t i = 0; i < n; i++)
		fprintf(out, "    %s : %s\n", f[i].label, f[i].value);
	if (r->n_inst) {
		fprintf(out, "    %s (%s / %s / %s) :\n", insttext_title(r), _("minimum"), _("mean"),
			_("maximum"));
		write_instances(out, r);
	}
}

static void write_server(FILE *out, const struct audit *a, const struct audit_server *s)
{
	const char *findings[4];
	size_t n = describe_findings(s->findings, findings);
	char *title = xasprintf(_("Server %s: %s"), s->server->name, _(verdict_label(s->verdict)));

	heading(out, title);
	free(title);
	fprintf(out, "  %s\n", describe_role(s->server->role));
	for (size_t i = 0; i < n; i++)
		fprintf(out, "  ! %s\n", findings[i]);
	for (size_t i = 0; i < s->n_rows; i++)
		write_row(out, a, &a->rows[s->first_row + i]);
}

static void write_episodes(FILE *out, const struct audit *a)
{
	char d1[32], d2[32], d3[32], v[48];

	heading(out, _("Incidents recorded"));
	if (a->n_episodes == 0)
		fprintf(out, "  %s\n", _("No incident was recorded in the period."));
	for (size_t i = 0; i < a->n_episodes; i++) {
		const struct audit_episode *e = &a->episodes[i];

		fprintf(out, "  %s → %s (%s%s) %s — %s — %s", fmt_datetime(d1, sizeof(d1), e->start),
			fmt_datetime(d2, sizeof(d2), e->end), fmt_duration(d3, sizeof(d3),
			difftime(e->end, e->start)), e->open ? _(", still open") : "",
			describe_severity(e->severity), _(criterion_label(e->crit)),
			e->device ? e->device : e->rack ? e->rack : "");
		/* The journal's reading, as the alert mail gave it (see html.c). */
		if (!isnan(e->worst))
			fprintf(out, " — %s %s", _("worst value"), describe_value(v, sizeof(v), e->crit,
				e->worst));
		if (e->servers)
			fprintf(out, " — %s", e->servers);
		fputc('\n', out);
	}
}

/* Each transfer to battery with what it tells of the battery (battery.h). */
static void write_outages(FILE *out, const struct audit *a)
{
	char d1[32], d2[32], p[32], r[32], b[32], c[32], l[32];

	if (a->n_outages == 0)
		return;
	heading(out, _("Outages carried by the UPS units"));
	for (size_t i = 0; i < a->n_outages; i++) {
		const struct battery_outage *o = &a->outages[i];

		fprintf(out, "  %s, %s (%s): %s %s", o->device, fmt_datetime(d1, sizeof(d1), o->start),
			fmt_duration(d2, sizeof(d2), difftime(o->end, o->start)), _("promised runtime"),
			isnan(o->promised_s) ? "—" : fmt_duration(p, sizeof(p), o->promised_s));
		if (!isnan(o->real_full_s))
			fprintf(out, ", %s %s %%/min %s %s %%, %s %s (%s %s)%s", _("charge used"),
				fmt_num(c, sizeof(c), o->charge_per_min, 1), _("at a load of"),
				fmt_num(l, sizeof(l), o->load_pct, 0), _("real runtime at full charge"),
				fmt_duration(r, sizeof(r), o->real_full_s), _("shutdown budget"),
				isnan(o->budget_s) ? "—" : fmt_duration(b, sizeof(b), o->budget_s),
				o->weak ? _(" — batteries to replace") : "");
		else
			fprintf(out, ", %s", _("too little charge used to judge the battery"));
		fputc('\n', out);
	}
}

static void write_upgrades(FILE *out, const struct audit *a)
{
	size_t *order = xcalloc(a->n_upgrades + 1, sizeof(*order));

	urgency_order(a, order);
	heading(out, _("Upgrades to plan, most urgent first"));
	if (a->n_upgrades == 0)
		fprintf(out, "  %s\n", _("None: the hosting conditions met the spec."));
	for (size_t i = 0; i < a->n_upgrades; i++) {
		const struct audit_upgrade *u = &a->upgrades[order[i]];

		fprintf(out, "  %zu. %s — %s\n     %s\n", i + 1, _(upgrades_label(u->kind)),
			u->target, u->reason);
	}
	free(order);
}

const char *text_method(void)
{
	return _("Verdict per server and criterion: \"not compliant\" when the journal holds a "
		"critical incident or the value was outside the allowable envelope more than 1 "
		"percent of the measured time; \"to watch\" when the journal holds a warning, the "
		"value left the allowable envelope even briefly, was outside the recommended "
		"envelope more than 5 percent of the time, the UPS went on battery, or less than 90 "
		"percent of the period was measured; \"compliant\" otherwise. A server outside a rack "
		"or without a UPS is not compliant. Unknown points count as missing data, never as "
		"zeros. Envelopes: recommended = warning thresholds of the server's spec, allowable "
		"= critical thresholds (ASHRAE TC 9.9 class A1 by default).");
}

int text_write(FILE *out, const struct audit *a, const struct docinfo *doc)
{
	write_header(out, a, doc);
	write_summary(out, a);
	write_inventory(out, a);
	for (size_t i = 0; i < a->n_servers; i++)
		write_server(out, a, &a->servers[i]);
	write_episodes(out, a);
	write_outages(out, a);
	write_upgrades(out, a);
	heading(out, _("Method"));
	fprintf(out, "  %s\n", text_method());
	return ferror(out) ? -1 : 0;
}
