/* SPDX-License-Identifier: MIT */
/* The MariaDB store's shared locks: job locks, worker slots and lock groups as rows with an owner and an expiry by the server's clock, renewed by a heartbeat thread on its own connection, so that every host of a site sees them and a dead holder's locks run out. */
#include "config.h"
#include <mailroom/host.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "store-mariadb.h"
#include "md-conf.h"

/* The locks table and the job log's hosts are run-time state, not data:
 * they are made at init (IF NOT EXISTS) and are outside the versioned
 * schema, whose numbers stay store-sqlite's. */
static const char *const runtime_tables[] = {
	"CREATE TABLE IF NOT EXISTS mr_locks (\n"
	"  name VARCHAR(191) NOT NULL PRIMARY KEY,\n"
	"  owner VARCHAR(255) NOT NULL,\n"
	"  acquired BIGINT NOT NULL,\n"
	"  expires BIGINT NOT NULL,\n"
	"  lease BIGINT NOT NULL)"
	" ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin",
	"CREATE TABLE IF NOT EXISTS mr_job_host (\n"
	"  run_id BIGINT NOT NULL PRIMARY KEY,\n"
	"  host VARCHAR(255) NOT NULL,\n"
	"  FOREIGN KEY (run_id) REFERENCES job_log(id) ON DELETE CASCADE)"
	" ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin",
};

/* The locks this instance holds, for the heartbeat. */
struct md_held {
	char *name;
	char *owner;
	int64_t lease;
	struct md_held *next;
};

struct md_locks {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_t thread;
	int running;
	int stop;
	int64_t period;        /* seconds between renewals: the shortest lease / 3 */
	struct md_held *held;
	struct md_state hb;    /* the heartbeat's own connection */
};

const char *md_host_name(void)
{
	static char host[256];
	if (!host[0])
		mr_host_name_fill(host, sizeof(host));
	return host;
}

int md_locks_setup(struct md_state *s, struct mr_error *err)
{
	for (size_t i = 0; i < sizeof(runtime_tables) / sizeof(runtime_tables[0]); i++) {
		int rc = md_exec_const(s, runtime_tables[i], "creating the run-time tables", err);
		if (rc)
			return rc;
	}
	return 0;
}

/* Renews every lock held; a lock found taken over is dropped with a warning. */
static void renew_all(struct md_locks *l)
{
	struct md_state *hb = &l->hb;
	pthread_mutex_lock(&l->mu);
	for (struct md_held *h = l->held; h; h = h->next) {
		struct md_use u;
		struct mr_error err = { 0 };
		int rc = md_acquire(hb, MD_LOCK_RENEW, &u, &err);
		if (rc == 0) {
			md_bind_text(&u, 1, h->name);
			md_bind_text(&u, 2, h->owner);
			md_bind_int64(u.st, 3, h->lease);
			rc = md_run(hb, &u, "renewing a lock", &err);
			md_release(&u);
		}
		if (rc)
			hb->core->log(hb->log, MR_LOG_WARNING, "lock %s not renewed: %s (it is kept "
				      "until it expires)", h->name, err.msg);
		else if (md_changes(hb) == 0)
			hb->core->log(hb->log, MR_LOG_ERR, "lock %s of %s was taken over after it "
				      "expired: another host may run the same work", h->name,
				      h->owner);
	}
	pthread_mutex_unlock(&l->mu);
}

static void *heartbeat(void *arg)
{
	struct md_locks *l = arg;
	mysql_thread_init();
	pthread_mutex_lock(&l->mu);
	while (!l->stop) {
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += l->period;
		while (!l->stop) {
			int rc = pthread_cond_timedwait(&l->cv, &l->mu, &until);
			if (rc == ETIMEDOUT)
				break;
		}
		if (l->stop)
			break;
		pthread_mutex_unlock(&l->mu);
		renew_all(l);
		pthread_mutex_lock(&l->mu);
	}
	pthread_mutex_unlock(&l->mu);
	md_twin_end(&l->hb);
	mysql_thread_end();
	return NULL;
}

static struct md_locks *locks_of(struct md_state *s, struct mr_error *err)
{
	if (s->locks)
		return s->locks;
	struct md_locks *l = calloc(1, sizeof(*l));
	if (!l) {
		s->core->error_set(err, MR_ENOMEM, "out of memory");
		return NULL;
	}
	pthread_mutex_init(&l->mu, NULL);
	pthread_cond_init(&l->cv, NULL);
	md_twin(&l->hb, s);
	s->locks = l;
	return l;
}

/* Adds a held lock and starts the heartbeat if it is not running. */
static int remember(struct md_state *s, const char *name, const char *owner, int64_t lease,
		    struct mr_error *err)
{
	struct md_locks *l = locks_of(s, err);
	if (!l)
		return MR_ENOMEM;
	struct md_held *h = calloc(1, sizeof(*h));
	if (!h || !(h->name = strdup(name)) || !(h->owner = strdup(owner))) {
		if (h)
			free(h->name);
		free(h);
		return s->core->error_set(err, MR_ENOMEM, "out of memory");
	}
	h->lease = lease;
	int64_t period = lease / 3 > 0 ? lease / 3 : 1;
	pthread_mutex_lock(&l->mu);
	h->next = l->held;
	l->held = h;
	if (!l->period || period < l->period)
		l->period = period;
	int rc = 0;
	if (!l->running) {
		if (pthread_create(&l->thread, NULL, heartbeat, l) == 0)
			l->running = 1;
		else
			rc = s->core->error_set(err, MR_ETEMP, "cannot start the lock heartbeat");
	}
	pthread_mutex_unlock(&l->mu);
	return rc;
}

