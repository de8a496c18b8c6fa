/* profile.h — device profiles: data files that say how to read each metric of a
 * device kind (SNMP OID or Modbus register, type, scale, unit, state map). */
#ifndef PROFILE_H
#define PROFILE_H

#include <stdbool.h>
#include <stddef.h>

#include "metric.h"

struct cfgparse;

enum device_kind { KIND_UPS, KIND_COOLING, KIND_PROBE };
enum profile_protocol { PROFILE_SNMP, PROFILE_MODBUS, PROFILE_NUT, PROFILE_IPMI };

/* Modbus tables, numbered by the function code that reads them. */
enum modbus_table {
	MB_COILS = 1,
	MB_DISCRETE_INPUTS = 2,
	MB_HOLDING_REGISTERS = 3,
	MB_INPUT_REGISTERS = 4,
};

enum value_type { VT_INT16, VT_UINT16, VT_INT32, VT_UINT32, VT_FLOAT32, VT_BIT };
/* Order of the bytes of a 32-bit value as A (most significant) .. D. */
enum word_order { ORDER_ABCD, ORDER_CDAB, ORDER_BADC, ORDER_DCBA };
/* Unit conversions a linear scale cannot say exactly. */
enum unit_convert { CONVERT_NONE, CONVERT_F_TO_C };

struct state_map {
	long long raw;  /* value read from the device */
	int code;       /* index in profile_metric.state_names */
};

/* How the instances of a table metric make its one value for the rules: a rack is as
 * hot as its hottest inlet, a UPS as loaded as its most loaded phase. */
enum table_aggregate { AGG_MAX, AGG_MIN, AGG_FIRST };

/* A metric read from an SNMP table (proftable.c): its oid, fallback_oid and sensor_*_oid
 * are columns, and each row kept is one instance of the metric. */
struct profile_table {
	char *select_oid;              /* column whose value chooses the rows, or NULL */
	long long *select_values;      /* the values of select_oid that keep a row */
	size_t n_select_values;
	char *select_pattern;          /* fnmatch(3) pattern the row's label must match, or NULL */
	char **label_oids;             /* columns naming the row: the first non-empty one wins */
	size_t n_label_oids;
	enum table_aggregate aggregate;
};

struct profile_metric {
	char *name;                    /* canonical name or a vendor one (metric_name_valid) */
	const struct metric_def *def;  /* canonical definition, NULL for a vendor metric */
	char *unit;                    /* unit after scaling */
	double scale, offset;          /* value = raw * scale + offset (then convert) */
	enum unit_convert convert;
	int line;                      /* line in the profile file */

	/* SNMP */
	char *oid;                     /* numeric OID of the value */
	char *fallback_oid;            /* read when oid is absent (noSuchObject) */
	double fallback_scale;         /* NAN: the same as scale */
	char *sensor_scale_oid;        /* ENTITY-SENSOR-MIB entPhySensorScale of this value */
	char *sensor_precision_oid;    /* ENTITY-SENSOR-MIB entPhySensorPrecision */
	char *sensor_status_oid;       /* ENTITY-SENSOR-MIB entPhySensorOperStatus: not ok(1)
	                                * makes the value invalid (unknown) */
	long long *status_ok;          /* values of sensor_status_oid that mean ok; NULL: { 1 } */
	size_t n_status_ok;
	struct profile_table *snmp_table;  /* NULL: a scalar read at oid */

	/* Modbus */
	enum modbus_table table;
	unsigned address;              /* zero-based protocol address */
	enum value_type type;
	enum word_order order;
	int bit;                       /* VT_BIT in a register: bit number 0..15 */

	/* NUT */
	char *var;                     /* NUT variable name ("battery.charge") */

	/* IPMI */
	char **sensors;                /* sensor names, in order of preference (exact match) */
	size_t n_sensors;

	long long *invalid;            /* raw values that mean "unknown" */
	size_t n_invalid;
	struct state_map *states;      /* raw value -> state code; empty for numbers */
	size_t n_states;
	char **state_names;            /* names of the state codes */
	size_t n_state_names;
};

struct profile {
	char *name;
	char *file;
	enum device_kind kind;
	enum profile_protocol protocol;
	char *description;
	struct profile_metric *metrics;
	size_t n_metrics;
	char *overrides;               /* a site profile: the shipped file it replaces, or NULL */
};

/* Parses one profile file. Errors go to p; returns NULL if the file has any error. */
struct profile *profile_load(struct cfgparse *p, const char *file);
void profile_free(struct profile *prof);
/* Index of the metric called name in prof, or -1. */
int profile_metric_index(const struct profile *prof, const char *name);
/* Number of 16-bit registers (or bits) a Modbus metric spans. */
unsigned profile_metric_width(const struct profile_metric *m);

const char *device_kind_name(enum device_kind kind);
const char *value_type_name(enum value_type t);

#endif
