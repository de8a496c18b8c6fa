/* killat.c — an LD_PRELOAD shim for the fault suite: kills the process (SIGKILL, as a
 * power cut or the OOM killer would) at the Nth call of rename(), fsync() or
 * fdatasync() that touches a path containing a given text, just before or just after
 * the real call. It lets tests/fault/test_faults.py crash envmond exactly at its
 * durability points (tmp -> new/ of the spool, new/ -> sent/ after the server's 250,
 * the journal's fdatasync, the snapshot's rename), where a kill at a random time would
 * hardly ever land.
 *
 *   FAULT_KILL_AT="rename:/spool/sent/:2:before"     (OP:TEXT:N:before|after)
 *
 * Built by the test with cc -shared -fPIC; not part of envmond. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char op[16], text[PATH_MAX];
static long nth;
static int after;
static long seen;

__attribute__((constructor)) static void killat_init(void)
{
	const char *spec = getenv("FAULT_KILL_AT");
	char when[16] = "";

	if (spec && sscanf(spec, "%15[^:]:%4095[^:]:%ld:%15s", op, text, &nth, when) == 4)
		after = strcmp(when, "after") == 0;
	else
		op[0] = '\0';
}

static int hit(const char *name, const char *path)
{
	return op[0] && strcmp(op, name) == 0 && path && strstr(path, text) &&
		__atomic_add_fetch(&seen, 1, __ATOMIC_SEQ_CST) == nth;
}

static const char *fd_path(int fd, char *buf, size_t len)
{
	char link[64];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, buf, len - 1);
	if (n < 0)
		return NULL;
	buf[n] = '\0';
	return buf;
}

static void die(void)
{
	kill(getpid(), SIGKILL);
	pause();
}

int rename(const char *from, const char *to)
{
	static int (*real)(const char *, const char *);
	int h = hit("rename", to), rc;

	if (!real)
		real = (int (*)(const char *, const char *))dlsym(RTLD_NEXT, "rename");
	if (h && !after)
		die();
	rc = real(from, to);
	if (h)
		die();
	return rc;
}

static int sync_call(const char *name, int fd)
{
	int (*real)(int) = (int (*)(int))dlsym(RTLD_NEXT, name);
	char buf[PATH_MAX];
	int h = op[0] && strcmp(op, name) == 0 && hit(name, fd_path(fd, buf, sizeof(buf))), rc;

	if (h && !after)
		die();
	rc = real(fd);
	if (h)
		die();
	return rc;
}

int fsync(int fd) { return sync_call("fsync", fd); }
int fdatasync(int fd) { return sync_call("fdatasync", fd); }
