/* replay.h — part of the alert module (alert.c), restart. */
#ifndef REPLAY_H
#define REPLAY_H

#include "alertint.h"

/* What replay_checked is handed: the alert state to fill and the journal's path. */
struct replay_ctx {
	struct alert *a;
	const char *path;
};

void replay_save_snapshot(struct alert *a);
void replay_load_snapshot(struct alert *a);
void replay_close_orphans(struct alert *a, double now);
int replay_checked(void *arg, struct json_object *rec, const char *file, int line);

/* alert_reserve_id(): no incident id of day up to n is given again. */
void replay_reserve_id(struct alert *a, const char *day, unsigned n);

#endif
