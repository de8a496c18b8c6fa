/* clock.h — the only reader of time in envmond: a monotonic clock for scheduling
 * and a wall clock for samples, both swappable for a virtual clock in tests. */
#ifndef CLOCK_H
#define CLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Milliseconds on the monotonic clock (or virtual time), for timers. */
int64_t clock_mono_ms(void);
/* Microseconds on the same clock, for measuring short operations (benchmarks). */
int64_t clock_mono_us(void);
/* CPU microseconds used by the process so far, all threads (benchmarks). */
int64_t clock_cpu_us(void);
/* Seconds since the epoch, with fractions (or virtual wall time), for samples. */
double clock_wall(void);

/* t (epoch seconds) as local "YYYY-MM-DD HH:MM:SS" in buf, for log lines (epoch seconds
 * if it cannot be converted); returns buf. len >= 32 is enough. */
const char *clock_local_str(double t, char *buf, size_t len);

/* Switches to virtual time: the wall clock starts at wall_start (epoch seconds) and
 * the monotonic clock at 0; time then only moves through clock_virtual_advance_ms. */
void clock_virtual_start(double wall_start);
/* Back to the real clocks. */
void clock_virtual_stop(void);
bool clock_is_virtual(void);
/* Moves virtual time forward by delta_ms (>= 0). */
void clock_virtual_advance_ms(int64_t delta_ms);

#endif
