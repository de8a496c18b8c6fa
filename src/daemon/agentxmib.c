/* agentxmib.c — ENVMON-MIB's values from the status object. Each request is answered
 * from a snapshot sorted by OID, so GETNEXT across the tables is a binary search and a
 * walk sees one consistent state, whatever the row counts. */
#include <config.h>

#include <json-c/json.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "agentxmib.h"
#include "jget.h"
#include "xmem.h"

/* Device and reading table columns (ENVMON-MIB). */
enum { DEV_NAME = 2, DEV_KIND, DEV_PROTOCOL, DEV_CONTACT, DEV_LAST_ANSWER };
enum { RD_DEVICE = 2, RD_METRIC, RD_LABEL, RD_VALUE, RD_UNIT, RD_STATUS, RD_STATE, RD_UPDATED };
enum { INC_ID = 2, INC_CRITERION, INC_SEVERITY, INC_SERVERS, INC_SINCE, INC_WORST, INC_DEVICE };
/* Row indexes are Unsigned32 (1..65535) in the MIB. */
#define MAX_ROWS 65535u

struct builder {
	struct axmib_view *v;
	oid base[MAX_OID_LEN];
	size_t base_len;
};

static struct axmib_var *add(struct builder *b, const oid *sub, size_t n_sub, u_char type)
{
	struct axmib_view *v = b->v;
	struct axmib_var *var;

	if (b->base_len + n_sub > MAX_OID_LEN)
		return NULL;
	v->vars = xgrow(v->vars, &v->cap, v->n + 1, sizeof(*v->vars));
	var = &v->vars[v->n++];
	memset(var, 0, sizeof(*var));
	memcpy(var->name, b->base, b->base_len * sizeof(oid));
	memcpy(var->name + b->base_len, sub, n_sub * sizeof(oid));
	var->len = b->base_len + n_sub;
	var->type = type;
	return var;
}

static void add_str(struct builder *b, const oid *sub, size_t n_sub, const char *s)
{
	struct axmib_var *var = add(b, sub, n_sub, ASN_OCTET_STR);

	if (var)
		var->str = xstrdup(s ? s : "");
}

static void add_num(struct builder *b, const oid *sub, size_t n_sub, u_char type, long num)
{
	struct axmib_var *var = add(b, sub, n_sub, type);

	if (var)
		var->num = num;
}

long axmib_tenths(double value)
{
	double t;

	if (isnan(value))
		return 0;
	t = round(value * 10.0);
	if (t > 2147483647.0)
		return 2147483647L;
	if (t < -2147483648.0)
		return -2147483647L - 1;
	return (long)t;
}

long axmib_severity(const char *name)
{
	static const char *const names[] = { "ok", "warning", "critical" };

	for (size_t i = 0; name && i < ARRAY_SIZE(names); i++)
		if (strcmp(name, names[i]) == 0)
			return (long)i + 1;
	return 4;
}

/* A wall-clock time as EnvmonUnixTime (0: never). */
static long unix_time(double t)
{
	return isnan(t) || t <= 0 || t > 4294967295.0 ? 0 : (long)t;
}

static long pick(const char *name, const char *const *names, size_t n, long otherwise)
{
	for (size_t i = 0; name && i < n; i++)
		if (strcmp(name, names[i]) == 0)
			return (long)i + 1;
	return otherwise;
}

static void build_site(struct builder *b, struct json_object *status)
{
	struct json_object *d = jget_object(status, "daemon"), *devs = jget_array(status, "devices");
	double last = 0;

	for (size_t i = 0; devs && i < json_object_array_length(devs); i++) {
		double t = jget_num(json_object_array_get_idx(devs, i), "last_poll");

		if (!isnan(t) && t > last)
			last = t;
	}
	add_str(b, (const oid[]){ AXMIB_SITE, 1, 0 }, 3, jget_str(d, "code"));
	add_str(b, (const oid[]){ AXMIB_SITE, 2, 0 }, 3, jget_str(d, "site"));
	add_str(b, (const oid[]){ AXMIB_SITE, 3, 0 }, 3, jget_str(d, "version"));
	add_num(b, (const oid[]){ AXMIB_SITE, 4, 0 }, 3, ASN_UNSIGNED, unix_time(jget_num(d, "started")));
	add_num(b, (const oid[]){ AXMIB_SITE, 5, 0 }, 3, ASN_UNSIGNED, unix_time(last));
}

