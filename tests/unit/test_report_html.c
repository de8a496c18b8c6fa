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
#include "html.h"

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

	conf_default_thresholds(spec.crit);
	srv.rack = &rack;
	cfg.site.name = "TJ \"<b>\"";
	cfg.site.code = "T&J";
	cfg.paths.state_dir = "/nonexistent";
	cfg.storage.rrdcached = "";
	cfg.racks = &rack;
	cfg.n_racks = 1;
	a = audit_build(&cfg, 1772319600, 1772319600 + 86400);
	assert_int_equal(html_write(out, a), 0);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_page_is_inert),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
