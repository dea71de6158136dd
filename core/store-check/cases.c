/* SPDX-License-Identifier: MIT */
/*
 * The store conformance cases of mailroom-store-check: exercise every slot
 * of the base store table and of each capability sub-table the store has,
 * through the mr_store_*() wrappers of the installed headers only, with
 * table-driven got/want checks, and print TAP.
 *
 * The store must be empty (a fresh database).  Semantics checked here that
 * mailroom/store.h leaves implicit:
 * - listings are newest first: spool by (added, id), job runs by (started, id);
 * - users are listed by name;
 * - spool_purge/msg_purge remove rows whose time is before the cut-off;
 *   job_run_purge removes finished runs (not MR_JOB_RUNNING) started before it;
 * - msg_mark on a recorded (account, key) succeeds, keeps it seen and (for
 *   msg_outcome) records the new outcome and time;
 * - begin inside a transaction fails and leaves the outer one usable;
 *   commit without begin fails; rollback without begin does nothing;
 * - a second connection to the same store sees committed rows only.
 */
#include "config.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <mailroom/plugin.h>
#include "tap.h"
#include "store-check.h"

static const struct sc_hooks *hooks;

/* ------------------------------------------------------------ collecting */

#define MAX_ROWS 64

struct spool_row {
	int64_t id, added, job_id;
	char sender[128], recipient[256], subject[256];
	char *headers, *body;
	size_t headers_len, body_len;
};

struct spool_rows {
	struct spool_row r[MAX_ROWS];
	int n;
	int stop_after; /* return stop_value from the n-th call; 0 never */
	int stop_value;
};

static char *dup_bytes(const char *p, size_t n)
{
	char *d = malloc(n + 1);
	if (d) {
		memcpy(d, p, n);
		d[n] = '\0';
	}
	return d;
}

static int spool_collect(void *cookie, const struct mr_spool_msg *m)
{
	struct spool_rows *rs = cookie;
	if (rs->n < MAX_ROWS) {
		struct spool_row *r = &rs->r[rs->n];
		r->id = m->id;
		r->added = m->added;
		r->job_id = m->job_id;
		snprintf(r->sender, sizeof(r->sender), "%s", m->sender ? m->sender : "(null)");
		snprintf(r->recipient, sizeof(r->recipient), "%s", m->recipient ? m->recipient : "(null)");
		snprintf(r->subject, sizeof(r->subject), "%s", m->subject ? m->subject : "(null)");
		r->headers = dup_bytes(m->headers ? m->headers : "", m->headers_len);
		r->headers_len = m->headers_len;
		r->body = dup_bytes(m->body ? m->body : "", m->body_len);
		r->body_len = m->body_len;
	}
	rs->n++;
	if (rs->stop_after && rs->n >= rs->stop_after)
		return rs->stop_value;
	return 0;
}

static void spool_rows_reset(struct spool_rows *rs)
{
	for (int i = 0; i < rs->n && i < MAX_ROWS; i++) {
		free(rs->r[i].headers);
		free(rs->r[i].body);
	}
	memset(rs, 0, sizeof(*rs));
}

struct run_row {
	int64_t id, started, ended;
	char job[64], message[256], data[256];
	int worker, pid;
	enum mr_job_outcome outcome;
};

struct run_rows {
	struct run_row r[MAX_ROWS];
	int n;
	int stop_after, stop_value;
};

static int run_collect(void *cookie, const struct mr_job_run *run)
{
	struct run_rows *rs = cookie;
	if (rs->n < MAX_ROWS) {
		struct run_row *r = &rs->r[rs->n];
		r->id = run->id;
		r->started = run->started;
		r->ended = run->ended;
		r->worker = run->worker;
		r->pid = run->pid;
		r->outcome = run->outcome;
		snprintf(r->job, sizeof(r->job), "%s", run->job ? run->job : "(null)");
		snprintf(r->message, sizeof(r->message), "%s", run->message ? run->message : "(null)");
		snprintf(r->data, sizeof(r->data), "%s", run->data ? run->data : "(null)");
	}
	rs->n++;
	if (rs->stop_after && rs->n >= rs->stop_after)
		return rs->stop_value;
	return 0;
}

struct user_row {
	char name[64], pwhash[128];
	unsigned perms;
	int64_t created;
};

struct user_rows {
	struct user_row r[MAX_ROWS];
	int n;
	int stop_after, stop_value;
};

static int user_collect(void *cookie, const struct mr_user *u)
{
	struct user_rows *rs = cookie;
	if (rs->n < MAX_ROWS) {
		struct user_row *r = &rs->r[rs->n];
		snprintf(r->name, sizeof(r->name), "%s", u->name ? u->name : "(null)");
		snprintf(r->pwhash, sizeof(r->pwhash), "%s", u->pwhash ? u->pwhash : "(null)");
		r->perms = u->perms;
		r->created = u->created;
	}
	rs->n++;
	if (rs->stop_after && rs->n >= rs->stop_after)
		return rs->stop_value;
	return 0;
}

/* ------------------------------------------------------------ spool */

/* 8-bit bytes 0x01..0xff except CR and LF, to check nothing is recoded. */
static char all_bytes[256];
static size_t all_bytes_len;
static char *big_body;
static size_t big_body_len;

