/* instfile.c — the instances file of a device (see instfile.h). Its format, one line per
 * instance after a heading comment:
 *   # envmond instances 1
 *   temperature<TAB>3<TAB>Sortie baie A
 * A label never holds a tab or a line break: device text, control characters replaced. */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fileio.h"
#include "instfile.h"
#include "metric.h"
#include "xmem.h"

#define HEADING "# envmond instances 1\n"
#define INDEX_MAX 31       /* a row index as the SNMP driver writes it ("1.1") */
#define LABEL_MAX 255

char *instfile_path(const char *state_dir, const char *device)
{
	return xasprintf("%s/rrd/%s.instances", state_dir, device);
}

char *instfile_rrd_name(const char *device, const char *metric, const char *index)
{
	return xasprintf("%s~%s~%s", device, metric, index);
}

/* An index names a file: letters, digits, '.', '-', '_', not starting with a '.'. */
static bool index_valid(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n <= INDEX_MAX && s[0] != '.' && strspn(s, "abcdefghijklmnopqrstuvwxyz"
		"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_") == n;
}

/* label with every control character (C0, DEL) as '?', at most LABEL_MAX bytes. */
static char *clean_label(const char *label)
{
	size_t n = strnlen(label, LABEL_MAX);
	char *out = xstrndup(label, n);

	for (char *p = out; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	return out;
}

static int find(const struct instfile *f, const char *metric, const char *index)
{
	for (size_t i = 0; i < f->n; i++)
		if (strcmp(f->e[i].metric, metric) == 0 && strcmp(f->e[i].index, index) == 0)
			return (int)i;
	return -1;
}

bool instfile_note(struct instfile *f, const char *metric, const char *index, const char *label)
{
	int i = find(f, metric, index);
	char *clean = clean_label(label ? label : "");
	struct instfile_entry *e;

	if (i >= 0) {
		e = &f->e[i];
		if (strcmp(e->label, clean) == 0) {
			free(clean);
			return false;
		}
		free(e->label);
		e->label = clean;
		return true;
	}
	f->e = xgrow(f->e, &f->cap, f->n + 1, sizeof(*f->e));
	e = &f->e[f->n++];
	e->metric = xstrdup(metric);
	e->index = xstrdup(index);
	e->label = clean;
	return true;
}

/* One line "METRIC\tINDEX\tLABEL" (newline removed) into f; false if it is not one. */
static bool parse_line(struct instfile *f, char *line)
{
	char *tab1 = strchr(line, '\t'), *tab2;

	if (line[0] == '#' || !tab1)
		return false;
	*tab1 = '\0';
	tab2 = strchr(tab1 + 1, '\t');
	if (!tab2)
		return false;
	*tab2 = '\0';
	if (!metric_name_valid(line) || !index_valid(tab1 + 1))
		return false;
	instfile_note(f, line, tab1 + 1, tab2 + 1);
	return true;
}

int instfile_load(const char *path, struct instfile *out)
{
	FILE *in = fopen(path, "re");
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	int saved;

	memset(out, 0, sizeof(*out));
	if (!in)
		return -1;
	while ((len = getline(&line, &cap, in)) >= 0) {
		if (len > 0 && line[len - 1] == '\n')
			line[len - 1] = '\0';
		parse_line(out, line);
	}
	saved = errno;
	free(line);
	if (ferror(in)) {
		fclose(in);
		instfile_free(out);
		errno = saved;
		return -1;
	}
	fclose(in);
	return 0;
}

/* The directory of path ("<state_dir>/rrd"), when a network rrdcached holds the files
 * and the daemon never made it. */
static void make_parent(const char *path)
{
	char *dir = xstrdup(path), *slash = strrchr(dir, '/');

	if (slash) {
		*slash = '\0';
		(void)mkdir(dir, 0750);   /* EEXIST mostly; any other error shows in the write */
	}
	free(dir);
}

int instfile_save(const char *path, const struct instfile *f)
{
	size_t len = strlen(HEADING), cap = len + 1;
	char *buf = xmalloc(cap);
	int rc, saved;

	memcpy(buf, HEADING, len + 1);
	for (size_t i = 0; i < f->n; i++) {
		const struct instfile_entry *e = &f->e[i];
		size_t need = strlen(e->metric) + strlen(e->index) + strlen(e->label) + 4;

		buf = xgrow(buf, &cap, len + need, 1);
		len += (size_t)snprintf(buf + len, need, "%s\t%s\t%s\n", e->metric, e->index, e->label);
	}
	make_parent(path);
	rc = fileio_replace(path, buf, len, 0644);
	saved = errno;
	free(buf);
	errno = saved;
	return rc;
}

void instfile_free(struct instfile *f)
{
	for (size_t i = 0; i < f->n; i++) {
		free(f->e[i].metric);
		free(f->e[i].index);
		free(f->e[i].label);
	}
	free(f->e);
	memset(f, 0, sizeof(*f));
}
