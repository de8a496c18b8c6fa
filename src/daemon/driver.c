/* driver.c — the driver table and the decoding every driver shares. */
#include <config.h>

#include <math.h>

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

static bool is_invalid(const struct profile_metric *m, double raw)
{
	for (size_t i = 0; i < m->n_invalid; i++)
		if ((double)m->invalid[i] == raw)
			return true;
	return false;
}

void driver_decode(const struct profile_metric *m, double raw, struct reading *out)
{
	out->raw = raw;
	out->value = NAN;
	if (isnan(raw)) {
		out->status = READING_ERROR;
		return;
	}
	if (isinf(raw)) {
		out->status = READING_INVALID;
		return;
	}
	if (is_invalid(m, raw)) {
		out->status = READING_INVALID;
		return;
	}
	if (m->n_state_names > 0) {
		for (size_t i = 0; i < m->n_states; i++) {
			if ((double)m->states[i].raw == raw) {
				out->status = READING_OK;
				out->value = m->states[i].code;
				return;
			}
		}
		/* A state the profile does not know: say so rather than guess. */
		out->status = READING_ERROR;
		return;
	}
	out->value = raw * m->scale + m->offset;
	if (m->convert == CONVERT_F_TO_C)
		out->value = (out->value - 32.0) * 5.0 / 9.0;
	/* A huge raw value times the scale may overflow: unknown, not a reading of inf. */
	out->status = isfinite(out->value) ? READING_OK : READING_INVALID;
	if (out->status != READING_OK)
		out->value = NAN;
}