static void make_payloads(void)
{
	all_bytes_len = 0;
	for (int c = 1; c < 256; c++)
		if (c != '\r' && c != '\n')
			all_bytes[all_bytes_len++] = (char)c;
	big_body_len = 300000;
	big_body = malloc(big_body_len);
	for (size_t i = 0; i < big_body_len; i++)
		big_body[i] = (i % 78 == 76) ? '\r' : (i % 78 == 77) ? '\n' : (char)('a' + i % 26);
}

struct spool_case {
	const char *what;
	int64_t added, job_id;
	const char *sender, *recipient, *subject;
	const char *headers;
	size_t headers_len;
	const char *body;
	size_t body_len;
	int64_t id; /* filled by spool_add */
};

#define S(lit) (lit), (sizeof(lit) - 1)

static struct spool_case spool_cases[] = {
	{ "plain LF message", 1000, 0, "a@example.org", "b@example.org", "Hello",
	  S("From: a@example.org\nTo: b@example.org\nSubject: Hello\n\n"), S("Hi there.\n") },
	{ "CRLF message with a job id", 1001, 77, "bounce+1@example.org",
	  "c@example.org,d@example.org", "CRLF",
	  S("From: a@example.org\r\nSubject: CRLF\r\n\r\n"), S("line one\r\nline two\r\n") },
	{ "8-bit bytes", 1002, 0, "", "e@example.org", "Gr\xc3\xbc\xc3\x9f" "e \xe2\x9c\x93",
	  S("Subject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?=\r\nX-Raw: \xff\xfe\x80\r\n\r\n"), NULL, 0 },
	{ "empty body", 1003, 0, "f@example.org", "g@example.org", "",
	  S("Subject:\n\n"), S("") },
	{ "large body", 1004, 5, "h@example.org", "i@example.org", "big", S("Subject: big\r\n\r\n"),
	  NULL, 0 },
};
#define N_SPOOL (sizeof(spool_cases) / sizeof(spool_cases[0]))

static int bytes_eq(const char *a, size_t alen, const char *b, size_t blen)
{
	return alen == blen && (alen == 0 || memcmp(a, b, alen) == 0);
}

static void check_spool_row(const struct spool_row *r, const struct spool_case *c)
{
	TAP_INT(r->id, c->id, "%s: id", c->what);
	TAP_INT(r->added, c->added, "%s: added", c->what);
	TAP_INT(r->job_id, c->job_id, "%s: job_id", c->what);
	TAP_STR(r->sender, c->sender, "%s: sender", c->what);
	TAP_STR(r->recipient, c->recipient, "%s: recipient", c->what);
	TAP_STR(r->subject, c->subject, "%s: subject", c->what);
	TAP_OK(bytes_eq(r->headers, r->headers_len, c->headers, c->headers_len),
	       "%s: headers byte-exact (%zu bytes, want %zu)", c->what, r->headers_len,
	       c->headers_len);
	TAP_OK(bytes_eq(r->body, r->body_len, c->body, c->body_len),
	       "%s: body byte-exact (%zu bytes, want %zu)", c->what, r->body_len, c->body_len);
}

