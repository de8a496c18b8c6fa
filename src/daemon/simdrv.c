/* simdrv.c — scenario files and the simulated device that plays them. */
#include <config.h>

#include <errno.h>
#include <libgen.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "log.h"
#include "simdrv.h"
#include "xmem.h"

enum expr_kind { E_NUMBER, E_STATE, E_INVALID, E_ABSENT, E_SINE, E_SQUARE, E_RAMP, E_NOISE, E_SILENT };

struct stmt {
	char *metric;                  /* NULL for "silent" */
	bool add;                      /* "+=" */
	enum expr_kind kind;
	double a, b, c;                /* number / amplitude, period, phase / ramp from, to */
	char *state;
	double from, to;               /* window in scenario seconds; to = INFINITY if open */
};

struct scenario {
	struct stmt *st;
	size_t n, cap;
	double start;
};

/* "90", "90s", "15m", "15min", "2h", "1d", "2h20m", "1d6h" -> seconds; -1 if malformed. */
static double duration(const char *s)
{
	double total = 0;

	if (!*s)
		return -1;
	while (*s) {
		char *end;
		double v = strtod(s, &end);
		size_t unit;

		if (end == s || v < 0)
			return -1;
		unit = strspn(end, "abcdefghijklmnopqrstuvwxyz");
		if (unit == 0 && end[0] == '\0')
			return total + v;
		if (unit == 1 && end[0] == 's')
			total += v;
		else if ((unit == 1 && end[0] == 'm') || (unit == 3 && strncmp(end, "min", 3) == 0))
			total += v * 60;
		else if (unit == 1 && end[0] == 'h')
			total += v * 3600;
		else if (unit == 1 && end[0] == 'd')
			total += v * 86400;
		else
			return -1;
		s = end + unit;
	}
	return total;
}

static bool number(const char *s, double *out)
{
	char *end;

	if (!s)
		return false;
	*out = strtod(s, &end);
	return end != s && *end == '\0';
}

static bool parse_window(char *w, struct stmt *st)
{
	char *dots = strstr(w, "..");

	if (!dots)
		return false;
	*dots = '\0';
	st->from = duration(w);
	st->to = dots[2] ? duration(dots + 2) : INFINITY;
	return st->from >= 0 && st->to > st->from;
}

/* EXPR tokens into st; false if malformed. */
static bool parse_expr(char **tok, size_t n, struct stmt *st)
{
	if (n == 0)
		return false;
	if (strcmp(tok[0], "sine") == 0 || strcmp(tok[0], "square") == 0) {
		st->kind = tok[0][1] == 'i' ? E_SINE : E_SQUARE;
		st->c = n == 4 ? duration(tok[3]) : 0;
		return (n == 3 || (n == 4 && st->kind == E_SINE)) && number(tok[1], &st->a) &&
			(st->b = duration(tok[2])) > 0 && st->c >= 0;
	}
	if (strcmp(tok[0], "noise") == 0) {
		st->kind = E_NOISE;
		return n == 2 && number(tok[1], &st->a) && st->a >= 0;
	}
	if (strcmp(tok[0], "ramp") == 0) {
		st->kind = E_RAMP;
		return n == 3 && number(tok[1], &st->a) && number(tok[2], &st->b);
	}
	if (n != 1)
		return false;
	if (number(tok[0], &st->a))
		st->kind = E_NUMBER;
	else if (strcmp(tok[0], "invalid") == 0)
		st->kind = E_INVALID;
	else if (strcmp(tok[0], "absent") == 0)
		st->kind = E_ABSENT;
	else {
		st->kind = E_STATE;
		st->state = xstrdup(tok[0]);
	}
	return true;
}

static size_t tokenize(char *line, char **tok, size_t max)
{
	size_t n = 0;
	char *save = NULL;

	for (char *t = strtok_r(line, " \t\r\n", &save); t && n < max; t = strtok_r(NULL, " \t\r\n", &save))
		tok[n++] = t;
	return n;
}

static bool load_file(struct scenario *sc, const char *path, int depth);

/* One statement; false if malformed. */
static bool parse_line(struct scenario *sc, const char *path, char *line, int depth)
{
	char *tok[16];
	size_t n = tokenize(line, tok, 16), end = n;
	struct stmt st = { .from = 0, .to = INFINITY };

	if (n == 0)
		return true;
	if (strcmp(tok[0], "include") == 0 && n == 2) {
		char *dir = xstrdup(path), *q = tok[1], *sub;
		bool ok;

		if (q[0] == '"' && strlen(q) >= 2 && q[strlen(q) - 1] == '"') {
			q[strlen(q) - 1] = '\0';
			q++;
		}
		sub = q[0] == '/' ? xstrdup(q) : xasprintf("%s/%s", dirname(dir), q);
		ok = depth < 8 && load_file(sc, sub, depth + 1);
		free(sub);
		free(dir);
		return ok;
	}
	if (n == 3 && strcmp(tok[0], "start") == 0 && strcmp(tok[1], "=") == 0)
		return number(tok[2], &sc->start);
	for (size_t i = 0; i < n; i++)
		if (strcmp(tok[i], "@") == 0)
			end = i;
	if (end < n && (end + 2 != n || !parse_window(tok[end + 1], &st)))
		return false;
	if (strcmp(tok[0], "silent") == 0 && end == 1) {
		st.kind = E_SILENT;
	} else {
		if (end < 3 || (strcmp(tok[1], "=") != 0 && strcmp(tok[1], "+=") != 0) ||
		    !parse_expr(tok + 2, end - 2, &st)) {
			free(st.state);
			return false;
		}
		st.metric = xstrdup(tok[0]);
		st.add = tok[1][0] == '+';
	}
	sc->st = xgrow(sc->st, &sc->cap, sc->n + 1, sizeof(*sc->st));
	sc->st[sc->n++] = st;
	return true;
}

