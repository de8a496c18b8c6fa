/* pdfinst.c — the instances of a row in the PDF (see pdfinst.h). */
#include <config.h>

#include <stdlib.h>

#include "insttext.h"
#include "pdfinst.h"

void pdfinst_table(struct pdfdoc *d, const struct audit_row *r)
{
	static const double w[INSTTEXT_COLS + 1] = { 0.26, 0.12, 0.12, 0.12, 0.19, 0.19 };
	const char *cols[INSTTEXT_COLS];
	struct pdfdoc_table *t;

	if (r->n_inst == 0)
		return;
	insttext_columns(cols);
	pdfdoc_textf(d, PDFDOC_META, true, "%s", insttext_title(r));
	t = pdfdoc_table_new(INSTTEXT_COLS + 1, w, true);
	pdfdoc_table_cellf(t, "%s", insttext_heading(r));
	for (size_t c = 0; c < INSTTEXT_COLS; c++)
		pdfdoc_table_cellf(t, "%s", cols[c]);
	for (size_t k = 0; k < r->n_inst; k++) {
		struct insttext_line l;
		bool worst = (int)k == r->worst_inst;

		insttext_line(r, k, &l);
		/* the format is markup, its arguments are escaped (g_markup_vprintf_escaped) */
		if (worst)
			pdfdoc_table_cellf(t, "<b>%s</b>", l.name);
		else
			pdfdoc_table_cellf(t, "%s", l.name);
		for (size_t c = 0; c < INSTTEXT_COLS; c++)
			if (worst)
				pdfdoc_table_cellf(t, "<b>%s</b>", l.cell[c]);
			else
				pdfdoc_table_cellf(t, "%s", l.cell[c]);
		free(l.name);
	}
	pdfdoc_table_end(d, t);
}
