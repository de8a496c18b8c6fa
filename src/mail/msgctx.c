/* msgctx.c — the context parts of the alert mail (see msgctx.h). */
#include <config.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "envmon.h"
#include "metric.h"
#include "msgctx.h"
#include "xmem.h"

/* Translated through the mail catalogue in scope, as in message.c. */
#undef _
#define _(s) msgcat_get(cat, s)

#define NAME_MAX_LEN 200

/* A header value kept to [A-Za-z0-9._-] (anything else becomes '_'), at most 64. */
static void token(char *out, size_t size, const char *s)
{
	size_t k = 0;

	for (; s && *s && k + 1 < size && k < 64; s++) {
		char c = *s;
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			c == '.' || c == '_' || c == '-';

		out[k++] = ok ? c : '_';
	}
	out[k] = '\0';
}

void msgctx_headers(struct msg_buf *b, const struct config *cfg, const struct notification *n)
{
	char site[80], id[80];

	token(site, sizeof(site), cfg->site.code);
	token(id, sizeof(id), n->incident_id);
	if (site[0])
		msg_buf_printf(b, "X-Envmon-Site: %s\r\n", site);
	if (n->kind != NOTIF_TEST)
		msg_buf_printf(b, "X-Envmon-Severity: %s\r\n", severity_name(n->severity));
	if (id[0])
		msg_buf_printf(b, "X-Envmon-Incident: %s\r\n", id);
}

void msgctx_duration(char *buf, size_t size, double seconds)
{
	long s = seconds > 0 ? lround(seconds) : 0;

	if (s >= 3600)
		snprintf(buf, size, "%ld h %02ld min", s / 3600, (s % 3600) / 60);
	else if (s >= 60)
		snprintf(buf, size, "%ld min", s / 60);
	else
		snprintf(buf, size, "%ld s", s);
}

static bool french(const struct msgcat *cat)
{
	return cat != NULL;
}

/* "31,4 °C", "12 min" (seconds), "80 %". */
static void value_unit(char *buf, size_t size, const struct msgcat *cat, double v, const char *unit)
{
	if (unit && strcmp(unit, "s") == 0)
		msgctx_duration(buf, size, v);
	else
		msgtext_reading(buf, size, v, unit, french(cat));
}

static void body_trend(struct msg_buf *b, const struct msgcat *cat, const struct notification *n)
{
	char rate[64], limit[64], eta[64], what[160] = "";
	const char *unit = criterion_trend_unit(n->criterion);

	/* A notification built without context (zeroed) has no trend. */
	if (isnan(n->trend_rate) || n->trend_rate == 0.0)
		return;
	msgtext_number(rate, sizeof(rate), n->trend_rate * 300.0, 1, french(cat));
	if (n->trend_rate > 0)
		memmove(rate + 1, rate, strlen(rate) + 1), rate[0] = '+';
	/* Humidity and dew point say which way they go: dry air is a limit too. */
	if (n->criterion == CRIT_HUMIDITY || n->criterion == CRIT_DEW_POINT)
		snprintf(what, sizeof(what), " %s %s,", _(criterion_label(n->criterion)),
			n->trend_rate > 0 ? _("rising") : _("falling"));
	if (isnan(n->trend_eta_s) || n->trend_eta_s <= 0 || isnan(n->trend_limit)) {
		msg_buf_printf(b, "%s%s %s %s / 5 min\n", _("Trend:"), what, rate, unit);
		return;
	}
	value_unit(limit, sizeof(limit), cat, n->trend_limit, unit);
	msgctx_duration(eta, sizeof(eta), n->trend_eta_s);
	/* "Forecast: 32 °C (allowable limit) in ~14 min at the current rate (+1.2 °C / 5 min)";
	 * "Forecast: relative humidity falling, 8 % (allowable limit) in ~47 min ..." */
	msg_buf_printf(b, "%s%s %s (%s) %s ~%s %s (%s %s / 5 min)\n", _("Forecast:"), what, limit,
		n->trend_limit_kind && strcmp(n->trend_limit_kind, "allowable") == 0 ?
		_("allowable limit") : _("recommended limit"), _("in"), eta, _("at the current rate"), rate,
		unit);
}

