/* criteria.h — the one vocabulary of hosting criteria (DESIGN.md §2, §5, §8): their
 * names as the configuration and the journal spell them, their kind, what each state
 * of a state criterion means (state -> severity) and the built-in thresholds. Read by
 * conf.c, the daemon's alert modules and the report. */
#ifndef CRITERIA_H
#define CRITERIA_H

#include <stdbool.h>

enum severity { SEV_OK, SEV_WARNING, SEV_CRITICAL, SEV_UNKNOWN };

/* The hosting criteria a server is judged on. */
enum criterion {
	CRIT_TEMPERATURE,
	CRIT_HUMIDITY,
	CRIT_DEW_POINT,
	CRIT_TEMP_RATE_HOUR,
	CRIT_TEMP_RATE_15MIN,
	CRIT_TEMP_FORECAST,      /* the predictive warning: the temperature forecast_s ahead */
	CRIT_COOLING_STATE,
	CRIT_UPS_SOURCE,
	CRIT_UPS_BATTERY,
	CRIT_UPS_CHARGE,
	CRIT_UPS_RUNTIME,
	CRIT_UPS_LOAD,
	CRIT_UPS_REPLACE_BATTERY,
	CRIT_UPS_SELFTEST,
	CRIT_INPUT_VOLTAGE,
	CRIT_INPUT_FREQUENCY,
	CRIT_CONTACT,
	CRIT_COUNT
};

/* How a criterion is judged: a number against bounds, a named state (metric.c's
 * vocabulary of the metric of the same name), or whether the device answers. */
enum criterion_kind { CRITK_NUMBER, CRITK_STATE, CRITK_CONTACT };

struct cfg_threshold {
	bool enabled;
	/* Bounds of the envelope; NAN when there is none. Outside warn = warning, outside
	 * crit = critical. For state criteria the bounds are unused. */
	double warn_lo, warn_hi, crit_lo, crit_hi;
	bool upper_inclusive;      /* a value equal to an upper bound is outside (ups_load:
	                            * warning at >= 80 %, critical at >= 90 %); else inside */
	double hysteresis;         /* back inside by this margin to clear */
	unsigned hold_s;           /* out of spec this long before alerting (0 = at once) */
	unsigned clear_hold_s;     /* back in spec this long before recovering */
	unsigned repeat_s;         /* reminder while unresolved (0 = never) */
	unsigned forecast_s;       /* temp_forecast: how far ahead the rate is followed */
};

const char *criterion_name(enum criterion c);           /* "temperature", ... as in the file */
int criterion_lookup(const char *name);                 /* -1 if unknown (or NULL) */
const char *criterion_label(enum criterion c);          /* English msgid, for _() */
/* The label of c read by a server's own BMC (`inlet`): "air inlet temperature measured
 * by the server" for the temperature, criterion_label(c) for the others. */
const char *criterion_inlet_label(enum criterion c);
enum criterion_kind criterion_kind(enum criterion c);
/* Judged without numeric bounds: a state criterion or contact. */
bool criterion_has_no_bounds(enum criterion c);
/* A rate of change, judged on its size both ways (cooling too fast harms too). */
bool criterion_is_rate(enum criterion c);
/* The unit of the trend the mail and `envmonctl status` give for c (issue 18.1): "%"
 * for the humidity, "°C" for the temperature criteria and the dew point. */
const char *criterion_trend_unit(enum criterion c);

const char *severity_name(enum severity sev);           /* "ok", "warning", "critical", "unknown" */
int severity_lookup(const char *name);                  /* -1 if unknown (or NULL) */
/* The severity names, NULL-terminated, in enum order (for cfgparse_enum). */
extern const char *const criteria_severity_names[];

/* What state (metric.c's vocabulary) of state criterion crit means for a server:
 * SEV_OK for a normal or unlisted state. *immediate (may be NULL): alert without the
 * hold. The one table: the alerts (src/daemon/judge.c) and the report both read it. */
enum severity criteria_state_severity(enum criterion crit, const char *state, bool *immediate);
/* The code (metric.c's index) of state name of state criterion crit; -1 if unknown. */
int criteria_state_code(enum criterion crit, const char *state);

/* Built-in defaults for every criterion (ASHRAE recommended = warning, A1 = critical). */
void criteria_default_thresholds(struct cfg_threshold out[CRIT_COUNT]);

#endif
