/* SPDX-License-Identifier: MIT */
/* The fetch loop of one mail account: each message is processed and recorded in one store transaction, and disposed of only after the commit, so a crash never loses or double-counts a message. */
#include "config.h"
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include "mr.h"

/*
 * Test hook: MAILROOM_TEST_CRASH_AFTER_COMMIT=N makes the process _exit(75)
 * right after the Nth commit of a run and before that message is disposed
 * of, as a crash or a kill -9 there would.  The crash tests use it to check
 * that the next run finds the message recorded and counts it once.
 */
#define CRASH_HOOK_ENV "MAILROOM_TEST_CRASH_AFTER_COMMIT"

struct mr_account *mr_site_account(struct mr_site *site, const char *name)
{
	for (size_t i = 0; i < site->n_accounts; i++)
		if (strcmp(site->accounts[i].name, name) == 0)
			return &site->accounts[i];
	return NULL;
}

static const struct mr_log *account_log(struct mr_site *site, const struct mr_account *a)
{
	struct mr_instance *in = a->cfg ? mr_site_instance(site, a->cfg->name) : NULL;
	return in && in->log ? in->log : site->log;
}

/* How an earlier run disposed of a message it recorded. */
static enum mr_disposition recorded_disposition(struct mr_store *st, const char *account,
						const char *key)
{
	char *outcome = NULL;
	struct mr_error e = { 0 };
	enum mr_disposition d = MR_DISPOSE_PROCESSED;
	if (mr_store_msg_outcome(st, account, key, &outcome, &e) == 0 && outcome &&
	    strcmp(outcome, "ignored") == 0)
		d = MR_DISPOSE_IGNORED;
	free(outcome);
	return d;
}

static const char *disposition_name(enum mr_disposition d)
{
	return d == MR_DISPOSE_IGNORED ? "ignored" : d == MR_DISPOSE_PROCESSED ? "processed" : "kept";
}

/* A processed message kept until the transaction holding its record
 * commits: only then is it disposed of. */
struct held {
	struct mr_fetched m; /* key, label and data are the copies below */
	char *key, *label, *data;
	enum mr_disposition d;
	char reason[200];
};

struct group {
	struct held *h;
	size_t n, cap, bytes;
};

/* Messages held per transaction: at most opts->group and this many bytes. */
#define GROUP_DEFAULT 128
#define GROUP_MAX_BYTES (8u << 20)

static void group_clear(struct group *g)
{
	for (size_t i = 0; i < g->n; i++) {
		free(g->h[i].key);
		free(g->h[i].label);
		free(g->h[i].data);
	}
	g->n = g->bytes = 0;
}

static int group_hold(struct group *g, const struct mr_fetched *m, enum mr_disposition d,
		      const char *reason)
{
	if (g->n == g->cap) {
		size_t nc = g->cap ? g->cap * 2 : 16;
		struct held *nh = realloc(g->h, nc * sizeof(*nh));
		if (!nh)
			return MR_ENOMEM;
		g->h = nh;
		g->cap = nc;
	}
	struct held *h = &g->h[g->n];
	memset(h, 0, sizeof(*h));
	h->key = strdup(m->key);
	h->label = strdup(m->label ? m->label : m->key);
	h->data = malloc(m->len + 1);
	if (!h->key || !h->label || !h->data) {
		free(h->key);
		free(h->label);
		free(h->data);
		return MR_ENOMEM;
	}
	memcpy(h->data, m->data, m->len);
	h->data[m->len] = '\0';
	h->m = (struct mr_fetched){ h->key, h->data, m->len, h->label };
	h->d = d;
	snprintf(h->reason, sizeof(h->reason), "%s", reason ? reason : "");
	g->n++;
	g->bytes += m->len;
	return 0;
}

struct run {
	const struct mr_core *core;
	struct mr_account *a;
	const struct mr_fetch_opts *o;
	struct mr_store *store;
	const struct mr_log *log;
	struct mr_fetch_stats *s;
	struct group g;
	int in_tx;
	long long committed, crash_after;
};

/* Runs the processor on one message inside the open transaction and
 * records it there.  Returns 0 with *d_r set, MR_VERDICT-less negative
 * statuses: -1000 + status for a processor failure, or a store status. */
static int process_one(struct run *r, const struct mr_fetched *m, enum mr_disposition *d_r,
		       char *reason, size_t rsize, int *proc_failed_r, struct mr_error *err)
{
	*proc_failed_r = 0;
	reason[0] = '\0';
	int verdict = r->o->process(r->o->cookie, m, reason, rsize, err);
	if (verdict < 0) {
		*proc_failed_r = 1;
		return verdict;
	}
	*d_r = verdict == MR_VERDICT_IGNORED ? MR_DISPOSE_IGNORED : MR_DISPOSE_PROCESSED;
	return mr_store_msg_mark(r->store, r->a->name, m->key,
				       disposition_name(*d_r), r->core->now(r->core), err);
}

