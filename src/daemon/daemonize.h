/* daemonize.h — becoming a daemon without hiding a start-up failure from the shell
 * that started it, and the pid file that keeps a second envmond from starting. */
#ifndef DAEMONIZE_H
#define DAEMONIZE_H

/* Forks twice and detaches (setsid, cwd /, standard streams on /dev/null). The first
 * parent waits for daemonize_report's byte and exits with it. In the daemon *startup_fd
 * is the pipe to that parent. 0, or -1 with errno. */
int daemonize_start(int *startup_fd);
/* Tells the waiting parent how the start-up went (rc = exit status) and closes the pipe;
 * does nothing when *startup_fd < 0 (foreground, or already told). */
void daemonize_report(int *startup_fd, int rc);

/* Opens, locks and writes the pid file (as root, before its directory is handed to the
 * daemon's user): the descriptor, or -1 (logged). */
int daemonize_pidfile_open(const char *path);
/* Removes and closes it; fd < 0 does nothing. */
void daemonize_pidfile_close(int fd, const char *path);

#endif
