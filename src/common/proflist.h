/* proflist.h — where each loaded profile came from, for envmond -t and --list-profiles:
 * a shipped file, a site file, or a site file replacing a shipped one of its name. */
#ifndef PROFLIST_H
#define PROFLIST_H

#include <stdio.h>

#include "conf.h"

/* One line per profile of cfg, in load order: "  NAME: FILE" (and ", replacing FILE"). */
void proflist_print_origins(const struct config *cfg, FILE *out);
/* A table of every profile: name, kind, protocol, devices using it, file (and the shipped
 * file a site one replaces). */
void proflist_print_table(const struct config *cfg, FILE *out);

#endif
