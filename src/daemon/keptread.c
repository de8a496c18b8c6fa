/* keptread.c — a device's last readings, compact (see keptread.h). */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "keptread.h"
#include "xmem.h"

void kept_readings_set(struct kept_readings *k, const struct reading *r, size_t n)
{
	k->r = xgrow(k->r, &k->cap, n + 1, sizeof(*k->r));
	k->n = n;
	k->text_len = 0;
	for (size_t i = 0; i < n; i++) {
		size_t len = r[i].instance[0] ? strnlen(r[i].instance, sizeof(r[i].instance) - 1) : 0;

		k->r[i] = (struct kept_reading){ r[i].value, 0, (uint8_t)r[i].status };
		if (len == 0)
			continue;
		k->text = xgrow(k->text, &k->text_cap, k->text_len + len + 1, 1);
		memcpy(k->text + k->text_len, r[i].instance, len);
		k->text[k->text_len + len] = '\0';
		k->r[i].inst = (uint32_t)k->text_len + 1;
		k->text_len += len + 1;
	}
}

const char *kept_reading_instance(const struct kept_readings *k, size_t i)
{
	return i < k->n && k->r[i].inst ? k->text + k->r[i].inst - 1 : "";
}

void kept_readings_free(struct kept_readings *k)
{
	free(k->r);
	free(k->text);
	*k = (struct kept_readings){ 0 };
}
