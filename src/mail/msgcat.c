/* msgcat.c — reads a GNU .mo file (magic, string count, two tables of (length, offset)
 * sorted by msgid) and looks messages up by binary search. glibc's gettext follows
 * the process (or thread) locale and LANGUAGE, both shared by the daemon's threads and
 * needing a French locale to be installed; mail language is a setting, so we read the
 * catalogue ourselves. */
#include <config.h>

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "msgcat.h"
#include "xmem.h"

#ifndef LOCALEDIR
#define LOCALEDIR "/usr/share/locale"
#endif

#define MO_MAGIC 0x950412deU
#define MO_MAGIC_SWAPPED 0xde120495U

struct msgcat {
	char *data;
	size_t size;
	uint32_t n;
	uint32_t orig_off, trans_off;
	bool swapped;
};

static uint32_t word(const struct msgcat *cat, size_t off)
{
	uint32_t w;

	memcpy(&w, cat->data + off, 4);
	return cat->swapped ? __builtin_bswap32(w) : w;
}

/* The string of entry i of the table at table_off, or NULL if it lies outside the file. */
static const char *entry(const struct msgcat *cat, uint32_t table_off, uint32_t i)
{
	size_t at = (size_t)table_off + 8 * (size_t)i;
	uint32_t len, off;

	if (at + 8 > cat->size)
		return NULL;
	len = word(cat, at);
	off = word(cat, at + 4);
	if ((size_t)off + len >= cat->size || cat->data[off + len] != '\0')
		return NULL;
	return cat->data + off;
}

static char *read_file(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, len = 0, got;

	if (!f)
		return NULL;
	do {
		buf = xgrow(buf, &cap, len + 65536, 1);
		got = fread(buf + len, 1, cap - len, f);
		len += got;
	} while (got > 0);
	fclose(f);
	*size = len;
	return buf;
}

struct msgcat *msgcat_load_file(const char *path)
{
	struct msgcat *cat = xcalloc(1, sizeof(*cat));
	uint32_t magic;

	cat->data = read_file(path, &cat->size);
	if (!cat->data || cat->size < 28)
		goto bad;
	memcpy(&magic, cat->data, 4);
	if (magic != MO_MAGIC && magic != MO_MAGIC_SWAPPED)
		goto bad;
	cat->swapped = magic == MO_MAGIC_SWAPPED;
	cat->n = word(cat, 8);
	cat->orig_off = word(cat, 12);
	cat->trans_off = word(cat, 16);
	if ((size_t)cat->orig_off + 8 * (size_t)cat->n > cat->size ||
	    (size_t)cat->trans_off + 8 * (size_t)cat->n > cat->size)
		goto bad;
	return cat;
bad:
	msgcat_free(cat);
	return NULL;
}

struct msgcat *msgcat_load(const char *lang)
{
	const char *dir = getenv("ENVMOND_LOCALEDIR");
	struct msgcat *cat;
	char *path;

	if (!lang || strcmp(lang, "en") == 0)
		return NULL;
	path = xasprintf("%s/%s/LC_MESSAGES/%s.mo", dir && dir[0] ? dir : LOCALEDIR, lang, PACKAGE);
	cat = msgcat_load_file(path);
	if (!cat)
		log_warn("no message catalogue %s: mail will be in English", path);
	free(path);
	return cat;
}

void msgcat_free(struct msgcat *cat)
{
	if (!cat)
		return;
	free(cat->data);
	free(cat);
}

const char *msgcat_get(const struct msgcat *cat, const char *msgid)
{
	uint32_t lo = 0, hi;

	if (!cat || !msgid[0])
		return msgid;
	hi = cat->n;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		const char *orig = entry(cat, cat->orig_off, mid);
		int cmp;

		if (!orig)
			return msgid;
		cmp = strcmp(msgid, orig);
		if (cmp == 0) {
			const char *tr = entry(cat, cat->trans_off, mid);
			return tr && tr[0] ? tr : msgid;
		}
		if (cmp < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return msgid;
}
