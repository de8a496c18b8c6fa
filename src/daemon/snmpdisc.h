/* snmpdisc.h — which profile fits an SNMP device: `profile = "auto"` and
 * `envmond --discover snmp://...`. A profile says what it matches (match = {
 * sysobjectid; probe_oid; }); the device is asked its sysObjectID and each probe OID. */
#ifndef SNMPDISC_H
#define SNMPDISC_H

#include <stdio.h>

#include "conf.h"

/* The profile that fits dev best among profiles of kind (-1: any), or NULL with the
 * reason in why. Synchronous (one GET, then one request per probe OID). */
const struct profile *snmpdisc_pick(const struct cfg_device *dev, const struct profile *const *profiles,
	size_t n, int kind, char *why, size_t size);

/* --discover snmp://[COMMUNITY@]HOST[:PORT]: prints each profile that fits, what it
 * reads right now, and a device block. version: "1" or "2c". Returns the exit status. */
int snmpdisc_main(const struct config *cfg, const char *target, const char *version, FILE *out);

#endif
