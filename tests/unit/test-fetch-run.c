/* SPDX-License-Identifier: MIT */
/* Unit tests of the fetch loop (core/lib/fetch-run.c) against a fake fetch plugin and a fake store: the order commit-then-dispose, recorded messages, failures, batch, deadline, stop; and of mr_msg_header and mr_tls_verify_chain's refusals. */
#include "config.h"
#include <stdlib.h>
#include <string.h>
#include "tap.h"
#include "mr.h"
#include <mailroom/mail.h>

/* ---- a trace of what happened, in order */
static char trace[4096];
static void ev(const char *fmt, const char *a, const char *b)
{
	char line[256];
	snprintf(line, sizeof(line), fmt, a ? a : "", b ? b : "");
	strncat(trace, line, sizeof(trace) - strlen(trace) - 1);
	strncat(trace, " ", sizeof(trace) - strlen(trace) - 1);
}

/* ---- fake store: a few recorded keys, failures on demand */
struct fstore {
	char keys[16][32], outcomes[16][16];
	int n, in_tx, fail_commit_at, commits;
	char tx_keys[16][32], tx_outcomes[16][16];
	int tx_n;
};

static int fs_begin(void *st, struct mr_error *err)
{
	struct fstore *s = st;
	s->in_tx = 1;
	s->tx_n = 0;
	ev("begin", 0, 0);
	return 0;
}

static int fs_commit(void *st, struct mr_error *err)
{
	struct fstore *s = st;
	if (++s->commits == s->fail_commit_at)
		return mr_error_set(err, MR_ETEMP, "disk full");
	for (int i = 0; i < s->tx_n; i++) {
		/* whole fixed-size strings; memcpy, as gcc -O1 -fsanitize=address
		 * cannot tell that two members of *s do not overlap (-Wrestrict) */
		memcpy(s->keys[s->n], s->tx_keys[i], sizeof(s->keys[0]));
		memcpy(s->outcomes[s->n++], s->tx_outcomes[i], sizeof(s->outcomes[0]));
	}
	s->in_tx = 0;
	ev("commit", 0, 0);
	return 0;
}

static void fs_rollback(void *st)
{
	struct fstore *s = st;
	s->in_tx = 0;
	ev("rollback", 0, 0);
}

static int fs_find(struct fstore *s, const char *key)
{
	for (int i = 0; i < s->n; i++)
		if (strcmp(s->keys[i], key) == 0)
			return i;
	return -1;
}

static int fs_seen(void *st, const char *account, const char *key, int *seen_r,
		   struct mr_error *err)
{
	*seen_r = fs_find(st, key) >= 0;
	return 0;
}

static int fs_mark(void *st, const char *account, const char *key, const char *outcome,
		   int64_t when, struct mr_error *err)
{
	struct fstore *s = st;
	snprintf(s->tx_keys[s->tx_n], sizeof(s->tx_keys[0]), "%s", key);
	snprintf(s->tx_outcomes[s->tx_n++], sizeof(s->tx_outcomes[0]), "%s", outcome);
	ev("mark:%s:%s", key, outcome);
	return s->in_tx ? 0 : mr_error_set(err, MR_EINTERNAL, "mark outside a transaction");
}

static int fs_outcome(void *st, const char *account, const char *key, char **outcome_r,
		      struct mr_error *err)
{
	struct fstore *s = st;
	int i = fs_find(s, key);
	if (i < 0)
		return MR_ENOTFOUND;
	*outcome_r = strdup(s->outcomes[i]);
	return 0;
}

static const struct mr_store_ops fs_ops = {
	.size = sizeof(struct mr_store_ops),
	.begin = fs_begin, .commit = fs_commit, .rollback = fs_rollback,
	.msg_seen = fs_seen, .msg_mark = fs_mark, .msg_outcome = fs_outcome,
};

