/* jrec.c — the journal record codec (see jrec.h; the format: doc/journal.md). The
 * decoder is strict: a field of the wrong type, a time out of range or a server entry
 * without a name refuses the whole record with a reason, so that no reader (daemon
 * replay, report) indexes a table or formats a date with what a damaged or hand-edited
 * file holds. */
#include <config.h>

#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "envmon.h"
#include "jget.h"
#include "jrec.h"
#include "xmem.h"

static const char *const type_names[JREC_TYPE_COUNT] = {
	"open", "worsen", "remind", "flapping", "unsilence", "close", "notified", "silence",
	"silence_end",
};
static const char *const notice_kind_names[JNOTICE_KIND_COUNT] = {
	"alert", "reminder", "recovery", "flapping", "test",
};

/* Epoch seconds a reader can turn into a calendar date: up to the year 9999. */
#define JREC_TIME_MAX 253402300799.0

const char *jrec_type_name(enum jrec_type type) { return type_names[type]; }
const char *jrec_notice_kind_name(enum jrec_notice_kind kind) { return notice_kind_names[kind]; }

bool jrec_is_incident(enum jrec_type type)
{
	return type != JREC_SILENCE && type != JREC_SILENCE_END;
}

void jrec_init(struct jrec *r, enum jrec_type type, double t)
{
	memset(r, 0, sizeof(*r));
	r->type = type;
	r->t = t;
	r->severity = SEV_UNKNOWN;
	r->since = r->opened = r->end = NAN;
	r->value = r->worst = r->bound = NAN;
	r->from = r->until = NAN;
}

void jrec_clear(struct jrec *r)
{
	free(r->own_servers);
	r->own_servers = NULL;
	r->servers = NULL;
	r->n_servers = 0;
}

/* ------------------------------------------------------------------ encoder */

static struct json_object *num(double v)
{
	/* JSON has no NaN: an unknown number is null. */
	return isfinite(v) ? json_object_new_double(v) : NULL;
}

static struct json_object *str(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}

static struct json_object *servers_json(const struct jrec *r)
{
	struct json_object *arr = json_object_new_array();

	for (size_t i = 0; i < r->n_servers; i++) {
		struct json_object *s = json_object_new_object();

		json_object_object_add(s, "name", str(r->servers[i].name));
		json_object_object_add(s, "role", str(r->servers[i].role));
		json_object_object_add(s, "rack", str(r->servers[i].rack));
		if (r->servers[i].has_inlet && isfinite(r->servers[i].inlet_c))
			json_object_object_add(s, "inlet", num(r->servers[i].inlet_c));
		json_object_array_add(arr, s);
	}
	return arr;
}

static struct json_object *notice_json(const struct jrec_notice *n)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "seq", json_object_new_int64(n->seq));
	json_object_object_add(o, "kind", str(notice_kind_names[n->kind]));
	json_object_object_add(o, "silenced", json_object_new_boolean(n->silenced));
	return o;
}

/* The incident as it stands, in the order doc/journal.md lists the fields. */
static void encode_incident(struct json_object *o, const struct jrec *r)
{
	json_object_object_add(o, "cond", str(r->cond));
	json_object_object_add(o, "criterion", str(r->has_criterion ? criterion_name(r->criterion) : NULL));
	json_object_object_add(o, "severity", str(severity_name(r->severity)));
	json_object_object_add(o, "since", num(r->since));
	json_object_object_add(o, "opened", num(r->opened));
	json_object_object_add(o, "device", str(r->device));
	json_object_object_add(o, "rack", str(r->rack));
	json_object_object_add(o, "metric", str(r->metric));
	json_object_object_add(o, "unit", str(r->unit));
	json_object_object_add(o, "value", num(r->value));
	json_object_object_add(o, "state", str(r->state));
	json_object_object_add(o, "worst", num(r->worst));
	json_object_object_add(o, "worst_state", str(r->worst_state));
	json_object_object_add(o, "bound", num(r->bound));
	json_object_object_add(o, "bound_kind", str(r->bound_kind));
	if (r->sensor) {
		json_object_object_add(o, "sensor_device", str(r->sensor_device));
		json_object_object_add(o, "sensor", str(r->sensor));
	}
	if (r->has_servers)
		json_object_object_add(o, "servers", servers_json(r));
	if (r->type == JREC_OPEN && r->flapping)
		json_object_object_add(o, "flapping", json_object_new_boolean(true));
	if (r->type == JREC_FLAPPING)
		json_object_object_add(o, "on", json_object_new_boolean(r->on));
	if (r->type == JREC_CLOSE) {
		json_object_object_add(o, "end", num(r->end));
		if (r->reason)
			json_object_object_add(o, "reason", str(r->reason));
	}
	if (r->has_notice)
		json_object_object_add(o, "notice", notice_json(&r->notice));
}

