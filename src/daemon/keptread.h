/* keptread.h — a device's last readings as a cache keeps them between polls: each
 * metric's status and value, and the instance text of a table metric's reading out of
 * line. A struct reading carries a 64-byte instance text that only table metrics use;
 * the caches (context.c for the mails, readings.c for envmonctl status) keep 16 bytes
 * a reading instead (2.2 KB a UPS of 14 metrics, both caches together). */
#ifndef KEPTREAD_H
#define KEPTREAD_H

#include <stddef.h>
#include <stdint.h>

#include "drvapi.h"

struct kept_reading {
	double value;       /* NAN unless READING_OK */
	uint32_t inst;      /* 1 + offset of its instance text in kept_readings.text, 0: none */
	uint8_t status;     /* enum reading_status */
};

struct kept_readings {
	struct kept_reading *r;
	size_t n, cap;
	char *text;         /* the instance texts, each NUL-terminated, end to end */
	size_t text_len, text_cap;
};

/* Keeps the n readings r in place of those kept before (buffers reused). */
void kept_readings_set(struct kept_readings *k, const struct reading *r, size_t n);
/* The instance text of kept reading i ("" for a scalar metric). */
const char *kept_reading_instance(const struct kept_readings *k, size_t i);
void kept_readings_free(struct kept_readings *k);

#endif
