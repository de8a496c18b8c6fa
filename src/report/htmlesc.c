/* htmlesc.c — text from the configuration, a device or the journal made safe for the
 * report's HTML page: element content, quoted attributes, CSS strings. */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "htmlesc.h"
#include "xmem.h"

static const char *entity(char c)
{
	switch (c) {
	case '&': return "&amp;";
	case '<': return "&lt;";
	case '>': return "&gt;";
	case '"': return "&quot;";
	case '\'': return "&#39;";
	default: return NULL;
	}
}

char *html_escape(const char *s)
{
	size_t len = 1;
	char *out, *o;

	for (const char *p = s; *p; p++)
		len += entity(*p) ? strlen(entity(*p)) : 1;
	out = o = xmalloc(len);
	for (const char *p = s; *p; p++) {
		const char *e = entity(*p);

		if (e)
			o = stpcpy(o, e);
		else
			*o++ = *p;
	}
	*o = '\0';
	return out;
}

void html_put(FILE *out, const char *s)
{
	char *e = html_escape(s ? s : "");

	fputs(e, out);
	free(e);
}

/* s as the inside of a CSS string: quotes, backslashes and '<' (no "</style>") escaped. */
void htmlesc_css_put(FILE *out, const char *s)
{
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\' || c == '<' || c == '>' || c < 0x20)
			fprintf(out, "\\%x ", c);
		else
			fputc(c, out);
	}
}
