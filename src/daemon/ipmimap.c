/* ipmimap.c — see ipmimap.h. */
#include <config.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <ipmi_monitoring.h>

#include "ipmimap.h"
#include "xmem.h"

void ipmimap_add(struct ipmi_sensors *s, const char *name, enum ipmi_unit unit, bool has_value, double value)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 16;
		s->v = xrealloc(s->v, s->cap * sizeof(*s->v));
	}
	s->v[s->n++] = (struct ipmi_sensor){ xstrdup(name ? name : ""), unit, has_value && isfinite(value),
		has_value ? value : NAN };
}

void ipmimap_free(struct ipmi_sensors *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i].name);
	free(s->v);
	*s = (struct ipmi_sensors){ 0 };
}

bool ipmimap_name_is(const char *bmc_name, const char *wanted)
{
	size_t n;

	bmc_name += strspn(bmc_name, " \t");
	n = strlen(bmc_name);
	while (n > 0 && (bmc_name[n - 1] == ' ' || bmc_name[n - 1] == '\t'))
		n--;
	return n == strlen(wanted) && strncasecmp(bmc_name, wanted, n) == 0;
}

const struct ipmi_sensor *ipmimap_pick(const struct profile_metric *m, const struct ipmi_sensors *s,
	unsigned *which)
{
	for (size_t w = 0; w < m->n_sensors; w++) {
		for (size_t i = 0; i < s->n; i++) {
			if (ipmimap_name_is(s->v[i].name, m->sensors[w])) {
				if (which)
					*which = (unsigned)w;
				return &s->v[i];
			}
		}
	}
	return NULL;
}

void ipmimap_decode(const struct profile_metric *m, const struct ipmi_sensors *s, struct reading *out)
{
	unsigned which = 0;
	const struct ipmi_sensor *sn = ipmimap_pick(m, s, &which);
	double raw;

	*out = (struct reading){ .status = READING_ABSENT, .value = NAN, .raw = NAN };
	if (!sn)
		return;
	out->sensor = which;
	if (!sn->has_value) {
		out->status = READING_INVALID;
		return;
	}
	raw = sn->value;
	/* A BMC set to Fahrenheit (some HPE and Supermicro boards can be) onto a metric the
	 * profile keeps in Celsius without its own conversion. */
	if (sn->unit == IPMI_UNIT_FAHRENHEIT && m->convert == CONVERT_NONE && m->unit &&
	    strcmp(m->unit, "°C") == 0)
		raw = (raw - 32.0) * 5.0 / 9.0;
	driver_decode(m, raw, out);
	out->raw = sn->value;
	out->sensor = which;
}

char *ipmimap_names(const struct ipmi_sensors *s, char *buf, size_t size)
{
	size_t n = 0;

	if (size == 0)
		return buf;
	buf[0] = '\0';
	for (size_t i = 0; i < s->n; i++) {
		const char *sep = i ? ", " : "";
		size_t need = strlen(sep) + strlen(s->v[i].name) + 2;

		if (n + need + 4 > size) {   /* room for "..." and the NUL */
			if (n + 4 <= size)
				strcpy(buf + n, "...");
			return buf;
		}
		n += (size_t)snprintf(buf + n, size - n, "%s\"", sep);
		for (const char *c = s->v[i].name; *c; c++)
			buf[n++] = (unsigned char)*c >= 0x20 && (unsigned char)*c < 0x7f && *c != '"' && *c != '\\' ?
				*c : '?';
		buf[n++] = '"';
		buf[n] = '\0';
	}
	return buf;
}

struct workaround {
	const char *name;
	enum { W_LAN, W_INBAND, W_BOTH } where;
	unsigned session, reading;
};

static const struct workaround workarounds[] = {
	{ "authcap", W_LAN, IPMI_MONITORING_WORKAROUND_FLAGS_PROTOCOL_VERSION_2_0_AUTHENTICATION_CAPABILITIES, 0 },
	{ "intel20", W_LAN, IPMI_MONITORING_WORKAROUND_FLAGS_PROTOCOL_VERSION_2_0_INTEL_2_0_SESSION, 0 },
	{ "supermicro20", W_LAN, IPMI_MONITORING_WORKAROUND_FLAGS_PROTOCOL_VERSION_2_0_SUPERMICRO_2_0_SESSION, 0 },
	{ "sun20", W_LAN, IPMI_MONITORING_WORKAROUND_FLAGS_PROTOCOL_VERSION_2_0_SUN_2_0_SESSION, 0 },
	{ "opensesspriv", W_LAN, IPMI_MONITORING_WORKAROUND_FLAGS_PROTOCOL_VERSION_2_0_OPEN_SESSION_PRIVILEGE, 0 },
	{ "integritycheckvalue", W_LAN,
	  IPMI_MONITORING_WORKAROUND_FLAGS_PROTOCOL_VERSION_2_0_NON_EMPTY_INTEGRITY_CHECK_VALUE, 0 },
	{ "nochecksumcheck", W_LAN, IPMI_MONITORING_WORKAROUND_FLAGS_PROTOCOL_VERSION_2_0_NO_CHECKSUM_CHECK, 0 },
	{ "assumeio", W_INBAND, IPMI_MONITORING_WORKAROUND_FLAGS_INBAND_ASSUME_IO_BASE_ADDRESS, 0 },
	{ "spinpoll", W_INBAND, IPMI_MONITORING_WORKAROUND_FLAGS_INBAND_SPIN_POLL, 0 },
	{ "discretereading", W_BOTH, 0, IPMI_MONITORING_SENSOR_READING_FLAGS_DISCRETE_READING },
	{ "ignorescanningdisabled", W_BOTH, 0, IPMI_MONITORING_SENSOR_READING_FLAGS_IGNORE_SCANNING_DISABLED },
	{ "assumebmcowner", W_BOTH, 0, IPMI_MONITORING_SENSOR_READING_FLAGS_ASSUME_BMC_OWNER },
	{ "assumemaxsdrrecordcount", W_BOTH, 0, IPMI_MONITORING_SENSOR_READING_FLAGS_ASSUME_MAX_SDR_RECORD_COUNT },
};

int ipmimap_workarounds(char *const *names, size_t n, bool lan, unsigned *session_flags,
	unsigned *reading_flags)
{
	*session_flags = *reading_flags = 0;
	for (size_t i = 0; i < n; i++) {
		const struct workaround *w = NULL;

		for (size_t k = 0; k < sizeof(workarounds) / sizeof(workarounds[0]); k++)
			if (strcmp(names[i], workarounds[k].name) == 0)
				w = &workarounds[k];
		if (!w || (w->where == W_LAN && !lan) || (w->where == W_INBAND && lan))
			return (int)i;
		*session_flags |= w->session;
		*reading_flags |= w->reading;
	}
	return -1;
}
