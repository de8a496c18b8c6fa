/* metric.h — the canonical vocabulary of metrics. Profiles map vendor values onto
 * these names so that rules, storage and the report never depend on a vendor. */
#ifndef METRIC_H
#define METRIC_H

#include <stdbool.h>
#include <stddef.h>

enum metric_type {
	METRIC_NUMBER, /* a measured quantity in `unit` */
	METRIC_STATE,  /* a named state; stored as its code, the index in `states` */
};

struct metric_def {
	const char *name;
	enum metric_type type;
	const char *unit;            /* canonical unit ("°C", "%", "s", "V", "Hz"), "" for states */
	const char *const *states;   /* METRIC_STATE: the allowed state names, code = index */
	size_t n_states;
	bool derived;                /* computed by envmond (dew point, rates), not read from devices */
	const char *label;           /* label for people: an English msgid, translate with _() */
};

/* Longest metric name: RRD data-source names are at most 19 characters. */
#define METRIC_NAME_MAX 19

/* The canonical metric called name, or NULL for a vendor-specific one. */
const struct metric_def *metric_lookup(const char *name);
/* The label for people of a canonical state ("online" -> "on mains power"): an English
 * msgid to translate, or NULL for a state that has none (a vendor's). */
const char *metric_state_label(const char *state);
/* v with `decimals` decimals, none when it is that close to a whole number (27 °C, not
 * 27.0 °C), with a decimal comma if comma: how mails and envmonctl print readings. */
void metric_number_text(char *buf, size_t size, double v, int decimals, bool comma);
/* All canonical metrics, for documentation and listing. */
const struct metric_def *metric_all(size_t *count);
/* Code of state name in def, or -1. */
int metric_state_code(const struct metric_def *def, const char *name);
/* True if name is usable as a metric (and RRD data-source) name: [a-z][a-z0-9_]{0,18}. */
bool metric_name_valid(const char *name);

#endif