static void test_spool(struct mr_store *st)
{
	struct mr_error err = { 0 };
	spool_cases[2].body = all_bytes;
	spool_cases[2].body_len = all_bytes_len;
	spool_cases[4].body = big_body;
	spool_cases[4].body_len = big_body_len;

	for (size_t i = 0; i < N_SPOOL; i++) {
		struct spool_case *c = &spool_cases[i];
		struct mr_spool_msg m = { .added = c->added, .job_id = c->job_id, .sender = c->sender,
					  .recipient = c->recipient, .subject = c->subject,
					  .headers = c->headers, .headers_len = c->headers_len,
					  .body = c->body, .body_len = c->body_len };
		int rc = mr_store_spool_add(st, &m, &c->id, &err);
		TAP_INT(rc, 0, "spool_add %s (%s)", c->what, rc ? err.msg : "ok");
		TAP_OK(c->id > 0, "spool_add %s: id %lld is positive", c->what, (long long)c->id);
		for (size_t j = 0; j < i; j++)
			if (spool_cases[j].id == c->id)
				TAP_OK(0, "spool_add %s: id %lld is new", c->what, (long long)c->id);
	}
	for (size_t i = 0; i < N_SPOOL; i++) {
		struct spool_rows rs = { 0 };
		int rc = mr_store_spool_get(st, spool_cases[i].id, spool_collect, &rs, &err);
		TAP_INT(rc, 0, "spool_get %s", spool_cases[i].what);
		if (TAP_INT(rs.n, 1, "spool_get %s: one callback", spool_cases[i].what))
			check_spool_row(&rs.r[0], &spool_cases[i]);
		spool_rows_reset(&rs);
	}

	/* unknown ids */
	static const int64_t missing[] = { 999999, -1, 0 };
	for (size_t i = 0; i < sizeof(missing) / sizeof(missing[0]); i++) {
		struct spool_rows rs = { 0 };
		int rc = mr_store_spool_get(st, missing[i], spool_collect, &rs, &err);
		TAP_INT(rc, MR_ENOTFOUND, "spool_get of unknown id %lld is MR_ENOTFOUND",
			(long long)missing[i]);
		TAP_INT(rs.n, 0, "spool_get of unknown id %lld: no callback", (long long)missing[i]);
	}

	/* listing: newest first, limits, stopping */
	struct { int64_t limit; int want_n; } lists[] = { { 0, (int)N_SPOOL }, { 2, 2 },
							  { 1, 1 }, { 100, (int)N_SPOOL } };
	for (size_t l = 0; l < sizeof(lists) / sizeof(lists[0]); l++) {
		struct spool_rows rs = { 0 };
		int rc = mr_store_spool_list(st, lists[l].limit, spool_collect, &rs, &err);
		TAP_INT(rc, 0, "spool_list limit %lld", (long long)lists[l].limit);
		TAP_INT(rs.n, lists[l].want_n, "spool_list limit %lld: rows", (long long)lists[l].limit);
		for (int i = 0; i < rs.n && i < lists[l].want_n; i++)
			TAP_INT(rs.r[i].id, spool_cases[N_SPOOL - 1 - i].id,
				"spool_list limit %lld: row %d is the %s (newest first)",
				(long long)lists[l].limit, i, spool_cases[N_SPOOL - 1 - i].what);
		if (l == 0)
			for (int i = 0; i < rs.n; i++)
				check_spool_row(&rs.r[i], &spool_cases[N_SPOOL - 1 - i]);
		spool_rows_reset(&rs);
	}
	struct { int stop_after, value; } stops[] = { { 1, 42 }, { 3, -7 }, { 2, 1 } };
	for (size_t i = 0; i < sizeof(stops) / sizeof(stops[0]); i++) {
		struct spool_rows rs = { .stop_after = stops[i].stop_after,
					 .stop_value = stops[i].value };
		int rc = mr_store_spool_list(st, 0, spool_collect, &rs, &err);
		TAP_INT(rc, stops[i].value, "spool_list returns the callback's %d", stops[i].value);
		TAP_INT(rs.n, stops[i].stop_after, "spool_list stops after %d rows",
			stops[i].stop_after);
		spool_rows_reset(&rs);
	}
	{
		struct spool_rows rs = { .stop_after = 1, .stop_value = 5 };
		int rc = mr_store_spool_get(st, spool_cases[0].id, spool_collect, &rs, &err);
		TAP_INT(rc, 5, "spool_get returns the callback's non-zero value");
		spool_rows_reset(&rs);
	}

	/* purge by date: before 1002 removes the two oldest */
	int64_t count = -1;
	int rc = mr_store_spool_purge(st, 1002, &count, &err);
	TAP_INT(rc, 0, "spool_purge before 1002");
	TAP_INT(count, 2, "spool_purge before 1002 removed 2");
	struct spool_rows rs = { 0 };
	rc = mr_store_spool_get(st, spool_cases[0].id, spool_collect, &rs, &err);
	TAP_INT(rc, MR_ENOTFOUND, "a purged message is gone");
	spool_rows_reset(&rs);
	rc = mr_store_spool_get(st, spool_cases[2].id, spool_collect, &rs, &err);
	TAP_INT(rc, 0, "a message added at the cut-off stays");
	spool_rows_reset(&rs);
	rc = mr_store_spool_purge(st, 1002, &count, &err);
	TAP_INT(count, 0, "purging again removes nothing");
	rc = mr_store_spool_list(st, 0, spool_collect, &rs, &err);
	TAP_INT(rs.n, (int)N_SPOOL - 2, "spool_list after the purge");
	spool_rows_reset(&rs);
}

/* ------------------------------------------------------------ transactions */


static int user_exists(struct mr_store *st, const char *name)
{
	struct user_rows rs = { 0 };
	struct mr_error err = { 0 };
	int rc = mr_store_user_get(st, name, user_collect, &rs, &err);
	return rc == 0 ? 1 : rc == MR_ENOTFOUND ? 0 : rc;
}

static int msg_is_seen(struct mr_store *st, const char *account, const char *key)
{
	struct mr_error err = { 0 };
	int seen = -1;
	int rc = mr_store_msg_seen(st, account, key, &seen, &err);
	return rc ? rc : seen;
}

/* The transaction cases write users (base slots), so that a store without
 * a spool is checked too; each returns the name it put. */
static const char *add_one(struct mr_store *st, const char *name)
{
	struct mr_error err = { 0 };
	struct mr_user u = { name, "pbkdf2-sha256$1$AA$BB", 0, 5000 };
	if (mr_store_user_put(st, &u, &err) != 0)
		printf("# user_put: %s\n", err.msg);
	return name;
}

