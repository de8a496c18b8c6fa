/* urgency.h — the upgrades to plan in order of urgency, for the first page: what leaves
 * a server unprotected first (power, UPS, rack), then what wears (batteries, cooling),
 * then what only measures. */
#ifndef URGENCY_H
#define URGENCY_H

#include <stddef.h>

#include "audit.h"

/* Fills order (a->n_upgrades entries) with the indexes of a->upgrades, most urgent first;
 * the plan's own order among upgrades of the same urgency. */
void urgency_order(const struct audit *a, size_t *order);

#endif
