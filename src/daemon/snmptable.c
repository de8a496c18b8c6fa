/* snmptable.c — walking SNMP table columns, choosing the rows that are instances,
 * and aggregating the instances' readings. */
#include <config.h>

#include <fnmatch.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "snmptable.h"
#include "xmem.h"

struct cell {
	oid sub[SNMPTABLE_INDEX_MAX];
	size_t sub_len;
	bool number;                     /* value holds a number */
	double value;
	char text[READING_INSTANCE_MAX]; /* an OCTET STRING, cleaned */
};

struct column {
	oid name[SNMPDEC_OID_MAX];
	size_t len;
	struct cell *cells;
	size_t n, cap;
	bool done;
};

struct snmptable_walk {
	struct column *cols;
	size_t n_cols, cur;
	bool bulk, failed;
	long reps;                        /* GETBULK max-repetitions, halved on tooBig */
	oid last[SNMPDEC_OID_MAX];        /* the OID the next request starts from */
	size_t last_len;
	unsigned requests;
};

bool snmptable_any(const struct profile *prof)
{
	for (size_t i = 0; i < prof->n_metrics; i++)
		if (prof->metrics[i].snmp_table)
			return true;
	return false;
}

/* ------------------------------------------------------------------ columns */

static struct column *find_column(const struct snmptable_walk *w, const oid *name, size_t len)
{
	for (size_t i = 0; i < w->n_cols; i++)
		if (snmp_oid_compare(w->cols[i].name, w->cols[i].len, name, len) == 0)
			return &w->cols[i];
	return NULL;
}

static struct column *column_of(const struct snmptable_walk *w, const char *text)
{
	oid name[SNMPDEC_OID_MAX];
	size_t len = text ? snmpdec_parse_oid(text, name, SNMPDEC_OID_MAX) : 0;

	return len ? find_column(w, name, len) : NULL;
}

static void add_column(struct snmptable_walk *w, const char *text)
{
	oid name[SNMPDEC_OID_MAX];
	size_t len = text ? snmpdec_parse_oid(text, name, SNMPDEC_OID_MAX) : 0;
	struct column *c;

	/* Room is left for a row index after the column. */
	if (len == 0 || len > SNMPDEC_OID_MAX - SNMPTABLE_INDEX_MAX || find_column(w, name, len))
		return;
	c = &w->cols[w->n_cols++];
	memcpy(c->name, name, len * sizeof(oid));
	c->len = len;
}

struct snmptable_walk *snmptable_walk_new(const struct profile *prof, bool bulk)
{
	struct snmptable_walk *w = xcalloc(1, sizeof(*w));
	size_t most = 0;

	for (size_t i = 0; i < prof->n_metrics; i++)
		if (prof->metrics[i].snmp_table)
			most += 4 + prof->metrics[i].snmp_table->n_label_oids + prof->metrics[i].snmp_table->n_unit_oids;
	w->cols = xcalloc(most + 1, sizeof(*w->cols));
	for (size_t i = 0; i < prof->n_metrics; i++) {
		const struct profile_metric *m = &prof->metrics[i];

		if (!m->snmp_table)
			continue;
		add_column(w, m->oid);
		add_column(w, m->fallback_oid);
		add_column(w, m->snmp_table->select_oid);
		add_column(w, m->snmp_table->fallback_select_oid);
		for (size_t k = 0; k < m->snmp_table->n_unit_oids; k++)
			add_column(w, m->snmp_table->unit_oids[k]);
		for (size_t k = 0; k < m->snmp_table->n_label_oids; k++)
			add_column(w, m->snmp_table->label_oids[k]);
	}
	w->bulk = bulk;
	w->reps = SNMPTABLE_BULK_REPS;
	if (w->n_cols) {
		memcpy(w->last, w->cols[0].name, w->cols[0].len * sizeof(oid));
		w->last_len = w->cols[0].len;
	}
	return w;
}

void snmptable_walk_free(struct snmptable_walk *w)
{
	if (!w)
		return;
	for (size_t i = 0; i < w->n_cols; i++)
		free(w->cols[i].cells);
	free(w->cols);
	free(w);
}

/* ------------------------------------------------------------------ walk */

/* The current column is finished: the next one starts from its own OID. */
static void next_column(struct snmptable_walk *w)
{
	w->cols[w->cur].done = true;
	if (++w->cur < w->n_cols) {
		memcpy(w->last, w->cols[w->cur].name, w->cols[w->cur].len * sizeof(oid));
		w->last_len = w->cols[w->cur].len;
	}
}