static void test_transactions(struct mr_store *st)
{
	struct mr_error err = { 0 };
	int rc;

	/* rollback discards every kind of write */
	rc = mr_store_begin(st, &err);
	TAP_INT(rc, 0, "begin (%s)", rc ? err.msg : "ok");
	const char *id = add_one(st, "tx-rolled-back");
	struct mr_user u = { "tx-user", "pbkdf2-sha256$1$AA$BB", MR_PERM_SEND_MAIL, 10 };
	rc = mr_store_user_put(st, &u, &err);
	TAP_INT(rc, 0, "user_put inside a transaction");
	rc = mr_store_msg_mark(st, "tx-acct", "tx-key", "processed", 10, &err);
	TAP_INT(rc, 0, "msg_mark inside a transaction");
	int64_t run = 0;
	rc = mr_store_job_run_start(st, "tx-job", 0, 1, 10, &run, &err);
	TAP_INT(rc, 0, "job_run_start inside a transaction");
	TAP_INT(user_exists(st, id), 1, "the transaction sees its own write");
	TAP_INT(user_exists(st, "tx-user"), 1, "the transaction sees its own user");
	mr_store_rollback(st);
	TAP_INT(user_exists(st, id), 0, "rollback discards the first write");
	TAP_INT(user_exists(st, "tx-user"), 0, "rollback discards the user");
	TAP_INT(msg_is_seen(st, "tx-acct", "tx-key"), 0, "rollback discards the message record");
	struct run_rows rr = { 0 };
	rc = mr_store_job_run_list(st, "tx-job", 0, run_collect, &rr, &err);
	TAP_INT(rr.n, 0, "rollback discards the job run");

	/* commit persists, and another connection sees it only after commit */
	void *conn = NULL;
	struct mr_store *other = hooks->open(hooks->cookie, &conn);
	TAP_OK(other != NULL, "a second connection opens the same store");
	rc = mr_store_begin(st, &err);
	TAP_INT(rc, 0, "begin");
	id = add_one(st, "tx-committed");
	if (other)
		TAP_INT(user_exists(other, id), 0,
			"another connection does not see uncommitted rows");
	rc = mr_store_commit(st, &err);
	TAP_INT(rc, 0, "commit (%s)", rc ? err.msg : "ok");
	TAP_INT(user_exists(st, id), 1, "commit persists the row");
	if (other) {
		TAP_INT(user_exists(other, id), 1, "another connection sees committed rows");
		/* a write of the other connection is seen here too */
		const char *id2 = add_one(other, "tx-other-connection");
		TAP_INT(user_exists(st, id2), 1, "rows written by another connection are seen");
		hooks->close(conn);
	}

	/* nested begin is refused and leaves the outer transaction usable */
	rc = mr_store_begin(st, &err);
	TAP_INT(rc, 0, "begin of the outer transaction");
	err = (struct mr_error){ 0 };
	rc = mr_store_begin(st, &err);
	TAP_OK(rc < 0, "nested begin is refused (rc %d: %s)", rc, err.msg);
	TAP_OK(err.msg[0] != '\0', "nested begin says why");
	id = add_one(st, "tx-after-nested");
	rc = mr_store_commit(st, &err);
	TAP_INT(rc, 0, "the outer transaction still commits");
	TAP_INT(user_exists(st, id), 1, "the outer transaction's row persists");

	/* and after a refused nested begin, rollback still discards */
	rc = mr_store_begin(st, &err);
	rc = mr_store_begin(st, &err);
	TAP_OK(rc < 0, "nested begin is refused again");
	id = add_one(st, "tx-rolled-back-nested");
	mr_store_rollback(st);
	TAP_INT(user_exists(st, id), 0, "rollback of the outer transaction discards");

	/* misuse */
	err = (struct mr_error){ 0 };
	rc = mr_store_commit(st, &err);
	TAP_OK(rc < 0, "commit without begin is refused (rc %d: %s)", rc, err.msg);
	mr_store_rollback(st);
	TAP_OK(1, "rollback without begin does nothing");
	id = add_one(st, "tx-autocommit");
	TAP_INT(user_exists(st, id), 1, "operations outside a transaction still work");
	rc = mr_store_begin(st, &err);
	TAP_INT(rc, 0, "begin after misuse");
	mr_store_rollback(st);
}

/* ------------------------------------------------------------ job log */

struct run_case {
	const char *job;
	int worker, pid;
	int64_t started;
	int end;              /* whether job_run_end is called */
	int64_t ended;
	enum mr_job_outcome outcome;
	const char *message, *data;
	int64_t id;
};

static struct run_case run_cases[] = {
	{ "alpha", 0, 100, 2000, 1, 2010, MR_JOB_OK, "sent 3 messages", "{\"sent\":3}" },
	{ "beta", 1, 101, 2001, 1, 2002, MR_JOB_FAILED, "imap: login refused", "" },
	{ "alpha", 0, 102, 2002, 1, 2002, MR_JOB_SKIPPED_LOCKED, "locked by pid 100", "{}" },
	{ "alpha", 2, 103, 2003, 0, 0, MR_JOB_RUNNING, "", "" },
	{ "gamma \xc3\xa9", 0, 104, 2004, 1, 2005, MR_JOB_CRASHED, "worker died: signal 9",
	  "{\"signal\":9}" },
};
#define N_RUNS (sizeof(run_cases) / sizeof(run_cases[0]))

static void check_run(const struct run_row *r, const struct run_case *c, const char *ctx)
{
	TAP_INT(r->id, c->id, "%s: run %s/%d id", ctx, c->job, c->pid);
	TAP_STR(r->job, c->job, "%s: run %lld job", ctx, (long long)c->id);
	TAP_INT(r->worker, c->worker, "%s: run %lld worker", ctx, (long long)c->id);
	TAP_INT(r->pid, c->pid, "%s: run %lld pid", ctx, (long long)c->id);
	TAP_INT(r->started, c->started, "%s: run %lld started", ctx, (long long)c->id);
	TAP_INT(r->ended, c->ended, "%s: run %lld ended", ctx, (long long)c->id);
	TAP_INT(r->outcome, c->outcome, "%s: run %lld outcome", ctx, (long long)c->id);
	TAP_STR(r->message, c->message, "%s: run %lld message", ctx, (long long)c->id);
	TAP_STR(r->data, c->data, "%s: run %lld data", ctx, (long long)c->id);
}

