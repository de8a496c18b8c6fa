/* snmpitems.c — the OIDs an SNMP device reads at each poll (see snmpitems.h). */
#include <config.h>

#include <assert.h>
#include <stdlib.h>

#include "snmpitems.h"
#include "xmem.h"

_Static_assert(SNMPDEC_OID_MAX <= UINT16_MAX, "an item's name length fits its field");

static void add_item(struct snmp_items *p, size_t metric, enum item_role role, const char *text, int *slot)
{
	oid buf[SNMPDEC_OID_MAX];
	size_t len = snmpdec_parse_oid(text, buf, SNMPDEC_OID_MAX);
	struct item *it = &p->items[p->n_items];

	/* profile.c validated every OID with the same parser and limit (oidtext.h). */
	assert(len > 0);
	assert(p->n_items < p->cap_items);
	assert(metric <= UINT32_MAX && p->n_oids + len <= UINT32_MAX);
	it->metric = (uint32_t)metric;
	it->role = (uint8_t)role;
	p->oids = xgrow(p->oids, &p->cap_oids, p->n_oids + len, sizeof(*p->oids));
	it->name_off = (uint32_t)p->n_oids;
	for (size_t j = 0; j < len; j++)
		p->oids[p->n_oids++] = (uint32_t)buf[j];
	it->name_len = (uint16_t)len;
	*slot = (int)p->n_items++;
}

/* An OID of a table metric's instance: the column, then the row index. */
static char *row_oid(const char *column, const struct snmptable_instance *in)
{
	return column ? xasprintf("%s.%s", column, in->index) : NULL;
}

/* The same for a status column, indexed like the row's parent (parent_index_len). */
static char *parent_oid(const char *column, const struct snmptable_instance *in)
{
	return column ? xasprintf("%s.%s", column, in->parent) : NULL;
}

static void add_item_opt(struct snmp_items *p, size_t slot, enum item_role role, const char *text, int *out)
{
	*out = -1;
	if (text)
		add_item(p, slot, role, text, out);
}

/* The items of one slot: its value OID and those read with it. */
static void add_slot(struct snmp_items *p, size_t slot, const struct profile_metric *m,
	const struct snmptable_instance *in)
{
	struct metric_items *mi = &p->mi[slot];
	char *main = in ? row_oid(m->oid, in) : xstrdup(m->oid);
	char *fb = in ? row_oid(m->fallback_oid, in) : NULL;
	char *sc = in ? row_oid(m->sensor_scale_oid, in) : NULL;
	char *pr = in ? row_oid(m->sensor_precision_oid, in) : NULL;
	char *st = in ? parent_oid(in->from_fallback && m->fallback_status_oid ? m->fallback_status_oid :
		m->sensor_status_oid, in) : NULL;
	char *ov = in ? row_oid(m->override_oid, in) : NULL;
	char *sel = in && m->snmp_table->select_each_poll ? row_oid(in->from_fallback &&
		m->snmp_table->fallback_select_oid ? m->snmp_table->fallback_select_oid : m->snmp_table->select_oid, in) : NULL;

	add_item(p, slot, ITEM_MAIN, main, &mi->main);
	add_item_opt(p, slot, ITEM_FALLBACK, in ? fb : m->fallback_oid, &mi->fallback);
	add_item_opt(p, slot, ITEM_SCALE, in ? sc : m->sensor_scale_oid, &mi->scale);
	add_item_opt(p, slot, ITEM_PRECISION, in ? pr : m->sensor_precision_oid, &mi->precision);
	add_item_opt(p, slot, ITEM_STATUS, in ? st : m->sensor_status_oid, &mi->status);
	add_item_opt(p, slot, ITEM_OVERRIDE, in ? ov : m->override_oid, &mi->override);
	add_item_opt(p, slot, ITEM_SELECT, sel, &mi->select);
	free(main);
	free(fb);
	free(sc);
	free(pr);
	free(st);
	free(ov);
	free(sel);
}

/* The most items add_slot makes for one slot of m (the status OID is one of two; the
 * select cell only for a table instance). */
static size_t slot_items(const struct profile_metric *m)
{
	return 1 + (m->fallback_oid != NULL) + (m->sensor_scale_oid != NULL) +
		(m->sensor_precision_oid != NULL) + (m->override_oid != NULL) +
		(m->sensor_status_oid != NULL || m->fallback_status_oid != NULL) +
		(m->snmp_table != NULL && m->snmp_table->select_each_poll);
}

/* The table is sized for the items made, not 6 per slot: a UPS has 22 items of 103
 * (4.5 KB a device). */
void snmpitems_build(struct snmp_items *p, const struct profile *prof, const struct snmptable_instance *inst,
	size_t n_inst)
{
	size_t slots = prof->n_metrics + n_inst, n = 0;

	*p = (struct snmp_items){ 0 };
	for (size_t i = 0; i < prof->n_metrics; i++)
		if (!prof->metrics[i].snmp_table)
			n += slot_items(&prof->metrics[i]);
	for (size_t k = 0; k < n_inst; k++)
		n += slot_items(&prof->metrics[inst[k].metric]);
	p->items = xcalloc(n + 1, sizeof(*p->items));
	p->cap_items = n;
	p->mi = xcalloc(slots + 1, sizeof(*p->mi));
	for (size_t i = 0; i < prof->n_metrics; i++) {
		p->mi[i] = (struct metric_items){ -1, -1, -1, -1, -1, -1, -1 };
		if (!prof->metrics[i].snmp_table)
			add_slot(p, i, &prof->metrics[i], NULL);
	}
	for (size_t k = 0; k < n_inst; k++)
		add_slot(p, prof->n_metrics + k, &prof->metrics[inst[k].metric], &inst[k]);
	/* The pool is kept until the next walk: no slack left in it. */
	p->cap_oids = p->n_oids + 1;
	p->oids = xrealloc(p->oids, p->cap_oids * sizeof(*p->oids));
}

void snmpitems_free(struct snmp_items *p)
{
	free(p->items);
	free(p->oids);
	free(p->mi);
	*p = (struct snmp_items){ 0 };
}

size_t snmpitems_name(const struct snmp_items *p, const struct item *it, oid *out)
{
	for (size_t j = 0; j < it->name_len; j++)
		out[j] = p->oids[it->name_off + j];
	return it->name_len;
}

bool snmpitems_named(const struct snmp_items *p, const struct item *it, const netsnmp_variable_list *vb)
{
	if (vb->name_length != it->name_len)
		return false;
	for (size_t j = 0; j < it->name_len; j++)
		if (vb->name[j] != p->oids[it->name_off + j])
			return false;
	return true;
}
