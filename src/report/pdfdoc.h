/* pdfdoc.h — a small page layout engine over cairo's PDF surface and pango, for the
 * report's PDF form: A4 portrait, a running header and footer ("page N / M"), text
 * blocks, tables that repeat their heading line and are never left alone at the bottom
 * of a page, headings kept with what follows them, and PNG images. Text is pango markup
 * (escape what the configuration or a device says with g_markup_printf_escaped). */
#ifndef PDFDOC_H
#define PDFDOC_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <time.h>

#include <cairo.h>

/* A4 in PostScript points, and the width of the text between the margins. */
#define PDFDOC_PAGE_W 595.276
#define PDFDOC_PAGE_H 841.89
#define PDFDOC_TEXT_W (PDFDOC_PAGE_W - 2 * 40.0)

enum pdfdoc_style {
	PDFDOC_BODY,
	PDFDOC_META,       /* grey, smaller: roles, who shares a piece of evidence */
	PDFDOC_FINDING,    /* dark red, bold: a finding the reader must not miss */
	PDFDOC_ALERT,      /* a framed paragraph: what the document lacks */
	PDFDOC_TITLE,
	PDFDOC_H2,         /* a section, ruled */
	PDFDOC_H3,
	PDFDOC_H4,
	PDFDOC_LIST,       /* an item of a list, indented */
};

struct pdfdoc_running {
	const char *head_left, *head_right;   /* court; period */
	const char *foot_left;                /* issuer */
	const char *page_word;                /* "page", translated */
};

struct pdfdoc;
struct pdfdoc_table;

/* A document written through write(closure, …). total_pages: the number printed after
 * "page N / " (0: none yet, for a first pass that counts the pages). NULL when cairo
 * cannot create the surface. */
struct pdfdoc *pdfdoc_open(cairo_write_func_t write, void *closure, int total_pages,
	const struct pdfdoc_running *run);
/* pdfdoc_open writing to out, or counting the pages only when out is NULL. */
struct pdfdoc *pdfdoc_open_file(FILE *out, int total_pages, const struct pdfdoc_running *run);
/* The document information dictionary: title, author, subject, creator, creation date. */
void pdfdoc_metadata(struct pdfdoc *d, const char *title, const char *author,
	const char *subject, const char *creator, time_t created);
/* Ends the document: the number of pages, or -1 when cairo failed (writing included). */
int pdfdoc_close(struct pdfdoc *d);

/* A block of text (pango markup). keep_with_next: drawn on the same page as the block
 * that follows (headings, the line that introduces a table). */
void pdfdoc_text(struct pdfdoc *d, enum pdfdoc_style st, const char *markup,
	bool keep_with_next);
/* pdfdoc_text with a printf-style format whose arguments are escaped as markup
 * (g_markup_vprintf_escaped): what the configuration or a device says is drawn as it is. */
void pdfdoc_textf(struct pdfdoc *d, enum pdfdoc_style st, bool keep_with_next,
	const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void pdfdoc_vtextf(struct pdfdoc *d, enum pdfdoc_style st, bool keep_with_next,
	const char *fmt, va_list ap) __attribute__((format(printf, 4, 0)));
/* The blocks that follow in n columns (1 or 2): a block that does not fit in the first
 * column goes to the top of the second, then to the next page. Back to 1, the text
 * continues under the longer column. */
void pdfdoc_columns(struct pdfdoc *d, int n);
/* The page being drawn (1 for the first), and the points left on it. */
int pdfdoc_page(const struct pdfdoc *d);
double pdfdoc_room(const struct pdfdoc *d);
/* The next block starts a new page (unless the current one is still empty). */
void pdfdoc_page_break(struct pdfdoc *d);
/* A PNG image across the text width, never cut; -1 when it cannot be decoded. */
int pdfdoc_image(struct pdfdoc *d, const unsigned char *png, size_t size);

/* A table of n_cols columns, widths as shares of the text width (summing to 1). With
 * head, its first row is a heading line, repeated on each page the table runs over. */
struct pdfdoc_table *pdfdoc_table_new(size_t n_cols, const double *widths, bool head);
/* The next cell, row by row (pango markup). */
void pdfdoc_table_cell(struct pdfdoc_table *t, const char *markup);
/* pdfdoc_table_cell with a printf-style format whose arguments are escaped. */
void pdfdoc_table_cellf(struct pdfdoc_table *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Draws the table (and frees it): on one page when it fits on one. */
void pdfdoc_table_end(struct pdfdoc *d, struct pdfdoc_table *t);
/* Frees a table without drawing it. */
void pdfdoc_table_free(struct pdfdoc_table *t);

#endif
