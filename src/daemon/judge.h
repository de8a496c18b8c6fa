/* judge.h — the alert module's judging (part of alert.c's module, see alertint.h): a poll
 * result in, the verdict for each condition it feeds out. */
#ifndef JUDGE_H
#define JUDGE_H

#include "alertint.h"

/* One server's verdict on a value (numbers) or a state name (state criteria): pure, a
 * threshold and a reading in, *e out. Rates are judged on their size both ways; a
 * critical runtime or load, and the states criteria.c marks so, are immediate (no hold). */
void judge_reading(const struct cfg_threshold *t, enum criterion crit, double value, const char *state,
	struct eval *e);
/* The state kept for dev (its last derived values, its conditions). */
struct devinfo *judge_devinfo_of(struct alert *a, const struct cfg_device *dev);
/* The worst verdict of c's servers on res (and d); false if res says nothing about c. */
bool judge_cond(struct alert *a, struct cond *c, const struct poll_result *res,
	const struct derived *d, struct eval *best);
/* Whether res (its device, its racks) feeds condition c. */
bool judge_feeds(const struct alert *a, const struct cond *c, const struct poll_result *res);
/* Remembers what res tells of its device (seen, derived values, UPS source). */
void judge_note_device(struct alert *a, const struct poll_result *res, const struct derived *d);

#endif