netsnmp_pdu *snmptable_walk_pdu(struct snmptable_walk *w)
{
	netsnmp_pdu *pdu;

	if (w->failed || w->cur >= w->n_cols)
		return NULL;
	pdu = snmp_pdu_create(w->bulk ? SNMP_MSG_GETBULK : SNMP_MSG_GETNEXT);
	if (w->bulk) {
		pdu->non_repeaters = 0;
		pdu->max_repetitions = w->reps;
	}
	snmp_add_null_var(pdu, w->last, w->last_len);
	w->requests++;
	return pdu;
}

static void index_text(const oid *sub, size_t len, char *out, size_t size);

/* The value of vb in cell: a number, a string (cleaned) or an OID as text. */
static void cell_value(struct cell *cell, const netsnmp_variable_list *vb)
{
	cell->number = snmpdec_varbind(vb, &cell->value) == SNMPDEC_OK;
	if (vb->type == ASN_OCTET_STR)
		snmptable_clean_label(vb->val.string, vb->val_len, cell->text, sizeof(cell->text));
	else if (vb->type == ASN_OBJECT_ID)   /* a row naming its kind by OID (LIEBERT-GP) */
		index_text(vb->val.objid, vb->val_len / sizeof(oid), cell->text, sizeof(cell->text));
}

/* take() checked that vb is in c's column, with at most SNMPTABLE_INDEX_MAX more. */
static void add_cell(struct column *c, const netsnmp_variable_list *vb)
{
	struct cell *cell;

	c->cells = xgrow(c->cells, &c->cap, c->n + 1, sizeof(*c->cells));
	cell = &c->cells[c->n++];
	memset(cell, 0, sizeof(*cell));
	cell->sub_len = vb->name_length - c->len;
	memcpy(cell->sub, vb->name + c->len, cell->sub_len * sizeof(oid));
	cell_value(cell, vb);
}

/* One varbind of the current column's walk; false when the column ends here. */
static bool take(struct snmptable_walk *w, const netsnmp_variable_list *vb)
{
	struct column *c = &w->cols[w->cur];

	if (snmpdec_exception_name(vb) || vb->name_length <= c->len ||
	    vb->name_length > c->len + SNMPTABLE_INDEX_MAX ||
	    snmp_oidtree_compare(c->name, c->len, vb->name, vb->name_length) != 0)
		return false;
	/* An agent that does not move forward would make the walk endless. */
	if (snmp_oid_compare(vb->name, vb->name_length, w->last, w->last_len) <= 0)
		return false;
	memcpy(w->last, vb->name, vb->name_length * sizeof(oid));
	w->last_len = vb->name_length;
	add_cell(c, vb);
	return c->n < SNMPTABLE_MAX_ROWS;
}

void snmptable_walk_answer(struct snmptable_walk *w, const netsnmp_pdu *pdu)
{
	const netsnmp_variable_list *vb;

	if (w->cur >= w->n_cols)
		return;
	if (pdu->errstat == SNMP_ERR_TOOBIG && w->bulk && w->reps > 1) {
		w->reps /= 2;          /* same start, fewer rows per answer */
		return;
	}
	/* SNMPv1 says noSuchName past the last object; any other error ends the column too. */
	if (pdu->errstat != SNMP_ERR_NOERROR || !pdu->variables) {
		next_column(w);
		return;
	}
	for (vb = pdu->variables; vb; vb = vb->next_variable)
		if (!take(w, vb)) {
			next_column(w);
			return;
		}
}

void snmptable_walk_fail(struct snmptable_walk *w)
{
	w->failed = true;
}

bool snmptable_walk_failed(const struct snmptable_walk *w)
{
	return w->failed;
}

unsigned snmptable_walk_requests(const struct snmptable_walk *w)
{
	return w->requests;
}

/* ------------------------------------------------------------------ selection */

static const struct cell *cell_at(const struct column *c, const oid *sub, size_t sub_len)
{
	for (size_t i = 0; c && i < c->n; i++)
		if (snmp_oid_compare(c->cells[i].sub, c->cells[i].sub_len, sub, sub_len) == 0)
			return &c->cells[i];
	return NULL;
}

/* True if c, a row's cell of the select column (NULL: none), keeps the row. */
static bool cell_selected(const struct profile_table *t, const struct cell *c)
{
	if (c && t->select_text)
		return fnmatch(t->select_text, c->text, 0) == 0;
	if (!c || !c->number)
		return false;
	for (size_t i = 0; i < t->n_select_values; i++)
		if ((double)t->select_values[i] == c->value)
			return true;
	return false;
}

/* The row's cell in a label, unit or status column: at its parent's index when the
 * table says so (parent_index_len). */
static const struct cell *parent_cell(const struct profile_table *t, const struct column *c, const struct cell *row)
{
	size_t len = t->parent_index_len && t->parent_index_len < row->sub_len ? t->parent_index_len : row->sub_len;

	return cell_at(c, row->sub, len);
}

