/* period.c — local dates of the command line to epoch seconds (mktime, so the time
 * zone and daylight saving time are the machine's, or TZ's). */
#include <config.h>

#include <stdio.h>
#include <string.h>

#include "period.h"

/* Local time of y-mo-d h:mi:sec (day may overflow into the next month); -1 if invalid. */
static time_t local_time(int y, int mo, int d, const int hms[3], bool check)
{
	struct tm tm;
	time_t t;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = hms[0];
	tm.tm_min = hms[1];
	tm.tm_sec = hms[2];
	tm.tm_isdst = -1;
	t = mktime(&tm);
	/* mktime normalises 2026-02-31 into March: a date that moved was not a date. */
	if (check && (tm.tm_mday != d || tm.tm_mon != mo - 1))
		return -1;
	return t;
}

/* " HH:MM" or " HH:MM:SS" after the date, into hms; 0, or -1. */
static int parse_clock(const char *s, int hms[3])
{
	int m = 0;

	if (sscanf(s, " %2d:%2d%n", &hms[0], &hms[1], &m) != 2)
		return -1;
	s += m;
	if (*s == ':') {
		if (sscanf(s, ":%2d%n", &hms[2], &m) != 1 || m != 3)
			return -1;
		s += m;
	}
	if (*s != '\0')
		return -1;
	return hms[0] >= 0 && hms[0] <= 23 && hms[1] >= 0 && hms[1] <= 59 && hms[2] >= 0 &&
		hms[2] <= 59 ? 0 : -1;
}

int period_parse(const char *s, bool is_end, time_t *out)
{
	int y, mo, d, n = 0, hms[3] = { 0, 0, 0 };

	if (strlen(s) < 10 || sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3 || n != 10)
		return -1;
	if (s[10] != '\0' && parse_clock(s + 10, hms) < 0)
		return -1;
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31)
		return -1;
	if (local_time(y, mo, d, hms, true) == (time_t)-1)
		return -1;
	*out = local_time(y, mo, d + (is_end && s[10] == '\0'), hms, false);
	return 0;
}
