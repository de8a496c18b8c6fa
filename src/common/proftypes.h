/* proftypes.h — the types of a device profile (metrics, states, tables). Its own header
 * so that proftable.c, a part of the profile parser, includes the types and not profile.h,
 * whose parser (profile.c) includes proftable.h: no include cycle. */
#ifndef PROFTYPES_H
#define PROFTYPES_H

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
	char *fallback_select_oid;     /* the same column for rows found in fallback_oid (the
	                                * same MIB in another tree), or NULL: select_oid */
	long long *select_values;      /* the values of select_oid that keep a row */
	size_t n_select_values;
	char *select_text;             /* fnmatch(3) pattern select_oid's value (a string, or an
	                                * OBJECT IDENTIFIER as dotted numbers) must match, or NULL */
	bool select_each_poll;         /* select_oid is read again at every poll: a row no longer
	                                * selected (NetBotz: a sensor unplugged, its value text
	                                * empty) is unknown at once, and the table walked again */
	char *select_pattern;          /* fnmatch(3) pattern the row's label must match, or NULL */
	char **prefer_patterns;        /* fnmatch(3) patterns (case ignored): when a kept row has a
	                                * label column matching one, only such rows are kept (a
	                                * switch's inlet sensor, not its ASIC or transceivers) */
	size_t n_prefer_patterns;
	char **prefer_when;            /* fnmatch(3) patterns (case ignored), or none: prefer_patterns
	                                * apply only when a kept row's label matches one (a switch
	                                * names its ASIC, CPU, transceivers; a rack probe's "Inlet"
	                                * and "Outlet" rows are then both kept) */
	size_t n_prefer_when;
	unsigned parent_index_len;     /* label, unit and status columns are indexed by the first
	                                * parent_index_len numbers of the row's index (EATON-SENSOR:
	                                * sensorName.PROBE for the row PROBE.CHANNEL); 0: the whole */
	char **label_oids;             /* columns naming the row: the first non-empty one wins */
	size_t n_label_oids;
	char **unit_oids;              /* columns (or scalars, their .0 row) saying the row's unit:
	                                * the first with a cell for the row wins */
	size_t n_unit_oids;
	long long *fahrenheit_values;  /* values of unit_oid meaning the value is in °F */
	size_t n_fahrenheit_values;
	enum table_aggregate aggregate;
	/* Another (scalar) metric of the profile whose reading stands in when no row gives a
	 * good value (PowerNet: a single-phase card has no phase table, its total load is the
	 * UPS's load), or NULL; fallback_metric_index is its index, -1 if none. */
	char *fallback_metric;
	int fallback_metric_index;
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
	long long *fallback_invalid;   /* raw values of fallback_oid that mean "unknown" (with invalid) */
	size_t n_fallback_invalid;
	char *sensor_scale_oid;        /* ENTITY-SENSOR-MIB entPhySensorScale of this value */
	char *sensor_precision_oid;    /* ENTITY-SENSOR-MIB entPhySensorPrecision */
	char *sensor_status_oid;       /* ENTITY-SENSOR-MIB entPhySensorOperStatus: not ok(1)
	                                * makes the value invalid (unknown) */
	char *fallback_status_oid;     /* a table metric's status column for rows found in the
	                                * fallback column (another tree of the same MIB) */
	long long *status_ok;          /* values of sensor_status_oid that mean ok; NULL: { 1 } */
	size_t n_status_ok;
	struct profile_table *snmp_table;  /* NULL: a scalar read at oid */
	/* A state metric: when override_oid holds one of override_values, the state is
	 * override_state whatever oid says (Socomec: upsBatteryStatus discharging means on
	 * battery while upsOutputSource still says on inverter). */
	char *override_oid;
	long long *override_values;
	size_t n_override_values;
	int override_state;            /* index in state_names; -1 if none */

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
	bool has_valid;                /* valid = [ min, max ]: raw values outside mean "unknown" */
	long long valid_min, valid_max;
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
	/* SNMP: what a device answering this profile shows (snmpdisc.c): sysObjectID
	 * prefixes, and OIDs (a scalar .0, or a subtree) it answers. */
	char **match_sysoids;
	size_t n_match_sysoids;
	char **match_probes;
	size_t n_match_probes;
	struct profile_metric *metrics;
	size_t n_metrics;
	char *overrides;               /* a site profile: the shipped file it replaces, or NULL */
};

#endif
