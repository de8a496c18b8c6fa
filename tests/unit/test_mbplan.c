/* test_mbplan.c — Modbus request planning (which metrics become which requests) and the
 * decoding of register words for every type and word order. */
#include <config.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "mbdecode.h"
#include "mbplan.h"

#define MAX_METRICS 64

static struct profile_metric metrics[MAX_METRICS];
static size_t n_metrics;

static void reset(void)
{
	memset(metrics, 0, sizeof(metrics));
	n_metrics = 0;
}

static void add(enum modbus_table table, unsigned address, enum value_type type, int bit)
{
	struct profile_metric *m = &metrics[n_metrics++];

	m->table = table;
	m->address = address;
	m->type = type;
	m->order = ORDER_ABCD;
	m->bit = bit;
}

static struct mbplan plan_of(void)
{
	struct mbplan p;

	mbplan_build(&p, metrics, n_metrics, MBPLAN_GAP_REGISTERS, MBPLAN_GAP_BITS);
	return p;
}

static void assert_req(const struct mbplan *p, size_t i, enum modbus_table table,
	unsigned address, unsigned count, size_t n_items)
{
	assert_true(i < p->n_reqs);
	assert_int_equal(p->reqs[i].table, table);
	assert_int_equal(p->reqs[i].address, address);
	assert_int_equal(p->reqs[i].count, count);
	assert_int_equal(p->reqs[i].n, n_items);
}

/* XY-MD02: temperature and humidity, input registers 1 and 2: one read of 2. */
static void test_probe_one_request(void **state)
{
	struct mbplan p;

	reset();
	add(MB_INPUT_REGISTERS, 1, VT_INT16, -1);
	add(MB_INPUT_REGISTERS, 2, VT_INT16, -1);
	p = plan_of();
	assert_int_equal(p.n_reqs, 1);
	assert_req(&p, 0, MB_INPUT_REGISTERS, 1, 2, 2);
	mbplan_free(&p);
}

/* APC InRow: three 32-bit values at 92, 94, 96 and the status at 0 (a hole of 91). */
static void test_inrow_two_requests(void **state)
{
	struct mbplan p;

	reset();
	add(MB_HOLDING_REGISTERS, 96, VT_INT32, -1);
	add(MB_HOLDING_REGISTERS, 92, VT_INT32, -1);
	add(MB_HOLDING_REGISTERS, 94, VT_INT32, -1);
	add(MB_HOLDING_REGISTERS, 0, VT_UINT16, -1);
	p = plan_of();
	assert_int_equal(p.n_reqs, 2);
	assert_req(&p, 0, MB_HOLDING_REGISTERS, 0, 1, 1);
	assert_req(&p, 1, MB_HOLDING_REGISTERS, 92, 6, 3);
	/* Items are sorted by address and remember their metric. */
	assert_int_equal(p.items[0].metric, 3);
	assert_int_equal(p.items[1].metric, 1);
	assert_int_equal(p.items[2].metric, 2);
	assert_int_equal(p.items[3].metric, 0);
	mbplan_free(&p);
}

/* The same address in two tables is two requests; tables come in function-code order. */
static void test_tables_apart(void **state)
{
	struct mbplan p;

	reset();
	add(MB_INPUT_REGISTERS, 10, VT_UINT16, -1);
	add(MB_HOLDING_REGISTERS, 10, VT_UINT16, -1);
	add(MB_COILS, 10, VT_BIT, -1);
	add(MB_DISCRETE_INPUTS, 10, VT_BIT, -1);
	p = plan_of();
	assert_int_equal(p.n_reqs, 4);
	assert_req(&p, 0, MB_COILS, 10, 1, 1);
	assert_req(&p, 1, MB_DISCRETE_INPUTS, 10, 1, 1);
	assert_req(&p, 2, MB_HOLDING_REGISTERS, 10, 1, 1);
	assert_req(&p, 3, MB_INPUT_REGISTERS, 10, 1, 1);
	mbplan_free(&p);
}

