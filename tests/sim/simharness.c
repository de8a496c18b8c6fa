/* simharness.c — the virtual-time harness of the simulation tests. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "cfgparse.h"
#include "journal.h"
#include "message.h"
#include "sched.h"
#include "simharness.h"
#include "xmem.h"

static const char head_fmt[] =
	"site = { name = \"TJ de Simuville\"; code = \"TJ-SIM\"; contacts = { arsit = [ \"arsit@example.org\" ]; }; };\n"
	"paths = { state_dir = \"%s/state\"; profiles_dir = \"%s/tests/sim/profiles\"; };\n"
	"storage = { step = 30; };\n";

static const char conf_fmt[] =
	"devices = (\n"
	"  { name = \"ups\"; profile = \"sim-ups\"; interval = 30; sim = { scenario = \"%s/tests/sim/scenarios/%s\"; }; },\n"
	"  { name = \"clim\"; profile = \"sim-cooling\"; interval = 30; sim = { scenario = \"%s/tests/sim/scenarios/%s\"; }; },\n"
	"  { name = \"probe\"; profile = \"sim-probe\"; interval = 30; sim = { scenario = \"%s/tests/sim/scenarios/%s\"; }; }\n"
	");\n"
	"racks = (\n"
	"  { name = \"baie-A\"; probes = [ \"probe\" ]; cooling = [ \"clim\" ];\n"
	"    servers = ( { name = \"srv-numerisation\"; role = \"digitization\"; ups = [ \"ups\" ]; },\n"
	"                { name = \"srv-comci\"; role = \"comci\"; ups = [ \"ups\" ]; } ); },\n"
	"  { name = \"baie-B\"; cooling = [ \"clim\" ];\n"
	"    servers = ( { name = \"srv-autre\"; role = \"other\"; ups = [ \"ups\" ]; } ); }\n"
	");\n"
	"specs = {\n"
	"  default = { %s };\n"
	"  digitization = { ups_runtime = { warn_below = 1200; crit_below = 900; }; };\n"
	"  comci = { ups_runtime = { warn_below = 900; crit_below = 600; }; };\n"
	"};\n";

void sim_prepare(struct sim *s, const char *ups, const char *clim, const char *probe)
{
	sim_prepare_with(s, ups, clim, probe, "");
}

char *sim_journal_path(const struct sim *s)
{
	return xasprintf("%s/state/%s", s->dir, JOURNAL_FILE);
}

/* The scenarios written before the predictive warning (issue 18.1) count their
 * incidents without it: it is on by default, they turn it off. */
#define SIM_DEFAULT_SPEC "temp_forecast = { enabled = false; };"

void sim_prepare_with(struct sim *s, const char *ups, const char *clim, const char *probe, const char *extra)
{
	sim_prepare_spec(s, ups, clim, probe, SIM_DEFAULT_SPEC, extra);
}

void sim_prepare_spec(struct sim *s, const char *ups, const char *clim, const char *probe,
	const char *default_spec, const char *extra)
{
	char *path, *state;
	FILE *f;

	memset(s, 0, sizeof(*s));
	s->kill_crit = s->kill_kind = -1;
	snprintf(s->dir, sizeof(s->dir), "%s/envmon-sim-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(s->dir))
		abort();
	state = xasprintf("%s/state", s->dir);
	mkdir(state, 0750);
	path = xasprintf("%s/envmond.conf", s->dir);
	f = fopen(path, "w");
	fprintf(f, head_fmt, s->dir, TOP_SRCDIR);
	fprintf(f, conf_fmt, TOP_SRCDIR, ups, TOP_SRCDIR, clim, TOP_SRCDIR, probe, default_spec);
	fputs(extra, f);
	fclose(f);
	free(path);
	free(state);
}

void sim_write_conf(const struct sim *s, const char *body)
{
	char *path = xasprintf("%s/envmond.conf", s->dir);
	FILE *f = fopen(path, "w");
	const char *p = body, *at;

	fprintf(f, head_fmt, s->dir, TOP_SRCDIR);
	while ((at = strstr(p, "@SCN@"))) {
		fprintf(f, "%.*s%s/tests/sim/scenarios/", (int)(at - p), p, TOP_SRCDIR);
		p = at + 5;
	}
	fputs(p, f);
	fclose(f);
	free(path);
}

void sim_prepare_conf(struct sim *s, const char *body)
{
	sim_prepare(s, "common.scn", "common.scn", "common.scn");
	sim_write_conf(s, body);
}

/* ------------------------------------------------------------------ the sink */

static char *sink_path(const struct sim *s)
{
	return xasprintf("%s/sink.log", s->dir);
}

/* The sink's store survives a SIGKILL: one line per accepted notice, fsync'ed. */
static void store_notice(const struct sim *s, const struct sim_notice *n)
{
	char *path = sink_path(s);
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0640);

	dprintf(fd, "%s\t%u\t%d\t%d\t%d\t%.3f\t%.3f\t%s\t%s\t%.17g\t%.17g\t%.17g\t%.17g\t%.17g\t%.17g\n", n->id,
		n->seq, n->kind, n->severity, n->criterion, n->time, n->opened, n->cause, n->servers, n->value,
		n->worst, n->trend_rate, n->trend_limit, n->trend_eta_s, n->budget_at);
	fsync(fd);
	close(fd);
	free(path);
}

