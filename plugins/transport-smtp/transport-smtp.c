/* SPDX-License-Identifier: MIT */
/*
 * transport-smtp: sends batches to an SMTP server with libcurl, over a pool
 * of up to max_connections kept-alive connections.  Each pool slot is one
 * easy handle that keeps its connection between messages and batches; during
 * a batch each slot runs in its own thread and takes the next message as
 * soon as its previous one got its final reply, so the batch is spread over
 * the slots and every connection is reused.  The done callback is called in
 * the caller's thread as each message becomes final.
 *
 * Why threads and not one curl multi handle: libcurl 7.88's SMTP code waits
 * for the reply to the end of data with a blocking read inside the multi
 * handle (smtp_done), so one multi handle serialises that wait across all
 * its connections; measured against smtp-sink, 4 connections on one multi
 * handle were slower than 1 (see bench/RESULTS.md).
 *
 * Per-recipient results: libcurl reports one result per transfer, so the
 * plugin reads the SMTP transcript itself (CURLOPT_DEBUGFUNCTION gives every
 * command sent and every reply line read; smtp-reply.c pairs them).  A
 * message with several recipients is sent once, with all its RCPT commands
 * and CURLOPT_MAIL_RCPT_ALLOWFAILS, and each recipient gets the reply to its
 * own RCPT when that refused it, else the reply after the end of data.  With
 * a libcurl older than 7.69 (no ALLOWFAILS) each recipient is sent its own
 * transaction instead.
 */
#include "config.h"
#include <ctype.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <curl/curl.h>
#include <mailroom/plugin.h>
#include "smtp-body.h"
#include "smtp-reply.h"

#if LIBCURL_VERSION_NUM >= 0x080200
#define SMTP_ALLOWFAILS CURLOPT_MAIL_RCPT_ALLOWFAILS
#elif LIBCURL_VERSION_NUM >= 0x074500
#define SMTP_ALLOWFAILS CURLOPT_MAIL_RCPT_ALLLOWFAILS
#endif

/* One SMTP transaction: a message to some of its recipients. */
struct smtp_job {
	size_t msg;          /* index in the batch */
	const size_t *rcpt;  /* indexes of its recipients in the message */
	size_t n_rcpts;
};

/* One pool slot: an easy handle that keeps its connection between messages. */
struct smtp_conn {
	struct smtp *s;
	CURL *easy;
	struct smtp_job *job;      /* the transaction in progress, or NULL */
	struct smtp_tx tx;
	struct smtp_reply *replies; /* one per recipient of the job */
	size_t replies_cap;
	struct smtp_body body;
	struct curl_slist *rcpts;
	char errbuf[CURL_ERROR_SIZE];
	struct smtp_batch *batch;  /* the batch being sent */
};

struct smtp {
	const struct mr_core *core;
	const struct mr_log *log;
	char url[512];
	char describe[600];
	char *password;
	const char *username, *ca_file;
	int tls_implicit, tls_none, verify;
	long connect_timeout, timeout;
	size_t max_conns;
	struct smtp_conn *conns;
};

/* The state of one send_batch call, shared by the pool threads under mu. */
struct smtp_batch {
	pthread_mutex_t mu;
	pthread_cond_t cv;   /* signalled when a message is final or a thread ends */
	struct mr_outmsg *msgs;
	size_t n;
	size_t *idx;         /* recipient indexes the jobs point into */
	size_t *jobs_left;   /* per message: transactions not finished yet */
	struct smtp_job *jobs;
	size_t n_jobs, next_job;
	size_t *final_q;     /* messages whose results are final, in order */
	size_t final_n;
	size_t threads_left;
	/* set when a fresh connection failed before any transaction: the
	 * remaining jobs get this result without another attempt */
	int host_down;
	char host_down_text[256];
};

