/* message.c — the e-mail of a notification: subject, headers and body, in the language
 * of the catalogue given (see msgcat.h). Every text that came from a device or from the
 * configuration goes through msgtext_sanitize() before it reaches the message, and the
 * subject is RFC 2047-encoded, so nothing can add a header line. Its text primitives
 * are msgtext.c's, the context of the alert (neighbours, trend, headers) msgctx.c's. */
#include <config.h>

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "message.h"
#include "msgctx.h"
#include "xmem.h"

/* Strings marked _() here are extracted by xgettext as usual, but translated through
 * the mail catalogue `cat` in scope, not the process locale. */
#undef _
#define _(s) msgcat_get(cat, s)

#define TEXT_MAX 200            /* longest device-supplied text we print */

static void add(struct msg_buf *b, const char *s)
{
	msg_buf_add(b, s, strlen(s));
}

/* ------------------------------------------------------------------ text helpers */

static bool is_french(const struct msgcat *cat)
{
	return cat != NULL;
}

/* ------------------------------------------------------------------ labels */

static const char *severity_label(const struct msgcat *cat, enum severity sev)
{
	switch (sev) {
	case SEV_CRITICAL: return _("CRITICAL");
	case SEV_WARNING: return _("WARNING");
	case SEV_UNKNOWN: return _("UNKNOWN");
	default: return _("OK");
	}
}

static const char *role_label(const struct msgcat *cat, enum server_role role)
{
	switch (role) {
	case ROLE_DIGITIZATION: return _("criminal-procedure digitization");
	case ROLE_COMCI: return _("COMCI");
	case ROLE_PPN: return _("digital criminal procedure (PPN)");
	case ROLE_VISIOCONFERENCE: return _("visioconference");
	default: return _("other business server");
	}
}

/* Canonical states (DESIGN.md §4) get a label; anything else is printed sanitized. */
static char *state_label(const struct msgcat *cat, const char *state)
{
	const char *label = metric_state_label(state);

	return label ? xstrdup(_(label)) : msgtext_sanitize(state, 40);
}

/* What to check first, per criterion: the first gesture of the person who reads it. */
static const char *advice(const struct msgcat *cat, enum criterion c)
{
	switch (c) {
	case CRIT_TEMPERATURE: case CRIT_DEW_POINT: case CRIT_TEMP_RATE_HOUR: case CRIT_TEMP_RATE_15MIN:
	case CRIT_TEMP_FORECAST:
		return _("Check that the air conditioner is running (display, alarms, power supply) and "
			"blowing cold air; check that the room door is closed and that nothing blocks the "
			"air flow of the rack.");
	case CRIT_HUMIDITY:
		return _("Check the air conditioner (dehumidification, condensate drain) and look for a "
			"water leak or an open window in the room.");
	case CRIT_COOLING_STATE:
		return _("Check the air conditioner: its display and alarms, its power supply and circuit "
			"breaker. Keep the room door closed and watch the temperature: if it keeps rising, "
			"warn the ARSIT before shutting servers down.");
	case CRIT_UPS_SOURCE:
		return _("Check the building power: circuit breaker of the room, power cut in the building "
			"or the street. If the outage lasts, plan a clean shutdown of the servers before the "
			"battery runs out.");
	case CRIT_UPS_BATTERY: case CRIT_UPS_CHARGE: case CRIT_UPS_RUNTIME:
		return _("Check whether the building power is cut. If it is not, the batteries are weak: "
			"have them checked under the maintenance contract.");
	case CRIT_UPS_LOAD:
		return _("The UPS carries too much: check what equipment was plugged into it recently and "
			"move what is not essential to another outlet.");
	case CRIT_UPS_REPLACE_BATTERY: case CRIT_UPS_SELFTEST:
		return _("Have the UPS batteries checked and replaced under the maintenance contract.");
	case CRIT_INPUT_VOLTAGE: case CRIT_INPUT_FREQUENCY:
		return _("The building power is out of tolerance: tell the building's electrician and "
			"watch for transfers to battery.");
	case CRIT_CONTACT:
		return _("envmond gets no answer from the device: check that it is powered and connected "
			"to the network (cable, switch port), then its SNMP or Modbus settings.");
	default:
		return "";
	}
}

