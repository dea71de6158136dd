/* SPDX-License-Identifier: MIT */
/* The file handling shared by the local fetch plugins (compiled into fetch-localdir and fetch-maildir): the source path, a message file's name, reading an opened file whole, and making a directory. */
#include "config.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "local-files.h"

void local_trim_slashes(char *path)
{
	size_t n = strlen(path);
	while (n > 1 && path[n - 1] == '/')
		path[--n] = '\0';
}

int local_check_name(const struct mr_core *core, const char *name, struct mr_error *err)
{
	if (!name || !*name || strchr(name, '/') || name[0] == '.')
		return core->error_set(err, MR_EINTERNAL, "dispose(): bad file name");
	return 0;
}

int local_read_fd(const struct mr_core *core, int fd, size_t size, char **data_r,
		  size_t *len_r, struct mr_error *err)
{
	char *buf = malloc(size + 1);
	if (!buf) {
		close(fd);
		return core->error_set(err, MR_ENOMEM, "out of memory");
	}
	size_t got = 0;
	while (got < size) {
		ssize_t r = read(fd, buf + got, size - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	buf[got] = '\0';
	*data_r = buf;
	*len_r = got;
	return 0;
}

int local_mkdir(const struct mr_core *core, const char *path, struct mr_error *err)
{
	if (mkdir(path, 0700) != 0 && errno != EEXIST)
		return core->error_set(err, MR_ETEMP, "cannot create %s: %s", path,
				       strerror(errno));
	return 0;
}
