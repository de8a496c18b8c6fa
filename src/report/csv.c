/* csv.c — the CSV form of the report (columns and dialects in csv.h). */
#include <config.h>

#include <string.h>

#include "critfmt.h"
#include "csv.h"
#include "describe.h"
#include "envmon.h"
#include "fmt.h"

struct csv {
	FILE *out;
	enum csv_dialect d;
	char sep;
};

static const char *const columns[] = {
	"date", "server", "role", "criterion", "device", "unit", "points", "known", "coverage",
	"min", "mean", "max", "p95", "rec_lo", "rec_hi", "allow_lo", "allow_hi", "out_rec_s",
	"out_allow_s", "out_rec_share", "out_allow_share", "transfers", "longest_outage_s",
	"worst_day", "incidents", "verdict",
};
/* The same columns for French readers (csv.h). */
static const char *const columns_fr[] = {
	N_("date"), N_("server"), N_("role"), N_("criterion"), N_("device"), N_("unit"),
	N_("points"), N_("points measured"), N_("coverage"), N_("minimum"), N_("mean"),
	N_("maximum"), N_("95th percentile"), N_("recommended low"), N_("recommended high"),
	N_("allowable low"), N_("allowable high"), N_("outside recommended (s)"),
	N_("outside allowable (s)"), N_("share outside recommended"),
	N_("share outside allowable"), N_("transfers to battery"), N_("longest outage (s)"),
	N_("worst day"), N_("incidents"), N_("verdict"),
};

int csv_dialect_parse(const char *name, enum csv_dialect *d)
{
	enum csv_dialect x;

	if (strcmp(name, "fr") == 0)
		x = CSV_DIALECT_FR;
	else if (strcmp(name, "rfc4180") == 0)
		x = CSV_DIALECT_RFC4180;
	else
		return -1;
	if (d)
		*d = x;
	return 0;
}

void csv_field(FILE *out, const char *s, char sep)
{
	char specials[] = { sep, '"', '\r', '\n', '\0' };

	if (!strpbrk(s, specials)) {
		fputs(s, out);
		return;
	}
	fputc('"', out);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', out);
		fputc(*s, out);
	}
	fputc('"', out);
}

/* A separator, then s quoted as needed. */
static void field(const struct csv *c, const char *s)
{
	fputc(c->sep, c->out);
	csv_field(c->out, s, c->sep);
}

static void num(const struct csv *c, double v, int decimals)
{
	char buf[64];

	fmt_num_c(buf, sizeof(buf), v, decimals);
	if (c->d == CSV_DIALECT_FR) {
		char *dot = strchr(buf, '.');

		if (dot)
			*dot = ',';
	}
	field(c, buf);
}

static void count(const struct csv *c, size_t n)
{
	fprintf(c->out, "%c%zu", c->sep, n);
}

static const char *date_of(const struct csv *c, char *buf, size_t size, time_t t)
{
	return c->d == CSV_DIALECT_FR ? fmt_date(buf, size, t) : fmt_date_iso(buf, size, t);
}

static void write_figures(const struct csv *c, const struct audit_row *r, const struct stats *st)
{
	count(c, st->n_points);
	count(c, st->n_known);
	num(c, st->coverage, 6);
	num(c, st->min, 4);
	num(c, st->mean, 4);
	num(c, st->max, 4);
	num(c, st->p95, 4);
	num(c, r->env.rec_lo, 4);
	num(c, r->env.rec_hi, 4);
	num(c, r->env.allow_lo, 4);
	num(c, r->env.allow_hi, 4);
	num(c, st->out_rec_s, 0);
	num(c, st->out_allow_s, 0);
	num(c, st->out_rec_share, 6);
	num(c, st->out_allow_share, 6);
}

static const char *period_word(const struct csv *c)
{
	return c->d == CSV_DIALECT_FR ? _("period") : "period";
}

/* date, server, role, criterion: the key every row starts with. */
static void write_key(const struct csv *c, const char *date, const struct cfg_server *srv,
	const char *crit)
{
	bool fr = c->d == CSV_DIALECT_FR;

	csv_field(c->out, date, c->sep);
	field(c, srv->name);
	field(c, fr ? describe_role(srv->role) : role_name(srv->role));
	field(c, crit);
}