/* ------------------------------------------------------------------ subject */

/* "31,4 °C", "sur batterie", or "" when the notification carries no reading. */
static char *value_text(const struct msgcat *cat, const struct notification *n, double v)
{
	char buf[96];

	if (n->state)
		return state_label(cat, n->state);
	if (isnan(v))
		return xstrdup(n->criterion == CRIT_CONTACT ? _("no answer") : "");
	msgtext_reading(buf, sizeof(buf), v, n->unit ? n->unit : "", is_french(cat));
	return xstrdup(buf);
}

/* "(max 27 °C)" or "". */
static char *bound_text(const struct msgcat *cat, const struct notification *n)
{
	char buf[96];

	if (isnan(n->bound) || !n->bound_kind || n->state)
		return xstrdup("");
	msgtext_reading(buf, sizeof(buf), n->bound, n->unit ? n->unit : "", is_french(cat));
	return xasprintf("(%s %s)", strcmp(n->bound_kind, "min") == 0 ? _("min") : _("max"), buf);
}

static const char *kind_tag(const struct msgcat *cat, const struct notification *n, char *buf,
	size_t size)
{
	switch (n->kind) {
	case NOTIF_REMINDER:
		snprintf(buf, size, "%s %s", _("REMINDER"), severity_label(cat, n->severity));
		return buf;
	case NOTIF_RECOVERY: return _("RECOVERED");
	case NOTIF_FLAPPING: return _("UNSTABLE");
	case NOTIF_TEST: return _("TEST");
	default: return severity_label(cat, n->severity);
	}
}

static void add_servers(struct msg_buf *b, const struct notification *n, size_t max)
{
	for (size_t i = 0; i < n->n_servers && i < max; i++) {
		char *s = msgtext_sanitize(n->servers[i].name, 64);
		msg_buf_printf(b, "%s%s", i ? ", " : "", s);
		free(s);
	}
	if (n->n_servers > max)
		msg_buf_printf(b, " +%zu", n->n_servers - max);
}

/* The criterion as people read it: a server's own BMC names what it measures. */
static const char *what_label(const struct config *cfg, const struct notification *n)
{
	return conf_inlet_server(cfg, n->device) ? criterion_inlet_label(n->criterion) :
		criterion_label(n->criterion);
}

char *message_subject(const struct config *cfg, const struct msgcat *cat,
	const struct notification *n)
{
	struct msg_buf b = { 0 };
	char tag[96];
	char *code = msgtext_sanitize(cfg->site.code, 32);
	const struct cfg_server *inlet_of = conf_inlet_server(cfg, n->device);
	/* "... measured by the server srv-visio": the server, not its BMC's device name. */
	char *where = msgtext_sanitize(n->rack ? n->rack : inlet_of && n->criterion == CRIT_TEMPERATURE ?
		inlet_of->name : n->device, 64);
	char *val, *bound;

	msg_buf_printf(&b, "[%s] %s", kind_tag(cat, n, tag, sizeof(tag)), code);
	if (n->kind == NOTIF_TEST) {
		msg_buf_printf(&b, " — %s", _("test message from envmond"));
		goto out;
	}
	val = value_text(cat, n, n->value);
	bound = n->kind == NOTIF_RECOVERY ? xstrdup("") : bound_text(cat, n);
	msg_buf_printf(&b, " — %s%s%s%s%s%s%s", _(what_label(cfg, n)),
		where[0] ? " " : "", where, val[0] ? " " : "", val, bound[0] ? " " : "", bound);
	free(val);
	free(bound);
	if (n->n_servers) {
		add(&b, " — ");
		add_servers(&b, n, 3);
	}
out:
	free(code);
	free(where);
	return b.s;
}

