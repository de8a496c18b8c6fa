/* incident.h — part of the alert module (alert.c), the incident lifecycle. */
#ifndef INCIDENT_H
#define INCIDENT_H

#include "alertint.h"

void incident_step(struct alert *a, struct cond *c, const struct eval *e, double now);

#endif