/* Indexes of run_cases of job (NULL: all), newest first, into out. */
static int want_runs(const char *job, int64_t limit, int *out)
{
	int n = 0;
	for (int i = (int)N_RUNS - 1; i >= 0; i--) {
		if (job && strcmp(run_cases[i].job, job) != 0)
			continue;
		if (limit > 0 && n >= limit)
			break;
		out[n++] = i;
	}
	return n;
}

static void test_job_log(struct mr_store *st)
{
	struct mr_error err = { 0 };
	int rc;
	for (size_t i = 0; i < N_RUNS; i++) {
		struct run_case *c = &run_cases[i];
		rc = mr_store_job_run_start(st, c->job, c->worker, c->pid, c->started, &c->id,
					    &err);
		TAP_INT(rc, 0, "job_run_start %s pid %d (%s)", c->job, c->pid, rc ? err.msg : "ok");
		TAP_OK(c->id > 0, "job_run_start %s pid %d: id %lld", c->job, c->pid,
		       (long long)c->id);
	}
	/* a run being listed while it runs */
	struct run_rows rr = { 0 };
	rc = mr_store_job_run_list(st, "beta", 0, run_collect, &rr, &err);
	TAP_INT(rr.n, 1, "a started run is listed");
	if (rr.n == 1) {
		TAP_INT(rr.r[0].outcome, MR_JOB_RUNNING, "a started run is MR_JOB_RUNNING");
		TAP_INT(rr.r[0].ended, 0, "a started run has ended 0");
	}
	for (size_t i = 0; i < N_RUNS; i++) {
		struct run_case *c = &run_cases[i];
		if (!c->end)
			continue;
		rc = mr_store_job_run_end(st, c->id, c->ended, c->outcome, c->message,
					  c->data, &err);
		TAP_INT(rc, 0, "job_run_end %s pid %d (%s)", c->job, c->pid, rc ? err.msg : "ok");
	}
	rc = mr_store_job_run_end(st, 987654, 1, MR_JOB_OK, "", "", &err);
	TAP_INT(rc, MR_ENOTFOUND, "job_run_end of an unknown run is MR_ENOTFOUND");

	struct { const char *job; int64_t limit; } lists[] = {
		{ NULL, 0 }, { NULL, 2 }, { "alpha", 0 }, { "alpha", 2 }, { "beta", 0 },
		{ "gamma \xc3\xa9", 5 }, { "nosuch", 0 }, { "alph", 0 },
	};
	for (size_t l = 0; l < sizeof(lists) / sizeof(lists[0]); l++) {
		char ctx[96];
		snprintf(ctx, sizeof(ctx), "job_run_list %s limit %lld",
			 lists[l].job ? lists[l].job : "(all)", (long long)lists[l].limit);
		int want[N_RUNS];
		int n = want_runs(lists[l].job, lists[l].limit, want);
		memset(&rr, 0, sizeof(rr));
		rc = mr_store_job_run_list(st, lists[l].job, lists[l].limit, run_collect, &rr,
					   &err);
		TAP_INT(rc, 0, "%s", ctx);
		if (TAP_INT(rr.n, n, "%s: rows", ctx))
			for (int i = 0; i < n; i++)
				check_run(&rr.r[i], &run_cases[want[i]], ctx);
	}
	memset(&rr, 0, sizeof(rr));
	rr.stop_after = 2;
	rr.stop_value = 99;
	rc = mr_store_job_run_list(st, NULL, 0, run_collect, &rr, &err);
	TAP_INT(rc, 99, "job_run_list returns the callback's non-zero value");
	TAP_INT(rr.n, 2, "job_run_list stops when the callback says so");

	/* purge: finished runs started before the cut-off */
	int64_t count = -1;
	rc = mr_store_job_run_purge(st, 2004, &count, &err);
	TAP_INT(rc, 0, "job_run_purge before 2004");
	TAP_INT(count, 3, "job_run_purge removes the 3 finished runs, not the running one");
	memset(&rr, 0, sizeof(rr));
	mr_store_job_run_list(st, NULL, 0, run_collect, &rr, &err);
	TAP_INT(rr.n, 2, "two runs remain");
	if (rr.n == 2) {
		TAP_INT(rr.r[0].id, run_cases[4].id, "the newer finished run remains");
		TAP_INT(rr.r[1].id, run_cases[3].id, "the running run remains");
	}
	rc = mr_store_job_run_end(st, run_cases[3].id, 2100, MR_JOB_OK, "late", "", &err);
	TAP_INT(rc, 0, "the running run can still end after a purge");
	rc = mr_store_job_run_purge(st, 3000, &count, &err);
	TAP_INT(count, 2, "job_run_purge removes the rest once finished");
}

/* ------------------------------------------------------------ fetched messages */

