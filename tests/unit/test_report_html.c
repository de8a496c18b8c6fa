/* test_report_html.c — HTML escaping, and a page whose site, rack and server names hold
 * markup: it must come out inert. */
#include <config.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "fmt.h"
#include "graph.h"
#include "csv.h"
#include "html.h"
#include "urgency.h"

static void test_escape(void **state)
{
	char *e = html_escape("<script>alert('x')</script> & \"q\"");

	assert_string_equal(e, "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;");
	free(e);
	e = html_escape("");
	assert_string_equal(e, "");
	free(e);
	e = html_escape("baie-A é 27,3 °C");
	assert_string_equal(e, "baie-A é 27,3 °C");
	free(e);
}

static void test_page_is_inert(void **state)
{
	struct cfg_spec spec = { .name = "default" };
	struct cfg_server srv = { .name = "<script>alert(1)</script>", .role = ROLE_COMCI,
		.spec = &spec };
	struct cfg_rack rack = { .name = "<img src=x onerror=alert(2)>", .is_rack = false,
		.servers = &srv, .n_servers = 1 };
	struct config cfg = { 0 };
	struct audit *a;
	char *page = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&page, &len);

	criteria_default_thresholds(spec.crit);
	srv.rack = &rack;
	cfg.site.name = "TJ \"<b>\"";
	cfg.site.code = "T&J";
	cfg.paths.state_dir = "/nonexistent";
	cfg.storage.rrdcached = "";
	cfg.racks = &rack;
	cfg.n_racks = 1;
	a = audit_build(&cfg, 1772319600, 1772319600 + 86400);
	assert_int_equal(html_write(out, a, NULL), 0);
	fclose(out);
	assert_null(strstr(page, "<script"));
	assert_null(strstr(page, "<img src=x"));
	assert_null(strstr(page, "<b>"));
	assert_non_null(strstr(page, "&lt;script&gt;alert(1)&lt;/script&gt;"));
	assert_non_null(strstr(page, "T&amp;J"));
	/* Outside a rack and on no UPS: not compliant, with both upgrades planned. */
	assert_int_equal(a->servers[0].verdict, VERDICT_FAIL);
	assert_int_equal(a->n_upgrades, 3);
	audit_free(a);
	free(page);
}

static double unit_s(const char *u)
{
	static const struct { const char *name; double s; } units[] = {
		{ "SECOND", 1 }, { "MINUTE", 60 }, { "HOUR", 3600 }, { "DAY", 86400 }, { "WEEK", 7 * 86400 },
		{ "MONTH", 30 * 86400 },
	};

	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (strcmp(units[i].name, u) == 0)
			return units[i].s;
	fail_msg("unknown grid unit %s", u);
	return 0;
}

/* From an hour to two years, the time axis has labels: between 2 and 16 of them. */
static void test_time_axis_labels(void **state)
{
	static const double hours[] = { 2.0 / 60, 0.1, 0.25, 0.5, 1, 2, 3, 5, 8, 12, 24, 36, 48, 72, 7 * 24, 16 * 24,
		30 * 24, 70 * 24, 90 * 24, 200 * 24, 366 * 24, 731 * 24 };

	for (size_t i = 0; i < sizeof(hours) / sizeof(hours[0]); i++) {
		const char *grid = graph_time_grid(0, (time_t)(hours[i] * 3600));
		char base[16], major[16], label[16];
		long nb, nm, nl, precision;
		double labels;

		assert_int_equal(sscanf(grid, "%15[A-Z]:%ld:%15[A-Z]:%ld:%15[A-Z]:%ld:%ld:", base, &nb,
			major, &nm, label, &nl, &precision), 7);
		labels = hours[i] * 3600 / (unit_s(label) * (double)nl);
		if (labels < 2 || labels > 16)
			print_error("%g h: grid %s gives %g labels\n", hours[i], grid, labels);
		assert_true(labels >= 2 && labels <= 16);
		assert_true(unit_s(base) * (double)nb <= unit_s(major) * (double)nm);
	}
}

/* The heading of a month is its days; of a demo's few minutes, its minutes. */
static void test_period_heading(void **state)
{
	char a[32], b[32];

	setenv("TZ", "Europe/Paris", 1);
	tzset();
	fmt_period(a, b, sizeof(a), 1772319600, 1774994400);   /* 2026-03-01 .. 04-01 00:00 */
	assert_string_equal(a, "01/03/2026");
	assert_string_equal(b, "31/03/2026");
	fmt_period(a, b, sizeof(a), 1796112540, 1796112690);   /* 2026-12-01 09:09:00 .. 09:11:30 */
	assert_string_equal(a, "01/12/2026 09:09");
	assert_string_equal(b, "01/12/2026 09:11");
	unsetenv("TZ");
	tzset();
}

/* Upgrades, most urgent first, in plan order among equals. */
static void test_urgency(void **state)
{
	struct audit_upgrade u[] = { { UPG_PROBE, "baie-A", NULL }, { UPG_COOLING, "baie-A", NULL },
		{ UPG_RACK, "srv-1", NULL }, { UPG_BATTERY, "ups", NULL }, { UPG_RACK, "srv-2", NULL },
		{ UPG_POWER, "ups", NULL } };
	struct audit a = { .upgrades = u, .n_upgrades = 6 };
	size_t order[6];
	const size_t want[] = { 5, 2, 4, 3, 1, 0 };

	urgency_order(&a, order);
	for (size_t i = 0; i < 6; i++)
		assert_int_equal(order[i], want[i]);
}

/* A field is quoted when it holds the dialect's separator, a quote or a line break. */
static void test_csv_field(void **state)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);

	csv_field(out, "27,3", ';');
	fputc('|', out);
	csv_field(out, "27,3", ',');
	fputc('|', out);
	csv_field(out, "a;b", ';');
	fputc('|', out);
	csv_field(out, "dit \"non\"", ';');
	fclose(out);
	assert_string_equal(buf, "27,3|\"27,3\"|\"a;b\"|\"dit \"\"non\"\"\"");
	free(buf);
	assert_int_equal(csv_dialect_parse("fr", NULL), 0);
	assert_int_equal(csv_dialect_parse("excel", NULL), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_page_is_inert),
		cmocka_unit_test(test_time_axis_labels),
		cmocka_unit_test(test_period_heading),
		cmocka_unit_test(test_urgency),
		cmocka_unit_test(test_csv_field),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
