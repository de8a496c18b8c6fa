/* snmpdec.h — the pure part of SNMP acquisition: numeric OIDs, a varbind turned into
 * a number, and a profile metric's value from its main/fallback OID and sensor scale. */
#ifndef SNMPDEC_H
#define SNMPDEC_H

#include <stdbool.h>
#include <stddef.h>

#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>

#include "drvapi.h"
#include "oidtext.h"

#define SNMPDEC_OID_MAX OIDTEXT_MAX_LEN

enum snmpdec_status {
	SNMPDEC_OK,        /* *out holds the number */
	SNMPDEC_ABSENT,    /* noSuchObject, noSuchInstance, endOfMibView (or NULL) */
	SNMPDEC_NOT_NUMBER, /* a type or a string that is not a number */
	SNMPDEC_NOT_FINITE  /* a number, but infinite or NaN (an Opaque float/double inf, a
	                     * 400-digit string): unknown, never a reading */
};

/* Parses a numeric OID ("1.3.6.1.2.1.33.1.2.3.0", leading dot allowed) into oid[max]
 * with oidtext_parse (oidtext.h), the parser profiles are checked with. Returns the number
 * of sub-identifiers, or 0 if it is not a numeric OID or has more than max. */
size_t snmpdec_parse_oid(const char *text, oid *out, size_t max);

/* The number a varbind holds: INTEGER signed, Gauge32/Counter32/Unsigned32 unsigned,
 * Counter64 and the opaque 64-bit and float types, TimeTicks in SECONDS (ticks / 100),
 * an OCTET STRING holding a decimal number ("23.4", " 41 "; a comma as the decimal
 * mark is accepted). */
enum snmpdec_status snmpdec_varbind(const netsnmp_variable_list *vb, double *out);

/* Short name of an exception type ("noSuchObject" ...), or NULL for a value. */
const char *snmpdec_exception_name(const netsnmp_variable_list *vb);

/* ENTITY-SENSOR-MIB (RFC 3433): the factor a raw entPhySensorValue is multiplied by,
 * 10^(3 * (scale - 9)) * 10^(-precision); NAN if scale (1..17) or precision (-8..9)
 * is out of range. */
double snmpdec_sensor_factor(double scale, double precision);

/* What was read for one metric. main/fallback: SNMPDEC_* of each OID (fallback only
 * read when main was absent, else ignored); *_value their numbers. fallback_failed:
 * the fallback was asked and got no answer (timeout, error-status). factor: the
 * ENTITY-SENSOR factor (1 when the metric has none, NAN when it could not be read).
 * status_read: the ENTITY-SENSOR entPhySensorOperStatus of the value was read, as
 * status_value. */
struct snmpdec_input {
	enum snmpdec_status main, fallback;
	double main_value, fallback_value;
	bool fallback_read, fallback_failed;
	double factor;
	bool status_read;
	double status_value;
};

/* RFC 3433 EntitySensorStatus: ok(1), unavailable(2), nonoperational(3). */
#define SNMPDEC_SENSOR_OK 1

/* Fills out from in: a sensor status other than ok(1) makes it READING_INVALID (an
 * unplugged sensor reads 0); a failed fallback READING_ERROR (not absent: the device
 * may have it). Otherwise the profile's sentinels apply to the raw device value, then
 * the sensor factor, the scale (fallback_scale for the fallback OID), offset,
 * conversion and state map (decode_reading, decode.h). Returns true if the fallback OID gave the
 * value. */
bool snmpdec_metric(const struct profile_metric *m, const struct snmpdec_input *in,
	struct reading *out);

#endif