/* ------------------------------------------------------------------ headers */

static bool plain_ascii(const char *s, size_t max)
{
	size_t len = 0;

	for (; *s; s++, len++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
			return false;
	return len <= max;
}

static void base64(struct msg_buf *b, const unsigned char *in, size_t len)
{
	static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char out[4];

	for (size_t i = 0; i < len; i += 3) {
		unsigned v = (unsigned)in[i] << 16 | (i + 1 < len ? (unsigned)in[i + 1] << 8 : 0) |
			(i + 2 < len ? in[i + 2] : 0);
		out[0] = tab[v >> 18 & 63];
		out[1] = tab[v >> 12 & 63];
		out[2] = i + 1 < len ? tab[v >> 6 & 63] : '=';
		out[3] = i + 2 < len ? tab[v & 63] : '=';
		msg_buf_add(b, out, 4);
	}
}

/* RFC 2047 §2: an encoded word is at most 75 characters; "=?UTF-8?B?" + "?=" leave 63,
 * so at most 45 bytes of text per word (we take 42 to leave room for "Subject: " on the
 * first line). Words are cut between characters (§5: never inside one). */
void message_header_encoded(struct msg_buf *b, const char *name, const char *value)
{
	char *clean = msgtext_sanitize(value, 998);
	const unsigned char *p = (const unsigned char *)clean;

	msg_buf_printf(b, "%s: ", name);
	if (plain_ascii(clean, 76 - strlen(name))) {
		msg_buf_printf(b, "%s\r\n", clean);
		free(clean);
		return;
	}
	while (*p) {
		size_t chunk = 0, n;

		while (p[chunk] && chunk + (n = msgtext_utf8_len(p + chunk)) <= 42)
			chunk += n;
		if (p != (const unsigned char *)clean)
			add(b, "\r\n ");
		add(b, "=?UTF-8?B?");
		base64(b, p, chunk);
		add(b, "?=");
		p += chunk;
	}
	add(b, "\r\n");
	free(clean);
}

char *message_id(const char *site_code, const char *instance, const char *incident_id,
	unsigned seq)
{
	struct msg_buf b = { 0 };
	const char *s;

	add(&b, "<");
	for (s = incident_id; *s; s++)
		msg_buf_printf(&b, "%c", isalnum((unsigned char)*s) || *s == '-' ? *s : '_');
	msg_buf_printf(&b, ".%u", seq);
	if (instance && instance[0]) {
		add(&b, ".");
		for (s = instance; *s; s++)
			msg_buf_printf(&b, "%c", isalnum((unsigned char)*s) ? *s : '_');
	}
	add(&b, "@envmond.");
	for (s = site_code; *s; s++)
		msg_buf_printf(&b, "%c", isalnum((unsigned char)*s) || *s == '-' ?
			(char)tolower((unsigned char)*s) : '-');
	add(&b, ".invalid>");
	return b.s;
}

/* RFC 5322 §3.3, with English names whatever LC_TIME says. */
/* The local time of when. A time no calendar of ours can hold (NaN, beyond year 9999,
 * before 1970: a damaged record) is the epoch rather than undefined behaviour or
 * localtime_r's failure leaving tm unset: the month and day names index tables. */
static void local_tm(double when, struct tm *tm)
{
	time_t t = (isfinite(when) && when >= 0 && when < 253402300800.0) ? (time_t)when : 0;

	if (!localtime_r(&t, tm)) {
		t = 0;
		gmtime_r(&t, tm);
	}
}

void message_date(struct msg_buf *b, double when)
{
	static const char *const days[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul",
		"Aug", "Sep", "Oct", "Nov", "Dec" };
	struct tm tm;
	long off;

	local_tm(when, &tm);
	off = tm.tm_gmtoff / 60;
	msg_buf_printf(b, "Date: %s, %02d %s %04d %02d:%02d:%02d %c%02ld%02ld\r\n", days[tm.tm_wday],
		tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec,
		off < 0 ? '-' : '+', labs(off) / 60, labs(off) % 60);
}

bool message_to_local(const struct config *cfg, const struct notification *n)
{
	const struct cfg_contacts *c = &cfg->site.contacts;

	if (n->kind == NOTIF_TEST)
		return true;
	return n->severity != SEV_OK && n->severity >= c->local_min_severity &&
		!(n->severity == SEV_UNKNOWN && c->local_min_severity == SEV_CRITICAL);
}

/* A bounded list of addresses, each once, in the order added. */
struct addr_list {
	const char *a[64];
	size_t n;
};

static bool addr_has(const struct addr_list *l, const char *addr)
{
	for (size_t j = 0; j < l->n; j++)
		if (strcasecmp(l->a[j], addr) == 0)
			return true;
	return false;
}

/* Adds those of addrs that are in neither l nor except (may be NULL). */
static void addr_add(struct addr_list *l, char *const *addrs, size_t n, const struct addr_list *except)
{
	for (size_t i = 0; i < n && l->n < ARRAY_SIZE(l->a); i++)
		if (!addr_has(l, addrs[i]) && !(except && addr_has(except, addrs[i])))
			l->a[l->n++] = addrs[i];
}

static void add_list(struct msg_buf *b, const char *name, const struct addr_list *l)
{
	if (l->n == 0)
		return;
	msg_buf_printf(b, "%s: ", name);
	for (size_t i = 0; i < l->n; i++)
		msg_buf_printf(b, "%s%s", i ? ",\r\n " : "", l->a[i]);
	add(b, "\r\n");
}

/* To: the recipients of the roles of the servers concerned first (contacts.roles; the
 * local list for visioconference without one), then the ARSIT; Cc: the local list when
 * it gets this notification and is not already in To:. */
static void add_recipients(struct msg_buf *b, const struct config *cfg, const struct notification *n)
{
	const struct cfg_contacts *c = &cfg->site.contacts;
	struct addr_list to = { .n = 0 }, cc = { .n = 0 };
	bool role_seen[ROLE_COUNT] = { false };

	for (size_t i = 0; i < n->n_servers; i++) {
		enum server_role r = n->servers[i].role;

		if (r >= ROLE_COUNT || role_seen[r])
			continue;
		role_seen[r] = true;
		if (c->n_role[r] > 0)
			addr_add(&to, c->role[r], c->n_role[r], NULL);
		else if (r == ROLE_VISIOCONFERENCE && n->kind != NOTIF_TEST)
			addr_add(&to, c->local, c->n_local, NULL);
	}
	addr_add(&to, c->arsit, c->n_arsit, NULL);
	if (message_to_local(cfg, n))
		addr_add(&cc, c->local, c->n_local, &to);
	add_list(b, "To", &to);
	add_list(b, "Cc", &cc);
}

/* From: keeps the address as configured (conf.c refuses CR/LF); a non-ASCII display
 * name is encoded. */
static void add_from(struct msg_buf *b, const char *from)
{
	const char *lt;
	char *name;

	/* No mail group: the message only waits in the spool, but it must be well-formed. */
	if (!from)
		from = "envmond <envmond@localhost>";
	lt = strrchr(from, '<');

	if (!lt || plain_ascii(from, 900)) {
		msg_buf_printf(b, "From: %s\r\n", from);
		return;
	}
	name = xstrndup(from, (size_t)(lt - from));
	while (name[0] && name[strlen(name) - 1] == ' ')
		name[strlen(name) - 1] = '\0';
	message_header_encoded(b, "From", name);
	b->len -= 2;                            /* "\r\n" */
	msg_buf_printf(b, " %s\r\n", lt);
	free(name);
}

static void add_headers(struct msg_buf *b, const struct config *cfg, const struct msgcat *cat,
	const char *instance, const struct notification *n)
{
	char *id = message_id(cfg->site.code, instance, n->incident_id, n->seq);
	char *subject = message_subject(cfg, cat, n);

	add_from(b, cfg->mail.from);
	add_recipients(b, cfg, n);
	message_header_encoded(b, "Subject", subject);
	message_date(b, n->time);
	msg_buf_printf(b, "Message-ID: %s\r\n", id);
	if (n->seq > 0) {
		char *first = message_id(cfg->site.code, instance, n->incident_id, 0);
		msg_buf_printf(b, "In-Reply-To: %s\r\nReferences: %s\r\n", first, first);
		free(first);
	}
	msgctx_headers(b, cfg, n);
	add(b, "Auto-Submitted: auto-generated\r\nX-Auto-Response-Suppress: All\r\n"
		"Precedence: bulk\r\nMIME-Version: 1.0\r\n"
		"Content-Type: text/plain; charset=UTF-8\r\n"
		"Content-Transfer-Encoding: quoted-printable\r\n");
	free(id);
	free(subject);
}

/* ------------------------------------------------------------------ body */

void message_qp(struct msg_buf *b, const char *text)
{
	size_t col = 0;

	for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
		char enc[4];
		bool line_end = p[1] == '\n' || p[1] == '\0';
		bool literal = (*p >= 33 && *p <= 126 && *p != '=') || ((*p == ' ' || *p == '\t') && !line_end);

		if (*p == '\n') {
			add(b, "\r\n");
			col = 0;
			continue;
		}
		if (col + (literal ? 1 : 3) > 75) {
			add(b, "=\r\n");
			col = 0;
		}
		if (literal) {
			msg_buf_add(b, (const char *)p, 1);
			col++;
		} else {
			snprintf(enc, sizeof(enc), "=%02X", *p);
			add(b, enc);
			col += 3;
		}
	}
}

