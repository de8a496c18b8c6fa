/* fuzz_journal.c — libFuzzer harness for the journal readers: the bytes are written as
 * a journal file (a damaged or hand-edited journal.jsonl) and read by the record replay,
 * the report's episode reader and the snapshot reader. Property: every record is used
 * or skipped, never a crash, a leak, an abort inside json-c or undefined behaviour. */
#include <config.h>

#include <assert.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "journal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char path[64];

static void write_input(const uint8_t *data, size_t size)
{
	FILE *f;

	if (!path[0]) {
		int fd;

		snprintf(path, sizeof path, "/tmp/envmon-fuzz-journal.XXXXXX");
		fd = mkstemp(path);
		assert(fd >= 0);
		close(fd);
	}
	f = fopen(path, "wb");
	assert(f != NULL);
	if (size)
		assert(fwrite(data, 1, size, f) == size);
	assert(fclose(f) == 0);
}

static size_t touch(const char *s)
{
	return s ? strlen(s) : 0;
}

/* Reads every field of an episode as the report does, so that a string the reader
 * left dangling or a count larger than its array shows under ASan. */
static int on_episode(void *arg, const struct journal_episode *ep)
{
	size_t *sum = arg;

	*sum += touch(ep->id) + touch(ep->condition) + touch(ep->device) + touch(ep->rack)
		+ touch(ep->metric) + touch(ep->unit) + touch(ep->end_reason) + touch(ep->state)
		+ touch(ep->worst_state) + touch(ep->bound_kind);
	for (size_t i = 0; i < ep->n_servers; i++)
		*sum += touch(ep->servers[i].name) + touch(ep->servers[i].role)
			+ touch(ep->servers[i].rack);
	for (size_t i = 0; i < ep->n_notices; i++)
		*sum += touch(ep->notices[i].kind) + (ep->notices[i].time > 0);
	return 0;
}

static int on_record(void *arg, struct json_object *rec)
{
	size_t *sum = arg;

	*sum += json_object_get_type(rec);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json_object *snap;
	size_t sum = 0;

	write_input(data, size);
	journal_replay(path, on_record, &sum);
	journal_episodes(path, 0, INFINITY, on_episode, &sum);
	journal_episodes(path, 1.7e9, 1.8e9, on_episode, &sum);
	snap = journal_snapshot_read(path);
	json_object_put(snap);
	return (int)(sum & 0);
}
