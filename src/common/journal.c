/* journal.c — the append-only incident journal (JSON lines, fsync per record) and the
 * atomic state snapshot. JSON is built and parsed with json-c only. */
#include <config.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "fileio.h"
#include "journal.h"
#include "jrec.h"
#include "log.h"
#include "xmem.h"

struct journal {
	char *path;
	int fd;
	off_t good_size;   /* when torn: the size before the failed write, to cut back to */
	bool torn;         /* a failed write may have left part of a line, not cut off yet */
	off_t max_bytes;   /* rotate before a record would take the file past this; 0 never */
	bool reopen;       /* rotated, but path could not be created: still writing the old file */
};

/* ------------------------------------------------------------------ rotated files */

/* N of "<base>.<N>" (N >= 1, digits only), or 0. */
static unsigned long rotated_number(const char *name, const char *base)
{
	size_t len = strlen(base);
	char *end;
	unsigned long n;

	if (strncmp(name, base, len) != 0 || name[len] != '.' || !name[len + 1] ||
	    strspn(name + len + 1, "0123456789") != strlen(name + len + 1))
		return 0;
	n = strtoul(name + len + 1, &end, 10);
	return *end ? 0 : n;
}

static int cmp_ulong(const void *a, const void *b)
{
	unsigned long x = *(const unsigned long *)a, y = *(const unsigned long *)b;

	return x < y ? -1 : x > y;
}

/* The N of every "<path>.<N>" beside path, oldest (smallest) first; *out malloc'd. */
static size_t rotated_list(const char *path, unsigned long **out)
{
	char *dcopy = xstrdup(path), *bcopy = xstrdup(path);
	const char *base = basename(bcopy);
	DIR *d = opendir(dirname(dcopy));
	struct dirent *e;
	unsigned long *v = NULL, n;
	size_t count = 0, cap = 0;

	while (d && (e = readdir(d))) {
		if ((n = rotated_number(e->d_name, base)) == 0)
			continue;
		v = xgrow(v, &cap, count + 1, sizeof(*v));
		v[count++] = n;
	}
	if (d)
		closedir(d);
	if (count > 1)
		qsort(v, count, sizeof(*v), cmp_ulong);
	free(dcopy);
	free(bcopy);
	*out = v;
	return count;
}

/* ------------------------------------------------------------------ writer */

/* A crash in the middle of a write leaves a last line without '\n': cut it off, so that
 * the next record starts on a line of its own. */
static int drop_torn_tail(int fd, const char *path)
{
	off_t size = lseek(fd, 0, SEEK_END), pos = size;
	char c;

	while (pos > 0) {
		if (pread(fd, &c, 1, pos - 1) != 1)
			return -1;
		if (c == '\n')
			break;
		pos--;
	}
	if (pos == size)
		return 0;
	log_warn("%s: dropping a torn last record (%lld bytes)", path, (long long)(size - pos));
	return ftruncate(fd, pos) < 0 || fsync(fd) < 0 ? -1 : 0;
}

struct journal *journal_open(const char *path)
{
	int fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
	struct journal *j;

	if (fd < 0) {
		log_err("cannot open journal %s: %s", path, strerror(errno));
		return NULL;
	}
	if (drop_torn_tail(fd, path) < 0) {
		log_err("cannot repair journal %s: %s", path, strerror(errno));
		close(fd);
		return NULL;
	}
	j = xcalloc(1, sizeof(*j));
	j->path = xstrdup(path);
	j->fd = fd;
	return j;
}

void journal_close(struct journal *j)
{
	if (!j)
		return;
	close(j->fd);
	free(j->path);
	free(j);
}

/* Cuts off what a failed write left (half a line on a full disk), so that the next
 * record is not glued onto it. */
static int cut_back(struct journal *j)
{
	if (ftruncate(j->fd, j->good_size) < 0) {
		log_err("cannot cut journal %s back to %lld bytes: %s", j->path, (long long)j->good_size,
			strerror(errno));
		return -1;
	}
	j->torn = false;
	return 0;
}

void journal_set_max_bytes(struct journal *j, off_t max_bytes)
{
	j->max_bytes = max_bytes;
}

/* path becomes "<path>.<N+1>" (N the newest rotated file) by one rename: each record is
 * in exactly one file, before or after it, whenever a crash comes. Then a new path. */
static void rotate(struct journal *j)
{
	unsigned long *v, next;
	size_t n = rotated_list(j->path, &v);
	char *to, *dcopy = xstrdup(j->path);
	int fd;

	next = n ? v[n - 1] + 1 : 1;
	free(v);
	to = xasprintf("%s.%lu", j->path, next);
	if (!j->reopen && rename(j->path, to) < 0) {
		log_err("cannot rotate journal %s to %s: %s", j->path, to, strerror(errno));
		goto out;
	}
	fileio_fsync_dir(dirname(dcopy));
	if (!j->reopen)
		log_notice("journal %s rotated to %s", j->path, to);
	fd = open(j->path, O_RDWR | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0640);
	j->reopen = fd < 0;
	if (fd < 0) {
		log_err("cannot create journal %s: %s; still writing %s", j->path, strerror(errno), to);
		goto out;
	}
	close(j->fd);
	j->fd = fd;
	j->torn = false;
out:
	free(to);
	free(dcopy);
}

