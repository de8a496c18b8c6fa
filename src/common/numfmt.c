/* numfmt.c — "%.12g" without printf for the values devices give.
 *
 * A reading is written to its RRD line at every poll: in the daemon's profile, snprintf
 * of "%.12g" was a third of the instructions of a whole SNMP poll (callgrind, 20 devices).
 * Most readings are integers, tenths or hundredths (a load in %, a voltage in 0.1 V).
 * For v = m / 10^k with |m| < 10^12 and k <= 3, where m / 10^k computed in double IS v
 * (IEEE division is correctly rounded, and m and 10^k are exact, so v is the double
 * nearest that decimal), "%.12g" prints exactly the digits of m with the point k places
 * from the right: at most 12 significant digits, an exponent between -3 and 11 (fixed
 * notation), and no trailing zero when k is the smallest that works. Anything else
 * (thirds, 1e-9, 1e15, -0, NaN) goes to snprintf. */
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

	if (!(fabs(v) < 1e12) || v == 0.0)
		return (size_t)snprintf(buf, cap, "%.12g", v);   /* NaN, inf, huge, +-0 */
	for (k = 0; k < 4; k++) {
		double s = v * pow10k[k];

		if (fabs(s) >= 1e12)
			return (size_t)snprintf(buf, cap, "%.12g", v);   /* over 12 digits */
		m = llround(s);
		if ((double)m / pow10k[k] == v)
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
