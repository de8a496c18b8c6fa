/* nutdrv.h — the NUT driver: envmond as a client of Network UPS Tools' upsd. One LIST
 * VAR per poll, run in a worker thread per device (libupsclient blocks); results reach
 * the loop thread through a pipe, like the Modbus links'. */
#ifndef NUTDRV_H
#define NUTDRV_H

#include <stdio.h>

#include "drvapi.h"

/* For PROTO_NUT. */
extern const struct driver_ops nut_driver;

/* `envmond --discover HOST[:PORT]`: prints the UPS units the upsd there serves (LIST
 * UPS), one "name<TAB>description" per line. Returns the exit status: 0, 1 if upsd did not answer (the reason on stderr), 64 for
 * an address that does not parse. */
int nutdrv_discover(const char *address, unsigned timeout_ms, FILE *out);

#endif
