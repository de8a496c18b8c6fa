/* spool.c — the mail spool, Maildir-like: a message is complete before it appears in
 * new/ (write to tmp/, fsync, rename, fsync the directory), so a crash never leaves half
 * a message to send. Its name is a function of (incident_id, seq): a notification
 * offered again after a crash (the alert module had not yet recorded that we took it)
 * finds its name in new/ or sent/ and is not queued twice. */
#include <config.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "message.h"
#include "fileio.h"
#include "spool.h"
#include "xmem.h"

/* 64 random bits, in hex, kept in <spool>/instance. */
#define INSTANCE_HEX 16

struct spool {
	char *dir;
	char instance[INSTANCE_HEX + 1];
	const struct config *cfg;
	const struct msgcat *cat;
	void (*wakeup)(void *arg);
	void *wakeup_arg;
};

static const char *const subdirs[] = { "tmp", "new", "sent" };

char *spool_file(const struct spool *sp, const char *sub, const char *name)
{
	return xasprintf("%s/%s/%s", sp->dir, sub, name);
}

const char *spool_path(const struct spool *sp)
{
	return sp->dir;
}

static int make_dir(const char *path)
{
	if (mkdir(path, 0750) < 0 && errno != EEXIST) {
		log_err("spool: cannot create %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* Half-written messages of a crash: they never reached new/, their notification is
 * still pending in the alert module, which offers it again. */
static void clean_tmp(const struct spool *sp)
{
	char *tmp = xasprintf("%s/tmp", sp->dir);
	DIR *d = opendir(tmp);
	struct dirent *e;

	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char *f = spool_file(sp, "tmp", e->d_name);
		unlink(f);
		free(f);
	}
	if (d)
		closedir(d);
	free(tmp);
}

static bool valid_instance(const char *s)
{
	return strlen(s) == INSTANCE_HEX && strspn(s, "0123456789abcdef") == INSTANCE_HEX;
}

/* The Message-ID token of this installation (message_id): read back, or drawn from
 * getrandom() the first time, and whenever the state directory was lost with it. */
static int load_instance(struct spool *sp)
{
	char *path = xasprintf("%s/instance", sp->dir), buf[INSTANCE_HEX + 2] = "";
	unsigned char rnd[INSTANCE_HEX / 2];
	FILE *f = fopen(path, "r");
	int rc = 0;

	if (f) {
		if (fgets(buf, sizeof(buf), f))
			buf[strcspn(buf, "\n")] = '\0';
		fclose(f);
	}
	if (valid_instance(buf)) {
		memcpy(sp->instance, buf, sizeof(sp->instance));
	} else if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd)) {
		log_err("spool: getrandom: %s", strerror(errno));
		rc = -1;
	} else {
		for (size_t i = 0; i < sizeof(rnd); i++)
			snprintf(sp->instance + 2 * i, 3, "%02x", rnd[i]);
		snprintf(buf, sizeof(buf), "%s\n", sp->instance);
		if ((rc = fileio_replace(path, buf, strlen(buf), 0640)) < 0)
			log_err("spool: cannot write %s: %s", path, strerror(errno));
	}
	free(path);
	return rc;
}

const char *spool_instance(const struct spool *sp)
{
	return sp->instance;
}

struct spool *spool_open(const char *state_dir, const struct config *cfg, const struct msgcat *cat)
{
	struct spool *sp = xcalloc(1, sizeof(*sp));
	int rc = make_dir(state_dir);

	sp->dir = xasprintf("%s/spool", state_dir);
	sp->cfg = cfg;
	sp->cat = cat;
	if (rc == 0)
		rc = make_dir(sp->dir);
	for (size_t i = 0; i < ARRAY_SIZE(subdirs) && rc == 0; i++) {
		char *sub = xasprintf("%s/%s", sp->dir, subdirs[i]);
		rc = make_dir(sub);
		free(sub);
	}
	if (rc == 0)
		rc = load_instance(sp);
	if (rc < 0) {
		spool_close(sp);
		return NULL;
	}
	clean_tmp(sp);
	return sp;
}

void spool_close(struct spool *sp)
{
	if (!sp)
		return;
	free(sp->dir);
	free(sp);
}

void spool_set_config(struct spool *sp, const struct config *cfg, const struct msgcat *cat)
{
	sp->cfg = cfg;
	sp->cat = cat;
}

