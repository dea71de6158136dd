/* SPDX-License-Identifier: MIT */
/* Unit tests of the process-mailing job's sending journal: offered, final and committing lines read back as one row per id (got/want tables), a torn last line ignored, a journal of another boot (or none, or the old format) not trusted. */
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

/* What recovery must make of a row. */
struct want {
	long long id;
	int offered, answered, committed;
	enum mr_send_status status;
	int code;
	const char *enhanced, *text;
};

static void check_rows(const char *what, const struct pm_journal_row *got, size_t n,
		       const struct want *want, size_t n_want)
{
	TAP_INT(n, n_want, "%s: %zu rows", what, n_want);
	for (size_t i = 0; i < n && i < n_want; i++) {
		const struct pm_journal_row *g = &got[i];
		const struct want *w = &want[i];
		int same = g->queue_id == w->id && g->offered == w->offered &&
			   g->answered == w->answered && g->committed == w->committed;
		if (same && w->answered)
			same = g->res.status == w->status && g->res.code == w->code &&
			       !strcmp(g->res.enhanced, w->enhanced) && !strcmp(g->res.text, w->text);
		TAP_OK(same, "%s: row %zu (id %lld)", what, i, w->id);
		if (!same)
			printf("# got id %lld offered %d answered %d committed %d status %d code %d "
			       "'%s' '%s'\n", (long long)g->queue_id, g->offered, g->answered,
			       g->committed, (int)g->res.status, g->res.code, g->res.enhanced,
			       g->res.text);
	}
}

static struct mr_send_result result(enum mr_send_status st, int code, const char *enh,
				    const char *text)
{
	struct mr_send_result r = { .status = st, .code = code };
	snprintf(r.enhanced, sizeof(r.enhanced), "%s", enh);
	snprintf(r.text, sizeof(r.text), "%s", text);
	return r;
}