static void test_msgs(struct mr_store *st)
{
	struct mr_error err = { 0 };
	static const struct {
		const char *account, *key;
	} keys[] = {
		{ "bounce", "imap:1700000000:1" },
		{ "bounce", "imap:1700000000:2" },
		{ "activity", "imap:1700000000:1" }, /* same key, other account */
		{ "activity", "maildir:1700000000.M1P2.host,S=1234:2,S" },
		{ "pop", "pop3:\xc3\xa9t\xc3\xa9-uidl with spaces" },
	};
	size_t n = sizeof(keys) / sizeof(keys[0]);
	for (size_t i = 0; i < n; i++)
		TAP_INT(msg_is_seen(st, keys[i].account, keys[i].key), 0, "%s %s is not seen yet",
			keys[i].account, keys[i].key);
	for (size_t i = 0; i < n; i++) {
		int rc = mr_store_msg_mark(st, keys[i].account, keys[i].key,
					   i % 2 ? "ignored" : "processed", 4000 + (int64_t)i, &err);
		TAP_INT(rc, 0, "msg_mark %s %s (%s)", keys[i].account, keys[i].key,
			rc ? err.msg : "ok");
		TAP_INT(msg_is_seen(st, keys[i].account, keys[i].key), 1, "seen after msg_mark");
		for (size_t j = i + 1; j < n; j++)
			TAP_INT(msg_is_seen(st, keys[j].account, keys[j].key), 0,
				"marking %s %s does not mark %s %s", keys[i].account, keys[i].key,
				keys[j].account, keys[j].key);
	}
	/* msg_outcome: the outcome of the last msg_mark */
	{
		for (size_t i = 0; i < n; i++) {
			char *outcome = NULL;
			int rc = mr_store_msg_outcome(st, keys[i].account, keys[i].key,
						      &outcome, &err);
			TAP_INT(rc, 0, "msg_outcome %s %s", keys[i].account, keys[i].key);
			TAP_STR(outcome, i % 2 ? "ignored" : "processed", "msg_outcome %s %s: outcome",
				keys[i].account, keys[i].key);
			free(outcome);
		}
		char *outcome = NULL;
		int rc = mr_store_msg_outcome(st, "nosuch", keys[0].key, &outcome, &err);
		TAP_INT(rc, MR_ENOTFOUND, "msg_outcome of an unrecorded message is MR_ENOTFOUND");
		free(outcome);
		rc = mr_store_msg_mark(st, keys[1].account, keys[1].key, "processed", 4001,
				       &err);
		rc = mr_store_msg_outcome(st, keys[1].account, keys[1].key, &outcome, &err);
		TAP_STR(outcome, "processed", "marking again records the new outcome");
		free(outcome);
	}
	int rc = mr_store_msg_mark(st, keys[0].account, keys[0].key, "processed", 4100, &err);
	TAP_INT(rc, 0, "marking twice is fine (%s)", rc ? err.msg : "ok");
	TAP_INT(msg_is_seen(st, keys[0].account, keys[0].key), 1, "still seen after a second mark");
	TAP_INT(msg_is_seen(st, "nosuch", keys[0].key), 0, "another account has not seen it");

	/* inside a transaction: mark then roll back */
	mr_store_begin(st, &err);
	mr_store_msg_mark(st, "bounce", "imap:1700000000:3", "processed", 4200, &err);
	TAP_INT(msg_is_seen(st, "bounce", "imap:1700000000:3"), 1, "seen inside its transaction");
	mr_store_rollback(st);
	TAP_INT(msg_is_seen(st, "bounce", "imap:1700000000:3"), 0, "not seen after rollback");

	/* purge: keys[0] was re-marked at 4100, the others at 4000..4004 */
	int64_t count = -1;
	rc = mr_store_msg_purge(st, 4002, &count, &err);
	TAP_INT(rc, 0, "msg_purge before 4002");
	TAP_INT(count, 1, "msg_purge removes the records marked before the cut-off");
	TAP_INT(msg_is_seen(st, keys[1].account, keys[1].key), 0, "a purged record is not seen");
	TAP_INT(msg_is_seen(st, keys[0].account, keys[0].key), 1,
		"a record re-marked later is kept");
	rc = mr_store_msg_purge(st, 5000, &count, &err);
	TAP_INT(count, (int)n - 1, "msg_purge removes the rest");
}

/* ------------------------------------------------------------ users */

