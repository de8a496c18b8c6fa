/* conds.h — part of the alert module (alert.c), the condition table. */
#ifndef CONDS_H
#define CONDS_H

#include "alertint.h"

size_t conds_device_index(const struct config *cfg, const struct cfg_device *dev);
void conds_build(struct alert *a);
void conds_index(struct alert *a);
struct cond *conds_find(const struct alert *a, const char *key);
bool conds_in_maintenance(const struct alert *a, const struct cond *c, double now);

#endif
