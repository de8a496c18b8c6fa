/* snmpitems.h — the OIDs an SNMP device reads at each poll ("items"), built from its
 * profile and the table rows its last walk found, and what the poll in progress got for
 * each. The plan (names, roles, which items serve which metric) is fixed until the next
 * walk; snmpdrv.c fills and reads the poll's part. */
#ifndef SNMPITEMS_H
#define SNMPITEMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "snmpdec.h"
#include "snmptable.h"

enum item_role { ITEM_MAIN, ITEM_FALLBACK, ITEM_SCALE, ITEM_PRECISION, ITEM_STATUS, ITEM_OVERRIDE, ITEM_SELECT };

/* One OID to read for a metric, and what the current poll got for it. 32 bytes: a
 * device keeps one per OID it reads (its name in the device's pool of sub-identifiers,
 * 32-bit as SNMP's are: oidtext.c refuses larger ones). */
struct item {
	uint32_t name_off;           /* in snmp_items.oids */
	uint16_t name_len;
	uint8_t role;                /* enum item_role */
	uint8_t status;              /* enum snmpdec_status */
	bool done, failed;           /* failed: no value (timeout, error-status) */
	uint32_t metric;             /* slot: a profile metric, or n_metrics + instance */
	double value;
	const char *why;             /* exception or failure, for the log */
};

struct metric_items {
	/* indexes in items, -1 if none; select: an instance's select column (select_each_poll) */
	int main, fallback, scale, precision, status, override, select;
};

struct snmp_items {
	struct item *items;
	size_t n_items, cap_items;
	uint32_t *oids;              /* the items' names, end to end */
	size_t n_oids, cap_oids;
	struct metric_items *mi;     /* per slot: profile metrics, then instances */
};

/* Scalars first (slot = metric index), then the n_inst instances of the table metrics
 * (slot = n_metrics + instance); a table metric's own slot has no items. The poll's
 * part of each item is zero: reset it before a poll. */
void snmpitems_build(struct snmp_items *p, const struct profile *prof, const struct snmptable_instance *inst,
	size_t n_inst);
void snmpitems_free(struct snmp_items *p);
/* Copies it's OID into out (SNMPDEC_OID_MAX sub-identifiers); returns its length. */
size_t snmpitems_name(const struct snmp_items *p, const struct item *it, oid *out);
/* True if the varbind answers for the item's OID. */
bool snmpitems_named(const struct snmp_items *p, const struct item *it, const netsnmp_variable_list *vb);

#endif
