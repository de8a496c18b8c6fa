/* period.c — dates of the command line to epoch seconds: local ones through mktime (so
 * the time zone and daylight saving time are the machine's, or TZ's), ISO 8601 ones
 * with a zone through timegm. */
#include <config.h>

#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "period.h"

static void broken_down(struct tm *tm, int y, int mo, int d, const int hms[3])
{
	memset(tm, 0, sizeof(*tm));
	tm->tm_year = y - 1900;
	tm->tm_mon = mo - 1;
	tm->tm_mday = d;
	tm->tm_hour = hms[0];
	tm->tm_min = hms[1];
	tm->tm_sec = hms[2];
}

/* Local time of y-mo-d h:mi:sec (day may overflow into the next month); -1 if invalid. */
static time_t local_time(int y, int mo, int d, const int hms[3], bool check)
{
	struct tm tm;
	time_t t;

	broken_down(&tm, y, mo, d, hms);
	tm.tm_isdst = -1;
	t = mktime(&tm);
	/* mktime normalises 2026-02-31 into March: a date that moved was not a date. */
	if (check && (tm.tm_mday != d || tm.tm_mon != mo - 1))
		return -1;
	return t;
}

/* An ISO 8601 zone at s: "Z", "+HH:MM", "+HHMM" or "+HH" (or '-'), as seconds east of
 * UTC into *off_s. 0, or -1. */
static int parse_zone(const char *s, long *off_s)
{
	int h = 0, mi = 0, n = 0;

	if (strcmp(s, "Z") == 0) {
		*off_s = 0;
		return 0;
	}
	if ((s[0] != '+' && s[0] != '-') || strspn(s + 1, "0123456789:") != strlen(s + 1))
		return -1;
	if (!(sscanf(s + 1, "%2d:%2d%n", &h, &mi, &n) == 2 && n == 5) &&
	    !(sscanf(s + 1, "%2d%2d%n", &h, &mi, &n) == 2 && n == 4) &&
	    !(sscanf(s + 1, "%2d%n", &h, &n) == 1 && n == 2))
		return -1;
	if (s[1 + n] != '\0' || h > 14 || mi > 59)
		return -1;
	*off_s = (s[0] == '-' ? -1 : 1) * (h * 3600L + mi * 60L);
	return 0;
}

/* " HH:MM" or " HH:MM:SS" (or 'T' for the space, ISO 8601) after the date, into hms,
 * then an optional zone (ISO 8601 only) into *off_s, LONG_MIN when none. 0, or -1. */
static int parse_clock(const char *s, int hms[3], long *off_s)
{
	bool iso = *s == 'T';
	int m = 0;

	*off_s = LONG_MIN;
	if (!iso && *s != ' ')
		return -1;
	s += iso ? 1 : strspn(s, " ");
	if (!isdigit((unsigned char)*s) || sscanf(s, "%2d:%2d%n", &hms[0], &hms[1], &m) != 2)
		return -1;
	s += m;
	if (*s == ':') {
		if (sscanf(s, ":%2d%n", &hms[2], &m) != 1 || m != 3)
			return -1;
		s += m;
	}
	if (*s != '\0' && (!iso || parse_zone(s, off_s) < 0))
		return -1;
	return hms[0] >= 0 && hms[0] <= 23 && hms[1] >= 0 && hms[1] <= 59 && hms[2] >= 0 &&
		hms[2] <= 59 ? 0 : -1;
}

/* y-mo-d h:mi:s in UTC, shifted by the zone's offset: a time with a zone is not local. */
static time_t zoned_time(int y, int mo, int d, const int hms[3], long off_s)
{
	struct tm tm;

	broken_down(&tm, y, mo, d, hms);
	return timegm(&tm) - off_s;
}

int period_parse(const char *s, bool is_end, time_t *out)
{
	int y, mo, d, n = 0, hms[3] = { 0, 0, 0 };
	long off_s = LONG_MIN;

	if (strlen(s) < 10 || sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3 || n != 10 ||
	    !isdigit((unsigned char)s[0]))
		return -1;
	if (s[10] != '\0' && parse_clock(s + 10, hms, &off_s) < 0)
		return -1;
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31)
		return -1;
	if (local_time(y, mo, d, hms, true) == (time_t)-1)
		return -1;
	if (off_s != LONG_MIN)
		*out = zoned_time(y, mo, d, hms, off_s);
	else
		*out = local_time(y, mo, d + (is_end && s[10] == '\0'), hms, false);
	return 0;
}

void period_last_month(time_t now, time_t *from, time_t *to)
{
	static const int midnight[3] = { 0, 0, 0 };
	struct tm tm;

	localtime_r(&now, &tm);
	/* mktime normalises month 0 to December of the year before. */
	*from = local_time(tm.tm_year + 1900, tm.tm_mon, 1, midnight, false);
	*to = local_time(tm.tm_year + 1900, tm.tm_mon + 1, 1, midnight, false);
}
