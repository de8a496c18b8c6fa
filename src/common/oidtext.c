/* oidtext.c — numeric OIDs from text: no MIB files for UPS-MIB, PowerNet or
 * ENTITY-SENSOR-MIB ship with Debian (DESIGN.md §10), so a name could not be resolved
 * on the target; only digits and dots are OIDs here. */
#include <config.h>

#include <stdbool.h>

#include "oidtext.h"

int oidtext_parse(const char *text, uint32_t *out, size_t max)
{
	const char *s = text[0] == '.' ? text + 1 : text;
	size_t n = 0;
	bool too_long = false;

	while (*s) {
		unsigned long long v = 0;

		if (*s < '0' || *s > '9')
			return 0;
		while (*s >= '0' && *s <= '9') {
			v = v * 10 + (unsigned)(*s++ - '0');
			if (v > 0xffffffffull)
				return 0;
		}
		if (n < max && out)
			out[n] = (uint32_t)v;
		too_long |= n == max;
		n++;
		if (*s == '.' && s[1])
			s++;
		else if (*s)
			return 0;
	}
	if (n < 2)
		return 0;
	return too_long ? OIDTEXT_TOO_LONG : (int)n;
}
