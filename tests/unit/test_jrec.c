/* test_jrec.c — the journal codec: every record type survives encode -> decode, and
 * malformed records (wrong types, missing or huge "t", "servers": {}, a server without a
 * name) are refused with a reason instead of crashing a reader. */
#include <config.h>

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "jrec.h"

static void test_round_trip(void **state)
{
	static const struct jrec_server srv[] = { { "srv-a", "comci", "baie-A", true, 24.5 },
		{ "srv-b", NULL, NULL, false, 0 } };

	for (int type = 0; type < JREC_TYPE_COUNT; type++) {
		struct jrec in, out;
		struct json_object *o;
		const char *why;

		jrec_init(&in, (enum jrec_type)type, 1767225600.0 + type);
		in.id = "X-20260101-1";
		in.cond = "rack:baie-A/temperature";
		in.has_criterion = true;
		in.criterion = CRIT_TEMPERATURE;
		in.severity = SEV_CRITICAL;
		in.since = 1767225000.0;
		in.value = 31.5;
		in.bound = 27.0;
		in.bound_kind = "max";
		in.has_servers = true;
		in.servers = srv;
		in.n_servers = 2;
		in.on = type == JREC_FLAPPING;
		in.end = type == JREC_CLOSE ? in.t : NAN;
		in.has_notice = true;
		in.notice = (struct jrec_notice){ 3, JNOTICE_REMINDER, true };
		in.seq = 7;
		in.target = "clim-1";
		in.from = 1767225600.0;
		in.until = 1767229200.0;
		in.reason = type == JREC_CLOSE ? "removed" : "maintenance";
		o = jrec_encode(&in);
		why = jrec_decode(o, &out);
		if (why)
			fail_msg("%s: %s", jrec_type_name((enum jrec_type)type), why);
		assert_int_equal(out.type, type);
		assert_true(out.t == in.t);
		if (type == JREC_SILENCE || type == JREC_SILENCE_END) {
			assert_string_equal(out.target, "clim-1");
			assert_true(out.until == in.until);
		} else if (type == JREC_NOTIFIED) {
			assert_int_equal(out.seq, 7);
		} else {
			assert_string_equal(out.cond, in.cond);
			assert_int_equal(out.criterion, CRIT_TEMPERATURE);
			assert_int_equal(out.severity, SEV_CRITICAL);
			assert_true(out.value == 31.5 && out.bound == 27.0 && isnan(out.worst));
			assert_int_equal(out.n_servers, 2);
			assert_string_equal(out.servers[0].rack, "baie-A");
			assert_null(out.servers[1].role);
			/* The server's own BMC reading beside the rack's probes (issue 15.3). */
			assert_true(out.servers[0].has_inlet && out.servers[0].inlet_c == 24.5);
			assert_false(out.servers[1].has_inlet);
			assert_true(out.has_notice && out.notice.seq == 3 && out.notice.silenced);
			assert_int_equal(out.notice.kind, JNOTICE_REMINDER);
			assert_int_equal(out.on, type == JREC_FLAPPING);
		}
		jrec_clear(&out);
		json_object_put(o);
	}
}

static void test_refused(void **state)
{
	static const char *const bad[] = {
		"[1]",
		"{\"t\": 1, \"id\": \"x\"}",
		"{\"type\": \"nonsense\", \"t\": 1, \"id\": \"x\"}",
		"{\"type\": \"open\", \"id\": \"x\"}",
		"{\"type\": \"open\", \"t\": 1e300, \"id\": \"x\"}",
		"{\"type\": \"open\", \"t\": -5, \"id\": \"x\"}",
		"{\"type\": \"open\", \"t\": \"now\", \"id\": \"x\"}",
		"{\"type\": \"open\", \"t\": 1}",
		"{\"type\": \"open\", \"t\": 1, \"id\": \"x\", \"servers\": {}}",
		"{\"type\": \"open\", \"t\": 1, \"id\": \"x\", \"servers\": [{\"role\": \"comci\"}]}",
		"{\"type\": \"open\", \"t\": 1, \"id\": \"x\", \"servers\": [5]}",
		"{\"type\": \"open\", \"t\": 1, \"id\": \"x\", \"criterion\": \"warp\"}",
		"{\"type\": \"open\", \"t\": 1, \"id\": \"x\", \"severity\": 2}",
		"{\"type\": \"open\", \"t\": 1, \"id\": \"x\", \"value\": \"hot\"}",
		"{\"type\": \"open\", \"t\": 1, \"id\": \"x\", \"notice\": {\"seq\": -1, \"kind\": \"alert\"}}",
		"{\"type\": \"open\", \"t\": 1, \"id\": \"x\", \"notice\": {\"seq\": 0, \"kind\": \"spam\"}}",
		"{\"type\": \"open\", \"t\": 1, \"id\": \"x\", \"notice\": {\"seq\": 0}}",
		"{\"type\": \"notified\", \"t\": 1, \"id\": \"x\", \"seq\": 1.5}",
		"{\"type\": \"notified\", \"t\": 1, \"id\": \"x\"}",
		"{\"type\": \"silence\", \"t\": 1, \"from\": 1, \"until\": 2}",
		"{\"type\": \"silence\", \"t\": 1, \"target\": \"a\", \"from\": 1}",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct json_object *o = json_tokener_parse(bad[i]);
		struct jrec r;

		assert_non_null(o);
		if (!jrec_decode(o, &r))
			fail_msg("accepted: %s", bad[i]);
		assert_true(r.error[0] != '\0');
		jrec_clear(&r);
		json_object_put(o);
	}
}

/* The shortest records the report's tests write (close with severity and notice only). */
static void test_minimal(void **state)
{
	struct json_object *o = json_tokener_parse("{\"type\": \"close\", \"t\": 10, \"id\": \"x\", "
		"\"severity\": \"warning\", \"notice\": {\"seq\": 2, \"kind\": \"recovery\", \"silenced\": false}}");
	struct jrec r;

	assert_null(jrec_decode(o, &r));
	assert_false(r.has_servers);
	assert_false(r.has_criterion);
	assert_int_equal(r.notice.kind, JNOTICE_RECOVERY);
	jrec_clear(&r);
	json_object_put(o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_minimal),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