/* "23/11/2026 14:05" (French) or "2026-11-23 14:05", local time. */
static void local_time(char *buf, size_t size, double when, bool french)
{
	struct tm tm;

	local_tm(when, &tm);
	strftime(buf, size, french ? "%d/%m/%Y %H:%M" : "%Y-%m-%d %H:%M", &tm);
}

static const char *intro(const struct msgcat *cat, const struct notification *n)
{
	switch (n->kind) {
	case NOTIF_ALERT: return _("The hosting conditions of the servers below are out of their spec.");
	case NOTIF_REMINDER: return _("Reminder: this incident is still not resolved.");
	case NOTIF_RECOVERY: return _("The incident is over: the conditions are back within the spec.");
	case NOTIF_FLAPPING: return _("This condition changes state too often; envmond stays quiet "
		"about it until it settles.");
	default: return _("This is a test message: mail from envmond reaches you.");
	}
}

/* "Sensor: probe-a, sensor 3 « Entrée baie A »": which instance of a metric with several
 * (a rack's probes, a UPS's phases: "Sensor: ups-1, phase 2") gave the worst reading.
 * The label is device text. */
static void body_sensor(struct msg_buf *b, const struct msgcat *cat, const struct notification *n)
{
	char *dev, *sensor;

	if (!n->sensor || !n->sensor[0])
		return;
	dev = msgtext_sanitize(n->sensor_device, TEXT_MAX);
	sensor = msgtext_sensor(cat, n->sensor, msgtext_is_phase(criterion_name(n->criterion)));
	msg_buf_printf(b, "%s %s%s%s\n", _("Sensor:"), dev, dev[0] ? ", " : "", sensor);
	free(dev);
	free(sensor);
}

