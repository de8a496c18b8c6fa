/* numfmt.c — "%.12g" without printf for the values devices give.
 *
 * A reading is written to its RRD line at every poll: in the daemon's profile, snprintf
 * of "%.12g" was a third of the instructions of a whole SNMP poll (callgrind, 20 devices).
 * Most readings are integers, tenths or hundredths (a load in %, a voltage in 0.1 V),
 * often with the noise of a scale (499 * 0.1 = 49.900000000000006). Let D = m / 10^k,
 * k <= 3, |m| < 10^12: a decimal of at most 12 significant digits, on the grid "%.12g"
 * rounds to (spacing at least 10^-12 of v). When v is within 10^-14 of v from D, far less
 * than half that spacing, "%.12g" rounds v to D and prints D's digits: fixed notation
 * (exponent from -3 to 11), no trailing zero when k is the smallest that works. Anything
 * else (thirds, 1e-9, 1e15, -0, NaN) goes to snprintf.
 */
#include <config.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "numfmt.h"

static const double pow10k[] = { 1.0, 10.0, 100.0, 1000.0 };

size_t numfmt_g12(char *buf, size_t cap, double v)
{
	char tmp[32];
	size_t len = 0, ndig = 0;
	unsigned long long u;
	long long m = 0;
	unsigned k;

	if (v == 0.0 && !signbit(v)) {
		if (cap > 1) {
			buf[0] = '0';
			buf[1] = '\0';
		} else if (cap) {
			buf[0] = '\0';
		}
		return 1;
	}
	if (!(fabs(v) < 1e12) || v == 0.0)
		return (size_t)snprintf(buf, cap, "%.12g", v);   /* NaN, inf, huge, -0 */
	for (k = 0; k < 4; k++) {
		double s = v * pow10k[k];

		if (fabs(s) >= 1e12)
			return (size_t)snprintf(buf, cap, "%.12g", v);   /* over 12 digits */
		m = llround(s);
		if (m != 0 && fabs((double)m / pow10k[k] - v) <= fabs(v) * 1e-14)
			break;
	}
	if (k == 4)
		return (size_t)snprintf(buf, cap, "%.12g", v);
	if (m < 0)
		tmp[len++] = '-';
	u = (unsigned long long)(m < 0 ? -m : m);
	{
		char dig[24];

		do {
			dig[ndig++] = (char)('0' + u % 10);
			u /= 10;
		} while (u);
		/* Leading zeros of a fraction: 0.05 has digits "5", k = 2. */
		while (ndig <= k)
			dig[ndig++] = '0';
		while (ndig > k)
			tmp[len++] = dig[--ndig];
		if (k) {
			tmp[len++] = '.';
			while (ndig)
				tmp[len++] = dig[--ndig];
		}
	}
	tmp[len] = '\0';
	if (cap) {
		size_t n = len < cap ? len : cap - 1;

		memcpy(buf, tmp, n);
		buf[n] = '\0';
	}
	return len;
}