static bool selected_value(const struct profile_table *t, const struct column *sel, const struct cell *row)
{
	if (!t->select_oid)
		return true;
	return cell_selected(t, cell_at(sel, row->sub, row->sub_len));
}

bool snmptable_varbind_selected(const struct profile_table *t, const netsnmp_variable_list *vb)
{
	struct cell c = { .sub_len = 0 };

	if (snmpdec_exception_name(vb))
		return false;
	cell_value(&c, vb);
	return cell_selected(t, &c);
}

/* The unit of a row: its cell in the first unit column that has one, or the column's
 * only cell when that unit_oid is a scalar (row .0) that holds for every row. */
static bool row_fahrenheit(const struct snmptable_walk *w, const struct profile_table *t, const struct cell *row)
{
	const struct cell *u = NULL;

	for (size_t k = 0; k < t->n_unit_oids && !u; k++) {
		const struct column *c = column_of(w, t->unit_oids[k]);

		u = parent_cell(t, c, row);
		if (!u && c && c->n == 1 && c->cells[0].sub_len == 1 && c->cells[0].sub[0] == 0)
			u = &c->cells[0];
	}
	if (!u || !u->number)
		return false;
	for (size_t i = 0; i < t->n_fahrenheit_values; i++)
		if ((double)t->fahrenheit_values[i] == u->value)
			return true;
	return false;
}

static void row_label(const struct snmptable_walk *w, const struct profile_table *t, const struct cell *row,
	char *out, size_t size)
{
	out[0] = '\0';
	for (size_t i = 0; i < t->n_label_oids && !out[0]; i++) {
		const struct cell *c = parent_cell(t, column_of(w, t->label_oids[i]), row);

		if (c)
			snprintf(out, size, "%s", c->text);
	}
}

static void index_text(const oid *sub, size_t len, char *out, size_t size)
{
	size_t used = 0;

	out[0] = '\0';
	for (size_t i = 0; i < len && used < size; i++) {
		int n = snprintf(out + used, size - used, "%s%lu", i ? "." : "", (unsigned long)sub[i]);

		if (n < 0)
			break;
		used += (size_t)n;
	}
}

/* True if a label column of row matches one of the n patterns. */
static bool row_matches(const struct snmptable_walk *w, const struct profile_table *t, const struct cell *row,
	char *const *patterns, size_t n)
{
	for (size_t i = 0; i < t->n_label_oids; i++) {
		const struct cell *c = parent_cell(t, column_of(w, t->label_oids[i]), row);

		for (size_t k = 0; c && k < n; k++)
			if (fnmatch(patterns[k], c->text, FNM_CASEFOLD) == 0)
				return true;
	}
	return false;
}

static bool any_row_matches(const struct snmptable_walk *w, const struct profile_table *t,
	const struct cell **rows, size_t n_rows, char *const *patterns, size_t n)
{
	for (size_t i = 0; i < n_rows; i++)
		if (row_matches(w, t, rows[i], patterns, n))
			return true;
	return false;
}

/* Of the n - first instances found for one metric, only the preferred ones stay when
 * there are some (and, with prefer_when, when some row is named like one of those);
 * returns the new count. */
static size_t keep_preferred(const struct snmptable_walk *w, const struct profile_table *t,
	struct snmptable_instance *in, const struct cell **rows, size_t first, size_t n)
{
	size_t kept = first;

	if (t->n_prefer_when && !any_row_matches(w, t, rows, n - first, t->prefer_when, t->n_prefer_when))
		return n;
	if (!any_row_matches(w, t, rows, n - first, t->prefer_patterns, t->n_prefer_patterns))
		return n;
	for (size_t i = first; i < n; i++)
		if (row_matches(w, t, rows[i - first], t->prefer_patterns, t->n_prefer_patterns))
			in[kept++] = in[i];
	return kept;
}

static size_t select_metric(const struct snmptable_walk *w, const struct profile *prof, size_t metric,
	struct snmptable_instance **out, size_t n, size_t *candidates)
{
	const struct cell **kept_rows = NULL;
	size_t first = n;
	const struct profile_metric *m = &prof->metrics[metric];
	const struct column *rows = column_of(w, m->oid), *sel = column_of(w, m->snmp_table->select_oid);
	bool from_fallback = false;

