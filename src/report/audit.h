/* audit.h — the site audit assembled for a period: for each server and criterion the
 * evidence measured by each device, the journal's incidents, the verdicts, the static
 * findings of the inventory and the upgrades to plan. Writers (html, text, csv) read it. */
#ifndef AUDIT_H
#define AUDIT_H

#include <stdbool.h>
#include <time.h>

#include "auditdata.h"
#include "conf.h"

/* Reads the RRD files and the journal of cfg for [from, to) and judges everything.
 * Returns a new audit (never NULL: missing files show as missing data). */
struct audit *audit_build(const struct config *cfg, time_t from, time_t to);
void audit_free(struct audit *a);

/* The episodes of the journal that concern row r. */
bool audit_episode_matches(const struct audit_episode *e, const struct audit_row *r);

#endif
