/* proflist.c — where each loaded profile came from (see proflist.h). */
#include <config.h>

#include "envmon.h"
#include "proflist.h"

static const char *const profile_protocol_names[] = {
	[PROFILE_SNMP] = "snmp", [PROFILE_MODBUS] = "modbus", [PROFILE_NUT] = "nut", [PROFILE_IPMI] = "ipmi",
};

static size_t devices_using(const struct config *cfg, const struct profile *prof)
{
	size_t n = 0;

	for (size_t i = 0; i < cfg->n_devices; i++)
		n += cfg->devices[i].profile == prof;
	return n;
}

void proflist_print_origins(const struct config *cfg, FILE *out)
{
	for (size_t i = 0; i < cfg->n_profiles; i++) {
		const struct profile *prof = cfg->profiles[i];

		if (prof->overrides)
			fprintf(out, _("  profile %s: %s, replacing %s\n"), prof->name, prof->file, prof->overrides);
		else
			fprintf(out, _("  profile %s: %s\n"), prof->name, prof->file);
	}
}

void proflist_print_table(const struct config *cfg, FILE *out)
{
	fprintf(out, "%-26s %-8s %-8s %-7s %s\n", _("NAME"), _("KIND"), _("PROTOCOL"), _("DEVICES"), _("FILE"));
	for (size_t i = 0; i < cfg->n_profiles; i++) {
		const struct profile *prof = cfg->profiles[i];

		fprintf(out, "%-26s %-8s %-8s %-7zu %s", prof->name, device_kind_name(prof->kind),
			profile_protocol_names[prof->protocol], devices_using(cfg, prof), prof->file);
		if (prof->overrides)
			fprintf(out, _(" (replaces %s)"), prof->overrides);
		fputc('\n', out);
	}
}
