/* instances.h — the instances of a table metric in the report (a rack probe's sensors, a
 * UPS's phases): found through the device's instances file (instfile.h), each one's
 * figures over the period from its own RRD file, and the worst of them. Their text for
 * the writers is insttext.h's. */
#ifndef INSTANCES_H
#define INSTANCES_H

#include <stddef.h>

#include "auditdata.h"

/* Fills r->inst, r->n_inst, r->worst_inst when r's device kept two instances or more of
 * r's metric (a device with one instance reads as it did before instances existed). */
void instances_measure(const struct audit *a, struct audit_row *r);
void instances_free(struct audit_row *r);

#endif
