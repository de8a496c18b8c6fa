/* ipmidrv.h — the IPMI driver: a server's BMC read through FreeIPMI's
 * libipmimonitoring, over IPMI LAN 2.0 or in-band (/dev/ipmi0). The library blocks
 * (a whole session per call): each device has its worker thread, whose results reach
 * the loop thread through a pipe, like the NUT and Modbus drivers'. */
#ifndef IPMIDRV_H
#define IPMIDRV_H

#include "driver.h"

/* For PROTO_IPMI. */
extern const struct driver_ops ipmi_driver;

/* Where the driver keeps the SDR caches (libipmimonitoring downloads a BMC's sensor
 * records once, into a file per host): <state_dir>/ipmi-sdr. Call before the first
 * open; NULL leaves the library's default. */
void ipmidrv_set_state_dir(const char *state_dir);

#endif
