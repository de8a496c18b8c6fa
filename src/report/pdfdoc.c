/* pdfdoc.c — the page layout engine of the PDF report (see pdfdoc.h). Each block is laid
 * out by pango before it is drawn, so its height is known: a block that does not fit in
 * what is left of the page goes to the next one, with the headings kept before it. */
#include <config.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cairo-pdf.h>
#include <pango/pangocairo.h>

#include "pdfdoc.h"
#include "xmem.h"

#define MARGIN_X 40.0
#define MARGIN_TOP 58.0
#define MARGIN_BOTTOM 54.0
#define BOTTOM (PDFDOC_PAGE_H - MARGIN_BOTTOM)
#define CELL_PAD 3.0
#define MAX_PENDING 8
#define COLUMN_GAP 14.0

struct block {
	PangoLayout *layout;
	enum pdfdoc_style style;
	double space, h;           /* space before it, its height (points) */
};

struct pdfdoc {
	cairo_surface_t *surface;
	cairo_t *cr;
	PangoContext *pango;       /* at 72 dpi: a font's size is in the page's points */
	struct pdfdoc_running run;
	int total, page;
	double y;                  /* where the next block starts */
	bool fresh;                /* nothing drawn on this page (or column) yet */
	int cols, col;             /* 1 or 2 columns; the one being filled */
	double col_top, col0_end;  /* where the columns start on this page; column 0's end */
	struct block pending[MAX_PENDING];   /* kept with the next block */
	size_t n_pending;
};

struct pdfdoc_table {
	size_t n_cols;
	bool head;                 /* its first row is a heading line */
	double *widths;
	char **cells;
	size_t n_cells, cap;
};

static const struct {
	const char *font;
	double space;
	unsigned rgb;
	double indent;
} styles[] = {
	[PDFDOC_BODY] = { "DejaVu Sans 9.5", 4, 0x222222, 0 },
	[PDFDOC_META] = { "DejaVu Sans 8.5", 2, 0x555555, 0 },
	[PDFDOC_FINDING] = { "DejaVu Sans Bold 9.5", 4, 0x78281F, 0 },
	[PDFDOC_ALERT] = { "DejaVu Sans 9.5", 8, 0x78281F, 6 },
	[PDFDOC_TITLE] = { "DejaVu Sans Bold 17", 0, 0x222222, 0 },
	[PDFDOC_H2] = { "DejaVu Sans Bold 13", 16, 0x1F4E79, 0 },
	[PDFDOC_H3] = { "DejaVu Sans Bold 11", 10, 0x222222, 0 },
	[PDFDOC_H4] = { "DejaVu Sans Bold 9.5", 7, 0x222222, 0 },
	[PDFDOC_LIST] = { "DejaVu Sans 9.5", 3, 0x222222, 14 },
};

static void set_rgb(cairo_t *cr, unsigned rgb)
{
	cairo_set_source_rgb(cr, (rgb >> 16 & 0xff) / 255.0, (rgb >> 8 & 0xff) / 255.0,
		(rgb & 0xff) / 255.0);
}

/* markup laid out in font over width points; text that is not valid markup (it
 * should always be) is shown as it is rather than lost. */
static PangoLayout *layout_new(PangoContext *ctx, const char *font, const char *markup,
	double width)
{
	PangoLayout *l = pango_layout_new(ctx);
	PangoFontDescription *fd = pango_font_description_from_string(font);
	/* a configuration written in Latin-1 gives bytes that are not UTF-8: U+FFFD instead */
	char *valid = g_utf8_make_valid(markup, -1);

	pango_layout_set_font_description(l, fd);
	pango_font_description_free(fd);
	pango_layout_set_width(l, (int)(width * PANGO_SCALE));
	pango_layout_set_wrap(l, PANGO_WRAP_WORD_CHAR);
	if (pango_parse_markup(valid, -1, 0, NULL, NULL, NULL, NULL))
		pango_layout_set_markup(l, valid, -1);
	else
		pango_layout_set_text(l, valid, -1);
	g_free(valid);
	return l;
}