static void body_facts(struct msg_buf *b, const struct config *cfg, const struct msgcat *cat,
	const struct notification *n)
{
	bool fr = is_french(cat);
	char when[64], *val = value_text(cat, n, n->value), *bound = bound_text(cat, n);
	char *dev = msgtext_sanitize(n->device, TEXT_MAX), *rack = msgtext_sanitize(n->rack, TEXT_MAX);

	msg_buf_printf(b, "%s %s%s%s%s%s\n", _("What:"), _(what_label(cfg, n)),
		val[0] ? " " : "", val, bound[0] ? " " : "", bound);
	local_time(when, sizeof(when), n->opened, fr);
	msg_buf_printf(b, "%s %s\n", _("Since:"), when);
	if (n->kind == NOTIF_RECOVERY && n->closed > 0) {
		local_time(when, sizeof(when), n->closed, fr);
		msg_buf_printf(b, "%s %s\n", _("Ended:"), when);
	}
	if (!isnan(n->worst) && !n->state) {
		msgtext_reading(when, sizeof(when), n->worst, n->unit ? n->unit : "", fr);
		msg_buf_printf(b, "%s %s\n", _("Worst value:"), when);
	}
	if (dev[0])
		msg_buf_printf(b, "%s %s\n", _("Device:"), dev);
	if (rack[0])
		msg_buf_printf(b, "%s %s\n", _("Rack:"), rack);
	body_sensor(b, cat, n);
	free(val);
	free(bound);
	free(dev);
	free(rack);
}

