/* agentx.h — envmond as an AgentX subagent (Net-SNMP's agent library): ENVMON-MIB
 * answered from the daemon's status, notifications sent through the master. It runs on
 * the loop thread beside the SNMP poller (Net-SNMP is not thread-safe), its descriptors
 * and timers in sched.c's loop; every AgentX call that blocks is bounded by a short
 * session timeout without retries, so a stuck master never stalls polling. */
#ifndef AGENTX_H
#define AGENTX_H

#include "conf.h"
#include "notify.h"

struct control;
struct agentx;

/* ENVMON-MIB's root (mibs/ENVMON-MIB.txt: netSnmpPlaypen.1 until the project has a
 * Private Enterprise Number); agentx.root in the configuration overrides it. */
#define AGENTX_DEFAULT_ROOT "1.3.6.1.4.1.8072.9999.9999.1"

/* Starts the subagent when cfg enables it (NULL otherwise, or on failure, logged): it
 * connects to the master at cfg->agentx.socket now or later (it retries every ping
 * interval, also after the master restarts) and answers from ctl's status. Once per
 * process: Net-SNMP's agent cannot be set up twice. */
struct agentx *agentx_start(const struct config *cfg, struct control *ctl);
/* Sends envmonPollingStopped (the daemon stops polling) and disconnects. NULL is fine. */
void agentx_stop(struct agentx *ax);
/* Whether the master has the subagent's registration now. */
bool agentx_connected(const struct agentx *ax);

/* A notify_fn: spool_notify(spool, n), then, once the spool accepted it, the matching
 * ENVMON-MIB notification to the master (if the subagent runs and is connected; the
 * journal and the mail stay the durable record). A notification offered again is not
 * sent twice. */
int agentx_notify(void *spool, const struct notification *n);

#endif
