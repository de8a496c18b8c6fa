/* privdrop.h — envmond started as root prepares what needs root (its directories, the
 * pid file) and then becomes the configured unprivileged user for good.
 * Serial ports are not opened as root: the daemon user belongs to group dialout.
 * Capabilities needed for all this: CAP_SETUID, CAP_SETGID, CAP_CHOWN, and
 * CAP_DAC_READ_SEARCH to read a configuration only root may read. */
#ifndef PRIVDROP_H
#define PRIVDROP_H

#include <stdbool.h>
#include <sys/types.h>

struct config;

struct privdrop {
	bool drop;                 /* running as root with a user to become */
	uid_t uid;
	gid_t gid;
	char *user;                /* for initgroups and the log */
};

/* Resolves cfg->daemon.user/group (group defaults to the user's primary group).
 * Refuses (-1, logged) to go on as root without a user unless daemon.allow_root.
 * Not root: nothing to drop, pd->drop is false. */
int privdrop_init(struct privdrop *pd, const struct config *cfg);
void privdrop_fini(struct privdrop *pd);

/* Called by privdrop_prepare_dir once the directory exists with its mode, before it is
 * given to the daemon user: 0, or -1 (logged) to fail. */
typedef int (*privdrop_dir_fn)(void *arg);

/* Makes sure directory path exists with mode and belongs to the daemon user (when
 * dropping). An existing directory owned by root is taken over only if it is empty
 * (what systemd's StateDirectory=/RuntimeDirectory= create), never /run or /var/lib.
 * Root keeps ownership until fn (may be NULL) has run, so that fn can create files
 * there without CAP_DAC_OVERRIDE; the mode is set before the chown, which then needs
 * only CAP_CHOWN (not CAP_FOWNER). */
int privdrop_prepare_dir(const struct privdrop *pd, const char *path, mode_t mode,
	privdrop_dir_fn fn, void *arg);

/* Becomes the user: supplementary groups (initgroups), gid, uid; then checks that
 * root cannot be regained. 0, or -1 (logged) and the caller must exit. */
int privdrop_drop(const struct privdrop *pd);

#endif
