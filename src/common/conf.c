/* conf.c — reading and validating envmond.conf into the immutable model of conf.h.
 * Every check records its error and goes on, so that one run of `envmond -t` lists
 * every mistake in the file.
 *
 * Over 600 lines: it is one concern, the schema of one file (site, paths, storage, mail,
 * alerts, devices of five protocols, racks, specs, maintenance), each section a short
 * parse_* function; the profiles loading could leave for a module of its own. */
#include <config.h>

#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <libgen.h>
#include <math.h>
#include <netinet/in.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cfgparse.h"
#include "conf.h"
#include "log.h"
#include "xmem.h"

#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif
#ifndef LOCALSTATEDIR
#define LOCALSTATEDIR "/var"
#endif
#ifndef RUNSTATEDIR
#define RUNSTATEDIR "/run"
#endif

static const char *const role_names[] = { "digitization", "comci", "ppn", "visioconference", "other", NULL };
static const char *const protocol_names[] = { "snmp", "modbus-tcp", "modbus-rtu", "sim", "nut", "ipmi" };
/* Then Net-SNMP's spellings (snmpd.conf, snmpget -a), SHA-224 .. SHA-512: index - 4. */
static const char *const auth_names[] = { "none", "MD5", "SHA", "SHA224", "SHA256", "SHA384",
	"SHA512", "SHA-224", "SHA-256", "SHA-384", "SHA-512", NULL };
static const char *const priv_names[] = { "none", "DES", "AES", "AES192", "AES256", NULL };
static const char *const tls_names[] = { "starttls", "tls", "none", NULL };
static const char *const lang_names[] = { "fr", "en", NULL };
static const char *const parity_names[] = { "N", "E", "O", NULL };

const char *role_name(enum server_role role) { return role_names[role]; }
const char *protocol_name(enum protocol proto) { return protocol_names[proto]; }

/* ------------------------------------------------------------------ parsing state */

struct parse {
	struct cfgparse *p;
	struct config *cfg;
	config_t cf;
	bool inline_secret_warned;     /* once per load: every device may have a community */
};

static bool email_valid(const char *s)
{
	const char *at = strchr(s, '@');

	if (!at || at == s || !at[1] || strchr(at + 1, '@'))
		return false;
	for (; *s; s++)
		if ((unsigned char)*s <= ' ' || strchr("<>()[],;:\"\\", *s))
			return false;
	return true;
}

static void get_path(struct parse *ps, const config_setting_t *g, const char *key, char **out)
{
	char *raw = NULL;

	if (cfgparse_string(ps->p, g, key, false, &raw)) {
		free(*out);
		*out = raw[0] ? cfgparse_resolve_path(ps->cfg->dir, raw) : xstrdup("");
		free(raw);
	}
}

/* The daemon user's uid, who may own secret files; (uid_t)-1 if none or unknown. */
static uid_t daemon_uid(const struct config *cfg)
{
	struct passwd *pw = cfg->daemon.user ? getpwnam(cfg->daemon.user) : NULL;

	return pw ? pw->pw_uid : (uid_t)-1;
}

/* An inline secret in a file others can read is no secret: said (not refused, so that
 * an upgrade does not stop monitoring), once, at the first one's file:line. */
static void warn_inline_secret(struct parse *ps, const config_setting_t *s, const char *key)
{
	const char *file = config_setting_source_file(s);
	struct stat st;

	if (ps->inline_secret_warned || !file || stat(file, &st) < 0 || !(st.st_mode & S_IROTH))
		return;
	ps->inline_secret_warned = true;
	log_warn("%s:%d: '%s' is given inline in a file others can read (mode %04o): "
		"use '%s_file', or chmod o-r the file", file, config_setting_source_line(s), key,
		(unsigned)(st.st_mode & 07777), key);
}

/* A secret is given inline (key) or, better, in a file only its owner reads (key_file). */
/* Reads key (inline) or key_file into *out. Returns whether either was given, so that a
 * file that could not be read (already reported) brings no second, misleading error. */
static bool get_secret(struct parse *ps, const config_setting_t *g, const char *key, char **out)
{
	char *file_key = xasprintf("%s_file", key);
	config_setting_t *fs = cfgparse_member(ps->p, g, file_key, CONFIG_TYPE_STRING, false);
	bool inline_given = cfgparse_string(ps->p, g, key, false, out);

	if (inline_given && !fs)
		warn_inline_secret(ps, config_setting_get_member(g, key), key);
	if (fs && inline_given)
		cfgparse_error_at(ps->p, fs, _("give either '%s' or '%s', not both"), key, file_key);
	else if (fs) {
		char *path = cfgparse_resolve_path(ps->cfg->dir, config_setting_get_string(fs));

		*out = cfgparse_secret_file(ps->p, fs, path, daemon_uid(ps->cfg));
		free(path);
	}
	free(file_key);
	return fs || inline_given;
}

/* ------------------------------------------------------------------ site, paths, mail */

static void check_addresses(struct parse *ps, const config_setting_t *g, char **addrs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!email_valid(addrs[i]))
			cfgparse_error_at(ps->p, g, _("\"%s\" is not a valid e-mail address"), addrs[i]);
}

/* contacts.roles = { visioconference = [ "tip@..." ]; ... }: one list per role name. */
static void parse_role_contacts(struct parse *ps, const config_setting_t *contacts)
{
	struct cfg_contacts *c = &ps->cfg->site.contacts;
	config_setting_t *g = cfgparse_member(ps->p, contacts, "roles", CONFIG_TYPE_GROUP, false);
	int n = g ? config_setting_length(g) : 0;

	if (!g)
		return;
	cfgparse_check_keys(ps->p, g, role_names);
	for (int i = 0; i < n; i++) {
		const char *key = config_setting_name(config_setting_get_elem(g, (unsigned)i));

		for (int r = 0; r < ROLE_COUNT; r++)
			if (strcmp(key, role_names[r]) == 0 &&
			    cfgparse_strings(ps->p, g, key, &c->role[r], &c->n_role[r]))
				check_addresses(ps, g, c->role[r], c->n_role[r]);
	}
}

static void parse_contacts(struct parse *ps, const config_setting_t *site)
{
	static const char *const keys[] = { "arsit", "local", "local_min_severity", "roles", NULL };
	struct cfg_contacts *c = &ps->cfg->site.contacts;
	config_setting_t *g = cfgparse_member(ps->p, site, "contacts", CONFIG_TYPE_GROUP, true);
	int sev = SEV_WARNING;

	if (!g)
		return;
	cfgparse_check_keys(ps->p, g, keys);
	if (!cfgparse_strings(ps->p, g, "arsit", &c->arsit, &c->n_arsit) || c->n_arsit == 0)
		cfgparse_error_at(ps->p, g, _("'arsit' must list at least one address of the ARSIT"));
	cfgparse_strings(ps->p, g, "local", &c->local, &c->n_local);
	check_addresses(ps, g, c->arsit, c->n_arsit);
	check_addresses(ps, g, c->local, c->n_local);
	parse_role_contacts(ps, g);
	if (cfgparse_enum(ps->p, g, "local_min_severity", criteria_severity_names, &sev) &&
	    sev != SEV_WARNING && sev != SEV_CRITICAL)
		cfgparse_error_at(ps->p, g, _("'local_min_severity' must be \"warning\" or \"critical\""));
	c->local_min_severity = (enum severity)sev;
}

static void parse_site(struct parse *ps, const config_setting_t *root)
{
	static const char *const keys[] = { "name", "code", "ressort", "contacts", NULL };
	config_setting_t *g = cfgparse_member(ps->p, root, "site", CONFIG_TYPE_GROUP, true);

	if (!g)
		return;
	cfgparse_check_keys(ps->p, g, keys);
	cfgparse_string(ps->p, g, "name", true, &ps->cfg->site.name);
	if (cfgparse_string(ps->p, g, "code", true, &ps->cfg->site.code) &&
	    (strlen(ps->cfg->site.code) > 32 || strcspn(ps->cfg->site.code, " \t\r\n") != strlen(ps->cfg->site.code)))
		cfgparse_error_at(ps->p, g, _("'code' must be a short identifier without spaces, like TJ-EXV"));
	cfgparse_string(ps->p, g, "ressort", false, &ps->cfg->site.ressort);
	parse_contacts(ps, g);
}

static void parse_paths(struct parse *ps, const config_setting_t *root)
{
	static const char *const keys[] = { "state_dir", "profiles_dir", "site_profiles_dir", "pid_file",
		"control_socket", NULL };
	config_setting_t *g = cfgparse_member(ps->p, root, "paths", CONFIG_TYPE_GROUP, false);
	struct config *cfg = ps->cfg;

	cfg->paths.state_dir = xstrdup(LOCALSTATEDIR "/lib/envmond");
	cfg->paths.profiles_dir = xstrdup(DATADIR "/envmond/profiles");
	cfg->paths.site_profiles_dir = xasprintf("%s/profiles.d", cfg->dir);
	cfg->paths.pid_file = xstrdup(RUNSTATEDIR "/envmond/envmond.pid");
	cfg->paths.control_socket = xstrdup(RUNSTATEDIR "/envmond/envmond.sock");
	if (!g)
		return;
	cfgparse_check_keys(ps->p, g, keys);
	get_path(ps, g, "state_dir", &cfg->paths.state_dir);
	get_path(ps, g, "profiles_dir", &cfg->paths.profiles_dir);
	get_path(ps, g, "site_profiles_dir", &cfg->paths.site_profiles_dir);
	get_path(ps, g, "pid_file", &cfg->paths.pid_file);
	get_path(ps, g, "control_socket", &cfg->paths.control_socket);
}