void spool_set_wakeup(struct spool *sp, void (*fn)(void *arg), void *arg)
{
	sp->wakeup = fn;
	sp->wakeup_arg = arg;
}

void spool_name(char *buf, size_t size, const char *incident_id, unsigned seq)
{
	char id[64];
	size_t i;

	for (i = 0; i < sizeof(id) - 1 && incident_id[i]; i++) {
		char c = incident_id[i];
		id[i] = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
			c == '-' || c == '_' ? c : '_';
	}
	id[i] = '\0';
	snprintf(buf, size, "%s.%06u", id[0] ? id : "_", seq);
}

static bool exists(const struct spool *sp, const char *sub, const char *name)
{
	char *f = spool_file(sp, sub, name);
	struct stat st;
	bool found = stat(f, &st) == 0;

	free(f);
	return found;
}

/* tmp/name, fsynced, renamed to new/name, new/ fsynced. */
static int write_durably(const struct spool *sp, const char *name, const char *message)
{
	char *tmp = spool_file(sp, "tmp", name), *dst = spool_file(sp, "new", name);
	int rc = fileio_publish(tmp, dst, message, strlen(message), 0640);

	if (rc < 0)
		log_err("spool: cannot write %s: %s", dst, strerror(errno));
	free(tmp);
	free(dst);
	return rc;
}

int spool_enqueue(struct spool *sp, const char *name, const char *message)
{
	if (exists(sp, "new", name) || exists(sp, "sent", name))
		return 1;
	if (write_durably(sp, name, message) < 0)
		return -1;
	if (sp->wakeup)
		sp->wakeup(sp->wakeup_arg);
	return 0;
}

int spool_notify(void *spool, const struct notification *n)
{
	struct spool *sp = spool;
	char name[96];
	char *msg;
	int rc;

	spool_name(name, sizeof(name), n->incident_id, n->seq);
	if (exists(sp, "new", name) || exists(sp, "sent", name)) {
		log_info("spool: %s already queued or sent: not queued again", name);
		return 0;
	}
	msg = message_format(sp->cfg, sp->cat, sp->instance, n);
	rc = spool_enqueue(sp, name, msg);
	free(msg);
	if (rc == 0)
		log_info("spool: queued %s", name);
	return rc < 0 ? -1 : 0;
}

/* "<incident>.<6 digits>" -> entry; false for anything else (editor backups, ...). */
static bool parse_name(const char *name, struct spool_entry *e)
{
	const char *dot = strrchr(name, '.');
	char *end;
	unsigned long seq;

	if (!dot || dot == name || strlen(dot + 1) != 6 || strlen(name) >= sizeof(e->name) ||
	    (size_t)(dot - name) >= sizeof(e->incident))
		return false;
	seq = strtoul(dot + 1, &end, 10);
	if (*end)
		return false;
	snprintf(e->name, sizeof(e->name), "%s", name);
	snprintf(e->incident, sizeof(e->incident), "%.*s", (int)(dot - name), name);
	e->seq = (unsigned)seq;
	return true;
}

