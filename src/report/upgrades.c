/* upgrades.c — from findings and verdicts to the upgrades to plan. The rules:
 *  - a server outside a rack                          -> a rack
 *  - a server no UPS feeds                            -> a connection to the building UPS
 *                                                        (or a UPS of its own)
 *  - a rack with no probe                             -> a probe at the air inlet
 *  - temperature above the recommended envelope and
 *    a verdict worse than compliant                   -> additional cooling (or a first
 *                                                        cooling unit when none is declared)
 *  - humidity or dew point not compliant/to watch     -> humidity control
 *  - a cooling unit stopped or in alarm (to watch+)   -> servicing of the unit
 *  - runtime below the budget, or the UPS asking for
 *    new batteries                                    -> battery replacement
 *  - UPS load to watch or worse                       -> a more powerful UPS
 *  - UPS output off (not compliant)                   -> review of the power supply
 *  - a device measured less than half of the period   -> restore its monitoring */
#include <config.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "critfmt.h"
#include "fmt.h"
#include "upgrades.h"
#include "battery.h"
#include "xmem.h"

static const char *const labels[] = {
	[UPG_RACK] = N_("Install the server in a rack"),
	[UPG_UPS_CONNECT] = N_("Connect the server to the building UPS, or give it a UPS"),
	[UPG_PROBE] = N_("Install a temperature and humidity probe at the rack's air inlet"),
	[UPG_COOLING] = N_("Strengthen the air conditioning"),
	[UPG_COOLING_SERVICE] = N_("Service the air-conditioning unit"),
	[UPG_HUMIDITY] = N_("Control the room's humidity"),
	[UPG_BATTERY] = N_("Replace the UPS batteries"),
	[UPG_UPS_CAPACITY] = N_("Plan a more powerful UPS or spread the load"),
	[UPG_POWER] = N_("Review the power supply of the UPS"),
	[UPG_MONITORING] = N_("Restore the monitoring of the device"),
};
static const char *const names[] = {
	[UPG_RACK] = "rack", [UPG_UPS_CONNECT] = "ups_connect", [UPG_PROBE] = "probe",
	[UPG_COOLING] = "cooling", [UPG_COOLING_SERVICE] = "cooling_service",
	[UPG_HUMIDITY] = "humidity", [UPG_BATTERY] = "battery", [UPG_UPS_CAPACITY] = "ups_capacity",
	[UPG_POWER] = "power", [UPG_MONITORING] = "monitoring",
};

const char *upgrades_label(enum upgrade_kind kind) { return labels[kind]; }
const char *upgrades_name(enum upgrade_kind kind) { return names[kind]; }

/* Adds (kind, target) unless already planned; takes reason. */
static void plan(struct audit *a, size_t *cap, enum upgrade_kind kind, const char *target,
	char *reason)
{
	for (size_t i = 0; i < a->n_upgrades; i++)
		if (a->upgrades[i].kind == kind && strcmp(a->upgrades[i].target, target) == 0) {
			free(reason);
			return;
		}
	a->upgrades = xgrow(a->upgrades, cap, a->n_upgrades + 1, sizeof(*a->upgrades));
	a->upgrades[a->n_upgrades++] = (struct audit_upgrade){ kind, xstrdup(target), reason };
}

static const char *rack_name(const struct cfg_server *srv)
{
	return srv->rack ? srv->rack->name : srv->name;
}

static void plan_findings(struct audit *a, size_t *cap, const struct audit_server *as)
{
	const struct cfg_server *srv = as->server;

	if (as->findings & FIND_NO_RACK)
		plan(a, cap, UPG_RACK, srv->name, xstrdup(_("the server stands outside a rack")));
	if (as->findings & FIND_NO_UPS)
		plan(a, cap, UPG_UPS_CONNECT, srv->name, xstrdup(_("no UPS feeds the server")));
	if (as->findings & FIND_NO_PROBE)
		plan(a, cap, UPG_PROBE, rack_name(srv),
			xstrdup(_("nothing measures the air the servers take in")));
}

static bool worse_than_ok(const struct audit_row *r)
{
	if (r->beside)   /* the rack's probes are the reference */
		return false;
	return r->verdict == VERDICT_WATCH || r->verdict == VERDICT_FAIL;
}

/* The verdict may come from thin data alone (coverage): an upgrade needs the readings
 * themselves to have left the recommended envelope. */
static bool left_envelope(const struct audit_row *r)
{
	return worse_than_ok(r) && r->st.out_rec_s > 0;
}

