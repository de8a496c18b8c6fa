/* conds.h — the alert module's condition table (part of alert.c's module, see
 * alertint.h): which conditions a configuration makes, and which a device feeds. */
#ifndef CONDS_H
#define CONDS_H

#include "alertint.h"

/* Index of dev in cfg->devices. */
size_t conds_device_index(const struct config *cfg, const struct cfg_device *dev);
/* Makes a->conds from a->cfg: one per criterion and cause, with its servers. */
void conds_build(struct alert *a);
/* Fills each device's list of the conditions its results may feed. */
void conds_index(struct alert *a);
/* The condition of that key ("rack:<rack>/<criterion>", "device:<device>/<criterion>"), or NULL. */
struct cond *conds_find(const struct alert *a, const char *key);
/* Whether c's cause or all its servers are in a maintenance or silence window at now. */
bool conds_in_maintenance(const struct alert *a, const struct cond *c, double now);

#endif
