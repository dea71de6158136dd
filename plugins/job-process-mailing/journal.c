/* SPDX-License-Identifier: MIT */
/*
 * The sending journal of a lease owner: the queue ids of the batch being
 * sent, each written right before the transport offers that message to a
 * server.  After a kill, the owner's rows still marked sending but absent
 * from the journal were never offered: they go back to the queue instead of
 * in doubt.
 *
 * A write(2) outlives the process that made it (the page cache holds it)
 * but not the machine, so a journal is trusted only in the boot that wrote
 * it: its first line names the kernel's boot id.  After a reboot every
 * sending row stays in doubt.
 */
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "process-mailing.h"

#define JOURNAL_MAGIC "mailroom-sending-journal 1 "

/* The kernel's boot id ("" when it cannot be read: journals unused). */
static void boot_id(char out[64])
{
	out[0] = '\0';
	FILE *f = fopen("/proc/sys/kernel/random/boot_id", "re");
	if (!f)
		return;
	if (!fgets(out, 64, f))
		out[0] = '\0';
	fclose(f);
	out[strcspn(out, "\n")] = '\0';
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int pm_journal_open(struct pm_journal *j, const char *path)
{
	char id[64], head[128];
	j->fd = -1;
	boot_id(id);
	if (!id[0] || !path || !path[0])
		return -1;
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	int n = snprintf(head, sizeof(head), "%s%s\n", JOURNAL_MAGIC, id);
	if (write_all(fd, head, (size_t)n) != 0) {
		close(fd);
		return -1;
	}
	j->fd = fd;
	return 0;
}

int pm_journal_add(struct pm_journal *j, int64_t queue_id)
{
	char line[32];
	int n = snprintf(line, sizeof(line), "%" PRId64 "\n", queue_id);
	/* one write per line: O_APPEND keeps the threads' lines whole */
	return j->fd >= 0 && write(j->fd, line, (size_t)n) == n ? 0 : -1;
}

void pm_journal_close(struct pm_journal *j)
{
	if (j->fd >= 0)
		close(j->fd);
	j->fd = -1;
}

int pm_journal_read(const char *path, int64_t **ids_r, size_t *n_r)
{
	*ids_r = NULL;
	*n_r = 0;
	char id[64], line[128];
	boot_id(id);
	FILE *f = id[0] && path && path[0] ? fopen(path, "re") : NULL;
	if (!f)
		return 0;
	int trusted = fgets(line, sizeof(line), f) && !strncmp(line, JOURNAL_MAGIC,
							      strlen(JOURNAL_MAGIC));
	if (trusted) {
		line[strcspn(line, "\n")] = '\0';
		trusted = strcmp(line + strlen(JOURNAL_MAGIC), id) == 0;
	}
	size_t n = 0, cap = 0;
	int64_t *ids = NULL;
	while (trusted && fgets(line, sizeof(line), f)) {
		char *end = NULL;
		long long v = strtoll(line, &end, 10);
		if (end == line || *end != '\n')
			continue; /* a torn last line: that write never completed */
		if (n == cap) {
			size_t nc = cap ? cap * 2 : 256;
			int64_t *p = realloc(ids, nc * sizeof(*ids));
			if (!p) {
				free(ids);
				fclose(f);
				return -1;
			}
			ids = p;
			cap = nc;
		}
		ids[n++] = v;
	}
	fclose(f);
	if (!trusted) {
		free(ids);
		return 0;
	}
	*ids_r = ids;
	*n_r = n;
	return 1;
}
