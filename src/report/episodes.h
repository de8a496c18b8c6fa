/* episodes.h — the report's view of the journal: the incidents of a period, clipped
 * to it, as struct audit_episode. A thin adapter over the journal's reader. */
#ifndef EPISODES_H
#define EPISODES_H

#include "auditdata.h"

/* The episodes of cfg's journal that overlap [from, to); *out a new array. */
size_t episodes_load(const struct config *cfg, time_t from, time_t to,
	struct audit_episode **out);
void episodes_free(struct audit_episode *e, size_t n);

#endif
