/* i18n.c — gettext set-up shared by the programs. */
#include <config.h>

#include <locale.h>
#include <stdlib.h>

#include "envmon.h"

void envmon_i18n_init(void)
{
	setlocale(LC_ALL, "");
	/* Numbers in logs, configuration and RRD calls stay in the C locale: only the
	 * texts for people (mail, report) format numbers the French way, explicitly. */
	setlocale(LC_NUMERIC, "C");
#ifdef ENABLE_NLS
	/* ENVMOND_LOCALEDIR lets the tests and the demo use the catalogue of the build tree. */
	const char *dir = getenv("ENVMOND_LOCALEDIR");

	bindtextdomain(PACKAGE, dir && dir[0] ? dir : LOCALEDIR);
	bind_textdomain_codeset(PACKAGE, "UTF-8");
	textdomain(PACKAGE);
#endif
}
