/* critfmt.c — how the report shows a criterion's figures (see critfmt.h). */
#include <config.h>

#include <math.h>

#include "critfmt.h"
#include "envmon.h"
#include "metric.h"

const char *critfmt_unit(enum criterion c)
{
	switch (c) {
	case CRIT_TEMPERATURE: case CRIT_DEW_POINT: return "°C";
	case CRIT_TEMP_RATE_HOUR: return "°C/h";
	case CRIT_TEMP_RATE_15MIN: return "°C/15 min";
	/* TRANSLATORS: the unit of relative humidity, with a space as in "45 % RH" */
	/* xgettext:no-c-format */
	case CRIT_HUMIDITY: return _("% RH");
	case CRIT_UPS_CHARGE: case CRIT_UPS_LOAD: return "%";
	case CRIT_UPS_RUNTIME: return "s";
	case CRIT_INPUT_VOLTAGE: return "V";
	case CRIT_INPUT_FREQUENCY: return "Hz";
	default: return "";
	}
}

int critfmt_decimals(enum criterion c)
{
	switch (c) {
	case CRIT_UPS_RUNTIME: case CRIT_UPS_CHARGE: case CRIT_UPS_LOAD: return 0;
	case CRIT_INPUT_FREQUENCY: return 2;
	default: return 1;
	}
}

double critfmt_state_level(enum criterion c, long code)
{
	const struct metric_def *def = metric_lookup(criterion_name(c));
	enum severity sev;

	if (!def || def->type != METRIC_STATE || code < 0 || (size_t)code >= def->n_states)
		return NAN;
	sev = criteria_state_severity(c, def->states[code], NULL);
	return sev == SEV_CRITICAL ? 2 : sev == SEV_WARNING ? 1 : 0;
}

