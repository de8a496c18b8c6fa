/* metric.c — the canonical vocabulary (DESIGN.md §4). The order of states is part of
 * the storage format: RRD files hold state codes, so never reorder, only append. */
#include <config.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "envmon.h"
#include "metric.h"

static const char *const ups_source_states[] = { "online", "on_battery", "bypass", "off" };
static const char *const ups_battery_states[] = { "normal", "low", "depleted", "fault" };
static const char *const yes_no_states[] = { "no", "yes" };
static const char *const cooling_states[] = { "running", "stopped", "alarm" };
static const char *const selftest_states[] = { "passed", "failed", "in_progress", "none" };

#define NUM(n, u, l) { n, METRIC_NUMBER, u, NULL, 0, false, l }
#define DERIVED(n, u, l) { n, METRIC_NUMBER, u, NULL, 0, true, l }
#define STATE(n, s, l) { n, METRIC_STATE, "", s, sizeof(s) / sizeof((s)[0]), false, l }

static const struct metric_def canonical[] = {
	NUM("temperature", "°C", N_("temperature")),
	NUM("humidity", "%", N_("relative humidity")),
	STATE("ups_source", ups_source_states, N_("UPS source")),
	STATE("ups_battery", ups_battery_states, N_("battery state")),
	NUM("ups_charge", "%", N_("battery charge")),
	NUM("ups_runtime", "s", N_("UPS runtime")),
	NUM("ups_load", "%", N_("UPS load")),
	STATE("ups_replace_battery", yes_no_states, N_("battery replacement requested")),
	STATE("ups_selftest", selftest_states, N_("UPS self-test")),
	NUM("input_voltage", "V", N_("input voltage")),
	NUM("input_frequency", "Hz", N_("input frequency")),
	NUM("output_voltage", "V", N_("output voltage")),
	NUM("battery_temperature", "°C", N_("battery temperature")),
	STATE("cooling_state", cooling_states, N_("cooling unit state")),
	NUM("supply_temperature", "°C", N_("supply air temperature")),
	NUM("return_temperature", "°C", N_("return air temperature")),
	NUM("return_humidity", "%", N_("return air humidity")),
	DERIVED("dew_point", "°C", N_("dew point")),
	DERIVED("temp_rate_hour", "°C/h", N_("temperature change per hour")),
	DERIVED("temp_rate_15min", "°C", N_("temperature change in 15 minutes")),
	DERIVED("temp_forecast", "°C", N_("temperature forecast")),
	NUM("battery_age", "d", N_("battery age")),   /* NUT's battery.date, battery.mfr.date */
	NUM("battery_voltage", "V", N_("battery voltage")),
};

const struct metric_def *metric_lookup(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(canonical); i++)
		if (strcmp(canonical[i].name, name) == 0)
			return &canonical[i];
	return NULL;
}

const struct metric_def *metric_all(size_t *count)
{
	*count = ARRAY_SIZE(canonical);
	return canonical;
}

int metric_state_code(const struct metric_def *def, const char *name)
{
	for (size_t i = 0; i < def->n_states; i++)
		if (strcmp(def->states[i], name) == 0)
			return (int)i;
	return -1;
}

bool metric_name_valid(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > METRIC_NAME_MAX || name[0] < 'a' || name[0] > 'z')
		return false;
	return strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789_") == n;
}

const char *metric_state_label(const char *state)
{
	static const char *const labels[][2] = {
		{ "online", N_("on mains power") }, { "on_battery", N_("on battery") },
		{ "bypass", N_("on bypass (not protected)") }, { "off", N_("off") },
		{ "normal", N_("normal") }, { "low", N_("low") }, { "depleted", N_("depleted") },
		{ "fault", N_("faulty") }, { "running", N_("running") }, { "stopped", N_("stopped") },
		{ "alarm", N_("in alarm") }, { "yes", N_("yes") }, { "no", N_("no") },
		{ "passed", N_("passed") }, { "failed", N_("failed") }, { "in_progress", N_("in progress") },
	};

	for (size_t i = 0; state && i < sizeof(labels) / sizeof(labels[0]); i++)
		if (strcmp(state, labels[i][0]) == 0)
			return labels[i][1];
	return NULL;
}

void metric_number_text(char *buf, size_t size, double v, int decimals, bool comma)
{
	char *dot;

	if (decimals > 0 && fabs(v - round(v)) < 0.05 / pow(10, decimals - 1))
		decimals = 0;
	snprintf(buf, size, "%.*f", decimals, v);
	if (comma && (dot = strchr(buf, '.')))
		*dot = ',';
}
