/* conf.h — the validated, immutable configuration model of envmond: the site, its
 * devices with their profiles, racks and hosted servers, hosting specs, mail. */
#ifndef CONF_H
#define CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "criteria.h"
#include "profile.h"

struct cfgparse;

enum protocol { PROTO_SNMP, PROTO_MODBUS_TCP, PROTO_MODBUS_RTU, PROTO_SIM, PROTO_NUT, PROTO_IPMI };
#define PROTO_COUNT (PROTO_IPMI + 1)
/* daemon.max_silence: at most 90 days, 7 by default. */
#define DAEMON_MAX_SILENCE_LIMIT_S (90 * 86400)
/* The ministry's circulars name the first four; ROLE_OTHER stays last (a count). */
enum server_role { ROLE_DIGITIZATION, ROLE_COMCI, ROLE_PPN, ROLE_VISIOCONFERENCE, ROLE_OTHER };
#define ROLE_COUNT (ROLE_OTHER + 1)
enum snmp_auth { SNMP_AUTH_NONE, SNMP_AUTH_MD5, SNMP_AUTH_SHA, SNMP_AUTH_SHA224,
	SNMP_AUTH_SHA256, SNMP_AUTH_SHA384, SNMP_AUTH_SHA512 };
enum snmp_priv { SNMP_PRIV_NONE, SNMP_PRIV_DES, SNMP_PRIV_AES, SNMP_PRIV_AES192, SNMP_PRIV_AES256 };
enum mail_tls { MAIL_TLS_STARTTLS, MAIL_TLS_IMPLICIT, MAIL_TLS_NONE };


struct cfg_snmp {
	char *host;
	unsigned port;
	int version;               /* 1, 2 (v2c) or 3 */
	char *community;           /* v1/v2c (secret) */
	char *user;                /* v3 */
	enum snmp_auth auth;
	char *auth_pass;           /* secret: never logged */
	enum snmp_priv priv;
	char *priv_pass;           /* secret: never logged */
	char *context;
	unsigned max_oids;         /* OIDs per GET request before splitting */
};

struct cfg_modbus {
	/* TCP */
	char *host;
	unsigned port;
	/* RTU */
	char *serial;
	unsigned baud;
	char parity;               /* 'N', 'E' or 'O' */
	unsigned data_bits, stop_bits;
	bool rs485;
	unsigned turnaround_ms;    /* silence between two requests on a bus */
	/* both */
	unsigned unit;             /* slave / unit id */
};

struct cfg_sim {
	char *scenario;            /* scenario file driving the simulated device (tests, demo) */
};

/* A UPS served by NUT's upsd: envmond is one of its clients. */
struct cfg_nut {
	char *host;
	unsigned port;
	char *ups;                 /* the UPS name in upsd (ups.conf's section) */
	char *user;                /* optional: LIST VAR needs no login */
	char *password;            /* secret: never logged */
};

/* A BMC over IPMI LAN 2.0, or the local one (host NULL: in-band, /dev/ipmi0). */
struct cfg_ipmi {
	char *host;
	char *user;
	char *password;            /* secret: never logged */
	char **workarounds;        /* FreeIPMI workaround flags ("opensesspriv", ...) */
	size_t n_workarounds;
};

struct cfg_device {
	char *name;
	int line;
	const struct profile *profile;
	enum protocol protocol;
	unsigned interval_s;       /* polling interval */
	unsigned timeout_ms;       /* per request */
	unsigned retries;
	unsigned dead_intervals;   /* intervals without an answer before "lost contact" */
	time_t battery_installed;  /* UPS: local midnight of the battery's installation, 0 unknown */
	struct cfg_snmp snmp;
	struct cfg_modbus modbus;
	struct cfg_sim sim;
	struct cfg_nut nut;
	struct cfg_ipmi ipmi;
};


struct cfg_spec {
	char *name;
	int line;
	struct cfg_threshold crit[CRIT_COUNT];
};

struct cfg_server {
	char *name;
	int line;
	enum server_role role;
	const struct cfg_spec *spec;
	struct cfg_rack *rack;
	const struct cfg_device **ups;     /* UPS feeding it; none = not on a UPS */
	size_t n_ups;
	/* Its own BMC (an IPMI device), whose inlet temperature judges the server when its
	 * rack has no probe, and is shown beside the probes when it has; NULL = none. */
	const struct cfg_device *inlet;
};