static void write_row_key(const struct csv *c, const char *date, const struct audit_row *r)
{
	bool fr = c->d == CSV_DIALECT_FR;

	write_key(c, date, r->server, fr ? _(criterion_label(r->crit)) : criterion_name(r->crit));
	field(c, r->device->name);
	field(c, r->is_state ? (fr ? _("level") : "level") : critfmt_unit(r->crit));
}

static const char *verdict_word(const struct csv *c, enum verdict v)
{
	return c->d == CSV_DIALECT_FR ? _(verdict_label(v)) : verdict_name(v);
}

static void write_row(const struct csv *c, const struct audit_row *r)
{
	char date[16];

	for (size_t d = 0; d < r->n_days; d++) {
		write_row_key(c, date_of(c, date, sizeof(date), r->days[d].start), r);
		write_figures(c, r, &r->daily[d]);
		for (int i = 0; i < 5; i++)
			fputc(c->sep, c->out);
		fputs("\r\n", c->out);
	}
	write_row_key(c, period_word(c), r);
	write_figures(c, r, &r->st);
	if (r->crit == CRIT_UPS_SOURCE) {
		count(c, r->battery.count);
		num(c, r->battery.longest_s, 0);
	} else {
		fputc(c->sep, c->out);
		fputc(c->sep, c->out);
	}
	field(c, r->worst_day >= 0 ? date_of(c, date, sizeof(date), r->days[r->worst_day].start) : "");
	count(c, r->warn_episodes + r->crit_episodes);
	field(c, verdict_word(c, r->verdict));
	fputs("\r\n", c->out);
}

/* One row per static finding: a server with no measurement at all is still listed. */
static void write_findings(const struct csv *c, const struct audit_server *s)
{
	static const struct { unsigned bit; const char *name, *label; } kinds[] = {
		{ FIND_NO_RACK, "installation:rack", N_("installation: rack") },
		{ FIND_NO_UPS, "installation:ups", N_("installation: UPS") },
		{ FIND_NO_PROBE, "installation:probe", N_("installation: probe") },
		{ FIND_NO_COOLING, "installation:cooling", N_("installation: air conditioning") },
	};
	bool fr = c->d == CSV_DIALECT_FR;

	for (size_t i = 0; i < ARRAY_SIZE(kinds); i++) {
		unsigned bit = kinds[i].bit;

		if (!(s->findings & bit))
			continue;
		write_key(c, period_word(c), s->server, fr ? _(kinds[i].label) : kinds[i].name);
		/* device ... incidents: 21 empty columns */
		for (int k = 0; k < 21; k++)
			fputc(c->sep, c->out);
		/* As the server's verdict counts them (audit.c): outside a rack or without a UPS
		 * is not compliant, without a probe nothing is known; a missing air conditioner
		 * weighs only through the temperatures, so its row has no verdict of its own. */
		field(c, bit & (FIND_NO_RACK | FIND_NO_UPS) ? verdict_word(c, VERDICT_FAIL) :
			bit == FIND_NO_PROBE ? verdict_word(c, VERDICT_NO_DATA) : "");
		fputs("\r\n", c->out);
	}
}

static void write_header(const struct csv *c)
{
	bool fr = c->d == CSV_DIALECT_FR;

	/* The BOM is how a spreadsheet tells UTF-8 from the local code page. */
	if (fr)
		fputs("\xef\xbb\xbf", c->out);
	for (size_t i = 0; i < ARRAY_SIZE(columns); i++) {
		if (i)
			fputc(c->sep, c->out);
		csv_field(c->out, fr ? _(columns_fr[i]) : columns[i], c->sep);
	}
	fputs("\r\n", c->out);
}

int csv_write(FILE *out, const struct audit *a, enum csv_dialect d)
{
	struct csv c = { out, d, d == CSV_DIALECT_FR ? ';' : ',' };

	write_header(&c);
	for (size_t i = 0; i < a->n_servers; i++) {
		const struct audit_server *s = &a->servers[i];

		for (size_t j = 0; j < s->n_rows; j++)
			write_row(&c, &a->rows[s->first_row + j]);
		write_findings(&c, s);
	}
	return ferror(out) ? -1 : 0;
}
