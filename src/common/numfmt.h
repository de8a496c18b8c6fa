/* numfmt.h — numbers as text on hot paths, the same text printf would write. */
#ifndef ENVMON_NUMFMT_H
#define ENVMON_NUMFMT_H

#include <stddef.h>

/* Writes v as snprintf(buf, cap, "%.12g", v) does, byte for byte, and returns the same
 * length (what would have been written, as snprintf). Readings are mostly integers or
 * tenths: those are written digit by digit, the others through snprintf. */
size_t numfmt_g12(char *buf, size_t cap, double v);

#endif
