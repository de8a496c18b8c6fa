/* probe.c — one poll of one device, printed. Generic over driver_ops: it opens the
 * device with driver_for(), runs the event loop until the single result arrives,
 * and builds its output (JSON with json-c) from the result and the profile. */
#include <config.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "clock.h"
#include "driver.h"
#include "log.h"
#include "probe.h"
#include "sched.h"
#include "store.h"
#include "textesc.h"
#include "xmem.h"

/* Beyond timeout x (retries + 1): a driver that never calls back is a bug. */
#define PROBE_SLACK_MS 5000

struct probe_state {
	bool done;
	bool answered;
	char *error;
	struct reading *readings;
	size_t n;
	struct instance_reading *instances;
	size_t n_instances;
	double time;
};

static void on_result(void *arg, const struct poll_result *res)
{
	struct probe_state *st = arg;

	if (st->done)
		return;
	st->done = true;
	st->answered = res->answered;
	st->time = res->time;
	st->error = res->error ? xstrdup(res->error) : NULL;
	st->n = res->n_readings;
	st->readings = xcalloc(res->n_readings + 1, sizeof(*st->readings));
	memcpy(st->readings, res->readings, res->n_readings * sizeof(*st->readings));
	st->n_instances = res->n_instances;
	st->instances = xcalloc(res->n_instances + 1, sizeof(*st->instances));
	if (res->n_instances)
		memcpy(st->instances, res->instances, res->n_instances * sizeof(*st->instances));
}

static const char *status_name(enum reading_status s)
{
	static const char *const names[] = { "ok", "invalid", "absent", "error" };

	return names[s];
}

/* Where the value comes from: the OID read (the fallback's when it gave the value),
 * or the Modbus table and address. */
static char *source_of(const struct profile_metric *m, const struct reading *r)
{
	static const char *const tables[] = { "?", "coil", "discrete", "holding", "input" };

	if (m->snmp_table && r->from_fallback_metric)   /* no row gave a value: the other metric did */
		return xasprintf("= %s", m->snmp_table->fallback_metric);
	if (m->snmp_table)
		return xasprintf("%s.*", r->from_fallback && m->fallback_oid ? m->fallback_oid : m->oid);
	if (m->oid)
		return xstrdup(r->from_fallback && m->fallback_oid ? m->fallback_oid : m->oid);
	if (m->var)
		return xstrdup(m->var);
	if (m->n_sensors > 0)   /* the IPMI sensor read, or the first choice when none was */
		return xstrdup(m->sensors[r->sensor < m->n_sensors ? r->sensor : 0]);
	return xasprintf("%s %u", tables[m->table <= MB_INPUT_REGISTERS ? m->table : 0], m->address);
}

static const char *state_of(const struct profile_metric *m, const struct reading *r)
{
	if (r->status != READING_OK || m->n_state_names == 0)
		return NULL;
	if (r->value < 0 || r->value >= (double)m->n_state_names)
		return NULL;
	return m->state_names[(size_t)r->value];
}

/* Printed with 10 significant digits, as the table does: -5.2, not the nearest double
 * -5.2000000000000002, and a 32-bit raw value whole (2147483647, not 2.14748e+09). */
static json_object *json_number(double v)
{
	char text[32];

	if (isnan(v))
		return NULL;
	snprintf(text, sizeof(text), "%.10g", v);
	return json_object_new_double_s(v, text);
}

static json_object *metric_json(const struct profile_metric *m, const struct reading *r)
{
	json_object *o = json_object_new_object();
	const char *state = state_of(m, r);
	char *src = source_of(m, r);

	json_object_object_add(o, "name", json_object_new_string(m->name));
	json_object_object_add(o, "source", json_object_new_string(src));
	if (m->fallback_oid)
		json_object_object_add(o, "fallback_oid", json_object_new_string(m->fallback_oid));
	json_object_object_add(o, "status", json_object_new_string(status_name(r->status)));
	json_object_object_add(o, "raw", json_number(r->raw));
	json_object_object_add(o, "value", state ? NULL : json_number(r->value));
	json_object_object_add(o, "unit", json_object_new_string(m->unit ? m->unit : ""));
	json_object_object_add(o, "state", state ? json_object_new_string(state) : NULL);
	if (m->snmp_table)
		json_object_object_add(o, "instance", r->instance[0] ? json_object_new_string(r->instance) : NULL);
	free(src);
	return o;
}