static void load_notices(struct sim *s)
{
	char *path = sink_path(s), line[1024];
	FILE *f = fopen(path, "r");

	free(path);
	while (f && fgets(line, sizeof(line), f)) {
		struct sim_notice n = { 0 };
		int kind, sev, crit;

		if (sscanf(line, "%63[^\t]\t%u\t%d\t%d\t%d\t%lf\t%lf\t%63[^\t]\t%255[^\t]\t%lf\t%lf\t%lf\t%lf\t%lf\t%lf",
			   n.id, &n.seq, &kind, &sev, &crit, &n.time, &n.opened, n.cause, n.servers, &n.value,
			   &n.worst, &n.trend_rate, &n.trend_limit, &n.trend_eta_s, &n.budget_at) != 15)
			continue;
		n.kind = (enum notif_kind)kind;
		n.severity = (enum severity)sev;
		n.criterion = (enum criterion)crit;
		s->notices = xrealloc(s->notices, (s->n_notices + 1) * sizeof(*s->notices));
		s->notices[s->n_notices++] = n;
	}
	if (f)
		fclose(f);
}

static void to_notice(const struct notification *n, struct sim_notice *out)
{
	memset(out, 0, sizeof(*out));
	snprintf(out->id, sizeof(out->id), "%s", n->incident_id);
	out->seq = n->seq;
	out->kind = n->kind;
	out->severity = n->severity;
	out->criterion = n->criterion;
	out->time = n->time - SIM_T0;
	out->opened = n->opened - SIM_T0;
	snprintf(out->cause, sizeof(out->cause), "%s", n->device ? n->device : n->rack ? n->rack : "-");
	for (size_t i = 0; i < n->n_servers; i++) {
		size_t len = strlen(out->servers);

		snprintf(out->servers + len, sizeof(out->servers) - len, "%s%s", len ? " " : "", n->servers[i].name);
	}
	if (!out->servers[0])
		snprintf(out->servers, sizeof(out->servers), "-");
	out->value = n->value;
	out->worst = n->worst;
	out->trend_rate = n->trend_rate;
	out->trend_limit = n->trend_limit;
	out->trend_eta_s = n->trend_eta_s;
	out->budget_at = isnan(n->budget_at) ? NAN : n->budget_at - SIM_T0;
}

/* The forecast or trend line of n's mail, formatted as the mail sink does (French),
 * the quoted-printable body decoded; "" if it has none. */
static void mail_trend_line(const struct sim *s, const struct notification *n, char *out, size_t size)
{
	char *msg = message_format(s->cfg, s->fr, "sim", n), *body = strstr(msg, "\r\n\r\n");
	char *plain = xcalloc(1, strlen(msg) + 1), *o = plain, *line, *end;

	for (const char *p = body ? body + 4 : ""; *p; p++) {
		unsigned v;

		if (p[0] == '=' && p[1] == '\r') {
			p += 2;
		} else if (p[0] == '=' && sscanf(p + 1, "%2X", &v) == 1) {
			*o++ = (char)v;
			p += 2;
		} else {
			*o++ = *p;
		}
	}
	out[0] = '\0';
	line = strstr(plain, "\nPrévision :");
	if (!line)
		line = strstr(plain, "\nTendance :");
	if (line) {
		end = strstr(++line, "\r\n");
		snprintf(out, size, "%.*s", end ? (int)(end - line) : (int)strlen(line), line);
	}
	free(plain);
	free(msg);
}

/* Dies as a power cut would, leaving the time for the restart in <dir>/killed_at. */
static void crash(const struct sim *s, double wall)
{
	char *path = xasprintf("%s/killed_at", s->dir);
	FILE *f = fopen(path, "w");

	fprintf(f, "%.3f\n", wall - SIM_T0);
	fclose(f);
	free(path);
	raise(SIGKILL);
}