static void set_result(struct mr_send_result *r, enum mr_send_status st, int code,
		       const char *enh, const char *text)
{
	r->status = st;
	r->code = code;
	snprintf(r->enhanced, sizeof(r->enhanced), "%s", enh ? enh : "");
	snprintf(r->text, sizeof(r->text), "%s", text ? text : "");
}

/* True when an envelope address may go into a MAIL or RCPT command. */
static int envelope_addr_ok(const char *a, int may_be_empty)
{
	if (!a)
		return 0;
	if (!*a)
		return may_be_empty;
	for (const unsigned char *p = (const unsigned char *)a; *p; p++)
		if (*p < 0x21 || *p == 0x7f || *p == '<' || *p == '>')
			return 0;
	return strchr(a, '@') != NULL;
}

/* ---------------------------------------------------------------- libcurl callbacks */

static size_t on_read(char *buf, size_t size, size_t nitems, void *userp)
{
	struct smtp_conn *c = userp;
	return smtp_body_read(&c->body, buf, size * nitems);
}

static int on_debug(CURL *h, curl_infotype type, char *data, size_t size, void *userp)
{
	struct smtp_conn *c = userp;
	if (type == CURLINFO_HEADER_OUT) {
		smtp_tx_command(&c->tx, data, size);
	} else if (type == CURLINFO_HEADER_IN) {
		/* normally one line per call; split to be sure */
		while (size) {
			const char *nl = memchr(data, '\n', size);
			size_t n = nl ? (size_t)(nl - data) + 1 : size;
			smtp_tx_reply_line(&c->tx, data, n);
			data += n;
			size -= n;
		}
	}
	return 0;
}

/* ---------------------------------------------------------------- the pool */

static int conn_setup(struct smtp *s, struct smtp_conn *c, struct mr_error *err)
{
	c->s = s;
	if (!(c->easy = curl_easy_init()))
		return s->core->error_set(err, MR_ENOMEM, "curl_easy_init failed");
	CURL *e = c->easy;
	CURLcode rc = CURLE_OK;
#define SET(opt, val) do { if (rc == CURLE_OK) rc = curl_easy_setopt(e, opt, val); } while (0)
	SET(CURLOPT_URL, s->url);
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_UPLOAD, 1L);
	SET(CURLOPT_READFUNCTION, on_read);
	SET(CURLOPT_READDATA, c);
	SET(CURLOPT_VERBOSE, 1L); /* needed for the transcript; nothing is printed */
	SET(CURLOPT_DEBUGFUNCTION, on_debug);
	SET(CURLOPT_DEBUGDATA, c);
	SET(CURLOPT_ERRORBUFFER, c->errbuf);
	SET(CURLOPT_CONNECTTIMEOUT, s->connect_timeout);
	SET(CURLOPT_TIMEOUT, s->timeout);
	SET(CURLOPT_TCP_NODELAY, 1L);
	SET(CURLOPT_USE_SSL, s->tls_none ? (long)CURLUSESSL_NONE : (long)CURLUSESSL_ALL);
	SET(CURLOPT_SSL_VERIFYPEER, s->verify ? 1L : 0L);
	SET(CURLOPT_SSL_VERIFYHOST, s->verify ? 2L : 0L);
	if (s->ca_file)
		SET(CURLOPT_CAINFO, s->ca_file);
	if (s->username) {
		SET(CURLOPT_USERNAME, s->username);
		SET(CURLOPT_PASSWORD, s->password ? s->password : "");
	}
#ifdef SMTP_ALLOWFAILS
	SET(SMTP_ALLOWFAILS, 1L);
#endif
#undef SET
	if (rc != CURLE_OK)
		return s->core->error_set(err, MR_EINTERNAL, "setting up libcurl: %s",
					  curl_easy_strerror(rc));
	return 0;
}

