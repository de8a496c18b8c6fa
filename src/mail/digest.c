/* digest.c — the daily digest mail (see digest.h). */
#include <config.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "digest.h"
#include "envmon.h"
#include "message.h"
#include "msgctx.h"
#include "xmem.h"

#undef _
#define _(s) msgcat_get(cat, s)

double digest_next(const struct config *cfg, double now)
{
	time_t t = (time_t)now;
	struct tm tm;

	if (cfg->mail.digest_min < 0 || !localtime_r(&t, &tm))
		return NAN;
	tm.tm_hour = cfg->mail.digest_min / 60;
	tm.tm_min = cfg->mail.digest_min % 60;
	tm.tm_sec = 0;
	tm.tm_isdst = -1;
	t = mktime(&tm);
	if ((double)t <= now) {
		tm.tm_mday++;
		tm.tm_isdst = -1;
		t = mktime(&tm);
	}
	return (double)t;
}

bool digest_due(const struct config *cfg, double last, double now)
{
	double due = last < now ? digest_next(cfg, last) : NAN;

	return !isnan(due) && due <= now;
}

static void when(char *buf, size_t size, double t, const struct msgcat *cat)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!localtime_r(&tt, &tm))
		memset(&tm, 0, sizeof(tm));
	strftime(buf, size, cat ? "%d/%m/%Y %H:%M" : "%Y-%m-%d %H:%M", &tm);
}

static void item_line(struct msg_buf *b, const struct msgcat *cat, const struct digest_item *it)
{
	char *id = msgtext_sanitize(it->id, 64), *cause = msgtext_sanitize(it->cause ? it->cause : "", 200);
	char t1[32], t2[32];

	when(t1, sizeof(t1), it->opened, cat);
	msg_buf_printf(b, "  - %s  %s  %s %s  %s %s", id, severity_name(it->severity),
		_(criterion_label(it->criterion)), cause, _("since"), t1);
	if (it->closed > 0) {
		when(t2, sizeof(t2), it->closed, cat);
		msg_buf_printf(b, "  %s %s", _("ended"), t2);
	}
	msg_buf_add(b, "\n", 1);
	free(id);
	free(cause);
}

static char *body(const struct config *cfg, const struct msgcat *cat, const struct digest_item *open,
	size_t n_open, const struct digest_item *day, size_t n_day)
{
	struct msg_buf b = { 0 };
	char *site = msgtext_sanitize(cfg->site.name, 200);

	msg_buf_printf(&b, "%s (%s)\n\n%s %zu\n", site, cfg->site.code, _("Open incidents:"), n_open);
	for (size_t i = 0; i < n_open; i++)
		item_line(&b, cat, &open[i]);
	msg_buf_printf(&b, "\n%s %zu\n", _("Incidents over in the last 24 hours:"), n_day);
	for (size_t i = 0; i < n_day; i++)
		item_line(&b, cat, &day[i]);
	msg_buf_printf(&b, "\n-- \n%s\n", _("Daily digest sent by envmond instead of reminders "
		"(mail.digest). Do not reply to this message."));
	free(site);
	return b.s;
}

char *digest_format(const struct config *cfg, const struct msgcat *cat, const char *instance,
	double now, const struct digest_item *open, size_t n_open, const struct digest_item *day,
	size_t n_day)
{
	struct msg_buf b = { 0 };
	char day_id[32], *subject, *text, *id;
	struct notification n = { .kind = NOTIF_TEST, .incident_id = day_id, .time = now };
	time_t t = (time_t)now;
	struct tm tm;

	localtime_r(&t, &tm);
	strftime(day_id, sizeof(day_id), "digest-%Y%m%d", &tm);
	id = message_id(cfg->site.code, instance, day_id, 0);
	subject = xasprintf("[%s] %s — %zu %s", _("DIGEST"), cfg->site.code, n_open, _("open incident(s)"));
	msg_buf_printf(&b, "From: %s\r\n", cfg->mail.from ? cfg->mail.from : "envmond <envmond@localhost>");
	msg_buf_printf(&b, "To: ");
	for (size_t i = 0; i < cfg->site.contacts.n_arsit; i++)
		msg_buf_printf(&b, "%s%s", i ? ",\r\n " : "", cfg->site.contacts.arsit[i]);
	msg_buf_printf(&b, "\r\n");
	for (size_t i = 0; i < cfg->site.contacts.n_local; i++)
		msg_buf_printf(&b, "%s%s", i ? ",\r\n " : "Cc: ", cfg->site.contacts.local[i]);
	if (cfg->site.contacts.n_local)
		msg_buf_printf(&b, "\r\n");
	message_header_encoded(&b, "Subject", subject);
	message_date(&b, now);
	msg_buf_printf(&b, "Message-ID: %s\r\n", id);
	msgctx_headers(&b, cfg, &n);
	msg_buf_printf(&b, "Auto-Submitted: auto-generated\r\nX-Auto-Response-Suppress: All\r\n"
		"Precedence: bulk\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n"
		"Content-Transfer-Encoding: quoted-printable\r\n\r\n");
	text = body(cfg, cat, open, n_open, day, n_day);
	message_qp(&b, text);
	msg_buf_printf(&b, "\r\n");
	free(text);
	free(subject);
	free(id);
	return b.s;
}
