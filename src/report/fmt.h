/* fmt.h — numbers, durations and dates written for French readers (decimal comma,
 * "2 h 15 min", "12/03/2026"), and for machines (decimal point) in the CSV. */
#ifndef FMT_H
#define FMT_H

#include <stddef.h>
#include <time.h>

/* v with decimals digits and a decimal comma ("27,3"); "—" when v is NAN. Returns buf. */
char *fmt_num(char *buf, size_t size, double v, int decimals);
/* v with decimals digits and a decimal point; "" when v is NAN (CSV). */
char *fmt_num_c(char *buf, size_t size, double v, int decimals);
/* share 0..1 as a percentage with a decimal comma: "12,5 %" ("< 0,1 %" when tiny). */
char *fmt_share(char *buf, size_t size, double share);
/* A duration: "45 s", "12 min", "2 h 05 min", "3 j 4 h". */
char *fmt_duration(char *buf, size_t size, double seconds);
/* Local date "12/03/2026", date and time "12/03/2026 14:05", ISO date "2026-03-12". */
char *fmt_date(char *buf, size_t size, time_t t);
char *fmt_datetime(char *buf, size_t size, time_t t);
/* The period [from, to) for its heading: its first and last days when it is made of
 * whole local days, else its first and end minutes ("01/12/2026 09:09"). */
void fmt_period(char *first, char *last, size_t size, time_t from, time_t to);
char *fmt_date_iso(char *buf, size_t size, time_t t);

#endif
