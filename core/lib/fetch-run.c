/* SPDX-License-Identifier: MIT */
/* The fetch loop of one mail account: each message is processed and recorded in one store transaction, and disposed of only after the commit, so a crash never loses or double-counts a message. */
#include "config.h"
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <gmime/gmime.h>
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

char *mr_msg_header(const char *data, size_t len, const char *name)
{
	size_t body_off, hl = mr_mime_header_len(data, len, &body_off);
	size_t nl = strlen(name);
	for (size_t i = 0; i < hl; i++) {
		if (!(i == 0 || data[i - 1] == '\n') || hl - i <= nl || data[i + nl] != ':' ||
		    strncasecmp(data + i, name, nl) != 0)
			continue;
		size_t j = i + nl + 1, n = 0;
		char *raw = malloc(hl - j + 1);
		if (!raw)
			return NULL;
		for (; j < hl; j++) {
			if (data[j] == '\r')
				continue;
			if (data[j] == '\n') {
				if (j + 1 < hl && (data[j + 1] == ' ' || data[j + 1] == '\t'))
					continue;
				break;
			}
			raw[n++] = data[j] == '\t' ? ' ' : data[j];
		}
		raw[n] = '\0';
		char *start = raw;
		while (*start == ' ')
			start++;
		g_mime_init();
		char *dec = g_mime_utils_header_decode_text(NULL, start);
		free(raw);
		if (!dec)
			return NULL;
		char *out = strdup(dec);
		g_free(dec);
		return out;
	}
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
	if (!MR_OPS_HAS(st->ops, msg_outcome))
		return MR_DISPOSE_PROCESSED;
	char *outcome = NULL;
	struct mr_error e = { 0 };
	enum mr_disposition d = MR_DISPOSE_PROCESSED;
	if (st->ops->msg_outcome(st->state, account, key, &outcome, &e) == 0 && outcome &&
	    strcmp(outcome, "ignored") == 0)
		d = MR_DISPOSE_IGNORED;
	free(outcome);
	return d;
}

static const char *disposition_name(enum mr_disposition d)
{
	return d == MR_DISPOSE_IGNORED ? "ignored" : d == MR_DISPOSE_PROCESSED ? "processed" : "kept";
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
	const struct mr_log *log = o->log ? o->log : account_log(site, a);
	long long batch = o->batch ? (long long)o->batch : mr_cfg_int(a->cfg, "batch");
	if (batch <= 0)
		batch = 1000;
	const char *crash_env = getenv(CRASH_HOOK_ENV);
	long long crash_after = crash_env && *crash_env ? strtoll(crash_env, NULL, 10) : 0;

	struct mr_error e = { 0 };
	int rc = a->ops->open(a->state, &s->waiting, &e);
	if (rc)
		return mr_error_set(err, rc, "account %s: %s", a->name, e.msg);
	mr_log(log, MR_LOG_INFO, "%zu message%s waiting", s->waiting, s->waiting == 1 ? "" : "s");
	long long handled = 0, commits = 0;
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
		int r = a->ops->next(a->state, &m, &e);
		if (r < 0) {
			rc = mr_error_set(err, r, "account %s: %s", a->name, e.msg);
			break;
		}
		if (r == 0) {
			s->end = MR_FETCH_END_EMPTY;
			break;
		}
		handled++;
		int seen = 0;
		r = store->ops->msg_seen(store->state, a->name, m.key, &seen, &e);
		if (r) {
			rc = mr_error_set(err, r, "account %s: store: %s", a->name, e.msg);
			break;
		}
		enum mr_disposition d;
		if (seen) {
			/* recorded by an earlier run that did not get to dispose of it */
			d = recorded_disposition(store, a->name, m.key);
			s->already++;
			mr_log(log, MR_LOG_NOTICE, "message %s was recorded by an earlier run: "
			       "disposing of it as %s", m.label, disposition_name(d));
		} else {
			char reason[256] = "";
			if ((r = store->ops->begin(store->state, &e)) != 0) {
				rc = mr_error_set(err, r, "account %s: store: %s", a->name, e.msg);
				break;
			}
			int verdict = o->process(o->cookie, &m, reason, sizeof(reason), &e);
			if (verdict < 0) {
				store->ops->rollback(store->state);
				s->failed++;
				mr_log(log, MR_LOG_WARNING, "message %s left for the next run: %s",
				       m.label, e.msg[0] ? e.msg : mr_status_name(verdict));
				continue;
			}
			d = verdict == MR_VERDICT_IGNORED ? MR_DISPOSE_IGNORED : MR_DISPOSE_PROCESSED;
			r = store->ops->msg_mark(store->state, a->name, m.key, disposition_name(d),
						 core->now(core), &e);
			if (r == 0)
				r = store->ops->commit(store->state, &e);
			if (r) {
				store->ops->rollback(store->state);
				rc = mr_error_set(err, r, "account %s: store: cannot record message "
						  "%s: %s", a->name, m.label, e.msg);
				break;
			}
			if (crash_after > 0 && ++commits == crash_after) {
				mr_log(log, MR_LOG_WARNING, "%s=%lld: exiting after the commit of "
				       "message %s, before disposing of it", CRASH_HOOK_ENV,
				       crash_after, m.label);
				_exit(75);
			}
			if (d == MR_DISPOSE_IGNORED) {
				s->ignored++;
				mr_log(log, MR_LOG_NOTICE, "message %s ignored: %s", m.label,
				       reason[0] ? reason : "the processor gave no reason");
			} else {
				s->processed++;
				mr_log(log, MR_LOG_DEBUG, "message %s processed", m.label);
			}
		}
		memset(&e, 0, sizeof(e));
		if ((r = a->ops->dispose(a->state, &m, d, &e)) != 0) {
			s->dispose_failed++;
			mr_log(log, MR_LOG_WARNING, "message %s is recorded but could not be "
			       "moved (the next run will): %s", m.label, e.msg);
		}
	}
	a->ops->close(a->state);
	mr_log(log, MR_LOG_INFO, "run ended: %zu processed, %zu ignored, %zu already recorded, "
	       "%zu failed, %zu not moved", s->processed, s->ignored, s->already, s->failed,
	       s->dispose_failed);
	return rc;
}
