/* test_report_pdfdoc.c — the PDF layout engine on a real cairo PDF surface: headings kept
 * with what follows, a table that fits on a page moved whole, two columns, a long one cut with room
 * for its first rows, text that is not markup shown as it is, the document's
 * information, write errors. */
#include <config.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pdfdoc.h"

/* Under LeakSanitizer (./configure --enable-sanitizers): fontconfig, pango, glib and cairo
 * keep their font caches for the life of the process, as tests/system/lsan-report.supp
 * says for envmon-report; our own leaks are still reported. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
	return "leak:libfontconfig.so\nleak:libpango\nleak:libglib-2.0.so\nleak:libcairo.so\n";
}

static const struct pdfdoc_running run = { "Tribunal <b>", "Période", "Émis", "page" };

struct sink {
	char *data;
	size_t size;
	bool fail;
};

static cairo_status_t to_sink(void *closure, const unsigned char *data, unsigned int len)
{
	struct sink *s = closure;

	if (s->fail)
		return CAIRO_STATUS_WRITE_ERROR;
	s->data = realloc(s->data, s->size + len);
	memcpy(s->data + s->size, data, len);
	s->size += len;
	return CAIRO_STATUS_SUCCESS;
}

/* Paragraphs until less than room points are left on page 1. */
static void fill(struct pdfdoc *d, double room)
{
	while (pdfdoc_room(d) > room)
		pdfdoc_text(d, PDFDOC_BODY, "une ligne de texte", false);
	assert_int_equal(pdfdoc_page(d), 1);
}

static void add_table(struct pdfdoc *d, size_t rows)
{
	static const double w[] = { 0.5, 0.5 };
	struct pdfdoc_table *t = pdfdoc_table_new(2, w, true);

	pdfdoc_table_cell(t, "colonne");
	pdfdoc_table_cell(t, "valeur");
	for (size_t i = 0; i < rows; i++) {
		pdfdoc_table_cell(t, "ligne");
		pdfdoc_table_cell(t, "27,3 °C");
	}
	pdfdoc_table_end(d, t);
}

static void test_heading_kept_with_its_table(void **state)
{
	struct sink s = { 0 };
	struct pdfdoc *d = pdfdoc_open(to_sink, &s, 0, &run);

	(void)state;
	fill(d, 40);
	pdfdoc_text(d, PDFDOC_H2, "Synthèse", true);
	assert_int_equal(pdfdoc_page(d), 1);          /* pending, not drawn yet */
	add_table(d, 3);
	assert_int_equal(pdfdoc_page(d), 2);
	/* heading and table both at the top of page 2 */
	assert_true(pdfdoc_room(d) < 842 - 58 - 54 - 50);
	assert_true(pdfdoc_room(d) > 842 - 58 - 54 - 120);
	assert_int_equal(pdfdoc_close(d), 2);
	assert_true(s.size > 1000 && memcmp(s.data, "%PDF-", 5) == 0);
	free(s.data);
}

static void test_table_that_fits_a_page_is_moved_whole(void **state)
{
	struct sink s = { 0 };
	struct pdfdoc *d = pdfdoc_open(to_sink, &s, 0, &run);
	double before;

	(void)state;
	fill(d, 300);
	before = pdfdoc_room(d);
	add_table(d, 30);                             /* ~ 450 points */
	assert_int_equal(pdfdoc_page(d), 2);
	assert_true(pdfdoc_room(d) < 842 - 58 - 54 - 300);
	assert_true(before > 200);
	assert_int_equal(pdfdoc_close(d), 2);
	free(s.data);
}

/* Pages of a document: a table of rows rows after paragraphs that leave less than room
 * points on page 1 (room < 0: no paragraph). */
static int pages_with_table(double room, size_t rows)
{
	struct sink s = { 0 };
	struct pdfdoc *d = pdfdoc_open(to_sink, &s, 0, &run);
	int pages;

	if (room >= 0)
		fill(d, room);
	add_table(d, rows);
	pages = pdfdoc_close(d);
	free(s.data);
	return pages;
}

