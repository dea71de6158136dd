/* SPDX-License-Identifier: MIT */
/* Unit tests of the process-mailing job's sending journal: ids read back in order, a torn last line ignored, a journal of another boot (or none) not trusted. */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "tap.h"
#include "process-mailing.h"

static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
}

int main(void)
{
	char dir[] = "/tmp/mr-journal-XXXXXX", path[64];
	if (!mkdtemp(dir))
		return 1;
	snprintf(path, sizeof(path), "%s/j.sending", dir);

	struct pm_journal j;
	TAP_INT(pm_journal_open(&j, path), 0, "a journal opens");
	TAP_INT(pm_journal_add(&j, 7), 0, "id 7 recorded");
	TAP_INT(pm_journal_add(&j, 123456789012LL), 0, "a 12-digit id recorded");
	pm_journal_close(&j);
	int64_t *ids = NULL;
	size_t n = 0;
	TAP_INT(pm_journal_read(path, &ids, &n), 1, "the journal of this boot is trusted");
	TAP_INT(n, 2, "two ids");
	TAP_INT(n > 0 ? ids[0] : 0, 7, "first id");
	TAP_INT(n > 1 ? ids[1] : 0, 123456789012LL, "second id");
	free(ids);

	/* opening again starts afresh */
	TAP_INT(pm_journal_open(&j, path), 0, "reopened");
	pm_journal_close(&j);
	TAP_INT(pm_journal_read(path, &ids, &n), 1, "an empty journal is trusted");
	TAP_INT(n, 0, "and holds no id");
	free(ids);

	/* a write cut short (the process died inside it) is not an id */
	FILE *f = fopen(path, "a");
	fputs("41\n42", f);
	fclose(f);
	TAP_INT(pm_journal_read(path, &ids, &n), 1, "with a torn line");
	TAP_INT(n, 1, "only the whole line counts");
	TAP_INT(n ? ids[0] : 0, 41, "the whole line's id");
	free(ids);

	/* another boot's journal: the page cache that held it is gone */
	put(path, "mailroom-sending-journal 1 00000000-0000-0000-0000-000000000000\n5\n");
	TAP_INT(pm_journal_read(path, &ids, &n), 0, "a journal of another boot is not trusted");
	TAP_OK(ids == NULL && n == 0, "and gives no ids");
	put(path, "something else\n5\n");
	TAP_INT(pm_journal_read(path, &ids, &n), 0, "a file that is not a journal is not trusted");
	unlink(path);
	TAP_INT(pm_journal_read(path, &ids, &n), 0, "no journal: nothing to trust");
	TAP_INT(pm_journal_open(&j, "/nonexistent-dir/j.sending"), -1,
		"a journal that cannot be written is refused");
	TAP_INT(pm_journal_add(&j, 1), -1, "and records nothing");
	rmdir(dir);
	return tap_done();
}
