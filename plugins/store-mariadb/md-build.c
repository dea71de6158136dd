/* SPDX-License-Identifier: MIT */
/* A mailing's queue built in parts of build_part emails: the first when the mailing starts (queue_build), the next ones ahead of the claims by a builder thread on a connection of its own (or by a claim that runs short), each part in one transaction with the parent job's place in the build (job_offset), so that sending starts at once and goes on while the rest is built. */
#include "config.h"
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "db.h"
#include "md-conf.h"

/* The thread that builds parts ahead of this instance's claims. */
struct md_builder {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_t thread;
	int stop;
	pid_t pid;             /* the process whose thread it is */
	int64_t want, want_at; /* a mailing whose next part is wanted, and the
				* last row its claims picked (want 0: none) */
	struct md_state conn;  /* the builder's own connection */
};

static int64_t part_size(const struct md_state *s)
{
	return ((const struct mariadb_conf *)s->conf)->build_part;
}

/* Builds the part of parent's queue of size emails that starts at email id
 * from (size 0: every email from there, the parent's place not written).
 * *next_r gets the email id the next part starts from (0: none is left) and
 * *count_r the rows made. */
static int build_part(struct md_state *s, int64_t parent, int64_t mid, int64_t from,
		      int64_t size, int64_t *next_r, int64_t *count_r, struct mr_error *err)
{
	int64_t n = 0, last = INT64_MAX, lo = 0, hi = INT64_MAX;
	struct md_use u;
	int rc = 0, src;
	*count_r = 0;
	*next_r = 0;
	if (size > 0) {
		if ((rc = md_acquire(s, MD_QUEUE_PART_SPAN, &u, err)) != 0)
			return rc;
		md_bind_int64(u.st, 1, from);
		md_bind_int64(u.st, 2, size);
		if ((src = md_step(u.st)) == MD_ROW) {
			n = md_col_int64(u.st, 0);
			last = md_col_int64(u.st, 1);
			lo = md_col_int64(u.st, 2);
			hi = md_col_int64(u.st, 3);
		} else {
			rc = md_fail(s, src, "finding the emails of a part of the queue", err);
		}
		md_release(&u);
		if (rc)
			return rc;
		*next_r = n < size ? 0 : last + 1;
	}
	if ((rc = md_acquire(s, MD_QUEUE_BUILD_PART, &u, err)) != 0)
		return rc;
	md_bind_int64(u.st, 1, parent);
	md_bind_int64(u.st, 2, mid);
	md_bind_int64(u.st, 3, from);
	md_bind_int64(u.st, 4, last);
	md_bind_int64(u.st, 5, lo);
	md_bind_int64(u.st, 6, hi);
	rc = md_run(s, &u, "building a mailing's recipient queue", err);
	*count_r = rc ? 0 : md_changes(s);
	md_release(&u);
	if (rc || size == 0 || (rc = md_acquire(s, MD_MJOB_BUILD_PUT, &u, err)) != 0)
		return rc;
	md_bind_int64(u.st, 1, parent);
	md_bind_int64(u.st, 2, *next_r);
	rc = md_run(s, &u, "recording how far a mailing's queue is built", err);
	md_release(&u);
	return rc;
}

int md_queue_fill(struct md_state *s, int64_t job_id, int64_t mid, int64_t job_size,
		  int64_t *count_r, struct mr_error *err)
{
	/* child jobs split the whole queue; parts would each need their own.
	 * The first part is a quarter: the first worker sends sooner and the
	 * others wait less for it */
	int64_t size = job_size > 0 ? 0 : (part_size(s) + 3) / 4;
	int64_t next = 0;
	return build_part(s, job_id, mid, 0, size, &next, count_r, err);
}

/* s->build gets mailing mid's parent job and its place in the build (not
 * locked: a hint, read again under the lock before a part is built). */
static int build_read(struct md_state *s, int64_t mid, struct mr_error *err)
{
	struct md_use u;
	int rc = md_acquire(s, MD_MJOB_BUILD_READ, &u, err);
	if (rc)
		return rc;
	md_bind_int64(u.st, 1, mid);
	s->build = (struct md_build){ .mailing_id = mid };
	int src = md_step(u.st);
	if (src == MD_ROW) {
		s->build.parent = md_col_int64(u.st, 0);
		s->build.offset = md_col_int64(u.st, 1);
		s->build.limit = md_col_int64(u.st, 2);
	} else if (src != MD_DONE) {
		rc = md_fail(s, src, "reading how far a mailing's queue is built", err);
	}
	md_release(&u);
	return rc;
}

/* Builds the next part of mailing mid's queue under its parent job's lock,
 * in a transaction of its own: waiting for a worker that builds one (wait),
 * or not building when one does.  Nothing is built when the mailing is not
 * running, when its build has ended, or when the parent's place is no
 * longer s->build's (another worker built a part meanwhile).  *moved_r
 * (MAY be NULL) gets 1 when the build went on, here or elsewhere. */
