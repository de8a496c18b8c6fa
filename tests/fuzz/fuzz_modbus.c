/* fuzz_modbus.c — libFuzzer harness for the Modbus read plan and value decoding.
 * Input: a profile's Modbus metrics, 6 bytes each (table, address, type, order, bit),
 * limited to what profile.c accepts; then the words a device answers. Properties: every
 * metric is planned exactly once, every request stays within the protocol's limits and
 * the 16-bit address space and covers the items it serves, and decoding never yields
 * an infinite value. */
#include <config.h>

#include <assert.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mbdecode.h"
#include "mbplan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define METRIC_BYTES 6u
#define MAX_METRICS 64u

/* One metric from 6 bytes, shaped like parse_modbus_address leaves it. */
static void make_metric(struct profile_metric *m, const uint8_t *b)
{
	memset(m, 0, sizeof *m);
	m->table = (enum modbus_table)(b[0] % 4 + 1);
	m->address = (unsigned)b[1] << 8 | b[2];
	m->order = (enum word_order)(b[4] % 4);
	m->bit = b[5] & 0x10 ? -1 : b[5] & 15;
	if (mbplan_is_bits(m->table)) {
		m->type = VT_BIT;
	} else {
		m->type = (enum value_type)(b[3] % 6);
		if (m->type == VT_BIT && m->bit < 0)
			m->bit = 0;
	}
	while (m->address + profile_metric_width(m) > 65536)
		m->address--;
}

static void check_plan(const struct mbplan *plan, size_t n)
{
	unsigned char *seen = calloc(n ? n : 1, 1);

	assert(seen != NULL);
	assert(plan->n_items == n);
	for (size_t i = 0; i < plan->n_items; i++) {
		assert(plan->items[i].metric < n && !seen[plan->items[i].metric]);
		seen[plan->items[i].metric] = 1;
	}
	for (size_t r = 0; r < plan->n_reqs; r++) {
		const struct mbplan_request *q = &plan->reqs[r];

		assert(q->count >= 1);
		assert(q->count <= (mbplan_is_bits(q->table) ? MBPLAN_MAX_BITS : MBPLAN_MAX_REGISTERS));
		assert(q->address + q->count <= 65536);
		assert(q->first + q->n <= plan->n_items);
		for (size_t i = q->first; i < q->first + q->n; i++) {
			const struct mbplan_item *it = &plan->items[i];

			assert(it->table == q->table);
			assert(it->address >= q->address && it->address + it->width <= q->address + q->count);
		}
	}
	free(seen);
}

static void decode_items(const struct mbplan *plan, const uint8_t *w, size_t len)
{
	for (size_t i = 0; i < plan->n_items && len >= 4; i++, w += 4, len -= 4) {
		const struct mbplan_item *it = &plan->items[i];
		uint16_t words[2] = { (uint16_t)(w[0] << 8 | w[1]), (uint16_t)(w[2] << 8 | w[3]) };
		double v = mbdecode_registers(it->type, it->order, it->bit, words);

		assert(!isinf(v));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct profile_metric metrics[MAX_METRICS];
	struct mbplan plan;
	size_t n;

	if (size < 1)
		return 0;
	n = (size_t)(data[0] % MAX_METRICS);
	if (n * METRIC_BYTES > size - 1)
		n = (size - 1) / METRIC_BYTES;
	for (size_t i = 0; i < n; i++)
		make_metric(&metrics[i], data + 1 + i * METRIC_BYTES);
	mbplan_build(&plan, metrics, n, MBPLAN_GAP_REGISTERS, MBPLAN_GAP_BITS);
	check_plan(&plan, n);
	decode_items(&plan, data + 1 + n * METRIC_BYTES, size - 1 - n * METRIC_BYTES);
	mbplan_free(&plan);
	return 0;
}