static void plan_thermal(struct audit *a, size_t *cap, const struct audit_row *r)
{
	const struct cfg_server *srv = r->server;
	char v1[32], v2[32], v3[32];

	if (r->crit == CRIT_TEMPERATURE && worse_than_ok(r) && r->st.max > r->env.rec_hi) {
		char *reason = xasprintf(_("up to %s °C at the inlet; above %s °C for %s of the measured time"),
			fmt_num(v1, sizeof(v1), r->st.max, 1), fmt_num(v2, sizeof(v2), r->env.rec_hi, 1),
			fmt_share(v3, sizeof(v3), r->st.out_rec_share));

		if (!srv->rack || srv->rack->n_cooling == 0) {
			char *more = xasprintf("%s; %s", reason, _("no air-conditioning unit is declared"));

			free(reason);
			reason = more;
		}
		plan(a, cap, UPG_COOLING, rack_name(srv), reason);
	}
	if ((r->crit == CRIT_HUMIDITY || r->crit == CRIT_DEW_POINT) && left_envelope(r))
		plan(a, cap, UPG_HUMIDITY, rack_name(srv), xasprintf(
			_("%s between %s and %s %s; outside the recommended envelope %s of the time"),
			_(criterion_label(r->crit)), fmt_num(v1, sizeof(v1), r->st.min, 1),
			fmt_num(v2, sizeof(v2), r->st.max, 1), critfmt_unit(r->crit),
			fmt_share(v3, sizeof(v3), r->st.out_rec_share)));
	if (r->crit == CRIT_COOLING_STATE && left_envelope(r))
		plan(a, cap, UPG_COOLING_SERVICE, r->device->name, xasprintf(
			_("stopped or in alarm for %s"), fmt_duration(v1, sizeof(v1), r->st.out_rec_s)));
}

static void plan_ups(struct audit *a, size_t *cap, const struct audit_row *r)
{
	const char *dev = r->device->name;
	char v1[32], v2[32];

	if (r->crit == CRIT_UPS_RUNTIME && worse_than_ok(r) && r->st.min < r->env.allow_lo)
		plan(a, cap, UPG_BATTERY, dev, xasprintf(
			_("runtime down to %s for a required %s"), fmt_duration(v1, sizeof(v1), r->st.min),
			fmt_duration(v2, sizeof(v2), r->env.allow_lo)));
	if (r->crit == CRIT_UPS_REPLACE_BATTERY && r->st.max > 0)
		plan(a, cap, UPG_BATTERY, dev, xstrdup(_("the UPS asks for new batteries")));
	if (r->crit == CRIT_UPS_LOAD && left_envelope(r))
		plan(a, cap, UPG_UPS_CAPACITY, dev, xasprintf(_("load up to %s %%"),
			fmt_num(v1, sizeof(v1), r->st.max, 0)));
	if (r->crit == CRIT_UPS_SOURCE && r->verdict == VERDICT_FAIL && r->st.out_allow_s > 0)
		plan(a, cap, UPG_POWER, dev, xasprintf(_("the UPS output was off for %s"),
			fmt_duration(v1, sizeof(v1), r->st.out_allow_s)));
}

/* Old batteries: their own upgrade, or a second reason beside an outage's figures. */
static void plan_battery_age(struct audit *a, size_t *cap, const struct cfg_device *dev)
{
	char *age = battery_age_reason(dev, a->to);

	if (!age)
		return;
	for (size_t i = 0; i < a->n_upgrades; i++) {
		struct audit_upgrade *u = &a->upgrades[i];

		if (u->kind == UPG_BATTERY && strcmp(u->target, dev->name) == 0) {
			char *both = xasprintf("%s ; %s", u->reason, age);

			free(u->reason);
			free(age);
			u->reason = both;
			return;
		}
	}
	plan(a, cap, UPG_BATTERY, dev->name, age);
}

static void plan_row(struct audit *a, size_t *cap, const struct audit_row *r)
{
	char v[32];

	plan_thermal(a, cap, r);
	plan_ups(a, cap, r);
	/* The self-test is reported rarely by some UPS, and rates of change are computed by
	 * envmond once it has enough history: their coverage says nothing of the device. */
	if (r->crit != CRIT_UPS_SELFTEST && r->crit != CRIT_TEMP_RATE_HOUR &&
	    r->crit != CRIT_TEMP_RATE_15MIN && r->st.n_points > 0 && r->st.coverage < 0.5)
		plan(a, cap, UPG_MONITORING, r->device->name, xasprintf(
			_("measured during only %s of the period"), fmt_share(v, sizeof(v), r->st.coverage)));
}

void upgrades_plan(struct audit *a)
{
	size_t cap = 0;

	/* First, so that the outage's figures give the reason for new batteries. */
	for (size_t i = 0; i < a->n_outages; i++)
		if (a->outages[i].weak)
			plan(a, &cap, UPG_BATTERY, a->outages[i].device, battery_reason(&a->outages[i]));
	for (size_t i = 0; i < a->cfg->n_devices; i++)
		plan_battery_age(a, &cap, &a->cfg->devices[i]);
	for (size_t i = 0; i < a->n_servers; i++)
		plan_findings(a, &cap, &a->servers[i]);
	for (size_t i = 0; i < a->n_rows; i++)
		plan_row(a, &cap, &a->rows[i]);
}
