/* clock.c — real and virtual clocks. The virtual clock keeps the relation between
 * the monotonic and wall clocks fixed, as if the wall clock never stepped. */
#include <config.h>

#include <assert.h>
#include <stdio.h>
#include <time.h>

#include "clock.h"

static struct {
	bool on;
	int64_t mono_ms;
	double wall_start;
} virt;

int64_t clock_mono_us(void)
{
	struct timespec ts;

	if (virt.on)
		return virt.mono_ms * 1000;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t clock_cpu_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t clock_mono_ms(void)
{
	return clock_mono_us() / 1000;
}

double clock_wall(void)
{
	struct timespec ts;

	if (virt.on)
		return virt.wall_start + (double)virt.mono_ms / 1000.0;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void clock_virtual_start(double wall_start)
{
	virt.on = true;
	virt.mono_ms = 0;
	virt.wall_start = wall_start;
}

void clock_virtual_stop(void)
{
	virt.on = false;
}

bool clock_is_virtual(void)
{
	return virt.on;
}

void clock_virtual_advance_ms(int64_t delta_ms)
{
	assert(virt.on && delta_ms >= 0);
	virt.mono_ms += delta_ms;
}

const char *clock_local_str(double t, char *buf, size_t len)
{
	time_t secs = (time_t)t;
	struct tm tm;

	if (!localtime_r(&secs, &tm) || !strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm))
		snprintf(buf, len, "%lld", (long long)secs);
	return buf;
}