static void parse_storage_daemon(struct parse *ps, const config_setting_t *root)
{
	static const char *const skeys[] = { "step", "batch", "rrdcached", NULL };
	static const char *const dkeys[] = { "user", "group", "allow_root", "max_silence", NULL };
	config_setting_t *s = cfgparse_member(ps->p, root, "storage", CONFIG_TYPE_GROUP, false);
	config_setting_t *d = cfgparse_member(ps->p, root, "daemon", CONFIG_TYPE_GROUP, false);
	struct config *cfg = ps->cfg;

	cfg->storage.step_s = 30;
	cfg->storage.batch_s = 300;
	cfg->storage.rrdcached = xstrdup("");
	cfg->daemon.max_silence_s = 7 * 86400;
	if (s) {
		cfgparse_check_keys(ps->p, s, skeys);
		/* The RRD archives of 5 min, 1 h and 1 day are whole numbers of steps. */
		if (cfgparse_uint(ps->p, s, "step", 5, 300, &cfg->storage.step_s) &&
		    300 % cfg->storage.step_s != 0)
			cfgparse_error_at(ps->p, config_setting_get_member(s, "step"),
				_("'step' = %u must divide 300 (5, 10, 15, 20, 30, 60, 300 ...): the "
				"5-minute archive is made of whole steps"), cfg->storage.step_s);
		cfgparse_uint(ps->p, s, "batch", 0, 3600, &cfg->storage.batch_s);
		cfgparse_string(ps->p, s, "rrdcached", false, &cfg->storage.rrdcached);
	}
	if (d) {
		cfgparse_check_keys(ps->p, d, dkeys);
		cfgparse_string(ps->p, d, "user", false, &cfg->daemon.user);
		cfgparse_string(ps->p, d, "group", false, &cfg->daemon.group);
		cfgparse_bool(ps->p, d, "allow_root", &cfg->daemon.allow_root);
		/* Anyone of the socket's group may silence: a bound on what one request hides. */
		cfgparse_uint(ps->p, d, "max_silence", 60, DAEMON_MAX_SILENCE_LIMIT_S, &cfg->daemon.max_silence_s);
	}
}

/* Only an address that cannot leave this machine: 127.0.0.0/8, ::1 (or an IPv4-mapped
 * 127.x), or the literal "localhost". A name such as "127.attacker.example" is resolved
 * by DNS and may be anywhere, so it is parsed as an address, never matched as a prefix. */
static bool host_is_loopback(const char *host)
{
	struct in_addr a4;
	struct in6_addr a6;

	if (strcmp(host, "localhost") == 0)
		return true;
	if (inet_pton(AF_INET, host, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	if (inet_pton(AF_INET6, host, &a6) == 1)
		return IN6_IS_ADDR_LOOPBACK(&a6) || (IN6_IS_ADDR_V4MAPPED(&a6) && a6.s6_addr[12] == 127);
	return false;
}

static void check_mail(struct parse *ps, const config_setting_t *g, struct cfg_mail *m)
{
	if (!m->from)
		cfgparse_error_at(ps->p, g, _("missing setting '%s'"), "from");
	else if (strpbrk(m->from, "\r\n") || !strchr(m->from, '@'))
		cfgparse_error_at(ps->p, g, _("'from' must be an address, like \"envmond <envmond@example.org>\""));
	if (m->tls == MAIL_TLS_NONE && m->server && !host_is_loopback(m->server))
		cfgparse_error_at(ps->p, g, _("tls = \"none\" is only allowed with a mail server on this machine "
			"(localhost): passwords and alerts would cross the network in clear"));
	/* A password file that could not be read was reported already. */
	if (m->user && !m->password && !config_setting_get_member(g, "password_file"))
		cfgparse_error_at(ps->p, g, _("'user' is set: give 'password_file' too"));
	if (!m->user && m->password)
		cfgparse_error_at(ps->p, g, _("a password is set without 'user'"));
}

/* mail.digest = "08:00": one mail a day at that local time instead of reminders. */
static void parse_digest(struct parse *ps, const config_setting_t *g, struct cfg_mail *m)
{
	char *s = NULL;
	unsigned h, min;
	char end;

	m->digest_min = -1;
	if (!cfgparse_string(ps->p, g, "digest", false, &s))
		return;
	if (sscanf(s, "%2u:%2u%c", &h, &min, &end) != 2 || h > 23 || min > 59)
		cfgparse_error_at(ps->p, config_setting_get_member(g, "digest"),
			_("'digest' = \"%s\" is not a time like \"08:00\""), s);
	else
		m->digest_min = (int)(h * 60 + min);
	free(s);
}

static void parse_mail(struct parse *ps, const config_setting_t *root)
{
	static const char *const keys[] = { "server", "port", "tls", "ca_file", "user", "password",
		"password_file", "from", "lang", "timeout", "max_per_hour", "digest", NULL };
	config_setting_t *g = cfgparse_member(ps->p, root, "mail", CONFIG_TYPE_GROUP, false);
	struct cfg_mail *m = &ps->cfg->mail;
	int tls = MAIL_TLS_STARTTLS, lang = 0;

	m->timeout_s = 60;
	m->max_per_hour = 6;
	m->digest_min = -1;
	m->lang = xstrdup("fr");
	if (!g)
		return;
	m->enabled = true;
	cfgparse_check_keys(ps->p, g, keys);
	cfgparse_string(ps->p, g, "server", true, &m->server);
	cfgparse_enum(ps->p, g, "tls", tls_names, &tls);
	m->tls = (enum mail_tls)tls;
	m->port = m->tls == MAIL_TLS_IMPLICIT ? 465 : m->tls == MAIL_TLS_STARTTLS ? 587 : 25;
	cfgparse_uint(ps->p, g, "port", 1, 65535, &m->port);
	get_path(ps, g, "ca_file", &m->ca_file);
	cfgparse_string(ps->p, g, "user", false, &m->user);
	get_secret(ps, g, "password", &m->password);
	cfgparse_string(ps->p, g, "from", false, &m->from);
	if (cfgparse_enum(ps->p, g, "lang", lang_names, &lang)) {
		free(m->lang);
		m->lang = xstrdup(lang_names[lang]);
	}
	cfgparse_uint(ps->p, g, "timeout", 5, 3600, &m->timeout_s);
	cfgparse_uint(ps->p, g, "max_per_hour", 1, 1000, &m->max_per_hour);
	parse_digest(ps, g, m);
	check_mail(ps, g, m);
}

/* agentx = { socket = "/var/agentx/master"; root = "1.3.6..."; ping = 5; enabled = true; }:
 * the AgentX subagent (src/daemon/agentx.h), off without the section. */
static void parse_agentx(struct parse *ps, const config_setting_t *root)
{
	static const char *const keys[] = { "enabled", "socket", "root", "ping", NULL };
	config_setting_t *g = cfgparse_member(ps->p, root, "agentx", CONFIG_TYPE_GROUP, false);
	struct config *cfg = ps->cfg;

	cfg->agentx.socket = xstrdup("/var/agentx/master");
	cfg->agentx.ping_s = 5;
	if (!g)
		return;
	cfgparse_check_keys(ps->p, g, keys);
	cfg->agentx.enabled = true;
	cfgparse_bool(ps->p, g, "enabled", &cfg->agentx.enabled);
	cfgparse_string(ps->p, g, "socket", false, &cfg->agentx.socket);
	/* At least twice the 1 s that the open of a connection may block (agentx.c). */
	cfgparse_uint(ps->p, g, "ping", 2, 300, &cfg->agentx.ping_s);
	if (cfgparse_string(ps->p, g, "root", false, &cfg->agentx.root) &&
	    (strspn(cfg->agentx.root, "0123456789.") != strlen(cfg->agentx.root) ||
	     !isdigit((unsigned char)cfg->agentx.root[0]) || strstr(cfg->agentx.root, "..")))
		cfgparse_error_at(ps->p, config_setting_get_member(g, "root"),
			_("'root' = \"%s\" must be a numeric OID such as 1.3.6.1.4.1.8072.9999.9999.1"),
			cfg->agentx.root);
}

static void parse_alerts(struct parse *ps, const config_setting_t *root)
{
	static const char *const keys[] = { "flap_high", "flap_low", "flap_window", "startup_grace",
		"journal_max_kib", NULL };
	config_setting_t *g = cfgparse_member(ps->p, root, "alerts", CONFIG_TYPE_GROUP, false);
	struct cfg_alerts *a = &ps->cfg->alerts;

	/* Nagios' defaults for flap detection: 21 evaluations, 50 % / 25 % of changes. */
	a->flap_high = 0.5;
	a->flap_low = 0.25;
	a->flap_window = 21;
	a->startup_grace_s = 0;
	a->journal_max_kib = 16384;
	if (!g)
		return;
	cfgparse_check_keys(ps->p, g, keys);
	cfgparse_double(ps->p, g, "flap_high", 0.0, 1.0, &a->flap_high);
	cfgparse_double(ps->p, g, "flap_low", 0.0, 1.0, &a->flap_low);
	cfgparse_uint(ps->p, g, "flap_window", 4, 64, &a->flap_window);
	cfgparse_uint(ps->p, g, "startup_grace", 0, 3600, &a->startup_grace_s);
	cfgparse_uint(ps->p, g, "journal_max_kib", 0, 4194304, &a->journal_max_kib);
	if (a->flap_low > a->flap_high)
		cfgparse_error_at(ps->p, g, _("'flap_low' must not exceed 'flap_high'"));
}

/* ------------------------------------------------------------------ profiles */

static int compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The *.conf files of dir, sorted, in *names[*n]. A missing directory is an error only
 * when required (the shipped one; the site's may not exist). */
static bool list_profile_files(struct parse *ps, const char *dir, bool required, char ***names, size_t *n)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t cap = 0;

	*names = NULL;
	*n = 0;
	if (!d) {
		if (required || errno != ENOENT)
			cfgparse_error(ps->p, ps->cfg->file, 1, _("cannot open the profiles directory %s: %s"),
				dir, strerror(errno));
		return false;
	}
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);

		if (e->d_name[0] == '.' || len < 6 || strcmp(e->d_name + len - 5, ".conf") != 0)
			continue;
		*names = xgrow(*names, &cap, *n + 1, sizeof(**names));
		(*names)[(*n)++] = xasprintf("%s/%s", dir, e->d_name);
	}
	closedir(d);
	qsort(*names, *n, sizeof(**names), compare_names);
	return true;
}

