/* reload.c — the reload orchestration: diff, restart-only settings, participants. */
#include <config.h>

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "confdiff.h"
#include "log.h"
#include "reload.h"
#include "xmem.h"

void reload_register(struct reload *r, const char *name, reload_fn fn, void *arg)
{
	assert(r->n < RELOAD_MAX_PARTICIPANTS);
	r->p[r->n++] = (struct reload_participant){ name, fn, arg };
}

static void keep_string(char **dst, const char *running)
{
	free(*dst);
	*dst = running ? xstrdup(running) : NULL;
}

/* The running values stay until a restart: the pid file, socket and state directory
 * are open, the privileges are gone. */
static void keep_restart_only(const struct config *old, struct config *nw, const struct confdiff *d)
{
	char list[160] = "";

	if (d->n_restart_only == 0)
		return;
	keep_string(&nw->paths.state_dir, old->paths.state_dir);
	keep_string(&nw->paths.pid_file, old->paths.pid_file);
	keep_string(&nw->paths.control_socket, old->paths.control_socket);
	keep_string(&nw->daemon.user, old->daemon.user);
	keep_string(&nw->daemon.group, old->daemon.group);
	nw->daemon.allow_root = old->daemon.allow_root;
	nw->storage.step_s = old->storage.step_s;
	nw->storage.batch_s = old->storage.batch_s;
	keep_string(&nw->storage.rrdcached, old->storage.rrdcached);
	for (size_t i = 0; i < d->n_restart_only; i++)
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s", i ? ", " : "",
			d->restart_only[i]);
	log_warn("reload: %s changed: this takes a restart (systemctl restart envmond); "
		"the running values stay until then", list);
}

static void log_devices(const struct confdiff *d)
{
	for (size_t i = 0; i < d->n_devices; i++)
		if (d->devices[i].change != CONFDIFF_SAME)
			log_info("reload: device %s %s", d->devices[i].name,
				confdiff_change_name(d->devices[i].change));
	for (size_t i = 0; i < d->n_servers; i++)
		if (d->servers[i].change != CONFDIFF_SAME)
			log_info("reload: server %s %s", d->servers[i].name,
				confdiff_change_name(d->servers[i].change));
}

void reload_apply(const struct reload *r, const struct config *old_cfg, struct config *new_cfg,
	char *summary, size_t len)
{
	struct confdiff d;
	size_t servers_changed = 0;

	confdiff_compute(&d, old_cfg, new_cfg);
	keep_restart_only(old_cfg, new_cfg, &d);
	log_devices(&d);
	for (size_t i = 0; i < r->n; i++)
		r->p[i].fn(r->p[i].arg, old_cfg, new_cfg, &d);
	for (size_t i = 0; i < d.n_servers; i++)
		servers_changed += d.servers[i].change != CONFDIFF_SAME;
	snprintf(summary, len, "devices: %zu added, %zu removed, %zu changed, %zu retuned, "
		"%zu unchanged; servers: %zu added/removed/changed",
		confdiff_count(&d, CONFDIFF_ADDED), confdiff_count(&d, CONFDIFF_REMOVED),
		confdiff_count(&d, CONFDIFF_CHANGED), confdiff_count(&d, CONFDIFF_RETUNED),
		confdiff_count(&d, CONFDIFF_SAME), servers_changed);
	confdiff_free(&d);
}