static bool load_file(struct scenario *sc, const char *path, int depth)
{
	FILE *f = fopen(path, "re");
	char *line = NULL;
	size_t cap = 0;
	int lineno = 0;
	bool ok = true;

	if (!f) {
		log_err("%s: cannot open the scenario: %s", path, strerror(errno));
		return false;
	}
	while (getline(&line, &cap, f) > 0) {
		lineno++;
		line[strcspn(line, "#")] = '\0';
		if (!parse_line(sc, path, line, depth)) {
			log_err("%s:%d: malformed scenario statement", path, lineno);
			ok = false;
		}
	}
	free(line);
	fclose(f);
	return ok;
}

struct scenario *simdrv_load(const char *path)
{
	struct scenario *sc = xcalloc(1, sizeof(*sc));

	sc->start = NAN;
	if (!load_file(sc, path, 0)) {
		simdrv_free(sc);
		return NULL;
	}
	return sc;
}

void simdrv_free(struct scenario *sc)
{
	if (!sc)
		return;
	for (size_t i = 0; i < sc->n; i++) {
		free(sc->st[i].metric);
		free(sc->st[i].state);
	}
	free(sc->st);
	free(sc);
}

double simdrv_start(const struct scenario *sc)
{
	return sc->start;
}

static bool active(const struct stmt *st, double t)
{
	return t >= st->from && t < st->to;
}

/* A uniform number in (0, 1) that depends only on x (splitmix64). */
static double hash_uniform(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return ((double)(x >> 11) + 0.5) / 9007199254740992.0;
}

/* Gaussian noise of standard deviation sd, the same at the same time in every run. */
static double noise(double sd, double t)
{
	uint64_t k = (uint64_t)llround(t * 1000.0);

	return sd * sqrt(-2.0 * log(hash_uniform(2 * k))) * cos(2.0 * M_PI * hash_uniform(2 * k + 1));
}

static double wave(const struct stmt *st, double t)
{
	switch (st->kind) {
	case E_SINE:
		return st->a * sin(2 * M_PI * (t + st->c) / st->b);
	case E_SQUARE:
		return fmod(t, st->b) < st->b / 2 ? st->a : -st->a;
	case E_NOISE:
		return noise(st->a, t);
	case E_RAMP:
		return isinf(st->to) ? st->a : st->a + (st->b - st->a) * (t - st->from) / (st->to - st->from);
	default:
		return st->a;
	}
}

static void set_state(const struct profile_metric *m, const char *state, struct reading *out)
{
	for (size_t i = 0; i < m->n_state_names; i++) {
		if (strcmp(m->state_names[i], state) == 0) {
			out->status = READING_OK;
			out->value = out->raw = (double)i;
			return;
		}
	}
	out->status = READING_ERROR;
}

bool simdrv_eval(const struct scenario *sc, const struct profile_metric *m, double t, struct reading *out)
{
	const struct stmt *base = NULL;
	double add = 0;

	for (size_t i = 0; i < sc->n; i++) {
		const struct stmt *st = &sc->st[i];

		if (!active(st, t))
			continue;
		if (st->kind == E_SILENT)
			return false;
		if (strcmp(st->metric, m->name) != 0)
			continue;
		if (st->add)
			add += wave(st, t);
		else
			base = st;
	}
	*out = (struct reading){ .status = READING_ABSENT, .value = NAN, .raw = NAN };
	if (!base || base->kind == E_ABSENT)
		return true;
	if (base->kind == E_INVALID)
		out->status = READING_INVALID;
	else if (base->kind == E_STATE)
		set_state(m, base->state, out);
	else {
		out->status = READING_OK;
		out->value = out->raw = wave(base, t) + add;
	}
	return true;
}

/* ------------------------------------------------------------------ driver */

struct drv_device {
	const struct cfg_device *dev;
	poll_cb cb;
	void *arg;
	struct scenario *sc;
	double start;
	struct reading *readings;
};

static struct drv_device *sim_open(const struct cfg_device *dev, poll_cb cb, void *arg)
{
	struct scenario *sc = simdrv_load(dev->sim.scenario);
	struct drv_device *h;

	if (!sc)
		return NULL;
	h = xcalloc(1, sizeof(*h));
	h->dev = dev;
	h->cb = cb;
	h->arg = arg;
	h->sc = sc;
	h->start = isnan(simdrv_start(sc)) ? clock_wall() : simdrv_start(sc);
	h->readings = xcalloc(dev->profile->n_metrics + 1, sizeof(*h->readings));
	return h;
}

/* Answers at once, from within the poll: the poller copes with synchronous answers. */
static int sim_poll(struct drv_device *h)
{
	const struct profile *prof = h->dev->profile;
	struct poll_result res = { .dev = h->dev, .time = clock_wall(), .answered = true,
		.readings = h->readings, .n_readings = prof->n_metrics };
	double t = res.time - h->start;

	for (size_t i = 0; i < prof->n_metrics; i++) {
		if (!simdrv_eval(h->sc, &prof->metrics[i], t, &h->readings[i])) {
			res.answered = false;
			res.error = "simulated silence";
			res.n_readings = 0;
			break;
		}
	}
	h->cb(h->arg, &res);
	return 0;
}

static void sim_close(struct drv_device *h)
{
	if (!h)
		return;
	simdrv_free(h->sc);
	free(h->readings);
	free(h);
}

const struct driver_ops sim_driver = {
	.name = "sim",
	.open = sim_open,
	.poll = sim_poll,
	.close = sim_close,
};