/* Points the slot's easy handle at a job: its envelope and message. */
static int conn_prepare(struct smtp_batch *b, struct smtp_conn *c, struct smtp_job *job)
{
	struct mr_outmsg *m = &b->msgs[job->msg];
	if (c->replies_cap < job->n_rcpts) {
		struct smtp_reply *r = realloc(c->replies, job->n_rcpts * sizeof(*r));
		if (!r)
			return MR_ENOMEM;
		c->replies = r;
		c->replies_cap = job->n_rcpts;
	}
	curl_slist_free_all(c->rcpts);
	c->rcpts = NULL;
	for (size_t k = 0; k < job->n_rcpts; k++) {
		struct curl_slist *l = curl_slist_append(c->rcpts, m->rcpts[job->rcpt[k]]);
		if (!l)
			return MR_ENOMEM;
		c->rcpts = l;
	}
	c->job = job;
	curl_easy_setopt(c->easy, CURLOPT_MAIL_FROM, m->envelope_from);
	curl_easy_setopt(c->easy, CURLOPT_MAIL_RCPT, c->rcpts);
	curl_easy_setopt(c->easy, CURLOPT_INFILESIZE_LARGE,
			 (curl_off_t)smtp_body_wire_len(m->data, m->len));
	return 0;
}

/* Runs the slot's job once: one SMTP transaction on the kept connection. */
static CURLcode conn_perform(struct smtp_batch *b, struct smtp_conn *c)
{
	struct mr_outmsg *m = &b->msgs[c->job->msg];
	c->errbuf[0] = '\0';
	smtp_tx_start(&c->tx, c->replies, c->job->n_rcpts);
	smtp_body_start(&c->body, m->data, m->len);
	return curl_easy_perform(c->easy);
}

static void status_of(const struct smtp_reply *r, struct mr_send_result *res)
{
	enum mr_send_status st = r->code >= 200 && r->code < 300 ? MR_SEND_OK :
				 r->code >= 500 && r->code < 600 ? MR_SEND_PERMFAIL : MR_SEND_TEMPFAIL;
	set_result(res, st, r->code, r->enhanced, r->text);
}

/* Gives a job's recipients their results once its transfer ended with rc. */
static void conn_results(struct smtp_batch *b, struct smtp_conn *c, CURLcode rc)
{
	struct smtp_job *job = c->job;
	struct mr_outmsg *m = &b->msgs[job->msg];
	const struct smtp_tx *tx = &c->tx;
	char lost[256], none[256];
	const char *why = c->errbuf[0] ? c->errbuf : curl_easy_strerror(rc);
	if (tx->other.code >= 400)
		snprintf(none, sizeof(none), "no mail transaction: the server said %d %s%s%s (%s)",
			 tx->other.code, tx->other.enhanced, tx->other.enhanced[0] ? " " : "",
			 tx->other.text, why);
	else
		snprintf(none, sizeof(none), "no mail transaction: %s", why);
	snprintf(lost, sizeof(lost), "connection lost before the final reply (%s)",
		 rc == CURLE_OK ? "no reply" : why);
	for (size_t k = 0; k < job->n_rcpts; k++) {
		struct mr_send_result *res = &m->results[job->rcpt[k]];
		const struct smtp_reply *rr = &tx->rcpt[k];
		if (tx->mail.code >= 300)
			status_of(&tx->mail, res);
		else if (tx->mail.code == 0)
			set_result(res, MR_SEND_TEMPFAIL, 0, "4.4.1", none);
		else if (rr->code == 0)
			set_result(res, MR_SEND_TEMPFAIL, 0, "4.4.2", lost);
		else if (rr->code >= 300)
			status_of(rr, res);
		else if (tx->data.code >= 400 || (tx->data.code && tx->data.code != 354))
			status_of(&tx->data, res);
		else if (tx->final.code == 0)
			set_result(res, MR_SEND_TEMPFAIL, 0, "4.4.2", lost);
		else
			status_of(&tx->final, res);
	}
}

/* Fills the results of a job that is not attempted. */
static void job_skip(struct smtp_batch *b, struct smtp_job *job, const char *text)
{
	struct mr_outmsg *m = &b->msgs[job->msg];
	for (size_t k = 0; k < job->n_rcpts; k++)
		set_result(&m->results[job->rcpt[k]], MR_SEND_TEMPFAIL, 0, "4.4.1", text);
}