static double layout_h(PangoLayout *l)
{
	int w, h;

	pango_layout_get_size(l, &w, &h);
	return (double)h / PANGO_SCALE;
}

static void draw_layout(cairo_t *cr, PangoLayout *l, double x, double y, unsigned rgb)
{
	set_rgb(cr, rgb);
	cairo_move_to(cr, x, y);
	pango_cairo_show_layout(cr, l);
}

/* One line of the running header or footer: left and right texts at baseline y. */
static void running_line(struct pdfdoc *d, const char *left, const char *right, double y,
	double left_share)
{
	double wl = PDFDOC_TEXT_W * left_share, wr = PDFDOC_TEXT_W - wl - 8;
	PangoLayout *l = layout_new(d->pango, "DejaVu Sans 7.5", left ? left : "", wl);
	PangoLayout *r = layout_new(d->pango, "DejaVu Sans 7.5", right ? right : "", wr);

	pango_layout_set_alignment(r, PANGO_ALIGN_RIGHT);
	draw_layout(d->cr, l, MARGIN_X, y, 0x555555);
	draw_layout(d->cr, r, MARGIN_X + wl + 8, y, 0x555555);
	g_object_unref(l);
	g_object_unref(r);
}

static double col_w(const struct pdfdoc *d)
{
	return d->cols == 2 ? (PDFDOC_TEXT_W - COLUMN_GAP) / 2 : PDFDOC_TEXT_W;
}

static double col_x(const struct pdfdoc *d)
{
	return MARGIN_X + d->col * (col_w(d) + COLUMN_GAP);
}

static void new_page(struct pdfdoc *d)
{
	char num[64];

	if (d->page > 0)
		cairo_show_page(d->cr);
	d->page++;
	running_line(d, d->run.head_left, d->run.head_right, 26, 0.5);
	set_rgb(d->cr, 0xbbbbbb);
	cairo_set_line_width(d->cr, 0.5);
	cairo_move_to(d->cr, MARGIN_X, 40);
	cairo_line_to(d->cr, MARGIN_X + PDFDOC_TEXT_W, 40);
	cairo_stroke(d->cr);
	if (d->total > 0)
		snprintf(num, sizeof(num), "%s %d / %d", d->run.page_word, d->page, d->total);
	else
		snprintf(num, sizeof(num), "%s %d", d->run.page_word, d->page);
	running_line(d, d->run.foot_left, num, PDFDOC_PAGE_H - 36, 0.8);
	d->y = d->col_top = MARGIN_TOP;
	d->col = 0;
	d->fresh = true;
}

/* Where a block that does not fit goes: the second column, or the next page. */
static void next_frame(struct pdfdoc *d)
{
	if (d->cols == 2 && d->col == 0) {
		d->col0_end = d->y;
		d->col = 1;
		d->y = d->col_top;
		d->fresh = true;
	} else {
		new_page(d);
	}
}

struct pdfdoc *pdfdoc_open(cairo_write_func_t write, void *closure, int total_pages,
	const struct pdfdoc_running *run)
{
	struct pdfdoc *d = xcalloc(1, sizeof(*d));

	d->surface = cairo_pdf_surface_create_for_stream(write, closure, PDFDOC_PAGE_W,
		PDFDOC_PAGE_H);
	if (cairo_surface_status(d->surface) != CAIRO_STATUS_SUCCESS) {
		cairo_surface_destroy(d->surface);
		free(d);
		return NULL;
	}
	d->cr = cairo_create(d->surface);
	/* pango's cairo context defaults to 96 dpi, which would draw a 9.5 pt font at 12.7 */
	d->pango = pango_cairo_create_context(d->cr);
	pango_cairo_context_set_resolution(d->pango, 72);
	d->run = *run;
	d->total = total_pages;
	d->cols = 1;
	new_page(d);
	return d;
}

static cairo_status_t write_file(void *closure, const unsigned char *data, unsigned int len)
{
	return fwrite(data, 1, len, closure) == len ? CAIRO_STATUS_SUCCESS : CAIRO_STATUS_WRITE_ERROR;
}

