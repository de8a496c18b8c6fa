/* sources.c — checking what the report will read before it reads it. librrd and the
 * journal reader turn an unreadable file into "no series", which the report would show as
 * "no data": open(2) here tells a missing file (ENOENT) from a refused one (EACCES). */
#include <config.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "envmon.h"
#include "instfile.h"
#include "journal.h"
#include "rrdread.h"
#include "sources.h"
#include "xmem.h"

static void add_problem(struct sources *s, const char *path, int err)
{
	s->problems = xgrow(s->problems, &s->cap_problems, s->n_problems + 1, sizeof(*s->problems));
	s->problems[s->n_problems].path = xstrdup(path);
	s->problems[s->n_problems].err = err;
	s->n_problems++;
}

/* 1 readable, 0 absent, -1 there but refused (recorded). */
static int check_file(struct sources *s, const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd >= 0) {
		close(fd);
		return 1;
	}
	if (errno == ENOENT)
		return 0;
	add_problem(s, path, errno);
	return -1;
}

/* A directory the report must list: its absence is an error too. */
static int check_dir(struct sources *s, const char *path)
{
	DIR *d = opendir(path);

	if (!d) {
		add_problem(s, path, errno);
		return -1;
	}
	closedir(d);
	return 0;
}

static void check_rrd_files(const struct config *cfg, struct sources *s)
{
	char *dir = xasprintf("%s/rrd", cfg->paths.state_dir);
	DIR *d = opendir(dir);

	/* No rrd/ at all is an empty state (sources_empty); a refused one is a problem. */
	if (!d && errno != ENOENT)
		add_problem(s, dir, errno);
	if (d)
		closedir(d);
	free(dir);
	if (!d)
		return;
	for (size_t i = 0; i < cfg->n_devices; i++) {
		char *path = rrdread_path(cfg->paths.state_dir, cfg->storage.rrdcached,
			cfg->devices[i].name);

		s->n_rrd_found += check_file(s, path) == 1;
		free(path);
		/* the labels of its instances (instances.c): refused, they would go unnamed */
		path = instfile_path(cfg->paths.state_dir, cfg->devices[i].name);
		check_file(s, path);
		free(path);
	}
}

size_t sources_check(const struct config *cfg, struct sources *out)
{
	char *journal;

	memset(out, 0, sizeof(*out));
	out->remote = rrdread_is_remote(cfg->storage.rrdcached);
	if (check_dir(out, cfg->paths.state_dir) < 0)
		return out->n_problems;
	if (!out->remote)
		check_rrd_files(cfg, out);
	journal = xasprintf("%s/%s", cfg->paths.state_dir, JOURNAL_FILE);
	out->journal_found = check_file(out, journal) == 1;
	free(journal);
	return out->n_problems;
}

bool sources_empty(const struct sources *s)
{
	return !s->remote && s->n_problems == 0 && s->n_rrd_found == 0 && !s->journal_found;
}

/* The reasons a reader meets, in the report's language (libc's own catalogue is often
 * not installed on a server); strerror for the rest. */
const char *sources_reason(int err)
{
	switch (err) {
	case EACCES: case EPERM: return _("permission denied");
	case ENOENT: return _("no such file or directory");
	case ENOTDIR: return _("not a directory");
	default: return strerror(err);
	}
}

char *sources_describe(const struct sources_problem *p)
{
	return xasprintf(_("%s: %s"), p->path, sources_reason(p->err));
}

void sources_print(const struct sources *s, FILE *out)
{
	bool refused = false;

	for (size_t i = 0; i < s->n_problems; i++) {
		const struct sources_problem *p = &s->problems[i];

		fprintf(out, _("envmon-report: cannot read %s: %s\n"), p->path, sources_reason(p->err));
		refused |= p->err == EACCES || p->err == EPERM;
	}
	if (refused)
		fprintf(out, _("envmon-report: the files of envmond belong to its user and group: run "
			"the report as a member of that group\n"));
}

void sources_free(struct sources *s)
{
	for (size_t i = 0; i < s->n_problems; i++)
		free(s->problems[i].path);
	free(s->problems);
	memset(s, 0, sizeof(*s));
}
