/* insttext.c — the instances of a row in words and figures (see insttext.h). */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>

#include "describe.h"
#include "envmon.h"
#include "fmt.h"
#include "insttext.h"
#include "msgtext.h"
#include "xmem.h"

#define LABEL_MAX 120           /* longest label printed, in bytes */

static bool is_phase(const struct audit_row *r)
{
	return msgtext_is_phase(criterion_name(r->crit));
}

const char *insttext_heading(const struct audit_row *r)
{
	return is_phase(r) ? _("phase") : _("sensor");
}

const char *insttext_title(const struct audit_row *r)
{
	return is_phase(r) ? _("per phase") : _("per sensor");
}

char *insttext_name(const struct audit_row *r, const struct audit_instance *i)
{
	char *index = msgtext_sanitize(i->index, LABEL_MAX);
	char *label = msgtext_sanitize(i->label, LABEL_MAX);
	char *out;

	if (label[0])   /* translated quotes: "« " and " »" in French */
		out = xasprintf("%s %s %s%s%s", insttext_heading(r), index, _("\u201c"), label,
			_("\u201d"));
	else
		out = xasprintf("%s %s", insttext_heading(r), index);
	free(index);
	free(label);
	return out;
}

/* Which way the worst instance was worst, for criterion c: "hottest", "driest" ... */
static const char *worst_word(enum criterion c, bool low)
{
	switch (c) {
	case CRIT_TEMPERATURE:
		/* TRANSLATORS: the inlet of a rack probe (la sonde): "la plus chaude" */
		return low ? _("coldest") : _("hottest");
	case CRIT_HUMIDITY:
		return low ? _("driest") : _("wettest");
	case CRIT_UPS_LOAD:
		/* TRANSLATORS: a phase of the UPS (la phase): "la plus chargée" */
		return low ? _("least loaded") : _("most loaded");
	default:
		return low ? _("lowest") : _("highest");
	}
}

char *insttext_worst(const struct audit_row *r)
{
	const struct audit_instance *i;
	char v[48], *name, *out;

	if (r->n_inst == 0 || r->worst_inst < 0)
		return NULL;
	i = &r->inst[r->worst_inst];
	name = insttext_name(r, i);
	describe_value(v, sizeof(v), r->crit, r->worst_low ? i->st.min : i->st.max);
	/* TRANSLATORS: "hottest: sensor 3 “Inlet rack A”, 31.2 °C max" */
	out = r->worst_low ? xasprintf(_("%s: %s, %s min"), worst_word(r->crit, true), name, v) :
		xasprintf(_("%s: %s, %s max"), worst_word(r->crit, false), name, v);
	free(name);
	return out;
}

void insttext_columns(const char *out[INSTTEXT_COLS])
{
	out[0] = _("minimum");
	out[1] = _("mean");
	out[2] = _("maximum");
	out[3] = _("outside the recommended envelope");
	out[4] = _("outside the allowable envelope");
}

/* "2 h 05 min (3,1 %)" */
static void outside(char *buf, double s, double share)
{
	char d[48], p[48];

	snprintf(buf, INSTTEXT_CELL_MAX, "%s (%s)", fmt_duration(d, sizeof(d), s),
		fmt_share(p, sizeof(p), share));
}

void insttext_line(const struct audit_row *r, size_t k, struct insttext_line *line)
{
	const struct audit_instance *i = &r->inst[k];

	line->name = insttext_name(r, i);
	describe_value(line->cell[0], INSTTEXT_CELL_MAX, r->crit, i->st.min);
	describe_value(line->cell[1], INSTTEXT_CELL_MAX, r->crit, i->st.mean);
	describe_value(line->cell[2], INSTTEXT_CELL_MAX, r->crit, i->st.max);
	outside(line->cell[3], i->st.out_rec_s, i->st.out_rec_share);
	outside(line->cell[4], i->st.out_allow_s, i->st.out_allow_share);
}