static void dispose_one(struct run *r, const struct mr_fetched *m, enum mr_disposition d)
{
	struct mr_error e = { 0 };
	if (r->a->ops->dispose(r->a->state, m, d, &e) != 0) {
		r->s->dispose_failed++;
		mr_log(r->log, MR_LOG_WARNING, "message %s is recorded but could not be moved "
		       "(the next run will): %s", m->label, e.msg);
	}
}

/* Commits the open transaction, then disposes of what it recorded. */
static int commit_group(struct run *r, struct mr_error *err)
{
	struct mr_error e = { 0 };
	r->in_tx = 0;
	int rc = mr_store_commit(r->store, &e);
	if (rc) {
		mr_store_rollback(r->store);
		rc = mr_error_set(err, rc, "account %s: store: cannot record message%s %s%s: %s",
				  r->a->name, r->g.n == 1 ? "" : "s",
				  r->g.n ? r->g.h[0].label : "", r->g.n > 1 ? " and after" : "", e.msg);
		group_clear(&r->g);
		return rc;
	}
	r->committed += (long long)r->g.n;
	for (size_t i = 0; i < r->g.n; i++) {
		struct held *h = &r->g.h[i];
		if (h->d == MR_DISPOSE_IGNORED) {
			r->s->ignored++;
			mr_log(r->log, MR_LOG_NOTICE, "message %s ignored: %s", h->label,
			       h->reason[0] ? h->reason : "the processor gave no reason");
		} else {
			r->s->processed++;
			mr_log(r->log, MR_LOG_DEBUG, "message %s processed", h->label);
		}
	}
	if (r->crash_after > 0 && r->committed >= r->crash_after) {
		mr_log(r->log, MR_LOG_WARNING, "%s=%lld: exiting after the commit of message %s, "
		       "before disposing of it", CRASH_HOOK_ENV, r->crash_after,
		       r->g.n ? r->g.h[r->g.n - 1].label : "?");
		_exit(75);
	}
	for (size_t i = 0; i < r->g.n; i++)
		dispose_one(r, &r->g.h[i].m, r->g.h[i].d);
	group_clear(&r->g);
	return 0;
}

/* After a processor failure rolled the transaction back: processes the
 * messages held before the failing one again, in a new transaction. */
static int redo_group(struct run *r, struct mr_error *err)
{
	if (r->g.n == 0)
		return 0;
	struct mr_error e = { 0 };
	int rc = mr_store_begin(r->store, &e);
	if (rc) {
		group_clear(&r->g);
		return mr_error_set(err, rc, "account %s: store: %s", r->a->name, e.msg);
	}
	r->in_tx = 1;
	for (size_t i = 0; i < r->g.n; i++) {
		int pf = 0;
		rc = process_one(r, &r->g.h[i].m, &r->g.h[i].d, r->g.h[i].reason,
				 sizeof(r->g.h[i].reason), &pf, &e);
		if (rc) {
			/* no longer what it was: leave them all for the next run */
			mr_store_rollback(r->store);
			r->in_tx = 0;
			r->s->failed += r->g.n;
			mr_log(r->log, MR_LOG_WARNING, "message %s failed when processed again, "
			       "%zu message%s left for the next run: %s", r->g.h[i].label, r->g.n,
			       r->g.n == 1 ? "" : "s", e.msg);
			group_clear(&r->g);
			return pf ? 0 : mr_error_set(err, rc, "account %s: store: %s", r->a->name,
						     e.msg);
		}
	}
	return commit_group(r, err);
}

int mr_fetch_run(const struct mr_core *core, struct mr_account *a,
		 const struct mr_fetch_opts *o, struct mr_fetch_stats *stats_r,
		 struct mr_error *err)
{
	struct mr_site *site = mr_core_site(core);
	struct mr_fetch_stats st0 = { 0 }, *s = stats_r ? stats_r : &st0;
	memset(s, 0, sizeof(*s));
	s->end = MR_FETCH_END_ERROR;
	struct mr_store *store = core->store(core);
	if (!store)
		return mr_error_set(err, MR_EINTERNAL, "account %s: the fetch loop needs the store",
				    a->name);
	if (!o || !o->process)
		return mr_error_set(err, MR_EINTERNAL, "account %s: no processor given", a->name);
	struct run r = { .core = core, .a = a, .o = o, .store = store, .s = s };
	r.log = o->log ? o->log : account_log(site, a);
	long long batch = o->batch ? (long long)o->batch : mr_cfg_int(a->cfg, "batch");
	if (batch <= 0)
		batch = 1000;
	size_t group_max = o->group ? o->group : GROUP_DEFAULT;
	const char *crash_env = getenv(CRASH_HOOK_ENV);
	r.crash_after = crash_env && *crash_env ? strtoll(crash_env, NULL, 10) : 0;

