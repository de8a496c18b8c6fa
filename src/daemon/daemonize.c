/* daemonize.c — becoming a daemon (double fork, the parent waiting for the start-up's
 * outcome) and the locked pid file. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <stdbool.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemonize.h"
#include "log.h"

/* The pid file's directory may belong to the daemon user, who could plant a link there
 * to a file of root's that we would truncate as root: only a regular file of ours, with
 * no other name, is written (O_NOFOLLOW refuses the symbolic link itself). */
static bool pidfile_is_ours(int fd, const char *path)
{
	struct stat st;

	if (fstat(fd, &st) < 0) {
		log_err("cannot check pid file %s: %s", path, strerror(errno));
		return false;
	}
	if (!S_ISREG(st.st_mode) || st.st_nlink != 1 || st.st_uid != geteuid()) {
		log_err("pid file %s is not a regular file of uid %ld with one link "
			"(uid %ld, %lu links): refused, left untouched; remove it", path,
			(long)geteuid(), (long)st.st_uid, (unsigned long)st.st_nlink);
		return false;
	}
	return true;
}

/* The pid file is locked for the daemon's life: a second envmond on the same
 * configuration sees the lock and refuses to start. */
int daemonize_pidfile_open(const char *path)
{
	int fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0644);
	char buf[32];
	int n;

	if (fd < 0 && errno == ELOOP) {
		log_err("pid file %s is a symbolic link: refused (not followed; remove it)", path);
		return -1;
	}
	if (fd < 0) {
		log_err("cannot open pid file %s: %s", path, strerror(errno));
		return -1;
	}
	if (!pidfile_is_ours(fd, path)) {
		close(fd);
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		log_err("another envmond is running (pid file %s is locked)", path);
		close(fd);
		return -1;
	}
	n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) < 0 || write(fd, buf, (size_t)n) != n) {
		log_err("cannot write pid file %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

void daemonize_pidfile_close(int fd, const char *path)
{
	if (fd < 0)
		return;
	unlink(path);
	close(fd);
}

/* The parent of a daemon waits for one byte: the exit status of the start-up (0 once the
 * loop is about to run). A start-up failure after the fork (a locked pid file, a
 * directory that cannot be prepared) is then not hidden behind an exit status of 0. */
static int wait_startup(int fd)
{
	unsigned char status;
	ssize_t n;

	do
		n = read(fd, &status, 1);
	while (n < 0 && errno == EINTR);
	if (n != 1) {
		fprintf(stderr, _("envmond: the daemon ended during its start-up; see the system log\n"));
		return ENVMON_EX_SOFTWARE;
	}
	if (status != 0)
		fprintf(stderr, _("envmond: start-up failed (exit status %d); see the system log\n"), status);
	return status;
}

void daemonize_report(int *startup_fd, int rc)
{
	unsigned char status = (unsigned char)rc;

	if (*startup_fd < 0)
		return;
	if (write(*startup_fd, &status, 1) != 1)
		log_debug("start-up status not delivered: %s", strerror(errno));
	close(*startup_fd);
	*startup_fd = -1;
}

int daemonize_start(int *startup_fd)
{
	int fds[2], null;
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC) < 0)
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid > 0) {
		close(fds[1]);
		_exit(wait_startup(fds[0]));
	}
	close(fds[0]);
	*startup_fd = fds[1];
	if (setsid() < 0)
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid > 0)
		_exit(0);
	if (chdir("/") < 0)
		return -1;
	null = open("/dev/null", O_RDWR);
	if (null < 0)
		return -1;
	dup2(null, 0);
	dup2(null, 1);
	dup2(null, 2);
	if (null > 2)
		close(null);
	return 0;
}