/* A hole of 8 unused registers is read through; 9 is not. */
static void test_gap_tolerance(void **state)
{
	struct mbplan p;

	reset();
	add(MB_HOLDING_REGISTERS, 0, VT_UINT16, -1);
	add(MB_HOLDING_REGISTERS, 9, VT_UINT16, -1);    /* hole 1..8: 8 registers */
	add(MB_HOLDING_REGISTERS, 19, VT_UINT16, -1);   /* hole 10..18: 9 registers */
	p = plan_of();
	assert_int_equal(p.n_reqs, 2);
	assert_req(&p, 0, MB_HOLDING_REGISTERS, 0, 10, 2);
	assert_req(&p, 1, MB_HOLDING_REGISTERS, 19, 1, 1);
	mbplan_free(&p);

	/* With no tolerance only contiguous metrics join. */
	reset();
	add(MB_HOLDING_REGISTERS, 0, VT_INT32, -1);
	add(MB_HOLDING_REGISTERS, 2, VT_UINT16, -1);
	add(MB_HOLDING_REGISTERS, 4, VT_UINT16, -1);
	mbplan_build(&p, metrics, n_metrics, 0, 0);
	assert_int_equal(p.n_reqs, 2);
	assert_req(&p, 0, MB_HOLDING_REGISTERS, 0, 3, 2);
	assert_req(&p, 1, MB_HOLDING_REGISTERS, 4, 1, 1);
	mbplan_free(&p);
}

/* A run of metrics every 5 registers is cut so that no read exceeds 125 registers. */
static void test_register_limit(void **state)
{
	struct mbplan p;

	reset();
	for (unsigned a = 0; a <= 200; a += 5)
		add(MB_INPUT_REGISTERS, a, VT_UINT16, -1);
	p = plan_of();
	assert_int_equal(p.n_reqs, 2);
	assert_req(&p, 0, MB_INPUT_REGISTERS, 0, 121, 25);       /* 0 .. 120 */
	assert_req(&p, 1, MB_INPUT_REGISTERS, 125, 76, 16);      /* 125 .. 200 */
	mbplan_free(&p);

	/* Exactly 125: joined. A 32-bit value that would end at 126: not. */
	reset();
	add(MB_HOLDING_REGISTERS, 118, VT_UINT16, -1);
	add(MB_HOLDING_REGISTERS, 0, VT_UINT16, -1);
	for (unsigned a = 6; a <= 114; a += 6)
		add(MB_HOLDING_REGISTERS, a, VT_UINT16, -1);
	add(MB_HOLDING_REGISTERS, 123, VT_INT32, -1);           /* ends at 124: count 125 */
	add(MB_HOLDING_REGISTERS, 125, VT_INT32, -1);           /* would make 127 */
	p = plan_of();
	assert_int_equal(p.n_reqs, 2);
	assert_int_equal(p.reqs[0].count, 125);
	assert_req(&p, 1, MB_HOLDING_REGISTERS, 125, 2, 1);
	mbplan_free(&p);
}

/* Coils and discrete inputs: holes up to 64 bits, reads up to 2000 bits. */
static void test_bits(void **state)
{
	struct mbplan p;

	reset();
	add(MB_COILS, 0, VT_BIT, -1);
	add(MB_COILS, 64, VT_BIT, -1);      /* hole of 63 */
	add(MB_COILS, 200, VT_BIT, -1);     /* hole of 135 */
	p = plan_of();
	assert_int_equal(p.n_reqs, 2);
	assert_req(&p, 0, MB_COILS, 0, 65, 2);
	assert_req(&p, 1, MB_COILS, 200, 1, 1);
	mbplan_free(&p);

	reset();
	for (unsigned a = 0; a <= 2500; a += 50)
		add(MB_DISCRETE_INPUTS, a, VT_BIT, -1);
	p = plan_of();
	assert_int_equal(p.n_reqs, 2);
	assert_req(&p, 0, MB_DISCRETE_INPUTS, 0, 1951, 40);     /* 0 .. 1950 */
	assert_req(&p, 1, MB_DISCRETE_INPUTS, 2000, 501, 11);
	mbplan_free(&p);
}

/* Several bit fields of one status word and the word itself: one register read. */
static void test_status_word_bits(void **state)
{
	struct mbplan p;

	reset();
	add(MB_HOLDING_REGISTERS, 0, VT_BIT, 3);
	add(MB_HOLDING_REGISTERS, 0, VT_BIT, 0);
	add(MB_HOLDING_REGISTERS, 0, VT_UINT16, -1);
	add(MB_HOLDING_REGISTERS, 1, VT_FLOAT32, -1);
	p = plan_of();
	assert_int_equal(p.n_reqs, 1);
	assert_req(&p, 0, MB_HOLDING_REGISTERS, 0, 3, 4);
	assert_int_equal(p.items[0].bit, 3);
	assert_int_equal(p.items[1].bit, 0);
	assert_int_equal(p.items[2].bit, -1);
	mbplan_free(&p);
}

static void test_empty(void **state)
{
	struct mbplan p;

	reset();
	p = plan_of();
	assert_int_equal(p.n_reqs, 0);
	assert_int_equal(p.n_items, 0);
	mbplan_free(&p);
}

/* ---------------------------------------------------------------- decoding */

