/* SPDX-License-Identifier: MIT */
/*
 * The SQLite store under contention and re-entry: two processes running
 * write transactions at once both succeed (busy timeout), a listing's
 * callback may call the store again, and the throughput figures of the
 * spool are printed as TAP comments.  Works in a fresh temporary directory
 * that it removes at the end.
 */
#include "config.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "mr.h"
#include <mailroom/mail.h>
#include "tap.h"

static char ini[4096];

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

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

static int add(struct mr_store *st, const char *subject, int64_t added, struct mr_error *err)
{
	static char body[2048];
	memset(body, 'x', sizeof(body) - 2);
	body[sizeof(body) - 2] = '\r';
	body[sizeof(body) - 1] = '\n';
	struct mr_spool_msg m = { .added = added, .sender = "s@example.org",
				  .recipient = "r@example.org", .subject = subject,
				  .headers = "Subject: x\r\n\r\n", .headers_len = 14,
				  .body = body, .body_len = sizeof(body) };
	int64_t id;
	return mr_store_spool_add(st, &m, &id, err);
}

#define ROUNDS 150
#define PER_TX 4

/* One writer process: ROUNDS transactions, each with PER_TX spool rows and
 * a job run.  Returns the number of failed transactions. */
static int writer(int n)
{
	struct mr_site *site = open_site();
	if (!site)
		return ROUNDS;
	struct mr_store *st = &site->store;
	int failed = 0;
	char job[32], subject[64];
	snprintf(job, sizeof(job), "writer%d", n);
	for (int r = 0; r < ROUNDS; r++) {
		struct mr_error err = { 0 };
		int rc = mr_store_begin(st, &err);
		for (int i = 0; rc == 0 && i < PER_TX; i++) {
			snprintf(subject, sizeof(subject), "w%d r%d i%d", n, r, i);
			rc = add(st, subject, 1000 + r, &err);
		}
		int64_t run = 0;
		if (rc == 0)
			rc = mr_store_job_run_start(st, job, n, getpid(), r, &run, &err);
		if (rc == 0)
			rc = mr_store_job_run_end(st, run, r + 1, MR_JOB_OK, "ok", "", &err);
		if (rc == 0)
			rc = mr_store_commit(st, &err);
		if (rc) {
			mr_store_rollback(st);
			fprintf(stderr, "writer %d round %d: %s\n", n, r, err.msg);
			failed++;
		}
		if (r % 10 == 0)
			usleep(1000);
	}
	mr_site_close(site);
	return failed;
}

static int count_spool(void *cookie, const struct mr_spool_msg *m)
{
	(void)m;
	(*(int64_t *)cookie)++;
	return 0;
}

static int count_runs(void *cookie, const struct mr_job_run *r)
{
	(void)r;
	(*(int64_t *)cookie)++;
	return 0;
}

/* A listing callback that calls the store again (get and a nested list). */
struct reentry {
	struct mr_store *st;
	int rows, inner_ok;
};

static int reenter(void *cookie, const struct mr_spool_msg *m)
{
	struct reentry *re = cookie;
	struct mr_error err = { 0 };
	int64_t inner = 0;
	re->rows++;
	if (mr_store_spool_get(re->st, m->id, count_spool, &inner, &err) == 0 &&
	    inner == 1 &&
	    mr_store_spool_list(re->st, 2, count_spool, &inner, &err) == 0 && inner == 3)
		re->inner_ok++;
	return re->rows >= 5 ? 7 : 0;
}

/* Removes the files this test made. */
static void cleanup(const char *dir)
{
	static const char *const files[] = { "stress/mailroom.db", "stress/mailroom.db-wal",
					     "stress/mailroom.db-shm", "stress.ini", "stress" };
	char p[2048];
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", dir, files[i]);
		if (unlink(p) != 0)
			rmdir(p);
	}
	rmdir(dir);
}

