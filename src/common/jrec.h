/* jrec.h — the journal's record codec: one C type for every record kind of
 * doc/journal.md (the format's reference), one encoder and one strict decoder. The
 * daemon's writer, its replay, the report's episode reader and the tests all go through
 * it, so the format is spelled out in exactly one place (jrec.c). */
#ifndef JREC_H
#define JREC_H

#include <stdbool.h>
#include <stddef.h>

#include "criteria.h"

struct json_object;

enum jrec_type {
	JREC_OPEN, JREC_WORSEN, JREC_REMIND, JREC_FLAPPING, JREC_UNSILENCE, JREC_CLOSE,
	JREC_NOTIFIED, JREC_SILENCE, JREC_SILENCE_END, JREC_TYPE_COUNT
};

/* Notice kinds, in the order of the daemon's enum notif_kind (notify.h). */
enum jrec_notice_kind { JNOTICE_ALERT, JNOTICE_REMINDER, JNOTICE_RECOVERY, JNOTICE_FLAPPING,
	JNOTICE_TEST, JNOTICE_KIND_COUNT };

struct jrec_server {
	const char *name;          /* never NULL in a decoded record */
	const char *role;          /* "digitization", "comci", "other" or NULL */
	const char *rack;
	/* Its own BMC's inlet temperature (°C) at the record, beside a rack's probes or
	 * as its only measure; has_inlet false: none (decoded: "inlet" absent). */
	bool has_inlet;
	double inlet_c;
};

struct jrec_notice {
	unsigned seq;
	enum jrec_notice_kind kind;
	bool silenced;             /* maintenance window: journaled, not mailed */
};

/* One record. Absent numbers are NAN, absent strings NULL. Decoded strings point into
 * the json object decoded: keep it alive while the record is used. */
struct jrec {
	enum jrec_type type;
	double t;                  /* epoch seconds */
	const char *id;            /* the incident; NULL for silence records */

	/* incident records (all but notified and the silences) */
	const char *cond;          /* "rack:<rack>/<criterion>" or "device:<device>/<criterion>" */
	bool has_criterion;
	enum criterion criterion;
	enum severity severity;    /* SEV_UNKNOWN when absent; on close: the worst reached */
	double since, opened;
	const char *device, *rack, *metric, *unit;
	double value, worst, bound;
	const char *state, *worst_state;
	const char *bound_kind;    /* "max", "min" or NULL */
	const char *sensor_device; /* the device and instance of the worst reading, or NULL */
	const char *sensor;
	bool has_servers;          /* a record without "servers" leaves the list as it was */
	const struct jrec_server *servers;
	size_t n_servers;
	bool flapping;             /* open: it opened because it was flapping */
	bool on;                   /* flapping: true = started, false = settled */
	double end;                /* close */
	const char *reason;        /* close: JOURNAL_REASON_REMOVED or NULL; silence: why */
	bool has_notice;
	struct jrec_notice notice;

	unsigned seq;              /* notified: the notice accepted */

	/* silence, silence_end */
	const char *target, *who;
	double from, until;

	/* decoder's own: the servers array (decoded records) and the last error */
	struct jrec_server *own_servers;
	char error[112];
};

/* A record of type at time t with every field absent. */
void jrec_init(struct jrec *r, enum jrec_type type, double t);
/* Frees what jrec_decode allocated (r stays usable as an empty record). */
void jrec_clear(struct jrec *r);

/* The json object of r (a new reference), in the format of doc/journal.md; the journal
 * writer adds "v". */
struct json_object *jrec_encode(const struct jrec *r);
/* Decodes o into r, checking the type of every field. NULL, or why o is not a record
 * the codec knows (an English text in r->error: unknown type, missing "t", "servers" not
 * an array...). Call jrec_clear(r) after, in both cases. */
const char *jrec_decode(struct json_object *o, struct jrec *r);

const char *jrec_type_name(enum jrec_type type);
const char *jrec_notice_kind_name(enum jrec_notice_kind kind);
/* Records that concern an incident (all but the silences). */
bool jrec_is_incident(enum jrec_type type);

#endif
