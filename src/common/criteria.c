/* criteria.c — the hosting criteria's vocabulary (see criteria.h). */
#include <config.h>

#include <math.h>
#include <string.h>

#include "criteria.h"
#include "envmon.h"
#include "metric.h"

static const char *const criterion_names[CRIT_COUNT] = {
	"temperature", "humidity", "dew_point", "temp_rate_hour", "temp_rate_15min", "temp_forecast",
	"cooling_state", "ups_source", "ups_battery", "ups_charge", "ups_runtime", "ups_load",
	"ups_replace_battery", "ups_selftest", "input_voltage", "input_frequency", "contact",
};
static const char *const criterion_labels[CRIT_COUNT] = {
	N_("temperature"), N_("relative humidity"), N_("dew point"),
	N_("temperature change per hour"), N_("temperature change in 15 minutes"),
	N_("temperature forecast"),
	N_("air conditioning"), N_("UPS power source"), N_("UPS battery"), N_("UPS battery charge"),
	N_("UPS runtime"), N_("UPS load"), N_("UPS battery replacement"), N_("UPS self-test"),
	N_("input voltage"), N_("input frequency"), N_("contact with the device"),
};
const char *const criteria_severity_names[] = { "ok", "warning", "critical", "unknown", NULL };

const char *criterion_name(enum criterion c) { return criterion_names[c]; }
const char *criterion_label(enum criterion c) { return criterion_labels[c]; }
const char *criterion_inlet_label(enum criterion c)
{
	return c == CRIT_TEMPERATURE ? N_("air inlet temperature measured by the server") : criterion_labels[c];
}

const char *severity_name(enum severity sev) { return criteria_severity_names[sev]; }

int criterion_lookup(const char *name)
{
	for (int i = 0; name && i < CRIT_COUNT; i++)
		if (strcmp(criterion_names[i], name) == 0)
			return i;
	return -1;
}

int severity_lookup(const char *name)
{
	for (int i = 0; name && criteria_severity_names[i]; i++)
		if (strcmp(criteria_severity_names[i], name) == 0)
			return i;
	return -1;
}

enum criterion_kind criterion_kind(enum criterion c)
{
	switch (c) {
	case CRIT_COOLING_STATE: case CRIT_UPS_SOURCE: case CRIT_UPS_BATTERY:
	case CRIT_UPS_REPLACE_BATTERY: case CRIT_UPS_SELFTEST:
		return CRITK_STATE;
	case CRIT_CONTACT:
		return CRITK_CONTACT;
	default:
		return CRITK_NUMBER;
	}
}

bool criterion_has_no_bounds(enum criterion c)
{
	return criterion_kind(c) != CRITK_NUMBER;
}

bool criterion_is_rate(enum criterion c)
{
	return c == CRIT_TEMP_RATE_HOUR || c == CRIT_TEMP_RATE_15MIN;
}

const char *criterion_trend_unit(enum criterion c)
{
	return c == CRIT_HUMIDITY ? "%" : "°C";
}

/* Low battery, bypass and an output switched off are critical at once (DESIGN.md §5); a
 * plain transfer to battery waits its hold; a stopped air conditioner is critical (the
 * room heats up), one in alarm still blows and is a warning. */
static const struct {
	enum criterion crit;
	const char *state;
	enum severity sev;
	bool now;
} state_map[] = {
	{ CRIT_UPS_SOURCE, "on_battery", SEV_WARNING, false },
	{ CRIT_UPS_SOURCE, "bypass", SEV_CRITICAL, true },
	{ CRIT_UPS_SOURCE, "off", SEV_CRITICAL, true },
	{ CRIT_UPS_BATTERY, "low", SEV_CRITICAL, true },
	{ CRIT_UPS_BATTERY, "depleted", SEV_CRITICAL, true },
	{ CRIT_UPS_BATTERY, "fault", SEV_CRITICAL, true },
	{ CRIT_UPS_REPLACE_BATTERY, "yes", SEV_WARNING, true },
	{ CRIT_UPS_SELFTEST, "failed", SEV_WARNING, true },
	{ CRIT_COOLING_STATE, "stopped", SEV_CRITICAL, false },
	{ CRIT_COOLING_STATE, "alarm", SEV_WARNING, false },
};

