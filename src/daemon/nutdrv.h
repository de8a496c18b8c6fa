/* nutdrv.h — the NUT driver: envmond as a client of Network UPS Tools' upsd. One LIST
 * VAR per poll, run in a worker thread per device (libupsclient blocks); results reach
 * the loop thread through a pipe, like the Modbus links'. */
#ifndef NUTDRV_H
#define NUTDRV_H

#include <stdio.h>

#include "driver.h"

/* For PROTO_NUT. */
extern const struct driver_ops nut_driver;

/* `envmond --discover`: prints the UPS units upsd at host:port serves (LIST UPS), one
 * "name<TAB>description" per line. 0, or 1 with the reason on stderr. */
int nutdrv_discover(const char *host, unsigned port, unsigned timeout_ms, FILE *out);

#endif
