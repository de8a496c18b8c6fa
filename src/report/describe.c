/* describe.c — the report's evidence put into French words and figures. */
#include <config.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "critfmt.h"
#include "describe.h"
#include "envmon.h"
#include "fmt.h"

const char *describe_crit(const struct audit_row *r)
{
	if (r->beside && r->crit == CRIT_TEMPERATURE)
		return _("air inlet temperature measured by the server (beside the rack's probes, not judged)");
	return _(r->inlet ? criterion_inlet_label(r->crit) : criterion_label(r->crit));
}

const char *describe_role(enum server_role role)
{
	switch (role) {
	case ROLE_DIGITIZATION: return _("criminal-procedure digitization server");
	case ROLE_COMCI: return _("COMCI server — electronic exchange with lawyers");
	case ROLE_PPN: return _("PPN server — digital criminal procedure");
	case ROLE_VISIOCONFERENCE: return _("visioconference equipment of the hearing rooms");
	default: return _("business server");
	}
}

const char *describe_severity(enum severity sev)
{
	switch (sev) {
	case SEV_WARNING: return _("warning");
	case SEV_CRITICAL: return _("critical");
	case SEV_OK: return _("normal");
	default: return _("unknown");
	}
}

char *describe_value(char *buf, size_t size, enum criterion c, double v)
{
	char n[48];

	if (isnan(v))
		snprintf(buf, size, "—");
	else if (c == CRIT_UPS_RUNTIME)
		fmt_duration(buf, size, v);
	else
		snprintf(buf, size, "%s %s", fmt_num(n, sizeof(n), v, critfmt_decimals(c)),
			critfmt_unit(c));
	return buf;
}

char *describe_envelope(char *buf, size_t size, enum criterion c, double lo, double hi)
{
	char a[48], b[48];

	if (!isnan(lo) && !isnan(hi))
		snprintf(buf, size, "%s – %s", describe_value(a, sizeof(a), c, lo),
			describe_value(b, sizeof(b), c, hi));
	else if (!isnan(hi))
		snprintf(buf, size, "≤ %s", describe_value(b, sizeof(b), c, hi));
	else if (!isnan(lo))
		snprintf(buf, size, "≥ %s", describe_value(a, sizeof(a), c, lo));
	else
		snprintf(buf, size, "—");
	return buf;
}

size_t describe_findings(unsigned findings, const char *out[4])
{
	size_t n = 0;

	if (findings & FIND_NO_RACK)
		out[n++] = _("The server is not installed in a rack.");
	if (findings & FIND_NO_UPS)
		out[n++] = _("No UPS feeds the server.");
	if (findings & FIND_NO_PROBE)
		out[n++] = _("No probe measures the air at the server's inlet.");
	if (findings & FIND_NO_COOLING)
		out[n++] = findings & FIND_NO_RACK ?
			_("No air-conditioning unit is declared where the server stands (it has no rack).") :
			_("No air-conditioning unit is declared for its rack.");
	return n;
}

static struct fact *add(struct fact *f, size_t *n, const char *label)
{
	struct fact *x = &f[(*n)++];

	x->label = label;
	x->value[0] = '\0';
	return x;
}

static void describe_figures(const struct audit_row *r, struct fact *f, size_t *n)
{
	char a[48], b[48], c[48], d[48];
	const struct stats *st = &r->st;

	snprintf(add(f, n, _("minimum / mean / maximum"))->value, DESCRIBE_VALUE_MAX,
		"%s / %s / %s", describe_value(a, sizeof(a), r->crit, st->min),
		describe_value(b, sizeof(b), r->crit, st->mean),
		describe_value(c, sizeof(c), r->crit, st->max));
	describe_value(add(f, n, _("95th percentile"))->value, DESCRIBE_VALUE_MAX, r->crit, st->p95);
	snprintf(add(f, n, _("outside the recommended envelope"))->value, DESCRIBE_VALUE_MAX,
		_("%s, %s of the measured time (envelope: %s)"), fmt_duration(d, sizeof(d),
		st->out_rec_s), fmt_share(b, sizeof(b), st->out_rec_share),
		describe_envelope(a, sizeof(a), r->crit, r->env.rec_lo, r->env.rec_hi));
	snprintf(add(f, n, _("outside the allowable envelope"))->value, DESCRIBE_VALUE_MAX,
		_("%s, %s of the measured time (envelope: %s)"), fmt_duration(d, sizeof(d),
		st->out_allow_s), fmt_share(b, sizeof(b), st->out_allow_share),
		describe_envelope(a, sizeof(a), r->crit, r->env.allow_lo, r->env.allow_hi));
}

