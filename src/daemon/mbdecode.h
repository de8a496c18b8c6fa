/* mbdecode.h — turns the 16-bit words or bits a Modbus device answered into the raw
 * number of a metric (type, word order, bit of a status word). Pure: no I/O, no state. */
#ifndef MBDECODE_H
#define MBDECODE_H

#include <stdint.h>

#include "profile.h"

/* The raw value of a register metric: words[0] is the word at the metric's address,
 * words[1] the next one for 32-bit types. order names the bytes of the value, A the
 * most significant, in the order they travel (ABCD: big-endian, the Modbus norm;
 * CDAB: word-swapped; BADC: byte-swapped; DCBA: little-endian). For 16-bit types
 * BADC and DCBA swap the two bytes of the word. bit >= 0 extracts one bit (0 = least
 * significant) of a status word. NAN for a float32 that is not a finite number. */
double mbdecode_registers(enum value_type type, enum word_order order, int bit,
	const uint16_t *words);

/* Encodes a value the way mbdecode_registers reads it (tests and documentation). */
void mbdecode_encode32(uint32_t value, enum word_order order, uint16_t words[2]);

#endif