struct cfg_rack {
	char *name;
	int line;
	bool is_rack;              /* false: servers stand outside a rack (on a shelf, the floor) */
	const struct cfg_device **probes;
	size_t n_probes;
	const struct cfg_device **cooling;
	size_t n_cooling;
	struct cfg_server *servers;
	size_t n_servers;
};

struct cfg_maintenance {
	char *target;              /* a device or server name */
	time_t from, to;
	char *reason;
	int line;
};

struct cfg_contacts {
	char **arsit;
	size_t n_arsit;
	char **local;
	size_t n_local;
	enum severity local_min_severity;  /* the local list gets mail from this severity up */
	/* contacts.roles = { ppn = [ ... ]; visioconference = [ ... ] }: put first in To: of the
	 * mail about a server of that role. Without a list, visioconference puts the local
	 * list first (its technician maintains the equipment). */
	char **role[ROLE_COUNT];
	size_t n_role[ROLE_COUNT];
};

struct cfg_mail {
	bool enabled;              /* false when no server is configured */
	char *server;
	unsigned port;
	enum mail_tls tls;
	char *ca_file;             /* NULL: the system CA store */
	char *user;
	char *password;            /* secret: never logged */
	char *from;
	char *lang;                /* "fr" (default) or "en" */
	unsigned timeout_s;
	unsigned max_per_hour;     /* per incident, against floods */
	int digest_min;            /* mail.digest: minutes after local midnight, -1 = none */
};

struct cfg_alerts {
	double flap_high, flap_low;        /* marks on the weighted share of state changes */
	unsigned flap_window;              /* evaluations considered */
	unsigned startup_grace_s;
	unsigned journal_max_kib;          /* rotate the journal past this size; 0 never */
};

struct config {
	char *file;                /* the main file, as given */
	char *dir;                 /* its directory: relative paths are resolved against it */

	struct {
		char *name, *code, *ressort;
		struct cfg_contacts contacts;
	} site;
	struct {
		char *state_dir, *pid_file, *control_socket;
		char *profiles_dir;        /* shipped profiles (the package's, DATADIR/envmond/profiles) */
		char *site_profiles_dir;   /* the site's (profiles.d beside the configuration): a
		                            * profile there replaces a shipped one of the same name */
	} paths;
	struct {
		unsigned step_s;
		unsigned batch_s;          /* a device's readings written together within it */
		char *rrdcached;           /* "" = write files directly */
	} storage;
	struct {
		char *user, *group;
		bool allow_root;
		unsigned max_silence_s;    /* longest silence `envmonctl silence` may set */
	} daemon;
	struct cfg_mail mail;
	struct cfg_alerts alerts;
	struct {
		bool enabled;              /* an agentx section with enabled = true (its default) */
		char *socket;              /* the master's AgentX socket: a path or tcp:host:port */
		char *root;                /* ENVMON-MIB's root OID, dotted; NULL = agentx.h's default */
		unsigned ping_s;           /* ping and reconnect interval */
	} agentx;

	struct profile **profiles;
	size_t n_profiles;
	struct cfg_device *devices;
	size_t n_devices;
	struct cfg_rack *racks;
	size_t n_racks;
	struct cfg_spec *specs;
	size_t n_specs;
	struct cfg_maintenance *maintenance;
	size_t n_maintenance;
};

/* Reads and validates file and the profiles it uses. Every error is added to p (see
 * cfgparse.h); returns NULL if there was any. */
struct config *conf_load(struct cfgparse *p, const char *file);
void conf_free(struct config *cfg);

const struct cfg_device *conf_device(const struct config *cfg, const char *name);

/* profile = "auto" (or "auto:ups", "auto:probe", "auto:cooling"): the function that asks
 * the device which of the profiles fits (kind -1: any), set by the programs that can
 * (envmond: snmpdisc_pick); NULL makes "auto" a configuration error. On failure it
 * returns NULL with the reason in why. */
typedef const struct profile *(*conf_auto_fn)(const struct cfg_device *dev, const struct profile *const *profiles,
	size_t n, int kind, char *why, size_t size);
extern conf_auto_fn conf_auto_profile;
const struct cfg_server *conf_server(const struct config *cfg, const char *name);
/* The server whose `inlet` is the device of that name, or NULL. */
const struct cfg_server *conf_inlet_server(const struct config *cfg, const char *device);
const struct cfg_spec *conf_spec(const struct config *cfg, const char *name);

/* The criteria's vocabulary (names, kinds, state severities, defaults): criteria.h. */
const char *role_name(enum server_role role);
const char *protocol_name(enum protocol proto);

#endif
