/* SPDX-License-Identifier: MIT */
/*
 * store-mariadb under concurrency: WORKERS processes, each with its own
 * connection, lease one mailing's recipients in batches (FOR UPDATE SKIP
 * LOCKED), record each leased row as "sent" in a file of their own and
 * then its outcome, while a killer process cuts every connection of the
 * store's user (KILL CONNECTION USER) several times.  No row may be sent
 * twice, none lost: the rows sent are the mailing's rows, those whose
 * outcome was cut off are in doubt, never queued or sent again.  With PARTS
 * (the site's [store-mariadb] build_part) the queue_build makes a first part
 * and the workers' claims build the rest while their connections are cut.
 * usage: mariadb-workers SITE.ini SOCKET USER DIR [PARTS] (tests/store/mariadb-workers.sh)
 */
#include "config.h"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "mr.h"
#include "tap.h"

#define RECIPIENTS 3000
#define WORKERS 4
#define BATCH 50
#define KILLS 3

static const char *ini, *sock, *user, *dir;

static struct mr_site *open_site(void)
{
	struct mr_diags d = { 0 };
	struct mr_error err = { 0 };
	struct mr_site *site = NULL;
	int rc = mr_site_open(ini, MR_OPEN_STORE, &d, &site, &err);
	for (size_t i = 0; i < d.n; i++)
		printf("# %s\n", d.items[i]);
	mr_diags_free(&d);
	if (rc)
		printf("# %s\n", err.msg);
	return rc ? NULL : site;
}

struct batch {
	int64_t ids[BATCH];
	size_t n;
};

static int collect(void *cookie, const struct mr_recipient *r)
{
	struct batch *b = cookie;
	if (b->n < BATCH)
		b->ids[b->n++] = r->queue_id;
	return 0;
}

/* One worker: leases until nothing is left; exits 0, or 1 on a failure it
 * could not get past. */
static int worker(int n, int64_t mid)
{
	char owner[32], path[4096];
	snprintf(owner, sizeof(owner), "host%d:%d", n, (int)getpid());
	snprintf(path, sizeof(path), "%s/sent.%d", dir, n);
	FILE *f = fopen(path, "w");
	struct mr_site *site = open_site();
	if (!f || !site)
		return 1;
	struct mr_store *st = &site->store;
	int fails = 0;
	for (int round = 0; round < 10000 && fails < 50; round++) {
		struct mr_error err = { 0 };
		struct batch b = { .n = 0 };
		int64_t now = time(NULL);
		if (mr_store_queue_claim(st, mid, owner, now, now + 600, BATCH, collect, &b, &err)) {
			fprintf(stderr, "worker %d: claim: %s\n", n, err.msg);
			fails++;
			continue;
		}
		if (b.n == 0)
			break;
		if (mr_store_queue_mark(st, owner, 1, &err)) {
			fprintf(stderr, "worker %d: mark: %s\n", n, err.msg);
			fails++;
			continue;
		}
		struct mr_queue_outcome o[BATCH];
		memset(o, 0, sizeof(o));
		for (size_t i = 0; i < b.n; i++) {
			fprintf(f, "%lld\n", (long long)b.ids[i]); /* "handed to the server" */
			o[i] = (struct mr_queue_outcome){ .queue_id = b.ids[i], .result = MR_QUEUE_SENT,
							  .when = now, .code = 250 };
		}
		fflush(f);
		if (mr_store_queue_outcome(st, o, b.n, &err)) {
			/* as process-mailing does: the batch's rows are in doubt */
			fprintf(stderr, "worker %d: outcome: %s\n", n, err.msg);
			fails++;
			mr_store_queue_recover(st, owner, now, 0, NULL, NULL, &err);
		}
	}
	fclose(f);
	mr_site_close(site);
	return fails < 50 ? 0 : 1;
}

/* Cuts every connection of the store's user, KILLS times, 0.3 s apart. */
static int killer(void)
{
	char sql[256];
	snprintf(sql, sizeof(sql), "KILL CONNECTION USER '%s'", user);
	for (int i = 0; i < KILLS; i++) {
		struct timespec ts = { .tv_sec = 0, .tv_nsec = 300000000L };
		nanosleep(&ts, NULL);
		pid_t p = fork();
		if (p == 0) {
			char sockarg[4200];
			snprintf(sockarg, sizeof(sockarg), "--socket=%s", sock);
			char *argv[] = { "mariadb", "--no-defaults", sockarg, "-uroot", "-e", sql, NULL };
			execvp("mariadb", argv);
			_exit(127);
		}
		int status = 0;
		if (p > 0)
			waitpid(p, &status, 0);
	}
	return 0;
}

