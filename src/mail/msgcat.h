/* msgcat.h — a gettext catalogue (.mo file) loaded for one language, independent of the
 * process locale, so the mailer can write French or English whatever the locale is. */
#ifndef MSGCAT_H
#define MSGCAT_H

struct msgcat;

/* Loads <dir>/<lang>/LC_MESSAGES/envmond.mo, dir being $ENVMOND_LOCALEDIR or LOCALEDIR.
 * Returns NULL for "en" (the msgids are English) or when no catalogue is found (logged). */
struct msgcat *msgcat_load(const char *lang);
/* Loads one .mo file; NULL if it cannot be read or is not a catalogue. */
struct msgcat *msgcat_load_file(const char *path);
void msgcat_free(struct msgcat *cat);
/* The translation of msgid, or msgid itself (cat NULL, not translated, empty). */
const char *msgcat_get(const struct msgcat *cat, const char *msgid);

#endif