	struct mr_error e = { 0 };
	int rc = a->ops->open(a->state, &s->waiting, &e);
	if (rc)
		return mr_error_set(err, rc, "account %s: %s", a->name, e.msg);
	mr_log(r.log, MR_LOG_INFO, "%zu message%s waiting", s->waiting, s->waiting == 1 ? "" : "s");
	long long handled = 0;
	char what[160];
	snprintf(what, sizeof(what), "account %s", a->name);
	for (;;) {
		if (o->stop && *o->stop) {
			s->end = MR_FETCH_END_STOP;
			break;
		}
		if (o->deadline && core->now(core) >= o->deadline) {
			s->end = MR_FETCH_END_DEADLINE;
			break;
		}
		if (handled >= batch) {
			s->end = MR_FETCH_END_BATCH;
			break;
		}
		struct mr_fetched m = { 0 };
		memset(&e, 0, sizeof(e));
		int n = a->ops->next(a->state, &m, &e);
		if (n < 0) {
			rc = mr_error_set(err, n, "account %s: %s", a->name, e.msg);
			break;
		}
		if (n == 0) {
			s->end = MR_FETCH_END_EMPTY;
			break;
		}
		handled++;
		mr_progress(core, what, handled, (long long)s->waiting);
		int seen = 0;
		if ((n = mr_store_msg_seen(store, a->name, m.key, &seen, &e)) != 0) {
			rc = mr_error_set(err, n, "account %s: store: %s", a->name, e.msg);
			break;
		}
		if (seen) {
			/* recorded by an earlier run that did not get to dispose of it */
			enum mr_disposition d = recorded_disposition(store, a->name, m.key);
			s->already++;
			mr_log(r.log, MR_LOG_NOTICE, "message %s was recorded by an earlier run: "
			       "disposing of it as %s", m.label, disposition_name(d));
			dispose_one(&r, &m, d);
			continue;
		}
		if (!r.in_tx) {
			if ((n = mr_store_begin(store, &e)) != 0) {
				rc = mr_error_set(err, n, "account %s: store: %s", a->name, e.msg);
				break;
			}
			r.in_tx = 1;
		}
		char reason[200];
		enum mr_disposition d = MR_DISPOSE_PROCESSED;
		int proc_failed = 0;
		n = process_one(&r, &m, &d, reason, sizeof(reason), &proc_failed, &e);
		if (n && proc_failed) {
			mr_store_rollback(store);
			r.in_tx = 0;
			s->failed++;
			mr_log(r.log, MR_LOG_WARNING, "message %s left for the next run: %s", m.label,
			       e.msg[0] ? e.msg : mr_status_name(n));
			if ((rc = redo_group(&r, err)) != 0)
				break;
			continue;
		}
		if (n || (n = group_hold(&r.g, &m, d, reason)) != 0) {
			mr_store_rollback(store);
			r.in_tx = 0;
			group_clear(&r.g);
			rc = mr_error_set(err, n, "account %s: store: cannot record message %s: %s",
					  a->name, m.label, n == MR_ENOMEM ? "out of memory" : e.msg);
			break;
		}
		if (r.g.n >= group_max || r.g.bytes >= GROUP_MAX_BYTES ||
		    (r.crash_after > 0 && r.committed + (long long)r.g.n >= r.crash_after)) {
			if ((rc = commit_group(&r, err)) != 0)
				break;
		}
	}
	/* what is recorded in the open transaction is committed, even when the
	 * account failed: the messages are then recognised next time */
	if (r.in_tx) {
		struct mr_error ce = { 0 };
		int crc = commit_group(&r, &ce);
		if (crc && !rc)
			rc = mr_error_set(err, crc, "%s", ce.msg);
	}
	group_clear(&r.g);
	free(r.g.h);
	mr_progress(core, what, -1, 0);
	if (rc)
		s->end = MR_FETCH_END_ERROR;
	a->ops->close(a->state);
	mr_log(r.log, MR_LOG_INFO, "run ended: %zu processed, %zu ignored, %zu already recorded, "
	       "%zu failed, %zu not moved", s->processed, s->ignored, s->already, s->failed,
	       s->dispose_failed);
	return rc;
}