static int entry_cmp(const void *a, const void *b)
{
	const struct spool_entry *x = a, *y = b;
	int c = strcmp(x->incident, y->incident);

	if (c)
		return c;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* A file in new/ that no spool_enqueue made (a foreign name, not a regular file): the
 * mailer would step over it at every pass. It is named once and moved to aside/, for
 * the operator to look at. */
static void set_aside(const struct spool *sp, const char *sub, const char *name)
{
	static struct log_complaint failing;
	char *from = spool_file(sp, sub, name), *dir = xasprintf("%s/aside", sp->dir);
	char *to = spool_file(sp, "aside", name);

	if (make_dir(dir) == 0 && rename(from, to) == 0) {
		log_warn("spool: %s is not a message of this spool: set aside as %s", from, to);
		fileio_fsync_dir(dir);
	} else if (errno == ENOENT && access(from, F_OK) != 0 && errno == ENOENT) {
		/* Gone from new/ meanwhile: another lister (the mailer thread and the status
		 * count both list new/) set it aside first, and said so. */
	} else {
		log_complain(&failing, LOG_WARNING, "spool: %s is not a message of this spool and cannot be set "
			"aside: %s", from, strerror(errno));
	}
	free(from);
	free(to);
	free(dir);
}

int spool_list(const struct spool *sp, const char *sub, struct spool_entry **out)
{
	char *path = xasprintf("%s/%s", sp->dir, sub);
	DIR *d = opendir(path);
	struct spool_entry *v = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;

	free(path);
	if (!d)
		return -1;
	while ((de = readdir(d))) {
		struct spool_entry e;
		struct stat st;
		char *f;

		if (de->d_name[0] == '.')
			continue;
		f = spool_file(sp, sub, de->d_name);
		if (parse_name(de->d_name, &e) && stat(f, &st) == 0 && S_ISREG(st.st_mode)) {
			e.mtime = (double)st.st_mtim.tv_sec + st.st_mtim.tv_nsec / 1e9;
			v = xgrow(v, &cap, n + 1, sizeof(*v));
			v[n++] = e;
		} else if (strcmp(sub, "new") == 0) {
			set_aside(sp, sub, de->d_name);
		}
		free(f);
	}
	closedir(d);
	if (n > 1)
		qsort(v, n, sizeof(*v), entry_cmp);
	*out = v;
	return (int)n;
}

/* rename(new/name, sent/name), recreating sent/ once if an operator removed it. */
static int move_to_sent(struct spool *sp, const char *src, const char *dst)
{
	char *sent = xasprintf("%s/sent", sp->dir), *newdir = xasprintf("%s/new", sp->dir);
	int rc = rename(src, dst);

	if (rc < 0 && errno == ENOENT && access(src, F_OK) == 0 && make_dir(sent) == 0) {
		log_warn("spool: %s was missing: created again", sent);
		rc = rename(src, dst);
	}
	if (rc == 0 && (fileio_fsync_dir(sent) < 0 || fileio_fsync_dir(newdir) < 0))
		rc = -1;
	free(sent);
	free(newdir);
	return rc;
}

int spool_mark_sent(struct spool *sp, const char *name)
{
	char *src = spool_file(sp, "new", name), *dst = spool_file(sp, "sent", name);
	int rc = 0;

	/* The mtime of sent/ files is when they were sent: the rate limit and pruning read it. */
	utimensat(AT_FDCWD, src, NULL, 0);
	if (move_to_sent(sp, src, dst) < 0 && access(src, F_OK) == 0) {
		/* Left in new/, the message would be sent again at once, and again: a mail
		 * storm. Losing the copy in sent/ costs only the duplicate check. */
		log_err("spool: cannot move %s to sent/: %s", name, strerror(errno));
		if (unlink(src) == 0) {
			log_err("spool: %s removed from new/ so that it is not sent again", name);
			rc = 1;
		} else {
			log_err("spool: cannot remove %s from new/ either: %s", name, strerror(errno));
			rc = -1;
		}
	}
	free(src);
	free(dst);
	return rc;
}

int spool_prune(struct spool *sp, double max_age_s, double now)
{
	struct spool_entry *v;
	int n = spool_list(sp, "sent", &v), pruned = 0;

	for (int i = 0; i < n; i++) {
		if (now - v[i].mtime <= max_age_s)
			continue;
		char *f = spool_file(sp, "sent", v[i].name);
		if (unlink(f) == 0)
			pruned++;
		free(f);
	}
	if (n > 0)
		free(v);
	return pruned;
}

/* "<code>-<yyyymmdd>-<n>": the day and n of an incident part of a name. */
static bool incident_day_n(const char *incident, char day[9], unsigned *n)
{
	const char *dash = strrchr(incident, '-');
	char *end;
	unsigned long v;

	if (!dash || dash - incident < 9 || dash[-9] != '-' || !dash[1])
		return false;
	v = strtoul(dash + 1, &end, 10);
	if (*end || strspn(dash - 8, "0123456789") < 8)
		return false;
	memcpy(day, dash - 8, 8);
	day[8] = '\0';
	*n = (unsigned)v;
	return true;
}

bool spool_last_id(const struct spool *sp, char day[9], unsigned *n)
{
	static const char *const subs[] = { "new", "sent" };
	bool found = false;

	for (size_t s = 0; s < sizeof(subs) / sizeof(subs[0]); s++) {
		struct spool_entry *v = NULL;
		int count = spool_list(sp, subs[s], &v);
		char d[9];
		unsigned k;

		for (int i = 0; i < count; i++) {
			if (!incident_day_n(v[i].incident, d, &k))
				continue;
			if (!found || strcmp(d, day) > 0 || (strcmp(d, day) == 0 && k > *n)) {
				memcpy(day, d, 9);
				*n = k;
				found = true;
			}
		}
		free(v);
	}
	return found;
}