int journal_append(struct journal *j, struct json_object *rec)
{
	const char *text;
	char *line;
	struct stat st;
	int rc;

	if (j->torn && cut_back(j) < 0)
		return -1;
	if (fstat(j->fd, &st) < 0) {
		log_err("cannot stat journal %s: %s", j->path, strerror(errno));
		return -1;
	}
	json_object_object_add(rec, "v", json_object_new_int(1));
	text = json_object_to_json_string_ext(rec, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	line = xasprintf("%s\n", text);
	if (j->max_bytes > 0 && st.st_size > 0 && (j->reopen || st.st_size + (off_t)strlen(line) > j->max_bytes)) {
		rotate(j);
		if (fstat(j->fd, &st) < 0) {
			log_err("cannot stat journal %s: %s", j->path, strerror(errno));
			free(line);
			return -1;
		}
	}
	rc = fileio_write_all(j->fd, line, strlen(line));
	if (rc == 0)
		rc = fdatasync(j->fd);
	if (rc < 0) {
		log_err("cannot write journal %s: %s", j->path, strerror(errno));
		j->good_size = st.st_size;
		j->torn = true;
		cut_back(j);
	}
	free(line);
	return rc;
}

/* ------------------------------------------------------------------ replay */

/* One complete line. A line that does not parse is a damaged or hand-edited record (a
 * torn write is only ever the last line, without its '\n'): said once, at its line, and
 * skipped, so that one bad line never costs the records after it. */
static int replay_line(const char *path, int lineno, const char *line, size_t len,
	journal_line_fn fn, void *arg, int *count)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *rec = json_tokener_parse_ex(tok, line, (int)len);
	int rc = 0;

	if (rec && json_tokener_get_error(tok) == json_tokener_success &&
	    json_object_is_type(rec, json_type_object)) {
		(*count)++;
		rc = fn(arg, rec, path, lineno);
	} else if (len > 0) {
		log_warn("%s:%d: not a journal record (not a JSON object): skipped", path, lineno);
	}
	json_object_put(rec);
	json_tokener_free(tok);
	return rc;
}

static int replay_file(const char *path, journal_line_fn fn, void *arg, bool *stop)
{
	FILE *f = fopen(path, "re");
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	int count = 0, lineno = 0;

	if (!f)
		return errno == ENOENT ? 0 : -1;
	while ((len = getline(&line, &cap, f)) > 0) {
		lineno++;
		/* No '\n': a record cut by a crash, never acknowledged. */
		if (line[len - 1] != '\n')
			break;
		if (replay_line(path, lineno, line, (size_t)len - 1, fn, arg, &count) != 0) {
			*stop = true;
			break;
		}
	}
	free(line);
	fclose(f);
	return count;
}

int journal_replay_lines(const char *path, journal_line_fn fn, void *arg)
{
	unsigned long *v;
	size_t n = rotated_list(path, &v);
	bool stop = false;
	int count = 0, c;

	for (size_t i = 0; i <= n && !stop; i++) {
		char *file = i < n ? xasprintf("%s.%lu", path, v[i]) : xstrdup(path);

		c = replay_file(file, fn, arg, &stop);
		if (c < 0)
			log_err("cannot read journal %s: %s", file, strerror(errno));
		free(file);
		if (c < 0) {
			count = -1;
			break;
		}
		count += c;
	}
	free(v);
	return count;
}

struct plain_replay {
	int (*fn)(void *arg, struct json_object *rec);
	void *arg;
};

static int plain_record(void *arg, struct json_object *rec, const char *file, int line)
{
	struct plain_replay *p = arg;

	(void)file;
	(void)line;
	return p->fn(p->arg, rec);
}

int journal_replay(const char *path, int (*fn)(void *arg, struct json_object *rec), void *arg)
{
	struct plain_replay p = { fn, arg };

	return journal_replay_lines(path, plain_record, &p);
}

/* ------------------------------------------------------------------ snapshot */

int journal_snapshot_write(const char *path, struct json_object *obj)
{
	const char *text = json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN);
	int rc = fileio_replace(path, text, strlen(text), 0640);

	if (rc < 0)
		log_err("cannot write state snapshot %s: %s", path, strerror(errno));
	return rc;
}

struct json_object *journal_snapshot_read(const char *path)
{
	struct json_object *obj = json_object_from_file(path);

	if (obj && !json_object_is_type(obj, json_type_object)) {
		json_object_put(obj);
		return NULL;
	}
	return obj;
}

/* ------------------------------------------------------------------ episodes */

