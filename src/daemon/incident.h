/* incident.h — the alert module's incident lifecycle (part of alert.c's module, see
 * alertint.h). */
#ifndef INCIDENT_H
#define INCIDENT_H

#include "alertint.h"

/* One verdict e on c at now: the rules engine's transitions made incidents (open,
 * worsen, remind, flapping, close), journaled and notified. */
void incident_step(struct alert *a, struct cond *c, const struct eval *e, double now);

#endif
