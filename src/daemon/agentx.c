/* agentx.c — the AgentX subagent's life on the event loop. Net-SNMP keeps its sessions
 * (the AgentX stream to the master, the agent's internal callback session) in one global
 * list; after every event the descriptors of that list are read again with
 * snmp_select_info2 and given to sched.c, since the AgentX descriptor changes at each
 * reconnect, and one loop timer follows Net-SNMP's next timeout or alarm (ping,
 * reconnect). envmond's own SNMP poller uses single sessions, outside that list. */
#include <config.h>

#include <json-c/json.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <net-snmp/library/large_fd_set.h>

#include "agentx.h"
#include "agentxmib.h"
#include "clock.h"
#include "control.h"
#include "criteria.h"
#include "log.h"
#include "sched.h"
#include "spool.h"
#include "xmem.h"

/* Net-SNMP's AgentX session to the master, NULL while not connected: exported by
 * libnetsnmpagent, declared only in its private agent_global_vars.h. */
extern netsnmp_session *main_session;
/* The subagent's connection step, which init_snmp runs once configured (subagent.c):
 * exported, not declared in the installed headers. */
extern int subagent_startup(int major, int minor, void *server, void *client);

/* How long one synchronous AgentX exchange (register, ping, close) may block the loop,
 * in microseconds, with no retry; a local master answers in well under 1 ms. The open
 * of each (re)connection runs before the session can be tuned: it takes the library's
 * default timeout, whole seconds, so 1 s, once per ping interval while a master is
 * stuck (measured: see tests/system/test_agentx.py). */
#define AGENTX_TIMEOUT_US 300000
#define AGENTX_OPEN_TIMEOUT_S 1
/* A walk is answered from one snapshot: rebuilt when older than this. */
#define VIEW_MAX_AGE_MS 500
#define MAX_FDS 8
#define RECENT 64

struct agentx {
	struct control *ctl;
	oid root[MAX_OID_LEN];
	size_t root_len;
	char *socket;
	char *site_code;
	struct axmib_view view;
	int64_t view_ms;               /* when view was built, -1: never */
	netsnmp_handler_registration *reg;
	struct sched_timer *timer;
	int fds[MAX_FDS];
	size_t n_fds;
	bool connected;
	/* Notifications already sent ("id/seq"), and the worst value of each incident seen. */
	char sent[RECENT][80];
	size_t next_sent;
	struct { char id[64]; double worst; } worst[RECENT];
	size_t next_worst;
};

static struct agentx *AX;          /* Net-SNMP's agent is one per process */

/* ------------------------------------------------------------------ the MIB view */

static double incident_worst(void *arg, const char *id)
{
	struct agentx *ax = arg;

	for (size_t i = 0; i < RECENT; i++)
		if (strcmp(ax->worst[i].id, id) == 0)
			return ax->worst[i].worst;
	return NAN;
}

static const struct axmib_view *current_view(struct agentx *ax)
{
	int64_t now = clock_mono_ms();

	if (ax->view_ms < 0 || now - ax->view_ms > VIEW_MAX_AGE_MS) {
		struct json_object *status = control_status(ax->ctl);

		axmib_build(&ax->view, ax->root, ax->root_len, status, incident_worst, ax);
		json_object_put(status);
		ax->view_ms = now;
	}
	return &ax->view;
}

static int mib_handler(netsnmp_mib_handler *handler, netsnmp_handler_registration *reg,
	netsnmp_agent_request_info *reqinfo, netsnmp_request_info *requests)
{
	return axmib_answer(current_view(reg->my_reg_void), reqinfo, requests);
}

/* ------------------------------------------------------------------ the loop */

static int64_t after_event(struct agentx *ax);

static void log_connection(struct agentx *ax)
{
	bool now = main_session != NULL;

	if (now == ax->connected)
		return;
	ax->connected = now;
	if (now) {
		main_session->timeout = AGENTX_TIMEOUT_US;
		main_session->retries = 0;
	}
	if (now)
		log_notice("agentx: registered with the master at %s", ax->socket);
	else
		log_warn("agentx: no master at %s: ENVMON-MIB unavailable, retrying", ax->socket);
}

