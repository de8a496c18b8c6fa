/* proftable.h — the table part of an SNMP profile metric: `table = true` with the
 * row selection, label and aggregation settings, and `status_ok`. */
#ifndef PROFTABLE_H
#define PROFTABLE_H

#include <libconfig.h>
#include <stdbool.h>

#include "proftypes.h"

struct cfgparse;

/* Reads table, select_oid, select_values, select_pattern, label_oid, aggregate and
 * status_ok of metric group m into pm; oid_valid checks a numeric OID. Errors go to p. */
void proftable_parse(struct cfgparse *p, const config_setting_t *m, struct profile_metric *pm,
	bool (*oid_valid)(const char *oid));
/* After every metric of prof is parsed: checks that the fallback_metric of metric i
 * (group m) names a scalar metric of prof with the same unit and states. */
void proftable_resolve(struct cfgparse *p, const config_setting_t *m, struct profile *prof, size_t i);
/* Reads override_oid, override_values and override_state (after the states are parsed). */
void proftable_parse_override(struct cfgparse *p, const config_setting_t *m, struct profile_metric *pm,
	bool (*oid_valid)(const char *oid));
/* Frees what proftable_parse allocated in pm. */
void proftable_free(struct profile_metric *pm);
/* True if the sensor status raw value means the sensor is ok (status_ok, default 1). */
bool proftable_status_ok(const struct profile_metric *pm, double raw);

#endif
