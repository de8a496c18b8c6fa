/* driver.h — the driver registry: the driver for each protocol. Modules that only need
 * the driver types (readings, poll results) include drvapi.h. */
#ifndef DRIVER_H
#define DRIVER_H

#include "conf.h"
#include "drvapi.h"

/* The driver for a protocol, or NULL if this build has none. */
const struct driver_ops *driver_for(enum protocol proto);

#endif