static int recording_sink(void *arg, const struct notification *n)
{
	struct sim *s = arg;
	struct sim_notice rec;
	bool kill_here = (int)n->criterion == s->kill_crit && (int)n->kind == s->kill_kind;

	s->offers++;
	for (size_t i = 0; i < s->n_notices; i++)
		if (strcmp(s->notices[i].id, n->incident_id) == 0 && s->notices[i].seq == n->seq)
			return 0;      /* already have it: accepted, not stored twice */
	if (kill_here && !s->kill_after_store)
		crash(s, n->time);
	to_notice(n, &rec);
	mail_trend_line(s, n, rec.mail_trend, sizeof(rec.mail_trend));
	store_notice(s, &rec);
	s->notices = xrealloc(s->notices, (s->n_notices + 1) * sizeof(*s->notices));
	s->notices[s->n_notices++] = rec;
	if (kill_here)
		crash(s, n->time);
	return 0;
}

/* ------------------------------------------------------------------ running */

static void tap(void *arg, const struct poll_result *res, const struct derived *d)
{
	struct sim *s = arg;
	size_t i = (size_t)(res->dev - s->cfg->devices);

	if (i >= 8)
		return;
	s->polls[i] = xgrow(s->polls[i], &s->cap_polls[i], s->n_polls[i] + 1, sizeof(double));
	s->polls[i][s->n_polls[i]++] = res->time - SIM_T0;
}

void sim_start(struct sim *s, double at)
{
	char *path = xasprintf("%s/envmond.conf", s->dir);
	struct cfgparse p;

	cfgparse_init(&p);
	s->cfg = conf_load(&p, path);
	if (!s->cfg)
		cfgparse_print(&p, stderr);
	cfgparse_fini(&p);
	free(path);
	if (!s->cfg)
		abort();
	free(s->notices);
	s->notices = NULL;
	s->n_notices = 0;
	load_notices(s);
	clock_virtual_start(SIM_T0 + at);
	sched_init();
	if (!s->fr)
		s->fr = msgcat_load_file(TOP_BUILDDIR "/po/fr.gmo");
	if (!s->fr)
		s->fr = msgcat_load_file(TOP_SRCDIR "/po/fr.gmo");
	s->pipe = pipeline_new(s->cfg, recording_sink, s);
	pipeline_set_tap(s->pipe, tap, s);
	s->poller = poller_new(s->cfg, pipeline_result, s->pipe);
	if (!s->pipe || !s->poller)
		abort();
	poller_start(s->poller);
}

void sim_run(struct sim *s, double until)
{
	sched_run_until((int64_t)((until - (clock_wall() - SIM_T0)) * 1000) + clock_mono_ms());
}

void sim_stop(struct sim *s)
{
	poller_free(s->poller);
	pipeline_free(s->pipe);
	conf_free(s->cfg);
	s->poller = NULL;
	s->pipe = NULL;
	s->cfg = NULL;
	sched_fini();
	clock_virtual_stop();
}

void sim_cleanup(struct sim *s)
{
	char *cmd = xasprintf("rm -rf '%s'", s->dir);

	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", s->dir);
	free(cmd);
	free(s->notices);
	msgcat_free(s->fr);
	for (int i = 0; i < 8; i++)
		free(s->polls[i]);
}

/* ------------------------------------------------------------------ queries */

double sim_poll_at(const struct sim *s, const char *device, double t)
{
	const struct cfg_device *dev = NULL;
	struct config *cfg = s->cfg;
	size_t i;

	for (i = 0; cfg && i < cfg->n_devices; i++)
		if (strcmp(cfg->devices[i].name, device) == 0)
			dev = &cfg->devices[i];
	if (!dev)
		return -1;
	i = (size_t)(dev - cfg->devices);
	for (size_t k = 0; k < s->n_polls[i]; k++)
		if (s->polls[i][k] >= t - 1e-6)
			return s->polls[i][k];
	return -1;
}

size_t sim_count(const struct sim *s, enum criterion crit, int kind)
{
	size_t n = 0;

	for (size_t i = 0; i < s->n_notices; i++)
		if (s->notices[i].criterion == crit && (kind < 0 || (int)s->notices[i].kind == kind))
			n++;
	return n;
}

const struct sim_notice *sim_find(const struct sim *s, enum criterion crit, int kind, size_t nth)
{
	for (size_t i = 0; i < s->n_notices; i++)
		if (s->notices[i].criterion == crit && (kind < 0 || (int)s->notices[i].kind == kind) && nth-- == 0)
			return &s->notices[i];
	return NULL;
}

void sim_dump(const struct sim *s)
{
	static const char *const kinds[] = { "alert", "reminder", "recovery", "flapping", "test" };

	for (size_t i = 0; i < s->n_notices; i++) {
		const struct sim_notice *n = &s->notices[i];

		fprintf(stderr, "# %s #%u %-8s %-8s %-16s t=%.0f (%.2f h) cause=%s servers=[%s] value=%g worst=%g\n",
			n->id, n->seq, kinds[n->kind], severity_name(n->severity), criterion_name(n->criterion),
			n->time, n->time / 3600, n->cause, n->servers, n->value, n->worst);
	}
}