static cairo_status_t write_nothing(void *closure, const unsigned char *data, unsigned int len)
{
	(void)closure, (void)data, (void)len;
	return CAIRO_STATUS_SUCCESS;
}

struct pdfdoc *pdfdoc_open_file(FILE *out, int total_pages, const struct pdfdoc_running *run)
{
	return pdfdoc_open(out ? write_file : write_nothing, out, total_pages, run);
}

void pdfdoc_metadata(struct pdfdoc *d, const char *title, const char *author,
	const char *subject, const char *creator, time_t created)
{
	char date[64];
	struct tm tm;

	long off;

	localtime_r(&created, &tm);
	off = tm.tm_gmtoff / 60;
	/* ISO 8601 with the offset, which cairo writes as the PDF date D:… */
	snprintf(date, sizeof(date), "%04d-%02d-%02dT%02d:%02d:%02d%c%02ld:%02ld",
		tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		off < 0 ? '-' : '+', labs(off) / 60, labs(off) % 60);
	cairo_pdf_surface_set_metadata(d->surface, CAIRO_PDF_METADATA_TITLE, title);
	cairo_pdf_surface_set_metadata(d->surface, CAIRO_PDF_METADATA_AUTHOR, author);
	cairo_pdf_surface_set_metadata(d->surface, CAIRO_PDF_METADATA_SUBJECT, subject);
	cairo_pdf_surface_set_metadata(d->surface, CAIRO_PDF_METADATA_CREATOR, creator);
	cairo_pdf_surface_set_metadata(d->surface, CAIRO_PDF_METADATA_CREATE_DATE, date);
}

static void free_pending(struct pdfdoc *d)
{
	for (size_t i = 0; i < d->n_pending; i++)
		g_object_unref(d->pending[i].layout);
	d->n_pending = 0;
}

int pdfdoc_close(struct pdfdoc *d)
{
	int pages = d->page;
	cairo_status_t st;

	free_pending(d);
	g_object_unref(d->pango);
	cairo_destroy(d->cr);
	cairo_surface_finish(d->surface);
	st = cairo_surface_status(d->surface);
	cairo_surface_destroy(d->surface);
	free(d);
	return st == CAIRO_STATUS_SUCCESS ? pages : -1;
}

static double block_space(const struct pdfdoc *d, double space)
{
	return d->fresh ? 0 : space;
}

/* What a block adds to its text: an alert's frame, a section's rule. */
static double block_extra(enum pdfdoc_style st)
{
	return st == PDFDOC_ALERT ? 8 : st == PDFDOC_H2 ? 5 : 0;
}

static void draw_block(struct pdfdoc *d, struct block *b)
{
	double x = col_x(d) + styles[b->style].indent;

	d->y += block_space(d, b->space);
	if (b->style == PDFDOC_ALERT) {
		set_rgb(d->cr, 0x78281F);
		cairo_set_line_width(d->cr, 1.2);
		cairo_rectangle(d->cr, col_x(d), d->y, col_w(d), b->h + 8);
		cairo_stroke(d->cr);
		d->y += 4;
	}
	draw_layout(d->cr, b->layout, x, d->y, styles[b->style].rgb);
	d->y += b->h;
	if (b->style == PDFDOC_ALERT)
		d->y += 4;
	if (b->style == PDFDOC_H2) {
		set_rgb(d->cr, 0x1F4E79);
		cairo_set_line_width(d->cr, 1.5);
		cairo_move_to(d->cr, col_x(d), d->y + 2);
		cairo_line_to(d->cr, col_x(d) + col_w(d), d->y + 2);
		cairo_stroke(d->cr);
		d->y += 5;
	}
	d->fresh = false;
}

/* Room for the pending blocks and h more points: a new page when they do not fit
 * (unless this one is empty: a block taller than a page is cut, not moved forever).
 * Then the pending blocks are drawn. */