static void test_users(struct mr_store *st)
{
	struct mr_error err = { 0 };
	static const struct mr_user users[] = {
		{ "cron", "pbkdf2-sha256$200000$c2FsdA$aGFzaA",
		  MR_PERM_SEND_MAIL | MR_PERM_PROCESS_MAIL, 1600000000 },
		{ "alice", "pbkdf2-sha256$1000$YQ$Yg", MR_PERM_VIEW_CONTACTS, 1600000001 },
		{ "bob@example.org", "", 0, 1600000002 },
	};
	size_t n = sizeof(users) / sizeof(users[0]);
	for (size_t i = 0; i < n; i++) {
		int rc = mr_store_user_put(st, &users[i], &err);
		TAP_INT(rc, 0, "user_put %s (%s)", users[i].name, rc ? err.msg : "ok");
	}
	for (size_t i = 0; i < n; i++) {
		struct user_rows rs = { 0 };
		int rc = mr_store_user_get(st, users[i].name, user_collect, &rs, &err);
		TAP_INT(rc, 0, "user_get %s", users[i].name);
		if (TAP_INT(rs.n, 1, "user_get %s: one callback", users[i].name)) {
			TAP_STR(rs.r[0].name, users[i].name, "user_get %s: name", users[i].name);
			TAP_STR(rs.r[0].pwhash, users[i].pwhash, "user_get %s: pwhash", users[i].name);
			TAP_INT(rs.r[0].perms, users[i].perms, "user_get %s: perms", users[i].name);
			TAP_INT(rs.r[0].created, users[i].created, "user_get %s: created",
				users[i].name);
		}
	}
	static const char *const order[] = { "alice", "bob@example.org", "cron" };
	struct user_rows rs = { 0 };
	int rc = mr_store_user_list(st, user_collect, &rs, &err);
	TAP_INT(rc, 0, "user_list");
	if (TAP_INT(rs.n, 3, "user_list: rows"))
		for (int i = 0; i < 3; i++)
			TAP_STR(rs.r[i].name, order[i], "user_list row %d (by name)", i);

	/* replace */
	struct mr_user changed = { "alice", "pbkdf2-sha256$2000$eg$eQ", MR_PERM_SEND_MAIL,
				   1600000009 };
	rc = mr_store_user_put(st, &changed, &err);
	TAP_INT(rc, 0, "user_put replaces an existing user");
	memset(&rs, 0, sizeof(rs));
	mr_store_user_get(st, "alice", user_collect, &rs, &err);
	TAP_STR(rs.r[0].pwhash, changed.pwhash, "the replaced user has the new hash");
	TAP_INT(rs.r[0].perms, changed.perms, "the replaced user has the new permissions");
	memset(&rs, 0, sizeof(rs));
	mr_store_user_list(st, user_collect, &rs, &err);
	TAP_INT(rs.n, 3, "replacing does not add a user");

	/* stopping */
	memset(&rs, 0, sizeof(rs));
	rs.stop_after = 1;
	rs.stop_value = 3;
	rc = mr_store_user_list(st, user_collect, &rs, &err);
	TAP_INT(rc, 3, "user_list returns the callback's non-zero value");
	TAP_INT(rs.n, 1, "user_list stops when the callback says so");
	memset(&rs, 0, sizeof(rs));
	rs.stop_after = 1;
	rs.stop_value = -42;
	rc = mr_store_user_get(st, "cron", user_collect, &rs, &err);
	TAP_INT(rc, -42, "user_get returns the callback's non-zero value");

	/* unknown names and deletion */
	static const char *const unknown[] = { "nosuch", "ALICE", "", "alice " };
	for (size_t i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++) {
		memset(&rs, 0, sizeof(rs));
		rc = mr_store_user_get(st, unknown[i], user_collect, &rs, &err);
		TAP_INT(rc, MR_ENOTFOUND, "user_get '%s' is MR_ENOTFOUND", unknown[i]);
		TAP_INT(rs.n, 0, "user_get '%s': no callback", unknown[i]);
	}
	rc = mr_store_user_delete(st, "bob@example.org", &err);
	TAP_INT(rc, 0, "user_delete bob@example.org");
	TAP_INT(user_exists(st, "bob@example.org"), 0, "a deleted user is gone");
	rc = mr_store_user_delete(st, "bob@example.org", &err);
	TAP_INT(rc, MR_ENOTFOUND, "deleting it again is MR_ENOTFOUND");
	rc = mr_store_user_delete(st, "nosuch", &err);
	TAP_INT(rc, MR_ENOTFOUND, "user_delete of an unknown name is MR_ENOTFOUND");
	memset(&rs, 0, sizeof(rs));
	mr_store_user_list(st, user_collect, &rs, &err);
	TAP_INT(rs.n, 2, "two users remain");
}

/* ------------------------------------------------------------ running */

#include <time.h>
#include <unistd.h>
#include "cases-queue.c"
#include "cases-bounce.c"
#include "cases-activity.c"
#include "cases-tracking.c"
#include "cases-copy.c"
#include "cases-lock.c"
#include "cases-contact-admin.c"
#include "cases-optin.c"
#include "cases-mailing-edit.c"

/* Says which capabilities a group of cases needs and the store lacks. */
static int can_run(const struct mr_store *st, unsigned need, const char *what)
{
	if (mr_store_has(st, need))
		return 1;
	char lacks[160] = "";
	for (unsigned cap = 1; cap & MR_STORE_CAP_ALL; cap <<= 1)
		if ((need & cap) && !mr_store_has(st, cap))
			snprintf(lacks + strlen(lacks), sizeof(lacks) - strlen(lacks), "%s%s",
				 lacks[0] ? ", " : "", mr_store_cap_name(cap));
	printf("# skipping the %s cases: the store '%s' has no %s\n", what,
	       st->name ? st->name : "?", lacks);
	return 0;
}

