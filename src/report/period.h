/* period.h — the report's period from the command line: local dates "YYYY-MM-DD" (the
 * end date inclusive of its whole day) or date and time "YYYY-MM-DD HH:MM". */
#ifndef PERIOD_H
#define PERIOD_H

#include <stdbool.h>
#include <time.h>

/* Parses s as a local date (YYYY-MM-DD) or date and time ("YYYY-MM-DD HH:MM", seconds
 * optional), or ISO 8601 "YYYY-MM-DDTHH:MM[:SS]" with an optional zone ("Z", "+01:00",
 * "+0100", "-05"). With is_end, a bare date means the
 * midnight that ends that day. 0, or -1 if s is not a valid date. */
int period_parse(const char *s, bool is_end, time_t *out);
/* The calendar month before the one of now, [first day 00:00, first day of now's month
 * 00:00), local time: what the monthly timer sends. */
void period_last_month(time_t now, time_t *from, time_t *to);

#endif
