/* replay.h — the alert module's restart (part of alert.c's module, see alertint.h): the
 * state snapshot, and the journal replayed at start-up. */
#ifndef REPLAY_H
#define REPLAY_H

#include "alertint.h"

/* What replay_checked is handed: the alert state to fill and the journal's path. */
struct replay_ctx {
	struct alert *a;
	const char *path;
};

/* Writes the soft state of every condition (temporary file, fsync, rename). */
void replay_save_snapshot(struct alert *a);
/* Restores it; an unusable snapshot is renamed aside and ignored. */
void replay_load_snapshot(struct alert *a);
/* Closes the incidents whose condition the configuration no longer has. */
void replay_close_orphans(struct alert *a, double now);
/* journal_replay_lines' callback (arg: struct replay_ctx): one record folded in, if the
 * strict codec accepts it; one it refuses is named at file:line and skipped. */
int replay_checked(void *arg, struct json_object *rec, const char *file, int line);

/* alert_reserve_id(): no incident id of day up to n is given again. */
void replay_reserve_id(struct alert *a, const char *day, unsigned n);

#endif