int main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	const char *tmp = getenv("TMPDIR");
	char dir[1024];
	snprintf(dir, sizeof(dir), "%s/mailroom-stress.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir)) {
		perror(dir);
		return 2;
	}
	snprintf(ini, sizeof(ini), "%s/stress.ini", dir);
	FILE *f = fopen(ini, "w");
	if (!f) {
		perror(ini);
		return 2;
	}
	fprintf(f, "[mailroom]\nstore = sqlite\ntransport = spool\n[store-sqlite]\n"
		"path = %s/stress/mailroom.db\nbusy_timeout = 20s\n", dir);
	fclose(f);

	/* create the schema first, so the writers only contend on writes */
	struct mr_site *site = open_site();
	if (!TAP_OK(site != NULL, "the store opens")) {
		printf("Bail out! no store\n");
		return tap_done();
	}
	mr_site_close(site);

	double t0 = now_ms();
	pid_t pids[2];
	for (int n = 0; n < 2; n++) {
		fflush(stdout);
		pids[n] = fork();
		if (pids[n] == 0)
			_exit(writer(n + 1) ? 1 : 0);
	}
	for (int n = 0; n < 2; n++) {
		int status = -1;
		waitpid(pids[n], &status, 0);
		TAP_OK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		       "writer %d: all %d transactions committed", n + 1, ROUNDS);
	}
	double took = now_ms() - t0;
	printf("# 2 processes x %d transactions (%d x 2 KB spool rows + a job run each): %.0f ms, "
	       "%.0f transactions/s\n", ROUNDS, PER_TX, took, 2 * ROUNDS / (took / 1000.0));

	site = open_site();
	if (!TAP_OK(site != NULL, "the store opens after the writers")) {
		printf("Bail out! no store\n");
		return tap_done();
	}
	struct mr_store *st = &site->store;
	struct mr_error err = { 0 };
	int64_t n = 0;
	mr_store_spool_list(st, 0, count_spool, &n, &err);
	TAP_INT(n, 2 * ROUNDS * PER_TX, "every row of both writers is in the spool");
	for (int w = 1; w <= 2; w++) {
		char job[32];
		snprintf(job, sizeof(job), "writer%d", w);
		n = 0;
		mr_store_job_run_list(st, job, 0, count_runs, &n, &err);
		TAP_INT(n, ROUNDS, "every job run of writer %d is logged", w);
	}

	/* a listing's callback calls the store again */
	struct reentry re = { st, 0, 0 };
	int rc = mr_store_spool_list(st, 0, reenter, &re, &err);
	TAP_INT(rc, 7, "a re-entered listing still returns its callback's value");
	TAP_INT(re.rows, 5, "a re-entered listing stops where its callback said");
	TAP_INT(re.inner_ok, 5, "spool_get and spool_list work inside a spool_list callback");
	n = 0;
	rc = mr_store_spool_list(st, 3, count_spool, &n, &err);
	TAP_INT(n, 3, "the cached statement works again after re-entry");

	/* throughput figures on one connection */
	int64_t purged = 0;
	mr_store_spool_purge(st, INT64_MAX, &purged, &err);
	t0 = now_ms();
	int ok = mr_store_begin(st, &err) == 0;
	for (int i = 0; ok && i < 5000; i++)
		ok = add(st, "bulk", 2000, &err) == 0;
	ok = ok && mr_store_commit(st, &err) == 0;
	took = now_ms() - t0;
	TAP_OK(ok, "5000 spool rows in one transaction (%s)", ok ? "ok" : err.msg);
	printf("# spool_add, 2 KB rows, one transaction: %.0f rows/s\n", 5000 / (took / 1000.0));
	t0 = now_ms();
	ok = 1;
	for (int i = 0; ok && i < 300; i++)
		ok = add(st, "auto", 3000, &err) == 0;
	took = now_ms() - t0;
	TAP_OK(ok, "300 spool rows outside a transaction");
	printf("# spool_add, 2 KB rows, one transaction each (synchronous = normal): %.0f rows/s\n",
	       300 / (took / 1000.0));
	mr_site_close(site);
	cleanup(dir);
	return tap_done();
}