/* Sends one job on a slot, retrying once when a kept-alive connection had
 * died before any reply (nothing reached the server then). */
static void conn_run_job(struct smtp_batch *b, struct smtp_conn *c, struct smtp_job *job)
{
	struct smtp *s = c->s;
	if (conn_prepare(b, c, job) != 0) {
		job_skip(b, job, "out of memory setting up the transaction");
		return;
	}
	CURLcode rc = conn_perform(b, c);
	long fresh = 0;
	curl_easy_getinfo(c->easy, CURLINFO_NUM_CONNECTS, &fresh);
	if (rc != CURLE_OK && c->tx.mail.code == 0 && c->tx.other.code == 0 && !fresh) {
		s->core->log(s->log, MR_LOG_INFO, "a kept-alive connection had closed (%s); "
			     "retrying on a new one", c->errbuf[0] ? c->errbuf : curl_easy_strerror(rc));
		rc = conn_perform(b, c);
	}
	if (rc != CURLE_OK && c->tx.mail.code == 0) {
		/* no transaction could start: the host is unusable now (refused,
		 * TLS, AUTH, greeting); the batch's other jobs are not attempted */
		const char *why = c->errbuf[0] ? c->errbuf : curl_easy_strerror(rc);
		pthread_mutex_lock(&b->mu);
		if (!b->host_down) {
			if (c->tx.other.code >= 400)
				snprintf(b->host_down_text, sizeof(b->host_down_text),
					 "not attempted: the server said %d %s%s%s (%s)",
					 c->tx.other.code, c->tx.other.enhanced,
					 c->tx.other.enhanced[0] ? " " : "", c->tx.other.text, why);
			else
				snprintf(b->host_down_text, sizeof(b->host_down_text),
					 "not attempted: %s: %s", s->url, why);
			b->host_down = 1;
		}
		pthread_mutex_unlock(&b->mu);
	}
	conn_results(b, c, rc);
	c->job = NULL;
}

/* A pool thread: takes the batch's next job until none is left, and queues
 * each message whose results are final for the calling thread. */
static void *conn_thread(void *arg)
{
	struct smtp_conn *c = arg;
	struct smtp_batch *b = c->batch;
	pthread_mutex_lock(&b->mu);
	while (b->next_job < b->n_jobs) {
		struct smtp_job *job = &b->jobs[b->next_job++];
		int down = b->host_down;
		pthread_mutex_unlock(&b->mu);
		if (down)
			job_skip(b, job, b->host_down_text);
		else
			conn_run_job(b, c, job);
		pthread_mutex_lock(&b->mu);
		if (--b->jobs_left[job->msg] == 0) {
			b->final_q[b->final_n++] = job->msg;
			pthread_cond_signal(&b->cv);
		}
	}
	b->threads_left--;
	pthread_cond_signal(&b->cv);
	pthread_mutex_unlock(&b->mu);
	return NULL;
}