struct episodes {
	struct json_object **recs;           /* kept alive: episodes point into them */
	size_t n_recs, cap_recs;
	struct journal_episode *eps;
	size_t n_eps, cap_eps;
};

static struct journal_episode *find_episode(struct episodes *e, const char *id)
{
	/* Recent episodes are the ones updated: search from the end. */
	for (size_t i = e->n_eps; id && i-- > 0;)
		if (strcmp(e->eps[i].id, id) == 0)
			return &e->eps[i];
	return NULL;
}

static void read_servers(struct journal_episode *ep, const struct jrec *r)
{
	if (!r->has_servers)
		return;
	free(ep->servers);
	ep->servers = xcalloc(r->n_servers + 1, sizeof(*ep->servers));
	ep->n_servers = r->n_servers;
	for (size_t i = 0; i < r->n_servers; i++)
		ep->servers[i] = (struct journal_server){ r->servers[i].name, r->servers[i].role,
			r->servers[i].rack };
}

static void open_episode(struct episodes *e, const struct jrec *r)
{
	struct journal_episode *ep;

	e->eps = xgrow(e->eps, &e->cap_eps, e->n_eps + 1, sizeof(*e->eps));
	ep = &e->eps[e->n_eps++];
	memset(ep, 0, sizeof(*ep));
	ep->id = r->id;
	ep->condition = r->cond;
	ep->criterion = r->has_criterion ? r->criterion : CRIT_CONTACT;
	ep->device = r->device;
	ep->rack = r->rack;
	ep->metric = r->metric;
	ep->unit = r->unit;
	ep->since = r->since;
	ep->opened = r->t;
	ep->first_value = ep->worst = r->value;
	ep->state = ep->worst_state = r->state;
	ep->bound = r->bound;
	ep->bound_kind = r->bound_kind;
}

static void add_notice(struct journal_episode *ep, const struct jrec *r)
{
	struct journal_notice *n;

	ep->notices = xrealloc(ep->notices, (ep->n_notices + 1) * sizeof(*ep->notices));
	n = &ep->notices[ep->n_notices++];
	memset(n, 0, sizeof(*n));
	n->seq = r->notice.seq;
	n->kind = jrec_notice_kind_name(r->notice.kind);
	n->time = r->t;
	n->severity = r->severity;
	n->silenced = r->notice.silenced;
}

static void mark_accepted(struct journal_episode *ep, unsigned seq)
{
	for (size_t i = 0; i < ep->n_notices; i++)
		if (ep->notices[i].seq == seq && !ep->notices[i].silenced)
			ep->notices[i].accepted = true;
}

/* Folds one record into its episode. */
static void apply_record(struct episodes *e, const struct jrec *r)
{
	struct journal_episode *ep;

	if (!jrec_is_incident(r->type))
		return;
	if (r->type == JREC_OPEN && !find_episode(e, r->id))
		open_episode(e, r);
	ep = find_episode(e, r->id);
	if (!ep)
		return;
	if (r->type == JREC_NOTIFIED) {
		mark_accepted(ep, r->seq);
		return;
	}
	if (r->severity != SEV_UNKNOWN && r->severity > ep->severity)
		ep->severity = r->severity;
	if (!isnan(r->worst))
		ep->worst = r->worst;
	if (r->worst_state)
		ep->worst_state = r->worst_state;
	read_servers(ep, r);
	if (r->type == JREC_FLAPPING && r->on)
		ep->flapped = true;
	if (r->type == JREC_CLOSE) {
		ep->end = r->t;
		ep->end_reason = r->reason;
	}
	if (r->has_notice)
		add_notice(ep, r);
}

static int collect(void *arg, struct json_object *rec)
{
	struct episodes *e = arg;

	struct jrec r;
	const char *why = jrec_decode(rec, &r);

	/* An unusable record is skipped: the report shows what the rest of the file says. */
	if (!why) {
		e->recs = xgrow(e->recs, &e->cap_recs, e->n_recs + 1, sizeof(*e->recs));
		e->recs[e->n_recs++] = json_object_get(rec);
		apply_record(e, &r);
	}
	jrec_clear(&r);
	return 0;
}

int journal_episodes(const char *path, double from, double to, journal_episode_fn fn, void *arg)
{
	struct episodes e = { 0 };
	int count = 0, rc = journal_replay(path, collect, &e);

	for (size_t i = 0; rc >= 0 && i < e.n_eps; i++) {
		const struct journal_episode *ep = &e.eps[i];

		if (ep->opened >= to || (ep->end != 0 && ep->end < from))
			continue;
		count++;
		if (fn(arg, ep) != 0)
			break;
	}
	for (size_t i = 0; i < e.n_eps; i++) {
		free(e.eps[i].servers);
		free(e.eps[i].notices);
	}
	for (size_t i = 0; i < e.n_recs; i++)
		json_object_put(e.recs[i]);
	free(e.eps);
	free(e.recs);
	return rc < 0 ? -1 : count;
}
