/* nutmap.c — NUT variables onto the canonical vocabulary (see nutmap.h). */
#include <config.h>

#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "decode.h"
#include "nutmap.h"
#include "xmem.h"

static const char *const status_tokens[] = { "OL", "OB", "LB", "HB", "RB", "CHRG", "DISCHRG",
	"BYPASS", "CAL", "OFF", "OVER", "TRIM", "BOOST", "FSD", "ALARM" };

/* ---------------------------------------------------------------- protocol text */

/* A word of a upsd line: bare, or quoted with \" and \\ escapes. Returns the position
 * after it, or NULL at the end of the line or on an unterminated quote. */
static const char *next_word(const char *s, char **out)
{
	size_t cap = strlen(s) + 1, n = 0;
	char *w;

	while (*s == ' ' || *s == '\t')
		s++;
	if (!*s || *s == '\n' || *s == '\r')
		return NULL;
	w = xmalloc(cap);
	if (*s != '"') {
		while (*s && *s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
			w[n++] = *s++;
	} else {
		for (s++; *s != '"'; s++) {
			if (*s == '\\' && s[1])
				s++;
			if (!*s) {
				free(w);
				return NULL;
			}
			w[n++] = *s;
		}
		s++;
	}
	w[n] = '\0';
	*out = w;
	return s;
}

/* The first n words of line into w[] (new strings); false if it has fewer. */
static bool words(const char *line, char **w, int n)
{
	const char *s = line;

	for (int i = 0; i < n; i++) {
		if (!(s = next_word(s, &w[i]))) {
			while (i-- > 0)
				free(w[i]);
			return false;
		}
	}
	return true;
}

bool nutmap_parse_var_line(const char *line, char **name, char **value)
{
	char *w[4];

	if (!words(line, w, 4))
		return false;
	free(w[1]);
	if (strcmp(w[0], "VAR") != 0) {
		free(w[0]);
		free(w[2]);
		free(w[3]);
		return false;
	}
	free(w[0]);
	*name = w[2];
	*value = w[3];
	return true;
}

bool nutmap_parse_ups_line(const char *line, char **name, char **description)
{
	char *w[3];

	if (!words(line, w, 3))
		return false;
	if (strcmp(w[0], "UPS") != 0) {
		free(w[0]);
		free(w[1]);
		free(w[2]);
		return false;
	}
	free(w[0]);
	*name = w[1];
	*description = w[2];
	return true;
}

void nutmap_vars_add(struct nut_vars *vars, char *name, char *value)
{
	vars->v = xgrow(vars->v, &vars->cap, vars->n + 1, sizeof(*vars->v));
	vars->v[vars->n++] = (struct nut_var){ name, value };
}

const char *nutmap_vars_get(const struct nut_vars *vars, const char *name)
{
	for (size_t i = 0; i < vars->n; i++)
		if (strcmp(vars->v[i].name, name) == 0)
			return vars->v[i].value;
	return NULL;
}

void nutmap_vars_free(struct nut_vars *vars)
{
	for (size_t i = 0; i < vars->n; i++) {
		free(vars->v[i].name);
		free(vars->v[i].value);
	}
	free(vars->v);
	*vars = (struct nut_vars){ 0 };
}

/* ---------------------------------------------------------------- values */

unsigned nutmap_status(const char *status, unsigned *n_unknown)
{
	unsigned bits = 0, unknown = 0;
	const char *s = status;

	while (*s) {
		size_t len;
		bool known = false;

		s += strspn(s, " \t");
		len = strcspn(s, " \t");
		if (len == 0)
			break;
		for (size_t i = 0; i < ARRAY_SIZE(status_tokens); i++) {
			if (strlen(status_tokens[i]) == len && strncmp(s, status_tokens[i], len) == 0) {
				bits |= 1u << i;
				known = true;
			}
		}
		unknown += !known;
		s += len;
	}
	if (n_unknown)
		*n_unknown = unknown;
	return bits;
}

/* upsd sends what the driver wrote, always with a '.': never read it with the
 * daemon's LC_NUMERIC (a French locale would stop at the '.' of "230.5"). Called on
 * the loop thread only, hence the unguarded lazy locale. */
bool nutmap_number(const char *s, double *out)
{
	static locale_t c_locale;
	char *end;

	if (!c_locale)
		c_locale = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
	if (!c_locale || !s)
		return false;
	s += strspn(s, " \t");
	*out = strtod_l(s, &end, c_locale);
	if (end == s)
		return false;
	end += strspn(end, " \t");
	return *end == '\0' && isfinite(*out);
}

static bool make_date(int y, int m, int d, double *out)
{
	struct tm tm = { .tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d, .tm_hour = 12 };
	time_t t;

	if (y < 100)
		y += 2000;
	tm.tm_year = y - 1900;
	if (y < 1980 || y > 2200 || m < 1 || m > 12 || d < 1 || d > 31)
		return false;
	t = timegm(&tm);
	/* timegm normalises 02/31 into March: refuse what it had to move. */
	if (tm.tm_mday != d || tm.tm_mon != m - 1)
		return false;
	*out = (double)(t - 12 * 3600);
	return true;
}

bool nutmap_date(const char *s, double *out)
{
	int a, b, c, n = 0;
	char sep1, sep2;

	if (!s)
		return false;
	if (strlen(s) == 8 && strspn(s, "0123456789") == 8 && sscanf(s, "%4d%2d%2d", &a, &b, &c) == 3)
		return make_date(a, b, c, out);
	if (sscanf(s, "%d%c%d%c%d%n", &a, &sep1, &b, &sep2, &c, &n) != 5 || s[n] != '\0' ||
	    sep1 != sep2 || !strchr("-/.", sep1))
		return false;
	if (a > 31)                       /* year first: 2023-01-31, 2023/01/31 */
		return make_date(a, b, c, out);
	if (a > 12)                       /* day first: 31/01/2023, 31.01.2023 */
		return make_date(c, b, a, out);
	return make_date(c, a, b, out);   /* month first, NUT's own doc: 01/31/2023, 01/31/23 */
}

/* ---------------------------------------------------------------- decoding */

static void set_state(const struct profile_metric *m, const char *state, double raw, struct reading *out)
{
	int code = m->def ? metric_state_code(m->def, state) : -1;

	out->raw = raw;
	out->value = code >= 0 ? code : NAN;
	out->status = code >= 0 ? READING_OK : READING_ERROR;
}

/* Precedence: an UPS off or in bypass may also say OL; OB wins over a stale OL. */
static const char *source_of(unsigned bits)
{
	if (bits & NUT_OFF)
		return "off";
	if (bits & NUT_BYPASS)
		return "bypass";
	if (bits & NUT_OB)
		return "on_battery";
	if (bits & NUT_OL)
		return "online";
	return NULL;
}

/* FSD: upsmon's primary is shutting the load down — the battery is as good as empty. */
static const char *battery_of(unsigned bits)
{
	return bits & NUT_FSD ? "depleted" : bits & NUT_LB ? "low" : "normal";
}

static void decode_status(const struct profile_metric *m, const char *value, struct reading *out)
{
	unsigned bits = nutmap_status(value, NULL);
	const char *state = NULL;

	if (strcmp(m->name, "ups_source") == 0)
		state = source_of(bits);
	else if (strcmp(m->name, "ups_battery") == 0)
		state = battery_of(bits);
	else if (strcmp(m->name, "ups_replace_battery") == 0)
		state = bits & NUT_RB ? "yes" : "no";
	if (!state && strcmp(m->name, "ups_source") == 0) {
		/* "WAIT" while the driver starts, or only drivers' own tokens: not known yet. */
		*out = (struct reading){ READING_INVALID, NAN, bits, false };
		return;
	}
	if (!state) {
		*out = (struct reading){ READING_ERROR, NAN, bits, false };
		return;
	}
	set_state(m, state, bits, out);
}

/* ups.test.result is free text: "Done and passed", "Done and warning" (passed, as
 * ups-rfc1628 reads doneWarning), "Done and
 * error", "Aborted", "In progress", "No test initiated", "Test scheduled" ... */
static void decode_selftest(const struct profile_metric *m, const char *value, struct reading *out)
{
	static const struct { const char *word, *state; } words[] = {
		{ "passed", "passed" }, { "warning", "passed" }, { "error", "failed" }, { "fail", "failed" },
		{ "progress", "in_progress" }, { "no test", "none" }, { "aborted", "none" },
		{ "scheduled", "none" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(words); i++) {
		if (strcasestr(value, words[i].word)) {
			set_state(m, words[i].state, NAN, out);
			return;
		}
	}
	*out = (struct reading){ READING_INVALID, NAN, NAN, false };
}

static void decode_age(const char *value, double now_s, struct reading *out)
{
	double t;

	*out = (struct reading){ READING_INVALID, NAN, NAN, false };
	if (!nutmap_date(value, &t))
		return;
	out->raw = t;
	if (t > now_s + 86400)   /* a date in the future: the UPS clock was never set */
		return;
	out->value = fmax(0.0, (now_s - t) / 86400.0);
	out->status = READING_OK;
}

/* NUT's own sentinels, whatever the profile says. */
static void apply_nut_rules(const struct profile_metric *m, const struct nut_vars *vars, struct reading *out)
{
	const char *status = nutmap_vars_get(vars, "ups.status");
	unsigned bits = status ? nutmap_status(status, NULL) : 0;

	if (out->status != READING_OK || !m->var)
		return;
	/* 65535 is "unknown"; 0 on mains comes from drivers without a runtime
	 * calibration, not from a battery that would carry nothing. */
	if (strcmp(m->var, "battery.runtime") == 0 &&
	    (out->raw == 65535 || (out->raw == 0 && (bits & NUT_OL) && !(bits & NUT_OB))))
		out->status = READING_INVALID;
	/* No mains while on battery is the outage itself, already ups_source's alert: not a
	 * second, input-voltage one. */
	if (strcmp(m->var, "input.voltage") == 0 && out->raw == 0 && (bits & NUT_OB))
		out->status = READING_INVALID;
	if (out->status == READING_INVALID)
		out->value = NAN;
}

void nutmap_decode(const struct profile_metric *m, const struct nut_vars *vars, double now_s,
	struct reading *out)
{
	const char *value = m->var ? nutmap_vars_get(vars, m->var) : NULL;
	double raw;

	*out = (struct reading){ READING_ABSENT, NAN, NAN, false };
	if (!value)
		return;
	if (m->def && m->def->type == METRIC_STATE) {
		if (strcmp(m->var, "ups.test.result") == 0)
			decode_selftest(m, value, out);
		else
			decode_status(m, value, out);
		return;
	}
	/* battery.date, battery.mfr.date: the age in days is what a reader can judge. */
	if (strlen(m->var) > 5 && strcmp(m->var + strlen(m->var) - 5, ".date") == 0) {
		decode_age(value, now_s, out);
		return;
	}
	if (!nutmap_number(value, &raw)) {
		out->status = READING_ERROR;
		return;
	}
	decode_reading(m, raw, out);
	apply_nut_rules(m, vars, out);
}