/* Builds the transactions of a batch, refusing bad envelopes on the spot. */
static int batch_plan(struct smtp_batch *b)
{
	size_t total = 0;
	for (size_t i = 0; i < b->n; i++)
		total += b->msgs[i].n_rcpts;
	b->idx = malloc((total ? total : 1) * sizeof(*b->idx));
	b->jobs = malloc((total ? total : 1) * sizeof(*b->jobs));
	b->jobs_left = calloc(b->n ? b->n : 1, sizeof(*b->jobs_left));
	b->final_q = malloc((b->n ? b->n : 1) * sizeof(*b->final_q));
	if (!b->idx || !b->jobs || !b->jobs_left || !b->final_q)
		return MR_ENOMEM;
	size_t used = 0;
	for (size_t i = 0; i < b->n; i++) {
		struct mr_outmsg *m = &b->msgs[i];
		int from_ok = envelope_addr_ok(m->envelope_from, 1);
		size_t first = used;
		for (size_t r = 0; r < m->n_rcpts; r++) {
			if (!from_ok)
				set_result(&m->results[r], MR_SEND_PERMFAIL, 0, "5.1.7",
					   "refused before sending: the envelope sender has a "
					   "control character, a space, '<' or '>', or no '@'");
			else if (!envelope_addr_ok(m->rcpts[r], 0))
				set_result(&m->results[r], MR_SEND_PERMFAIL, 0, "5.1.3",
					   "refused before sending: the recipient address has a "
					   "control character, a space, '<' or '>', or no '@'");
			else
				b->idx[used++] = r;
		}
		size_t n_ok = used - first;
		if (!n_ok)
			continue;
#ifdef SMTP_ALLOWFAILS
		b->jobs[b->n_jobs++] = (struct smtp_job){ i, b->idx + first, n_ok };
		b->jobs_left[i] = 1;
#else
		for (size_t k = 0; k < n_ok; k++)
			b->jobs[b->n_jobs++] = (struct smtp_job){ i, b->idx + first + k, 1 };
		b->jobs_left[i] = n_ok;
#endif
	}
	return 0;
}

static void batch_free(struct smtp_batch *b)
{
	free(b->idx);
	free(b->jobs);
	free(b->jobs_left);
	free(b->final_q);
}

static int smtp_send_batch(void *state, struct mr_outmsg *msgs, size_t n, mr_send_cb *done,
			   void *cookie, struct mr_error *err)
{
	struct smtp *s = state;
	struct smtp_batch b = { .msgs = msgs, .n = n };
	pthread_mutex_init(&b.mu, NULL);
	pthread_cond_init(&b.cv, NULL);
	int rc = 0;
	if (batch_plan(&b) != 0) {
		rc = s->core->error_set(err, MR_ENOMEM, "out of memory planning a batch of %zu", n);
		goto out;
	}
	/* messages with no recipient left to try are final already */
	for (size_t i = 0; i < n; i++)
		if (b.jobs_left[i] == 0 && done)
			done(cookie, i, &msgs[i]);
	size_t want = b.n_jobs < s->max_conns ? b.n_jobs : s->max_conns;
	pthread_t tids[64];
	size_t started = 0;
	/* pool threads take no signals: they stay with the calling thread */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	for (size_t k = 0; k < want; k++) {
		s->conns[k].batch = &b;
		pthread_mutex_lock(&b.mu);
		b.threads_left++;
		pthread_mutex_unlock(&b.mu);
		if (pthread_create(&tids[started], NULL, conn_thread, &s->conns[k]) != 0) {
			pthread_mutex_lock(&b.mu);
			b.threads_left--;
			pthread_mutex_unlock(&b.mu);
			break;
		}
		started++;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!started && b.n_jobs) {
		/* no thread could start: send on this one */
		s->conns[0].batch = &b;
		b.threads_left = 1;
		conn_thread(&s->conns[0]);
	}
	/* call done here, in the caller's thread, as each message becomes final */
	size_t taken = 0;
	pthread_mutex_lock(&b.mu);
	for (;;) {
		while (taken == b.final_n && b.threads_left > 0)
			pthread_cond_wait(&b.cv, &b.mu);
		if (taken == b.final_n)
			break;
		size_t upto = b.final_n;
		pthread_mutex_unlock(&b.mu);
		for (; taken < upto; taken++)
			if (done)
				done(cookie, b.final_q[taken], &msgs[b.final_q[taken]]);
		pthread_mutex_lock(&b.mu);
	}
	pthread_mutex_unlock(&b.mu);
	for (size_t k = 0; k < started; k++)
		pthread_join(tids[k], NULL);
	if (b.host_down)
		s->core->log(s->log, MR_LOG_WARNING, "%s", b.host_down_text);
	s->core->log(s->log, MR_LOG_DEBUG, "batch of %zu messages in %zu transactions over %zu "
		     "connection%s", n, b.n_jobs, started ? started : 1, started == 1 ? "" : "s");
out:
	batch_free(&b);
	pthread_cond_destroy(&b.cv);
	pthread_mutex_destroy(&b.mu);
	return rc;
}