static int cmp64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	if (argc != 5 && argc != 6) {
		fprintf(stderr, "usage: mariadb-workers SITE.ini SOCKET USER DIR [PARTS]\n");
		return 64;
	}
	ini = argv[1], sock = argv[2], user = argv[3], dir = argv[4];
	int parts = argc == 6 && atoi(argv[5]) > 0;
	struct mr_site *site = open_site();
	if (!site) {
		printf("Bail out! cannot open the store\n");
		return 1;
	}
	struct mr_store *st = &site->store;
	struct mr_error err = { 0 };
	TAP_INT(mr_store_group_add(st, "all", NULL, NULL, &err), 0, "a group");
	TAP_INT(mr_store_begin(st, &err), 0, "begin the import");
	int bad = 0;
	for (int i = 0; i < RECIPIENTS; i++) {
		char email[64];
		snprintf(email, sizeof(email), "r%05d@example.org", i);
		struct mr_contact c = { .email = email, .first_name = "R" };
		int64_t id = 0;
		if (mr_store_contact_upsert(st, &c, &id, NULL, &err) ||
		    mr_store_group_member(st, "all", id, 1, &err))
			bad++;
	}
	TAP_INT(bad, 0, "%d contacts imported", RECIPIENTS);
	TAP_INT(mr_store_commit(st, &err), 0, "commit the import");
	const char *groups[] = { "all" };
	struct mr_mailing m = { .name = "m", .subject = "s", .from_email = "f@example.org",
				.include_groups = groups, .n_include = 1 };
	int64_t mid = 0, job = 0, count = 0, now = time(NULL);
	TAP_INT(mr_store_mailing_create(st, &m, &mid, &err), 0, "a mailing");
	TAP_INT(mr_store_mailing_set_status(st, mid, MR_MAILING_SCHEDULED, now, &err), 0,
		"scheduled");
	TAP_INT(mr_store_mailing_due(st, now, 0, &mid, &job, &err), 0, "it is due");
	TAP_INT(mr_store_queue_build(st, job, 0, &count, &err), 0, "queue built");
	if (parts)
		TAP_OK(count > 0 && count < RECIPIENTS, "a first part of the queue (%lld rows)",
		       (long long)count);
	else
		TAP_INT(count, RECIPIENTS, "one row per recipient");

	struct timespec a, b2;
	clock_gettime(CLOCK_MONOTONIC, &a);
	pid_t pids[WORKERS + 1];
	for (int i = 0; i < WORKERS; i++) {
		fflush(stdout);
		if ((pids[i] = fork()) == 0)
			_exit(worker(i, mid));
	}
	fflush(stdout);
	if ((pids[WORKERS] = fork()) == 0)
		_exit(killer());
	int failed = 0;
	for (int i = 0; i <= WORKERS; i++) {
		int status = 0;
		waitpid(pids[i], &status, 0);
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			failed++;
	}
	clock_gettime(CLOCK_MONOTONIC, &b2);
	double secs = (b2.tv_sec - a.tv_sec) + (b2.tv_nsec - a.tv_nsec) / 1e9;
	TAP_INT(failed, 0, "%d workers and the connection killer exit 0", WORKERS);

	/* every row handed out, once */
	int64_t *ids = malloc(sizeof(*ids) * (RECIPIENTS * 2 + 16));
	size_t n = 0;
	for (int i = 0; i < WORKERS; i++) {
		char path[4096];
		snprintf(path, sizeof(path), "%s/sent.%d", dir, i);
		FILE *f = fopen(path, "r");
		long long v;
		while (f && n < RECIPIENTS * 2 + 16 && fscanf(f, "%lld", &v) == 1)
			ids[n++] = v;
		if (f)
			fclose(f);
	}
	qsort(ids, n, sizeof(*ids), cmp64);
	size_t dups = 0, distinct = 0;
	for (size_t i = 0; i < n; i++) {
		if (i && ids[i] == ids[i - 1])
			dups++;
		else
			distinct++;
	}
	free(ids);
	struct mr_mailing_stats s;
	/* a fresh connection: the parent's was cut by the killer too */
	TAP_INT(mr_store_mailing_stats(st, mid, &s, &err), 0, "stats");
	TAP_INT(dups, 0, "no row handed to the transport twice");
	TAP_INT(distinct, RECIPIENTS, "every row handed to the transport");
	TAP_INT(s.sent + s.in_doubt, RECIPIENTS, "sent + in doubt = the recipients (in doubt: %lld)",
		(long long)s.in_doubt);
	TAP_INT(s.queued + s.sending + s.retrying, 0, "nothing left queued, leased or sending");
	printf("# %d recipients, %d workers, %d connection kills: %.2f s, %.0f recipients/s\n",
	       RECIPIENTS, WORKERS, KILLS, secs, RECIPIENTS / secs);
	mr_site_close(site);
	return tap_done();
}
