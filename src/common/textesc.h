/* textesc.h — text from devices, the network or the control socket made safe for one
 * log line or a terminal: control characters and bytes that are not UTF-8 escaped. */
#ifndef TEXTESC_H
#define TEXTESC_H

#include <stddef.h>

/* Copies src into dst (size bytes, always terminated, cut at a character boundary),
 * writing "\n", "\r", "\t" for those and "\xHH" for every other C0 or C1 control
 * character, DEL and each byte of an invalid UTF-8 sequence; valid UTF-8 (accents) is
 * kept. Returns the length written. */
size_t text_escape(char *dst, size_t size, const char *src);

/* The same, into a buffer of its own among 16 that are reused in turn: for printf
 * arguments (up to 16 in one call). NULL stays NULL. Not thread-safe. */
const char *text_esc(const char *src);

#endif