/* ---------------------------------------------------------------- init */

static int helo_ok(const char *h)
{
	if (!*h || strlen(h) > 255)
		return 0;
	for (const char *p = h; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '.' && *p != '-')
			return 0;
	return 1;
}

static int host_ok(const char *h)
{
	if (!*h || strlen(h) > 255)
		return 0;
	for (const char *p = h; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr(".-:_", *p))
			return 0;
	return 1;
}

static void smtp_deinit(void *state)
{
	struct smtp *s = state;
	if (!s)
		return;
	for (size_t k = 0; s->conns && k < s->max_conns; k++) {
		struct smtp_conn *c = &s->conns[k];
		if (c->easy)
			curl_easy_cleanup(c->easy);
		curl_slist_free_all(c->rcpts);
		free(c->replies);
	}
	free(s->conns);
	if (s->password) {
		memset(s->password, 0, strlen(s->password));
		free(s->password);
	}
	free(s);
	curl_global_cleanup();
}

static int smtp_init(const struct mr_plugin_ctx *ctx, void **state_r, struct mr_error *err)
{
	const struct mr_core *core = ctx->core;
	const struct mr_section *sec = ctx->cfg;
	const char *name = core->cfg_name(sec);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return core->error_set(err, MR_EINTERNAL, "curl_global_init failed");
	struct smtp *s = calloc(1, sizeof(*s));
	if (!s) {
		curl_global_cleanup();
		return core->error_set(err, MR_ENOMEM, "out of memory");
	}
	s->core = core;
	s->log = ctx->log;
	const char *host = core->cfg_str(sec, "host");
	const char *tls = core->cfg_str(sec, "tls");
	const char *helo = core->cfg_str(sec, "helo_name");
	s->tls_implicit = strcmp(tls, "implicit") == 0;
	s->tls_none = strcmp(tls, "none") == 0;
	s->verify = core->cfg_bool(sec, "verify_peer");
	s->ca_file = core->cfg_str(sec, "ca_file");
	s->username = core->cfg_str(sec, "username");
	s->connect_timeout = (long)core->cfg_duration(sec, "connect_timeout");
	s->timeout = (long)core->cfg_duration(sec, "timeout");
	s->max_conns = (size_t)core->cfg_int(sec, "max_connections");
	long port = core->cfg_str(sec, "port") ? (long)core->cfg_int(sec, "port") :
		    s->tls_implicit ? 465 : 587;
	int rc = 0;
	char hostname[256] = "localhost";
	if (!helo) {
		if (gethostname(hostname, sizeof(hostname) - 1) != 0 || !helo_ok(hostname))
			snprintf(hostname, sizeof(hostname), "localhost");
		helo = hostname;
	}
	if (!host_ok(host))
		rc = core->error_set(err, MR_ECONFIG, "[%s] host '%s' is not a host name or an "
				     "IP address", name, host);
	else if (!helo_ok(helo))
		rc = core->error_set(err, MR_ECONFIG, "[%s] helo_name '%s' is not a domain name",
				     name, helo);
	if (!rc && s->username) {
		struct mr_error e = { 0 };
		int r = core->cfg_secret(sec, "password", &s->password, &e);
		if (r == MR_ENOTFOUND)
			rc = core->error_set(err, MR_ECONFIG, "[%s] username is set but there is no "
					     "password: %s", name, e.msg);
		else if (r)
			rc = core->error_set(err, r, "%s", e.msg);
		if (!rc && s->tls_none)
			core->log(s->log, MR_LOG_WARNING, "tls = none: the password for %s goes to "
				  "%s in clear text", s->username, host);
	}
	if (rc) {
		smtp_deinit(s);
		return rc;
	}
	int v6 = strchr(host, ':') != NULL;
	snprintf(s->url, sizeof(s->url), "%s://%s%s%s:%ld/%s", s->tls_implicit ? "smtps" : "smtp",
		 v6 ? "[" : "", host, v6 ? "]" : "", port, helo);
	snprintf(s->describe, sizeof(s->describe), "%s://%s%s%s:%ld (%s, %s, %zu connection%s)",
		 s->tls_implicit ? "smtps" : "smtp", v6 ? "[" : "", host, v6 ? "]" : "", port,
		 s->tls_implicit ? "implicit TLS" : s->tls_none ? "no TLS" : "STARTTLS",
		 s->tls_none ? "unverified" : s->verify ? "verified" : "NOT verified",
		 s->max_conns, s->max_conns == 1 ? "" : "s");
	s->conns = calloc(s->max_conns, sizeof(*s->conns));
	if (!s->conns) {
		smtp_deinit(s);
		return core->error_set(err, MR_ENOMEM, "out of memory");
	}
	for (size_t k = 0; k < s->max_conns; k++) {
		rc = conn_setup(s, &s->conns[k], err);
		if (rc) {
			smtp_deinit(s);
			return rc;
		}
	}
	if (!s->verify && !s->tls_none)
		core->log(s->log, MR_LOG_WARNING, "verify_peer = no: the TLS peer %s is not "
			  "authenticated", host);
	*state_r = s;
	return 0;
}

