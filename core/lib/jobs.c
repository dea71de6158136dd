/* SPDX-License-Identifier: MIT */
/* Running scheduled jobs: due computation from the job log, locks (own, worker and group), deadlines, and a truthful job log including crashed runs. */
#include "config.h"
#include <mailroom/host.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "mr.h"

static volatile int stop_flag;

static void on_stop_signal(int sig)
{
	stop_flag = 1;
}

const char *mr_job_outcome_name(enum mr_job_outcome o)
{
	switch (o) {
	case MR_JOB_RUNNING: return "running";
	case MR_JOB_OK: return "ok";
	case MR_JOB_FAILED: return "failed";
	case MR_JOB_SKIPPED_LOCKED: return "skipped-locked";
	case MR_JOB_CRASHED: return "crashed";
	}
	return "?";
}

static const char *lock_dir(struct mr_site *site)
{
	return mr_cfg_str(site->main, "lock_dir");
}

/* The lock namespace of a site: its name and a digest of its config file's
 * real path, so that two sites (or two test runs) that keep the default
 * site name and lock_dir do not share locks. */
static const char *site_name(struct mr_site *site)
{
	static char name[160];
	char *real = realpath(site->cfg->path, NULL);
	const char *p = real ? real : site->cfg->path;
	uint32_t h = 2166136261u; /* FNV-1a */
	for (; *p; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	free(real);
	snprintf(name, sizeof(name), "%s-%08x", mr_cfg_str(site->main, "site"), (unsigned)h);
	return name;
}

const char *mr_host_name(void)
{
	static char host[256];
	if (!host[0])
		mr_host_name_fill(host, sizeof(host));
	return host;
}

/* Where the locks live: [mailroom] locks = auto|store|local. */
int mr_job_locks_in_store(struct mr_site *site)
{
	const char *mode = mr_cfg_str(site->main, "locks");
	if (mode && strcmp(mode, "local") == 0)
		return 0;
	return mr_store_has(&site->store, MR_STORE_CAP_LOCK);
}

/* Takes lock name in the store (shared by every host) or with flock in
 * lock_dir (this host), as the site says. */
static int job_lock_try(struct mr_site *site, const char *name, struct mr_lock *lock,
			struct mr_error *err)
{
	memset(lock, 0, sizeof(*lock));
	lock->fd = -1;
	const char *mode = mr_cfg_str(site->main, "locks");
	if (!mr_job_locks_in_store(site)) {
		if (mode && strcmp(mode, "store") == 0)
			return mr_error_set(err, MR_ECONFIG, "[mailroom] locks = store, but the "
					    "store '%s' has no shared locks (use locks = local, or "
					    "a store such as mariadb)", site->store.name ? site->store.name : "?");
		return mr_lock_try(lock_dir(site), site_name(site), name, lock, err);
	}
	long long lease = mr_cfg_duration(site->main, "lock_lease");
	if (lease < 3)
		lease = 3;
	char owner[300];
	snprintf(owner, sizeof(owner), "%s:%d", mr_host_name(), (int)getpid());
	int rc = mr_store_lock_try(&site->store, name, owner, lease, err);
	if (rc)
		return rc;
	lock->store = &site->store;
	lock->name = strdup(name);
	lock->owner = strdup(owner);
	if (!lock->name || !lock->owner) {
		mr_store_lock_release(&site->store, name, owner, err);
		free(lock->name);
		free(lock->owner);
		lock->store = NULL;
		return mr_error_set(err, MR_ENOMEM, "out of memory");
	}
	return 0;
}

static void job_lock_release(struct mr_lock *lock)
{
	if (lock->store) {
		struct mr_error err;
		if (mr_store_lock_release(lock->store, lock->name, lock->owner, &err) != 0)
			fprintf(stderr, "mailroom: releasing lock %s: %s (it expires by itself)\n",
				lock->name, err.msg);
		free(lock->name);
		free(lock->owner);
		memset(lock, 0, sizeof(*lock));
		lock->fd = -1;
		return;
	}
	mr_lock_release(lock);
}

struct held {
	const char *name;
	int held;
};

static int find_held(void *cookie, const struct mr_store_lock_info *l)
{
	struct held *h = cookie;
	if (strcmp(l->name, h->name) == 0 && l->held)
		h->held = 1;
	return 0;
}

static int job_lock_is_held(struct mr_site *site, const char *name)
{
	if (!mr_job_locks_in_store(site))
		return mr_lock_is_held(lock_dir(site), site_name(site), name);
	struct held h = { .name = name };
	struct mr_error err;
	if (mr_store_lock_list(&site->store, name, find_held, &h, &err) != 0)
		return 1; /* when in doubt, live: never mark a run crashed wrongly */
	return h.held;
}

static const char *job_lock_group(struct mr_instance *in)
{
	const char *g = mr_cfg_str(in->sec, "lock_group");
	if (g && *g)
		return g;
	const struct mr_job_ops *ops = in->plugin->desc->ops;
	return ops->lock_group && in->inited ? ops->lock_group(in->state) : NULL;
}

struct newest {
	int64_t started;
	enum mr_job_outcome outcome;
	int found;
};

static int newest_real_run(void *cookie, const struct mr_job_run *run)
{
	struct newest *n = cookie;
	if (run->outcome == MR_JOB_SKIPPED_LOCKED)
		return 0;
	n->started = run->started;
	n->outcome = run->outcome;
	n->found = 1;
	return 1; /* stop: the newest real run is all we need */
}

int mr_job_info(struct mr_site *site, struct mr_instance *in, struct mr_job_info *info,
		struct mr_error *err)
{
	memset(info, 0, sizeof(*info));
	info->inst = in;
	info->name = in->sec->inst;
	info->plugin = in->plugin->desc->name;
	mr_frequency_parse(mr_cfg_str(in->sec, "frequency"), &info->freq);
	info->enabled = mr_cfg_bool(in->sec, "enabled");
	const char *run_at = mr_cfg_str(in->sec, "run_at");
	if (run_at && mr_parse_local_time(run_at, &info->run_at) != 0)
		return mr_error_set(err, MR_ECONFIG, "[%s] run_at = %s: not a time (YYYY-MM-DD HH:MM)",
				    in->sec->name, run_at);
	struct newest n = { 0 };
	int rc = mr_store_job_run_list(&site->store, info->name, 0, newest_real_run, &n,
					       err);
	if (rc < 0)
		return rc;
	info->last_start = n.found ? n.started : 0;
	info->last_outcome = n.found ? n.outcome : MR_JOB_RUNNING;
	if (info->run_at)
		info->next_due = info->last_start >= info->run_at ? 0 : info->run_at;
	else
		info->next_due = mr_next_due(info->freq, info->last_start);
	return 0;
}

int mr_job_info_due(const struct mr_job_info *info, int64_t now)
{
	if (!info->enabled)
		return 0;
	if (info->run_at)
		return info->next_due && now >= info->next_due;
	return mr_job_is_due(info->freq, info->last_start, now);
}

struct stale {
	int64_t ids[64];
	int workers[64];
	int pids[64];
	size_t n;
};

static int collect_running(void *cookie, const struct mr_job_run *run)
{
	struct stale *s = cookie;
	if (run->outcome == MR_JOB_RUNNING && run->ended == 0 && s->n < 64) {
		s->ids[s->n] = run->id;
		s->workers[s->n] = run->worker;
		s->pids[s->n++] = run->pid;
	}
	return 0;
}

static void worker_lock_name(const char *job, int worker, char *buf, size_t n)
{
	if (worker > 0)
		snprintf(buf, n, "job-%s.worker-%d", job, worker);
	else
		snprintf(buf, n, "job-%s", job);
}

int mr_job_run_is_live(struct mr_site *site, const char *job, int worker)
{
	char name[256];
	worker_lock_name(job, worker, name, sizeof(name));
	return job_lock_is_held(site, name);
}

/* Marks runs of this job that started and never ended, whose lock nobody
 * holds, as crashed.  own_worker's lock is ours, so its runs are stale. */
static void mark_crashed(struct mr_site *site, const char *job, int own_worker)
{
	struct stale s = { .n = 0 };
	struct mr_error err;
	if (mr_store_job_run_list(&site->store, job, 0, collect_running, &s, &err) < 0)
		return;
	for (size_t i = 0; i < s.n; i++) {
		if (s.workers[i] != own_worker && mr_job_run_is_live(site, job, s.workers[i]))
			continue;
		char msg[160];
		snprintf(msg, sizeof(msg), "the process (pid %d) ended without finishing this run",
			 s.pids[i]);
		mr_store_job_run_end(&site->store, s.ids[i], site->core.now(&site->core),
					     MR_JOB_CRASHED, msg, "", &err);
		mr_log(site->log, MR_LOG_WARNING, "job %s: run %lld crashed earlier (pid %d)", job,
		       (long long)s.ids[i], s.pids[i]);
	}
}

static int record_instant(struct mr_site *site, const char *job, int worker,
			  enum mr_job_outcome outcome, const char *msg, int64_t *run_id_r)
{
	struct mr_error err;
	int64_t now = site->core.now(&site->core), id = 0;
	int rc = mr_store_job_run_start(&site->store, job, worker, (int)getpid(), now,
						&id, &err);
	if (rc == 0)
		rc = mr_store_job_run_end(&site->store, id, now, outcome, msg, "", &err);
	if (run_id_r)
		*run_id_r = id;
	return rc;
}

int mr_job_record_refusal(struct mr_site *site, const char *job, const char *msg)
{
	return record_instant(site, job, 0, MR_JOB_FAILED, msg, NULL);
}

/* Takes the job's own (or a free worker's) lock and its group lock. */
static int take_locks(struct mr_site *site, struct mr_instance *in, struct mr_lock *own,
		      struct mr_lock *group, int *worker_r, struct mr_error *err)
{
	const char *job = in->sec->inst;
	long long workers = mr_cfg_int(in->sec, "max_workers");
	int rc = MR_ETEMP;
	char name[256];
	*worker_r = 0;
	memset(group, 0, sizeof(*group));
	group->fd = -1;
	if (workers <= 1) {
		worker_lock_name(job, 0, name, sizeof(name));
		rc = job_lock_try(site, name, own, err);
	} else {
		for (int w = 1; w <= workers && rc == MR_ETEMP; w++) {
			worker_lock_name(job, w, name, sizeof(name));
			rc = job_lock_try(site, name, own, err);
			if (rc == 0)
				*worker_r = w;
		}
		if (rc == MR_ETEMP)
			mr_error_set(err, MR_ETEMP, "all %lld workers of job %s are busy", workers, job);
	}
	if (rc)
		return rc;
	const char *g = job_lock_group(in);
	if (g) {
		snprintf(name, sizeof(name), "group-%s", g);
		rc = job_lock_try(site, name, group, err);
		if (rc) {
			if (rc == MR_ETEMP)
				mr_error_set(err, MR_ETEMP, "lock group '%s' is busy: another job of the "
					     "group is running", g);
			job_lock_release(own);
		}
	}
	return rc;
}

int mr_job_run(struct mr_site *site, struct mr_instance *in, struct mr_job_report *rep,
	       struct mr_error *err)
{
	memset(rep, 0, sizeof(*rep));
	const char *job = in->sec->inst;
	struct mr_lock own, group;
	int worker = 0;
	int rc = take_locks(site, in, &own, &group, &worker, err);
	if (rc == MR_ETEMP) {
		rep->outcome = MR_JOB_SKIPPED_LOCKED;
		snprintf(rep->message, sizeof(rep->message), "skipped: %s", err->msg);
		record_instant(site, job, 0, MR_JOB_SKIPPED_LOCKED, rep->message, &rep->run_id);
		return 0;
	}
	if (rc)
		return rc;
	if (site->due_check) {
		/* cron decided before it held the lock: another cron (on this host
		 * or, with locks in the store, another) may have run the job since */
		struct mr_job_info info;
		struct mr_error ierr;
		if (mr_job_info(site, in, &info, &ierr) == 0 &&
		    !mr_job_info_due(&info, site->due_check)) {
			char when[40];
			mr_format_local_time(info.last_start, when, sizeof(when));
			rep->outcome = MR_JOB_SKIPPED_LOCKED;
			snprintf(rep->message, sizeof(rep->message), "skipped: not due any more "
				 "(another mailroom ran it at %s)", when);
			job_lock_release(&group);
			job_lock_release(&own);
			return 0;
		}
	}
	mark_crashed(site, job, worker);
	int64_t started = site->core.now(&site->core);
	rc = mr_store_job_run_start(&site->store, job, worker, (int)getpid(), started,
					    &rep->run_id, err);
	if (rc) {
		job_lock_release(&group);
		job_lock_release(&own);
		return rc;
	}
	char prefix[160];
	snprintf(prefix, sizeof(prefix), "job-%s[%s]", in->plugin->desc->name, job);
	struct mr_log *log = mr_log_new(prefix, rep->run_id);
	long long max_runtime = mr_cfg_duration(in->sec, "max_runtime");
	char state_prefix[700];
	snprintf(state_prefix, sizeof(state_prefix), "%s/mailroom-%s-", lock_dir(site),
		 site_name(site));
	struct mr_job_ctx ctx = {
		.size = sizeof(ctx), .core = &site->core, .cfg = in->sec, .conf = in->conf,
		.log = log, .job = job,
		.store = &site->store, .transport = site->transport.ops ? &site->transport : NULL,
		.accounts = site->account_ptrs, .n_accounts = site->n_accounts,
		.account_size = sizeof(struct mr_account),
		.run_id = rep->run_id, .worker = worker, .deadline = started + max_runtime,
		.stop = &stop_flag, .state_prefix = state_prefix,
	};
	struct sigaction sa = { .sa_handler = on_stop_signal }, old_term, old_int, old_alrm;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, &old_term);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGALRM, &sa, &old_alrm);
	stop_flag = 0;
	alarm(max_runtime > 0 ? (unsigned)max_runtime : 0);
	const struct mr_job_ops *ops = in->plugin->desc->ops;
	struct mr_error jerr = { 0 };
	int jrc = ops->run(in->state, &ctx, &jerr);
	alarm(0);
	sigaction(SIGTERM, &old_term, NULL);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGALRM, &old_alrm, NULL);
	rep->outcome = jrc ? MR_JOB_FAILED : MR_JOB_OK;
	rep->status = jrc;
	if (jrc)
		snprintf(rep->message, sizeof(rep->message), "%s",
			 jerr.msg[0] ? jerr.msg : mr_status_name(jrc));
	else
		snprintf(rep->message, sizeof(rep->message), "%s", ctx.message);
	if (jrc)
		mr_log(log, MR_LOG_ERR, "%s", rep->message);
	rc = mr_store_job_run_end(&site->store, rep->run_id,
					  site->core.now(&site->core), rep->outcome, rep->message,
					  ctx.data, err);
	free(log);
	job_lock_release(&group);
	job_lock_release(&own);
	if (stop_flag && !rc)
		rep->interrupted = 1;
	return rc;
}
