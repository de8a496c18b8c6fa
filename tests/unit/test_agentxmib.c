/* test_agentxmib.c — ENVMON-MIB's snapshot from a status object: the OID layout of
 * mibs/ENVMON-MIB.txt, sorted so that GETNEXT walks site, devices, readings, incidents
 * in order, values in tenths rounded and clamped, strings and states as the MIB says. */
#include <config.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <json-c/json.h>
#include <math.h>
#include <string.h>

#include "agentxmib.h"

static const oid root[] = { 1, 3, 6, 1, 4, 1, 8072, 9999, 9999, 1 };
#define ROOT_LEN (sizeof(root) / sizeof(root[0]))

static const char *const status_text =
	"{\"daemon\":{\"code\":\"TJ-TST\",\"site\":\"Tribunal\",\"version\":\"0.1.0\",\"started\":1796000000.5},"
	" \"devices\":["
	"  {\"name\":\"ups-1\",\"kind\":\"ups\",\"protocol\":\"snmp\",\"state\":\"lost\",\"last_poll\":1796000100,"
	"   \"readings\":[]},"
	"  {\"name\":\"sonde-1\",\"kind\":\"probe\",\"protocol\":\"sim\",\"state\":\"ok\",\"last_answer\":1796000200,"
	"   \"last_poll\":1796000200,\"readings_time\":1796000200,"
	"   \"readings\":[{\"metric\":\"temperature\",\"status\":\"ok\",\"value\":22.45,\"unit\":\"°C\"},"
	"                {\"metric\":\"humidity\",\"status\":\"invalid\",\"unit\":\"%\"}]}],"
	" \"incidents\":[{\"id\":\"TJ-TST-20261202-1\",\"severity\":\"critical\",\"criterion\":\"temperature\","
	"   \"rack\":\"baie-A\",\"opened\":1796000150,\"servers\":[\"srv-a\",\"srv-b\"]}]}";

static double worst_of(void *arg, const char *id)
{
	return strcmp(id, "TJ-TST-20261202-1") == 0 ? 35.04 : NAN;
}

static const struct axmib_var *at(const struct axmib_view *v, const oid *sub, size_t n)
{
	oid name[MAX_OID_LEN];

	memcpy(name, root, sizeof(root));
	memcpy(name + ROOT_LEN, sub, n * sizeof(oid));
	return axmib_get(v, name, ROOT_LEN + n);
}

static void build(struct axmib_view *v)
{
	struct json_object *status = json_tokener_parse(status_text);

	assert_non_null(status);
	memset(v, 0, sizeof(*v));
	axmib_build(v, root, ROOT_LEN, status, worst_of, NULL);
	json_object_put(status);
}