struct json_object *jrec_encode(const struct jrec *r)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "type", str(type_names[r->type]));
	json_object_object_add(o, "t", json_object_new_double(r->t));
	if (r->type == JREC_SILENCE || r->type == JREC_SILENCE_END) {
		json_object_object_add(o, "target", str(r->target));
		json_object_object_add(o, "from", num(r->from));
		json_object_object_add(o, "until", num(r->until));
		json_object_object_add(o, "reason", str(r->reason));
		json_object_object_add(o, "who", str(r->who));
		return o;
	}
	json_object_object_add(o, "id", str(r->id));
	if (r->type == JREC_NOTIFIED)
		json_object_object_add(o, "seq", json_object_new_int64(r->seq));
	else
		encode_incident(o, r);
	return o;
}

/* ------------------------------------------------------------------ decoder */

static const char *fail(struct jrec *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static const char *fail(struct jrec *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->error, sizeof(r->error), fmt, ap);
	va_end(ap);
	return r->error;
}

/* Each returns NULL or the reason the field is unusable. */
static const char *get_str(struct jrec *r, struct json_object *o, const char *key, const char **out)
{
	return jget_opt_str(o, key, out) < 0 ? fail(r, "\"%s\" is not a string", key) : NULL;
}

static const char *get_num(struct jrec *r, struct json_object *o, const char *key, double *out)
{
	return jget_opt_num(o, key, out) < 0 ? fail(r, "\"%s\" is not a finite number", key) : NULL;
}

static const char *get_bool(struct jrec *r, struct json_object *o, const char *key, bool *out)
{
	return jget_opt_bool(o, key, out) < 0 ? fail(r, "\"%s\" is not a boolean", key) : NULL;
}

/* A time a calendar can show (absent: NAN, unless required). */
static const char *get_time(struct jrec *r, struct json_object *o, const char *key, double *out, bool required)
{
	if (get_num(r, o, key, out))
		return r->error;
	if (isnan(*out))
		return required ? fail(r, "no \"%s\"", key) : NULL;
	if (*out < 0 || *out > JREC_TIME_MAX)
		return fail(r, "\"%s\" is not a time (%.17g)", key, *out);
	return NULL;
}

static const char *get_seq(struct jrec *r, struct json_object *o, const char *key, unsigned *out)
{
	double v;

	if (get_num(r, o, key, &v))
		return r->error;
	if (isnan(v) || v < 0 || v > UINT_MAX || v != floor(v))
		return fail(r, "\"%s\" is not a sequence number", key);
	*out = (unsigned)v;
	return NULL;
}

/* A name of a closed list (index in names), or -1 if absent. */
static const char *get_name(struct jrec *r, struct json_object *o, const char *key,
	const char *const *names, size_t n, int *out)
{
	const char *s;

	*out = -1;
	if (get_str(r, o, key, &s))
		return r->error;
	for (size_t i = 0; s && i < n; i++)
		if (names[i] && strcmp(s, names[i]) == 0)
			*out = (int)i;
	return s && *out < 0 ? fail(r, "unknown %s \"%.40s\"", key, s) : NULL;
}

static const char *decode_servers(struct jrec *r, struct json_object *o)
{
	struct json_object *v = jget_member(o, "servers");
	size_t n;

	if (!v)
		return NULL;
	if (!json_object_is_type(v, json_type_array))
		return fail(r, "\"servers\" is not an array");
	n = json_object_array_length(v);
	r->own_servers = xcalloc(n + 1, sizeof(*r->own_servers));
	for (size_t i = 0; i < n; i++) {
		struct json_object *s = json_object_array_get_idx(v, i);
		struct jrec_server *out = &r->own_servers[i];

		if (!json_object_is_type(s, json_type_object))
			return fail(r, "server %zu is not an object", i + 1);
		if (get_str(r, s, "name", &out->name) || get_str(r, s, "role", &out->role) ||
		    get_str(r, s, "rack", &out->rack) || get_num(r, s, "inlet", &out->inlet_c))
			return r->error;
		out->has_inlet = isfinite(out->inlet_c);
		if (!out->name)
			return fail(r, "server %zu has no \"name\"", i + 1);
	}
	r->servers = r->own_servers;
	r->n_servers = n;
	r->has_servers = true;
	return NULL;
}

