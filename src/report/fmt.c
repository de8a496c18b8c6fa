/* fmt.c — French formatting of numbers, durations and dates, independent of the
 * locale installed: LC_NUMERIC stays "C" and the comma is put in here. */
#include <config.h>

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "fmt.h"

char *fmt_num_c(char *buf, size_t size, double v, int decimals)
{
	if (isnan(v))
		snprintf(buf, size, "%s", "");
	else
		snprintf(buf, size, "%.*f", decimals, v);
	/* "-0.0" reads badly and differs from what a reader computes. */
	if (strncmp(buf, "-0", 2) == 0 && strspn(buf + 2, ".0") == strlen(buf + 2))
		memmove(buf, buf + 1, strlen(buf));
	return buf;
}

char *fmt_num(char *buf, size_t size, double v, int decimals)
{
	char *dot;

	if (isnan(v)) {
		snprintf(buf, size, "%s", "—");
		return buf;
	}
	fmt_num_c(buf, size, v, decimals);
	dot = strchr(buf, '.');
	if (dot)
		*dot = ',';
	return buf;
}

char *fmt_share(char *buf, size_t size, double share)
{
	char n[32];

	/* A few minutes in a month would read "0,0 %": say they exist. */
	if (share > 0 && share < 0.0005)
		snprintf(buf, size, "< 0,1 %%");
	else
		snprintf(buf, size, "%s %%", fmt_num(n, sizeof(n), share * 100.0, 1));
	return buf;
}

char *fmt_duration(char *buf, size_t size, double seconds)
{
	long s = lround(seconds);

	if (s < 60)
		snprintf(buf, size, "%ld s", s);
	else if (s < 3600)
		snprintf(buf, size, "%ld min", s / 60);
	else if (s < 86400)
		snprintf(buf, size, "%ld h %02ld min", s / 3600, s % 3600 / 60);
	else
		snprintf(buf, size, "%ld j %ld h", s / 86400, s % 86400 / 3600);
	return buf;
}

static char *fmt_time(char *buf, size_t size, time_t t, bool with_time, bool iso)
{
	struct tm tm;

	if (!localtime_r(&t, &tm))
		memset(&tm, 0, sizeof(tm));
	if (iso)
		snprintf(buf, size, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
	else if (with_time)
		snprintf(buf, size, "%02d/%02d/%04d %02d:%02d", tm.tm_mday, tm.tm_mon + 1,
			tm.tm_year + 1900, tm.tm_hour, tm.tm_min);
	else
		snprintf(buf, size, "%02d/%02d/%04d", tm.tm_mday, tm.tm_mon + 1, tm.tm_year + 1900);
	return buf;
}

char *fmt_date(char *buf, size_t size, time_t t) { return fmt_time(buf, size, t, false, false); }

static bool at_midnight(time_t t)
{
	struct tm tm;

	return localtime_r(&t, &tm) && tm.tm_hour == 0 && tm.tm_min == 0 && tm.tm_sec == 0;
}

void fmt_period(char *first, char *last, size_t size, time_t from, time_t to)
{
	if (at_midnight(from) && at_midnight(to)) {
		fmt_date(first, size, from);
		fmt_date(last, size, to - 1);
	} else {
		fmt_time(first, size, from, true, false);
		fmt_time(last, size, to, true, false);
	}
}
char *fmt_datetime(char *buf, size_t size, time_t t) { return fmt_time(buf, size, t, true, false); }
char *fmt_date_iso(char *buf, size_t size, time_t t) { return fmt_time(buf, size, t, false, true); }