static void describe_states(const struct audit_row *r, struct fact *f, size_t *n)
{
	char a[48], b[48];

	snprintf(add(f, n, _("time in a warning state"))->value, DESCRIBE_VALUE_MAX, "%s (%s)",
		fmt_duration(a, sizeof(a), r->st.out_rec_s - r->st.out_allow_s),
		fmt_share(b, sizeof(b), r->st.out_rec_share - r->st.out_allow_share));
	snprintf(add(f, n, _("time in a critical state"))->value, DESCRIBE_VALUE_MAX, "%s (%s)",
		fmt_duration(a, sizeof(a), r->st.out_allow_s),
		fmt_share(b, sizeof(b), r->st.out_allow_share));
}

static void describe_ups(const struct audit_row *r, struct fact *f, size_t *n)
{
	char a[48], b[48];

	if (r->crit == CRIT_UPS_SOURCE) {
		const struct stats_runs *bat = &r->battery;
		char c[48];

		if (bat->count_res_s)
			snprintf(add(f, n, _("transfers to battery"))->value, DESCRIBE_VALUE_MAX,
				_("%u (to the archive's resolution of %s: closer transfers count as one)"),
				bat->count, fmt_duration(c, sizeof(c), bat->count_res_s));
		else
			snprintf(add(f, n, _("transfers to battery"))->value, DESCRIBE_VALUE_MAX, "%u",
				bat->count);
		if (bat->count > 0 && bat->longest_res_s)
			snprintf(add(f, n, _("longest outage carried"))->value, DESCRIBE_VALUE_MAX,
				_("%s, from %s (to within %s, the archive's resolution)"),
				fmt_duration(a, sizeof(a), bat->longest_s),
				fmt_datetime(b, sizeof(b), bat->longest_start),
				fmt_duration(c, sizeof(c), bat->longest_res_s));
		else if (bat->count > 0)
			snprintf(add(f, n, _("longest outage carried"))->value, DESCRIBE_VALUE_MAX,
				_("%s, from %s"), fmt_duration(a, sizeof(a), bat->longest_s),
				fmt_datetime(b, sizeof(b), bat->longest_start));
	}
	if (r->crit == CRIT_UPS_RUNTIME)
		snprintf(add(f, n, _("runtime against the required budget"))->value,
			DESCRIBE_VALUE_MAX, _("lowest %s for a budget of %s"),
			describe_value(a, sizeof(a), r->crit, r->st.min),
			describe_value(b, sizeof(b), r->crit, r->env.allow_lo));
}

static void describe_history(const struct audit_row *r, struct fact *f, size_t *n)
{
	char a[48], b[48], c[48], w[48];

	if (r->worst_day >= 0)
		snprintf(add(f, n, _("worst day"))->value, DESCRIBE_VALUE_MAX,
			_("%s (%s outside the recommended envelope)"),
			fmt_date(a, sizeof(a), r->days[r->worst_day].start),
			fmt_duration(b, sizeof(b), r->worst_day_s));
	else
		snprintf(add(f, n, _("worst day"))->value, DESCRIBE_VALUE_MAX, "%s",
			_("none (never outside the recommended envelope)"));
	snprintf(c, sizeof(c), ngettext("%u critical", "%u critical", r->crit_episodes),
		r->crit_episodes);
	snprintf(w, sizeof(w), ngettext("%u warning", "%u warnings", r->warn_episodes),
		r->warn_episodes);
	/* TRANSLATORS: "2 critical, 1 warning; 3 h in all" */
	snprintf(add(f, n, _("incidents in the journal"))->value, DESCRIBE_VALUE_MAX,
		_("%s, %s; %s in all"), c, w, fmt_duration(a, sizeof(a), r->episodes_s));
	snprintf(add(f, n, _("data coverage"))->value, DESCRIBE_VALUE_MAX, "%s",
		fmt_share(b, sizeof(b), r->st.coverage));
}

size_t describe_row(const struct audit *a, const struct audit_row *r, struct fact *f)
{
	size_t n = 0;

	if (r->is_state)
		describe_states(r, f, &n);
	else
		describe_figures(r, f, &n);
	describe_ups(r, f, &n);
	describe_history(r, f, &n);
	return n;
}
