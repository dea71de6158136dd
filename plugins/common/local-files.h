/* SPDX-License-Identifier: MIT */
/* The file handling shared by the local fetch plugins (fetch-localdir, fetch-maildir; compiled into both): the source path, a message file's name, reading an opened file whole, and making a directory. */
#ifndef MR_LOCAL_FILES_H
#define MR_LOCAL_FILES_H

#include <stddef.h>
#include <mailroom/plugin.h>

/* Drops the trailing slashes of a path ("/" stays). */
void local_trim_slashes(char *path);

/* MR_EINTERNAL unless name is a file name dispose() may act on: not empty,
 * no '/', not hidden. */
int local_check_name(const struct mr_core *core, const char *name, struct mr_error *err);

/* Reads up to size bytes of fd into a new NUL-terminated buffer (*len_r
 * bytes read); closes fd in every case. */
int local_read_fd(const struct mr_core *core, int fd, size_t size, char **data_r,
		  size_t *len_r, struct mr_error *err);

/* Creates a directory (mode 0700) unless it exists. */
int local_mkdir(const struct mr_core *core, const char *path, struct mr_error *err);

#endif
