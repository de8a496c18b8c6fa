/* mail_fixture.h — a small configuration and notifications shared by the mail tests. */
#ifndef MAIL_FIXTURE_H
#define MAIL_FIXTURE_H

#include <math.h>

#include "conf.h"
#include "msgcat.h"
#include "notify.h"

static char *fixture_arsit[] = { "arsit@example.org", "arsit2@example.org" };
static char *fixture_local[] = { "tip@example.org" };

static inline void fixture_config(struct config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->site.name = "Tribunal judiciaire d'Exempleville";
	cfg->site.code = "TJ-EXV";
	cfg->site.contacts.arsit = fixture_arsit;
	cfg->site.contacts.n_arsit = 2;
	cfg->site.contacts.local = fixture_local;
	cfg->site.contacts.n_local = 1;
	cfg->site.contacts.local_min_severity = SEV_CRITICAL;
	cfg->mail.from = "envmond TJ-EXV <envmond@example.org>";
	cfg->mail.lang = "fr";
}

static const struct notif_server fixture_servers[] = {
	{ "srv-comci", ROLE_COMCI, "baie-A" },
	{ "srv-numerisation", ROLE_DIGITIZATION, "baie-A" },
};

/* The example of the issue: rack baie-A at 31.4 °C, above 27 °C, one server. */
static inline struct notification fixture_alert(void)
{
	struct notification n = {
		.kind = NOTIF_ALERT, .incident_id = "TJ-EXV-20261123-1", .seq = 0,
		.severity = SEV_CRITICAL, .criterion = CRIT_TEMPERATURE,
		.opened = 1795450000, .time = 1795450300, .device = "sonde-baie-a", .rack = "baie-A",
		.metric = "temperature", .value = 31.4, .worst = 31.9, .unit = "°C", .bound = 27,
		.bound_kind = "max", .servers = fixture_servers, .n_servers = 1,
	};
	return n;
}

/* The French catalogue of the build tree (po/fr.gmo), NULL if not built. */
static inline struct msgcat *fixture_french(void)
{
	struct msgcat *cat = msgcat_load_file(TOP_BUILDDIR "/po/fr.gmo");

	return cat ? cat : msgcat_load_file(TOP_SRCDIR "/po/fr.gmo");
}

#endif
