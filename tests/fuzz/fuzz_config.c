/* fuzz_config.c — libFuzzer harness for the configuration and profile parsers: the
 * bytes are written to a file, read as envmond.conf (with its profiles) and as a profile.
 * Property: any file gives a configuration or a list of "file:line: message" errors, never
 * a crash, a leak or undefined behaviour. */
#include <config.h>

#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cfgparse.h"
#include "conf.h"
#include "profile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The input is written as envmond.conf in a directory of its own whose "profiles" is
 * the shipped profiles directory, so that a configuration naming them (the seeds do)
 * reaches the device, rack and spec parsers. */
static char path[80];

static void make_dir(void)
{
	char dir[64] = "/tmp/envmon-fuzz-conf.XXXXXX";
	char link[96];

	assert(mkdtemp(dir) != NULL);
	snprintf(link, sizeof link, "%s/profiles", dir);
	assert(symlink(FUZZ_PROFILES_DIR, link) == 0);
	snprintf(path, sizeof path, "%s/envmond.conf", dir);
}

static void write_input(const uint8_t *data, size_t size)
{
	FILE *f;

	if (!path[0])
		make_dir();
	f = fopen(path, "wb");
	assert(f != NULL);
	if (size)
		assert(fwrite(data, 1, size, f) == size);
	assert(fclose(f) == 0);
}

static void parse_as_config(void)
{
	struct cfgparse p;
	struct config *cfg;

	cfgparse_init(&p);
	cfg = conf_load(&p, path);
	assert((cfg != NULL) == (p.n_errors == 0));
	if (cfg)
		conf_free(cfg);
	cfgparse_fini(&p);
}

static void parse_as_profile(void)
{
	struct cfgparse p;
	struct profile *prof;

	cfgparse_init(&p);
	prof = profile_load(&p, path);
	if (prof)
		profile_free(prof);
	cfgparse_fini(&p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	write_input(data, size);
	parse_as_config();
	parse_as_profile();
	return 0;
}