static void on_fd(void *arg, int fd, unsigned events)
{
	struct agentx *ax = arg;
	netsnmp_large_fd_set set;

	netsnmp_large_fd_set_init(&set, fd + 1);
	NETSNMP_LARGE_FD_ZERO(&set);
	NETSNMP_LARGE_FD_SET(fd, &set);
	snmp_read2(&set);
	netsnmp_large_fd_set_cleanup(&set);
	sched_reschedule(ax->timer, after_event(ax));
}

static int64_t on_timer(void *arg, int64_t now_ms)
{
	struct agentx *ax = arg;

	snmp_timeout();
	return after_event(ax);
}

/* Gives sched.c the descriptors Net-SNMP watches now (all of them again: one closed
 * and reopened under the same number left epoll's set) and returns the delay to
 * Net-SNMP's next timeout or alarm. */
static int64_t watch_descriptors(struct agentx *ax)
{
	netsnmp_large_fd_set set;
	struct timeval tv = { 1, 0 };
	int numfds = 0, block = 0;
	int64_t delay;

	for (size_t i = 0; i < ax->n_fds; i++)
		sched_del_fd(ax->fds[i]);
	ax->n_fds = 0;
	netsnmp_large_fd_set_init(&set, FD_SETSIZE);
	NETSNMP_LARGE_FD_ZERO(&set);
	snmp_select_info2(&numfds, &set, &tv, &block);
	for (int fd = 0; fd < numfds && ax->n_fds < MAX_FDS; fd++)
		if (NETSNMP_LARGE_FD_ISSET(fd, &set) && sched_add_fd(fd, SCHED_READ, on_fd, ax) == 0)
			ax->fds[ax->n_fds++] = fd;
	netsnmp_large_fd_set_cleanup(&set);
	/* block: nothing due; the reconnect and ping alarms are due within a second anyway. */
	delay = block ? 1000 : (int64_t)tv.tv_sec * 1000 + (tv.tv_usec + 999) / 1000;
	return delay > 1000 ? 1000 : delay;
}

/* What agent_check_and_process does after select(), then the descriptors again. */
static int64_t after_event(struct agentx *ax)
{
	run_alarms();
	netsnmp_check_outstanding_agent_requests();
	log_connection(ax);
	return watch_descriptors(ax);
}

/* ------------------------------------------------------------------ start and stop */

/* The root as dotted numbers (read_objid would need the MIB parser, which is off). */
static int parse_root(struct agentx *ax, const char *text)
{
	const char *p = text;

	ax->root_len = 0;
	while (*p && ax->root_len + 8 < MAX_OID_LEN) {
		char *end;
		unsigned long arc = strtoul(p, &end, 10);

		if (end == p || arc > 4294967295UL || (*end && *end != '.'))
			break;
		ax->root[ax->root_len++] = (oid)arc;
		p = *end ? end + 1 : end;
	}
	if (*p || ax->root_len < 2) {
		log_err("agentx: root %s is not a numeric OID", text);
		return -1;
	}
	return 0;
}

/* Net-SNMP's library settings as the SNMP poller makes them (numeric OIDs, no snmp.conf
 * or persistent state), since whichever of the two comes first calls init_snmp. */
