/* textesc.c — escaping of control characters for logs and terminals. */
#include <config.h>

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "textesc.h"

/* Length of the valid UTF-8 sequence at s (1..4), 0 if it is not one; a C1 control
 * (U+0080..U+009F) counts as invalid here, since terminals obey it. */
static size_t utf8_len(const unsigned char *s)
{
	size_t n;
	unsigned cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, cp = s[0] & 0x07;
	else
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((n == 2 && cp < 0xa0) || (n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return n;
}

static void escape_byte(char *out, unsigned char c)
{
	switch (c) {
	case '\n': strcpy(out, "\\n"); break;
	case '\r': strcpy(out, "\\r"); break;
	case '\t': strcpy(out, "\\t"); break;
	default: snprintf(out, 5, "\\x%02x", c); break;
	}
}

size_t text_escape(char *dst, size_t size, const char *src)
{
	const unsigned char *s = (const unsigned char *)src;
	size_t len = 0;

	if (!size)
		return 0;
	while (*s) {
		size_t n = utf8_len(s);
		bool plain = n > 1 || (n == 1 && *s >= 0x20 && *s != 0x7f);
		char esc[5];
		const char *piece = (const char *)s;

		if (!plain) {
			escape_byte(esc, *s);
			piece = esc;
			n = strlen(esc);
		}
		if (len + n >= size)
			break;
		memcpy(dst + len, piece, n);
		len += n;
		s += plain ? n : 1;
	}
	dst[len] = '\0';
	return len;
}

const char *text_esc(const char *src)
{
	static char ring[16][1024];
	static unsigned next;
	char *buf;

	if (!src)
		return NULL;
	buf = ring[next++ % 16];
	text_escape(buf, sizeof(ring[0]), src);
	return buf;
}