static void test_values(void **state)
{
	struct axmib_view v;
	const struct axmib_var *x;

	build(&v);
	x = at(&v, (const oid[]){ 1, 1, 1, 0 }, 4);
	assert_non_null(x);
	assert_int_equal(x->type, ASN_OCTET_STR);
	assert_string_equal(x->str, "TJ-TST");
	assert_int_equal(at(&v, (const oid[]){ 1, 1, 4, 0 }, 4)->num, 1796000000);
	assert_int_equal(at(&v, (const oid[]){ 1, 1, 5, 0 }, 4)->num, 1796000200);    /* last poll */
	assert_string_equal(at(&v, (const oid[]){ 1, 2, 1, 2, 2 }, 5)->str, "sonde-1");
	assert_int_equal(at(&v, (const oid[]){ 1, 2, 1, 5, 1 }, 5)->num, 3);         /* lost */
	assert_int_equal(at(&v, (const oid[]){ 1, 2, 1, 6, 1 }, 5)->num, 0);         /* never answered */
	assert_string_equal(at(&v, (const oid[]){ 1, 3, 1, 4, 2, 1 }, 6)->str, "sonde-1.temperature");
	assert_int_equal(at(&v, (const oid[]){ 1, 3, 1, 5, 2, 1 }, 6)->num, 225);    /* 22.45 -> 22.5 */
	assert_string_equal(at(&v, (const oid[]){ 1, 3, 1, 6, 2, 1 }, 6)->str, "°C");
	assert_int_equal(at(&v, (const oid[]){ 1, 3, 1, 7, 2, 2 }, 6)->num, 2);      /* invalid */
	assert_int_equal(at(&v, (const oid[]){ 1, 3, 1, 5, 2, 2 }, 6)->num, 0);
	assert_string_equal(at(&v, (const oid[]){ 1, 4, 1, 2, 1 }, 5)->str, "TJ-TST-20261202-1");
	assert_int_equal(at(&v, (const oid[]){ 1, 4, 1, 4, 1 }, 5)->num, 3);         /* critical */
	assert_string_equal(at(&v, (const oid[]){ 1, 4, 1, 5, 1 }, 5)->str, "srv-a,srv-b");
	assert_int_equal(at(&v, (const oid[]){ 1, 4, 1, 7, 1 }, 5)->num, 350);
	assert_string_equal(at(&v, (const oid[]){ 1, 4, 1, 8, 1 }, 5)->str, "baie-A");
	assert_null(at(&v, (const oid[]){ 1, 2, 1, 2, 3 }, 5));                       /* no third device */
	axmib_clear(&v);
}

/* GETNEXT from the root visits every value once, in strictly increasing order. */
static void test_walk_order(void **state)
{
	struct axmib_view v;
	const struct axmib_var *x, *prev = NULL;
	size_t n = 0;

	build(&v);
	for (x = axmib_next(&v, root, ROOT_LEN); x; x = axmib_next(&v, x->name, x->len)) {
		if (prev)
			assert_true(snmp_oid_compare(prev->name, prev->len, x->name, x->len) < 0);
		prev = x;
		n++;
	}
	/* 5 site + 2 devices x 5 + 2 readings x 8 + 1 incident x 7 */
	assert_int_equal(n, 5 + 10 + 16 + 7);
	assert_int_equal(n, v.n);
	/* After the last device column comes the first reading. */
	x = axmib_next(&v, at(&v, (const oid[]){ 1, 2, 1, 6, 2 }, 5)->name, ROOT_LEN + 5);
	assert_memory_equal(x->name + ROOT_LEN, ((const oid[]){ 1, 3, 1, 2, 2, 1 }), 6 * sizeof(oid));
	axmib_clear(&v);
}

static void test_tenths_and_severity(void **state)
{
	assert_int_equal(axmib_tenths(21.5), 215);
	assert_int_equal(axmib_tenths(-0.04), 0);
	assert_int_equal(axmib_tenths(-12.35), -124);
	assert_int_equal(axmib_tenths(NAN), 0);
	assert_int_equal(axmib_tenths(1e12), 2147483647L);
	assert_int_equal(axmib_tenths(-1e12), -2147483647L - 1);
	assert_int_equal(axmib_severity("ok"), 1);
	assert_int_equal(axmib_severity("warning"), 2);
	assert_int_equal(axmib_severity("critical"), 3);
	assert_int_equal(axmib_severity("bogus"), 4);
	assert_int_equal(axmib_severity(NULL), 4);
}

/* An empty status (monitoring stopped) still gives the site's objects, nothing else. */
static void test_empty_status(void **state)
{
	struct axmib_view v = { 0 };
	struct json_object *status = json_object_new_object();

	axmib_build(&v, root, ROOT_LEN, status, NULL, NULL);
	json_object_put(status);
	assert_int_equal(v.n, 5);
	assert_string_equal(at(&v, (const oid[]){ 1, 1, 1, 0 }, 4)->str, "");
	axmib_clear(&v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_walk_order),
		cmocka_unit_test(test_tenths_and_severity),
		cmocka_unit_test(test_empty_status),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