static const char *decode_notice(struct jrec *r, struct json_object *o)
{
	struct json_object *nt = jget_member(o, "notice");
	int kind;

	if (!nt)
		return NULL;
	if (!json_object_is_type(nt, json_type_object))
		return fail(r, "\"notice\" is not an object");
	if (get_seq(r, nt, "seq", &r->notice.seq) ||
	    get_name(r, nt, "kind", notice_kind_names, JNOTICE_KIND_COUNT, &kind) ||
	    get_bool(r, nt, "silenced", &r->notice.silenced))
		return r->error;
	if (kind < 0)
		return fail(r, "the notice has no \"kind\"");
	r->notice.kind = (enum jrec_notice_kind)kind;
	r->has_notice = true;
	return NULL;
}

static const char *decode_criterion(struct jrec *r, struct json_object *o)
{
	const char *s;
	int crit;

	if (get_str(r, o, "criterion", &s))
		return r->error;
	if (!s)
		return NULL;
	if ((crit = criterion_lookup(s)) < 0)
		return fail(r, "unknown criterion \"%.40s\"", s);
	r->criterion = (enum criterion)crit;
	r->has_criterion = true;
	return NULL;
}

static const char *decode_severity(struct jrec *r, struct json_object *o)
{
	const char *s;
	int sev;

	if (get_str(r, o, "severity", &s))
		return r->error;
	if (s && (sev = severity_lookup(s)) < 0)
		return fail(r, "unknown severity \"%.40s\"", s);
	r->severity = s ? (enum severity)sev : SEV_UNKNOWN;
	return NULL;
}

static const char *decode_incident(struct jrec *r, struct json_object *o)
{
	if (get_str(r, o, "cond", &r->cond) || decode_criterion(r, o) || decode_severity(r, o) ||
	    get_time(r, o, "since", &r->since, false) || get_time(r, o, "opened", &r->opened, false) ||
	    get_str(r, o, "device", &r->device) || get_str(r, o, "rack", &r->rack) ||
	    get_str(r, o, "metric", &r->metric) || get_str(r, o, "unit", &r->unit) ||
	    get_num(r, o, "value", &r->value) || get_str(r, o, "state", &r->state) ||
	    get_num(r, o, "worst", &r->worst) || get_str(r, o, "worst_state", &r->worst_state) ||
	    get_num(r, o, "bound", &r->bound) || get_str(r, o, "bound_kind", &r->bound_kind) ||
	    get_str(r, o, "sensor_device", &r->sensor_device) || get_str(r, o, "sensor", &r->sensor) ||
	    get_bool(r, o, "flapping", &r->flapping) || get_bool(r, o, "on", &r->on) ||
	    get_time(r, o, "end", &r->end, false) || get_str(r, o, "reason", &r->reason))
		return r->error;
	if (r->bound_kind && strcmp(r->bound_kind, "max") != 0 && strcmp(r->bound_kind, "min") != 0)
		return fail(r, "unknown bound_kind \"%.40s\"", r->bound_kind);
	if (decode_servers(r, o) || decode_notice(r, o))
		return r->error;
	return NULL;
}

static const char *decode_silence(struct jrec *r, struct json_object *o)
{
	if (get_str(r, o, "target", &r->target) || get_time(r, o, "from", &r->from, true) ||
	    get_time(r, o, "until", &r->until, true) || get_str(r, o, "reason", &r->reason) ||
	    get_str(r, o, "who", &r->who))
		return r->error;
	return r->target ? NULL : fail(r, "no \"target\"");
}

const char *jrec_decode(struct json_object *o, struct jrec *r)
{
	int type;

	jrec_init(r, JREC_OPEN, NAN);
	if (!o || !json_object_is_type(o, json_type_object))
		return fail(r, "not a JSON object");
	if (get_name(r, o, "type", type_names, JREC_TYPE_COUNT, &type))
		return r->error;
	if (type < 0)
		return fail(r, "no \"type\"");
	r->type = (enum jrec_type)type;
	if (get_time(r, o, "t", &r->t, true))
		return r->error;
	if (!jrec_is_incident(r->type))
		return decode_silence(r, o);
	if (get_str(r, o, "id", &r->id))
		return r->error;
	if (!r->id || !r->id[0])
		return fail(r, "no \"id\"");
	if (r->type == JREC_NOTIFIED)
		return get_seq(r, o, "seq", &r->seq);
	return decode_incident(r, o);
}