static void test_long_table_runs_over_pages(void **state)
{
	int alone = pages_with_table(-1, 200);        /* ~ 3000 points from the top of page 1 */

	(void)state;
	assert_true(alone >= 4);
	/* room for its heading and 3 rows: it starts on page 1 and ends no later */
	assert_true(pages_with_table(400, 200) <= alone + 1);
	/* not enough room for them: it starts at the top of page 2, one page later */
	assert_int_equal(pages_with_table(40, 200), alone + 1);
}

/* Paragraphs drawn on page 1, in n columns. */
static int lines_on_page_one(int n)
{
	struct sink s = { 0 };
	struct pdfdoc *d = pdfdoc_open(to_sink, &s, 0, &run);
	int lines = 0;

	pdfdoc_columns(d, n);
	for (; pdfdoc_page(d) == 1; lines++)
		pdfdoc_text(d, PDFDOC_BODY, "une ligne", false);
	pdfdoc_columns(d, 1);
	pdfdoc_close(d);
	free(s.data);
	return lines - 1;
}

static void test_two_columns(void **state)
{
	int one = lines_on_page_one(1), two = lines_on_page_one(2);

	(void)state;
	assert_true(one > 30);
	/* the second column starts where the first did, at the top of the page */
	assert_true(two >= 2 * one - 2 && two <= 2 * one);
}

static void test_not_markup_and_bad_png(void **state)
{
	struct sink s = { 0 };
	struct pdfdoc *d = pdfdoc_open(to_sink, &s, 3, &run);
	static const unsigned char not_png[] = "\x89PNG but not one";

	(void)state;
	pdfdoc_text(d, PDFDOC_ALERT, "a < b & <c", false);
	pdfdoc_text(d, PDFDOC_BODY, "Cr\xe9teil, salle \xe9lectrique", false);   /* Latin-1 */
	pdfdoc_text(d, PDFDOC_FINDING, "<span foreground=\"#78281f\">ok</span>", false);
	assert_int_equal(pdfdoc_image(d, not_png, sizeof(not_png)), -1);
	pdfdoc_page_break(d);
	pdfdoc_page_break(d);                         /* on an empty page: no new page */
	assert_int_equal(pdfdoc_page(d), 2);
	assert_int_equal(pdfdoc_close(d), 2);
	free(s.data);
}

static void test_metadata(void **state)
{
	struct sink s = { 0 };
	struct pdfdoc *d = pdfdoc_open(to_sink, &s, 1, &run);

	(void)state;
	pdfdoc_metadata(d, "Analysis", "envmond", "TJ", "envmon-report", 1772323200);
	pdfdoc_text(d, PDFDOC_BODY, "texte", false);
	assert_int_equal(pdfdoc_close(d), 1);
	s.data = realloc(s.data, s.size + 1);
	s.data[s.size] = '\0';
	assert_non_null(memmem(s.data, s.size, "/Title (Analysis)", 17));
	assert_non_null(memmem(s.data, s.size, "/Author (envmond)", 17));
	/* cairo 1.16 writes the date without its "D:" prefix */
	assert_non_null(memmem(s.data, s.size, "/CreationDate (", 15));
	assert_non_null(memmem(s.data, s.size, "20260301", 8));
	free(s.data);
}

static void test_write_error(void **state)
{
	struct sink s = { .fail = true };
	struct pdfdoc *d = pdfdoc_open(to_sink, &s, 0, &run);

	(void)state;
	assert_non_null(d);
	pdfdoc_text(d, PDFDOC_BODY, "texte", false);
	assert_int_equal(pdfdoc_close(d), -1);
	free(s.data);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_heading_kept_with_its_table),
		cmocka_unit_test(test_table_that_fits_a_page_is_moved_whole),
		cmocka_unit_test(test_long_table_runs_over_pages),
		cmocka_unit_test(test_two_columns),
		cmocka_unit_test(test_not_markup_and_bad_png),
		cmocka_unit_test(test_metadata),
		cmocka_unit_test(test_write_error),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
