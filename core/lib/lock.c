/* SPDX-License-Identifier: MIT */
/* Job locks: flock(2) on files in lock_dir, so a lock dies with its process and no stale lock file can block a site. */
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>
#include "mr.h"

static char *lock_path(const char *dir, const char *site, const char *name)
{
	char *path = NULL;
	if (asprintf(&path, "%s/mailroom-%s-%s.lock", dir, site, name) < 0)
		return NULL;
	for (char *p = path + strlen(dir) + 1; *p; p++)
		if (*p == '/')
			*p = '_';
	return path;
}

int mr_lock_try(const char *dir, const char *site, const char *name, struct mr_lock *lock,
		struct mr_error *err)
{
	lock->fd = -1;
	lock->path = lock_path(dir, site, name);
	if (!lock->path)
		return mr_error_set(err, MR_ENOMEM, "out of memory");
	int fd = open(lock->path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) {
		int rc = mr_error_set(err, MR_ECONFIG, "cannot open lock file %s: %s (check [mailroom] "
				      "lock_dir)", lock->path, strerror(errno));
		free(lock->path);
		lock->path = NULL;
		return rc;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		char holder[32] = "";
		ssize_t n = pread(fd, holder, sizeof(holder) - 1, 0);
		holder[n > 0 ? n : 0] = '\0';
		holder[strcspn(holder, "\n")] = '\0';
		close(fd);
		int rc = mr_error_set(err, MR_ETEMP, "%s is locked by another mailroom%s%s", name,
				      holder[0] ? " (pid " : "", holder[0] ? holder : "");
		if (holder[0])
			strncat(err->msg, ")", sizeof(err->msg) - strlen(err->msg) - 1);
		free(lock->path);
		lock->path = NULL;
		return rc;
	}
	char pid[32];
	int len = snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
	if (ftruncate(fd, 0) == 0 && pwrite(fd, pid, (size_t)len, 0) < 0)
		mr_error_set(err, 0, "lock holder not recorded");
	lock->fd = fd;
	return 0;
}

void mr_lock_release(struct mr_lock *lock)
{
	if (lock->fd >= 0) {
		flock(lock->fd, LOCK_UN);
		close(lock->fd);
	}
	lock->fd = -1;
	free(lock->path);
	lock->path = NULL;
}

int mr_lock_is_held(const char *dir, const char *site, const char *name)
{
	struct mr_lock l;
	struct mr_error err;
	int rc = mr_lock_try(dir, site, name, &l, &err);
	if (rc == 0) {
		mr_lock_release(&l);
		return 0;
	}
	return rc == MR_ETEMP;
}
