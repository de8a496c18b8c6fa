/* snmpdrv.h — the SNMP driver: every device polled asynchronously through Net-SNMP's
 * single-session API, its socket and retry timers driven by the daemon's event loop. */
#ifndef SNMPDRV_H
#define SNMPDRV_H

#include "drvapi.h"

/* SNMP v1, v2c and v3 (USM); one GET per device per poll where the OIDs fit. */
extern const struct driver_ops snmp_driver;

#endif
