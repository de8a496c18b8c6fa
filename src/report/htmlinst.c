/* htmlinst.c — the instances of a row on the HTML page (see htmlinst.h). */
#include <config.h>

#include <stdlib.h>

#include "envmon.h"
#include "htmlesc.h"
#include "htmlinst.h"
#include "insttext.h"

void htmlinst_worst(FILE *out, const struct audit_row *r)
{
	char *worst = insttext_worst(r);

	if (!worst)
		return;
	fputs(" — ", out);
	html_put(out, worst);
	free(worst);
}

static void cell(FILE *out, const char *tag, const char *text)
{
	fprintf(out, "<%s>", tag);
	html_put(out, text);
	fprintf(out, "</%s>", tag);
}

void htmlinst_table(FILE *out, const struct audit_row *r)
{
	const char *cols[INSTTEXT_COLS];

	if (r->n_inst == 0)
		return;
	insttext_columns(cols);
	fputs("<table class=\"instances\">\n<caption>", out);
	html_put(out, insttext_title(r));
	fputs("</caption>\n<tr>", out);
	cell(out, "th", insttext_heading(r));
	for (size_t c = 0; c < INSTTEXT_COLS; c++)
		cell(out, "th", cols[c]);
	fputs("</tr>\n", out);
	for (size_t k = 0; k < r->n_inst; k++) {
		struct insttext_line l;

		insttext_line(r, k, &l);
		fputs((int)k == r->worst_inst ? "<tr class=\"worst\">" : "<tr>", out);
		cell(out, "td", l.name);
		for (size_t c = 0; c < INSTTEXT_COLS; c++)
			cell(out, "td", l.cell[c]);
		fputs("</tr>\n", out);
		free(l.name);
	}
	fputs("</table>\n", out);
}
