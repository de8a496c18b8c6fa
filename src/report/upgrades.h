/* upgrades.h — the upgrades to plan, each with its reason, deduced from the audit's
 * static findings and verdicts (the circular asks for an estimate of them). */
#ifndef UPGRADES_H
#define UPGRADES_H

#include "auditdata.h"

/* Fills a->upgrades from a's servers and rows; one entry per kind and target. */
void upgrades_plan(struct audit *a);

/* What to do, for people: an English msgid for _(). */
const char *upgrades_label(enum upgrade_kind kind);
/* A stable name for the CSV: "rack", "ups_connect", ... */
const char *upgrades_name(enum upgrade_kind kind);

#endif
