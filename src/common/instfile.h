/* instfile.h — the instances of a device's table metrics on disk (a probe's sensors, a
 * UPS's phases): the name of each one's RRD file and the label the device gives it, kept
 * in "<state_dir>/rrd/<device>.instances" so that the report names them after the daemon
 * stopped. One writer (the daemon's store), one reader (the report); the format is here. */
#ifndef INSTFILE_H
#define INSTFILE_H

#include <stdbool.h>
#include <stddef.h>

/* One instance: its metric, the row index ("3", "1.1") and the device's label ("" if none). */
struct instfile_entry {
	char *metric, *index, *label;
};

/* The instances of one device, in the order they were first seen. */
struct instfile {
	struct instfile_entry *e;
	size_t n, cap;
};

/* "<state_dir>/rrd/<device>.instances" (a new string). */
char *instfile_path(const char *state_dir, const char *device);
/* The store's name of an instance's RRD file, "<device>~<metric>~<index>" (what
 * rrdread_path turns into a path; a new string). */
char *instfile_rrd_name(const char *device, const char *metric, const char *index);

/* Reads path into out (emptied first). Lines that are not "METRIC TAB INDEX TAB LABEL"
 * with a valid metric and index are skipped; control characters of a label become '?'.
 * 0, or -1 with errno set (ENOENT: the daemon wrote none). */
int instfile_load(const char *path, struct instfile *out);
/* Records an instance and its label (device text: tabs and other control characters
 * become '?'). True when that changed f: a new instance, or a new label. */
bool instfile_note(struct instfile *f, const char *metric, const char *index, const char *label);
/* Writes f to path durably (temporary file, fsync, rename), creating path's directory
 * if it is missing. 0, or -1 with errno set. */
int instfile_save(const char *path, const struct instfile *f);
void instfile_free(struct instfile *f);

#endif
