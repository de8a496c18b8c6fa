/* silence.c — run-time maintenance windows in a small JSON file, rewritten whole on
 * each change (a handful of entries). */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "conf.h"
#include "log.h"
#include "fileio.h"
#include "silence.h"
#include "textesc.h"
#include "xmem.h"

struct entry {
	char *target, *reason;
	double from, until;
};

struct silences {
	char *file;
	struct entry *v;
	size_t n, cap;
};

static void entry_clear(struct entry *e)
{
	free(e->target);
	free(e->reason);
}

static void drop_expired(struct silences *s, double now)
{
	size_t kept = 0;

	for (size_t i = 0; i < s->n; i++) {
		if (s->v[i].until <= now)
			entry_clear(&s->v[i]);
		else
			s->v[kept++] = s->v[i];
	}
	s->n = kept;
}

static void push(struct silences *s, const char *target, double from, double until, const char *reason)
{
	s->v = xgrow(s->v, &s->cap, s->n + 1, sizeof(*s->v));
	s->v[s->n++] = (struct entry){ xstrdup(target), xstrdup(reason ? reason : ""), from, until };
}

static bool get_entry(struct json_object *o, const char **target, double *from, double *until,
	const char **reason)
{
	struct json_object *t, *f, *u, *r;

	if (!json_object_object_get_ex(o, "target", &t) || !json_object_is_type(t, json_type_string) ||
	    !json_object_object_get_ex(o, "from", &f) || !json_object_object_get_ex(o, "until", &u))
		return false;
	*target = json_object_get_string(t);
	*from = json_object_get_double(f);
	*until = json_object_get_double(u);
	*reason = json_object_object_get_ex(o, "reason", &r) ? json_object_get_string(r) : "";
	return true;
}

static int load(struct silences *s)
{
	struct json_object *root = json_object_from_file(s->file), *list;

	if (!root)
		return access(s->file, F_OK) == 0 ? -1 : 0;
	if (!json_object_object_get_ex(root, "silences", &list) ||
	    !json_object_is_type(list, json_type_array)) {
		json_object_put(root);
		return -1;
	}
	for (size_t i = 0; i < json_object_array_length(list); i++) {
		const char *target, *reason;
		double from, until;

		if (get_entry(json_object_array_get_idx(list, i), &target, &from, &until, &reason))
			push(s, target, from, until, reason);
	}
	json_object_put(root);
	return 0;
}

struct silences *silence_open(const char *state_dir)
{
	struct silences *s = xcalloc(1, sizeof(*s));

	s->file = xasprintf("%s/silences.json", state_dir);
	if (load(s) < 0) {
		char *bad = xasprintf("%s.bad", s->file);

		log_err("%s is damaged: set aside as %s; run-time silences are lost", s->file, bad);
		rename(s->file, bad);
		free(bad);
	}
	drop_expired(s, clock_wall());
	return s;
}

void silence_close(struct silences *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++)
		entry_clear(&s->v[i]);
	free(s->v);
	free(s->file);
	free(s);
}

static struct json_object *entry_json(const char *target, double from, double until,
	const char *reason, const char *source)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "target", json_object_new_string(target));
	json_object_object_add(o, "from", json_object_new_double(from));
	json_object_object_add(o, "until", json_object_new_double(until));
	json_object_object_add(o, "reason", json_object_new_string(reason ? reason : ""));
	if (source)
		json_object_object_add(o, "source", json_object_new_string(source));
	return o;
}

/* Temporary file, fsync, rename: the file is always either the old or the new list. */
static int save(const struct silences *s)
{
	struct json_object *root = json_object_new_object(), *list = json_object_new_array();
	char *text;
	int rc;

	for (size_t i = 0; i < s->n; i++)
		json_object_array_add(list, entry_json(s->v[i].target, s->v[i].from, s->v[i].until,
			s->v[i].reason, NULL));
	json_object_object_add(root, "silences", list);
	text = xasprintf("%s\n", json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY));
	rc = fileio_replace(s->file, text, strlen(text), 0640);
	if (rc < 0)
		log_err("cannot save %s: %s", s->file, strerror(errno));
	free(text);
	json_object_put(root);
	return rc;
}

int silence_add(struct silences *s, const char *target, double from, double until,
	const char *reason)
{
	size_t n_before;
	char day[32];

	drop_expired(s, clock_wall());
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->v[i].target, target) == 0) {
			entry_clear(&s->v[i]);
			s->v[i--] = s->v[--s->n];
		}
	n_before = s->n;
	push(s, target, from, until, reason);
	if (save(s) < 0) {
		entry_clear(&s->v[n_before]);
		s->n = n_before;
		return -1;
	}
	log_notice("%s silenced until %s: %s", text_esc(target), clock_local_str(until, day, sizeof(day)),
		reason ? text_esc(reason) : "");
	return 0;
}

int silence_remove(struct silences *s, const char *target)
{
	int removed = 0;

	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->v[i].target, target) == 0) {
			entry_clear(&s->v[i]);
			s->v[i--] = s->v[--s->n];
			removed++;
		}
	if (removed && save(s) < 0)
		return -1;
	if (removed)
		log_notice("%s: silence lifted", text_esc(target));
	return removed;
}

bool silence_active(const struct silences *s, const struct config *cfg, const char *target,
	double now, struct silence_window *out)
{
	struct silence_window w = { 0 };
	bool found = false;

	for (size_t i = 0; s && i < s->n && !found; i++)
		if (strcmp(s->v[i].target, target) == 0 && s->v[i].from <= now && now < s->v[i].until) {
			w = (struct silence_window){ s->v[i].target, s->v[i].from, s->v[i].until,
				s->v[i].reason, false };
			found = true;
		}
	for (size_t i = 0; cfg && i < cfg->n_maintenance && !found; i++) {
		const struct cfg_maintenance *m = &cfg->maintenance[i];

		if (strcmp(m->target, target) == 0 && (double)m->from <= now && now < (double)m->to) {
			w = (struct silence_window){ m->target, (double)m->from, (double)m->to, m->reason, true };
			found = true;
		}
	}
	if (found && out)
		*out = w;
	return found;
}

struct json_object *silence_json(const struct silences *s, const struct config *cfg, double now)
{
	struct json_object *a = json_object_new_array();

	for (size_t i = 0; s && i < s->n; i++)
		if (s->v[i].until > now)
			json_object_array_add(a, entry_json(s->v[i].target, s->v[i].from, s->v[i].until,
				s->v[i].reason, "envmonctl"));
	for (size_t i = 0; cfg && i < cfg->n_maintenance; i++) {
		const struct cfg_maintenance *m = &cfg->maintenance[i];

		if ((double)m->to > now)
			json_object_array_add(a, entry_json(m->target, (double)m->from, (double)m->to,
				m->reason, "config"));
	}
	return a;
}
