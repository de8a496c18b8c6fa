/* cfgparse.h — typed reading of libconfig settings that collects every error as
 * "file:line: message" instead of stopping at the first (OpenBSD parse.y style). */
#ifndef CFGPARSE_H
#define CFGPARSE_H

#include <libconfig.h>
#include <stdbool.h>
#include <sys/types.h>
#include <stdio.h>

#include "envmon.h"

struct cfgparse {
	char **errors;           /* "file:line: message", in the order found */
	size_t n_errors, cap;
};

void cfgparse_init(struct cfgparse *p);
void cfgparse_fini(struct cfgparse *p);
/* Prints every error, one per line. */
void cfgparse_print(const struct cfgparse *p, FILE *out);

void cfgparse_error(struct cfgparse *p, const char *file, int line, const char *fmt, ...)
	ATTR_PRINTF(4, 5);
/* An error about setting s, located at its file and line. */
void cfgparse_error_at(struct cfgparse *p, const config_setting_t *s, const char *fmt, ...)
	ATTR_PRINTF(3, 4);

/* Reads file into cf (include directory = its directory). A syntax error is recorded. */
bool cfgparse_read(struct cfgparse *p, config_t *cf, const char *file);

/* Records an error for every member of group whose name is not in allowed (NULL-ended). */
void cfgparse_check_keys(struct cfgparse *p, const config_setting_t *group,
	const char *const *allowed);
/* The group member key that must be of libconfig type type (CONFIG_TYPE_GROUP, ...);
 * NULL if absent (an error when required) or of another type (always an error). */
config_setting_t *cfgparse_member(struct cfgparse *p, const config_setting_t *group,
	const char *key, int type, bool required);

/* Typed getters: true when the key is present and valid (then *out is set); an
 * absent key leaves *out untouched (its default) and is an error only if required. */
bool cfgparse_string(struct cfgparse *p, const config_setting_t *group, const char *key,
	bool required, char **out);
bool cfgparse_uint(struct cfgparse *p, const config_setting_t *group, const char *key,
	unsigned min, unsigned max, unsigned *out);
bool cfgparse_double(struct cfgparse *p, const config_setting_t *group, const char *key,
	double min, double max, double *out);
bool cfgparse_bool(struct cfgparse *p, const config_setting_t *group, const char *key,
	bool *out);
/* A string that must be one of names (NULL-ended); *out = its index. */
bool cfgparse_enum(struct cfgparse *p, const config_setting_t *group, const char *key,
	const char *const *names, int *out);
/* An array of strings; *out is a new NULL-free vector of *n copies. */
bool cfgparse_strings(struct cfgparse *p, const config_setting_t *group, const char *key,
	char ***out, size_t *n);
/* A number (integer or float) held by setting s itself. */
bool cfgparse_number_value(const config_setting_t *s, double *out);

/* Reads a secret from file: must exist, be a regular file owned by root, by the reading
 * user or by daemon_uid ((uid_t)-1: none), and not be readable or writable by group or
 * others. Trailing newline removed. NULL on error (recorded at s). */
char *cfgparse_secret_file(struct cfgparse *p, const config_setting_t *s, const char *path,
	uid_t daemon_uid);

/* path made absolute against dir when relative (a new string). */
char *cfgparse_resolve_path(const char *dir, const char *path);

#endif
