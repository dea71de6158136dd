/* SPDX-License-Identifier: MIT */
/*
 * The sending journal of a lease owner: what happened to each row of the
 * batch being sent, one write(2) per event, so that a kill leaves in doubt
 * only the messages whose answer never came.  Lines (after a header naming
 * the boot):
 *
 *   ID O                          offered: a copy may reach the server from
 *                                 now (its content is about to go out; with
 *                                 a transport that cannot tell, its
 *                                 transaction is about to start)
 *   ID F S CODE ENHANCED TEXT     final: the transport's answer (S: 1 sent,
 *                                 2 retry, 3 bounced; ENHANCED "-" for none)
 *   ID C                          committing: its outcome is going to the store
 *
 * On recovery (job-process-mailing.c) a row with F and no C gets its answer
 * recorded, a row offered without F is in doubt, and a row absent from the
 * journal never reached a server and goes back to the queue.  C is written
 * before the store commits, so a kill between the two leaves the row in
 * doubt rather than recorded twice.
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

#define JOURNAL_MAGIC "mailroom-sending-journal 2 "

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

/* Opens path for appending, keeping what is there (recovery's C lines). */
int pm_journal_append(struct pm_journal *j, const char *path)
{
	j->fd = path && path[0] ? open(path, O_WRONLY | O_APPEND | O_CLOEXEC) : -1;
	return j->fd >= 0 ? 0 : -1;
}

/* One line in one write: O_APPEND keeps the threads' lines whole. */
static int put_line(struct pm_journal *j, const char *line, int n)
{
	return j->fd >= 0 && n > 0 && write(j->fd, line, (size_t)n) == n ? 0 : -1;
}

int pm_journal_offered(struct pm_journal *j, int64_t queue_id)
{
	char line[32];
	return put_line(j, line, snprintf(line, sizeof(line), "%" PRId64 " O\n", queue_id));
}

int pm_journal_final(struct pm_journal *j, int64_t queue_id, const struct mr_send_result *res)
{
	char text[201], enh[16], line[320];
	size_t k = 0;
	for (const char *p = res->text; *p && k < sizeof(text) - 1; p++)
		text[k++] = (unsigned char)*p < 0x20 ? ' ' : *p;
	text[k] = '\0';
	k = 0;
	for (const char *p = res->enhanced; *p && k < sizeof(enh) - 1; p++)
		if ((*p >= '0' && *p <= '9') || *p == '.')
			enh[k++] = *p;
	enh[k] = '\0';
	int n = snprintf(line, sizeof(line), "%" PRId64 " F %d %d %s %s\n", queue_id,
			 (int)res->status, res->code, k ? enh : "-", text);
	return put_line(j, line, n < (int)sizeof(line) ? n : -1);
}

int pm_journal_committing(struct pm_journal *j, const int64_t *ids, size_t n)
{
	if (j->fd < 0 || !n)
		return j->fd < 0 ? -1 : 0;
	char *buf = malloc(n * 24);
	if (!buf)
		return -1;
	size_t len = 0;
	for (size_t i = 0; i < n; i++)
		len += (size_t)sprintf(buf + len, "%" PRId64 " C\n", ids[i]);
	int rc = put_line(j, buf, (int)len);
	free(buf);
	return rc;
}

void pm_journal_close(struct pm_journal *j)
{
	if (j->fd >= 0)
		close(j->fd);
	j->fd = -1;
}

/* Parses one whole line into row (merged later); 0, or -1 when it is not one. */
static int parse_line(char *line, struct pm_journal_row *row)
{
	char *end = NULL;
	memset(row, 0, sizeof(*row));
	long long id = strtoll(line, &end, 10);
	if (end == line || *end != ' ')
		return -1;
	row->queue_id = id;
	char kind = end[1];
	char *rest = end + 2;
	if ((kind == 'O' || kind == 'C') && !strcmp(rest, "\n")) {
		row->offered = kind == 'O';
		row->committed = kind == 'C';
		return 0;
	}
	if (kind != 'F' || *rest != ' ')
		return -1;
	int status = 0, code = 0, used = 0;
	char enh[16];
	if (sscanf(rest, " %d %d %15s %n", &status, &code, enh, &used) != 3 || status < 1 ||
	    status > 3)
		return -1;
	row->answered = 1;
	row->res.status = (enum mr_send_status)status;
	row->res.code = code;
	snprintf(row->res.enhanced, sizeof(row->res.enhanced), "%s", strcmp(enh, "-") ? enh : "");
	char *text = rest + used;
	text[strcspn(text, "\n")] = '\0';
	snprintf(row->res.text, sizeof(row->res.text), "%s", text);
	return 0;
}

static int by_id(const void *a, const void *b)
{
	const struct pm_journal_row *x = a, *y = b;
	return x->queue_id < y->queue_id ? -1 : x->queue_id > y->queue_id;
}

int pm_journal_read(const char *path, struct pm_journal_row **rows_r, size_t *n_r)
{
	*rows_r = NULL;
	*n_r = 0;
	char id[64], line[512];
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
	struct pm_journal_row *rows = NULL, row;
	while (trusted && fgets(line, sizeof(line), f)) {
		if (!strchr(line, '\n') || parse_line(line, &row) != 0)
			continue; /* a torn last line: that write never completed */
		if (n == cap) {
			size_t nc = cap ? cap * 2 : 256;
			struct pm_journal_row *p = realloc(rows, nc * sizeof(*rows));
			if (!p) {
				free(rows);
				fclose(f);
				return -1;
			}
			rows = p;
			cap = nc;
		}
		rows[n++] = row;
	}
	fclose(f);
	if (!trusted) {
		free(rows);
		return 0;
	}
	/* one row per id: offered, answered (the last answer) and committed merged */
	if (n)
		qsort(rows, n, sizeof(*rows), by_id);
	size_t m = 0;
	for (size_t i = 0; i < n; i++) {
		if (m && rows[m - 1].queue_id == rows[i].queue_id) {
			struct pm_journal_row *to = &rows[m - 1];
			to->offered |= rows[i].offered;
			to->committed |= rows[i].committed;
			if (rows[i].answered) {
				to->answered = 1;
				to->res = rows[i].res;
			}
		} else {
			rows[m++] = rows[i];
		}
	}
	*rows_r = rows;
	*n_r = m;
	return 1;
}