static int profile_slot(const struct config *cfg, const char *name)
{
	for (size_t j = 0; j < cfg->n_profiles; j++)
		if (strcmp(cfg->profiles[j]->name, name) == 0)
			return (int)j;
	return -1;
}

/* Loads the profiles of one directory. Two files of one directory defining the same
 * profile are an error; a site profile replaces the shipped one of its name. */
static void load_profile_dir(struct parse *ps, char **names, size_t n, size_t first_of_dir, bool site)
{
	struct config *cfg = ps->cfg;

	for (size_t i = 0; i < n; i++) {
		struct profile *prof = profile_load(ps->p, names[i]);
		int j = prof ? profile_slot(cfg, prof->name) : -1;

		if (!prof) {
			;
		} else if (j >= (int)first_of_dir || (site && j >= 0 && cfg->profiles[j]->overrides)) {
			cfgparse_error(ps->p, names[i], 1, _("profile \"%s\" is also defined in %s"),
				prof->name, cfg->profiles[j]->file);
			profile_free(prof);
		} else if (j >= 0 && site) {
			prof->overrides = xstrdup(cfg->profiles[j]->file);
			profile_free(cfg->profiles[j]);
			cfg->profiles[j] = prof;
		} else {
			cfg->profiles[cfg->n_profiles++] = prof;
		}
		free(names[i]);
	}
	free(names);
}

/* Every *.conf of the shipped and site profile directories is loaded and checked, used
 * or not, so that a broken profile a site added is found by `envmond -t`, not at the
 * next device change. */
static void load_profiles(struct parse *ps, const config_setting_t *root)
{
	struct config *cfg = ps->cfg;
	char **shipped, **site;
	size_t n_shipped, n_site, n_before;

	list_profile_files(ps, cfg->paths.profiles_dir, true, &shipped, &n_shipped);
	if (strcmp(cfg->paths.site_profiles_dir, cfg->paths.profiles_dir) == 0)
		n_site = 0, site = NULL;
	else
		list_profile_files(ps, cfg->paths.site_profiles_dir, false, &site, &n_site);
	cfg->profiles = xcalloc(n_shipped + n_site + 1, sizeof(*cfg->profiles));
	load_profile_dir(ps, shipped, n_shipped, 0, false);
	n_before = cfg->n_profiles;
	load_profile_dir(ps, site, n_site, n_before, true);
	(void)root;
}

static const struct profile *find_profile(const struct config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->n_profiles; i++)
		if (strcmp(cfg->profiles[i]->name, name) == 0)
			return cfg->profiles[i];
	return NULL;
}

/* ------------------------------------------------------------------ devices */

/* The first member of g named in keys[*i...], or NULL; *i moves past it. Settings of
 * another transport or SNMP version would be silently ignored while the technician who
 * wrote them believes they are in force, so the callers report each one at its line. */
static const config_setting_t *next_member(const config_setting_t *g, const char *const *keys, size_t *i)
{
	for (; keys[*i]; (*i)++) {
		const config_setting_t *s = config_setting_get_member(g, keys[*i]);

		if (s) {
			(*i)++;
			return s;
		}
	}
	return NULL;
}

static void parse_snmp(struct parse *ps, const config_setting_t *g, struct cfg_device *dev)
{
	static const char *const keys[] = { "host", "port", "version", "community", "community_file",
		"user", "auth", "auth_pass", "auth_pass_file", "priv", "priv_pass", "priv_pass_file",
		"context", "max_oids", NULL };
	static const char *const versions[] = { "1", "2c", "3", NULL };
	static const char *const v1_keys[] = { "community", "community_file", NULL };
	static const char *const v3_keys[] = { "user", "auth", "auth_pass", "auth_pass_file", "priv",
		"priv_pass", "priv_pass_file", "context", NULL };
	struct cfg_snmp *s = &dev->snmp;
	const config_setting_t *k;
	int version = 1, auth = SNMP_AUTH_NONE, priv = SNMP_PRIV_NONE;

	cfgparse_check_keys(ps->p, g, keys);
	s->port = 161;
	s->max_oids = 32;
	cfgparse_string(ps->p, g, "host", true, &s->host);
	cfgparse_uint(ps->p, g, "port", 1, 65535, &s->port);
	cfgparse_enum(ps->p, g, "version", versions, &version);
	s->version = version + 1;
	cfgparse_uint(ps->p, g, "max_oids", 1, 128, &s->max_oids);
	if (s->version < 3) {
		get_secret(ps, g, "community", &s->community);
		if (!s->community)
			s->community = xstrdup("public");
		for (size_t i = 0; (k = next_member(g, v3_keys, &i));)
			cfgparse_error_at(ps->p, k, _("'%s' is for SNMP version 3; this device uses version %s"),
				config_setting_name(k), versions[version]);
		return;
	}
	for (size_t i = 0; (k = next_member(g, v1_keys, &i));)
		cfgparse_error_at(ps->p, k, _("'%s' is for SNMP versions 1 and 2c; this device uses version 3"),
			config_setting_name(k));
	cfgparse_string(ps->p, g, "user", true, &s->user);
	cfgparse_enum(ps->p, g, "auth", auth_names, &auth);
	cfgparse_enum(ps->p, g, "priv", priv_names, &priv);
	s->auth = (enum snmp_auth)(auth > SNMP_AUTH_SHA512 ? auth - 4 : auth);
	s->priv = (enum snmp_priv)priv;
	cfgparse_string(ps->p, g, "context", false, &s->context);
	bool auth_given = get_secret(ps, g, "auth_pass", &s->auth_pass);
	bool priv_given = get_secret(ps, g, "priv_pass", &s->priv_pass);

	if (s->priv != SNMP_PRIV_NONE && s->auth == SNMP_AUTH_NONE)
		cfgparse_error_at(ps->p, g, _("SNMPv3 privacy (priv) needs authentication (auth) too"));
	/* RFC 3414 §11.2: pass phrases are at least 8 characters; Net-SNMP refuses shorter. */
	if (s->auth != SNMP_AUTH_NONE && (s->auth_pass ? strlen(s->auth_pass) < 8 : !auth_given))
		cfgparse_error_at(ps->p, g, _("'auth_pass' (or 'auth_pass_file') of at least 8 characters is required"));
	if (s->priv != SNMP_PRIV_NONE && (s->priv_pass ? strlen(s->priv_pass) < 8 : !priv_given))
		cfgparse_error_at(ps->p, g, _("'priv_pass' (or 'priv_pass_file') of at least 8 characters is required"));
}

static bool baud_valid(unsigned baud)
{
	static const unsigned rates[] = { 1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200 };

	for (size_t i = 0; i < ARRAY_SIZE(rates); i++)
		if (rates[i] == baud)
			return true;
	return false;
}

