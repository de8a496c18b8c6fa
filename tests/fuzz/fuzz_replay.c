/* fuzz_replay.c — libFuzzer harness for the daemon's journal replay (replay.c, through
 * alert_new): the bytes before the first NUL are the journal (journal.jsonl), those after
 * it, if any, the alert-state snapshot (alert-state.json), of a site whose conditions the
 * seeds name (racks baie-1 and baie-2, devices onduleur, clim, sonde-1, sonde-2).
 * Property: the daemon starts from any state files, using or skipping each record, and
 * setting an unreadable snapshot aside; never a crash, a leak, an abort inside json-c or
 * undefined behaviour. The notifications it offers again are read whole. */
#include <config.h>

#include <assert.h>
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "alert.h"
#include "cfgparse.h"
#include "clock.h"
#include "conf.h"
#include "journal.h"
#include "log.h"
#include "notify.h"
#include "xmem.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char conf_fmt[] =
	"site = { name = \"TJ de Fuzz\"; code = \"TJ-EXV\"; contacts = { arsit = [ \"a@example.org\" ]; }; };\n"
	"paths = { state_dir = \"%s/state\"; profiles_dir = \"%s/tests/sim/profiles\"; };\n"
	"storage = { step = 30; };\n"
	"devices = (\n"
	"  { name = \"onduleur\"; profile = \"sim-ups\"; interval = 30; sim = { scenario = \"%s\"; }; },\n"
	"  { name = \"clim\"; profile = \"sim-cooling\"; interval = 30; sim = { scenario = \"%s\"; }; },\n"
	"  { name = \"sonde-1\"; profile = \"sim-probe\"; interval = 30; sim = { scenario = \"%s\"; }; },\n"
	"  { name = \"sonde-2\"; profile = \"sim-probe\"; interval = 30; sim = { scenario = \"%s\"; }; }\n"
	");\n"
	"racks = (\n"
	"  { name = \"baie-1\"; probes = [ \"sonde-1\" ]; cooling = [ \"clim\" ];\n"
	"    servers = ( { name = \"numerisation\"; role = \"digitization\"; ups = [ \"onduleur\" ]; },\n"
	"                { name = \"comci\"; role = \"comci\"; ups = [ \"onduleur\" ]; } ); },\n"
	"  { name = \"baie-2\"; probes = [ \"sonde-2\" ];\n"
	"    servers = ( { name = \"visio\"; role = \"other\"; ups = [ \"onduleur\" ]; } ); }\n"
	");\n";

static char dir[64], state[96];
static struct config *cfg;

static void site_make(void)
{
	char *path, *scenario;
	struct cfgparse p;
	FILE *f;

	snprintf(dir, sizeof dir, "/tmp/envmon-fuzz-replay.XXXXXX");
	assert(mkdtemp(dir) != NULL);
	snprintf(state, sizeof state, "%s/state", dir);
	assert(mkdir(state, 0750) == 0);
	path = xasprintf("%s/envmond.conf", dir);
	scenario = xasprintf("%s/tests/sim/scenarios/common.scn", FUZZ_TOP_SRCDIR);
	f = fopen(path, "w");
	assert(f != NULL);
	fprintf(f, conf_fmt, dir, FUZZ_TOP_SRCDIR, scenario, scenario, scenario, scenario);
	assert(fclose(f) == 0);
	cfgparse_init(&p);
	cfg = conf_load(&p, path);
	cfgparse_print(&p, stderr);
	cfgparse_fini(&p);
	assert(cfg != NULL);
	free(scenario);
	free(path);
	/* Skipped records are logged, once each: not 10^6 times on the terminal, unless
	 * FUZZ_VERBOSE is set (to see what a seed reaches). */
	log_init("fuzz_replay", true, getenv("FUZZ_VERBOSE") ? LOG_DEBUG : LOG_EMERG);
	clock_virtual_start(1764000000.0);
}

/* What a run left (the journal, rotated files, snapshots set aside) goes. */
static void state_clear(void)
{
	DIR *d = opendir(state);
	struct dirent *e;

	assert(d != NULL);
	while ((e = readdir(d)))
		if (e->d_name[0] != '.') {
			char *p = xasprintf("%s/%s", state, e->d_name);

			unlink(p);
			free(p);
		}
	closedir(d);
}

static void write_file(const char *name, const uint8_t *data, size_t size)
{
	char *p = xasprintf("%s/%s", state, name);
	FILE *f = fopen(p, "wb");

	assert(f != NULL);
	if (size)
		assert(fwrite(data, 1, size, f) == size);
	assert(fclose(f) == 0);
	free(p);
}

static size_t touch(const char *s)
{
	return s ? strlen(s) : 0;
}

/* Accepts every notification offered again, after reading its strings. */
static int sink(void *arg, const struct notification *n)
{
	size_t *sum = arg;

	*sum += touch(n->incident_id) + n->seq + touch(n->device) + touch(n->rack) + touch(n->metric)
		+ touch(n->unit) + touch(n->state) + touch(n->bound_kind);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, 0, size);
	size_t journal_size = nul ? (size_t)(nul - data) : size, sum = 0;
	struct alert *a;

	if (!cfg)
		site_make();
	state_clear();
	write_file(JOURNAL_FILE, data, journal_size);
	if (nul)
		write_file(JOURNAL_SNAPSHOT_FILE, nul + 1, size - journal_size - 1);
	a = alert_new(cfg, sink, &sum);
	if (a) {
		struct json_object *inc = alert_incidents_json(a);

		sum += alert_condition_count(a);
		json_object_put(inc);
	}
	alert_free(a);
	return (int)(sum & 0);
}
