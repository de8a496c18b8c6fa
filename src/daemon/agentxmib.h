/* agentxmib.h — ENVMON-MIB as a sorted list of values, built from the daemon's status
 * (the same object envmonctl reads), and the Net-SNMP handler that answers GET and
 * GETNEXT from it. The OID layout below is mibs/ENVMON-MIB.txt's. */
#ifndef AGENTXMIB_H
#define AGENTXMIB_H

#include <stddef.h>

#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>
#include <net-snmp/agent/net-snmp-agent-includes.h>

struct json_object;

/* Arcs under the module root (envmonMIB). */
#define AXMIB_NOTIFICATIONS 0
#define AXMIB_OBJECTS 1
/* Under envmonObjects. */
#define AXMIB_SITE 1
#define AXMIB_DEVICES 2
#define AXMIB_READINGS 3
#define AXMIB_INCIDENTS 4
#define AXMIB_NOTIF_OBJECTS 5

/* The notifications (envmonNotifications.N) and their objects (envmonNotifObjects.N). */
enum axmib_trap {
	AXMIB_TRAP_OPENED = 1, AXMIB_TRAP_WORSENED, AXMIB_TRAP_RECOVERED,
	AXMIB_TRAP_DEVICE_LOST, AXMIB_TRAP_DEVICE_BACK, AXMIB_TRAP_POLLING_STOPPED,
};
enum axmib_notif_object {
	AXMIB_N_INCIDENT_ID = 1, AXMIB_N_CRITERION, AXMIB_N_SEVERITY, AXMIB_N_SOURCE,
	AXMIB_N_VALUE, AXMIB_N_UNIT, AXMIB_N_SERVERS,
};

struct axmib_var {
	oid name[MAX_OID_LEN];
	size_t len;
	u_char type;            /* ASN_OCTET_STR, ASN_INTEGER, ASN_UNSIGNED */
	long num;               /* ASN_INTEGER / ASN_UNSIGNED */
	char *str;              /* ASN_OCTET_STR, owned */
};

/* A snapshot of the whole subtree, sorted by OID. */
struct axmib_view {
	struct axmib_var *vars;
	size_t n, cap;
};

/* Fills v from status (control_status's object: sections "daemon", "devices",
 * "incidents"), under root. worst_fn, if given, tells an incident's worst value (NAN if
 * unknown) by its id. */
typedef double (*axmib_worst_fn)(void *arg, const char *incident_id);
void axmib_build(struct axmib_view *v, const oid *root, size_t root_len, struct json_object *status,
	axmib_worst_fn worst_fn, void *worst_arg);
/* Frees every value (v can be built again). */
void axmib_clear(struct axmib_view *v);

/* The value at name exactly, or the first one after it; NULL if none. */
const struct axmib_var *axmib_get(const struct axmib_view *v, const oid *name, size_t len);
const struct axmib_var *axmib_next(const struct axmib_view *v, const oid *name, size_t len);

/* A value in tenths of its unit, rounded, clamped to Integer32; 0 for NAN. */
long axmib_tenths(double value);
/* An EnvmonSeverity from its name ("ok", "warning", "critical"; else unknown). */
long axmib_severity(const char *name);

/* Answers a request for the subtree from v (Net-SNMP handler body). */
int axmib_answer(const struct axmib_view *v, netsnmp_agent_request_info *reqinfo,
	netsnmp_request_info *requests);

#endif