/* ---- fake fetch plugin: messages A, B (no From), C, D */
struct ffetch {
	const char *keys[8], *data[8];
	int n, pos, fail_next_at, fail_dispose_at, fail_open, closed, disposes;
};

static int ff_open(void *st, size_t *waiting_r, struct mr_error *err)
{
	struct ffetch *f = st;
	if (f->fail_open)
		return mr_error_set(err, MR_ECONFIG, "auth: login refused");
	f->pos = 0;
	*waiting_r = (size_t)f->n;
	ev("open", 0, 0);
	return 0;
}

static int ff_next(void *st, struct mr_fetched *m, struct mr_error *err)
{
	struct ffetch *f = st;
	if (f->pos + 1 == f->fail_next_at)
		return mr_error_set(err, MR_ETEMP, "connection lost");
	if (f->pos >= f->n)
		return 0;
	m->key = m->label = f->keys[f->pos];
	m->data = f->data[f->pos];
	m->len = strlen(m->data);
	f->pos++;
	return 1;
}

static int ff_dispose(void *st, const struct mr_fetched *m, enum mr_disposition d,
		      struct mr_error *err)
{
	struct ffetch *f = st;
	if (++f->disposes == f->fail_dispose_at)
		return mr_error_set(err, MR_ETEMP, "rename failed");
	ev("dispose:%s:%s", m->key, d == MR_DISPOSE_IGNORED ? "ignored" : "processed");
	return 0;
}

static void ff_close(void *st)
{
	((struct ffetch *)st)->closed++;
	ev("close", 0, 0);
}

static const struct mr_fetch_ops ff_ops = {
	.size = sizeof(struct mr_fetch_ops),
	.open = ff_open, .next = ff_next, .dispose = ff_dispose, .close = ff_close,
};

/* the processor: ignores a message without "From:", fails on "FAIL" */
static int calls;
static int proc(void *cookie, const struct mr_fetched *m, char *reason, size_t rs,
		struct mr_error *err)
{
	calls++;
	ev("process:%s", m->key, 0);
	if (strstr(m->data, "FAIL"))
		return mr_error_set(err, MR_ETEMP, "store busy");
	if (strncmp(m->data, "From:", 5) != 0) {
		snprintf(reason, rs, "no From header");
		return MR_VERDICT_IGNORED;
	}
	return MR_VERDICT_PROCESSED;
}

static struct mr_site site;
static struct fstore fs;
static struct ffetch ff;
static struct mr_account acct = { .ops = &ff_ops, .state = &ff, .name = "test" };

static void reset(void)
{
	memset(&fs, 0, sizeof(fs));
	memset(&ff, 0, sizeof(ff));
	static const char *keys[] = { "A", "B", "C", "D" };
	static const char *data[] = { "From: a@x\n\nA", "Subject: none\n\nB", "From: c@x\n\nC",
				      "From: d@x\n\nD" };
	for (int i = 0; i < 4; i++) {
		ff.keys[i] = keys[i];
		ff.data[i] = data[i];
	}
	ff.n = 4;
	trace[0] = 0;
	calls = 0;
	site.store = (struct mr_store){ &fs_ops, &fs, "fake" };
}

static int run(struct mr_fetch_opts *o, struct mr_fetch_stats *s, struct mr_error *err)
{
	o->process = proc;
	if (!o->batch)
		o->batch = 100;
	return mr_fetch_run(&site.core, &acct, o, s, err);
}