static int build_next(struct md_state *s, int64_t mid, int wait, int *moved_r,
		      struct mr_error *err)
{
	int rc = md_unit_begin(s, err);
	if (rc)
		return rc;
	struct md_use u;
	struct md_build b = s->build;
	char status[32] = "";
	int locked = 0;
	if ((rc = md_acquire(s, wait ? MD_MJOB_BUILD_WAIT : MD_MJOB_BUILD_TRY, &u, err)) == 0) {
		md_bind_int64(u.st, 1, b.parent);
		int src = md_step(u.st);
		if (src == MD_ROW) {
			locked = 1;
			snprintf(status, sizeof(status), "%s", md_col_text(u.st, 0));
			b.offset = md_col_int64(u.st, 1);
		} else if (src != MD_DONE) {
			rc = md_fail(s, src, "locking a mailing's parent job", err);
		}
		md_release(&u);
	}
	int64_t count = 0;
	if (rc == 0 && locked && b.offset == s->build.offset && b.offset > 0 &&
	    strcmp(status, "running") == 0)
		rc = build_part(s, b.parent, mid, b.offset, part_size(s), &b.offset, &count, err);
	if ((rc = md_unit_end(s, rc, err)) != 0)
		return rc;
	if (moved_r)
		*moved_r = locked && b.offset != s->build.offset;
	if (locked)
		s->build = b; /* the limit is re-read at the next need */
	return 0;
}

/* The next part of mailing mid when fewer than half a part's rows are left
 * after at_id on s's connection: built unless another worker builds one. */
static int ahead_of(struct md_state *s, int64_t mid, int64_t at_id, struct mr_error *err)
{
	int rc = build_read(s, mid, err);
	if (rc || s->build.offset == 0 || s->build.limit - at_id >= part_size(s) / 2)
		return rc;
	return build_next(s, mid, 0, NULL, err);
}

static void *builder_main(void *arg)
{
	struct md_builder *b = arg;
	struct md_state *c = &b->conn;
	mysql_thread_init();
	struct mr_error err = { 0 };
	if (md_connect(c, &err) != 0) /* it connects again at its first part */
		c->core->log(c->log, MR_LOG_NOTICE, "the queue builder: %s (claims that run "
			     "short build the parts)", err.msg);
	pthread_mutex_lock(&b->mu);
	while (!b->stop) {
		if (!b->want) {
			pthread_cond_wait(&b->cv, &b->mu);
			continue;
		}
		int64_t mid = b->want, at = b->want_at;
		b->want = 0;
		pthread_mutex_unlock(&b->mu);
		memset(&err, 0, sizeof(err));
		if (ahead_of(c, mid, at, &err) != 0)
			c->core->log(c->log, MR_LOG_NOTICE, "building the next part of mailing "
				     "%lld's queue ahead: %s (a claim that runs short builds it)",
				     (long long)mid, err.msg);
		pthread_mutex_lock(&b->mu);
	}
	pthread_mutex_unlock(&b->mu);
	md_twin_end(c);
	mysql_thread_end();
	return NULL;
}

/* s's builder, started on first use; NULL when it cannot start or s was
 * made in another process (whose thread this one does not have). */
static struct md_builder *builder_of(struct md_state *s)
{
	struct md_builder *b = s->builder;
	if (b)
		return b->pid == getpid() ? b : NULL;
	if (!(b = calloc(1, sizeof(*b))))
		return NULL;
	pthread_mutex_init(&b->mu, NULL);
	pthread_cond_init(&b->cv, NULL);
	b->pid = getpid();
	md_twin(&b->conn, s);
	if (pthread_create(&b->thread, NULL, builder_main, b) != 0) {
		pthread_cond_destroy(&b->cv);
		pthread_mutex_destroy(&b->mu);
		free(b);
		return NULL;
	}
	s->builder = b;
	return b;
}

void md_builder_free(struct md_state *s)
{
	struct md_builder *b = s->builder;
	if (!b || b->pid != getpid())
		return;
	pthread_mutex_lock(&b->mu);
	b->stop = 1;
	pthread_cond_signal(&b->cv);
	pthread_mutex_unlock(&b->mu);
	pthread_join(b->thread, NULL);
	pthread_cond_destroy(&b->cv);
	pthread_mutex_destroy(&b->mu);
	free(b);
	s->builder = NULL;
}

int md_build_ahead(struct md_state *s, int64_t mid, int64_t at_id, struct mr_error *err)
{
	int rc = 0;
	if (s->build.mailing_id != mid && (rc = build_read(s, mid, err)) != 0)
		return rc;
	/* a connection's first claim of the mailing picks before any build */
	if (s->build.offset == 0 || at_id == 0 || s->build.limit - at_id >= part_size(s) / 2)
		return 0;
	struct md_builder *b = builder_of(s);
	if (!b)
		return ahead_of(s, mid, at_id, err);
	pthread_mutex_lock(&b->mu);
	b->want = mid;
	b->want_at = at_id;
	pthread_cond_signal(&b->cv);
	pthread_mutex_unlock(&b->mu);
	/* what the builder makes is read at the next claim's need */
	s->build.mailing_id = 0;
	return 0;
}

int md_build_more(struct md_state *s, int64_t mid, int *more_r, struct mr_error *err)
{
	*more_r = 0;
	int rc = build_read(s, mid, err);
	if (rc || s->build.offset == 0)
		return rc;
	return build_next(s, mid, 1, more_r, err);
}
