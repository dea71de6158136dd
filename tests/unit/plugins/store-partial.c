/* SPDX-License-Identifier: MIT */
/* A store with only the base table and a spool (for the store-capability tests), and with -DBROKEN_QUEUE_* a queue sub-table that the loader must refuse. */
#include "config.h"
#include <mailroom/plugin.h>

/* Every slot says MR_EUNSUPPORTED: the tests only load and check it. */
#define NOPE(name, ...) \
	static int name(void *state, __VA_ARGS__, struct mr_error *err) \
	{ \
		(void)state; \
		err->status = MR_EUNSUPPORTED; \
		snprintf(err->msg, sizeof(err->msg), "%s: a test store", #name); \
		return MR_EUNSUPPORTED; \
	}

static int p_init(const struct mr_plugin_ctx *ctx, void **state_r, struct mr_error *err)
{
	(void)ctx;
	(void)err;
	*state_r = NULL;
	return 0;
}

static void p_deinit(void *state)
{
	(void)state;
}

static int p_begin(void *state, struct mr_error *err)
{
	(void)state;
	(void)err;
	return 0;
}

static void p_rollback(void *state)
{
	(void)state;
}

NOPE(p_schema_version, int *v)
NOPE(p_job_run_start, const char *j, int w, int pid, int64_t t, int64_t *id)
NOPE(p_job_run_end, int64_t id, int64_t t, enum mr_job_outcome o, const char *m, const char *d)
NOPE(p_job_run_list, const char *j, int64_t l, mr_job_run_cb *cb, void *c)
NOPE(p_purge, int64_t before, int64_t *count_r)
NOPE(p_msg_seen, const char *a, const char *k, int *seen_r)
NOPE(p_msg_mark, const char *a, const char *k, const char *o, int64_t t)
NOPE(p_msg_outcome, const char *a, const char *k, char **o)
NOPE(p_user_put, const struct mr_user *u)
NOPE(p_user_get, const char *n, mr_user_cb *cb, void *c)
NOPE(p_user_list, mr_user_cb *cb, void *c)
NOPE(p_user_delete, const char *n)
NOPE(p_spool_add, const struct mr_spool_msg *m, int64_t *id)
NOPE(p_spool_list, int64_t l, mr_spool_cb *cb, void *c)
NOPE(p_spool_get, int64_t id, mr_spool_cb *cb, void *c)

static const struct mr_store_spool_ops p_spool = {
	.size = sizeof(struct mr_store_spool_ops),
	.spool_add = p_spool_add,
	.spool_list = p_spool_list,
	.spool_get = p_spool_get,
	.spool_purge = p_purge,
};

#if defined(BROKEN_QUEUE_SLOT) || defined(BROKEN_QUEUE_SIZE)
NOPE(p_mailing_create, const struct mr_mailing *m, int64_t *id)
NOPE(p_mailing_get, int64_t id, mr_mailing_cb *cb, void *c)
NOPE(p_mailing_list, mr_mailing_cb *cb, void *c)
NOPE(p_mailing_set_status, int64_t id, enum mr_mailing_status s, int64_t t)
NOPE(p_mailing_due, int64_t now, int64_t after, int64_t *m, int64_t *j)
NOPE(p_queue_build, int64_t j, int64_t size, int64_t *n)
NOPE(p_queue_recover, const char *o, int64_t now, int r, int64_t *a, int64_t *b)
NOPE(p_queue_mark, const char *o, int sending)
NOPE(p_queue_unstarted, const char *o, const int64_t *ids, size_t n, int64_t *back)
NOPE(p_queue_outcome, const struct mr_queue_outcome *o, size_t n)
NOPE(p_mailing_finish, int64_t id, int64_t now, int *done)
NOPE(p_mailing_stats, int64_t id, struct mr_mailing_stats *s)
#if !defined(BROKEN_QUEUE_SLOT)
NOPE(p_queue_claim, int64_t m, const char *o, int64_t now, int64_t until, size_t max,
     mr_recipient_cb *cb, void *c)
#endif

static const struct mr_store_queue_ops p_queue = {
#if defined(BROKEN_QUEUE_SIZE)
	/* as if built against a queue table without its last slot */
	.size = offsetof(struct mr_store_queue_ops, mailing_stats),
#else
	.size = sizeof(struct mr_store_queue_ops),
#endif
	.mailing_create = p_mailing_create,
	.mailing_get = p_mailing_get,
	.mailing_list = p_mailing_list,
	.mailing_set_status = p_mailing_set_status,
	.mailing_due = p_mailing_due,
	.queue_build = p_queue_build,
	.queue_recover = p_queue_recover,
#if !defined(BROKEN_QUEUE_SLOT)
	.queue_claim = p_queue_claim,
#endif
	.queue_mark = p_queue_mark,
	.queue_unstarted = p_queue_unstarted,
	.queue_outcome = p_queue_outcome,
	.mailing_finish = p_mailing_finish,
	.mailing_stats = p_mailing_stats,
};
#endif

static const struct mr_store_ops p_ops = {
	.size = sizeof(struct mr_store_ops),
	.init = p_init,
	.deinit = p_deinit,
	.begin = p_begin,
	.commit = p_begin,
	.rollback = p_rollback,
	.schema_version = p_schema_version,
	.job_run_start = p_job_run_start,
	.job_run_end = p_job_run_end,
	.job_run_list = p_job_run_list,
	.job_run_purge = p_purge,
	.msg_seen = p_msg_seen,
	.msg_mark = p_msg_mark,
	.msg_purge = p_purge,
	.msg_outcome = p_msg_outcome,
	.user_put = p_user_put,
	.user_get = p_user_get,
	.user_list = p_user_list,
	.user_delete = p_user_delete,
	.spool = &p_spool,
#if defined(BROKEN_QUEUE_SLOT) || defined(BROKEN_QUEUE_SIZE)
	.queue = &p_queue,
#endif
};

static const struct mr_key p_keys[] = { { 0 } };

MR_PLUGIN_DEFINE(MR_KIND_STORE, PLUGIN_NAME, "1.0", "a store-capability test plugin", p_keys, 0,
		 &p_ops);