static void library_settings(const struct agentx *ax)
{
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DISABLE_CONFIG_LOAD, 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DISABLE_PERSISTENT_LOAD, 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DONT_PERSIST_STATE, 1);
	/* Alarms run from the loop (run_alarms), not from SIGALRM. */
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_ALARM_DONT_USE_SIG, 1);
	setenv("MIBS", "", 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_APPLICATION_ID, NETSNMP_DS_AGENT_ROLE, 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_APPLICATION_ID, NETSNMP_DS_AGENT_NO_CONNECTION_WARNINGS, 1);
	netsnmp_ds_set_string(NETSNMP_DS_APPLICATION_ID, NETSNMP_DS_AGENT_X_SOCKET, ax->socket);
	netsnmp_ds_set_int(NETSNMP_DS_APPLICATION_ID, NETSNMP_DS_AGENT_AGENTX_TIMEOUT, AGENTX_TIMEOUT_US);
	netsnmp_ds_set_int(NETSNMP_DS_APPLICATION_ID, NETSNMP_DS_AGENT_AGENTX_RETRIES, 0);
}

/* The subagent's session takes the library's default timeout and retries, and its open
 * is synchronous. init_snmp resets those defaults (to 1 s and 5 retries: a stuck master
 * then stalled the loop 6 s per attempt) before reading the configuration, then
 * connects: they are set again just before. The SNMP poller gives each of its sessions
 * its own timeout and retries, so it is unaffected. */
static void session_defaults(void)
{
	netsnmp_ds_set_int(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_TIMEOUT, AGENTX_OPEN_TIMEOUT_S);
	netsnmp_ds_set_int(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_RETRIES, 0);
}

static int on_pre_read_config(int major, int minor, void *server, void *client)
{
	session_defaults();
	return 0;
}

static bool config_read;

static int on_config_read(int major, int minor, void *server, void *client)
{
	config_read = true;
	return 0;
}

/* init_agent, the handler, then the connection: by init_snmp's post-configuration
 * callbacks, or directly when the SNMP poller called init_snmp already. */
static int start_agent(struct agentx *ax, unsigned ping_s)
{
	library_settings(ax);
	if (init_agent("envmond") != 0) {
		log_err("agentx: cannot set up Net-SNMP's agent");
		return -1;
	}
	/* init_agent resets the ping interval: it is set afterwards. */
	netsnmp_ds_set_int(NETSNMP_DS_APPLICATION_ID, NETSNMP_DS_AGENT_AGENTX_PING_INTERVAL, (int)ping_s);
	ax->reg = netsnmp_create_handler_registration("envmon", mib_handler, ax->root, ax->root_len,
		HANDLER_CAN_RONLY);
	if (!ax->reg)
		return -1;
	ax->reg->my_reg_void = ax;
	if (netsnmp_register_handler(ax->reg) != MIB_REGISTERED_OK) {
		log_err("agentx: cannot register ENVMON-MIB");
		ax->reg = NULL;
		return -1;
	}
	snmp_register_callback(SNMP_CALLBACK_LIBRARY, SNMP_CALLBACK_PRE_READ_CONFIG, on_pre_read_config, NULL);
	snmp_register_callback(SNMP_CALLBACK_LIBRARY, SNMP_CALLBACK_POST_READ_CONFIG, on_config_read, NULL);
	init_snmp("envmond");
	session_defaults();
	if (!config_read)
		subagent_startup(0, 0, NULL, NULL);
	return 0;
}

struct agentx *agentx_start(const struct config *cfg, struct control *ctl)
{
	static bool started;
	struct agentx *ax;

	if (!cfg->agentx.enabled)
		return NULL;
	if (started) {
		log_warn("agentx: the subagent cannot be restarted in this process");
		return NULL;
	}
	started = true;
	ax = xcalloc(1, sizeof(*ax));
	ax->ctl = ctl;
	ax->view_ms = -1;
	ax->socket = xstrdup(cfg->agentx.socket);
	ax->site_code = xstrdup(cfg->site.code);
	if (parse_root(ax, cfg->agentx.root ? cfg->agentx.root : AGENTX_DEFAULT_ROOT) < 0 ||
	    start_agent(ax, cfg->agentx.ping_s) < 0) {
		free(ax->socket);
		free(ax->site_code);
		free(ax);
		return NULL;
	}
	ax->timer = sched_add_timer(0, on_timer, ax);
	AX = ax;
	log_connection(ax);
	if (!ax->connected)
		log_warn("agentx: no master at %s yet: retrying every %u s", ax->socket, cfg->agentx.ping_s);
	return ax;
}