static void place(struct pdfdoc *d, double h)
{
	double need = h;

	for (size_t i = 0; i < d->n_pending; i++)
		need += block_space(d, d->pending[i].space) + d->pending[i].h +
			block_extra(d->pending[i].style);
	if (d->y + need > BOTTOM && !d->fresh)
		next_frame(d);
	for (size_t i = 0; i < d->n_pending; i++)
		draw_block(d, &d->pending[i]);
	free_pending(d);
}

void pdfdoc_text(struct pdfdoc *d, enum pdfdoc_style st, const char *markup,
	bool keep_with_next)
{
	double w = col_w(d) - 2 * styles[st].indent;
	struct block b = { layout_new(d->pango, styles[st].font, markup, w), st, styles[st].space, 0 };

	b.h = layout_h(b.layout);
	if (keep_with_next && d->n_pending < MAX_PENDING) {
		d->pending[d->n_pending++] = b;
		return;
	}
	place(d, block_space(d, b.space) + b.h + block_extra(st));
	draw_block(d, &b);
	g_object_unref(b.layout);
}

void pdfdoc_vtextf(struct pdfdoc *d, enum pdfdoc_style st, bool keep_with_next,
	const char *fmt, va_list ap)
{
	char *m = g_markup_vprintf_escaped(fmt, ap);

	pdfdoc_text(d, st, m, keep_with_next);
	g_free(m);
}

void pdfdoc_textf(struct pdfdoc *d, enum pdfdoc_style st, bool keep_with_next,
	const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	pdfdoc_vtextf(d, st, keep_with_next, fmt, ap);
	va_end(ap);
}

void pdfdoc_columns(struct pdfdoc *d, int n)
{
	if (n == 2 && d->cols == 1) {
		/* the headings before the columns across the page, with room under them */
		place(d, 200);
		d->cols = 2;
		d->col = 0;
		d->col_top = d->y + block_space(d, 6);
		d->y = d->col_top;
	} else if (n == 1 && d->cols == 2) {
		if (d->col == 1 && d->col0_end > d->y)
			d->y = d->col0_end;
		d->cols = 1;
		d->col = 0;
	}
}

int pdfdoc_page(const struct pdfdoc *d)
{
	return d->page;
}

double pdfdoc_room(const struct pdfdoc *d)
{
	return BOTTOM - d->y;
}

void pdfdoc_page_break(struct pdfdoc *d)
{
	if (!d->fresh)
		new_page(d);
}

struct png_reader {
	const unsigned char *data;
	size_t size, at;
};

static cairo_status_t read_png(void *closure, unsigned char *buf, unsigned int len)
{
	struct png_reader *r = closure;

	if (r->size - r->at < len)
		return CAIRO_STATUS_READ_ERROR;
	memcpy(buf, r->data + r->at, len);
	r->at += len;
	return CAIRO_STATUS_SUCCESS;
}

int pdfdoc_image(struct pdfdoc *d, const unsigned char *png, size_t size)
{
	struct png_reader r = { png, size, 0 };
	cairo_surface_t *img = cairo_image_surface_create_from_png_stream(read_png, &r);
	double scale, h;

	if (cairo_surface_status(img) != CAIRO_STATUS_SUCCESS) {
		cairo_surface_destroy(img);
		return -1;
	}
	scale = col_w(d) / cairo_image_surface_get_width(img);
	h = cairo_image_surface_get_height(img) * scale;
	place(d, block_space(d, 6) + h);
	d->y += block_space(d, 6);
	cairo_save(d->cr);
	cairo_translate(d->cr, col_x(d), d->y);
	cairo_scale(d->cr, scale, scale);
	cairo_set_source_surface(d->cr, img, 0, 0);
	cairo_paint(d->cr);
	cairo_restore(d->cr);
	cairo_surface_destroy(img);
	d->y += h;
	d->fresh = false;
	return 0;
}

struct pdfdoc_table *pdfdoc_table_new(size_t n_cols, const double *widths, bool head)
{
	struct pdfdoc_table *t = xcalloc(1, sizeof(*t));

