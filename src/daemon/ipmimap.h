/* ipmimap.h — a BMC's sensor readings (as libipmimonitoring reports them) onto
 * envmond's metrics: the sensor chosen by its name from the profile's ordered list,
 * units, readings the BMC cannot give, FreeIPMI's workaround flags by name. Pure: no
 * I/O, no clock; the IPMI driver (ipmidrv.c) does the talking. The BMC's own
 * threshold state is deliberately not read: envmond judges with its hosting spec. */
#ifndef IPMIMAP_H
#define IPMIMAP_H

#include <stdbool.h>
#include <stddef.h>

#include "driver.h"

enum ipmi_unit { IPMI_UNIT_OTHER, IPMI_UNIT_CELSIUS, IPMI_UNIT_FAHRENHEIT };

/* One sensor as the BMC's SDR names it, with its reading (has_value false: the BMC
 * has no reading now, e.g. "N/A" while the host is powered off). */
struct ipmi_sensor {
	char *name;
	enum ipmi_unit unit;
	bool has_value;
	double value;
};

struct ipmi_sensors {
	struct ipmi_sensor *v;
	size_t n, cap;
};

/* Adds a sensor (copies name), frees them all. */
void ipmimap_add(struct ipmi_sensors *s, const char *name, enum ipmi_unit unit, bool has_value, double value);
void ipmimap_free(struct ipmi_sensors *s);

/* Whether a BMC's sensor name is the name a profile gives: the whole name, anchored at
 * both ends ("Inlet Temp" is not "PSU1 Inlet Temp"), case and the blanks some BMCs pad
 * their 16-byte id strings with ignored. */
bool ipmimap_name_is(const char *bmc_name, const char *wanted);
/* The sensor for metric m: the first of m->sensors (the profile's order of preference)
 * that the BMC has, its index there in *which (may be NULL). NULL if none. */
const struct ipmi_sensor *ipmimap_pick(const struct profile_metric *m, const struct ipmi_sensors *s,
	unsigned *which);
/* The reading of m (out->sensor: which of m->sensors): absent if the BMC has none of its sensors, invalid if the sensor
 * has no reading; °F converted when the metric is in °C; then the profile's scale,
 * offset and conversion. */
void ipmimap_decode(const struct profile_metric *m, const struct ipmi_sensors *s, struct reading *out);

/* The BMC's sensor names, for a log line or --probe's note: each in double quotes,
 * separated by ", ", anything but printable ASCII (and quotes, backslashes) as '?',
 * cut with "..." to fit size. Returns buf. */
char *ipmimap_names(const struct ipmi_sensors *s, char *buf, size_t size);

/* FreeIPMI's workaround flags by their names (ipmi-sensors --workaround-flags): the
 * LAN 2.0 session flags (authcap, intel20, supermicro20, sun20, opensesspriv,
 * integritycheckvalue, nochecksumcheck) or, in-band, assumeio and spinpoll; and the
 * sensor-reading ones (discretereading, ignorescanningdisabled, assumebmcowner,
 * assumemaxsdrrecordcount). Returns the index of the first name that does not apply
 * (to a LAN or an in-band BMC, by lan), or -1 when all do. */
int ipmimap_workarounds(char *const *names, size_t n, bool lan, unsigned *session_flags,
	unsigned *reading_flags);

#endif
