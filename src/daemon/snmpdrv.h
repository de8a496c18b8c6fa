/* snmpdrv.h — the SNMP driver: every device polled asynchronously through Net-SNMP's
 * single-session API, its socket and retry timers driven by the daemon's event loop. */
#ifndef SNMPDRV_H
#define SNMPDRV_H

#include "drvapi.h"

/* SNMP v1, v2c and v3 (USM); one GET per device per poll where the OIDs fit. */
extern const struct driver_ops snmp_driver;

/* A Net-SNMP single session to dev (snmp_sess_open), NULL on failure (logged). sync:
 * for snmp_sess_synch_response (SNMPv3 engine discovered on open), else for the loop. */
void *snmpdrv_session(const struct cfg_device *dev, bool sync);
/* Sets Net-SNMP up (once per process) without touching the running driver's state: for
 * synchronous sessions opened while the daemon polls (profile = "auto" at a reload). */
void snmpdrv_library(void);

#endif
