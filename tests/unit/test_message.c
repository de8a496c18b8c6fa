/* test_message.c — the e-mail of a notification: French subject and body, RFC 2047,
 * quoted-printable, threading headers, recipients, and no header injection. */
#include <config.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "digest.h"
#include "message.h"
#include "mail_fixture.h"

#define INSTANCE "5f0c2a9e81d3b4a7"

static struct config cfg;
static struct msgcat *fr;

static int setup(void **state)
{
	setenv("TZ", "Europe/Paris", 1);
	fixture_config(&cfg);
	fr = fixture_french();
	return fr ? 0 : -1;              /* the catalogue is part of the build */
}

static int teardown(void **state)
{
	msgcat_free(fr);
	return 0;
}

static void test_subject_french(void **state)
{
	struct notification n = fixture_alert();
	char *s = message_subject(&cfg, fr, &n);

	assert_string_equal(s, "[CRITIQUE] TJ-EXV — température baie-A 31,4 °C (max 27 °C) — srv-comci");
	free(s);
}

static void test_subject_english(void **state)
{
	struct notification n = fixture_alert();
	char *s;

	n.n_servers = 2;
	s = message_subject(&cfg, NULL, &n);
	assert_string_equal(s, "[CRITICAL] TJ-EXV — temperature baie-A 31.4 °C (max 27 °C) — "
		"srv-comci, srv-numerisation");
	free(s);
}

static void test_subject_kinds(void **state)
{
	struct notification n = fixture_alert();
	char *s;

	n.kind = NOTIF_REMINDER;
	n.seq = 1;
	s = message_subject(&cfg, fr, &n);
	assert_true(strncmp(s, "[RAPPEL CRITIQUE] TJ-EXV", 24) == 0);
	free(s);
	n.kind = NOTIF_RECOVERY;
	n.value = 24.2;
	s = message_subject(&cfg, fr, &n);
	assert_string_equal(s, "[RÉTABLI] TJ-EXV — température baie-A 24,2 °C — srv-comci");
	free(s);
	n = fixture_alert();
	n.criterion = CRIT_UPS_SOURCE;
	n.rack = NULL;
	n.device = "ups-general";
	n.state = "on_battery";
	n.value = NAN;
	s = message_subject(&cfg, fr, &n);
	assert_string_equal(s, "[CRITIQUE] TJ-EXV — source d'alimentation de l'onduleur ups-general "
		"sur batterie — srv-comci");
	free(s);
}

static void test_numbers(void **state)
{
	char buf[32];

	msgtext_number(buf, sizeof(buf), 31.4, 1, true);
	assert_string_equal(buf, "31,4");
	msgtext_number(buf, sizeof(buf), 27.0, 1, true);
	assert_string_equal(buf, "27");
	msgtext_number(buf, sizeof(buf), -9.5, 1, false);
	assert_string_equal(buf, "-9.5");
}

/* Every line of s ends with CRLF and is at most max characters. */
static void assert_lines(const char *s, size_t max)
{
	while (*s) {
		const char *end = strstr(s, "\r\n");
		assert_non_null(end);
		assert_true((size_t)(end - s) <= max);
		for (const char *p = s; p < end; p++)
			assert_true(*p != '\r' && *p != '\n');
		s = end + 2;
	}
}

static void test_rfc2047(void **state)
{
	struct msg_buf b = { 0 };
	const char *p;
	int words = 0;

	message_header_encoded(&b, "Subject", "[CRITIQUE] TJ-EXV — température baie-A 31,4 °C "
		"(max 27 °C) — srv-comci, srv-numérisation, srv-état-civil");
	assert_lines(b.s, 78);
	for (p = b.s; (p = strstr(p, "=?UTF-8?B?")); p++) {
		const char *end = strstr(p, "?=");
		assert_non_null(end);
		assert_true(end + 2 - p <= 75);
		words++;
	}
	assert_true(words >= 3);
	assert_true(strncmp(b.s, "Subject: =?UTF-8?B?", 19) == 0);
	free(b.s);
	b = (struct msg_buf){ 0 };
	message_header_encoded(&b, "Subject", "plain ascii");
	assert_string_equal(b.s, "Subject: plain ascii\r\n");
	free(b.s);
}