static void parse_modbus(struct parse *ps, const config_setting_t *g, struct cfg_device *dev)
{
	static const char *const keys[] = { "host", "port", "serial", "baud", "parity", "data_bits",
		"stop_bits", "rs485", "turnaround", "unit", NULL };
	static const char *const serial_keys[] = { "baud", "parity", "data_bits", "stop_bits", "rs485",
		"turnaround", NULL };
	static const char *const tcp_keys[] = { "port", NULL };
	struct cfg_modbus *m = &dev->modbus;
	const config_setting_t *k;
	bool has_host = config_setting_get_member(g, "host"), has_serial = config_setting_get_member(g, "serial");
	int parity = 1;

	cfgparse_check_keys(ps->p, g, keys);
	m->port = 502;
	m->unit = 1;
	m->baud = 9600;
	m->parity = 'E'; /* the Modbus over serial line specification's default: 8E1 */
	m->data_bits = 8;
	m->stop_bits = 1;
	if (has_host == has_serial) {
		cfgparse_error_at(ps->p, g, _("a Modbus device needs either 'host' (TCP) or 'serial' (RTU)"));
		return;
	}
	if (has_host) {
		for (size_t i = 0; (k = next_member(g, serial_keys, &i));)
			cfgparse_error_at(ps->p, k, _("'%s' applies to serial links only"), config_setting_name(k));
		dev->protocol = PROTO_MODBUS_TCP;
		cfgparse_string(ps->p, g, "host", true, &m->host);
		cfgparse_uint(ps->p, g, "port", 1, 65535, &m->port);
		cfgparse_uint(ps->p, g, "unit", 0, 255, &m->unit);
		return;
	}
	for (size_t i = 0; (k = next_member(g, tcp_keys, &i));)
		cfgparse_error_at(ps->p, k, _("'%s' applies to Modbus TCP only"), config_setting_name(k));
	dev->protocol = PROTO_MODBUS_RTU;
	get_path(ps, g, "serial", &m->serial);
	if (cfgparse_uint(ps->p, g, "baud", 300, 921600, &m->baud) && !baud_valid(m->baud))
		cfgparse_error_at(ps->p, g, _("'baud' = %u is not a standard rate (1200 to 115200)"), m->baud);
	if (cfgparse_enum(ps->p, g, "parity", parity_names, &parity))
		m->parity = parity_names[parity][0];
	cfgparse_uint(ps->p, g, "data_bits", 7, 8, &m->data_bits);
	cfgparse_uint(ps->p, g, "stop_bits", 1, 2, &m->stop_bits);
	cfgparse_bool(ps->p, g, "rs485", &m->rs485);
	cfgparse_uint(ps->p, g, "turnaround", 0, 1000, &m->turnaround_ms);
	/* Address 0 is broadcast on a serial line (no answer), 248-255 are reserved. */
	cfgparse_uint(ps->p, g, "unit", 1, 247, &m->unit);
}

/* NUT's upsd (its default port 3493); user and password are optional: LIST VAR needs no
 * login, but a site may give one so that upsd's logs name the client. */
static void parse_nut(struct parse *ps, const config_setting_t *g, struct cfg_device *dev)
{
	static const char *const keys[] = { "host", "port", "ups", "user", "password", "password_file", NULL };
	struct cfg_nut *n = &dev->nut;

	cfgparse_check_keys(ps->p, g, keys);
	n->port = 3493;
	cfgparse_string(ps->p, g, "host", true, &n->host);
	cfgparse_uint(ps->p, g, "port", 1, 65535, &n->port);
	if (cfgparse_string(ps->p, g, "ups", true, &n->ups) && strpbrk(n->ups, " \t\"@"))
		cfgparse_error_at(ps->p, config_setting_get_member(g, "ups"),
			_("'ups' = \"%s\" is not a NUT UPS name (no spaces, quotes or '@')"), n->ups);
	cfgparse_string(ps->p, g, "user", false, &n->user);
	get_secret(ps, g, "password", &n->password);
	if (n->password && !n->user)
		cfgparse_error_at(ps->p, g, _("a NUT 'password' goes with a 'user'"));
}

static bool name_in(const char *const *names, const char *name)
{
	for (; *names; names++)
		if (strcmp(*names, name) == 0)
			return true;
	return false;
}

/* FreeIPMI's workaround flags by the names its tools take (ipmi-sensors
 * --workaround-flags); the IPMI driver (ipmimap.c) turns them into the library's bits.
 * The session ones are for LAN 2.0 or for in-band, not both (the bits overlap). */
static void check_ipmi_workaround(struct parse *ps, const config_setting_t *g, const char *name, bool lan)
{
	static const char *const lan_only[] = { "authcap", "intel20", "supermicro20", "sun20", "opensesspriv",
		"integritycheckvalue", "nochecksumcheck", NULL };
	static const char *const inband_only[] = { "assumeio", "spinpoll", NULL };
	static const char *const both[] = { "discretereading", "ignorescanningdisabled", "assumebmcowner",
		"assumemaxsdrrecordcount", NULL };
	const config_setting_t *at = config_setting_get_member(g, "workarounds");

	if (name_in(both, name) || name_in(lan ? lan_only : inband_only, name))
		return;
	if (name_in(lan ? inband_only : lan_only, name))
		cfgparse_error_at(ps->p, at, lan ? _("IPMI workaround '%s' is for the local BMC (no 'host')") :
			_("IPMI workaround '%s' is for a BMC over the LAN ('host')"), name);
	else
		cfgparse_error_at(ps->p, at, _("unknown IPMI workaround '%s' (FreeIPMI's names: authcap, "
			"intel20, supermicro20, sun20, opensesspriv, integritycheckvalue, nochecksumcheck, assumeio, "
			"spinpoll, discretereading, ignorescanningdisabled, assumebmcowner, "
			"assumemaxsdrrecordcount)"), name);
}

/* A BMC over LAN 2.0 (host), or the local BMC in-band (no host). */
static void parse_ipmi(struct parse *ps, const config_setting_t *g, struct cfg_device *dev)
{
	static const char *const keys[] = { "host", "user", "password", "password_file", "workarounds", NULL };
	struct cfg_ipmi *m = &dev->ipmi;

	cfgparse_check_keys(ps->p, g, keys);
	cfgparse_string(ps->p, g, "host", false, &m->host);
	cfgparse_string(ps->p, g, "user", false, &m->user);
	get_secret(ps, g, "password", &m->password);
	cfgparse_strings(ps->p, g, "workarounds", &m->workarounds, &m->n_workarounds);
	for (size_t i = 0; i < m->n_workarounds; i++)
		check_ipmi_workaround(ps, g, m->workarounds[i], m->host != NULL);
	if (!m->host && (m->user || m->password))
		cfgparse_error_at(ps->p, g, _("IPMI 'user' and 'password' are for a remote BMC ('host')"));
	/* IPMI 2.0's limits (user name 16 bytes, password 20): the BMC could not hold more. */
	if (m->user && strlen(m->user) > 16)
		cfgparse_error_at(ps->p, g, _("IPMI 'user' is longer than 16 bytes"));
	if (m->password && strlen(m->password) > 20)
		cfgparse_error_at(ps->p, g, _("the IPMI password is longer than 20 bytes"));
}

static void parse_transport(struct parse *ps, const config_setting_t *g, struct cfg_device *dev)
{
	static const char *const names[] = { "snmp", "modbus", "sim", "nut", "ipmi", NULL };
	static const char *const sim_keys[] = { "scenario", NULL };
	config_setting_t *t[5] = { NULL };
	int given = 0, present = 0;

	for (int i = 0; names[i]; i++) {
		t[i] = cfgparse_member(ps->p, g, names[i], CONFIG_TYPE_GROUP, false);
		given += !!t[i];
		present += !!config_setting_get_member(g, names[i]);
	}
	if (given != 1) {
		if (present == 0)
			cfgparse_error_at(ps->p, g, _("device '%s' needs one of 'snmp', 'modbus', 'nut', 'ipmi' or 'sim'"),
				dev->name);
		else if (given > 1)
			cfgparse_error_at(ps->p, g, _("device '%s' has more than one of 'snmp', 'modbus', 'nut', "
				"'ipmi', 'sim'"), dev->name);
		return;
	}
	if (t[0]) {
		dev->protocol = PROTO_SNMP;
		parse_snmp(ps, t[0], dev);
	} else if (t[1]) {
		parse_modbus(ps, t[1], dev);
	} else if (t[3]) {
		dev->protocol = PROTO_NUT;
		parse_nut(ps, t[3], dev);
	} else if (t[4]) {
		dev->protocol = PROTO_IPMI;
		parse_ipmi(ps, t[4], dev);
	} else {
		dev->protocol = PROTO_SIM;
		cfgparse_check_keys(ps->p, t[2], sim_keys);
		if (!config_setting_get_member(t[2], "scenario"))
			cfgparse_error_at(ps->p, t[2], _("missing setting '%s'"), "scenario");
		get_path(ps, t[2], "scenario", &dev->sim.scenario);
	}
}

/* The profile protocol a device's transport reads; -1 for the simulator (any). */
static int profile_protocol_of(enum protocol proto)
{
	switch (proto) {
	case PROTO_SNMP: return PROFILE_SNMP;
	case PROTO_MODBUS_TCP: case PROTO_MODBUS_RTU: return PROFILE_MODBUS;
	case PROTO_NUT: return PROFILE_NUT;
	case PROTO_IPMI: return PROFILE_IPMI;
	default: return -1;
	}
}

static const char *profile_protocol_label(enum profile_protocol p)
{
	static const char *const labels[] = { "SNMP", "Modbus", "NUT", "IPMI" };

	return labels[p];
}

conf_auto_fn conf_auto_profile;

#define AUTO_NOT (-2)

/* "auto" -> -1 (any kind), "auto:ups" -> KIND_UPS ...; AUTO_NOT for a profile name. */
static int auto_kind(const char *profile)
{
	static const char *const kinds[] = { "auto:ups", "auto:cooling", "auto:probe", NULL };

	if (strcmp(profile, "auto") == 0)
		return -1;
	for (int i = 0; kinds[i]; i++)
		if (strcmp(profile, kinds[i]) == 0)
			return i;   /* in the order of enum device_kind */
	return AUTO_NOT;
}