static void build_device(struct builder *b, struct json_object *dev, oid row)
{
	static const char *const contacts[] = { "ok", "silent", "lost", "unopened", "waiting" };
	const oid t = AXMIB_DEVICES;

	add_str(b, (const oid[]){ t, 1, DEV_NAME, row }, 4, jget_str(dev, "name"));
	add_str(b, (const oid[]){ t, 1, DEV_KIND, row }, 4, jget_str(dev, "kind"));
	add_str(b, (const oid[]){ t, 1, DEV_PROTOCOL, row }, 4, jget_str(dev, "protocol"));
	add_num(b, (const oid[]){ t, 1, DEV_CONTACT, row }, 4, ASN_INTEGER,
		pick(jget_str(dev, "state"), contacts, ARRAY_SIZE(contacts), 5));
	add_num(b, (const oid[]){ t, 1, DEV_LAST_ANSWER, row }, 4, ASN_UNSIGNED,
		unix_time(jget_num(dev, "last_answer")));
}

static void build_reading(struct builder *b, struct json_object *dev, struct json_object *r, oid row,
	oid col)
{
	static const char *const statuses[] = { "ok", "invalid", "absent", "error" };
	const oid t = AXMIB_READINGS;
	const char *name = jget_str(dev, "name"), *metric = jget_str(r, "metric");
	char *label = xasprintf("%s.%s", name ? name : "", metric ? metric : "");

	add_str(b, (const oid[]){ t, 1, RD_DEVICE, row, col }, 5, name);
	add_str(b, (const oid[]){ t, 1, RD_METRIC, row, col }, 5, metric);
	add_str(b, (const oid[]){ t, 1, RD_LABEL, row, col }, 5, label);
	add_num(b, (const oid[]){ t, 1, RD_VALUE, row, col }, 5, ASN_INTEGER,
		axmib_tenths(jget_num(r, "value")));
	add_str(b, (const oid[]){ t, 1, RD_UNIT, row, col }, 5, jget_str(r, "unit"));
	add_num(b, (const oid[]){ t, 1, RD_STATUS, row, col }, 5, ASN_INTEGER,
		pick(jget_str(r, "status"), statuses, ARRAY_SIZE(statuses), 5));
	add_str(b, (const oid[]){ t, 1, RD_STATE, row, col }, 5, jget_str(r, "state"));
	add_num(b, (const oid[]){ t, 1, RD_UPDATED, row, col }, 5, ASN_UNSIGNED,
		unix_time(jget_num(dev, "readings_time")));
	free(label);
}

static void build_devices(struct builder *b, struct json_object *devs)
{
	size_t n = devs ? json_object_array_length(devs) : 0;

	for (size_t i = 0; i < n && i < MAX_ROWS; i++) {
		struct json_object *dev = json_object_array_get_idx(devs, i), *rs = jget_array(dev, "readings");

		build_device(b, dev, (oid)i + 1);
		for (size_t k = 0; rs && k < json_object_array_length(rs) && k < MAX_ROWS; k++)
			build_reading(b, dev, json_object_array_get_idx(rs, k), (oid)i + 1, (oid)k + 1);
	}
}

/* The servers of an incident as "a,b,c". */
static char *servers_text(struct json_object *inc)
{
	struct json_object *a = jget_array(inc, "servers");
	size_t n = a ? json_object_array_length(a) : 0, len = 1;
	char *s;

	for (size_t i = 0; i < n; i++)
		len += strlen(json_object_get_string(json_object_array_get_idx(a, i))) + 1;
	s = xcalloc(1, len);
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			strcat(s, ",");
		strcat(s, json_object_get_string(json_object_array_get_idx(a, i)));
	}
	return s;
}

static void build_incidents(struct builder *b, struct json_object *incs, axmib_worst_fn worst_fn,
	void *worst_arg)
{
	size_t n = incs ? json_object_array_length(incs) : 0;
	const oid t = AXMIB_INCIDENTS;

	for (size_t i = 0; i < n && i < MAX_ROWS; i++) {
		struct json_object *inc = json_object_array_get_idx(incs, i);
		const char *id = jget_str(inc, "id"), *src = jget_str(inc, "device");
		char *servers = servers_text(inc);
		oid row = (oid)i + 1;

		add_str(b, (const oid[]){ t, 1, INC_ID, row }, 4, id);
		add_str(b, (const oid[]){ t, 1, INC_CRITERION, row }, 4, jget_str(inc, "criterion"));
		add_num(b, (const oid[]){ t, 1, INC_SEVERITY, row }, 4, ASN_INTEGER,
			axmib_severity(jget_str(inc, "severity")));
		add_str(b, (const oid[]){ t, 1, INC_SERVERS, row }, 4, servers);
		add_num(b, (const oid[]){ t, 1, INC_SINCE, row }, 4, ASN_UNSIGNED,
			unix_time(jget_num(inc, "opened")));
		add_num(b, (const oid[]){ t, 1, INC_WORST, row }, 4, ASN_INTEGER,
			axmib_tenths(worst_fn && id ? worst_fn(worst_arg, id) : NAN));
		add_str(b, (const oid[]){ t, 1, INC_DEVICE, row }, 4, src ? src : jget_str(inc, "rack"));
		free(servers);
	}
}