/* A table metric's instances, each as a metric of its own with its row and label. */
static json_object *instances_json(const struct profile_metric *m, size_t metric, const struct probe_state *st)
{
	json_object *a = json_object_new_array();

	for (size_t k = 0; k < st->n_instances; k++) {
		const struct instance_reading *ir = &st->instances[k];
		json_object *o;
		char *src;

		if (ir->metric != metric)
			continue;
		o = metric_json(m, &ir->r);
		src = xasprintf("%s.%s", ir->r.from_fallback ? m->fallback_oid : m->oid, ir->index);
		json_object_object_add(o, "source", json_object_new_string(src));
		json_object_object_del(o, "instance");
		json_object_object_add(o, "index", json_object_new_string(ir->index));
		json_object_object_add(o, "label", json_object_new_string(ir->label));
		json_object_array_add(a, o);
		free(src);
	}
	return a;
}

static void print_json(const struct cfg_device *dev, const struct probe_state *st, FILE *out)
{
	json_object *root = json_object_new_object();
	json_object *metrics = json_object_new_array();

	json_object_object_add(root, "device", json_object_new_string(dev->name));
	json_object_object_add(root, "profile", json_object_new_string(dev->profile->name));
	json_object_object_add(root, "protocol", json_object_new_string(protocol_name(dev->protocol)));
	json_object_object_add(root, "answered", json_object_new_boolean(st->answered));
	json_object_object_add(root, "error", st->error ? json_object_new_string(st->error) : NULL);
	json_object_object_add(root, "time", json_object_new_double(st->time));
	for (size_t i = 0; st->answered && i < st->n; i++) {
		const struct profile_metric *m = &dev->profile->metrics[i];
		json_object *o = metric_json(m, &st->readings[i]);

		if (m->snmp_table)
			json_object_object_add(o, "instances", instances_json(m, i, st));
		json_object_array_add(metrics, o);
	}
	json_object_object_add(root, "metrics", metrics);
	fprintf(out, "%s\n", json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY |
		JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(root);
}

static void format_number(char *buf, size_t size, double v)
{
	if (isnan(v))
		snprintf(buf, size, "-");
	else
		snprintf(buf, size, "%.10g", v);
}

/* name: the metric's, or "name[index]" for an instance; src: NULL for the metric's own. */
static void print_row(const struct profile_metric *m, const char *name, char *src, const struct reading *r,
	const char *label, FILE *out)
{
	char raw[32], value[32];
	const char *state = state_of(m, r);
	const char *what = state ? state :
		r->status == READING_OK ? "" :
		r->status == READING_INVALID ? _("invalid (the device says unknown)") :
		r->status == READING_ABSENT ? _("absent (the device does not have it)") :
		_("error (unreadable or unmapped value)");

	if (!src)
		src = source_of(m, r);
	format_number(raw, sizeof(raw), r->raw);
	format_number(value, sizeof(value), state ? NAN : r->value);
	fprintf(out, "%-20s %-34s %12s %12s %-5s %s%s%s\n", name, src, raw, value, m->unit ? m->unit : "", what,
		label && label[0] && what[0] ? " " : "", label ? label : "");
	free(src);
}

/* The instances of table metric i, one row each, then the aggregate's row. */
static void print_table_metric(const struct profile_metric *m, size_t i, const struct probe_state *st,
	FILE *out)
{
	const struct reading *agg = &st->readings[i];
	char *label;

	for (size_t k = 0; k < st->n_instances; k++) {
		const struct instance_reading *ir = &st->instances[k];
		char *name;

		if (ir->metric != i)
			continue;
		name = xasprintf("%s[%s]", m->name, ir->index);
		label = xasprintf("\"%s\"", ir->label);
		print_row(m, name, xasprintf("%s.%s", ir->r.from_fallback ? m->fallback_oid : m->oid, ir->index), &ir->r,
			ir->label[0] ? label : NULL, out);
		free(label);
		free(name);
	}
	label = xasprintf(_("(%s of the instances: %s)"), m->snmp_table->aggregate == AGG_MIN ? _("lowest") :
		m->snmp_table->aggregate == AGG_FIRST ? _("first") : _("highest"), agg->instance[0] ? agg->instance : "-");
	/* No instance read (none found, none readable): the state says it, not "(...: -)". */
	print_row(m, m->name, NULL, agg, agg->instance[0] ? label : NULL, out);
	free(label);
}

static void print_table(const struct cfg_device *dev, const struct probe_state *st, FILE *out)
{
	fprintf(out, _("Device %s (profile %s, %s)\n"), dev->name, dev->profile->name,
		protocol_name(dev->protocol));
	fprintf(out, "%-20s %-34s %12s %12s %-5s %s\n", _("METRIC"), _("SOURCE"), _("RAW"), _("VALUE"),
		_("UNIT"), _("STATE"));
	for (size_t i = 0; i < st->n; i++) {
		const struct profile_metric *m = &dev->profile->metrics[i];

		if (m->snmp_table)
			print_table_metric(m, i, st, out);
		else
			print_row(m, m->name, NULL, &st->readings[i], NULL, out);
	}
	if (st->error)
		fprintf(out, _("Note: %s\n"), st->error);
}

/* Runs the loop until the result arrives or the driver overstays its own timeout. */
static int poll_once(const struct driver_ops *ops, const struct cfg_device *dev, struct probe_state *st)
{
	struct drv_device *h = ops->open(dev, on_result, st);
	int64_t limit;

	if (!h)
		return -1;
	limit = clock_mono_ms() + DRIVER_MAX_ROUNDS * (int64_t)dev->timeout_ms * (dev->retries + 1) +
		PROBE_SLACK_MS;
	if (ops->poll(h) == 0)
		while (!st->done && clock_mono_ms() < limit)
			if (sched_run_once(limit - clock_mono_ms()) < 0)
				break;
	ops->close(h);
	return 0;
}

static int report(const struct cfg_device *dev, const struct probe_state *st, bool json, FILE *out)
{
	if (!st->done) {
		fprintf(stderr, _("envmond: %s: no result from the %s driver\n"), dev->name,
			protocol_name(dev->protocol));
		return ENVMON_EX_FAIL;
	}
	if (json)
		print_json(dev, st, out);
	else if (st->answered)
		print_table(dev, st, out);
	if (!st->answered) {
		fprintf(stderr, _("envmond: %s does not answer: %s\n"), dev->name,
			st->error ? st->error : _("no reason given"));
		return ENVMON_EX_FAIL;
	}
	return ENVMON_EX_OK;
}

int probe_run(const struct config *cfg, const char *name, bool json, FILE *out)
{
	const struct cfg_device *dev = conf_device(cfg, name);

	if (!dev) {
		fprintf(stderr, _("envmond: no device called '%s' in %s; its devices:"), text_esc(name), cfg->file);
		for (size_t i = 0; i < cfg->n_devices; i++)
			fprintf(stderr, " %s", cfg->devices[i].name);
		fputc('\n', stderr);
		return ENVMON_EX_USAGE;
	}
	return probe_device(dev, json, out);
}

int probe_device(const struct cfg_device *dev, bool json, FILE *out)
{
	const struct driver_ops *ops;
	struct probe_state st = { 0 };
	int rc;

	ops = driver_for(dev->protocol);
	if (!ops) {
		fprintf(stderr, _("envmond: this build has no driver for %s devices\n"), protocol_name(dev->protocol));
		return ENVMON_EX_UNAVAILABLE;
	}
	if (sched_init() < 0 || (ops->init && ops->init() < 0)) {
		fprintf(stderr, _("envmond: the %s driver could not start\n"), ops->name);
		sched_fini();
		return ENVMON_EX_SOFTWARE;
	}
	if (poll_once(ops, dev, &st) < 0) {
		fprintf(stderr, _("envmond: cannot open device '%s' (see the message above)\n"), dev->name);
		rc = ENVMON_EX_UNAVAILABLE;
	} else {
		rc = report(dev, &st, json, out);
	}
	if (ops->fini)
		ops->fini();
	sched_fini();
	free(st.error);
	free(st.readings);
	free(st.instances);
	return rc;
}

/* ------------------------------------------------------------------ all devices */

/* One benchmark run. A cycle polls every device at once and keeps each answer's values;
 * then they are stored as the daemon stores them (store_write, batched over
 * storage.batch), timed apart so that the poll figure stays the network's. The updates
 * are stamped base + cycle x step: the cycles run back to back, faster than RRD's
 * one-second resolution. The first cycle's batches are written at once (it creates the
 * files), the others' at the end, timed apart ("flush"): the storage cost of a cycle is
 * its own time plus its share of the flush. */
struct bench {
	unsigned pending;
	unsigned long writes, write_failures;
	int64_t write_us;
};

struct bench_slot {
	const struct driver_ops *ops;
	struct drv_device *h;
	const char *name;
	bool done, answered;
	size_t ok_readings;
	struct store_value values[128];
	size_t n_values;
	struct bench *run;
};

static void on_bench_result(void *arg, const struct poll_result *res)
{
	struct bench_slot *s = arg;

	if (s->done)
		return;
	s->done = true;
	s->answered = res->answered;
	for (size_t i = 0; i < res->n_readings; i++)
		if (res->readings[i].status == READING_OK)
			s->ok_readings++;
	s->n_values = res->answered ? store_values_from_result(res, NULL, s->values, ARRAY_SIZE(s->values)) : 0;
	s->run->pending--;
}

static int open_all(const struct config *cfg, struct bench_slot *slots, struct bench *run)
{
	bool up[PROTO_COUNT] = { false };

	for (size_t i = 0; i < cfg->n_devices; i++) {
		const struct cfg_device *dev = &cfg->devices[i];

		slots[i].ops = driver_for(dev->protocol);
		slots[i].name = dev->name;
		slots[i].run = run;
		if (!slots[i].ops)
			return -1;
		if (!up[dev->protocol] && slots[i].ops->init && slots[i].ops->init() < 0)
			return -1;
		up[dev->protocol] = true;
		slots[i].h = slots[i].ops->open(dev, on_bench_result, &slots[i]);
		if (!slots[i].h)
			return -1;
	}
	return 0;
}

/* One cycle: every device polled at once, until the last result. Returns its ms. */
static int64_t bench_cycle(const struct config *cfg, struct bench_slot *slots, struct bench *run,
	size_t *answered, size_t *readings)
{
	int64_t start = clock_mono_ms(), limit = start + 120000;

	run->pending = 0;
	for (size_t i = 0; i < cfg->n_devices; i++) {
		slots[i].done = false;
		slots[i].ok_readings = 0;
		slots[i].n_values = 0;
		if (slots[i].ops->poll(slots[i].h) == 0)
			run->pending++;
		else
			slots[i].done = true;
	}
	while (run->pending > 0 && clock_mono_ms() < limit)
		if (sched_run_once(limit - clock_mono_ms()) < 0)
			break;
	*answered = *readings = 0;
	for (size_t i = 0; i < cfg->n_devices; i++) {
		*answered += slots[i].answered && slots[i].done;
		*readings += slots[i].ok_readings;
	}
	return clock_mono_ms() - start;
}

/* The cycle's answers into the RRD files, one update per device, timed. */
static void bench_store(const struct config *cfg, struct bench_slot *slots, struct bench *run,
	double stamp)
{
	int64_t t0 = clock_mono_us();

	run->writes = run->write_failures = 0;
	for (size_t i = 0; i < cfg->n_devices; i++) {
		if (slots[i].n_values == 0)
			continue;
		if (store_write(slots[i].name, stamp, slots[i].values, slots[i].n_values) == 0)
			run->writes++;
		else
			run->write_failures++;
	}
	run->write_us = clock_mono_us() - t0;
}

static bool bench_open(const struct config *cfg, struct bench_slot *slots, struct bench *run)
{
	if (store_init(cfg->paths.state_dir, cfg->storage.step_s, cfg->storage.batch_s, cfg->storage.rrdcached) < 0)
		return false;
	if (store_open_config(cfg) < 0 || sched_init() < 0)
		return false;
	return open_all(cfg, slots, run) == 0;
}

static void bench_close(const struct config *cfg, struct bench_slot *slots)
{
	for (size_t i = 0; i < cfg->n_devices; i++)
		if (slots[i].h)
			slots[i].ops->close(slots[i].h);
	for (int proto = 0; proto < PROTO_COUNT; proto++) {
		const struct driver_ops *ops = driver_for((enum protocol)proto);

		if (ops && ops->fini)
			ops->fini();
	}
	sched_fini();
	store_fini();
}

int probe_all(const struct config *cfg, unsigned cycles, FILE *out)
{
	struct bench_slot *slots = xcalloc(cfg->n_devices + 1, sizeof(*slots));
	struct bench run = { 0 };
	int rc = ENVMON_EX_OK;
	bool opened = bench_open(cfg, slots, &run);
	double base = floor(clock_wall());

	if (!opened) {
		fprintf(stderr, _("envmond: cannot open every device (see the messages above)\n"));
		rc = ENVMON_EX_UNAVAILABLE;
	}
	for (unsigned c = 0; opened && c < cycles; c++) {
		size_t answered, readings;
		int64_t cpu0 = clock_cpu_us(), ms = bench_cycle(cfg, slots, &run, &answered, &readings);
		double cpu_ms = (double)(clock_cpu_us() - cpu0) / 1000.0;

		bench_store(cfg, slots, &run, base + (double)c * cfg->storage.step_s);
		fprintf(out, "cycle %u: %zu devices, %zu answered, %zu readings, %lld ms; "
			"%lu rrd writes, %lu failed, %.1f ms; poll cpu %.1f ms\n", c + 1, cfg->n_devices,
			answered, readings, (long long)ms, run.writes, run.write_failures,
			(double)run.write_us / 1000.0, cpu_ms);
		if (answered < cfg->n_devices || run.write_failures > 0)
			rc = ENVMON_EX_FAIL;
		if (c == 0 || c + 1 == cycles) {
			unsigned long calls = store_stats()->calls;
			int64_t t0 = clock_mono_us();

			store_flush();
			fprintf(out, "flush %u: %lu rrd update calls, %.1f ms\n", c + 1, store_stats()->calls - calls,
				(double)(clock_mono_us() - t0) / 1000.0);
		}
	}
	bench_close(cfg, slots);
	free(slots);
	return rc;
}