static void resolve_auto(struct parse *ps, const config_setting_t *g, struct cfg_device *dev, int kind)
{
	const config_setting_t *at = config_setting_get_member(g, "profile");
	char why[256] = "";

	if (dev->protocol != PROTO_SNMP) {
		cfgparse_error_at(ps->p, at, _("device '%s': profile \"auto\" is for SNMP devices"), dev->name);
		return;
	}
	if (!conf_auto_profile) {
		cfgparse_error_at(ps->p, at, _("device '%s': profile \"auto\" is resolved by envmond only"), dev->name);
		return;
	}
	dev->profile = conf_auto_profile(dev, (const struct profile *const *)ps->cfg->profiles, ps->cfg->n_profiles,
		kind, why, sizeof(why));
	if (!dev->profile)
		cfgparse_error_at(ps->p, at, _("device '%s': no profile detected: %s (run envmond --discover, "
			"then name the profile)"), dev->name, why);
	else
		log_info("%s: profile \"%s\" detected", dev->name, dev->profile->name);
}

/* battery_installed = "2022-05-01": a UPS's battery date, for the report's age check. */
static void parse_battery_installed(struct parse *ps, const config_setting_t *g, struct cfg_device *dev)
{
	char *s = NULL;
	struct tm tm;
	const char *end;

	if (!cfgparse_string(ps->p, g, "battery_installed", false, &s))
		return;
	memset(&tm, 0, sizeof(tm));
	end = strptime(s, "%Y-%m-%d", &tm);
	tm.tm_isdst = -1;
	if (!end || *end || (dev->battery_installed = mktime(&tm)) == (time_t)-1)
		cfgparse_error_at(ps->p, config_setting_get_member(g, "battery_installed"),
			_("'battery_installed' = \"%s\" is not a date like \"2022-05-01\""), s);
	else if (dev->profile && dev->profile->kind != KIND_UPS)
		cfgparse_error_at(ps->p, config_setting_get_member(g, "battery_installed"),
			_("'battery_installed' is for a UPS, and device '%s' is not one"), dev->name);
	if (dev->battery_installed == (time_t)-1)
		dev->battery_installed = 0;
	free(s);
}

static void parse_device(struct parse *ps, const config_setting_t *g, struct cfg_device *dev)
{
	static const char *const keys[] = { "name", "profile", "interval", "timeout", "retries",
		"dead_time", "snmp", "modbus", "sim", "nut", "ipmi", "battery_installed", NULL };
	char *profile = NULL;

	dev->line = (int)config_setting_source_line(g);
	dev->interval_s = ps->cfg->storage.step_s;
	dev->timeout_ms = 2000;
	dev->retries = 2;
	dev->dead_intervals = 3;
	cfgparse_check_keys(ps->p, g, keys);
	if (!cfgparse_string(ps->p, g, "name", true, &dev->name))
		dev->name = xstrdup("?");
	else if (!metric_name_valid(dev->name) && strspn(dev->name,
		"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") != strlen(dev->name))
		cfgparse_error_at(ps->p, g, _("device name \"%s\" may only use letters, digits, '-', '_' and '.'"),
			dev->name);
	cfgparse_uint(ps->p, g, "interval", 5, 86400, &dev->interval_s);
	cfgparse_uint(ps->p, g, "timeout", 100, 60000, &dev->timeout_ms);
	cfgparse_uint(ps->p, g, "retries", 0, 10, &dev->retries);
	cfgparse_uint(ps->p, g, "dead_time", 1, 100, &dev->dead_intervals);
	parse_transport(ps, g, dev);
	if (cfgparse_string(ps->p, g, "profile", true, &profile) && auto_kind(profile) != AUTO_NOT) {
		resolve_auto(ps, g, dev, auto_kind(profile));
	} else if (profile) {
		dev->profile = find_profile(ps->cfg, profile);
		if (!dev->profile)
			cfgparse_error_at(ps->p, config_setting_get_member(g, "profile"),
				_("unknown profile \"%s\" (not in %s)"), profile, ps->cfg->paths.profiles_dir);
		else if (profile_protocol_of(dev->protocol) >= 0 &&
			 (int)dev->profile->protocol != profile_protocol_of(dev->protocol))
			cfgparse_error_at(ps->p, config_setting_get_member(g, "profile"),
				_("profile \"%s\" is for %s devices, but device '%s' uses %s"), profile,
				profile_protocol_label(dev->profile->protocol), dev->name,
				profile_protocol_label((enum profile_protocol)profile_protocol_of(dev->protocol)));
	}
	parse_battery_installed(ps, g, dev);
	free(profile);
}

static void parse_devices(struct parse *ps, const config_setting_t *root)
{
	config_setting_t *list = cfgparse_member(ps->p, root, "devices", CONFIG_TYPE_LIST, false);
	struct config *cfg = ps->cfg;
	int n;

	if (!list)
		return;
	n = config_setting_length(list);
	cfg->devices = xcalloc((size_t)n, sizeof(*cfg->devices));
	for (int i = 0; i < n; i++) {
		config_setting_t *g = config_setting_get_elem(list, (unsigned)i);
		struct cfg_device *dev = &cfg->devices[cfg->n_devices++];

		if (config_setting_type(g) != CONFIG_TYPE_GROUP) {
			cfgparse_error_at(ps->p, list, _("each device must be a group { ... }"));
			dev->name = xstrdup("?");
			continue;
		}
		parse_device(ps, g, dev);
		for (size_t j = 0; j + 1 < cfg->n_devices; j++)
			if (strcmp(cfg->devices[j].name, dev->name) == 0)
				cfgparse_error_at(ps->p, g, _("device '%s' is already defined at line %d"),
					dev->name, cfg->devices[j].line);
	}
}

/* ------------------------------------------------------------------ specs */

enum { F_ENABLED = 1, F_WARN_LO = 2, F_WARN_HI = 4, F_CRIT_LO = 8, F_CRIT_HI = 16, F_HYST = 32,
	F_HOLD = 64, F_CLEAR = 128, F_REPEAT = 256, F_FORECAST = 512 };

struct spec_raw {
	const config_setting_t *g;
	char *inherit;
	struct cfg_threshold v[CRIT_COUNT];
	unsigned set[CRIT_COUNT];
	int state;                 /* 0 = to do, 1 = resolving (cycle guard), 2 = done */
};

/* warn = [ lo, hi ] or crit = [ lo, hi ] */
static void get_range(struct parse *ps, const config_setting_t *g, const char *key,
	double *lo, double *hi, unsigned *set, unsigned lo_bit, unsigned hi_bit)
{
	config_setting_t *a = cfgparse_member(ps->p, g, key, CONFIG_TYPE_ARRAY, false);
	double l, h;

	if (!a)
		return;
	if (config_setting_length(a) != 2 || !cfgparse_number_value(config_setting_get_elem(a, 0), &l) ||
	    !cfgparse_number_value(config_setting_get_elem(a, 1), &h)) {
		cfgparse_error_at(ps->p, a, _("'%s' must be [ low, high ] (two numbers)"), key);
		return;
	}
	if (l >= h) {
		cfgparse_error_at(ps->p, a, _("'%s': the low bound %g must be below the high bound %g"), key, l, h);
		return;
	}
	*lo = l;
	*hi = h;
	*set |= lo_bit | hi_bit;
}

static void get_bound(struct parse *ps, const config_setting_t *g, const char *key, double *out,
	unsigned *set, unsigned bit)
{
	if (cfgparse_double(ps->p, g, key, -1e9, 1e9, out))
		*set |= bit;
}

static void get_seconds(struct parse *ps, const config_setting_t *g, const char *key, unsigned *out,
	unsigned *set, unsigned bit)
{
	if (cfgparse_uint(ps->p, g, key, 0, 30 * 86400, out))
		*set |= bit;
}

static void parse_criterion(struct parse *ps, const config_setting_t *g, enum criterion c,
	struct spec_raw *raw)
{
	static const char *const keys[] = { "enabled", "warn", "crit", "warn_below", "warn_above",
		"crit_below", "crit_above", "hysteresis", "hold", "clear_hold", "repeat", "forecast_s", NULL };
	static const char *const state_keys[] = { "enabled", "hold", "clear_hold", "repeat", NULL };
	struct cfg_threshold *t = &raw->v[c];
	unsigned *set = &raw->set[c];

	cfgparse_check_keys(ps->p, g, criterion_has_no_bounds(c) ? state_keys : keys);
	if (cfgparse_bool(ps->p, g, "enabled", &t->enabled))
		*set |= F_ENABLED;
	if (!criterion_has_no_bounds(c)) {
		get_range(ps, g, "warn", &t->warn_lo, &t->warn_hi, set, F_WARN_LO, F_WARN_HI);
		get_range(ps, g, "crit", &t->crit_lo, &t->crit_hi, set, F_CRIT_LO, F_CRIT_HI);
		get_bound(ps, g, "warn_below", &t->warn_lo, set, F_WARN_LO);
		get_bound(ps, g, "warn_above", &t->warn_hi, set, F_WARN_HI);
		get_bound(ps, g, "crit_below", &t->crit_lo, set, F_CRIT_LO);
		get_bound(ps, g, "crit_above", &t->crit_hi, set, F_CRIT_HI);
		if (cfgparse_double(ps->p, g, "hysteresis", 0.0, 1000.0, &t->hysteresis))
			*set |= F_HYST;
	}
	get_seconds(ps, g, "hold", &t->hold_s, set, F_HOLD);
	get_seconds(ps, g, "clear_hold", &t->clear_hold_s, set, F_CLEAR);
	get_seconds(ps, g, "repeat", &t->repeat_s, set, F_REPEAT);
	if (config_setting_get_member(g, "forecast_s") && c != CRIT_TEMP_FORECAST)
		cfgparse_error_at(ps->p, config_setting_get_member(g, "forecast_s"),
			_("'forecast_s' belongs to criterion 'temp_forecast' only"));
	else if (cfgparse_uint(ps->p, g, "forecast_s", 60, 6 * 3600, &t->forecast_s))
		*set |= F_FORECAST;
}

