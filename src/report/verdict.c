/* verdict.c — the verdict rule of verdict.h. Pure. */
#include <config.h>

#include "envmon.h"
#include "verdict.h"

enum verdict verdict_judge(const struct verdict_input *in, const char **reason)
{
	const struct stats *st = in->st;

	if (st->n_known == 0) {
		*reason = N_("nothing was measured in the period");
		return VERDICT_NO_DATA;
	}
	if (in->crit_episodes > 0) {
		*reason = N_("critical incidents were recorded");
		return VERDICT_FAIL;
	}
	if (st->out_allow_share > VERDICT_FAIL_ALLOW_SHARE) {
		*reason = N_("outside the allowable envelope more than 1 percent of the time");
		return VERDICT_FAIL;
	}
	if (in->warn_episodes > 0) {
		*reason = N_("warnings were recorded");
		return VERDICT_WATCH;
	}
	if (st->out_allow_s > 0) {
		*reason = N_("short excursions outside the allowable envelope");
		return VERDICT_WATCH;
	}
	if (st->out_rec_share > VERDICT_WATCH_REC_SHARE) {
		*reason = N_("outside the recommended envelope more than 5 percent of the time");
		return VERDICT_WATCH;
	}
	if (in->transfers > 0) {
		*reason = N_("transfers to battery");
		return VERDICT_WATCH;
	}
	if (st->coverage < VERDICT_MIN_COVERAGE) {
		*reason = N_("less than 90 percent of the period was measured");
		return VERDICT_WATCH;
	}
	*reason = N_("no significant excursion");
	return VERDICT_OK;
}

static int verdict_rank(enum verdict v)
{
	switch (v) {
	case VERDICT_OK: return 0;
	case VERDICT_NO_DATA: return 1;
	case VERDICT_WATCH: return 2;
	case VERDICT_FAIL: return 3;
	}
	return 0;
}

enum verdict verdict_worst(enum verdict a, enum verdict b)
{
	return verdict_rank(a) >= verdict_rank(b) ? a : b;
}

const char *verdict_label(enum verdict v)
{
	static const char *const labels[] = { N_("no data"), N_("compliant"), N_("to watch"),
		N_("not compliant") };

	return labels[v];
}

const char *verdict_name(enum verdict v)
{
	static const char *const names[] = { "nodata", "ok", "watch", "fail" };

	return names[v];
}
