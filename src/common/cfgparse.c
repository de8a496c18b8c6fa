/* cfgparse.c — typed libconfig getters with error collection. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cfgparse.h"
#include "xmem.h"

void cfgparse_init(struct cfgparse *p)
{
	memset(p, 0, sizeof(*p));
}

void cfgparse_fini(struct cfgparse *p)
{
	for (size_t i = 0; i < p->n_errors; i++)
		free(p->errors[i]);
	free(p->errors);
	memset(p, 0, sizeof(*p));
}

void cfgparse_print(const struct cfgparse *p, FILE *out)
{
	for (size_t i = 0; i < p->n_errors; i++)
		fprintf(out, "%s\n", p->errors[i]);
}

static void add_error(struct cfgparse *p, const char *file, int line, const char *fmt, va_list ap)
	ATTR_PRINTF(4, 0);

static void add_error(struct cfgparse *p, const char *file, int line, const char *fmt, va_list ap)
{
	char *msg = xvasprintf(fmt, ap);

	p->errors = xgrow(p->errors, &p->cap, p->n_errors + 1, sizeof(*p->errors));
	/* line 0: the file as a whole (it cannot be read), not a line of it. */
	if (line > 0)
		p->errors[p->n_errors++] = xasprintf("%s:%d: %s", file ? file : "?", line, msg);
	else
		p->errors[p->n_errors++] = xasprintf("%s: %s", file ? file : "?", msg);
	free(msg);
}

void cfgparse_error(struct cfgparse *p, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	add_error(p, file, line, fmt, ap);
	va_end(ap);
}

void cfgparse_error_at(struct cfgparse *p, const config_setting_t *s, const char *fmt, ...)
{
	va_list ap;
	const char *file = config_setting_source_file(s);
	int line = (int)config_setting_source_line(s);

	/* The root group has no line of its own: point at the top of the file. */
	va_start(ap, fmt);
	add_error(p, file, line > 0 ? line : 1, fmt, ap);
	va_end(ap);
}

/* libconfig's own messages are terse and English only ("syntax error" for `hold = 5m`):
 * the two a site meets say what is expected instead; any other is passed on. */
static void syntax_error(struct cfgparse *p, const char *file, int line, const char *text)
{
	if (text && strcmp(text, "syntax error") == 0)
		cfgparse_error(p, file, line, "%s", _("syntax error: a value is expected here: a number (durations are in seconds: "
			"300, not 5m), a \"quoted string\", true or false, [ array ], ( list ) or { group }, "
			"each setting ending with ;"));
	else if (text && strcmp(text, "mismatched element type in array") == 0)
		cfgparse_error(p, file, line, "%s", _("the values of an array [ ... ] must all be of one "
			"type: write [18.0, 27.0], not [18.0, 27]"));
	else
		cfgparse_error(p, file, line, _("syntax error: %s"), text ? text : "?");
}

bool cfgparse_read(struct cfgparse *p, config_t *cf, const char *file)
{
	char *copy = xstrdup(file);

	config_init(cf);
	config_set_include_dir(cf, dirname(copy));
	free(copy);
	if (config_read_file(cf, file) == CONFIG_TRUE)
		return true;
	if (config_error_type(cf) == CONFIG_ERR_FILE_IO)
		cfgparse_error(p, file, 0, _("cannot read: %s"), strerror(errno));
	else
		syntax_error(p, config_error_file(cf) ? config_error_file(cf) : file,
			config_error_line(cf), config_error_text(cf));
	return false;
}

static bool name_in(const char *name, const char *const *allowed)
{
	for (; *allowed; allowed++)
		if (strcmp(name, *allowed) == 0)
			return true;
	return false;
}

void cfgparse_check_keys(struct cfgparse *p, const config_setting_t *group,
	const char *const *allowed)
{
	int n = config_setting_length(group);

	for (int i = 0; i < n; i++) {
		config_setting_t *s = config_setting_get_elem(group, (unsigned)i);
		const char *name = config_setting_name(s);

		if (name && !name_in(name, allowed))
			cfgparse_error_at(p, s, _("unknown setting '%s'"), name);
	}
}

static const char *type_name(int type)
{
	switch (type) {
	case CONFIG_TYPE_GROUP: return _("a group { ... }");
	case CONFIG_TYPE_ARRAY: return _("an array [ ... ]");
	case CONFIG_TYPE_LIST: return _("a list ( ... )");
	case CONFIG_TYPE_STRING: return _("a string");
	case CONFIG_TYPE_BOOL: return _("true or false");
	default: return _("a number");
	}
}

config_setting_t *cfgparse_member(struct cfgparse *p, const config_setting_t *group,
	const char *key, int type, bool required)
{
	config_setting_t *s = config_setting_get_member(group, key);

	if (!s) {
		if (required)
			cfgparse_error_at(p, group, _("missing setting '%s'"), key);
		return NULL;
	}
	/* A list ( ... ) and an array [ ... ] are both accepted where a sequence is wanted. */
	if (config_setting_type(s) == type ||
	    (type == CONFIG_TYPE_LIST && config_setting_type(s) == CONFIG_TYPE_ARRAY))
		return s;
	cfgparse_error_at(p, s, _("'%s' must be %s"), key, type_name(type));
	return NULL;
}

bool cfgparse_string(struct cfgparse *p, const config_setting_t *group, const char *key,
	bool required, char **out)
{
	config_setting_t *s = cfgparse_member(p, group, key, CONFIG_TYPE_STRING, required);

	if (!s)
		return false;
	free(*out);
	*out = xstrdup(config_setting_get_string(s));
	return true;
}