static void parse_spec(struct parse *ps, const config_setting_t *g, struct spec_raw *raw)
{
	int n = config_setting_length(g);

	raw->g = g;
	for (int i = 0; i < n; i++) {
		config_setting_t *s = config_setting_get_elem(g, (unsigned)i);
		const char *key = config_setting_name(s);
		int c;

		if (strcmp(key, "inherit") == 0) {
			cfgparse_string(ps->p, g, "inherit", false, &raw->inherit);
			continue;
		}
		c = criterion_lookup(key);
		if (c < 0) {
			cfgparse_error_at(ps->p, s, _("unknown criterion '%s'"), key);
			continue;
		}
		if (config_setting_type(s) != CONFIG_TYPE_GROUP) {
			cfgparse_error_at(ps->p, s, _("'%s' must be %s"), key, _("a group { ... }"));
			continue;
		}
		parse_criterion(ps, s, (enum criterion)c, raw);
	}
}

static void apply_overrides(struct cfg_threshold *dst, const struct cfg_threshold *src, unsigned set)
{
	if (set & F_ENABLED) dst->enabled = src->enabled;
	if (set & F_WARN_LO) dst->warn_lo = src->warn_lo;
	if (set & F_WARN_HI) dst->warn_hi = src->warn_hi;
	if (set & F_CRIT_LO) dst->crit_lo = src->crit_lo;
	if (set & F_CRIT_HI) dst->crit_hi = src->crit_hi;
	if (set & F_HYST) dst->hysteresis = src->hysteresis;
	if (set & F_HOLD) dst->hold_s = src->hold_s;
	if (set & F_CLEAR) dst->clear_hold_s = src->clear_hold_s;
	if (set & F_REPEAT) dst->repeat_s = src->repeat_s;
	if (set & F_FORECAST) dst->forecast_s = src->forecast_s;
}

/* The warning envelope must lie inside the critical one, or the warning would never show. */
static void check_thresholds(struct parse *ps, const config_setting_t *g, const struct cfg_spec *spec)
{
	for (int c = 0; c < CRIT_COUNT; c++) {
		const struct cfg_threshold *t = &spec->crit[c];

		if ((!isnan(t->warn_lo) && !isnan(t->crit_lo) && t->warn_lo < t->crit_lo) ||
		    (!isnan(t->warn_hi) && !isnan(t->crit_hi) && t->warn_hi > t->crit_hi))
			cfgparse_error_at(ps->p, g, _("spec '%s', %s: the warning bounds must lie inside "
				"the critical bounds"), spec->name, criterion_name(c));
	}
}

static int spec_index(const struct config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->n_specs; i++)
		if (strcmp(cfg->specs[i].name, name) == 0)
			return (int)i;
	return -1;
}

static void resolve_spec(struct parse *ps, struct spec_raw *raws, size_t i)
{
	struct config *cfg = ps->cfg;
	struct cfg_spec *spec = &cfg->specs[i];
	const char *parent = raws[i].inherit;
	int pi;

	if (raws[i].state == 2)
		return;
	if (raws[i].state == 1) {
		cfgparse_error_at(ps->p, raws[i].g, _("spec '%s' inherits from itself (a loop of 'inherit')"),
			spec->name);
		raws[i].state = 2;
		return;
	}
	raws[i].state = 1;
	if (!parent && strcmp(spec->name, "default") != 0)
		parent = "default";
	pi = parent ? spec_index(cfg, parent) : -1;
	if (parent && pi < 0)
		cfgparse_error_at(ps->p, raws[i].g, _("spec '%s' inherits from unknown spec '%s'"),
			spec->name, parent);
	if (pi >= 0) {
		resolve_spec(ps, raws, (size_t)pi);
		memcpy(spec->crit, cfg->specs[pi].crit, sizeof(spec->crit));
	} else {
		criteria_default_thresholds(spec->crit);
	}
	for (int c = 0; c < CRIT_COUNT; c++)
		apply_overrides(&spec->crit[c], &raws[i].v[c], raws[i].set[c]);
	if (raws[i].g)
		check_thresholds(ps, raws[i].g, spec);
	raws[i].state = 2;
}

/* The built-in specs of the two roles the later circulars add, unless the file defines
 * them (room for both is allocated). ppn succeeds digitization and needs what it needs.
 * Visioconference equipment stands in a hearing room, not a cooled server room: its
 * codec and screens are rated for a wider band than the ASHRAE envelope, but a hearing
 * must not stop for heat, so the upper critical bound is lower (30 °C). */
static void add_builtin_role_specs(struct config *cfg, struct spec_raw *raws)
{
	if (spec_index(cfg, "ppn") < 0) {
		cfg->specs[cfg->n_specs].name = xstrdup("ppn");
		if (spec_index(cfg, "digitization") >= 0)
			raws[cfg->n_specs].inherit = xstrdup("digitization");
		cfg->n_specs++;
	}
	if (spec_index(cfg, "visioconference") < 0) {
		struct spec_raw *raw = &raws[cfg->n_specs];

		cfg->specs[cfg->n_specs++].name = xstrdup("visioconference");
		raw->v[CRIT_TEMPERATURE].warn_lo = 15.0;
		raw->v[CRIT_TEMPERATURE].warn_hi = 27.0;
		raw->v[CRIT_TEMPERATURE].crit_lo = 10.0;
		raw->v[CRIT_TEMPERATURE].crit_hi = 30.0;
		raw->set[CRIT_TEMPERATURE] = F_WARN_LO | F_WARN_HI | F_CRIT_LO | F_CRIT_HI;
	}
}

static void parse_specs(struct parse *ps, const config_setting_t *root)
{
	config_setting_t *g = cfgparse_member(ps->p, root, "specs", CONFIG_TYPE_GROUP, false);
	struct config *cfg = ps->cfg;
	int n = g ? config_setting_length(g) : 0;
	struct spec_raw *raws = xcalloc((size_t)n + 3, sizeof(*raws));

	cfg->specs = xcalloc((size_t)n + 3, sizeof(*cfg->specs));
	for (int i = 0; i < n; i++) {
		config_setting_t *s = config_setting_get_elem(g, (unsigned)i);
		struct cfg_spec *spec = &cfg->specs[cfg->n_specs];

		if (config_setting_type(s) != CONFIG_TYPE_GROUP) {
			cfgparse_error_at(ps->p, s, _("spec '%s' must be a group { ... }"), config_setting_name(s));
			continue;
		}
		spec->name = xstrdup(config_setting_name(s));
		spec->line = (int)config_setting_source_line(s);
		parse_spec(ps, s, &raws[cfg->n_specs++]);
	}
	if (spec_index(cfg, "default") < 0) {
		cfg->specs[cfg->n_specs].name = xstrdup("default");
		cfg->n_specs++;
	}
	add_builtin_role_specs(cfg, raws);
	for (size_t i = 0; i < cfg->n_specs; i++)
		resolve_spec(ps, raws, i);
	for (size_t i = 0; i < cfg->n_specs; i++)
		free(raws[i].inherit);
	free(raws);
}

/* ------------------------------------------------------------------ racks and servers */

static const struct cfg_device *find_device(const struct config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->n_devices; i++)
		if (strcmp(cfg->devices[i].name, name) == 0)
			return &cfg->devices[i];
	return NULL;
}

static bool measures_climate(const struct profile *prof)
{
	return profile_metric_index(prof, "temperature") >= 0 || profile_metric_index(prof, "humidity") >= 0;
}

/* key = [ "device", ... ]: each must exist and be of the kind the role needs. */
static void get_device_refs(struct parse *ps, const config_setting_t *g, const char *key,
	enum device_kind kind, const struct cfg_device ***out, size_t *n)
{
	char **names = NULL;
	size_t count = 0;
	config_setting_t *s = config_setting_get_member(g, key);

	*n = 0;
	if (!cfgparse_strings(ps->p, g, key, &names, &count))
		return;
	*out = xcalloc(count + 1, sizeof(**out));
	for (size_t i = 0; i < count; i++) {
		const struct cfg_device *dev = find_device(ps->cfg, names[i]);

		if (!dev)
			cfgparse_error_at(ps->p, s, _("'%s': unknown device '%s'"), key, names[i]);
		else if (!dev->profile)
			; /* its own error was reported with the device */
		else if (kind == KIND_PROBE && !measures_climate(dev->profile))
			cfgparse_error_at(ps->p, s, _("'%s': device '%s' measures neither temperature nor humidity"),
				key, names[i]);
		else if (kind != KIND_PROBE && dev->profile->kind != kind)
			cfgparse_error_at(ps->p, s, _("'%s': device '%s' is a %s, not a %s"), key, names[i],
				device_kind_name(dev->profile->kind), device_kind_name(kind));
		else
			(*out)[(*n)++] = dev;
		free(names[i]);
	}
	free(names);
}

/* Names are how people, the journal and `envmonctl silence` designate things: a rack,
 * a server and a device may not share one. Racks and servers are checked as they are
 * read, against the devices and the racks and servers read before them, so that each
 * clash is reported once, at the line of the second definition (the name itself).
 * With name NULL: the server read before self whose inlet is the device inlet. */
