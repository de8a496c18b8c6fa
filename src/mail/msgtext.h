/* msgtext.h — the text primitives the mails are built with (see msgtext.c). */
#ifndef MSGTEXT_H
#define MSGTEXT_H

#include <stdbool.h>
#include <stddef.h>

#include "envmon.h"
#include "msgcat.h"

/* A growing string. */
struct msg_buf {
	char *s;
	size_t len, cap;
};
void msg_buf_add(struct msg_buf *b, const char *s, size_t len);
void msg_buf_printf(struct msg_buf *b, const char *fmt, ...) ATTR_PRINTF(2, 3);

/* Length of the valid UTF-8 sequence at s, 0 if invalid. */
size_t msgtext_utf8_len(const unsigned char *s);
/* A copy of device-supplied text safe to print: control characters (CR, LF, ...)
 * become spaces, invalid UTF-8 becomes '?', at most max_len bytes. */
char *msgtext_sanitize(const char *s, size_t max_len);
/* v with `decimals` decimals and a decimal comma when comma is true ("31,4"). */
void msgtext_number(char *buf, size_t size, double v, int decimals, bool comma);
/* A reading with its unit (device text, sanitized): "31,4 °C", "9 min 30 s". */
void msgtext_reading(char *buf, size_t size, double v, const char *unit, bool comma);
/* "sensor 3 « Entrée baie A »" for a reading's instance "INDEX LABEL" (device text,
 * sanitized), in cat's language, "phase 2" when phase; "" when instance is NULL or "".
 * A phase indexed by table then phase ("1.1.3", PowerNet; "1.3") is named by its last
 * number when the ones before it are all 1: "phase 3". Returns a malloc'd string. */
char *msgtext_sensor(const struct msgcat *cat, const char *instance, bool phase);
/* True for the metrics a UPS reads per input or output line (UPS-MIB upsInputTable ...). */
bool msgtext_is_phase(const char *metric);

#endif
