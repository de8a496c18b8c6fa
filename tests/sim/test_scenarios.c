/* test_scenarios.c — simulations in virtual time through the real poller, sim driver,
 * derive, rules, alert and journal: each scenario's exact incidents, their times and
 * the notifications, over simulated days. */
#include <config.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "journal.h"
#include "simharness.h"
#include "xmem.h"

static void explore(const char *ups, const char *clim, const char *probe, double days)
{
	struct sim s;

	sim_prepare(&s, ups, clim, probe);
	sim_start(&s, 0);
	sim_run(&s, days * 86400);
	sim_dump(&s);
	sim_stop(&s);
	sim_cleanup(&s);
}

static void test_explore(void **state)
{
	fprintf(stderr, "## sine\n"); explore("common.scn", "common.scn", "sine.scn", 3);
	fprintf(stderr, "## clim\n"); explore("common.scn", "clim-stop.scn", "clim-stop.scn", 1);
	fprintf(stderr, "## mains\n"); explore("mains-failure.scn", "common.scn", "common.scn", 1);
	fprintf(stderr, "## flap\n"); explore("common.scn", "common.scn", "flap.scn", 1);
	fprintf(stderr, "## ups silent\n"); explore("ups-silent.scn", "common.scn", "common.scn", 1);
	fprintf(stderr, "## probe silent\n"); explore("common.scn", "common.scn", "probe-silent.scn", 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_explore),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
