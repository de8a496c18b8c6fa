/* jget.c — typed getters on json-c objects (see jget.h). json-c aborts on some calls
 * made on the wrong type (json_object_array_length on a non-array): every getter checks
 * the type first. */
#include <config.h>

#include <math.h>

#include <json-c/json.h>

#include "jget.h"

struct json_object *jget_member(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!o || !json_object_is_type(o, json_type_object) || !json_object_object_get_ex(o, key, &v))
		return NULL;
	return v;
}

static struct json_object *typed(struct json_object *o, const char *key, enum json_type type)
{
	struct json_object *v = jget_member(o, key);

	return v && json_object_is_type(v, type) ? v : NULL;
}

const char *jget_str(struct json_object *o, const char *key)
{
	struct json_object *v = typed(o, key, json_type_string);

	return v ? json_object_get_string(v) : NULL;
}

struct json_object *jget_array(struct json_object *o, const char *key)
{
	return typed(o, key, json_type_array);
}

struct json_object *jget_object(struct json_object *o, const char *key)
{
	return typed(o, key, json_type_object);
}

const char *jget_text(struct json_object *o, const char *key)
{
	struct json_object *v = jget_member(o, key);

	return v ? json_object_get_string(v) : NULL;
}

static bool is_number(struct json_object *v)
{
	return json_object_is_type(v, json_type_double) || json_object_is_type(v, json_type_int);
}

double jget_num(struct json_object *o, const char *key)
{
	double d;

	return jget_opt_num(o, key, &d) == 0 ? d : NAN;
}

bool jget_bool(struct json_object *o, const char *key)
{
	struct json_object *v = typed(o, key, json_type_boolean);

	return v && json_object_get_boolean(v);
}

int jget_opt_str(struct json_object *o, const char *key, const char **out)
{
	struct json_object *v = jget_member(o, key);

	*out = NULL;
	if (!v)
		return 0;
	if (!json_object_is_type(v, json_type_string))
		return -1;
	*out = json_object_get_string(v);
	return 0;
}

int jget_opt_num(struct json_object *o, const char *key, double *out)
{
	struct json_object *v = jget_member(o, key);

	*out = NAN;
	if (!v)
		return 0;
	if (!is_number(v) || !isfinite(json_object_get_double(v)))
		return -1;
	*out = json_object_get_double(v);
	return 0;
}

int jget_opt_bool(struct json_object *o, const char *key, bool *out)
{
	struct json_object *v = jget_member(o, key);

	*out = false;
	if (!v)
		return 0;
	if (!json_object_is_type(v, json_type_boolean))
		return -1;
	*out = json_object_get_boolean(v);
	return 0;
}