static const struct cfg_server *earlier_server(const struct config *cfg, const char *name,
	const struct cfg_device *inlet, const struct cfg_server *self)
{
	for (size_t r = 0; r < cfg->n_racks; r++)
		for (size_t s = 0; s < cfg->racks[r].n_servers; s++) {
			const struct cfg_server *o = &cfg->racks[r].servers[s];

			if (o == self)
				return NULL;
			if (name ? strcmp(o->name, name) == 0 : o->inlet == inlet)
				return o;
		}
	return NULL;
}

static const struct cfg_rack *earlier_rack(const struct config *cfg, const char *name,
	const struct cfg_rack *last)
{
	for (size_t r = 0; r < cfg->n_racks && &cfg->racks[r] <= last; r++)
		if (strcmp(cfg->racks[r].name, name) == 0)
			return &cfg->racks[r];
	return NULL;
}

/* The name setting when there is one: a group may span many lines. */
static const config_setting_t *name_setting(const config_setting_t *g)
{
	const config_setting_t *n = config_setting_get_member(g, "name");

	return n ? n : g;
}

static void check_rack_name(struct parse *ps, const config_setting_t *g, const struct cfg_rack *rack)
{
	const struct cfg_rack *o = rack > ps->cfg->racks ? earlier_rack(ps->cfg, rack->name, rack - 1) : NULL;
	const struct cfg_server *srv = earlier_server(ps->cfg, rack->name, NULL, NULL);
	const config_setting_t *at = name_setting(g);

	if (o)
		cfgparse_error_at(ps->p, at, _("rack '%s' is already defined at line %d"), rack->name, o->line);
	if (srv)
		cfgparse_error_at(ps->p, at, _("rack '%s' has the name of the server at line %d"),
			rack->name, srv->line);
	if (find_device(ps->cfg, rack->name))
		cfgparse_error_at(ps->p, at, _("rack '%s' has the name of a device"), rack->name);
}

static void check_server_name(struct parse *ps, const config_setting_t *g, const struct cfg_server *srv)
{
	const struct cfg_server *o = earlier_server(ps->cfg, srv->name, NULL, srv);
	const struct cfg_rack *r = earlier_rack(ps->cfg, srv->name, srv->rack);
	const config_setting_t *at = name_setting(g);

	if (o)
		cfgparse_error_at(ps->p, at, _("server '%s' is already defined at line %d"), srv->name, o->line);
	if (r)
		cfgparse_error_at(ps->p, at, _("server '%s' has the name of the rack at line %d"),
			srv->name, r->line);
	if (find_device(ps->cfg, srv->name))
		cfgparse_error_at(ps->p, at, _("server '%s' has the name of a device"), srv->name);
}

/* The rack, up to last, that has dev among its probes. */
static const struct cfg_rack *probing_rack(const struct config *cfg, const struct cfg_device *dev,
	const struct cfg_rack *last)
{
	for (size_t r = 0; r < cfg->n_racks && &cfg->racks[r] <= last; r++)
		for (size_t i = 0; i < cfg->racks[r].n_probes; i++)
			if (cfg->racks[r].probes[i] == dev)
				return &cfg->racks[r];
	return NULL;
}

/* inlet = "bmc-...": the server's own BMC. Its reading judges the server's temperature
 * or stands beside the rack's probes, never both: a probe of a rack is not an inlet. */
static void get_inlet(struct parse *ps, const config_setting_t *g, struct cfg_server *srv)
{
	const config_setting_t *s = config_setting_get_member(g, "inlet");
	const struct cfg_device *dev;
	const struct cfg_server *o;
	const struct cfg_rack *r;
	char *name = NULL;

	if (!cfgparse_string(ps->p, g, "inlet", false, &name))
		return;
	dev = find_device(ps->cfg, name);
	if (!dev)
		cfgparse_error_at(ps->p, s, _("'inlet': unknown device '%s'"), name);
	else if (dev->protocol != PROTO_IPMI)
		cfgparse_error_at(ps->p, s, _("'inlet': device '%s' is not an IPMI device (it is read over %s): "
			"a server's inlet is its own BMC"), name, protocol_name(dev->protocol));
	else if (!dev->profile)
		; /* its own error was reported with the device */
	else if (profile_metric_index(dev->profile, "temperature") < 0)
		cfgparse_error_at(ps->p, s, _("'inlet': device '%s' has no 'temperature' metric in its profile '%s'"),
			name, dev->profile->name);
	else if ((o = earlier_server(ps->cfg, NULL, dev, srv)) != NULL)
		cfgparse_error_at(ps->p, s, _("'inlet': device '%s' is already the inlet of server '%s' at line %d"),
			name, o->name, o->line);
	else if ((r = probing_rack(ps->cfg, dev, srv->rack)) != NULL)
		cfgparse_error_at(ps->p, s, _("'inlet': device '%s' is a probe of rack '%s' at line %d: "
			"name it in one place only"), name, r->name, r->line);
	else
		srv->inlet = dev;
	free(name);
}

static void parse_server(struct parse *ps, const config_setting_t *g, struct cfg_rack *rack,
	struct cfg_server *srv)
{
	static const char *const keys[] = { "name", "role", "ups", "spec", "inlet", NULL };
	int role = ROLE_OTHER;
	char *spec = NULL;
	int si;

	srv->line = (int)config_setting_source_line(g);
	srv->rack = rack;
	cfgparse_check_keys(ps->p, g, keys);
	if (!cfgparse_string(ps->p, g, "name", true, &srv->name))
		srv->name = xstrdup("?");
	else
		check_server_name(ps, g, srv);
	if (!config_setting_get_member(g, "role"))
		cfgparse_error_at(ps->p, g, _("server '%s': missing setting 'role' (digitization, comci, ppn, visioconference or other)"),
			srv->name);
	cfgparse_enum(ps->p, g, "role", role_names, &role);
	srv->role = (enum server_role)role;
	get_device_refs(ps, g, "ups", KIND_UPS, &srv->ups, &srv->n_ups);
	get_inlet(ps, g, srv);
	if (cfgparse_string(ps->p, g, "spec", false, &spec)) {
		si = spec_index(ps->cfg, spec);
		if (si < 0)
			cfgparse_error_at(ps->p, config_setting_get_member(g, "spec"), _("unknown spec '%s'"), spec);
	} else {
		si = spec_index(ps->cfg, role_names[role]);
		if (si < 0)
			si = spec_index(ps->cfg, "default");
	}
	srv->spec = si >= 0 ? &ps->cfg->specs[si] : NULL;
	free(spec);
}

/* A probe named after an earlier server took it as its inlet (the other order is
 * get_inlet's). */
static void check_probes_not_inlets(struct parse *ps, const config_setting_t *g, const struct cfg_rack *rack)
{
	for (size_t i = 0; i < rack->n_probes; i++) {
		const struct cfg_server *o = earlier_server(ps->cfg, NULL, rack->probes[i], NULL);

		if (o)
			cfgparse_error_at(ps->p, config_setting_get_member(g, "probes"),
				_("'probes': device '%s' is the inlet of server '%s' at line %d: name it in one place only"),
				rack->probes[i]->name, o->name, o->line);
	}
}

static void parse_rack(struct parse *ps, const config_setting_t *g, struct cfg_rack *rack)
{
	static const char *const keys[] = { "name", "is_rack", "probes", "cooling", "servers", NULL };
	config_setting_t *servers;

	rack->line = (int)config_setting_source_line(g);
	rack->is_rack = true;
	cfgparse_check_keys(ps->p, g, keys);
	if (!cfgparse_string(ps->p, g, "name", true, &rack->name))
		rack->name = xstrdup("?");
	else
		check_rack_name(ps, g, rack);
	cfgparse_bool(ps->p, g, "is_rack", &rack->is_rack);
	get_device_refs(ps, g, "probes", KIND_PROBE, &rack->probes, &rack->n_probes);
	check_probes_not_inlets(ps, g, rack);
	get_device_refs(ps, g, "cooling", KIND_COOLING, &rack->cooling, &rack->n_cooling);
	servers = cfgparse_member(ps->p, g, "servers", CONFIG_TYPE_LIST, true);
	if (!servers)
		return;
	rack->servers = xcalloc((size_t)config_setting_length(servers) + 1, sizeof(*rack->servers));
	for (int i = 0; i < config_setting_length(servers); i++) {
		config_setting_t *s = config_setting_get_elem(servers, (unsigned)i);

		if (config_setting_type(s) != CONFIG_TYPE_GROUP) {
			cfgparse_error_at(ps->p, servers, _("each server must be a group { ... }"));
			continue;
		}
		parse_server(ps, s, rack, &rack->servers[rack->n_servers++]);
	}
}

static void parse_racks(struct parse *ps, const config_setting_t *root)
{
	config_setting_t *list = cfgparse_member(ps->p, root, "racks", CONFIG_TYPE_LIST, false);
	struct config *cfg = ps->cfg;
	int n;

	if (!list)
		return;
	n = config_setting_length(list);
	cfg->racks = xcalloc((size_t)n + 1, sizeof(*cfg->racks));
	for (int i = 0; i < n; i++) {
		config_setting_t *g = config_setting_get_elem(list, (unsigned)i);
		struct cfg_rack *rack = &cfg->racks[cfg->n_racks];

		if (config_setting_type(g) != CONFIG_TYPE_GROUP) {
			cfgparse_error_at(ps->p, list, _("each rack must be a group { ... }"));
			continue;
		}
		cfg->n_racks++;
		parse_rack(ps, g, rack);
	}
}

