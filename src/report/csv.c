/* csv.c — the CSV form of the report (columns in csv.h). */
#include <config.h>

#include <string.h>

#include "critfmt.h"
#include "csv.h"
#include "fmt.h"

void csv_field(FILE *out, const char *s)
{
	if (!strpbrk(s, ",\"\r\n")) {
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

static void num(FILE *out, double v, int decimals)
{
	char buf[64];

	fputc(',', out);
	fputs(fmt_num_c(buf, sizeof(buf), v, decimals), out);
}

static void write_figures(FILE *out, const struct audit_row *r, const struct stats *st)
{
	fprintf(out, ",%zu,%zu", st->n_points, st->n_known);
	num(out, st->coverage, 6);
	num(out, st->min, 4);
	num(out, st->mean, 4);
	num(out, st->max, 4);
	num(out, st->p95, 4);
	num(out, r->env.rec_lo, 4);
	num(out, r->env.rec_hi, 4);
	num(out, r->env.allow_lo, 4);
	num(out, r->env.allow_hi, 4);
	num(out, st->out_rec_s, 0);
	num(out, st->out_allow_s, 0);
	num(out, st->out_rec_share, 6);
	num(out, st->out_allow_share, 6);
}

static void write_key(FILE *out, const char *date, const struct audit_row *r)
{
	fputs(date, out);
	fputc(',', out);
	csv_field(out, r->server->name);
	fprintf(out, ",%s,%s,", role_name(r->server->role), criterion_name(r->crit));
	csv_field(out, r->device->name);
	fputc(',', out);
	fputs(r->is_state ? "level" : critfmt_unit(r->crit), out);
}

static void write_row(FILE *out, const struct audit_row *r)
{
	char date[16];

	for (size_t d = 0; d < r->n_days; d++) {
		write_key(out, fmt_date_iso(date, sizeof(date), r->days[d].start), r);
		write_figures(out, r, &r->daily[d]);
		fputs(",,,,,\r\n", out);
	}
	write_key(out, "period", r);
	write_figures(out, r, &r->st);
	if (r->crit == CRIT_UPS_SOURCE)
		fprintf(out, ",%u,%.0f", r->battery.count, r->battery.longest_s);
	else
		fputs(",,", out);
	fputc(',', out);
	if (r->worst_day >= 0)
		fputs(fmt_date_iso(date, sizeof(date), r->days[r->worst_day].start), out);
	fprintf(out, ",%u,%s\r\n", r->warn_episodes + r->crit_episodes, verdict_name(r->verdict));
}

int csv_write(FILE *out, const struct audit *a)
{
	fputs("date,server,role,criterion,device,unit,points,known,coverage,min,mean,max,p95,"
		"rec_lo,rec_hi,allow_lo,allow_hi,out_rec_s,out_allow_s,out_rec_share,"
		"out_allow_share,transfers,longest_outage_s,worst_day,incidents,verdict\r\n", out);
	for (size_t i = 0; i < a->n_rows; i++)
		write_row(out, &a->rows[i]);
	return ferror(out) ? -1 : 0;
}
