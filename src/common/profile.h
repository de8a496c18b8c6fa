/* profile.h — device profiles: data files that say how to read each metric of a
 * device kind (SNMP OID or Modbus register, type, scale, unit, state map). */
#ifndef PROFILE_H
#define PROFILE_H

#include "proftypes.h"

/* Parses one profile file. Errors go to p; returns NULL if the file has any error. */
struct profile *profile_load(struct cfgparse *p, const char *file);
void profile_free(struct profile *prof);
/* Index of the metric called name in prof, or -1. */
int profile_metric_index(const struct profile *prof, const char *name);
/* Number of 16-bit registers (or bits) a Modbus metric spans. */
unsigned profile_metric_width(const struct profile_metric *m);

const char *device_kind_name(enum device_kind kind);
const char *value_type_name(enum value_type t);

#endif