static int cmp_var(const void *a, const void *b)
{
	const struct axmib_var *x = a, *y = b;

	return snmp_oid_compare(x->name, x->len, y->name, y->len);
}

void axmib_build(struct axmib_view *v, const oid *root, size_t root_len, struct json_object *status,
	axmib_worst_fn worst_fn, void *worst_arg)
{
	struct builder b = { .v = v };

	axmib_clear(v);
	if (root_len + 1 > MAX_OID_LEN)
		return;
	memcpy(b.base, root, root_len * sizeof(oid));
	b.base[root_len] = AXMIB_OBJECTS;
	b.base_len = root_len + 1;
	build_site(&b, status);
	build_devices(&b, jget_array(status, "devices"));
	build_incidents(&b, jget_array(status, "incidents"), worst_fn, worst_arg);
	qsort(v->vars, v->n, sizeof(*v->vars), cmp_var);
}

void axmib_clear(struct axmib_view *v)
{
	for (size_t i = 0; i < v->n; i++)
		free(v->vars[i].str);
	free(v->vars);
	memset(v, 0, sizeof(*v));
}

/* Index of the first variable >= name (strictly > when after). */
static size_t lower_bound(const struct axmib_view *v, const oid *name, size_t len, bool after)
{
	size_t lo = 0, hi = v->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = snmp_oid_compare(v->vars[mid].name, v->vars[mid].len, name, len);

		if (c < 0 || (after && c == 0))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

const struct axmib_var *axmib_get(const struct axmib_view *v, const oid *name, size_t len)
{
	size_t i = lower_bound(v, name, len, false);

	return i < v->n && snmp_oid_compare(v->vars[i].name, v->vars[i].len, name, len) == 0 ?
		&v->vars[i] : NULL;
}

const struct axmib_var *axmib_next(const struct axmib_view *v, const oid *name, size_t len)
{
	size_t i = lower_bound(v, name, len, true);

	return i < v->n ? &v->vars[i] : NULL;
}

static void set_value(netsnmp_variable_list *vb, const struct axmib_var *var)
{
	if (var->type == ASN_OCTET_STR) {
		snmp_set_var_typed_value(vb, ASN_OCTET_STR, var->str, strlen(var->str));
	} else if (var->type == ASN_UNSIGNED) {
		u_long u = (u_long)var->num;

		snmp_set_var_typed_value(vb, ASN_UNSIGNED, &u, sizeof(u));
	} else {
		long i = var->num;

		snmp_set_var_typed_value(vb, ASN_INTEGER, &i, sizeof(i));
	}
}

int axmib_answer(const struct axmib_view *v, netsnmp_agent_request_info *reqinfo,
	netsnmp_request_info *requests)
{
	for (netsnmp_request_info *r = requests; r; r = r->next) {
		netsnmp_variable_list *vb = r->requestvb;
		const struct axmib_var *var;

		if (r->processed)
			continue;
		if (reqinfo->mode == MODE_GET) {
			var = axmib_get(v, vb->name, vb->name_length);
			if (var)
				set_value(vb, var);
			else
				netsnmp_set_request_error(reqinfo, r, SNMP_NOSUCHINSTANCE);
		} else if (reqinfo->mode == MODE_GETNEXT) {
			/* Past the last value: left unanswered, the agent goes on after the subtree. */
			var = axmib_next(v, vb->name, vb->name_length);
			if (var) {
				snmp_set_var_objid(vb, var->name, var->len);
				set_value(vb, var);
			}
		} else {
			netsnmp_set_request_error(reqinfo, r, SNMP_ERR_NOTWRITABLE);
		}
	}
	return SNMP_ERR_NOERROR;
}
