/* fileio.h — durable writes for the modules that keep state on disk (journal snapshot,
 * silences, mail spool): a file is always either the old or the new version. */
#ifndef FILEIO_H
#define FILEIO_H

#include <stddef.h>
#include <sys/types.h>

/* Writes all of buf, retrying on EINTR. 0, or -1 with errno set. */
int fileio_write_all(int fd, const void *buf, size_t len);
/* fsyncs the directory dir, so that a rename in it survives a power cut. */
int fileio_fsync_dir(const char *dir);
/* Writes data to tmp, fsyncs it, renames it to dst and fsyncs dst's directory. tmp and
 * dst must be on one filesystem. 0, or -1 with errno set and tmp removed. */
int fileio_publish(const char *tmp, const char *dst, const void *data, size_t len, mode_t mode);
/* fileio_publish through "<path>.tmp". */
int fileio_replace(const char *path, const void *data, size_t len, mode_t mode);

#endif
