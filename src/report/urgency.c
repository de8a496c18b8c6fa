/* urgency.c — ranking the upgrades (see urgency.h). */
#include <config.h>

#include "urgency.h"

static int rank(enum upgrade_kind k)
{
	static const enum upgrade_kind by_urgency[] = { UPG_POWER, UPG_UPS_CONNECT, UPG_RACK,
		UPG_BATTERY, UPG_COOLING, UPG_COOLING_SERVICE, UPG_UPS_CAPACITY, UPG_HUMIDITY,
		UPG_PROBE, UPG_MONITORING };

	for (size_t i = 0; i < sizeof(by_urgency) / sizeof(by_urgency[0]); i++)
		if (by_urgency[i] == k)
			return (int)i;
	return 99;
}

void urgency_order(const struct audit *a, size_t *order)
{
	/* Insertion sort: a handful of upgrades, and it keeps equal ranks in plan order. */
	for (size_t i = 0; i < a->n_upgrades; i++) {
		size_t j = i;

		while (j > 0 && rank(a->upgrades[order[j - 1]].kind) > rank(a->upgrades[i].kind)) {
			order[j] = order[j - 1];
			j--;
		}
		order[j] = i;
	}
}