	if ((!rows || rows->n == 0) && m->fallback_oid) {
		rows = column_of(w, m->fallback_oid);
		from_fallback = true;
		if (m->snmp_table->fallback_select_oid)
			sel = column_of(w, m->snmp_table->fallback_select_oid);
	}
	for (size_t i = 0; rows && i < rows->n; i++) {
		const struct cell *row = &rows->cells[i];
		struct snmptable_instance in = { .metric = metric, .sub_len = row->sub_len };

		if (!selected_value(m->snmp_table, sel, row))
			continue;
		row_label(w, m->snmp_table, row, in.label, sizeof(in.label));
		if (m->snmp_table->select_pattern && fnmatch(m->snmp_table->select_pattern, in.label, FNM_CASEFOLD) != 0)
			continue;
		in.fahrenheit = row_fahrenheit(w, m->snmp_table, row);
		in.from_fallback = from_fallback;
		memcpy(in.sub, row->sub, row->sub_len * sizeof(oid));
		index_text(in.sub, in.sub_len, in.index, sizeof(in.index));
		index_text(in.sub, m->snmp_table->parent_index_len && m->snmp_table->parent_index_len < in.sub_len ?
			m->snmp_table->parent_index_len : in.sub_len, in.parent, sizeof(in.parent));
		*out = xrealloc(*out, (n + 1) * sizeof(**out));
		kept_rows = xrealloc(kept_rows, (n - first + 1) * sizeof(*kept_rows));
		kept_rows[n - first] = row;
		(*out)[n++] = in;
	}
	if (candidates)
		*candidates = n - first;
	if (m->snmp_table->n_prefer_patterns)
		n = keep_preferred(w, m->snmp_table, *out, kept_rows, first, n);
	free(kept_rows);
	return n;
}

size_t snmptable_select(const struct snmptable_walk *w, const struct profile *prof,
	struct snmptable_instance **out, size_t *candidates)
{
	size_t n = 0;

	*out = NULL;
	for (size_t i = 0; i < prof->n_metrics; i++)
		if (prof->metrics[i].snmp_table)
			n = select_metric(w, prof, i, out, n, candidates ? &candidates[i] : NULL);
	return n;
}

/* ------------------------------------------------------------------ aggregate */

static bool better(enum table_aggregate agg, double v, double best)
{
	switch (agg) {
	case AGG_MAX: return v > best;
	case AGG_MIN: return v < best;
	default: return false;
	}
}

void snmptable_aggregate(const struct profile_metric *m, size_t metric, const struct instance_reading *inst,
	size_t n, const struct reading *fallback, struct reading *out)
{
	const struct instance_reading *best = NULL, *invalid = NULL, *error = NULL;
	size_t n_idx;

	for (size_t i = 0; i < n; i++) {
		const struct instance_reading *ir = &inst[i];

		if (ir->metric != metric)
			continue;
		if (ir->r.status == READING_OK &&
		    (!best || better(m->snmp_table->aggregate, ir->r.value, best->r.value)))
			best = ir;
		if (ir->r.status == READING_INVALID && !invalid)
			invalid = ir;
		if (ir->r.status == READING_ERROR && !error)
			error = ir;
	}
	/* A single-phase UPS has no phase row; a card whose phases all say "not
	 * supported" still gives its total. */
	if (!best && fallback && (fallback->status == READING_OK || (!invalid && !error))) {
		*out = *fallback;
		out->instance[0] = '\0';
		out->from_fallback_metric = true;
		return;
	}
	best = best ? best : invalid ? invalid : error;
	if (!best) {
		*out = (struct reading){ READING_ABSENT, NAN, NAN, false, "" };
		return;
	}
	*out = best->r;
	n_idx = strlen(best->index);
	if (n_idx + 2 >= sizeof(out->instance))
		n_idx = 0;
	memcpy(out->instance, best->index, n_idx);
	out->instance[n_idx] = '\0';
	/* The label is cut on a character boundary to fit after the index. */
	if (best->label[0] && n_idx > 0) {
		out->instance[n_idx] = ' ';
		snmptable_clean_label((const unsigned char *)best->label, strlen(best->label), out->instance + n_idx + 1,
			sizeof(out->instance) - n_idx - 1);
	}
}

/* ------------------------------------------------------------------ labels */

/* Length of the UTF-8 sequence that starts with byte b, 1 for anything else. */
static size_t utf8_len(unsigned char b)
{
	return b >= 0xf0 && b < 0xf8 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
}

void snmptable_clean_label(const unsigned char *text, size_t len, char *out, size_t size)
{
	size_t o = 0;

	/* Fixed-width strings come padded with blanks or NULs. */
	while (len > 0 && (text[len - 1] == '\0' || text[len - 1] == ' '))
		len--;
	for (size_t i = 0; i < len;) {
		size_t k = utf8_len(text[i]);

		if (o + k >= size)
			break;
		for (size_t j = 0; j < k && i < len; j++, i++)
			out[o++] = text[i] < 0x20 || text[i] == 0x7f ? '?' : (char)text[i];
	}
	out[o] = '\0';
}