bool cfgparse_number_value(const config_setting_t *s, double *out)
{
	switch (config_setting_type(s)) {
	case CONFIG_TYPE_INT:
		*out = config_setting_get_int(s);
		return true;
	case CONFIG_TYPE_INT64:
		*out = (double)config_setting_get_int64(s);
		return true;
	case CONFIG_TYPE_FLOAT:
		*out = config_setting_get_float(s);
		return isfinite(*out);
	default:
		return false;
	}
}

bool cfgparse_uint(struct cfgparse *p, const config_setting_t *group, const char *key,
	unsigned min, unsigned max, unsigned *out)
{
	config_setting_t *s = config_setting_get_member(group, key);
	long long v;

	if (!s)
		return false;
	if (config_setting_type(s) != CONFIG_TYPE_INT && config_setting_type(s) != CONFIG_TYPE_INT64) {
		cfgparse_error_at(p, s, _("'%s' must be an integer from %u to %u"), key, min, max);
		return false;
	}
	v = config_setting_get_int64(s);
	if (config_setting_type(s) == CONFIG_TYPE_INT)
		v = config_setting_get_int(s);
	if (v < (long long)min || v > (long long)max) {
		cfgparse_error_at(p, s, _("'%s' = %lld is out of range (%u to %u)"), key, v, min, max);
		return false;
	}
	*out = (unsigned)v;
	return true;
}

bool cfgparse_double(struct cfgparse *p, const config_setting_t *group, const char *key,
	double min, double max, double *out)
{
	config_setting_t *s = config_setting_get_member(group, key);
	double v;

	if (!s)
		return false;
	if (!cfgparse_number_value(s, &v)) {
		cfgparse_error_at(p, s, _("'%s' must be a number"), key);
		return false;
	}
	if (v < min || v > max) {
		cfgparse_error_at(p, s, _("'%s' = %g is out of range (%g to %g)"), key, v, min, max);
		return false;
	}
	*out = v;
	return true;
}

bool cfgparse_bool(struct cfgparse *p, const config_setting_t *group, const char *key, bool *out)
{
	config_setting_t *s = cfgparse_member(p, group, key, CONFIG_TYPE_BOOL, false);

	if (!s)
		return false;
	*out = config_setting_get_bool(s);
	return true;
}

bool cfgparse_enum(struct cfgparse *p, const config_setting_t *group, const char *key,
	const char *const *names, int *out)
{
	config_setting_t *s = cfgparse_member(p, group, key, CONFIG_TYPE_STRING, false);
	const char *v;
	char choices[256] = "";

	if (!s)
		return false;
	v = config_setting_get_string(s);
	for (int i = 0; names[i]; i++) {
		if (strcmp(v, names[i]) == 0) {
			*out = i;
			return true;
		}
		if (strlen(choices) + strlen(names[i]) + 3 < sizeof(choices)) {
			if (i)
				strcat(choices, ", ");
			strcat(choices, names[i]);
		}
	}
	cfgparse_error_at(p, s, _("'%s' = \"%s\" is not one of: %s"), key, v, choices);
	return false;
}

bool cfgparse_strings(struct cfgparse *p, const config_setting_t *group, const char *key,
	char ***out, size_t *n)
{
	config_setting_t *s = cfgparse_member(p, group, key, CONFIG_TYPE_ARRAY, false);
	int len;
	bool ok = true;

	if (!s)
		return false;
	len = config_setting_length(s);
	*out = xcalloc((size_t)len + 1, sizeof(char *));
	*n = 0;
	for (int i = 0; i < len; i++) {
		config_setting_t *e = config_setting_get_elem(s, (unsigned)i);

		if (config_setting_type(e) != CONFIG_TYPE_STRING) {
			cfgparse_error_at(p, s, _("'%s' must be an array of strings"), key);
			ok = false;
			break;
		}
		(*out)[(*n)++] = xstrdup(config_setting_get_string(e));
	}
	/* An empty array [ ] has no element type: libconfig says ARRAY, fine. */
	return ok;
}

char *cfgparse_resolve_path(const char *dir, const char *path)
{
	if (path[0] == '/' || !dir || !dir[0])
		return xstrdup(path);
	return xasprintf("%s/%s", dir, path);
}

/* Whoever owns a secret file can change it: only root, the user reading it (the daemon
 * before its drop, or envmond -t run by an operator) and the daemon user may. */
static bool secret_owner_ok(uid_t owner, uid_t daemon_uid)
{
	return owner == 0 || owner == geteuid() || owner == daemon_uid;
}

char *cfgparse_secret_file(struct cfgparse *p, const config_setting_t *s, const char *path,
	uid_t daemon_uid)
{
	struct stat st;
	char buf[1024];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0) {
		cfgparse_error_at(p, s, _("cannot open secret file %s: %s"), path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		cfgparse_error_at(p, s, _("secret file %s is not a regular file"), path);
		close(fd);
		return NULL;
	}
	if (!secret_owner_ok(st.st_uid, daemon_uid)) {
		cfgparse_error_at(p, s, _("secret file %s belongs to uid %ld: it must belong to root "
			"or to the daemon user"), path, (long)st.st_uid);
		close(fd);
		return NULL;
	}
	if (st.st_mode & (S_IRWXG | S_IRWXO)) {
		cfgparse_error_at(p, s, _("secret file %s is accessible by group or others "
			"(mode %04o): chmod 600 it"), path, (unsigned)(st.st_mode & 07777));
		close(fd);
		return NULL;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0) {
		cfgparse_error_at(p, s, _("cannot read secret file %s: %s"), path, strerror(errno));
		return NULL;
	}
	buf[n] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	if (!buf[0]) {
		cfgparse_error_at(p, s, _("secret file %s is empty"), path);
		return NULL;
	}
	return xstrdup(buf);
}