static void test_16bit(void **state)
{
	uint16_t w[] = { 0xFF38 };   /* -200 = -20.0 °C in tenths */
	uint16_t swapped[] = { 0x38FF };

	assert_true(mbdecode_registers(VT_INT16, ORDER_ABCD, -1, w) == -200.0);
	assert_true(mbdecode_registers(VT_UINT16, ORDER_ABCD, -1, w) == 65336.0);
	assert_true(mbdecode_registers(VT_INT16, ORDER_BADC, -1, swapped) == -200.0);
	assert_true(mbdecode_registers(VT_INT16, ORDER_DCBA, -1, swapped) == -200.0);
	assert_true(mbdecode_registers(VT_INT16, ORDER_CDAB, -1, w) == -200.0);
}

/* The value 0x12345678 as each order puts it on the wire, written out by hand. */
static void test_32bit_orders(void **state)
{
	static const struct { enum word_order order; uint16_t w[2]; } cases[] = {
		{ ORDER_ABCD, { 0x1234, 0x5678 } },
		{ ORDER_CDAB, { 0x5678, 0x1234 } },
		{ ORDER_BADC, { 0x3412, 0x7856 } },
		{ ORDER_DCBA, { 0x7856, 0x3412 } },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint16_t enc[2];

		assert_true(mbdecode_registers(VT_UINT32, cases[i].order, -1, cases[i].w) == 305419896.0);
		assert_true(mbdecode_registers(VT_INT32, cases[i].order, -1, cases[i].w) == 305419896.0);
		mbdecode_encode32(0x12345678u, cases[i].order, enc);
		assert_int_equal(enc[0], cases[i].w[0]);
		assert_int_equal(enc[1], cases[i].w[1]);
	}
}

static void test_32bit_signs_and_floats(void **state)
{
	for (int o = ORDER_ABCD; o <= ORDER_DCBA; o++) {
		uint16_t w[2];

		mbdecode_encode32(0xFFFFFFFEu, (enum word_order)o, w);      /* -2 */
		assert_true(mbdecode_registers(VT_INT32, (enum word_order)o, -1, w) == -2.0);
		assert_true(mbdecode_registers(VT_UINT32, (enum word_order)o, -1, w) == 4294967294.0);
		mbdecode_encode32(0x41AC0000u, (enum word_order)o, w);      /* 21.5f */
		assert_true(mbdecode_registers(VT_FLOAT32, (enum word_order)o, -1, w) == 21.5);
		mbdecode_encode32(0xC1A40000u, (enum word_order)o, w);      /* -20.5f */
		assert_true(mbdecode_registers(VT_FLOAT32, (enum word_order)o, -1, w) == -20.5);
		mbdecode_encode32(0x7FC00000u, (enum word_order)o, w);      /* NaN */
		assert_true(isnan(mbdecode_registers(VT_FLOAT32, (enum word_order)o, -1, w)));
		mbdecode_encode32(0x7F800000u, (enum word_order)o, w);      /* +inf */
		assert_true(isnan(mbdecode_registers(VT_FLOAT32, (enum word_order)o, -1, w)));
	}
	/* The InRow's 32-bit tenths of °F: 752 = 75.2 °F, sent ABCD. */
	uint16_t inrow[] = { 0x0000, 0x02F0 };
	assert_true(mbdecode_registers(VT_INT32, ORDER_ABCD, -1, inrow) == 752.0);
}

static void test_status_bits(void **state)
{
	uint16_t w[] = { 0x8009 };   /* bits 0, 3 and 15 */

	assert_true(mbdecode_registers(VT_BIT, ORDER_ABCD, 0, w) == 1.0);
	assert_true(mbdecode_registers(VT_BIT, ORDER_ABCD, 1, w) == 0.0);
	assert_true(mbdecode_registers(VT_BIT, ORDER_ABCD, 3, w) == 1.0);
	assert_true(mbdecode_registers(VT_BIT, ORDER_ABCD, 15, w) == 1.0);
	assert_true(mbdecode_registers(VT_UINT16, ORDER_ABCD, 15, w) == 1.0);
	assert_true(mbdecode_registers(VT_BIT, ORDER_BADC, 7, w) == 1.0);   /* byte-swapped word */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_probe_one_request),
		cmocka_unit_test(test_inrow_two_requests),
		cmocka_unit_test(test_tables_apart),
		cmocka_unit_test(test_gap_tolerance),
		cmocka_unit_test(test_register_limit),
		cmocka_unit_test(test_bits),
		cmocka_unit_test(test_status_word_bits),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_16bit),
		cmocka_unit_test(test_32bit_orders),
		cmocka_unit_test(test_32bit_signs_and_floats),
		cmocka_unit_test(test_status_bits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
