/* spool.h — the durable outgoing mail queue: <state_dir>/spool/{tmp,new,sent}. A
 * notification becomes one message file, named for (incident_id, seq), written to tmp/,
 * fsynced and renamed into new/; the mailer moves it to sent/ once the server took it. */
#ifndef SPOOL_H
#define SPOOL_H

#include <stdbool.h>
#include <stddef.h>

#include "conf.h"
#include "msgcat.h"
#include "notify.h"

struct spool;

/* One message waiting in new/ (or sent/). */
struct spool_entry {
	char name[96];          /* file name: "<incident_id>.<seq, 6 digits>" */
	char incident[80];      /* incident part of the name */
	unsigned seq;
	double mtime;           /* when it was queued (new/) or sent (sent/) */
};

/* Opens (creating it if needed) <state_dir>/spool and removes what a crash left in tmp/.
 * cfg and cat (NULL = English) are used to format messages; both stay the caller's.
 * Returns NULL on failure (logged). */
struct spool *spool_open(const char *state_dir, const struct config *cfg, const struct msgcat *cat);
void spool_close(struct spool *sp);
/* After a reload: the configuration used for new messages. Loop thread only. */
void spool_set_config(struct spool *sp, const struct config *cfg, const struct msgcat *cat);
/* fn(arg) is called after each new message, from the thread that queued it. */
void spool_set_wakeup(struct spool *sp, void (*fn)(void *arg), void *arg);
const char *spool_path(const struct spool *sp);     /* the spool directory */
/* The random token of this spool (16 hex digits, kept in <spool>/instance) that the
 * Message-IDs carry (message_id). */
const char *spool_instance(const struct spool *sp);

/* The notify_fn sink (notify.h): formats n and queues it durably. Returns 0 when the
 * message is in new/ or was already queued or sent (same incident_id and seq), -1 when
 * it could not be written (the caller offers it again later). */
int spool_notify(void *spool, const struct notification *n);
/* Queues an already formatted message under name. 0 queued, 1 already there, -1 error. */
int spool_enqueue(struct spool *sp, const char *name, const char *message);
/* The file name for (incident_id, seq); characters other than [A-Za-z0-9_-] become '_'. */
void spool_name(char *buf, size_t size, const char *incident_id, unsigned seq);

/* Lists new/ ("new") or sent/ ("sent") sorted by incident then seq; *out is malloc'd.
 * Returns the count, or -1. A file of new/ that is not a message of the spool (another
 * name, not a regular file) is logged once and moved to <spool>/aside/. */
int spool_list(const struct spool *sp, const char *sub, struct spool_entry **out);
/* Full path of a file of the spool: "<spool>/<sub>/<name>", malloc'd. */
char *spool_file(const struct spool *sp, const char *sub, const char *name);
/* new/name has been accepted by the server: move it to sent/ (mtime = now), durably,
 * recreating sent/ if it is missing. When sent/ cannot take it, new/name is deleted so
 * that it is not sent again (logged). Returns 0 moved, 1 deleted, -1 still in new/. */
int spool_mark_sent(struct spool *sp, const char *name);
/* The latest incident ("<code>-<yyyymmdd>-<n>": its day and n) named in new/ or sent/,
 * so that new incident ids stay apart from them. false when there is none. */
bool spool_last_id(const struct spool *sp, char day[9], unsigned *n);
/* Deletes messages sent more than max_age_s ago; returns how many. */
int spool_prune(struct spool *sp, double max_age_s, double now);

#endif