int main(void)
{
	mr_core_fill(&site.core);
	site.log = mr_log_new("test", 0);
	mr_log_setup(MR_LOG_ERR, 0);
	struct mr_fetch_opts o;
	struct mr_fetch_stats s;
	struct mr_error err;

	/* 1. group 1: every message processed, marked, committed, then disposed */
	reset();
	o = (struct mr_fetch_opts){ .group = 1 };
	TAP_INT(run(&o, &s, &err), 0, "a clean run returns 0");
	TAP_STR(trace, "open begin process:A mark:A:processed commit dispose:A:processed "
		"begin process:B mark:B:ignored commit dispose:B:ignored "
		"begin process:C mark:C:processed commit dispose:C:processed "
		"begin process:D mark:D:processed commit dispose:D:processed close ",
		"each message is marked in the processor's transaction and disposed after commit");
	TAP_INT(s.processed, 3, "3 processed");
	TAP_INT(s.ignored, 1, "1 ignored");
	TAP_INT(s.waiting, 4, "waiting as open() said");
	TAP_INT(s.end, MR_FETCH_END_EMPTY, "ended at the end of the mailbox");

	/* 2. a second run over the same messages: all recorded, no processing */
	ff.pos = 0;
	trace[0] = 0;
	calls = 0;
	run(&o, &s, &err);
	TAP_INT(calls, 0, "recorded messages are not processed again");
	TAP_INT(s.already, 4, "all 4 found recorded");
	TAP_STR(trace, "open dispose:A:processed dispose:B:ignored dispose:C:processed "
		"dispose:D:processed close ", "and disposed as recorded (B as ignored)");

	/* 3b. groups: several records per transaction, disposal after the commit */
	reset();
	o = (struct mr_fetch_opts){ .group = 3 };
	run(&o, &s, &err);
	TAP_STR(trace, "open begin process:A mark:A:processed process:B mark:B:ignored "
		"process:C mark:C:processed commit dispose:A:processed dispose:B:ignored "
		"dispose:C:processed begin process:D mark:D:processed commit dispose:D:processed "
		"close ", "group 3: A, B, C in one transaction, disposed only after its commit");
	TAP_INT(s.processed + s.ignored, 4, "all 4 counted");

	/* 4. a processor failure: rollback, nothing disposed, the run goes on */
	reset();
	ff.data[1] = "From: b@x\n\nFAIL";
	o = (struct mr_fetch_opts){ .group = 1 };
	run(&o, &s, &err);
	TAP_OK(strstr(trace, "process:B rollback begin process:C") != NULL,
	       "a failing processor: rolled back, B left in place, C next");
	TAP_OK(strstr(trace, "dispose:B") == NULL && strstr(trace, "mark:B") == NULL,
	       "B neither marked nor disposed");
	TAP_INT(s.failed, 1, "counted as failed");
	TAP_INT(s.processed, 3, "the others processed");

	/* 4b. the same in a group: A is processed again in a new transaction */
	reset();
	ff.data[1] = "From: b@x\n\nFAIL";
	o = (struct mr_fetch_opts){ .group = 8 };
	run(&o, &s, &err);
	TAP_STR(trace, "open begin process:A mark:A:processed process:B rollback begin "
		"process:A mark:A:processed commit dispose:A:processed begin process:C "
		"mark:C:processed process:D mark:D:processed commit dispose:C:processed "
		"dispose:D:processed close ",
		"a failure inside a group: rollback, A again alone, then C and D");
	TAP_INT(s.failed, 1, "B counted as failed");
	TAP_INT(s.processed, 3, "A, C, D processed once each");
	TAP_INT(fs.n, 3, "3 records");

	/* 5. batch */
	reset();
	o = (struct mr_fetch_opts){ .batch = 2 };
	run(&o, &s, &err);
	TAP_INT(s.processed + s.ignored, 2, "batch 2: two messages");
	TAP_INT(s.end, MR_FETCH_END_BATCH, "ended by the batch");
	TAP_INT(ff.pos, 2, "the third was not even fetched");

	/* 6. a commit failure stops the run; the message stays */
	reset();
	fs.fail_commit_at = 2;
	o = (struct mr_fetch_opts){ .group = 1 };
	int rc = run(&o, &s, &err);
	TAP_INT(rc, MR_ETEMP, "a failed commit fails the run");
	TAP_OK(strstr(err.msg, "cannot record message B") != NULL, "naming the message: %s", err.msg);
	TAP_OK(strstr(trace, "dispose:B") == NULL, "B is not disposed");
	TAP_INT(ff.closed, 1, "the account is closed");
	TAP_INT(s.end, MR_FETCH_END_ERROR, "ended by the error");

	/* 7. the account fails mid-run: what is recorded is committed and kept */
	reset();
	ff.fail_next_at = 3;
	o = (struct mr_fetch_opts){ .group = 8 };
	rc = run(&o, &s, &err);
	TAP_INT(rc, MR_ETEMP, "a lost connection fails the run");
	TAP_OK(strstr(trace, "mark:B:ignored commit dispose:A:processed dispose:B:ignored close") != NULL,
	       "the open group is committed and disposed before closing");
	TAP_OK(strstr(err.msg, "account test: connection lost") != NULL, "with the account: %s", err.msg);
	TAP_INT(s.processed + s.ignored, 2, "what came before is kept");
	TAP_INT(ff.closed, 1, "closed");

	/* 8. a disposal failure is counted; the run goes on */
	reset();
	ff.fail_dispose_at = 1;
	rc = run(&o, &s, &err);
	TAP_INT(rc, 0, "a failed disposal does not fail the run");
	TAP_INT(s.dispose_failed, 1, "it is counted");
	TAP_INT(s.processed, 3, "and the rest goes on");

	/* 9. stop flag and deadline */
	reset();
	volatile int stop = 1;
	o = (struct mr_fetch_opts){ .stop = &stop };
	run(&o, &s, &err);
	TAP_INT(s.end, MR_FETCH_END_STOP, "a set stop flag ends the run");
	TAP_INT(calls, 0, "before any message");
	reset();
	o = (struct mr_fetch_opts){ .deadline = 1 };
	run(&o, &s, &err);
	TAP_INT(s.end, MR_FETCH_END_DEADLINE, "a past deadline ends the run");

	/* 10. open fails */
	reset();
	ff.fail_open = 1;
	o = (struct mr_fetch_opts){ 0 };
	rc = run(&o, &s, &err);
	TAP_INT(rc, MR_ECONFIG, "open's status is returned");
	TAP_STR(err.msg, "account test: auth: login refused", "with the account's name");

	/* 11. no store */
	site.store.ops = NULL;
	rc = run(&o, &s, &err);
	TAP_INT(rc, MR_EINTERNAL, "without a store the loop refuses to run");
	site.store.ops = &fs_ops;

	/* mr_msg_header */
	const char *msg = "Subject: x\r\nFrom: =?UTF-8?Q?J=C3=BCrgen?=\r\n <j@example.org>\r\n"
			  "X: y\r\n\r\nFrom: not a header\r\n";
	char *from = mr_msg_header(msg, strlen(msg), "from");
	TAP_STR(from, "Jürgen <j@example.org>", "a folded, encoded From, found case-insensitively");
	free(from);
	char *none = mr_msg_header(msg, strlen(msg), "To");
	TAP_OK(none == NULL, "a missing header is NULL (the body is not searched)");

	/* mr_tls_verify_chain refusals */
	static const unsigned char junk[] = { 0x30, 0x03, 0x01, 0x01, 0xff };
	const unsigned char *der[] = { junk };
	size_t len[] = { sizeof(junk) };
	TAP_INT(mr_tls_verify_chain(der, len, 0, "h", NULL, &err), MR_EPERMANENT,
		"an empty chain is refused");
	TAP_INT(mr_tls_verify_chain(der, len, 1, "h", NULL, &err), MR_EPERMANENT,
		"a chain that does not parse is refused");
	TAP_INT(mr_tls_verify_chain(der, len, 1, "h", "/nonexistent/ca.pem", &err), MR_ECONFIG,
		"a ca_file that cannot be read is a configuration error");
	free(site.log);
	return tap_done();
}
