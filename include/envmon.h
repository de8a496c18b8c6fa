/* envmon.h — definitions every envmond source file shares: gettext, exit codes,
 * attributes. Include it after <config.h>. */
#ifndef ENVMON_H
#define ENVMON_H

#include <stddef.h>

#ifdef ENABLE_NLS
#include <libintl.h>
#define _(s) gettext(s)
#else
#define _(s) (s)
#define ngettext(s, p, n) ((n) == 1 ? (s) : (p))
#endif
#define N_(s) (s)

/* sysexits.h values we use, named here so the meaning stays next to the number. */
#define ENVMON_EX_OK 0
#define ENVMON_EX_FAIL 1
#define ENVMON_EX_USAGE 64
#define ENVMON_EX_UNAVAILABLE 69
#define ENVMON_EX_SOFTWARE 70
#define ENVMON_EX_CONFIG 78

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define ATTR_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define ATTR_NORETURN __attribute__((noreturn))

/* Sets up gettext for a program: the catalogue of messages in LOCALEDIR. */
void envmon_i18n_init(void);

#endif