int sc_run(const struct sc_hooks *h, int want_version)
{
	hooks = h;
	make_payloads();
	void *conn = NULL;
	struct mr_store *st = h->open(h->cookie, &conn);
	if (!TAP_OK(st != NULL, "the store opens")) {
		printf("Bail out! cannot open the store\n");
		return tap_done();
	}
	TAP_OK(st->ops != NULL && st->state != NULL, "the site has a store (%s)",
	       st->name ? st->name : "?");
	unsigned caps = mr_store_ops_caps(st->ops);
	for (unsigned cap = 1; cap & MR_STORE_CAP_ALL; cap <<= 1)
		printf("# capability %s: %s\n", mr_store_cap_name(cap),
		       caps & cap ? "yes" : "no (its cases are skipped)");
	struct mr_error err = { 0 };
	int version = -1;
	int rc = mr_store_schema_version(st, &version, &err);
	TAP_INT(rc, 0, "schema_version (%s)", rc ? err.msg : "ok");
	if (want_version)
		TAP_INT(version, want_version, "schema_version is the newest");
	else
		TAP_OK(version > 0, "schema_version %d is positive", version);

	/* base (the transaction cases last: they leave users behind) */
	test_job_log(st);
	test_msgs(st);
	test_users(st);
	test_transactions(st);
	/* capabilities: some cases need another sub-table to set up or check */
	if (can_run(st, MR_STORE_CAP_SPOOL, "spool"))
		test_spool(st);
	if (can_run(st, MR_STORE_CAP_CONTACTS, "contacts and groups"))
		test_contacts_groups(st);
	if (can_run(st, MR_STORE_CAP_QUEUE | MR_STORE_CAP_CONTACTS, "mailing queue"))
		test_mailings(st);
	if (can_run(st, MR_STORE_CAP_BOUNCE | MR_STORE_CAP_QUEUE | MR_STORE_CAP_CONTACTS,
		    "bounce"))
		test_bounces(st);
	if (can_run(st, MR_STORE_CAP_BOUNCE, "auto-replies")) {
		if (MR_STORE_BOUNCE_HAS(st, auto_reply_due))
			test_auto_reply_due(st);
		else
			printf("# skipping the auto-reply cases: the store '%s' predates them\n",
			       st->name ? st->name : "?");
	}
	if (can_run(st, MR_STORE_CAP_ACTIVITY | MR_STORE_CAP_CONTACTS, "activity"))
		test_activity(st);
	if (can_run(st, MR_STORE_CAP_TRACKING | MR_STORE_CAP_QUEUE | MR_STORE_CAP_CONTACTS,
		    "tracking"))
		test_tracking(st);
	if (can_run(st, MR_STORE_CAP_LOCK, "shared lock"))
		test_locks(st);
	if (mr_store_copy_of(st->ops))
		test_copy(st);
	else
		printf("# skipping the bulk copy cases: the store '%s' has no copy sub-table\n",
		       st->name ? st->name : "?");
	if (can_run(st, MR_STORE_CAP_CONTACTS, "contact management"))
		test_contact_admin(st);
	if (can_run(st, MR_STORE_CAP_CONTACTS, "custom fields"))
		test_fields(st);
	if (can_run(st, MR_STORE_CAP_CONTACTS, "smart groups"))
		test_smart_groups(st);
	if (can_run(st, MR_STORE_CAP_CONTACTS, "double opt-in")) {
		if (mr_store_has_optin(st))
			test_optin(st);
		else
			printf("# skipping the double opt-in cases: the store '%s' predates them\n",
			       st->name ? st->name : "?");
	}
	if (can_run(st, MR_STORE_CAP_QUEUE | MR_STORE_CAP_CONTACTS, "mailing edit")) {
		if (MR_STORE_QUEUE_HAS(st, mailing_update) && MR_STORE_QUEUE_HAS(st, mailing_delete) &&
		    MR_STORE_QUEUE_HAS(st, mailing_tests) && MR_STORE_QUEUE_HAS(st, mailing_settings) &&
		    MR_STORE_QUEUE_HAS(st, mailing_setting_set))
			test_mailing_edit(st);
		else
			printf("# skipping the mailing edit cases: the store '%s' predates them\n",
			       st->name ? st->name : "?");
		if (MR_STORE_QUEUE_HAS(st, template_put) && MR_STORE_QUEUE_HAS(st, template_get) &&
		    MR_STORE_QUEUE_HAS(st, template_delete))
			test_templates(st);
		else
			printf("# skipping the template cases: the store '%s' predates them\n",
			       st->name ? st->name : "?");
	}

	if (can_run(st, MR_STORE_CAP_CONTACTS, "import transaction"))
		test_import_transaction(st);
	if (can_run(st, MR_STORE_CAP_QUEUE | MR_STORE_CAP_CONTACTS, "given-back rows"))
		test_queue_given_back(st);

	/* everything committed survives closing and reopening */
	int has_spool = mr_store_has(st, MR_STORE_CAP_SPOOL);
	int64_t kept = spool_cases[N_SPOOL - 1].id;
	h->close(conn);
	st = h->open(h->cookie, &conn);
	if (TAP_OK(st != NULL, "the store opens again")) {
		int v2 = -1;
		mr_store_schema_version(st, &v2, &err);
		TAP_INT(v2, version, "reopening keeps the schema version");
		TAP_INT(user_exists(st, "cron"), 1, "a user survives reopening");
		if (has_spool) {
			struct spool_rows rs = { 0 };
			rc = mr_store_spool_get(st, kept, spool_collect, &rs, &err);
			TAP_INT(rc, 0, "a spooled message survives reopening");
			if (rs.n == 1)
				check_spool_row(&rs.r[0], &spool_cases[N_SPOOL - 1]);
			spool_rows_reset(&rs);
		}
		h->close(conn);
	}
	free(big_body);
	return tap_done();
}