static void body_servers(struct msg_buf *b, const struct msgcat *cat, const struct notification *n)
{
	if (n->n_servers == 0)
		return;
	msg_buf_printf(b, "\n%s\n", _("Servers affected:"));
	for (size_t i = 0; i < n->n_servers; i++) {
		char *name = msgtext_sanitize(n->servers[i].name, TEXT_MAX);
		char *rack = msgtext_sanitize(n->servers[i].rack, TEXT_MAX);

		msg_buf_printf(b, "  - %s (%s)%s%s\n", name, role_label(cat, n->servers[i].role),
			rack[0] ? ", " : "", rack);
		if (n->servers[i].has_inlet) {
			char val[64];

			msgtext_reading(val, sizeof(val), n->servers[i].inlet_c, "°C", is_french(cat));
			msg_buf_printf(b, "    %s %s\n", _("Air inlet temperature measured by the server:"), val);
		}
		free(name);
		free(rack);
	}
}

static char *body_text(const struct config *cfg, const struct msgcat *cat,
	const struct notification *n)
{
	struct msg_buf b = { 0 };
	char *site = msgtext_sanitize(cfg->site.name, TEXT_MAX), *code = msgtext_sanitize(cfg->site.code, 32);
	char *incident = msgtext_sanitize(n->incident_id, 64);

	msg_buf_printf(&b, "%s (%s)\n\n%s\n\n", site, code, intro(cat, n));
	if (n->kind != NOTIF_TEST) {
		body_facts(&b, cfg, cat, n);
		msgctx_body(&b, cat, n);
		body_servers(&b, cat, n);
		if (n->kind != NOTIF_RECOVERY)
			msg_buf_printf(&b, "\n%s\n  %s\n", _("What to check first:"), advice(cat, n->criterion));
	}
	msgctx_footer(&b, cat, n);
	msg_buf_printf(&b, "\n%s %s (%s %u)\n", _("Incident:"), incident, _("message"), n->seq + 1);
	msg_buf_printf(&b, "\n-- \n%s\n", _("Sent automatically by envmond, the server room monitor. "
		"Do not reply to this message."));
	free(site);
	free(code);
	free(incident);
	return b.s;
}

char *message_format(const struct config *cfg, const struct msgcat *cat, const char *instance,
	const struct notification *n)
{
	struct msg_buf b = { 0 };
	char *body = body_text(cfg, cat, n);

	add_headers(&b, cfg, cat, instance, n);
	add(&b, "\r\n");
	message_qp(&b, body);
	if (b.len < 2 || strcmp(b.s + b.len - 2, "\r\n") != 0)
		add(&b, "\r\n");
	free(body);
	return b.s;
}
