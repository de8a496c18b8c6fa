/* driver.c — the driver table: which driver polls which protocol. */
#include <config.h>

#include "driver.h"
#include "ipmidrv.h"
#include "mbdriver.h"
#include "nutdrv.h"
#include "simdrv.h"
#include "snmpdrv.h"

const struct driver_ops *driver_for(enum protocol proto)
{
	switch (proto) {
	case PROTO_MODBUS_TCP:
	case PROTO_MODBUS_RTU:
		return &modbus_driver;
	case PROTO_SIM:
		return &sim_driver;
	case PROTO_SNMP:
		return &snmp_driver;
	case PROTO_NUT:
		return &nut_driver;
	case PROTO_IPMI:
		return &ipmi_driver;
	default:
		return NULL;
	}
}
