/* verdict.h — the rule that turns the evidence about one server and one criterion into
 * a verdict (conforme / à surveiller / non conforme), with the reason written out. */
#ifndef VERDICT_H
#define VERDICT_H

#include "stats.h"

enum verdict { VERDICT_NO_DATA, VERDICT_OK, VERDICT_WATCH, VERDICT_FAIL };

/* The rule, in order (the first that matches decides):
 *  1. no measured point in the period                                  -> no data
 *  2. a critical episode in the journal, or more than
 *     VERDICT_FAIL_ALLOW_SHARE of the measured time outside the
 *     allowable envelope                                               -> non conforme
 *  3. a warning episode in the journal, any time outside the allowable
 *     envelope, more than VERDICT_WATCH_REC_SHARE of the measured time
 *     outside the recommended envelope, a transfer to battery, or a
 *     coverage below VERDICT_MIN_COVERAGE                              -> à surveiller
 *  4. otherwise                                                        -> conforme */
#define VERDICT_FAIL_ALLOW_SHARE 0.01
#define VERDICT_WATCH_REC_SHARE 0.05
#define VERDICT_MIN_COVERAGE 0.90

struct verdict_input {
	const struct stats *st;
	unsigned warn_episodes, crit_episodes;  /* from the journal */
	unsigned transfers;                     /* UPS transfers to battery (ups_source only) */
};

/* The verdict, and in *reason an English msgid saying which line of the rule decided. */
enum verdict verdict_judge(const struct verdict_input *in, const char **reason);

/* The worse of a and b (no data counts below conforme: it does not hide a failure). */
enum verdict verdict_worst(enum verdict a, enum verdict b);

/* "compliant", "to watch", "not compliant", "no data": English msgids for _(). */
const char *verdict_label(enum verdict v);
/* Stable names for CSV and CSS: "ok", "watch", "fail", "nodata". */
const char *verdict_name(enum verdict v);

#endif