/* ------------------------------------------------------------------ maintenance */

/* "YYYY-MM-DD HH:MM[:SS]" in local time, the way people write a maintenance window. */
static bool parse_local_time(const char *s, time_t *out)
{
	struct tm tm;
	const char *end;

	memset(&tm, 0, sizeof(tm));
	end = strptime(s, "%Y-%m-%d %H:%M:%S", &tm);
	if (!end || *end) {
		memset(&tm, 0, sizeof(tm));
		end = strptime(s, "%Y-%m-%d %H:%M", &tm);
	}
	if (!end || *end)
		return false;
	tm.tm_isdst = -1;
	*out = mktime(&tm);
	return *out != (time_t)-1;
}

static void parse_window(struct parse *ps, const config_setting_t *g, struct cfg_maintenance *w)
{
	static const char *const keys[] = { "target", "from", "to", "reason", NULL };
	char *from = NULL, *to = NULL;

	w->line = (int)config_setting_source_line(g);
	cfgparse_check_keys(ps->p, g, keys);
	if (cfgparse_string(ps->p, g, "target", true, &w->target) &&
	    !find_device(ps->cfg, w->target) && !conf_server(ps->cfg, w->target))
		cfgparse_error_at(ps->p, g, _("maintenance target '%s' is neither a device nor a server"), w->target);
	cfgparse_string(ps->p, g, "reason", false, &w->reason);
	if (cfgparse_string(ps->p, g, "from", true, &from) && !parse_local_time(from, &w->from))
		cfgparse_error_at(ps->p, g, _("'from' = \"%s\" is not a date like \"2026-11-20 08:00\""), from);
	if (cfgparse_string(ps->p, g, "to", true, &to) && !parse_local_time(to, &w->to))
		cfgparse_error_at(ps->p, g, _("'to' = \"%s\" is not a date like \"2026-11-20 18:00\""), to);
	else if (from && to && w->from && w->to <= w->from)
		cfgparse_error_at(ps->p, g, _("the maintenance window ends before it starts"));
	free(from);
	free(to);
}

static void parse_maintenance(struct parse *ps, const config_setting_t *root)
{
	config_setting_t *list = cfgparse_member(ps->p, root, "maintenance", CONFIG_TYPE_LIST, false);
	struct config *cfg = ps->cfg;
	int n;

	if (!list)
		return;
	n = config_setting_length(list);
	cfg->maintenance = xcalloc((size_t)n + 1, sizeof(*cfg->maintenance));
	for (int i = 0; i < n; i++) {
		config_setting_t *g = config_setting_get_elem(list, (unsigned)i);

		if (config_setting_type(g) != CONFIG_TYPE_GROUP) {
			cfgparse_error_at(ps->p, list, _("each maintenance window must be a group { ... }"));
			continue;
		}
		parse_window(ps, g, &cfg->maintenance[cfg->n_maintenance++]);
	}
}

/* ------------------------------------------------------------------ entry points */

/* The example a package installs describes a fictitious court: polling its devices and
 * mailing its example.org contacts would help nobody, so it carries `example = true;` and
 * the daemon (and the unit's ExecStartPre, envmond -t) refuses it until edited. */
static void refuse_example(struct parse *ps, const config_setting_t *root)
{
	config_setting_t *s = config_setting_get_member(root, "example");
	bool example = false;

	if (s && cfgparse_bool(ps->p, root, "example", &example) && example)
		cfgparse_error_at(ps->p, s, _("this is the example configuration: describe the site "
			"(site, mail, devices, racks), then remove the line \"example = true;\" "
			"(see envmond.conf(5))"));
}

struct config *conf_load(struct cfgparse *p, const char *file)
{
	static const char *const keys[] = { "example", "site", "paths", "storage", "daemon", "mail",
		"alerts", "devices", "racks", "specs", "maintenance", "agentx", NULL };
	struct parse ps = { .p = p };
	size_t before = p->n_errors;
	config_setting_t *root;
	char *copy;

	ps.cfg = xcalloc(1, sizeof(*ps.cfg));
	ps.cfg->file = xstrdup(file);
	copy = xstrdup(file);
	ps.cfg->dir = xstrdup(dirname(copy));
	free(copy);
	if (!cfgparse_read(p, &ps.cf, file)) {
		config_destroy(&ps.cf);
		conf_free(ps.cfg);
		return NULL;
	}
	root = config_root_setting(&ps.cf);
	cfgparse_check_keys(p, root, keys);
	refuse_example(&ps, root);
	parse_site(&ps, root);
	parse_paths(&ps, root);
	parse_storage_daemon(&ps, root);
	parse_mail(&ps, root);
	parse_alerts(&ps, root);
	parse_agentx(&ps, root);
	load_profiles(&ps, root);
	parse_devices(&ps, root);
	parse_specs(&ps, root);
	parse_racks(&ps, root);
	parse_maintenance(&ps, root);
	config_destroy(&ps.cf);
	if (p->n_errors > before) {
		conf_free(ps.cfg);
		return NULL;
	}
	return ps.cfg;
}

const struct cfg_device *conf_device(const struct config *cfg, const char *name)
{
	return find_device(cfg, name);
}

const struct cfg_server *conf_server(const struct config *cfg, const char *name)
{
	for (size_t r = 0; r < cfg->n_racks; r++)
		for (size_t s = 0; s < cfg->racks[r].n_servers; s++)
			if (strcmp(cfg->racks[r].servers[s].name, name) == 0)
				return &cfg->racks[r].servers[s];
	return NULL;
}

const struct cfg_server *conf_inlet_server(const struct config *cfg, const char *device)
{
	for (size_t r = 0; device && r < cfg->n_racks; r++)
		for (size_t s = 0; s < cfg->racks[r].n_servers; s++) {
			const struct cfg_server *o = &cfg->racks[r].servers[s];

			if (o->inlet && strcmp(o->inlet->name, device) == 0)
				return o;
		}
	return NULL;
}

const struct cfg_spec *conf_spec(const struct config *cfg, const char *name)
{
	int i = spec_index(cfg, name);

	return i < 0 ? NULL : &cfg->specs[i];
}

static void free_strings(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* Secrets are wiped before their memory goes back to the allocator. */
static void free_secret(char *s)
{
	if (s)
		explicit_bzero(s, strlen(s));
	free(s);
}

static void device_free(struct cfg_device *d)
{
	free(d->name);
	free(d->snmp.host);
	free_secret(d->snmp.community);
	free(d->snmp.user);
	free_secret(d->snmp.auth_pass);
	free_secret(d->snmp.priv_pass);
	free(d->snmp.context);
	free(d->modbus.host);
	free(d->modbus.serial);
	free(d->sim.scenario);
	free(d->nut.host);
	free(d->nut.ups);
	free(d->nut.user);
	free_secret(d->nut.password);
	free(d->ipmi.host);
	free(d->ipmi.user);
	free_secret(d->ipmi.password);
	free_strings(d->ipmi.workarounds, d->ipmi.n_workarounds);
}

static void racks_free(struct config *cfg)
{
	for (size_t r = 0; r < cfg->n_racks; r++) {
		struct cfg_rack *rack = &cfg->racks[r];

		for (size_t s = 0; s < rack->n_servers; s++) {
			free(rack->servers[s].name);
			free(rack->servers[s].ups);
		}
		free(rack->servers);
		free(rack->name);
		free(rack->probes);
		free(rack->cooling);
	}
	free(cfg->racks);
}

void conf_free(struct config *cfg)
{
	if (!cfg)
		return;
	free(cfg->file);
	free(cfg->dir);
	free(cfg->site.name);
	free(cfg->site.code);
	free(cfg->site.ressort);
	free_strings(cfg->site.contacts.arsit, cfg->site.contacts.n_arsit);
	free_strings(cfg->site.contacts.local, cfg->site.contacts.n_local);
	for (int r = 0; r < ROLE_COUNT; r++)
		free_strings(cfg->site.contacts.role[r], cfg->site.contacts.n_role[r]);
	free(cfg->paths.state_dir);
	free(cfg->paths.profiles_dir);
	free(cfg->paths.site_profiles_dir);
	free(cfg->paths.pid_file);
	free(cfg->paths.control_socket);
	free(cfg->storage.rrdcached);
	free(cfg->agentx.socket);
	free(cfg->agentx.root);
	free(cfg->daemon.user);
	free(cfg->daemon.group);
	free(cfg->mail.server);
	free(cfg->mail.ca_file);
	free(cfg->mail.user);
	free_secret(cfg->mail.password);
	free(cfg->mail.from);
	free(cfg->mail.lang);
	for (size_t i = 0; i < cfg->n_profiles; i++)
		profile_free(cfg->profiles[i]);
	free(cfg->profiles);
	for (size_t i = 0; i < cfg->n_devices; i++)
		device_free(&cfg->devices[i]);
	free(cfg->devices);
	racks_free(cfg);
	for (size_t i = 0; i < cfg->n_specs; i++)
		free(cfg->specs[i].name);
	free(cfg->specs);
	for (size_t i = 0; i < cfg->n_maintenance; i++) {
		free(cfg->maintenance[i].target);
		free(cfg->maintenance[i].reason);
	}
	free(cfg->maintenance);
	free(cfg);
}