static const char *smtp_describe(void *state)
{
	return ((struct smtp *)state)->describe;
}

static const struct mr_key smtp_keys[] = {
	{ "host", MR_KEY_STRING, "localhost", "the SMTP server's host name or IP address" },
	{ "port", MR_KEY_INT, NULL, "the server's port (default: 465 with tls = implicit, "
	  "else 587)", 0, NULL, 1, 65535 },
	{ "tls", MR_KEY_ENUM, "starttls", "how TLS is used: starttls (required, never "
	  "falls back to clear text), implicit (TLS from the first byte, usually port 465) "
	  "or none (clear text, only when set explicitly)", 0, "starttls|implicit|none" },
	{ "verify_peer", MR_KEY_BOOL, "yes", "check the server's certificate and host name" },
	{ "ca_file", MR_KEY_PATH, NULL, "PEM file of the CAs to trust instead of the "
	  "system's (for a private CA or a self-signed server certificate)" },
	{ "username", MR_KEY_STRING, NULL, "log in with AUTH (PLAIN or LOGIN, as the "
	  "server offers) as this user" },
	{ "password", MR_KEY_SECRET, NULL, "the AUTH password: password_file = a file only "
	  "its owner can read, or MAILROOM_TRANSPORT_SMTP_PASSWORD" },
	{ "helo_name", MR_KEY_STRING, NULL, "the name given in EHLO (default: this "
	  "machine's host name)" },
	{ "connect_timeout", MR_KEY_DURATION, "30s", "the longest a connection (with TLS "
	  "and AUTH) may take to set up" },
	{ "timeout", MR_KEY_DURATION, "5m", "the longest one message may take, from MAIL "
	  "FROM to the server's final reply" },
	{ "max_connections", MR_KEY_INT, "4", "how many connections a batch is spread over "
	  "at most; each is kept open and reused for the next messages", 0, NULL, 1, 64 },
	{ 0 }
};

static const struct mr_transport_ops smtp_ops = {
	.size = sizeof(struct mr_transport_ops),
	.init = smtp_init,
	.deinit = smtp_deinit,
	.send_batch = smtp_send_batch,
	.describe = smtp_describe,
};

MR_PLUGIN_DEFINE(MR_KIND_TRANSPORT, "smtp", PACKAGE_VERSION,
		 "Sends mail to an SMTP server (STARTTLS or implicit TLS, AUTH) over a pool of "
		 "reused connections, with one result per recipient.",
		 smtp_keys, &smtp_ops);
