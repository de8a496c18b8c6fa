/* fileio.c — write, fsync, rename, fsync the directory (Postfix's queue, chrony's
 * UTI_RenameTempFile). */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "fileio.h"
#include "xmem.h"

int fileio_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0) {
			errno = EIO;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int fileio_fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int rc, saved;

	if (fd < 0)
		return -1;
	rc = fsync(fd);
	saved = errno;
	close(fd);
	errno = saved;
	return rc;
}

int fileio_publish(const char *tmp, const char *dst, const void *data, size_t len, mode_t mode)
{
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	char *copy;
	int rc = -1, saved;

	if (fd < 0)
		return -1;
	if (fileio_write_all(fd, data, len) == 0 && fsync(fd) == 0) {
		rc = close(fd);
		fd = -1;
	}
	if (rc == 0)
		rc = rename(tmp, dst);
	saved = errno;
	if (fd >= 0)
		close(fd);
	if (rc < 0) {
		unlink(tmp);
		errno = saved;
		return -1;
	}
	copy = xstrdup(dst);
	rc = fileio_fsync_dir(dirname(copy));
	free(copy);
	return rc;
}

int fileio_replace(const char *path, const void *data, size_t len, mode_t mode)
{
	char *tmp = xasprintf("%s.tmp", path);
	int rc = fileio_publish(tmp, path, data, len, mode);
	int saved = errno;

	free(tmp);
	errno = saved;
	return rc;
}