static void body_budget(struct msg_buf *b, const struct msgcat *cat, const struct notification *n)
{
	char when[32];
	struct tm tm;
	time_t t;

	if (isnan(n->budget_at) || n->budget_at <= 0)
		return;
	t = (time_t)n->budget_at;
	if (!localtime_r(&t, &tm))
		return;
	strftime(when, sizeof(when), "%H:%M", &tm);
	msg_buf_printf(b, "%s %s\n", _("Shutdown budget reached, at the runtime left, at:"), when);
}

/* A state name in words: a canonical state's label ("online" -> "on mains power"), else
 * the name with spaces for '_', through the catalogue. */
static char *state_words(const struct msgcat *cat, const char *state)
{
	const char *label = metric_state_label(state);   /* canonical states, as message.c */
	char *s, *t;

	if (label)
		return xstrdup(_(label));
	s = msgtext_sanitize(state, 40);
	for (char *p = s; *p; p++)
		if (*p == '_')
			*p = ' ';
	t = xstrdup(_(s));
	free(s);
	return t;
}

static void neighbour_line(struct msg_buf *b, const struct msgcat *cat, const struct notif_reading *r)
{
	char *dev = msgtext_sanitize(r->device, NAME_MAX_LEN), val[96];
	const struct metric_def *m = metric_lookup(r->metric);
	const char *sep = french(cat) ? " : " : ": ", *label = m ? _(m->label) : r->metric;

	if (strcmp(r->metric, "contact") == 0 || r->silent) {
		msg_buf_printf(b, "  - %s%s%s\n", dev, sep, r->silent ? _("does not answer") : _("answers"));
	} else if (r->state || !isnan(r->value)) {
		char *st = r->state ? state_words(cat, r->state) : NULL, *sensor = msgtext_sensor(cat, r->instance,
			msgtext_is_phase(r->metric));

		if (!st)
			value_unit(val, sizeof(val), cat, r->value, r->unit);
		msg_buf_printf(b, "  - %s%s%s %s%s%s%s\n", dev, sep, label, st ? st : val,
			sensor[0] ? " (" : "", sensor, sensor[0] ? ")" : "");
		free(st);
		free(sensor);
	}
	free(dev);
}

void msgctx_body(struct msg_buf *b, const struct msgcat *cat, const struct notification *n)
{
	char d[64];

	if (n->kind == NOTIF_RECOVERY && n->closed > 0 && n->opened > 0) {
		msgctx_duration(d, sizeof(d), n->closed - n->opened);
		msg_buf_printf(b, "%s %s\n", _("Duration:"), d);
	}
	body_trend(b, cat, n);
	body_budget(b, cat, n);
	if (n->n_neighbours == 0)
		return;
	msg_buf_printf(b, "\n%s\n", _("Readings around it now:"));
	for (size_t i = 0; i < n->n_neighbours; i++)
		neighbour_line(b, cat, &n->neighbours[i]);
}

void msgctx_footer(struct msg_buf *b, const struct msgcat *cat, const struct notification *n)
{
	char *host = msgtext_sanitize(n->host ? n->host : "", 64);

	/* A device cause is silenced by its name; a rack's incident once every server it
	 * concerns is silenced (alert.c in_maintenance). */
	if ((n->kind == NOTIF_ALERT || n->kind == NOTIF_REMINDER) && (n->device || n->n_servers > 0)) {
		size_t k = n->device ? 1 : n->n_servers;

		msg_buf_printf(b, "\n%s\n", _("To stop the mails about it during an intervention:"));
		for (size_t i = 0; i < k && i < 8; i++) {
			char *t = msgtext_sanitize(n->device ? n->device : n->servers[i].name, NAME_MAX_LEN);

			msg_buf_printf(b, "  envmonctl silence %s 2h \"%s\"\n", t, _("reason"));
			free(t);
		}
	}
	if (host[0])
		msg_buf_printf(b, "\n%s %s\n", _("envmond runs on host:"), host);
	free(host);
}
