/* mbplan.c — grouping a device's Modbus metrics into few read requests. */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "mbplan.h"
#include "xmem.h"

bool mbplan_is_bits(enum modbus_table table)
{
	return table == MB_COILS || table == MB_DISCRETE_INPUTS;
}

static int item_cmp(const void *a, const void *b)
{
	const struct mbplan_item *x = a, *y = b;

	if (x->table != y->table)
		return x->table < y->table ? -1 : 1;
	if (x->address != y->address)
		return x->address < y->address ? -1 : 1;
	/* Same start: profile order, so that the plan is stable. */
	return x->metric < y->metric ? -1 : x->metric > y->metric;
}

static void fill_items(struct mbplan *plan, const struct profile_metric *metrics, size_t n)
{
	plan->items = xcalloc(n + 1, sizeof(*plan->items));
	plan->n_items = n;
	for (size_t i = 0; i < n; i++) {
		const struct profile_metric *m = &metrics[i];

		plan->items[i] = (struct mbplan_item){ .metric = i, .table = m->table,
			.address = m->address, .width = profile_metric_width(m),
			.type = m->type, .order = m->order, .bit = m->bit };
	}
	qsort(plan->items, n, sizeof(*plan->items), item_cmp);
}

/* Can item join the request r (which ends at end)? */
static bool joins(const struct mbplan_request *r, unsigned end, const struct mbplan_item *item,
	unsigned gap_registers, unsigned gap_bits)
{
	bool bits = mbplan_is_bits(r->table);
	unsigned new_end = item->address + item->width;

	if (item->table != r->table)
		return false;
	if (item->address > end && item->address - end > (bits ? gap_bits : gap_registers))
		return false;
	if (new_end < end)
		new_end = end;
	return new_end - r->address <= (bits ? MBPLAN_MAX_BITS : MBPLAN_MAX_REGISTERS);
}

void mbplan_build(struct mbplan *plan, const struct profile_metric *metrics, size_t n,
	unsigned gap_registers, unsigned gap_bits)
{
	struct mbplan_request *r = NULL;
	unsigned end = 0;

	memset(plan, 0, sizeof(*plan));
	fill_items(plan, metrics, n);
	plan->reqs = xcalloc(n + 1, sizeof(*plan->reqs));
	for (size_t i = 0; i < n; i++) {
		const struct mbplan_item *it = &plan->items[i];

		if (!r || !joins(r, end, it, gap_registers, gap_bits)) {
			r = &plan->reqs[plan->n_reqs++];
			*r = (struct mbplan_request){ .table = it->table, .address = it->address, .first = i };
			end = it->address;
		}
		r->n++;
		if (it->address + it->width > end)
			end = it->address + it->width;
		r->count = end - r->address;
	}
}

void mbplan_free(struct mbplan *plan)
{
	free(plan->items);
	free(plan->reqs);
	memset(plan, 0, sizeof(*plan));
}
