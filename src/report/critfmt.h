/* critfmt.h — how the report shows the figures of a criterion: their unit, their
 * decimals, and a state criterion's states as levels. The vocabulary itself (names,
 * kinds, state severities) is src/common/criteria.h. */
#ifndef CRITFMT_H
#define CRITFMT_H

#include "criteria.h"

/* The unit of criterion c's figures ("°C", "%", "s", ...; "" for states). */
const char *critfmt_unit(enum criterion c);
/* Digits after the decimal point for criterion c's figures. */
int critfmt_decimals(enum criterion c);
/* The level of state code of state criterion c, as the figures show it: 0 normal,
 * 1 warning, 2 critical (the daemon's severity of that state, criteria_state_severity);
 * NAN for a code outside the vocabulary. */
double critfmt_state_level(enum criterion c, long code);

#endif
