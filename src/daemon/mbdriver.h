/* mbdriver.h — the Modbus TCP and RTU driver: one worker thread per link (a serial
 * bus, or a TCP host:port) runs libmodbus's blocking calls; results reach the loop
 * thread through a pipe. (Not "modbus.h": that is libmodbus's own header.) */
#ifndef MBDRIVER_H
#define MBDRIVER_H

#include "drvapi.h"

/* For PROTO_MODBUS_TCP and PROTO_MODBUS_RTU. init and fini count their callers: the
 * poller calls them once per protocol. */
extern const struct driver_ops modbus_driver;

#endif
