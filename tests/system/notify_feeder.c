/* notify_feeder.c — produces notifications the way the alert module will, straight into
 * the spool (spool_notify), for the mail system tests.
 *   notify_feeder CONFIG INCIDENTS PER_INCIDENT [--dup] [--evil] [--first N]
 * Incident i (from --first, default 1) gets seq 0 (alert), 1 .. PER_INCIDENT-2
 * (reminders) and a last recovery; --dup offers every notification twice (a crash
 * between the spool write and the alert's own record); --evil puts CR/LF and control
 * characters in the device-supplied names. Prints how many were offered. */
#include <config.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfgparse.h"
#include "conf.h"
#include "log.h"
#include "msgcat.h"
#include "spool.h"

static const struct notif_server servers[] = {
	{ "srv-comci", ROLE_COMCI, "baie-A" }, { "srv-numerisation", ROLE_DIGITIZATION, "baie-A" },
};
static const struct notif_server evil_servers[] = {
	{ "srv\r\nBcc: evil@example.com", ROLE_OTHER, "baie\nX-Injected: 1" },
};

static struct notification make(const char *id, unsigned seq, unsigned last, bool evil)
{
	struct notification n = {
		.kind = seq == 0 ? NOTIF_ALERT : seq == last ? NOTIF_RECOVERY : NOTIF_REMINDER,
		/* per incident: an alert, reminders, then the recovery (if more than one) */
		.incident_id = id, .seq = seq, .severity = SEV_CRITICAL, .criterion = CRIT_TEMPERATURE,
		.opened = 1795450000, .time = 1795450000 + 3600.0 * seq,
		.closed = seq == last && seq > 0 ? 1795450000 + 3600.0 * seq : 0,
		.device = evil ? "sonde\r\nBcc: evil@example.com" : "sonde-baie-a",
		.rack = evil ? "baie-A\r\nX-Injected: yes\x01" : "baie-A", .metric = "temperature",
		.value = seq == last && seq > 0 ? 24.2 : 31.4, .worst = 31.9, .unit = "°C", .bound = 27,
		.bound_kind = "max", .servers = evil ? evil_servers : servers, .n_servers = evil ? 1 : 2,
	};
	return n;
}

int main(int argc, char **argv)
{
	struct cfgparse p;
	struct config *cfg;
	struct msgcat *cat;
	struct spool *sp;
	bool dup = false, evil = false;
	unsigned first = 1, offered = 0;
	int rc = 0;

	if (argc < 4) {
		fprintf(stderr, "usage: notify_feeder CONFIG INCIDENTS PER_INCIDENT [--dup] [--evil] [--first N]\n");
		return 64;
	}
	for (int i = 4; i < argc; i++) {
		if (strcmp(argv[i], "--dup") == 0)
			dup = true;
		else if (strcmp(argv[i], "--evil") == 0)
			evil = true;
		else if (strcmp(argv[i], "--first") == 0 && i + 1 < argc)
			first = (unsigned)atoi(argv[++i]);
	}
	log_init("notify_feeder", true, LOG_WARNING);
	cfgparse_init(&p);
	cfg = conf_load(&p, argv[1]);
	if (!cfg) {
		cfgparse_print(&p, stderr);
		return 78;
	}
	cfgparse_fini(&p);
	cat = msgcat_load(cfg->mail.lang);
	sp = spool_open(cfg->paths.state_dir, cfg, cat);
	if (!sp)
		return 1;
	for (unsigned i = first; i < first + (unsigned)atoi(argv[2]); i++) {
		unsigned per = (unsigned)atoi(argv[3]);
		char id[64];

		snprintf(id, sizeof(id), "%s-20261123-%u", cfg->site.code, i);
		for (unsigned seq = 0; seq < per; seq++) {
			struct notification n = make(id, seq, per - 1, evil);
			for (int k = 0; k < (dup ? 2 : 1); k++)
				if (spool_notify(sp, &n) < 0)
					rc = 1;
			offered++;
		}
	}
	printf("%u\n", offered);
	spool_close(sp);
	msgcat_free(cat);
	conf_free(cfg);
	log_fini();
	return rc;
}
