/* msgtext.c — the text primitives of the mails (the alert, its context, the digest, the
 * report's mail): a growing string, UTF-8 checking, device text made safe to print, a
 * number in the catalogue's style, a reading's sensor named. No message is composed
 * here: message.c and msgctx.c both build on it, so neither includes the other's
 * header for these. */
#include <config.h>

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metric.h"
#include "msgtext.h"
#include "xmem.h"

/* Strings marked _() here are extracted by xgettext as usual, but translated through
 * the mail catalogue `cat` in scope, not the process locale. */
#undef _
#define _(s) msgcat_get(cat, s)

#define TEXT_MAX 200            /* longest device-supplied text we print */

void msg_buf_add(struct msg_buf *b, const char *s, size_t len)
{
	b->s = xgrow(b->s, &b->cap, b->len + len + 1, 1);
	memcpy(b->s + b->len, s, len);
	b->len += len;
	b->s[b->len] = '\0';
}

void msg_buf_printf(struct msg_buf *b, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	msg_buf_add(b, s, strlen(s));
	free(s);
}

/* Length of the valid UTF-8 sequence at s, 0 if invalid. */
size_t msgtext_utf8_len(const unsigned char *s)
{
	size_t n, i;

	if (s[0] < 0x80)
		return 1;
	n = (s[0] & 0xe0) == 0xc0 ? 2 : (s[0] & 0xf0) == 0xe0 ? 3 : (s[0] & 0xf8) == 0xf0 ? 4 : 0;
	if (n == 0 || (n == 2 && s[0] < 0xc2) || (n == 4 && s[0] > 0xf4))
		return 0;
	for (i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

char *msgtext_sanitize(const char *s, size_t max_len)
{
	struct msg_buf b = { 0 };
	const unsigned char *p = (const unsigned char *)(s ? s : "");

	msg_buf_add(&b, "", 0);
	while (*p && b.len < max_len) {
		size_t n = msgtext_utf8_len(p);

		if (n == 0) {
			msg_buf_add(&b, "?", 1);
			p++;
		} else if (n == 1 && (*p < 0x20 || *p == 0x7f)) {
			msg_buf_add(&b, " ", 1);
			p++;
		} else if (n == 2 && p[0] == 0xc2 && p[1] < 0xa0) {
			msg_buf_add(&b, " ", 1);          /* C1 controls (U+0080..U+009F) */
			p += 2;
		} else if (b.len + n <= max_len) {
			msg_buf_add(&b, (const char *)p, n);
			p += n;
		} else {
			break;
		}
	}
	return b.s;
}

void msgtext_number(char *buf, size_t size, double v, int decimals, bool comma)
{
	metric_number_text(buf, size, v, decimals, comma);
}

bool msgtext_is_phase(const char *metric)
{
	static const char *const per_line[] = { "ups_load", "input_voltage", "input_frequency", "output_voltage" };

	for (size_t i = 0; metric && i < sizeof(per_line) / sizeof(per_line[0]); i++)
		if (strcmp(metric, per_line[i]) == 0)
			return true;
	return false;
}

void msgtext_reading(char *buf, size_t size, double v, const char *unit, bool comma)
{
	char num[64], *u = msgtext_sanitize(unit, 16);

	if (strcmp(u, "s") == 0 && v >= 60) {
		long s = lround(v);
		if (s % 60)
			snprintf(buf, size, "%ld min %02ld s", s / 60, s % 60);
		else
			snprintf(buf, size, "%ld min", s / 60);
	} else {
		msgtext_number(num, size < sizeof(num) ? size : sizeof(num), v, 1, comma);
		snprintf(buf, size, "%s%s%s", num, u[0] ? " " : "", u);
	}
	free(u);
}

/* "1.1.3" -> "3", "1.3" -> "3"; "2.3", "3" unchanged (see msgtext.h). */
static const char *phase_number(const char *index)
{
	const char *p = index;

	while (p[0] == '1' && p[1] == '.' && p[2])
		p += 2;
	return strchr(p, '.') ? index : p;
}

char *msgtext_sensor(const struct msgcat *cat, const char *instance, bool phase)
{
	const char *what = phase ? _("phase") : _("sensor");
	char *index, *label, *raw, *out;
	const char *space;

	if (!instance || !instance[0])
		return xstrdup("");
	space = strchr(instance, ' ');
	raw = space ? xstrndup(instance, (size_t)(space - instance)) : xstrdup(instance);
	index = msgtext_sanitize(phase ? phase_number(raw) : raw, TEXT_MAX);
	label = msgtext_sanitize(space ? space + 1 : "", TEXT_MAX);
	if (label[0])   /* translated quotes: "« " and " »" in French */
		out = xasprintf("%s %s %s%s%s", what, index, _("\u201c"), label, _("\u201d"));
	else
		out = xasprintf("%s %s", what, index);
	free(raw);
	free(index);
	free(label);
	return out;
}

