/* snmpdec.c — decoding of SNMP values: no I/O, no clock, tested with real Net-SNMP
 * varbinds built by the library. */
#include <config.h>

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "decode.h"
#include "oidtext.h"
#include "proftable.h"
#include "snmpdec.h"

size_t snmpdec_parse_oid(const char *text, oid *out, size_t max)
{
	uint32_t buf[OIDTEXT_MAX_LEN];
	int n = oidtext_parse(text, buf, max < OIDTEXT_MAX_LEN ? max : OIDTEXT_MAX_LEN);

	if (n <= 0)
		return 0;
	for (int i = 0; i < n; i++)
		out[i] = buf[i];
	return (size_t)n;
}

/* A decimal number in text[len]: optional blanks, sign, digits, one '.' or ','
 * and digits, blanks. Locale-independent on purpose: devices write "23.4" whatever
 * the daemon's LC_NUMERIC. */
static bool parse_decimal(const char *text, size_t len, double *out)
{
	size_t i = 0;
	double v = 0, scale = 1;
	bool neg = false, digits = false, point = false;

	while (i < len && (text[i] == ' ' || text[i] == '\t'))
		i++;
	if (i < len && (text[i] == '-' || text[i] == '+'))
		neg = text[i++] == '-';
	for (; i < len; i++) {
		char c = text[i];

		if (c >= '0' && c <= '9') {
			digits = true;
			if (point)
				scale /= 10;
			v = v * 10 + (c - '0');
		} else if ((c == '.' || c == ',') && !point) {
			point = true;
		} else {
			break;
		}
	}
	while (i < len && (text[i] == ' ' || text[i] == '\t' || text[i] == '\r' || text[i] == '\n'
		|| text[i] == '\0'))
		i++;
	if (!digits || i != len)
		return false;
	*out = (neg ? -v : v) * scale;
	return true;
}

const char *snmpdec_exception_name(const netsnmp_variable_list *vb)
{
	switch (vb->type) {
	case SNMP_NOSUCHOBJECT: return "noSuchObject";
	case SNMP_NOSUCHINSTANCE: return "noSuchInstance";
	case SNMP_ENDOFMIBVIEW: return "endOfMibView";
	case ASN_NULL: return "NULL";
	default: return NULL;
	}
}

static double counter64(const struct counter64 *c)
{
	return (double)c->high * 4294967296.0 + (double)c->low;
}

static enum snmpdec_status decode_varbind(const netsnmp_variable_list *vb, double *out)
{
	switch (vb->type) {
	case ASN_INTEGER:
		*out = (double)*vb->val.integer;
		return SNMPDEC_OK;
	case ASN_GAUGE: case ASN_COUNTER: case ASN_UINTEGER:
		/* 32-bit unsigned, stored in a long: mask what a 64-bit long may carry. */
		*out = (double)((unsigned long)*vb->val.integer & 0xffffffffUL);
		return SNMPDEC_OK;
	case ASN_TIMETICKS:
		*out = (double)((unsigned long)*vb->val.integer & 0xffffffffUL) / 100.0;
		return SNMPDEC_OK;
	case ASN_COUNTER64:
#ifdef NETSNMP_WITH_OPAQUE_SPECIAL_TYPES
	case ASN_OPAQUE_COUNTER64: case ASN_OPAQUE_U64:
#endif
		*out = counter64(vb->val.counter64);
		return SNMPDEC_OK;
#ifdef NETSNMP_WITH_OPAQUE_SPECIAL_TYPES
	case ASN_OPAQUE_I64:
		*out = (double)(int64_t)(((uint64_t)vb->val.counter64->high << 32) | vb->val.counter64->low);
		return SNMPDEC_OK;
	case ASN_OPAQUE_FLOAT:
		*out = *vb->val.floatVal;
		return SNMPDEC_OK;
	case ASN_OPAQUE_DOUBLE:
		*out = *vb->val.doubleVal;
		return SNMPDEC_OK;
#endif
	case ASN_OCTET_STR:
		return parse_decimal((const char *)vb->val.string, vb->val_len, out) ?
			SNMPDEC_OK : SNMPDEC_NOT_NUMBER;
	default:
		return snmpdec_exception_name(vb) ? SNMPDEC_ABSENT : SNMPDEC_NOT_NUMBER;
	}
}

/* JSON, the RRD files and the rules have no use for infinities: a value that is not a
 * finite number is unknown, as Modbus float32 already is (mbdecode.c). */
enum snmpdec_status snmpdec_varbind(const netsnmp_variable_list *vb, double *out)
{
	enum snmpdec_status st = decode_varbind(vb, out);

	if (st == SNMPDEC_OK && !isfinite(*out)) {
		*out = NAN;
		return SNMPDEC_NOT_FINITE;
	}
	return st;
}

double snmpdec_sensor_factor(double scale, double precision)
{
	/* SensorDataScale: 1 yocto .. 9 units .. 17 yotta; SensorPrecision: -8 .. 9. */
	if (isnan(scale) || isnan(precision) || scale < 1 || scale > 17 || precision < -8 || precision > 9
	    || scale != floor(scale) || precision != floor(precision))
		return NAN;
	return pow(10.0, 3.0 * (scale - 9.0)) * pow(10.0, -precision);
}

static void decode_value(const struct profile_metric *m, double raw, double factor, bool fallback,
	struct reading *out)
{
	struct profile_metric fm = *m;

	bool fb_sentinel = false;

	for (size_t i = 0; fallback && i < m->n_fallback_invalid; i++)
		fb_sentinel |= (double)m->fallback_invalid[i] == raw;
	if (fb_sentinel || decode_is_invalid(m, raw)) {
		out->status = READING_INVALID;
		out->raw = raw;
		out->value = NAN;
		return;
	}
	if (fallback && !isnan(m->fallback_scale))
		fm.scale = m->fallback_scale;
	fm.has_valid = false;   /* checked above on the raw value, not on raw x factor */
	/* The sensor factor applies to numbers only: a state keeps its raw code. */
	decode_reading(&fm, m->n_state_names > 0 ? raw : raw * factor, out);
	out->raw = raw;
}

static void set_status(struct reading *out, enum reading_status st)
{
	out->status = st;
	out->value = NAN;
	out->raw = NAN;
}

bool snmpdec_metric(const struct profile_metric *m, const struct snmpdec_input *in,
	struct reading *out)
{
	bool use_fallback = in->main == SNMPDEC_ABSENT && in->fallback_read;
	enum snmpdec_status st = use_fallback ? in->fallback : in->main;
	double raw = use_fallback ? in->fallback_value : in->main_value;

	out->from_fallback = false;
	if (in->main == SNMPDEC_ABSENT && in->fallback_failed) {
		set_status(out, READING_ERROR);
		return false;
	}
	if (st == SNMPDEC_ABSENT) {
		set_status(out, READING_ABSENT);
	} else if (in->status_read && !proftable_status_ok(m, in->status_value)) {
		set_status(out, READING_INVALID);
		out->raw = raw;
	} else if (st == SNMPDEC_NOT_FINITE) {
		set_status(out, READING_INVALID);
	} else if (st == SNMPDEC_NOT_NUMBER || isnan(in->factor)) {
		set_status(out, READING_ERROR);
	} else {
		decode_value(m, raw, in->factor, use_fallback, out);
	}
	out->from_fallback = use_fallback && st != SNMPDEC_ABSENT;
	return out->from_fallback;
}
