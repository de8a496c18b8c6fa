/* mailout.c — the report's mail (see mailout.h). Formatting only; main queues it. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "envmon.h"
#include "fmt.h"
#include "graph.h"
#include "mailout.h"
#include "message.h"
#include "spool.h"
#include "xmem.h"

#define BOUNDARY "=_envmon-report_"

void mailout_name(char *buf, size_t size, const struct audit *a)
{
	char d1[16], d2[16], id[96];

	snprintf(id, sizeof(id), "report-%s-%s-%s", a->cfg->site.code,
		fmt_date_iso(d1, sizeof(d1), a->from), fmt_date_iso(d2, sizeof(d2), a->to));
	spool_name(buf, size, id, 1);
}

static void address_list(struct msg_buf *b, const char *name, char *const *addrs, size_t n)
{
	if (n == 0)
		return;
	msg_buf_printf(b, "%s: ", name);
	for (size_t i = 0; i < n; i++) {
		char *clean = msgtext_sanitize(addrs[i], 254);

		msg_buf_printf(b, "%s%s", i ? ",\r\n " : "", clean);
		free(clean);
	}
	msg_buf_add(b, "\r\n", 2);
}

/* RFC 5322 date, English names whatever the locale. */
static void date_header(struct msg_buf *b, time_t t)
{
	static const char *const days[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul",
		"Aug", "Sep", "Oct", "Nov", "Dec" };
	struct tm tm;
	long off;

	localtime_r(&t, &tm);
	off = tm.tm_gmtoff / 60;
	msg_buf_printf(b, "Date: %s, %02d %s %04d %02d:%02d:%02d %c%02ld%02ld\r\n",
		days[tm.tm_wday], tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour,
		tm.tm_min, tm.tm_sec, off < 0 ? '-' : '+', labs(off) / 60, labs(off) % 60);
}

static void headers(struct msg_buf *b, const struct audit *a, const char *instance, time_t now)
{
	const struct config *cfg = a->cfg;
	char d1[32], d2[32], name[128];
	char *subject, *mid, *from = msgtext_sanitize(cfg->mail.from ? cfg->mail.from : "", 254);

	fmt_period(d1, d2, sizeof(d1), a->from, a->to);
	subject = xasprintf(_("[REPORT] %s — analysis of the hosting conditions from %s to %s"),
		cfg->site.code, d1, d2);
	mailout_name(name, sizeof(name), a);
	mid = message_id(cfg->site.code, instance, name, 1);
	msg_buf_printf(b, "From: %s\r\n", from);
	address_list(b, "To", cfg->site.contacts.arsit, cfg->site.contacts.n_arsit);
	address_list(b, "Cc", cfg->site.contacts.local, cfg->site.contacts.n_local);
	message_header_encoded(b, "Subject", subject);
	date_header(b, now);
	msg_buf_printf(b, "Message-ID: %s\r\nMIME-Version: 1.0\r\nAuto-Submitted: auto-generated\r\n"
		"Content-Type: multipart/mixed; boundary=\"" BOUNDARY "\"\r\n\r\n", mid);
	free(from);
	free(subject);
	free(mid);
}

static void text_part(struct msg_buf *b, const struct audit *a, size_t n_parts)
{
	char d1[32], d2[32];
	char *text;

	fmt_period(d1, d2, sizeof(d1), a->from, a->to);
	text = xasprintf(_("Hello,\n\nAttached is the analysis of the hosting conditions of the "
		"servers of %s from %s to %s, written by envmond (%zu files: the report, to read "
		"and print, and its figures for a spreadsheet).\n\nThis message was sent "
		"automatically; the report is kept on the site's server.\n"), a->cfg->site.name,
		d1, d2, n_parts);
	msg_buf_printf(b, "--" BOUNDARY "\r\nContent-Type: text/plain; charset=utf-8\r\n"
		"Content-Transfer-Encoding: quoted-printable\r\n\r\n");
	message_qp(b, text);
	msg_buf_add(b, "\r\n", 2);
	free(text);
}

/* A part in base64, 76 characters a line (RFC 2045 §6.8). */
static void attachment(struct msg_buf *b, const struct mailout_part *p)
{
	char *b64 = graph_base64((const unsigned char *)p->data, p->size);
	size_t len = strlen(b64);

	msg_buf_printf(b, "--" BOUNDARY "\r\nContent-Type: %s\r\nContent-Transfer-Encoding: base64\r\n"
		"Content-Disposition: attachment; filename=\"%s\"\r\n\r\n", p->content_type, p->filename);
	for (size_t i = 0; i < len; i += 76) {
		msg_buf_add(b, b64 + i, len - i < 76 ? len - i : 76);
		msg_buf_add(b, "\r\n", 2);
	}
	free(b64);
}

char *mailout_build(const struct audit *a, const char *instance, time_t now,
	const struct mailout_part *parts, size_t n_parts)
{
	struct msg_buf b = { 0 };

	headers(&b, a, instance, now);
	text_part(&b, a, n_parts);
	for (size_t i = 0; i < n_parts; i++)
		attachment(&b, &parts[i]);
	msg_buf_printf(&b, "--" BOUNDARY "--\r\n");
	return b.s;
}