static void test_sanitize(void **state)
{
	char *s = msgtext_sanitize("clim\r\nBcc: evil@example.com\x01\xff", 100);

	assert_string_equal(s, "clim  Bcc: evil@example.com ?");
	free(s);
	s = msgtext_sanitize("température", 4);   /* never cuts a character */
	assert_string_equal(s, "temp");
	free(s);
}

static void test_sensor_names(void **state)
{
	static const struct { const char *instance; bool phase; const char *want; } cases[] = {
		{ "3 Sortie baie A", false, "sonde 3 « Sortie baie A »" },
		{ "2", true, "phase 2" },
		{ "1.1.3", true, "phase 3" },      /* PowerNet: table 1, phase 3 */
		{ "1.3", true, "phase 3" },
		{ "2.3", true, "phase 2.3" },      /* a second table: said whole */
		{ "1.1.3", false, "sonde 1.1.3" }, /* a sensor's index is never shortened */
		{ "", true, "" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *s = msgtext_sensor(fr, cases[i].instance, cases[i].phase);

		assert_string_equal(s, cases[i].want);
		free(s);
	}
}

static void test_no_injection(void **state)
{
	struct notification n = fixture_alert();
	struct notif_server evil[] = { { "srv\r\nBcc: evil@example.com", ROLE_OTHER, "r\nX: y" } };
	char *msg;

	n.rack = "baie-A\r\nBcc: evil@example.com";
	n.device = "sonde\nX-Injected: 1";
	n.state = "alarm\r\n\r\nbody";
	n.servers = evil;
	msg = message_format(&cfg, fr, INSTANCE, &n);
	assert_null(strstr(msg, "\nBcc:"));
	assert_null(strstr(msg, "\nX-Injected"));
	assert_null(strstr(msg, "\nX: y"));
	assert_lines(msg, 998);
	free(msg);
}

static void test_headers(void **state)
{
	struct notification n = fixture_alert();
	char *msg, *id;

	id = message_id("TJ-EXV", NULL, "TJ-EXV-20261123-1", 0);
	assert_string_equal(id, "<TJ-EXV-20261123-1.0@envmond.tj-exv.invalid>");
	free(id);
	msg = message_format(&cfg, fr, INSTANCE, &n);
	assert_non_null(strstr(msg, "\r\nMessage-ID: <TJ-EXV-20261123-1.0." INSTANCE
		"@envmond.tj-exv.invalid>\r\n"));
	assert_non_null(strstr(msg, "\r\nAuto-Submitted: auto-generated\r\n"));
	assert_non_null(strstr(msg, "\r\nContent-Type: text/plain; charset=UTF-8\r\n"));
	assert_non_null(strstr(msg, "\r\nDate: Mon, 23 Nov 2026 "));
	assert_null(strstr(msg, "In-Reply-To"));
	assert_non_null(strstr(msg, "To: arsit@example.org,\r\n arsit2@example.org\r\n"));
	assert_non_null(strstr(msg, "Cc: tip@example.org\r\n"));       /* critical */
	free(msg);
	n.kind = NOTIF_RECOVERY;
	n.seq = 2;
	msg = message_format(&cfg, fr, INSTANCE, &n);
	assert_non_null(strstr(msg, "\r\nMessage-ID: <TJ-EXV-20261123-1.2." INSTANCE
		"@envmond.tj-exv.invalid>\r\n"));
	assert_non_null(strstr(msg, "\r\nIn-Reply-To: <TJ-EXV-20261123-1.0." INSTANCE
		"@envmond.tj-exv.invalid>\r\n"));
	assert_non_null(strstr(msg, "\r\nReferences: <TJ-EXV-20261123-1.0." INSTANCE
		"@envmond.tj-exv.invalid>\r\n"));
	free(msg);
}

/* The same incident id and seq from another installation (or after the state directory
 * was lost and the incident counter restarted) never gives the same Message-ID. */
static void test_message_id_instance(void **state)
{
	char *a = message_id("TJ-EXV", "5f0c2a9e81d3b4a7", "TJ-EXV-20261123-1", 0);
	char *b = message_id("TJ-EXV", "0123456789abcdef", "TJ-EXV-20261123-1", 0);
	char *c = message_id("TJ-EXV", "5f0c2a9e81d3b4a7", "TJ-EXV-20261123-1", 0);
	char *d = message_id("TJ-EXV", "5f0c>\r\nX: y", "TJ-EXV-20261123-1", 0);

	assert_string_equal(a, "<TJ-EXV-20261123-1.0.5f0c2a9e81d3b4a7@envmond.tj-exv.invalid>");
	assert_string_not_equal(a, b);
	assert_string_equal(a, c);                    /* stable: reminders thread */
	assert_string_equal(d, "<TJ-EXV-20261123-1.0.5f0c___X__y@envmond.tj-exv.invalid>");
	free(a);
	free(b);
	free(c);
	free(d);
}

static void test_local_recipients(void **state)
{
	struct notification n = fixture_alert();
	char *msg;

	n.severity = SEV_WARNING;                      /* local list: critical only */
	assert_false(message_to_local(&cfg, &n));
	msg = message_format(&cfg, fr, INSTANCE, &n);
	assert_null(strstr(msg, "Cc:"));
	free(msg);
	cfg.site.contacts.local_min_severity = SEV_WARNING;
	assert_true(message_to_local(&cfg, &n));
	cfg.site.contacts.local_min_severity = SEV_CRITICAL;
}

/* The body of msg decoded back from quoted-printable (malloc'd). */
static char *plain_body(const char *msg)
{
	const char *body = strstr(msg, "\r\n\r\n") + 4;
	char *plain = calloc(1, strlen(body) + 1), *o = plain;

	assert_lines(body, 76);
	for (const char *p = body; *p; p++) {
		if (p[0] == '=' && p[1] == '\r') {
			p += 2;
		} else if (p[0] == '=') {
			unsigned v;
			sscanf(p + 1, "%2X", &v);
			*o++ = (char)v;
			p += 2;
		} else {
			*o++ = *p;
		}
	}
	return plain;
}

/* A visioconference server: the role's own list first in To:, the ARSIT after; without
 * a list, the local technician first, and not again in Cc:. */
static void test_role_recipients(void **state)
{
	static char *visio[] = { "visio@example.org" };
	static const struct notif_server srv[] = { { "visio-salle-1", ROLE_VISIOCONFERENCE, "baie-A" } };
	struct notification n = fixture_alert();
	char *msg, *plain;

	n.servers = srv;
	msg = message_format(&cfg, fr, INSTANCE, &n);
	assert_non_null(strstr(msg, "\r\nTo: tip@example.org,\r\n arsit@example.org,\r\n arsit2@example.org\r\n"));
	assert_null(strstr(msg, "Cc:"));
	plain = plain_body(msg);
	assert_non_null(strstr(plain, "visio-salle-1 (visioconférence)"));
	free(plain);
	free(msg);
	cfg.site.contacts.role[ROLE_VISIOCONFERENCE] = visio;
	cfg.site.contacts.n_role[ROLE_VISIOCONFERENCE] = 1;
	msg = message_format(&cfg, fr, INSTANCE, &n);
	assert_non_null(strstr(msg, "\r\nTo: visio@example.org,\r\n arsit@example.org,"));
	assert_non_null(strstr(msg, "\r\nCc: tip@example.org\r\n"));
	free(msg);
	cfg.site.contacts.n_role[ROLE_VISIOCONFERENCE] = 0;
	cfg.site.contacts.role[ROLE_VISIOCONFERENCE] = NULL;
}

/* The context (issue 18.3): X-Envmon-* headers kept to a token, the forecast line in
 * French, the neighbours' readings, the silence hint and the host; the recovery gives
 * the duration. */
static void test_context(void **state)
{
	static const struct notif_reading nb[] = {
		{ "sonde-baie-b", "temperature", 24.1, "°C", NULL, false },
		{ "clim-1", "cooling_state", NAN, "", "stopped", false },
		{ "sonde\r\nBcc: x@example.com", "humidity", NAN, "%", NULL, true },
		/* A table metric's aggregate names its sensor, device text included. */
		{ "pdu-1", "temperature", 23.4, "°C", NULL, false, "3 Entrée baie A\r\nBcc: y@example.com" },
		{ "ups-1", "ups_source", NAN, "", "online", false, "1" },
	};
	struct notification n = fixture_alert();
	char *msg, *plain;

	n.incident_id = "TJ-EXV-20261123-1\r\nBcc: evil@example.com";
	n.trend_rate = 1.2 / 300.0;
	n.trend_limit = 32.0;
	n.trend_limit_kind = "allowable";
	n.trend_eta_s = 14 * 60 + 10;
	n.neighbours = nb;
	n.n_neighbours = 5;
	n.host = "srv-envmon";
	n.budget_at = 1795450000 + 3600;        /* 18:06 in Paris */
	msg = message_format(&cfg, fr, INSTANCE, &n);
	assert_non_null(strstr(msg, "\r\nX-Envmon-Site: TJ-EXV\r\n"));
	assert_non_null(strstr(msg, "\r\nX-Envmon-Severity: critical\r\n"));
	assert_non_null(strstr(msg, "\r\nX-Envmon-Incident: TJ-EXV-20261123-1__Bcc__evil_example.com\r\n"));
	assert_null(strstr(msg, "\r\nBcc:"));
	plain = plain_body(msg);
	assert_non_null(strstr(plain, "Prévision : 32 °C (limite admissible) dans ~14 min au rythme actuel (+1,2 °C / 5 min)\r\n"));
	assert_non_null(strstr(plain, "  - sonde-baie-b : température 24,1 °C\r\n"));
	assert_non_null(strstr(plain, "  - clim-1 : état de la climatisation arrêtée\r\n"));
	assert_non_null(strstr(plain, "  - sonde  Bcc: x@example.com : ne répond pas\r\n"));
	assert_non_null(strstr(plain, "  - pdu-1 : température 23,4 °C (sonde 3 « Entrée baie A  Bcc: y@example.com »)\r\n"));
	assert_non_null(strstr(plain, "  - ups-1 : source de l'onduleur sur secteur (sonde 1)\r\n"));
	assert_null(strstr(plain, "\r\nBcc:"));
	assert_non_null(strstr(plain, "envmonctl silence sonde-baie-a 2h \"motif\""));
	assert_non_null(strstr(plain, "srv-envmon"));
	assert_non_null(strstr(plain, "Budget d'arrêt atteint, à l'autonomie restante, à : 18:06\r\n"));
	assert_null(strstr(plain, "Durée"));
	free(plain);
	free(msg);
	n.kind = NOTIF_RECOVERY;
	n.seq = 1;
	n.closed = n.opened + 3600 + 12 * 60;
	n.trend_rate = NAN;
	msg = message_format(&cfg, fr, INSTANCE, &n);
	plain = plain_body(msg);
	assert_non_null(strstr(plain, "Durée : 1 h 12 min\r\n"));
	assert_null(strstr(plain, "envmonctl silence"));
	assert_null(strstr(plain, "Prévision"));
	free(plain);
	free(msg);
	/* A rack's incident: silenced once every server it concerns is. */
	n = fixture_alert();
	n.device = NULL;
	n.n_servers = 2;
	msg = message_format(&cfg, fr, INSTANCE, &n);
	plain = plain_body(msg);
	assert_non_null(strstr(plain, "  envmonctl silence srv-comci 2h \"motif\"\r\n"
		"  envmonctl silence srv-numerisation 2h \"motif\"\r\n"));
	free(plain);
	free(msg);
}

/* n's mail in cat has the body line line (and, unless NULL, not the text absent). */
static void expect_body_line(const struct notification *n, const struct msgcat *c, const char *line,
	const char *absent)
{
	char *msg = message_format(&cfg, c, INSTANCE, n), *plain = plain_body(msg);

	if (!strstr(plain, line))
		fail_msg("no line \"%s\" in:\n%s", line, plain);
	if (absent)
		assert_null(strstr(plain, absent));
	free(plain);
	free(msg);
}

/* Humidity and dew point trends (issue 18.1) say which way they go, in their unit:
 * falling towards the minimum (dry air), rising towards the maximum; without a limit
 * ahead, only the trend. English too. */
static void test_humidity_forecast(void **state)
{
	struct notification n = fixture_alert();

	n.criterion = CRIT_HUMIDITY;
	n.metric = "humidity";
	n.unit = "%";
	n.value = 22.0;
	n.bound = 25.0;
	n.bound_kind = "min";
	n.trend_rate = -1.5 / 300.0;
	n.trend_limit = 8.0;
	n.trend_limit_kind = "allowable";
	n.trend_eta_s = 47 * 60 + 5;
	expect_body_line(&n, fr, "Prévision : humidité relative en baisse, 8 % (limite admissible) "
		"dans ~47 min au rythme actuel (-1,5 % / 5 min)\r\n", NULL);
	expect_body_line(&n, NULL, "Forecast: relative humidity falling, 8 % (allowable limit) "
		"in ~47 min at the current rate (-1.5 % / 5 min)\r\n", NULL);
	n.trend_eta_s = NAN;
	n.trend_limit = NAN;
	n.trend_rate = 2.1 / 300.0;
	expect_body_line(&n, fr, "Tendance : humidité relative en hausse, +2,1 % / 5 min\r\n", "Prévision");
	n.criterion = CRIT_DEW_POINT;
	n.metric = "dew_point";
	n.unit = "°C";
	n.trend_rate = 0.6 / 300.0;
	n.trend_limit = 17.0;
	n.trend_eta_s = 9 * 60 + 30;
	expect_body_line(&n, fr, "Prévision : point de rosée en hausse, 17 °C (limite admissible) "
		"dans ~9 min au rythme actuel (+0,6 °C / 5 min)\r\n", NULL);
}

/* The daily digest (mail.digest): the next time, and a French mail that lists the open
 * incidents and those of the last day, threaded by nothing, with the site header. */
static void test_digest(void **state)
{
	static const struct digest_item open[] = {
		{ "TJ-EXV-20261123-1", SEV_CRITICAL, CRIT_TEMPERATURE, "baie-A", 1795450000, 0 },
		{ "TJ-EXV-20261123-2", SEV_WARNING, CRIT_UPS_SOURCE, "ups\r\nBcc: x@example.com", 1795450300, 0 },
	};
	static const struct digest_item day[] = {
		{ "TJ-EXV-20261122-4", SEV_WARNING, CRIT_HUMIDITY, "baie-A", 1795400000, 1795410000 },
	};
	double now = 1795450000 + 3600;                 /* 23/11/2026 18:06 in Paris */
	char *msg, *plain;

	cfg.mail.digest_min = 8 * 60;
	/* 08:00 the next morning, then the one after it at 08:00 itself. */
	{
		double next = digest_next(&cfg, now);
		time_t t = (time_t)next;
		struct tm tm;

		localtime_r(&t, &tm);
		assert_int_equal(tm.tm_hour, 8);
		assert_int_equal(tm.tm_min, 0);
		assert_int_equal(tm.tm_mday, 24);
		assert_true(digest_next(&cfg, next) - next > 86000);
		/* A timer late by 0.5 s at each tick, or early, 08:00 a quarter second after a tick:
		 * due exactly once ("the last 60 s" missed it when ticks were 60.5 s apart). */
		for (double step = 59.5; step <= 60.5; step += 1.0) {
			int due = 0;

			for (double at = next - 5 * step - 0.25; at < next + 300; at += step)
				due += digest_due(&cfg, at, at + step);
			assert_int_equal(due, 1);
		}
		assert_false(digest_due(&cfg, next + 1, next - 1));   /* the clock stepped back */
		assert_true(digest_due(&cfg, next - 0.001, next));
		assert_false(digest_due(&cfg, next, next + 59));
	}
	msg = digest_format(&cfg, fr, INSTANCE, now, open, 2, day, 1);
	assert_non_null(strstr(msg, "\r\nX-Envmon-Site: TJ-EXV\r\n"));
	assert_null(strstr(msg, "X-Envmon-Severity"));
	assert_null(strstr(msg, "\r\nBcc:"));
	assert_non_null(strstr(msg, "\r\nTo: arsit@example.org,\r\n arsit2@example.org\r\nCc: tip@example.org\r\n"));
	plain = plain_body(msg);
	assert_non_null(strstr(plain, "Incidents en cours : 2\r\n"));
	assert_non_null(strstr(plain, "  - TJ-EXV-20261123-1  critical  température baie-A  depuis le 23/11/2026 17:06\r\n"));
	assert_non_null(strstr(plain, "  - TJ-EXV-20261123-2  warning"));
	assert_non_null(strstr(plain, "Incidents terminés dans les dernières 24 heures : 1\r\n"));
	assert_non_null(strstr(plain, "TJ-EXV-20261122-4"));
	free(plain);
	free(msg);
	cfg.mail.digest_min = -1;
}

/* The body holds the facts in French. */
static void test_body(void **state)
{
	struct notification n = fixture_alert();
	char *msg = message_format(&cfg, fr, INSTANCE, &n), *plain = plain_body(msg);

	assert_non_null(strstr(plain, "Les conditions d'hébergement des serveurs ci-dessous dépassent "
		"les seuils fixés."));
	assert_non_null(strstr(plain, "Constat : température 31,4 °C (max 27 °C)"));
	assert_non_null(strstr(plain, "Depuis le : 23/11/2026 "));
	assert_non_null(strstr(plain, "Valeur la plus défavorable : 31,9 °C"));
	assert_non_null(strstr(plain, "Équipement : sonde-baie-a"));
	assert_non_null(strstr(plain, "  - srv-comci (COMCI), baie-A"));
	assert_non_null(strstr(plain, "À vérifier en premier :\r\n  Vérifier que la climatisation fonctionne"));
	assert_non_null(strstr(plain, "Incident : TJ-EXV-20261123-1 (message 1)"));
	assert_non_null(strstr(plain, "la surveillance de la salle serveurs."));
	free(plain);
	free(msg);
}

static void test_body_recovery(void **state)
{
	struct notification n = fixture_alert();
	char *msg, *plain;

	n.kind = NOTIF_RECOVERY;
	n.seq = 2;
	n.value = 24.2;
	n.closed = 1795460000;
	msg = message_format(&cfg, fr, INSTANCE, &n);
	plain = plain_body(msg);
	assert_non_null(strstr(plain, "L'incident est terminé : les conditions sont revenues dans "
		"les seuils fixés."));
	assert_non_null(strstr(plain, "\r\nFin : 23/11/2026 "));
	assert_null(strstr(plain, "Fin le"));
	free(plain);
	free(msg);
}

static void test_catalogue(void **state)
{
	assert_string_equal(msgcat_get(fr, "temperature"), "température");
	assert_string_equal(msgcat_get(fr, "no such message"), "no such message");
	assert_string_equal(msgcat_get(NULL, "temperature"), "temperature");
	assert_null(msgcat_load_file(TOP_SRCDIR "/po/fr.po"));          /* not a .mo */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_subject_french),
		cmocka_unit_test(test_subject_english),
		cmocka_unit_test(test_subject_kinds),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_rfc2047),
		cmocka_unit_test(test_sanitize),
		cmocka_unit_test(test_sensor_names),
		cmocka_unit_test(test_no_injection),
		cmocka_unit_test(test_headers),
		cmocka_unit_test(test_message_id_instance),
		cmocka_unit_test(test_local_recipients),
		cmocka_unit_test(test_role_recipients),
		cmocka_unit_test(test_context),
		cmocka_unit_test(test_humidity_forecast),
		cmocka_unit_test(test_digest),
		cmocka_unit_test(test_body),
		cmocka_unit_test(test_body_recovery),
		cmocka_unit_test(test_catalogue),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
