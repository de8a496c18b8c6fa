/* decode.h — the decoding every driver shares: a raw number read from a device and the
 * profile's metric in, a reading out. Pure, no I/O. */
#ifndef DECODE_H
#define DECODE_H

#include "drvapi.h"
#include "profile.h"

/* Applies m's sentinels (READING_INVALID), state map (READING_ERROR for a state it does
 * not know), scale, offset and conversion to raw; fills out->raw, value and status. */
void decode_reading(const struct profile_metric *m, double raw, struct reading *out);
/* True when raw is outside m's valid range or one of its sentinels ("not supported"). */
bool decode_is_invalid(const struct profile_metric *m, double raw);

#endif