static void forget(struct md_state *s, const char *name, const char *owner)
{
	struct md_locks *l = s->locks;
	if (!l)
		return;
	pthread_mutex_lock(&l->mu);
	for (struct md_held **p = &l->held; *p; p = &(*p)->next) {
		struct md_held *h = *p;
		if (strcmp(h->name, name) == 0 && strcmp(h->owner, owner) == 0) {
			*p = h->next;
			free(h->name);
			free(h->owner);
			free(h);
			break;
		}
	}
	pthread_mutex_unlock(&l->mu);
}

void md_locks_free(struct md_state *s)
{
	struct md_locks *l = s->locks;
	if (!l)
		return;
	pthread_mutex_lock(&l->mu);
	l->stop = 1;
	pthread_cond_broadcast(&l->cv);
	pthread_mutex_unlock(&l->mu);
	if (l->running)
		pthread_join(l->thread, NULL);
	while (l->held) {
		struct md_held *h = l->held;
		l->held = h->next;
		free(h->name);
		free(h->owner);
		free(h);
	}
	pthread_cond_destroy(&l->cv);
	pthread_mutex_destroy(&l->mu);
	free(l);
	s->locks = NULL;
}

static int run_bound(struct md_state *s, enum md_stmt_id id, const char *name,
		     const char *owner, int64_t lease, const char *what, struct mr_error *err)
{
	struct md_use u;
	int rc = md_acquire(s, id, &u, err);
	if (rc)
		return rc;
	md_bind_text(&u, 1, name);
	if (owner)
		md_bind_text(&u, 2, owner);
	if (lease)
		md_bind_int64(u.st, 3, lease);
	rc = md_run(s, &u, what, err);
	md_release(&u);
	return rc;
}

int md_lock_try(void *state, const char *name, const char *owner, int64_t lease,
		struct mr_error *err)
{
	struct md_state *s = state;
	if (!name || !*name || strlen(name) > 191 || !owner || !*owner)
		return s->core->error_set(err, MR_EINPUT, "a lock needs a name (up to 191 bytes) "
					  "and an owner");
	if (lease < 1)
		lease = 1;
	/* an expired row is taken over: delete it, then insert; the primary
	 * key lets one of several takers win */
	int rc = run_bound(s, MD_LOCK_EXPIRE, name, NULL, 0, "clearing an expired lock", err);
	if (rc == 0)
		rc = run_bound(s, MD_LOCK_INSERT, name, owner, lease, "taking a lock", err);
	if (rc)
		return rc;
	if (md_changes(s) == 1)
		return remember(s, name, owner, lease, err);
	struct md_use u;
	if ((rc = md_acquire(s, MD_LOCK_HOLDER, &u, err)) != 0)
		return rc;
	md_bind_text(&u, 1, name);
	int src = md_step(u.st);
	if (src == MD_ROW)
		rc = s->core->error_set(err, MR_ETEMP, "%s is locked by another mailroom (%s, for "
					"%lld s more)", name, md_col_text(u.st, 0),
					(long long)md_col_int64(u.st, 1));
	else if (src == MD_DONE) /* released meanwhile: busy a moment ago */
		rc = s->core->error_set(err, MR_ETEMP, "%s is locked by another mailroom", name);
	else
		rc = md_fail(s, src, "reading a lock's holder", err);
	md_release(&u);
	return rc;
}

int md_lock_release(void *state, const char *name, const char *owner, struct mr_error *err)
{
	struct md_state *s = state;
	forget(s, name, owner);
	return run_bound(s, MD_LOCK_RELEASE, name, owner, 0, "releasing a lock", err);
}

int md_lock_list(void *state, const char *prefix, mr_store_lock_cb *cb, void *cookie,
		 struct mr_error *err)
{
	struct md_state *s = state;
	struct md_use u;
	int rc = md_acquire(s, MD_LOCK_LIST, &u, err);
	if (rc)
		return rc;
	md_bind_text(&u, 1, prefix ? prefix : "");
	int src;
	while ((src = md_step(u.st)) == MD_ROW) {
		struct mr_store_lock_info li = {
			.name = md_col_text(u.st, 0),
			.owner = md_col_text(u.st, 1),
			.acquired = md_col_int64(u.st, 2),
			.expires = md_col_int64(u.st, 3),
			.held = md_col_int(u.st, 4),
		};
		if ((rc = cb(cookie, &li)) != 0)
			break;
	}
	if (rc == 0 && src != MD_DONE)
		rc = md_fail(s, src, "listing the locks", err);
	md_release(&u);
	return rc;
}
