/* SPDX-License-Identifier: MIT */
/*
 * The store conformance suite's shared-lock part (included by cases.c, so
 * that it shares its TAP counters): acquire, conflict, release, renewal
 * while the instance lives, expiry when it is gone, and lock groups (names
 * under one prefix) listed together.  Run for every store with the lock
 * capability; it takes about ten seconds of waiting for leases.
 * Semantics checked here that store.h leaves implicit:
 * - the conflict error names the holder;
 * - releasing a lock one does not hold is not an error and frees nothing;
 * - a lock whose instance was closed without releasing it is taken over
 *   once its lease has run out, and not before;
 * - lock_list gives the names under a prefix in name order, with the
 *   owner and acquired <= expires.
 */

struct lock_rows {
	int n;
	char name[8][64];
	char owner[8][64];
	int held[8];
	int times_ok;
};

static int lock_collect(void *cookie, const struct mr_store_lock_info *l)
{
	struct lock_rows *r = cookie;
	if (r->n < 8) {
		snprintf(r->name[r->n], sizeof(r->name[0]), "%s", l->name);
		snprintf(r->owner[r->n], sizeof(r->owner[0]), "%s", l->owner);
		r->held[r->n] = l->held;
		r->n++;
	}
	r->times_ok += l->acquired > 0 && l->acquired <= l->expires;
	return 0;
}

static void test_locks(struct mr_store *st)
{
	struct mr_error err = { 0 };
	TAP_INT(mr_store_lock_try(st, "cc-job-a", "hostA:1", 3, &err), 0, "lock_try takes a free lock");
	err.msg[0] = '\0';
	TAP_INT(mr_store_lock_try(st, "cc-job-a", "hostB:2", 60, &err), MR_ETEMP,
		"another owner is refused with MR_ETEMP");
	TAP_OK(strstr(err.msg, "hostA:1") != NULL, "and the error names the holder (%s)", err.msg);
	TAP_INT(mr_store_lock_release(st, "cc-job-a", "hostB:2", &err), 0,
		"releasing a lock one does not hold is not an error");
	TAP_INT(mr_store_lock_try(st, "cc-job-a", "hostB:2", 60, &err), MR_ETEMP,
		"and does not free it");
	/* lock groups: several names under one prefix */
	TAP_INT(mr_store_lock_try(st, "cc-group-mailbox.fetch-bounces", "hostA:1", 30, &err), 0,
		"a lock group's first member");
	TAP_INT(mr_store_lock_try(st, "cc-group-mailbox.fetch-activities", "hostB:2", 30, &err), 0,
		"another name of the group is a lock of its own");
	TAP_INT(mr_store_lock_try(st, "cc-group-other", "hostB:2", 30, &err), 0, "an unrelated lock");
	struct lock_rows r = { 0 };
	TAP_INT(mr_store_lock_list(st, "cc-group-mailbox.", lock_collect, &r, &err), 0,
		"lock_list of a prefix");
	TAP_INT(r.n, 2, "lists the group's two locks only");
	TAP_STR(r.name[0], "cc-group-mailbox.fetch-activities", "in name order, first");
	TAP_STR(r.name[1], "cc-group-mailbox.fetch-bounces", "then the second");
	TAP_STR(r.owner[1], "hostA:1", "with its owner");
	TAP_OK(r.held[0] && r.held[1] && r.times_ok == 2, "held, acquired <= expires");
	/* renewal: a 3 s lease outlives 5 s while this instance lives */
	sleep(5);
	TAP_INT(mr_store_lock_try(st, "cc-job-a", "hostB:2", 60, &err), MR_ETEMP,
		"a lock is renewed while its instance lives (5 s past a 3 s lease)");
	/* release, then another owner takes it */
	TAP_INT(mr_store_lock_release(st, "cc-job-a", "hostA:1", &err), 0, "the holder releases");
	TAP_INT(mr_store_lock_try(st, "cc-job-a", "hostB:2", 60, &err), 0,
		"then another owner takes it");
	mr_store_lock_release(st, "cc-job-a", "hostB:2", &err);
	const char *group[] = { "cc-group-mailbox.fetch-bounces", "cc-group-mailbox.fetch-activities",
				"cc-group-other" };
	const char *owners[] = { "hostA:1", "hostB:2", "hostB:2" };
	for (int i = 0; i < 3; i++)
		mr_store_lock_release(st, group[i], owners[i], &err);
	r.n = 0;
	mr_store_lock_list(st, "cc-group-", lock_collect, &r, &err);
	TAP_INT(r.n, 0, "released locks are gone from the list");
	/* expiry: an instance closed without releasing loses its lock when the
	 * lease runs out (a host that died) */
	void *conn2 = NULL;
	struct mr_store *other = hooks->open(hooks->cookie, &conn2);
	if (!TAP_OK(other != NULL, "a second instance of the store opens"))
		return;
	TAP_INT(mr_store_lock_try(other, "cc-job-dead", "hostC:3", 2, &err), 0,
		"the second instance takes a lock for 2 s");
	hooks->close(conn2);
	TAP_INT(mr_store_lock_try(st, "cc-job-dead", "hostA:1", 60, &err), MR_ETEMP,
		"right after its instance is gone the lock is still held");
	sleep(4);
	TAP_INT(mr_store_lock_try(st, "cc-job-dead", "hostA:1", 60, &err), 0,
		"after the lease it is taken over (%s)", err.msg);
	r.n = 0;
	mr_store_lock_list(st, "cc-job-dead", lock_collect, &r, &err);
	TAP_OK(r.n == 1 && strcmp(r.owner[0], "hostA:1") == 0, "and lists its new owner");
	mr_store_lock_release(st, "cc-job-dead", "hostA:1", &err);
}