bool agentx_connected(const struct agentx *ax)
{
	return ax && main_session != NULL;
}

/* ------------------------------------------------------------------ notifications */

static void add_var(netsnmp_variable_list **vars, const struct agentx *ax, const oid *sub, size_t n_sub,
	u_char type, const void *val, size_t len)
{
	oid name[MAX_OID_LEN];

	memcpy(name, ax->root, ax->root_len * sizeof(oid));
	memcpy(name + ax->root_len, sub, n_sub * sizeof(oid));
	snmp_varlist_add_variable(vars, name, ax->root_len + n_sub, type, val, len);
}

static void add_notif_str(netsnmp_variable_list **vars, const struct agentx *ax, oid which, const char *s)
{
	s = s ? s : "";
	add_var(vars, ax, (const oid[]){ AXMIB_OBJECTS, AXMIB_NOTIF_OBJECTS, which, 0 }, 4, ASN_OCTET_STR,
		s, strlen(s));
}

static void add_notif_int(netsnmp_variable_list **vars, const struct agentx *ax, oid which, long v)
{
	add_var(vars, ax, (const oid[]){ AXMIB_OBJECTS, AXMIB_NOTIF_OBJECTS, which, 0 }, 4, ASN_INTEGER,
		&v, sizeof(v));
}

/* snmpTrapOID.0 = envmonNotifications.which, then envmonSiteCode.0; send_v2trap puts
 * sysUpTime.0 first. */
static netsnmp_variable_list *trap_head(const struct agentx *ax, enum axmib_trap which)
{
	static const oid snmptrap_oid[] = { 1, 3, 6, 1, 6, 3, 1, 1, 4, 1, 0 };
	netsnmp_variable_list *vars = NULL;
	oid trap[MAX_OID_LEN];

	memcpy(trap, ax->root, ax->root_len * sizeof(oid));
	trap[ax->root_len] = AXMIB_NOTIFICATIONS;
	trap[ax->root_len + 1] = (oid)which;
	snmp_varlist_add_variable(&vars, snmptrap_oid, ARRAY_SIZE(snmptrap_oid), ASN_OBJECT_ID,
		trap, (ax->root_len + 2) * sizeof(oid));
	add_var(&vars, ax, (const oid[]){ AXMIB_OBJECTS, AXMIB_SITE, 1, 0 }, 4, ASN_OCTET_STR,
		ax->site_code, strlen(ax->site_code));
	return vars;
}

/* "a,b,c", at most the 255 bytes of envmonNotifServers. */
static void servers_text(const struct notification *n, char *out, size_t size)
{
	size_t len = 0;

	out[0] = '\0';
	for (size_t i = 0; i < n->n_servers && len < size; i++)
		len += (size_t)snprintf(out + len, size - len, "%s%s", i ? "," : "", n->servers[i].name);
}

static enum axmib_trap trap_of(const struct notification *n)
{
	bool contact = n->criterion == CRIT_CONTACT;

	if (n->kind == NOTIF_ALERT && contact)
		return n->seq == 0 ? AXMIB_TRAP_DEVICE_LOST : 0;
	if (n->kind == NOTIF_ALERT)
		return n->seq == 0 ? AXMIB_TRAP_OPENED : AXMIB_TRAP_WORSENED;
	if (n->kind == NOTIF_RECOVERY)
		return contact ? AXMIB_TRAP_DEVICE_BACK : AXMIB_TRAP_RECOVERED;
	return 0;   /* reminders, flapping, test mail: the mail's business */
}

