/* htmlesc.h — text from the configuration, a device or the journal made safe for the
 * report's HTML page (html.c, htmlinst.c, region.c). */
#ifndef HTMLESC_H
#define HTMLESC_H

#include <stdio.h>

/* s with & < > " ' replaced by entities, safe in element content and quoted
 * attributes; a new string. */
char *html_escape(const char *s);
/* The same, written to out. */
void html_put(FILE *out, const char *s);
/* s as the inside of a CSS string: quotes, backslashes, '<', '>' and control characters
 * escaped (no "</style>"). */
void htmlesc_css_put(FILE *out, const char *s);

#endif