int main(void)
{
	char dir[] = "/tmp/mr-journal-XXXXXX", path[64];
	if (!mkdtemp(dir))
		return 1;
	snprintf(path, sizeof(path), "%s/j.sending", dir);

	struct pm_journal j;
	struct pm_journal_row *rows = NULL;
	size_t n = 0;
	TAP_INT(pm_journal_open(&j, path), 0, "a journal opens");
	/* 7: offered, accepted, committed; 123456789012: offered, accepted (the kill
	 * came before the commit); 8: offered, answered 4xx; 9: offered, 5xx with a
	 * multi-line text; 10: offered, no answer (in doubt); 11: refused before any
	 * server (final, never offered); 12: committed only (recovery's own line) */
	TAP_INT(pm_journal_offered(&j, 7), 0, "7 offered");
	TAP_INT(pm_journal_offered(&j, 123456789012LL), 0, "a 12-digit id offered");
	TAP_INT(pm_journal_offered(&j, 8), 0, "8 offered");
	TAP_INT(pm_journal_offered(&j, 9), 0, "9 offered");
	TAP_INT(pm_journal_offered(&j, 10), 0, "10 offered");
	struct mr_send_result ok = result(MR_SEND_OK, 250, "2.0.0", "OK queued as 00042");
	struct mr_send_result tmp = result(MR_SEND_TEMPFAIL, 452, "4.3.1", "insufficient storage");
	struct mr_send_result perm = result(MR_SEND_PERMFAIL, 554, "5.6.0", "refused\r\nfor good");
	struct mr_send_result lost = result(MR_SEND_TEMPFAIL, 0, "", "connection lost");
	struct mr_send_result bad = result(MR_SEND_PERMFAIL, 0, "5.1.3", "refused before sending");
	TAP_INT(pm_journal_final(&j, 7, &ok), 0, "7 answered");
	TAP_INT(pm_journal_final(&j, 123456789012LL, &ok), 0, "the 12-digit id answered");
	TAP_INT(pm_journal_final(&j, 8, &tmp), 0, "8 answered 4xx");
	TAP_INT(pm_journal_final(&j, 9, &perm), 0, "9 answered 5xx");
	TAP_INT(pm_journal_final(&j, 11, &bad), 0, "11 refused locally");
	int64_t commit[] = { 7, 12 };
	TAP_INT(pm_journal_committing(&j, commit, 2), 0, "7 and 12 committing, one write");
	pm_journal_close(&j);
	TAP_INT(pm_journal_read(path, &rows, &n), 1, "the journal of this boot is trusted");
	const struct want want1[] = {
		{ 7, 1, 1, 1, MR_SEND_OK, 250, "2.0.0", "OK queued as 00042" },
		{ 8, 1, 1, 0, MR_SEND_TEMPFAIL, 452, "4.3.1", "insufficient storage" },
		{ 9, 1, 1, 0, MR_SEND_PERMFAIL, 554, "5.6.0", "refused  for good" },
		{ 10, 1, 0, 0, 0, 0, "", "" },
		{ 11, 0, 1, 0, MR_SEND_PERMFAIL, 0, "5.1.3", "refused before sending" },
		{ 12, 0, 0, 1, 0, 0, "", "" },
		{ 123456789012LL, 1, 1, 0, MR_SEND_OK, 250, "2.0.0", "OK queued as 00042" },
	};
	check_rows("merged", rows, n, want1, sizeof(want1) / sizeof(want1[0]));
	free(rows);

	/* appending (recovery) keeps what is there */
	TAP_INT(pm_journal_append(&j, path), 0, "reopened for appending");
	int64_t commit2[] = { 8 };
	TAP_INT(pm_journal_committing(&j, commit2, 1), 0, "8 committing");
	TAP_INT(pm_journal_final(&j, 10, &lost), 0, "10 answered without a code");
	pm_journal_close(&j);
	TAP_INT(pm_journal_read(path, &rows, &n), 1, "read again");
	TAP_OK(n == 7 && rows[1].queue_id == 8 && rows[1].committed, "8 is now committed");
	TAP_OK(n == 7 && rows[3].answered && rows[3].res.status == MR_SEND_TEMPFAIL &&
	       rows[3].res.enhanced[0] == '\0' && !strcmp(rows[3].res.text, "connection lost"),
	       "an answer without enhanced status reads back as \"\"");
	free(rows);

	/* opening again starts afresh */
	TAP_INT(pm_journal_open(&j, path), 0, "reopened");
	pm_journal_close(&j);
	TAP_INT(pm_journal_read(path, &rows, &n), 1, "an empty journal is trusted");
	TAP_INT(n, 0, "and holds no row");
	free(rows);

	/* a write cut short (the process died inside it) is not a line */
	TAP_INT(pm_journal_append(&j, path), 0, "appending");
	TAP_INT(pm_journal_offered(&j, 41), 0, "41 offered");
	pm_journal_close(&j);
	FILE *f = fopen(path, "a");
	fputs("41 F 1 250 2.0.0 OK\n42 O\n43 F 1 25", f);
	fclose(f);
	TAP_INT(pm_journal_read(path, &rows, &n), 1, "with a torn line");
	const struct want want2[] = {
		{ 41, 1, 1, 0, MR_SEND_OK, 250, "2.0.0", "OK" },
		{ 42, 1, 0, 0, 0, 0, "", "" },
	};
	check_rows("torn", rows, n, want2, 2);
	free(rows);
	put(path, "");
	f = fopen(path, "w");
	fclose(f);

	/* lines that are not journal lines are skipped */
	TAP_INT(pm_journal_open(&j, path), 0, "afresh");
	pm_journal_close(&j);
	f = fopen(path, "a");
	fputs("5\n6 X\n7 F 9 250 - x\n8 O\n", f);
	fclose(f);
	TAP_INT(pm_journal_read(path, &rows, &n), 1, "with foreign lines");
	TAP_OK(n == 1 && rows[0].queue_id == 8 && rows[0].offered, "only the journal line counts");
	free(rows);

	/* another boot's journal: the page cache that held it is gone */
	put(path, "mailroom-sending-journal 2 00000000-0000-0000-0000-000000000000\n5 O\n");
	TAP_INT(pm_journal_read(path, &rows, &n), 0, "a journal of another boot is not trusted");
	TAP_OK(rows == NULL && n == 0, "and gives no rows");
	put(path, "something else\n5 O\n");
	TAP_INT(pm_journal_read(path, &rows, &n), 0, "a file that is not a journal is not trusted");
	unlink(path);
	TAP_INT(pm_journal_read(path, &rows, &n), 0, "no journal: nothing to trust");
	TAP_INT(pm_journal_open(&j, "/nonexistent-dir/j.sending"), -1,
		"a journal that cannot be written is refused");
	TAP_INT(pm_journal_offered(&j, 1), -1, "and records nothing");
	TAP_INT(pm_journal_final(&j, 1, &ok), -1, "not even an answer");
	rmdir(dir);
	return tap_done();
}