static void send_incident_trap(struct agentx *ax, enum axmib_trap which, const struct notification *n)
{
	netsnmp_variable_list *vars = trap_head(ax, which);
	bool device = which == AXMIB_TRAP_DEVICE_LOST || which == AXMIB_TRAP_DEVICE_BACK;
	char servers[256];

	servers_text(n, servers, sizeof(servers));
	add_notif_str(&vars, ax, AXMIB_N_INCIDENT_ID, n->incident_id);
	if (!device)
		add_notif_str(&vars, ax, AXMIB_N_CRITERION, criterion_name(n->criterion));
	add_notif_int(&vars, ax, AXMIB_N_SEVERITY, (long)n->severity + 1);
	add_notif_str(&vars, ax, AXMIB_N_SOURCE, n->device ? n->device : n->rack);
	if (!device) {
		add_notif_int(&vars, ax, AXMIB_N_VALUE,
			axmib_tenths(n->kind == NOTIF_RECOVERY ? n->worst : n->value));
		add_notif_str(&vars, ax, AXMIB_N_UNIT, n->unit);
	}
	add_notif_str(&vars, ax, AXMIB_N_SERVERS, servers);
	send_v2trap(vars);
	snmp_free_varbind(vars);
}

/* true the first time (id, seq) is seen in this run. */
static bool first_time(struct agentx *ax, const struct notification *n)
{
	char key[80];

	snprintf(key, sizeof(key), "%s/%u", n->incident_id ? n->incident_id : "", n->seq);
	for (size_t i = 0; i < RECENT; i++)
		if (strcmp(ax->sent[i], key) == 0)
			return false;
	snprintf(ax->sent[ax->next_sent], sizeof(ax->sent[0]), "%s", key);
	ax->next_sent = (ax->next_sent + 1) % RECENT;
	return true;
}

static void remember_worst(struct agentx *ax, const struct notification *n)
{
	size_t slot = ax->next_worst;

	if (!n->incident_id)
		return;
	for (size_t i = 0; i < RECENT; i++)
		if (strcmp(ax->worst[i].id, n->incident_id) == 0)
			slot = i;
	if (slot == ax->next_worst)
		ax->next_worst = (ax->next_worst + 1) % RECENT;
	snprintf(ax->worst[slot].id, sizeof(ax->worst[slot].id), "%s", n->incident_id);
	ax->worst[slot].worst = n->worst;
	ax->view_ms = -1;
}

int agentx_notify(void *spool, const struct notification *n)
{
	enum axmib_trap which;
	int rc = spool_notify(spool, n);

	if (rc < 0 || !AX)
		return rc;
	remember_worst(AX, n);
	which = trap_of(n);
	if (!which || !first_time(AX, n))
		return rc;
	if (!main_session) {
		log_info("agentx: no master: %s not sent as a notification (journal and mail keep it)",
			n->incident_id);
		return rc;
	}
	send_incident_trap(AX, which, n);
	return rc;
}

void agentx_stop(struct agentx *ax)
{
	if (!ax)
		return;
	if (main_session) {
		netsnmp_variable_list *vars = trap_head(ax, AXMIB_TRAP_POLLING_STOPPED);
		const struct axmib_var *last = NULL;
		oid name[MAX_OID_LEN];
		u_long t;

		memcpy(name, ax->root, ax->root_len * sizeof(oid));
		memcpy(name + ax->root_len, (const oid[]){ AXMIB_OBJECTS, AXMIB_SITE, 5, 0 }, 4 * sizeof(oid));
		last = axmib_get(current_view(ax), name, ax->root_len + 4);
		t = last ? (u_long)last->num : 0;
		snmp_varlist_add_variable(&vars, name, ax->root_len + 4, ASN_UNSIGNED, &t, sizeof(t));
		send_v2trap(vars);
		snmp_free_varbind(vars);
	}
	for (size_t i = 0; i < ax->n_fds; i++)
		sched_del_fd(ax->fds[i]);
	sched_del_timer(ax->timer);
	/* Unregisters from the master (one short synchronous exchange) and frees the handler. */
	netsnmp_unregister_handler(ax->reg);
	axmib_clear(&ax->view);
	AX = NULL;
	free(ax->socket);
	free(ax->site_code);
	free(ax);
}
