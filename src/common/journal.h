/* journal.h — envmond's durable record of incidents: an append-only journal of episode
 * events (one JSON object per line, fsync'ed) and an atomic state snapshot. The daemon
 * writes it; envmon-report reads it through journal_episodes(). Format: doc/journal.md.
 *
 * Journal file <state_dir>/journal.jsonl: UTF-8, one JSON object per line, '\n'-ended,
 * appended with O_APPEND and fdatasync'ed before the writer goes on. A last line without
 * its '\n' (a write cut by a crash) or that does not parse is ignored by readers and
 * truncated away by the next writer. Every record has:
 *   "v": 1, "type": string, "t": epoch seconds (number), "id": incident id (string)
 * Types (see doc/journal.md for every field):
 *   open      the incident opened (after its hold); carries the cause, criterion, severity,
 *             value, bound, servers, "since" (first out-of-spec reading)
 *   worsen    its severity rose (warning -> critical)
 *   remind    still unresolved after `repeat`
 *   flapping  it started changing state too often ("on": true) or settled ("on": false)
 *   unsilence a maintenance window ended on an incident never mailed: mailed now
 *   close     it is over ("end", the worst severity and value); "reason": "removed" when
 *             its condition left the configuration (closed at start-up or reload, not mailed)
 *   notified  the notification (id, "seq") was accepted by the mail spool
 * An event that decides a notification carries "notice": { "seq", "kind", "silenced" }
 * with every fact needed to rebuild it; a notice without a later "notified" record is
 * offered again after a restart (the spool refuses a duplicate (id, seq)). */
#ifndef JOURNAL_H
#define JOURNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "conf.h"

struct json_object;

/* ---------------------------------------------------------------- writer (daemon) */

struct journal;

/* Opens path for appending (creating it, mode 0640), dropping a torn last line.
 * NULL (logged) on error. */
struct journal *journal_open(const char *path);
void journal_close(struct journal *j);
/* Appends rec (adding "v": 1) as one line and syncs it to disk. 0, or -1 (logged): then
 * the file is cut back to its size before the call (or at the next call, if that failed
 * too), so it holds whole lines only and the record can be appended again later. */
int journal_append(struct journal *j, struct json_object *rec);

/* Rotation: before a record would take path past max_bytes (0, the default: never),
 * path is renamed "<path>.<N>", N one more than the newest rotated file, and a new path
 * started. Rotated files are kept; every reader below reads them, oldest first, then
 * path, so that an incident opened before a rotation and closed after it is one. */
void journal_set_max_bytes(struct journal *j, off_t max_bytes);

/* Calls fn with every complete record of the rotated files and of path in order; fn
 * returns 0 to go on. A missing file has no records. Returns the number of records, or
 * -1 if a file cannot be read. */
int journal_replay(const char *path, int (*fn)(void *arg, struct json_object *rec), void *arg);
/* The same, with the file and line number of each record (for messages about a record
 * the caller cannot use). A complete line that does not parse is logged with its file
 * and line and skipped. */
typedef int (*journal_line_fn)(void *arg, struct json_object *rec, const char *file, int line);
int journal_replay_lines(const char *path, journal_line_fn fn, void *arg);

/* Replaces path atomically with obj (write to path.tmp, fsync, rename, fsync the
 * directory). 0 or -1 (logged). */
int journal_snapshot_write(const char *path, struct json_object *obj);
/* The object last written to path, or NULL if there is none (or it does not parse). */
struct json_object *journal_snapshot_read(const char *path);

/* ---------------------------------------------------------------- reader (report) */

struct journal_server {
	const char *name;
	const char *role;          /* "digitization", "comci", "other" */
	const char *rack;
};

struct journal_notice {
	unsigned seq;
	const char *kind;          /* "alert", "reminder", "recovery", "flapping" */
	double time;
	enum severity severity;
	bool silenced;             /* maintenance window: journaled, not mailed */
	bool accepted;             /* the mail spool took it (a "notified" record exists) */
};

struct journal_episode {
	const char *id;            /* "<site code>-<yyyymmdd>-<n>", n from 1 each UTC day */
	const char *condition;     /* "rack:<rack>/<criterion>" or "device:<device>/<criterion>" */
	enum criterion criterion;
	const char *device;        /* the cause: a device, or NULL */
	const char *rack;          /* the cause: a rack whose probes read out of spec, or NULL */
	const char *metric;        /* canonical metric, NULL for contact */
	const char *unit;          /* "°C", "%", "s", "" ... */
	double since;              /* first out-of-spec reading (start of the hold) */
	double opened;             /* incident opened (hold elapsed): its start */
	double end;                /* recovery; 0 while still open */
	const char *end_reason;    /* NULL for a recovery; JOURNAL_REASON_REMOVED */
	enum severity severity;    /* the worst severity reached */
	double first_value;        /* reading when it opened (NAN for states and contact) */
	double worst;              /* the worst reading (NAN if none) */
	const char *state;         /* for state criteria: the state at opening ("on_battery") */
	const char *worst_state;   /* the worst state seen */
	double bound;              /* threshold crossed at opening (NAN if none) */
	const char *bound_kind;    /* "max", "min" or NULL */
	bool flapped;              /* it was marked flapping at some point */
	struct journal_server *servers;
	size_t n_servers;
	struct journal_notice *notices;
	size_t n_notices;
};

/* Calls fn, in order of opening, with every episode of the journal at path that overlaps
 * [from, to) (opened < to, and still open or ended at or after from). The episode and its
 * strings live until fn returns; fn returns 0 to go on. Returns the number of episodes
 * passed to fn, or -1 if the journal cannot be read. */
typedef int (*journal_episode_fn)(void *arg, const struct journal_episode *ep);
int journal_episodes(const char *path, double from, double to, journal_episode_fn fn, void *arg);

/* The "reason" of a close record whose condition left the configuration. */
#define JOURNAL_REASON_REMOVED "removed"

/* Default file names inside the state directory. */
#define JOURNAL_FILE "journal.jsonl"
#define JOURNAL_SNAPSHOT_FILE "alert-state.json"

#endif