	t->head = head;
	t->n_cols = n_cols;
	t->widths = xmalloc(n_cols * sizeof(*t->widths));
	memcpy(t->widths, widths, n_cols * sizeof(*t->widths));
	return t;
}

void pdfdoc_table_cell(struct pdfdoc_table *t, const char *markup)
{
	t->cells = xgrow(t->cells, &t->cap, t->n_cells + 1, sizeof(*t->cells));
	t->cells[t->n_cells++] = xstrdup(markup ? markup : "");
}

void pdfdoc_table_cellf(struct pdfdoc_table *t, const char *fmt, ...)
{
	va_list ap;
	char *m;

	va_start(ap, fmt);
	m = g_markup_vprintf_escaped(fmt, ap);
	va_end(ap);
	pdfdoc_table_cell(t, m);
	g_free(m);
}

void pdfdoc_table_free(struct pdfdoc_table *t)
{
	for (size_t i = 0; i < t->n_cells; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t->widths);
	free(t);
}

/* The layouts of row i (n_cols of them, into l) and the row's height. */
static double row_layouts(struct pdfdoc *d, const struct pdfdoc_table *t, size_t i,
	PangoLayout **l)
{
	double h = 0;

	for (size_t c = 0; c < t->n_cols; c++) {
		size_t k = i * t->n_cols + c;
		const char *font = i == 0 && t->head ? "DejaVu Sans Bold 8" : "DejaVu Sans 8";
		double w = t->widths[c] * col_w(d) - 2 * CELL_PAD;

		l[c] = layout_new(d->pango, font, k < t->n_cells ? t->cells[k] : "", w);
		if (layout_h(l[c]) > h)
			h = layout_h(l[c]);
	}
	return h + 2 * CELL_PAD;
}

static void draw_row(struct pdfdoc *d, const struct pdfdoc_table *t, PangoLayout **l,
	double h, bool head)
{
	double x = col_x(d);

	cairo_set_line_width(d->cr, 0.5);
	for (size_t c = 0; c < t->n_cols; c++) {
		double w = t->widths[c] * col_w(d);

		cairo_rectangle(d->cr, x, d->y, w, h);
		set_rgb(d->cr, head ? 0xEEF2F7 : 0xFFFFFF);
		cairo_fill_preserve(d->cr);
		set_rgb(d->cr, 0xBBBBBB);
		cairo_stroke(d->cr);
		draw_layout(d->cr, l[c], x + CELL_PAD, d->y + CELL_PAD, 0x222222);
		x += w;
	}
	d->y += h;
	d->fresh = false;
}

static void free_layouts(PangoLayout **l, size_t n)
{
	for (size_t i = 0; i < n; i++)
		g_object_unref(l[i]);
	free(l);
}

/* A table that fits on a page is drawn on one; a longer one starts with at least its
 * heading and three rows, and repeats its heading on each new page. */
void pdfdoc_table_end(struct pdfdoc *d, struct pdfdoc_table *t)
{
	size_t n_rows = (t->n_cells + t->n_cols - 1) / t->n_cols;
	PangoLayout **l = xcalloc(n_rows * t->n_cols, sizeof(*l));
	double *h = xcalloc(n_rows, sizeof(*h)), total = 6, first = 6;

	for (size_t i = 0; i < n_rows; i++) {
		h[i] = row_layouts(d, t, i, &l[i * t->n_cols]);
		total += h[i];
		if (i < 4)
			first += h[i];
	}
	place(d, total <= BOTTOM - MARGIN_TOP ? total : first);
	d->y += block_space(d, 6);
	for (size_t i = 0; i < n_rows; i++) {
		if (i > 0 && d->y + h[i] > BOTTOM) {
			next_frame(d);
			if (t->head)
				draw_row(d, t, l, h[0], true);
		}
		draw_row(d, t, &l[i * t->n_cols], h[i], i == 0 && t->head);
	}
	free_layouts(l, n_rows * t->n_cols);
	free(h);
	pdfdoc_table_free(t);
}
