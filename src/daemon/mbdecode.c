/* mbdecode.c — Modbus words to raw numbers. */
#include <config.h>

#include <math.h>
#include <string.h>

#include "mbdecode.h"

static uint16_t swap16(uint16_t w)
{
	return (uint16_t)((w << 8) | (w >> 8));
}

/* Reassembles the 32-bit value ABCD from the wire order. */
static uint32_t join32(enum word_order order, const uint16_t *w)
{
	switch (order) {
	case ORDER_CDAB:
		return (uint32_t)w[1] << 16 | w[0];
	case ORDER_BADC:
		return (uint32_t)swap16(w[0]) << 16 | swap16(w[1]);
	case ORDER_DCBA:
		return (uint32_t)swap16(w[1]) << 16 | swap16(w[0]);
	case ORDER_ABCD:
	default:
		return (uint32_t)w[0] << 16 | w[1];
	}
}

void mbdecode_encode32(uint32_t value, enum word_order order, uint16_t words[2])
{
	uint16_t hi = (uint16_t)(value >> 16), lo = (uint16_t)value;

	switch (order) {
	case ORDER_CDAB:
		words[0] = lo, words[1] = hi;
		break;
	case ORDER_BADC:
		words[0] = swap16(hi), words[1] = swap16(lo);
		break;
	case ORDER_DCBA:
		words[0] = swap16(lo), words[1] = swap16(hi);
		break;
	case ORDER_ABCD:
	default:
		words[0] = hi, words[1] = lo;
		break;
	}
}

static double float_of(uint32_t u)
{
	float f;

	memcpy(&f, &u, sizeof(f));
	return isfinite(f) ? (double)f : NAN;
}

double mbdecode_registers(enum value_type type, enum word_order order, int bit,
	const uint16_t *words)
{
	uint16_t w = words[0];

	if (order == ORDER_BADC || order == ORDER_DCBA)
		w = swap16(w);
	if (bit >= 0)
		return (double)((w >> bit) & 1u);
	switch (type) {
	case VT_INT16:
		return (double)(int16_t)w;
	case VT_UINT16:
	case VT_BIT:
		return (double)w;
	case VT_INT32:
		return (double)(int32_t)join32(order, words);
	case VT_UINT32:
		return (double)join32(order, words);
	case VT_FLOAT32:
		return float_of(join32(order, words));
	}
	return NAN;
}
