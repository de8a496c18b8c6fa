/* nutmap.h — NUT's variables (the text upsd answers to LIST VAR) onto envmond's metric
 * vocabulary: ups.status tokens, numbers under the C locale, battery dates. Pure: no
 * I/O, no clock, no state; the NUT driver (nutdrv.c) does the talking. */
#ifndef NUTMAP_H
#define NUTMAP_H

#include <stdbool.h>
#include <stddef.h>

#include "drvapi.h"

/* One variable as upsd sent it. */
struct nut_var {
	char *name;
	char *value;
};

struct nut_vars {
	struct nut_var *v;
	size_t n, cap;
};

/* ups.status tokens (NUT's docs/new-drivers.txt), as bits. Unknown tokens are counted,
 * not refused: drivers add their own. */
enum nut_status_bit {
	NUT_OL = 1 << 0, NUT_OB = 1 << 1, NUT_LB = 1 << 2, NUT_HB = 1 << 3, NUT_RB = 1 << 4,
	NUT_CHRG = 1 << 5, NUT_DISCHRG = 1 << 6, NUT_BYPASS = 1 << 7, NUT_CAL = 1 << 8,
	NUT_OFF = 1 << 9, NUT_OVER = 1 << 10, NUT_TRIM = 1 << 11, NUT_BOOST = 1 << 12,
	NUT_FSD = 1 << 13, NUT_ALARM = 1 << 14,
};

/* Parses one line of a LIST VAR answer, `VAR <ups> <name> "<value>"` (the value with
 * NUT's backslash escapes), into *name and *value (new strings). false for any other
 * line. */
bool nutmap_parse_var_line(const char *line, char **name, char **value);
/* One line of a LIST UPS answer, `UPS <name> "<description>"`. */
bool nutmap_parse_ups_line(const char *line, char **name, char **description);
/* Adds a variable (takes the strings), finds one (NULL if absent), frees them all. */
void nutmap_vars_add(struct nut_vars *vars, char *name, char *value);
const char *nutmap_vars_get(const struct nut_vars *vars, const char *name);
void nutmap_vars_free(struct nut_vars *vars);

/* The bits of a ups.status value; *n_unknown (may be NULL) counts unknown tokens. */
unsigned nutmap_status(const char *status, unsigned *n_unknown);
/* A number as NUT writes it, always with a '.' whatever the locale; false if s is not one. */
bool nutmap_number(const char *s, double *out);
/* A battery date (battery.date, battery.mfr.date): drivers write 2023-01-31,
 * 2023/01/31, 01/31/2023, 31/01/2023 (when the first field is > 12), 01/31/23 or
 * 20230131. Seconds since the epoch (UTC midnight), false if unreadable. */
bool nutmap_date(const char *s, double *out);

/* The reading of profile metric m (its `var`) from the variables of one LIST VAR,
 * now_s the wall clock (for the battery age). State metrics read ups.status
 * (ups_source, ups_battery, ups_replace_battery) or ups.test.result (ups_selftest);
 * numbers go through the profile's scale, offset and sentinels. */
void nutmap_decode(const struct profile_metric *m, const struct nut_vars *vars, double now_s,
	struct reading *out);

#endif
