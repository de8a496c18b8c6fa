/* noise_fixture.h — a reproducible Gaussian noise for the trend tests (test_forecast,
 * test_derive): xorshift64 + Box-Muller, the same draws on every run. */
#ifndef NOISE_FIXTURE_H
#define NOISE_FIXTURE_H

#include <math.h>
#include <stdint.h>

static uint64_t noise_rng = 88172645463325252ULL;

static inline double noise_uniform(void)
{
	noise_rng ^= noise_rng << 13;
	noise_rng ^= noise_rng >> 7;
	noise_rng ^= noise_rng << 17;
	return ((double)(noise_rng >> 11) + 0.5) / 9007199254740992.0;
}

static inline double gauss(double sd)
{
	return sd * sqrt(-2.0 * log(noise_uniform())) * cos(2.0 * M_PI * noise_uniform());
}

#endif