enum severity criteria_state_severity(enum criterion crit, const char *state, bool *immediate)
{
	if (immediate)
		*immediate = false;
	for (size_t i = 0; state && i < ARRAY_SIZE(state_map); i++) {
		if (state_map[i].crit == crit && strcmp(state_map[i].state, state) == 0) {
			if (immediate)
				*immediate = state_map[i].now;
			return state_map[i].sev;
		}
	}
	return SEV_OK;
}

int criteria_state_code(enum criterion crit, const char *state)
{
	const struct metric_def *m = metric_lookup(criterion_name(crit));

	return m && m->type == METRIC_STATE ? metric_state_code(m, state) : -1;
}

static void set_bounds(struct cfg_threshold *t, double wlo, double whi, double clo, double chi,
	double hyst, unsigned hold_s)
{
	t->warn_lo = wlo;
	t->warn_hi = whi;
	t->crit_lo = clo;
	t->crit_hi = chi;
	t->hysteresis = hyst;
	t->hold_s = hold_s;
	t->clear_hold_s = hold_s;
}

/* ASHRAE TC 9.9 at the server inlet: recommended envelope = warning, class A1 allowable
 * = critical (DESIGN.md §8). UPS: runtime under the 10 min shutdown budget is critical,
 * load >= 80 % warning, >= 90 % critical. Mains: 230 V +-10 % / +-15 %, 50 Hz +-1 % / +-2 %. */
void criteria_default_thresholds(struct cfg_threshold out[CRIT_COUNT])
{
	for (int c = 0; c < CRIT_COUNT; c++) {
		out[c] = (struct cfg_threshold){ .enabled = true, .warn_lo = NAN, .warn_hi = NAN,
			.crit_lo = NAN, .crit_hi = NAN, .repeat_s = 4 * 3600 };
	}
	set_bounds(&out[CRIT_TEMPERATURE], 18.0, 27.0, 15.0, 32.0, 0.5, 300);
	set_bounds(&out[CRIT_HUMIDITY], NAN, 60.0, 8.0, 80.0, 2.0, 600);
	set_bounds(&out[CRIT_DEW_POINT], -9.0, 15.0, NAN, 17.0, 0.5, 600);
	set_bounds(&out[CRIT_TEMP_RATE_HOUR], NAN, 10.0, NAN, 20.0, 1.0, 0);
	set_bounds(&out[CRIT_TEMP_RATE_15MIN], NAN, 3.0, NAN, 5.0, 0.5, 0);
	/* Predictive warning (issue 18.1): the temperature followed 30 min ahead at its
	 * current rate leaves the allowable envelope (A1, 15-32 °C). A warning only: the
	 * temperature criterion itself turns critical when it gets there. */
	set_bounds(&out[CRIT_TEMP_FORECAST], 15.0, 32.0, NAN, NAN, 0.5, 120);
	out[CRIT_TEMP_FORECAST].forecast_s = 1800;
	set_bounds(&out[CRIT_UPS_CHARGE], 50.0, NAN, 25.0, NAN, 5.0, 0);
	set_bounds(&out[CRIT_UPS_RUNTIME], 900.0, NAN, 600.0, NAN, 60.0, 0);
	set_bounds(&out[CRIT_UPS_LOAD], NAN, 80.0, NAN, 90.0, 2.0, 60);
	out[CRIT_UPS_LOAD].upper_inclusive = true;
	set_bounds(&out[CRIT_INPUT_VOLTAGE], 207.0, 253.0, 196.0, 264.0, 2.0, 60);
	set_bounds(&out[CRIT_INPUT_FREQUENCY], 49.5, 50.5, 49.0, 51.0, 0.1, 60);
	/* A plain transfer to battery waits a minute; the rest is immediate. */
	out[CRIT_UPS_SOURCE].hold_s = 60;
	out[CRIT_UPS_SOURCE].clear_hold_s = 60;
	out[CRIT_COOLING_STATE].hold_s = 120;
	out[CRIT_COOLING_STATE].clear_hold_s = 120;
	out[CRIT_UPS_REPLACE_BATTERY].repeat_s = 24 * 3600;
	out[CRIT_UPS_SELFTEST].repeat_s = 24 * 3600;
}
