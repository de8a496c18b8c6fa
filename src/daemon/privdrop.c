/* privdrop.c — directories, then initgroups/setgid/setuid, then a check that it stuck. */
#include <config.h>

#include <dirent.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"
#include "log.h"
#include "privdrop.h"
#include "xmem.h"

static int lookup_group(const char *name, gid_t *gid)
{
	struct group *gr = getgrnam(name);

	if (!gr) {
		log_err("daemon.group \"%s\" does not exist", name);
		return -1;
	}
	*gid = gr->gr_gid;
	return 0;
}

int privdrop_init(struct privdrop *pd, const struct config *cfg)
{
	const char *user = cfg->daemon.user;
	struct passwd *pw;

	memset(pd, 0, sizeof(*pd));
	if (geteuid() != 0)
		return 0;
	if (!user || strcmp(user, "root") == 0) {
		if (cfg->daemon.allow_root)
			return 0;
		log_err("refusing to run as root: set daemon.user (e.g. \"envmond\"), "
			"or daemon.allow_root = true");
		return -1;
	}
	pw = getpwnam(user);
	if (!pw) {
		log_err("daemon.user \"%s\" does not exist (create it: adduser --system --group "
			"--home /var/lib/envmond %s)", user, user);
		return -1;
	}
	if (pw->pw_uid == 0 && !cfg->daemon.allow_root) {
		log_err("daemon.user \"%s\" has uid 0: refusing to run as root", user);
		return -1;
	}
	pd->uid = pw->pw_uid;
	pd->gid = pw->pw_gid;
	if (cfg->daemon.group && lookup_group(cfg->daemon.group, &pd->gid) < 0)
		return -1;
	pd->user = xstrdup(user);
	pd->drop = pw->pw_uid != 0;
	return 0;
}

void privdrop_fini(struct privdrop *pd)
{
	free(pd->user);
	pd->user = NULL;
}

static bool dir_is_empty(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	bool empty = true;

	if (!d)
		return false;
	while (empty && (e = readdir(d)))
		empty = strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0;
	closedir(d);
	return empty;
}

/* The mode first, while root still owns the directory: once it belongs to the daemon
 * user, chmod() would need CAP_FOWNER, which the systemd unit does not grant. fn (the pid
 * file) runs in between, for the same reason: creating a file in the daemon user's
 * directory would need CAP_DAC_OVERRIDE. */
static int take_over(const struct privdrop *pd, const char *path, mode_t mode,
	privdrop_dir_fn fn, void *arg)
{
	if (chmod(path, mode) < 0) {
		log_err("cannot set the mode of %s: %s", path, strerror(errno));
		return -1;
	}
	if (fn && fn(arg) < 0)
		return -1;
	if (chown(path, pd->uid, pd->gid) < 0) {
		log_err("cannot give %s to user %s: %s", path, pd->user, strerror(errno));
		return -1;
	}
	return 0;
}

static int run_fn(privdrop_dir_fn fn, void *arg)
{
	return fn ? fn(arg) : 0;
}

int privdrop_prepare_dir(const struct privdrop *pd, const char *path, mode_t mode,
	privdrop_dir_fn fn, void *arg)
{
	struct stat st;

	if (mkdir(path, mode) == 0) {
		log_info("created directory %s", path);
		return pd->drop ? take_over(pd, path, mode, fn, arg) : run_fn(fn, arg);
	}
	if (errno != EEXIST || stat(path, &st) < 0) {
		log_err("cannot create directory %s: %s", path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		log_err("%s is not a directory", path);
		return -1;
	}
	if (!pd->drop || st.st_uid == pd->uid)
		return run_fn(fn, arg);
	if (st.st_uid == 0 && dir_is_empty(path))
		return take_over(pd, path, mode, fn, arg);
	/* Someone else's directory: leave it alone; access may still work through the group. */
	log_warn("directory %s belongs to uid %ld, not to %s", path, (long)st.st_uid, pd->user);
	return run_fn(fn, arg);
}

static int verify_dropped(const struct privdrop *pd)
{
	if (getuid() != pd->uid || geteuid() != pd->uid || getgid() != pd->gid ||
	    getegid() != pd->gid) {
		log_err("privilege drop did not take effect");
		return -1;
	}
	if (setuid(0) == 0 || seteuid(0) == 0) {
		log_err("root could be regained after dropping privileges: refusing to run");
		return -1;
	}
	return 0;
}

int privdrop_drop(const struct privdrop *pd)
{
	if (!pd->drop)
		return 0;
	if (initgroups(pd->user, pd->gid) < 0) {
		log_err("initgroups(%s): %s", pd->user, strerror(errno));
		return -1;
	}
	if (setresgid(pd->gid, pd->gid, pd->gid) < 0 || setresuid(pd->uid, pd->uid, pd->uid) < 0) {
		log_err("cannot become user %s: %s", pd->user, strerror(errno));
		return -1;
	}
	if (verify_dropped(pd) < 0)
		return -1;
	log_info("running as user %s (uid %ld, gid %ld)", pd->user, (long)pd->uid, (long)pd->gid);
	return 0;
}
