/* decode.c — a raw number read from a device made a reading: the metric's sentinels,
 * state map, scale, offset and unit conversion, the same for every protocol. */
#include <config.h>

#include <math.h>

#include "decode.h"

bool decode_is_invalid(const struct profile_metric *m, double raw)
{
	if (m->has_valid && (raw < (double)m->valid_min || raw > (double)m->valid_max))
		return true;
	for (size_t i = 0; i < m->n_invalid; i++)
		if ((double)m->invalid[i] == raw)
			return true;
	return false;
}

void decode_reading(const struct profile_metric *m, double raw, struct reading *out)
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
	if (decode_is_invalid(m, raw)) {
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
