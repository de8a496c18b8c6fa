/* period.c — local dates of the command line to epoch seconds (mktime, so the time
 * zone and daylight saving time are the machine's, or TZ's). */
#include <config.h>

#include <stdio.h>
#include <string.h>

#include "period.h"

/* Local time of y-mo-d h:mi (day may overflow into the next month); -1 if invalid. */
static time_t local_time(int y, int mo, int d, int h, int mi, bool check)
{
	struct tm tm;
	time_t t;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_isdst = -1;
	t = mktime(&tm);
	/* mktime normalises 2026-02-31 into March: a date that moved was not a date. */
	if (check && (tm.tm_mday != d || tm.tm_mon != mo - 1))
		return -1;
	return t;
}

int period_parse(const char *s, bool is_end, time_t *out)
{
	int y, mo, d, h = 0, mi = 0, n = 0, m = 0;

	if (strlen(s) < 10 || sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3 || n != 10)
		return -1;
	if (s[10] != '\0' && (sscanf(s + 10, " %2d:%2d%n", &h, &mi, &m) != 2 || s[10 + m] != '\0'))
		return -1;
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 || mi > 59)
		return -1;
	if (local_time(y, mo, d, h, mi, true) == (time_t)-1)
		return -1;
	*out = local_time(y, mo, d + (is_end && s[10] == '\0'), h, mi, false);
	return 0;
}
