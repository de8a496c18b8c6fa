/* fuzz_snmpdec.c — libFuzzer harness for SNMP value decoding: the bytes a device may
 * answer, as a varbind of any type, through snmpdec_varbind and snmpdec_metric.
 * Input: byte 0 picks the ASN.1 type, byte 1 the profile metric's shape, the rest is
 * the value as the library would hold it. Properties checked: a reading is either
 * unknown or a finite number (a reading of +inf or NaN must never reach the store). */
#include <config.h>

#include <assert.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "snmpdec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const u_char types[] = {
	ASN_INTEGER, ASN_OCTET_STR, ASN_GAUGE, ASN_COUNTER, ASN_TIMETICKS, ASN_UINTEGER,
	ASN_COUNTER64, ASN_OPAQUE_FLOAT, ASN_OPAQUE_DOUBLE, ASN_OPAQUE_I64, ASN_OPAQUE_U64,
	ASN_OPAQUE_COUNTER64, ASN_OBJECT_ID, ASN_IPADDRESS, ASN_NULL, SNMP_NOSUCHOBJECT,
	SNMP_NOSUCHINSTANCE, SNMP_ENDOFMIBVIEW, ASN_OPAQUE, ASN_BIT_STR,
};

/* Sizes the library accepts for each fixed-size type; a wrong size is refused by
 * snmp_set_var_value and the harness then tries the bytes as an OCTET STRING. */
static void set_value(netsnmp_variable_list *vb, u_char type, const uint8_t *v, size_t n)
{
	if (snmp_set_var_typed_value(vb, type, v, n) != 0)
		snmp_set_var_typed_value(vb, ASN_OCTET_STR, v, n);
}

static void check_reading(const struct reading *r)
{
	if (r->status == READING_OK)
		assert(isfinite(r->value));
}

static void decode_as_metric(const netsnmp_variable_list *vb, uint8_t shape)
{
	static long long invalid[] = { 0, 255, -1 };
	static struct state_map states[] = { { 2, 0 }, { 3, 1 } };
	static char *names[] = { "online", "on_battery" };
	struct profile_metric m = { .name = "temperature", .scale = 0.1, .offset = 0 };
	struct snmpdec_input in = { .factor = 1, .fallback = SNMPDEC_ABSENT };
	struct reading out;
	double v = NAN;

	if (shape & 1) {
		m.invalid = invalid;
		m.n_invalid = 3;
	}
	if (shape & 2) {
		m.states = states;
		m.n_states = 2;
		m.state_names = names;
		m.n_state_names = 2;
	}
	m.fallback_scale = (shape & 4) ? 10 : NAN;
	in.main = snmpdec_varbind(vb, &v);
	in.main_value = v;
	if (shape & 8) {        /* the value arrives through the fallback OID */
		in.fallback = in.main;
		in.fallback_value = v;
		in.main = SNMPDEC_ABSENT;
		in.fallback_read = true;
	}
	if (shape & 16) {
		in.factor = snmpdec_sensor_factor((shape >> 5) * 3.0, (double)(int8_t)shape / 16);
		in.status_read = true;
		in.status_value = 1;
	}
	snmpdec_metric(&m, &in, &out);
	check_reading(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	netsnmp_variable_list vb;
	double v;

	if (size < 2)
		return 0;
	memset(&vb, 0, sizeof vb);
	set_value(&vb, types[data[0] % sizeof types], data + 2, size - 2);
	if (snmpdec_varbind(&vb, &v) == SNMPDEC_OK)
		assert(isfinite(v));
	(void)snmpdec_exception_name(&vb);
	decode_as_metric(&vb, data[1]);
	snmp_free_var_internals(&vb);
	return 0;
}
