/* jget.h — the one set of typed getters on json-c objects, for everything envmond reads
 * as JSON: the journal codec (jrec.c), the snapshot, the control protocol (daemonctl.c,
 * envmonctl.c). Lenient getters answer "absent" for a wrong type; the jget_opt_* ones
 * tell a wrong type apart (-1) for strict decoders. None of them aborts json-c. */
#ifndef JGET_H
#define JGET_H

#include <stdbool.h>

struct json_object;

/* The member key of o (NULL if o is not an object, or has no such member or it is null). */
struct json_object *jget_member(struct json_object *o, const char *key);
/* The member if it is a string / an array / an object, else NULL. */
const char *jget_str(struct json_object *o, const char *key);
struct json_object *jget_array(struct json_object *o, const char *key);
struct json_object *jget_object(struct json_object *o, const char *key);
/* Any non-null member as text (a number as its JSON text): for display only. */
const char *jget_text(struct json_object *o, const char *key);
/* A finite number; NAN if absent, null, not a number or not finite. */
double jget_num(struct json_object *o, const char *key);
/* true only for a member that is the boolean true. */
bool jget_bool(struct json_object *o, const char *key);

/* Strict: 0 with *out set (NULL / NAN / false when absent or null), -1 when the member
 * exists with another type (or a non-finite number). */
int jget_opt_str(struct json_object *o, const char *key, const char **out);
int jget_opt_num(struct json_object *o, const char *key, double *out);
int jget_opt_bool(struct json_object *o, const char *key, bool *out);

#endif
