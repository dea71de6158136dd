/* SPDX-License-Identifier: MIT */
/*
 * transport-smtp: sends a stream (or a batch) of messages to an SMTP server
 * over a pool of up to max_connections kept-alive connections.
 *
 * libcurl makes each connection (TCP, implicit TLS or STARTTLS, certificate
 * checks, EHLO, AUTH as the server offers) with CURLOPT_CONNECT_ONLY, and
 * the plugin then speaks the mail transactions itself over it with
 * curl_easy_send/curl_easy_recv: MAIL, one RCPT per recipient, DATA (sent
 * as one pipelined group when the server offers PIPELINING, RFC 2920), then
 * the dot-stuffed message and its end-of-data line in one write.  So every
 * recipient gets the reply to its own RCPT (libcurl's own SMTP transfer
 * reports one result per transfer), the end of data costs no extra packet,
 * and each message costs two round trips instead of four.  When the queue
 * holds a next message, its envelope group goes in the same write as this
 * message's data (RFC 2920 lets message content begin a group): one round
 * trip per message.  The offered hook then comes one message early; the
 * content hook says when the data goes out.
 *
 * Each pool slot keeps its connection between messages and streams.  While a
 * stream is open one pool thread runs each slot (started as the queue needs
 * them, up to max_connections); each takes the next queued message as soon
 * as its previous one got its final reply, and calls the final hook itself,
 * so a slow transaction never delays the report of another.  stream_push
 * waits while max_connections messages are queued and not yet taken, so the
 * caller renders ahead of the pool by that much and no more; send is a
 * stream opened, fed with the batch and closed.  (One
 * curl multi handle was tried first: libcurl 7.88's SMTP code waits for the
 * end-of-data reply with a blocking read inside the multi handle, which
 * serialised the connections; see bench/RESULTS.md.)
 */
#include "config.h"
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <strings.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <curl/curl.h>
#include <mailroom/plugin.h>
#include "smtp-body.h"
#include "smtp-reply.h"
#include "../common/oauth.h"

/* The plugin's keys, filled by the core from [transport-NAME] (smtp_keys). */
struct smtp_conf {
	const char *host;
	long long port;
	const char *tls;
	int verify_peer;
	const char *ca_file;
	const char *username;
	const char *helo_name;
	long long connect_timeout;
	long long timeout;
	long long max_connections;
	const char *auth, *oauth;
};

/* One SMTP transaction: a message to the recipients not refused locally. */
struct smtp_job {
	struct mr_outmsg *m;
	size_t msg;          /* its index for the hooks (order of pushes) */
	size_t *rcpt;        /* indexes of its recipients in the message (malloc'ed) */
	size_t n_rcpts;
};

/* One pool slot: a connection kept between messages and streams. */
struct smtp_conn {
	struct smtp *s;
	CURL *easy;                /* NULL when not connected */
	curl_socket_t fd;
	struct smtp_caps caps;     /* from the last EHLO reply */
	struct smtp_reply last;    /* the last reply read while connecting */
	char errbuf[CURL_ERROR_SIZE];
	char *in;                  /* bytes read, not parsed yet */
	size_t in_len, in_cap;
	char *out;                 /* commands or data to send */
	size_t out_len, out_cap;
	struct smtp_reply *rcpt;   /* one reply per recipient of the job */
	size_t rcpt_cap;
	long long used_ms;         /* when it last carried a transaction */
	struct mr_send_stream *st; /* the stream its thread works for */
	pthread_t tid;
};

struct smtp {
	const struct mr_core *core;
	const struct mr_log *log;
	char url[512];
	char describe[600];
	char server[300];       /* "[transport-NAME] HOST:PORT", for messages */
	/* the last stream closed had its login refused, and the text */
	int auth_failed;
	char auth_text[512];
	char *password;
	struct mr_oauth *oauth;    /* auth = oauth2: the token source */
	char oauth_what[200];      /* "[transport-NAME] oauth = X", for errors */
	const char *username, *ca_file;
	int tls_implicit, tls_none, verify;
	long connect_timeout, timeout;
	size_t max_conns;
	struct smtp_conn *conns;
};

/* An open stream: a queue of jobs the pool threads take, under mu. */
struct mr_send_stream {
	struct smtp *s;
	struct mr_send_hooks hooks;  /* zeroed where the caller's struct is shorter */
	pthread_mutex_t mu;
	pthread_cond_t work;  /* pool threads wait here for a job or the close */
	pthread_cond_t room;  /* stream_push waits here for the queue to be half empty */
	struct smtp_job *q;   /* ring of q_cap queued jobs */
	size_t q_cap, q_head, q_len;
	size_t pushed;        /* messages pushed so far (the next hook index) */
	size_t threads, idle; /* pool threads started, waiting for a job */
	int push_waiting;     /* stream_push waits on room */
	size_t n_tx;          /* transactions run */
	int closing;
	/* set when a connection could not be made: jobs taken within
	 * HOST_DOWN_MS get this result without another attempt */
	long long host_down_ms;
	char host_down_text[256];
	/* the server refused our credentials: a configuration error that no
	 * retry mends; the stream refuses further messages and send says so */
	int auth_failed;
	char auth_text[512];
	int host_down_logged;
};

/* a kept connection idle this long is checked for a close before use */
#define KEPT_CHECK_MS 1000

/* how long a failed connection attempt answers for the next jobs */
#define HOST_DOWN_MS 2000

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

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

/* ---------------------------------------------------------------- the connection */

/* libcurl's transcript while it connects: EHLO capabilities and the last
 * reply (a refused AUTH, a 554 greeting) for the error text. */
static int on_debug(CURL *h, curl_infotype type, char *data, size_t size, void *userp)
{
	struct smtp_conn *c = userp;
	if (type == CURLINFO_HEADER_OUT) {
		if (size >= 4 && strncasecmp(data, "EHLO", 4) == 0)
			memset(&c->caps, 0, sizeof(c->caps));
	} else if (type == CURLINFO_HEADER_IN) {
		while (size) {
			const char *nl = memchr(data, '\n', size);
			size_t n = nl ? (size_t)(nl - data) + 1 : size;
			if (!c->last.open)
				memset(&c->last, 0, sizeof(c->last));
			smtp_reply_feed(&c->last, data, n);
			smtp_caps_line(&c->caps, data, n);
			data += n;
			size -= n;
		}
	}
	return 0;
}

static void conn_close(struct smtp_conn *c)
{
	if (c->easy)
		curl_easy_cleanup(c->easy);
	c->easy = NULL;
	c->in_len = 0;
}

/* Connects (TCP, TLS, EHLO, AUTH).  Returns 0, -1 with why filled, or -2
 * when the server refused the credentials (why names the account and the
 * server's reply). */
static int conn_open(struct smtp_conn *c, char *why, size_t why_size)
{
	struct smtp *s = c->s;
	conn_close(c);
	memset(&c->caps, 0, sizeof(c->caps));
	memset(&c->last, 0, sizeof(c->last));
	c->errbuf[0] = '\0';
	CURL *e = curl_easy_init();
	if (!e) {
		snprintf(why, why_size, "curl_easy_init failed");
		return -1;
	}
	CURLcode rc = CURLE_OK;
#define SET(opt, val) do { if (rc == CURLE_OK) rc = curl_easy_setopt(e, opt, val); } while (0)
	SET(CURLOPT_URL, s->url);
	SET(CURLOPT_CONNECT_ONLY, 1L);
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_VERBOSE, 1L); /* for the transcript; nothing is printed */
	SET(CURLOPT_DEBUGFUNCTION, on_debug);
	SET(CURLOPT_DEBUGDATA, c);
	SET(CURLOPT_ERRORBUFFER, c->errbuf);
	SET(CURLOPT_CONNECTTIMEOUT, s->connect_timeout);
	SET(CURLOPT_TIMEOUT, s->connect_timeout);
	SET(CURLOPT_TCP_NODELAY, 1L);
	SET(CURLOPT_USE_SSL, s->tls_none ? (long)CURLUSESSL_NONE : (long)CURLUSESSL_ALL);
	SET(CURLOPT_SSL_VERIFYPEER, s->verify ? 1L : 0L);
	SET(CURLOPT_SSL_VERIFYHOST, s->verify ? 2L : 0L);
	if (s->ca_file)
		SET(CURLOPT_CAINFO, s->ca_file);
	char *token = NULL;
	if (s->oauth) {
		/* a valid access token for each connection: refreshed when near expiry */
		struct mr_error te = { 0 };
		if (mr_oauth_token(s->oauth, &token, &te) != 0) {
			snprintf(why, why_size, "%s", te.msg);
			curl_easy_cleanup(e);
			return -1;
		}
		SET(CURLOPT_USERNAME, s->username);
		SET(CURLOPT_XOAUTH2_BEARER, token);
		/* only the OAuth2 mechanisms, OAUTHBEARER first (curl's order) */
		SET(CURLOPT_LOGIN_OPTIONS, "AUTH=OAUTHBEARER;AUTH=XOAUTH2");
	} else if (s->username) {
		SET(CURLOPT_USERNAME, s->username);
		SET(CURLOPT_PASSWORD, s->password ? s->password : "");
	}
#undef SET
	if (rc == CURLE_OK)
		rc = curl_easy_perform(e);
	if (token) {
		/* refused before its expiry: maybe revoked, the next connection
		 * asks for a new one; curl keeps its own copy for the connection */
		if (rc == CURLE_LOGIN_DENIED)
			mr_oauth_invalidate(s->oauth, token);
		mr_oauth_free_token(token);
	}
	curl_socket_t fd = CURL_SOCKET_BAD;
	if (rc == CURLE_OK)
		rc = curl_easy_getinfo(e, CURLINFO_ACTIVESOCKET, &fd);
	if (rc != CURLE_OK || fd == CURL_SOCKET_BAD) {
		const char *err = c->errbuf[0] ? c->errbuf : curl_easy_strerror(rc);
		/* 535 (credentials invalid), 534 and 530 (mechanism or TLS
		 * required), or libcurl's own verdict on the login */
		int auth = s->username && (rc == CURLE_LOGIN_DENIED || c->last.code == 535 ||
					   c->last.code == 534 || c->last.code == 530);
		const char *host = strstr(s->server, "] ") ? strstr(s->server, "] ") + 2 : s->server;
		if (auth && s->oauth)
			snprintf(why, why_size, "%s: %s refused the OAuth2 token for %s (server: %d "
				 "%s%s%s)", s->oauth_what, host, s->username, c->last.code,
				 c->last.enhanced, c->last.enhanced[0] ? " " : "", c->last.text);
		else if (auth)
			snprintf(why, why_size, "%s: the server refused the login of user '%s': "
				 "%d %s%s%s (check username and password_file)", s->server,
				 s->username, c->last.code, c->last.enhanced,
				 c->last.enhanced[0] ? " " : "", c->last.text);
		else if (c->last.code >= 400)
			snprintf(why, why_size, "%s: the server said %d %s%s%s (%s)", s->server,
				 c->last.code, c->last.enhanced, c->last.enhanced[0] ? " " : "",
				 c->last.text, err);
		else
			snprintf(why, why_size, "%s: %s", s->server, err);
		curl_easy_cleanup(e);
		return auth ? -2 : -1;
	}
	c->easy = e;
	c->fd = fd;
	c->in_len = 0;
	c->used_ms = now_ms();
	return 0;
}

/* Waits until the socket is ready for events or the deadline passes. */
static int conn_wait(struct smtp_conn *c, short events, long long deadline)
{
	for (;;) {
		long long left = deadline - now_ms();
		if (left <= 0)
			return -1;
		struct pollfd p = { c->fd, events, 0 };
		int r = poll(&p, 1, left > 60000 ? 60000 : (int)left);
		if (r > 0)
			return 0;
		if (r < 0 && errno != EINTR)
			return -1;
	}
}

/* Sends all of out.  Returns 0 or -1 with why filled. */
static int conn_send(struct smtp_conn *c, const char *data, size_t len, long long deadline,
		     char *why, size_t why_size)
{
	while (len) {
		size_t n = 0;
		CURLcode rc = curl_easy_send(c->easy, data, len, &n);
		if (rc == CURLE_OK) {
			data += n;
			len -= n;
		} else if (rc == CURLE_AGAIN) {
			if (conn_wait(c, POLLOUT, deadline) != 0) {
				snprintf(why, why_size, "timed out sending to the server");
				return -1;
			}
		} else {
			snprintf(why, why_size, "sending: %s", curl_easy_strerror(rc));
			return -1;
		}
	}
	return 0;
}

/* Reads one complete reply into r.  Returns 0 or -1 with why filled. */
static int conn_reply(struct smtp_conn *c, struct smtp_reply *r, long long deadline, char *why,
		      size_t why_size)
{
	memset(r, 0, sizeof(*r));
	for (;;) {
		char *nl;
		/* c->in is NULL until the first read: memchr(NULL, .., 0) is UB */
		while (c->in_len && (nl = memchr(c->in, '\n', c->in_len)) != NULL) {
			size_t n = (size_t)(nl - c->in) + 1;
			int done = smtp_reply_feed(r, c->in, n);
			memmove(c->in, c->in + n, c->in_len - n);
			c->in_len -= n;
			if (done < 0) {
				snprintf(why, why_size, "the server sent a line that is not an "
					 "SMTP reply");
				return -1;
			}
			if (done)
				return 0;
		}
		if (c->in_len == c->in_cap) {
			size_t cap = c->in_cap ? c->in_cap * 2 : 4096;
			char *in = cap <= 65536 ? realloc(c->in, cap) : NULL;
			if (!in) {
				snprintf(why, why_size, "the server sent a reply line too long");
				return -1;
			}
			c->in = in;
			c->in_cap = cap;
		}
		/* without TLS nothing is buffered between the socket and us: wait
		 * first (a read just after a command mostly finds nothing yet) */
		if (c->s->tls_none && conn_wait(c, POLLIN, deadline) != 0) {
			snprintf(why, why_size, "timed out waiting for the server's reply");
			return -1;
		}
		size_t n = 0;
		CURLcode rc = curl_easy_recv(c->easy, c->in + c->in_len, c->in_cap - c->in_len, &n);
		if (rc == CURLE_OK && n > 0) {
			c->in_len += n;
		} else if (rc == CURLE_OK) {
			snprintf(why, why_size, "the server closed the connection");
			return -1;
		} else if (rc == CURLE_AGAIN) {
			if (conn_wait(c, POLLIN, deadline) != 0) {
				snprintf(why, why_size, "timed out waiting for the server's reply");
				return -1;
			}
		} else {
			snprintf(why, why_size, "receiving: %s", curl_easy_strerror(rc));
			return -1;
		}
	}
}

/* Makes room for need more bytes in out. */
static int out_room(struct smtp_conn *c, size_t need)
{
	if (c->out_len + need <= c->out_cap)
		return 0;
	size_t cap = c->out_cap ? c->out_cap : 4096;
	while (cap < c->out_len + need)
		cap *= 2;
	char *out = realloc(c->out, cap);
	if (!out)
		return -1;
	c->out = out;
	c->out_cap = cap;
	return 0;
}

static int out_printf(struct smtp_conn *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int out_printf(struct smtp_conn *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || out_room(c, (size_t)n + 1) != 0)
		return -1;
	va_start(ap, fmt);
	vsnprintf(c->out + c->out_len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	c->out_len += (size_t)n;
	return 0;
}

/* ---------------------------------------------------------------- one transaction */

/* The replies of one transaction. */
struct smtp_tx {
	struct smtp_reply mail, data, final;
	struct smtp_reply *rcpt;
	size_t n_rcpts, rcpt_read;
	int lost;              /* the connection broke (or timed out) */
	int any_reply;         /* at least one reply came in this attempt */
	char why[256];
};

/* A pipelined group is written whole before its replies are read: keep it
 * small enough that neither side's socket buffer can fill up. */
static int job_pipelined(const struct smtp_conn *c, const struct smtp_job *job)
{
	return c->caps.pipelining && job->n_rcpts <= 100;
}

/* Appends m's MAIL command to c->out, with its RCPTs and DATA when the group
 * is pipelined.  0, or -1 out of memory. */
static int env_group(struct smtp_conn *c, const struct mr_outmsg *m, const struct smtp_job *job)
{
	int has8 = smtp_body_has_8bit(m->data, m->len);
	int utf8 = 0;
	for (const unsigned char *p = (const unsigned char *)m->envelope_from; *p; p++)
		utf8 |= *p >= 0x80;
	for (size_t k = 0; k < job->n_rcpts; k++)
		for (const unsigned char *p = (const unsigned char *)m->rcpts[job->rcpt[k]]; *p; p++)
			utf8 |= *p >= 0x80;
	int bad = out_printf(c, "MAIL FROM:<%s>", m->envelope_from);
	if (c->caps.size)
		bad |= out_printf(c, " SIZE=%zu", smtp_body_wire_len(m->data, m->len));
	if (has8 && c->caps.eightbitmime)
		bad |= out_printf(c, " BODY=8BITMIME");
	if (utf8 && c->caps.smtputf8)
		bad |= out_printf(c, " SMTPUTF8");
	bad |= out_printf(c, "\r\n");
	if (job_pipelined(c, job)) {
		for (size_t k = 0; k < job->n_rcpts; k++)
			bad |= out_printf(c, "RCPT TO:<%s>\r\n", m->rcpts[job->rcpt[k]]);
		bad |= out_printf(c, "DATA\r\n");
	}
	return bad ? -1 : 0;
}

/* The next job of the stream, taken while a message's data is written so
 * that its envelope goes in the same write (RFC 2920 lets message content
 * begin a pipelined group): one round trip per message instead of two. */
struct smtp_ride {
	struct smtp_job job;
	int taken;      /* job is taken from the queue: the thread runs it next */
	int env_sent;   /* its envelope is in c->out after the data */
	int refused;    /* taken, but the offered hook refused it: not tried */
};

/* the result of a message the offered hook refused */
#define NOT_OFFERED "not tried: the sender could not record that it starts"

static int take_job(struct mr_send_stream *st, struct smtp_job *job);

/* Takes the queue's next job for the ride when the connection pipelines and
 * appends its envelope to c->out (after the offered hook). */
static void ride_take(struct mr_send_stream *st, struct smtp_conn *c, struct smtp_ride *ride)
{
	if (!c->caps.pipelining || ride->taken)
		return;
	pthread_mutex_lock(&st->mu);
	int ok = st->q_len && job_pipelined(c, &st->q[st->q_head]) &&
		 take_job(st, &ride->job);
	pthread_mutex_unlock(&st->mu);
	if (!ok)
		return;
	ride->taken = 1;
	if (st->hooks.offered && st->hooks.offered(st->hooks.cookie, ride->job.msg,
						   ride->job.m) != 0) {
		ride->refused = 1;
		return;
	}
	size_t before = c->out_len;
	if (env_group(c, ride->job.m, &ride->job) != 0) {
		c->out_len = before; /* it goes on its own after this message */
		return;
	}
	ride->env_sent = 1;
}

/* Sends MAIL, the RCPTs and DATA and reads their replies (the group was
 * already written when env_sent: it rode with the previous message's data);
 * then the message when DATA got 354, with the next job's envelope when
 * ride is given.  Fills tx; on a broken connection sets tx->lost. */
static void tx_run(struct mr_send_stream *st, struct smtp_conn *c, struct mr_outmsg *m,
		   const struct smtp_job *job, struct smtp_tx *tx, long long deadline,
		   int env_sent, struct smtp_ride *ride)
{
	const size_t W = sizeof(tx->why);
	int pipe = job_pipelined(c, job);
	if (!env_sent) {
		c->out_len = 0;
		if (env_group(c, m, job) != 0) {
			snprintf(tx->why, W, "out of memory");
			tx->lost = 1;
			return;
		}
		if (conn_send(c, c->out, c->out_len, deadline, tx->why, W))
			goto lost;
	}
	if (conn_reply(c, &tx->mail, deadline, tx->why, W))
		goto lost;
	tx->any_reply = 1;
	size_t accepted = 0;
	for (size_t k = 0; k < job->n_rcpts; k++) {
		if (!pipe) {
			if (tx->mail.code >= 300)
				break;
			c->out_len = 0;
			if (out_printf(c, "RCPT TO:<%s>\r\n", m->rcpts[job->rcpt[k]]) ||
			    conn_send(c, c->out, c->out_len, deadline, tx->why, W))
				goto lost;
		}
		if (conn_reply(c, &tx->rcpt[k], deadline, tx->why, W))
			goto lost;
		tx->rcpt_read++;
		accepted += tx->rcpt[k].code >= 200 && tx->rcpt[k].code < 300;
	}
	if (!pipe && (tx->mail.code >= 300 || !accepted))
		goto reset; /* no DATA: nobody to send to */
	if (!pipe && conn_send(c, "DATA\r\n", 6, deadline, tx->why, W))
		goto lost;
	if (conn_reply(c, &tx->data, deadline, tx->why, W))
		goto lost;
	if (tx->data.code != 354)
		goto reset;
	if (!accepted || tx->mail.code >= 300) {
		/* a server that says 354 with no recipient: end the empty data */
		struct smtp_reply ignored;
		if (conn_send(c, ".\r\n", 3, deadline, tx->why, W) ||
		    conn_reply(c, &ignored, deadline, tx->why, W))
			goto lost;
		return;
	}
	/* from here the server may keep a copy: the caller journals that */
	if (st->hooks.content && st->hooks.content(st->hooks.cookie, job->msg, m) != 0) {
		snprintf(tx->why, W, "not sent: the sender could not record that it sends");
		goto lost; /* a transaction cut off in its data is discarded */
	}
	c->out_len = 0;
	if (out_room(c, smtp_body_encoded_max(m->len)) != 0) {
		snprintf(tx->why, W, "out of memory");
		goto lost;
	}
	c->out_len = smtp_body_encode(m->data, m->len, c->out);
	if (ride)
		ride_take(st, c, ride);
	if (conn_send(c, c->out, c->out_len, deadline, tx->why, W) ||
	    conn_reply(c, &tx->final, deadline, tx->why, W))
		goto lost;
	return;
reset:
	/* the transaction did not reach the end of data: reset it */
	{
		struct smtp_reply rr;
		if (conn_send(c, "RSET\r\n", 6, deadline, tx->why, W) ||
		    conn_reply(c, &rr, deadline, tx->why, W) || rr.code != 250) {
			/* the results stand; the connection is not trusted any more */
			conn_close(c);
		}
	}
	return;
lost:
	tx->lost = 1;
	conn_close(c);
}

static void status_of(const struct smtp_reply *r, struct mr_send_result *res)
{
	enum mr_send_status st = r->code >= 200 && r->code < 300 ? MR_SEND_OK :
				 r->code >= 500 && r->code < 600 ? MR_SEND_PERMFAIL : MR_SEND_TEMPFAIL;
	set_result(res, st, r->code, r->enhanced, r->text);
}

/* Gives a job's recipients their results from the transaction's replies. */
static void tx_results(struct mr_outmsg *m, const struct smtp_job *job, const struct smtp_tx *tx)
{
	char lost[320];
	snprintf(lost, sizeof(lost), "connection lost before the final reply (%s)", tx->why);
	for (size_t k = 0; k < job->n_rcpts; k++) {
		struct mr_send_result *res = mr_outmsg_result(m, job->rcpt[k]);
		const struct smtp_reply *rr = &tx->rcpt[k];
		if (tx->mail.code >= 300)
			status_of(&tx->mail, res);
		else if (!tx->mail.code || !rr->code)
			set_result(res, MR_SEND_TEMPFAIL, 0, "4.4.2", lost);
		else if (rr->code >= 300)
			status_of(rr, res);
		else if (tx->data.code && tx->data.code != 354)
			status_of(&tx->data, res);
		else if (!tx->final.code)
			set_result(res, MR_SEND_TEMPFAIL, 0, "4.4.2", lost);
		else
			status_of(&tx->final, res);
	}
}

/* Fills the results of a job that is not attempted. */
static void job_skip(struct smtp_job *job, const char *text)
{
	for (size_t k = 0; k < job->n_rcpts; k++)
		set_result(mr_outmsg_result(job->m, job->rcpt[k]), MR_SEND_TEMPFAIL, 0, "4.4.1",
			   text);
}

/* Sends one job on a slot: connects when needed, and retries once on a new
 * connection when a kept-alive one turned out dead before any reply (the
 * server then accepted nothing).  The offered hook comes before each try
 * (for a job whose envelope rode with the previous data, before that).
 * With ride given, the next job may be taken to ride with this one's data. */
static void conn_run_job(struct mr_send_stream *st, struct smtp_conn *c, struct smtp_job *job,
			 int env_sent, struct smtp_ride *ride)
{
	struct smtp *s = c->s;
	struct mr_outmsg *m = job->m;
	if (c->rcpt_cap < job->n_rcpts) {
		struct smtp_reply *r = realloc(c->rcpt, job->n_rcpts * sizeof(*r));
		if (!r) {
			job_skip(job, "out of memory setting up the transaction");
			return;
		}
		c->rcpt = r;
		c->rcpt_cap = job->n_rcpts;
	}
	struct smtp_tx tx;
	if (!c->easy)
		env_sent = 0; /* the connection it rode on is gone: it starts afresh */
	if (c->easy && !env_sent && now_ms() - c->used_ms >= KEPT_CHECK_MS) {
		/* a kept connection with something to read before we said a word
		 * was closed by the server, or has a 421 for us: start afresh
		 * (one that was used a moment ago is not asked: a close since
		 * then is retried below on a new connection) */
		struct pollfd p = { c->fd, POLLIN, 0 };
		if (poll(&p, 1, 0) != 0) {
			s->core->log(s->log, MR_LOG_INFO, "the server closed a kept-alive "
				     "connection; opening a new one");
			conn_close(c);
		}
	}
	for (int attempt = 0; attempt < 2; attempt++) {
		int reused = c->easy != NULL;
		if (!c->easy) {
			char why[512];
			int orc = conn_open(c, why, sizeof(why));
			if (orc == -2) {
				pthread_mutex_lock(&st->mu);
				if (!st->auth_failed)
					snprintf(st->auth_text, sizeof(st->auth_text), "%s", why);
				st->auth_failed = 1;
				pthread_mutex_unlock(&st->mu);
				/* not the recipients' fault: they stay to be retried once
				 * the credentials are mended */
				job_skip(job, why);
				return;
			}
			if (orc != 0) {
				pthread_mutex_lock(&st->mu);
				if (!st->host_down_ms)
					snprintf(st->host_down_text, sizeof(st->host_down_text),
						 "no mail transaction: %s", why);
				st->host_down_ms = now_ms();
				pthread_mutex_unlock(&st->mu);
				job_skip(job, st->host_down_text);
				return;
			}
		}
		if (!env_sent && st->hooks.offered &&
		    st->hooks.offered(st->hooks.cookie, job->msg, m) != 0) {
			job_skip(job, NOT_OFFERED);
			return;
		}
		memset(&tx, 0, sizeof(tx));
		memset(c->rcpt, 0, job->n_rcpts * sizeof(*c->rcpt));
		tx.rcpt = c->rcpt;
		tx.n_rcpts = job->n_rcpts;
		tx_run(st, c, m, job, &tx, now_ms() + s->timeout * 1000LL, env_sent, ride);
		env_sent = 0;
		c->used_ms = now_ms();
		if (!(tx.lost && !tx.any_reply && reused))
			break;
		s->core->log(s->log, MR_LOG_INFO, "a kept-alive connection had closed (%s); "
			     "retrying on a new one", tx.why);
	}
	tx_results(m, job, &tx);
}

/* Takes the queue's next job (with st->mu held): 1 with *job filled, or 0
 * when the queue is empty. */
static int take_job(struct mr_send_stream *st, struct smtp_job *job)
{
	if (!st->q_len)
		return 0;
	*job = st->q[st->q_head];
	st->q_head = (st->q_head + 1) % st->q_cap;
	st->q_len--;
	st->n_tx++;
	/* the pusher is woken once the queue is half empty, not at each job
	 * taken: it then fills it in one go (a wake-up per message was most of
	 * a mailing's context switches) */
	if (st->push_waiting && st->q_len <= st->q_cap / 2)
		pthread_cond_signal(&st->room);
	return 1;
}

/* A pool thread: takes the stream's next job until the stream closes with
 * its queue empty (a job that rode with the previous one's data comes
 * first); the message's final hook is called here. */
static void *conn_thread(void *arg)
{
	struct smtp_conn *c = arg;
	struct mr_send_stream *st = c->st;
	struct smtp_ride ride = { 0 };
	pthread_mutex_lock(&st->mu);
	for (;;) {
		struct smtp_job job;
		int env_sent = 0, down = 0, refused = 0;
		if (ride.taken) {
			job = ride.job;
			env_sent = ride.env_sent;
			refused = ride.refused;
		} else {
			while (!st->q_len && !st->closing) {
				st->idle++;
				pthread_cond_wait(&st->work, &st->mu);
				st->idle--;
			}
			if (!take_job(st, &job))
				break;
			down = st->host_down_ms && now_ms() - st->host_down_ms < HOST_DOWN_MS;
		}
		ride.taken = ride.env_sent = ride.refused = 0;
		pthread_mutex_unlock(&st->mu);
		if (down)
			job_skip(&job, st->host_down_text);
		else if (refused)
			job_skip(&job, NOT_OFFERED);
		else
			conn_run_job(st, c, &job, env_sent, &ride);
		free(job.rcpt);
		if (st->hooks.final)
			st->hooks.final(st->hooks.cookie, job.msg, job.m);
		pthread_mutex_lock(&st->mu);
	}
	pthread_mutex_unlock(&st->mu);
	return NULL;
}

/* Starts one more pool thread (with st->mu held); 0 or -1. */
static int pool_grow(struct mr_send_stream *st)
{
	struct smtp_conn *c = &st->s->conns[st->threads];
	c->st = st;
	/* pool threads take no signals: they stay with the caller's thread */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	int rc = pthread_create(&c->tid, NULL, conn_thread, c);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0)
		return -1;
	st->threads++;
	return 0;
}

static int smtp_stream_open(void *state, const struct mr_send_hooks *hooks,
			    struct mr_send_stream **stream_r, struct mr_error *err)
{
	struct smtp *s = state;
	struct mr_send_stream *st = calloc(1, sizeof(*st));
	if (st)
		st->q = calloc(s->max_conns, sizeof(*st->q));
	if (!st || !st->q) {
		free(st);
		return s->core->error_set(err, MR_ENOMEM, "out of memory opening a stream");
	}
	st->s = s;
	st->q_cap = s->max_conns;
	if (hooks)
		memcpy(&st->hooks, hooks, hooks->size < sizeof(st->hooks) ? hooks->size :
		       sizeof(st->hooks));
	st->hooks.size = sizeof(st->hooks);
	/* with credentials, the first connection logs in now: a refused login
	 * is a configuration error of the whole send, not of each recipient
	 * (its connection is then the first pool thread's) */
	if (s->username && !s->conns[0].easy) {
		char why[512];
		int orc = conn_open(&s->conns[0], why, sizeof(why));
		if (orc == -2) {
			free(st->q);
			free(st);
			s->auth_failed = 1;
			snprintf(s->auth_text, sizeof(s->auth_text), "%s", why);
			s->core->log(s->log, MR_LOG_ERR, "%s", why);
			return s->core->error_set(err, MR_ECONFIG, "%s", why);
		}
		if (orc != 0) {
			/* the server is down: every job of this stream says so */
			snprintf(st->host_down_text, sizeof(st->host_down_text),
				 "no mail transaction: %s", why);
			st->host_down_ms = now_ms();
		}
	}
	pthread_mutex_init(&st->mu, NULL);
	pthread_cond_init(&st->work, NULL);
	pthread_cond_init(&st->room, NULL);
	*stream_r = st;
	return 0;
}

/* Plans m's transaction, refusing bad envelopes on the spot: 1 with job
 * filled, 0 when no recipient is left to try, <0 out of memory. */
static int job_plan(struct mr_outmsg *m, struct smtp_job *job)
{
	job->m = m;
	job->n_rcpts = 0;
	if (!(job->rcpt = malloc((m->n_rcpts ? m->n_rcpts : 1) * sizeof(*job->rcpt))))
		return -1;
	int from_ok = envelope_addr_ok(m->envelope_from, 1);
	for (size_t r = 0; r < m->n_rcpts; r++) {
		if (!from_ok)
			set_result(mr_outmsg_result(m, r), MR_SEND_PERMFAIL, 0, "5.1.7",
				   "refused before sending: the envelope sender has a control "
				   "character, a space, '<' or '>', or no '@'");
		else if (!envelope_addr_ok(m->rcpts[r], 0))
			set_result(mr_outmsg_result(m, r), MR_SEND_PERMFAIL, 0, "5.1.3",
				   "refused before sending: the recipient address has a control "
				   "character, a space, '<' or '>', or no '@'");
		else
			job->rcpt[job->n_rcpts++] = r;
	}
	if (job->n_rcpts)
		return 1;
	free(job->rcpt);
	job->rcpt = NULL;
	return 0;
}

static int smtp_stream_push(struct mr_send_stream *st, struct mr_outmsg *m, struct mr_error *err)
{
	struct smtp *s = st->s;
	struct smtp_job job;
	int planned = job_plan(m, &job);
	if (planned < 0)
		return s->core->error_set(err, MR_ENOMEM, "out of memory queueing a message");
	pthread_mutex_lock(&st->mu);
	if (st->auth_failed) {
		pthread_mutex_unlock(&st->mu);
		free(job.rcpt);
		return s->core->error_set(err, MR_ECONFIG, "%s", st->auth_text);
	}
	job.msg = st->pushed++;
	if (!planned) {
		/* nothing to try: final already */
		pthread_mutex_unlock(&st->mu);
		if (st->hooks.final)
			st->hooks.final(st->hooks.cookie, job.msg, m);
		return 0;
	}
	while (st->q_len == st->q_cap) {
		st->push_waiting = 1;
		pthread_cond_wait(&st->room, &st->mu);
		st->push_waiting = 0;
	}
	st->q[(st->q_head + st->q_len++) % st->q_cap] = job;
	if (st->idle < st->q_len && st->threads < s->max_conns)
		pool_grow(st);
	if (!st->threads) {
		/* no thread could be made: this one runs the job itself */
		st->q_len--;
		st->n_tx++;
		pthread_mutex_unlock(&st->mu);
		conn_run_job(st, &s->conns[0], &job, 0, NULL);
		free(job.rcpt);
		if (st->hooks.final)
			st->hooks.final(st->hooks.cookie, job.msg, m);
		return 0;
	}
	pthread_cond_signal(&st->work);
	pthread_mutex_unlock(&st->mu);
	return 0;
}

static void smtp_stream_close(struct mr_send_stream *st)
{
	struct smtp *s = st->s;
	pthread_mutex_lock(&st->mu);
	st->closing = 1;
	pthread_cond_broadcast(&st->work);
	pthread_mutex_unlock(&st->mu);
	for (size_t k = 0; k < st->threads; k++) {
		pthread_join(s->conns[k].tid, NULL);
		s->conns[k].st = NULL;
	}
	if (st->host_down_ms)
		s->core->log(s->log, MR_LOG_WARNING, "%s", st->host_down_text);
	/* after the joins: what the pool found stays for smtp_send */
	s->auth_failed = st->auth_failed;
	snprintf(s->auth_text, sizeof(s->auth_text), "%s", st->auth_text);
	if (st->auth_failed)
		s->core->log(s->log, MR_LOG_ERR, "%s", st->auth_text);
	s->core->log(s->log, MR_LOG_DEBUG, "stream of %zu messages in %zu transactions over %zu "
		     "connection%s", st->pushed, st->n_tx, st->threads, st->threads == 1 ? "" : "s");
	pthread_cond_destroy(&st->room);
	pthread_cond_destroy(&st->work);
	pthread_mutex_destroy(&st->mu);
	free(st->q);
	free(st);
}

/* A batch is a stream opened, fed and closed: message i is the i-th push. */
static int smtp_send(void *state, struct mr_outmsg *msgs, size_t n,
		     const struct mr_send_hooks *hooks, struct mr_error *err)
{
	struct mr_send_stream *st;
	int rc = smtp_stream_open(state, hooks, &st, err);
	if (rc)
		return rc;
	size_t i = 0;
	for (; i < n; i++)
		if ((rc = smtp_stream_push(st, mr_outmsg_at(msgs, i), err)) != 0)
			break;
	smtp_stream_close(st);
	struct smtp *s = state;
	if (rc && i == 0)
		return rc;
	/* out of memory midway: the rest fail, each with its final hook */
	for (; i < n; i++) {
		struct mr_outmsg *m = mr_outmsg_at(msgs, i);
		for (size_t r = 0; r < m->n_rcpts; r++)
			set_result(mr_outmsg_result(m, r), MR_SEND_TEMPFAIL, 0, "4.3.0", err->msg);
		if (hooks && hooks->final)
			hooks->final(hooks->cookie, i, m);
	}
	/* every message has its (temporary) result; the run still fails as a
	 * configuration error, so that nobody retries it for days */
	if (s->auth_failed)
		return s->core->error_set(err, MR_ECONFIG, "%s", s->auth_text);
	return 0;
}

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
		if (c->easy) {
			/* a polite QUIT, waiting a second at most for its reply */
			char why[64];
			struct smtp_reply r;
			long long deadline = now_ms() + 1000;
			if (conn_send(c, "QUIT\r\n", 6, deadline, why, sizeof(why)) == 0)
				conn_reply(c, &r, deadline, why, sizeof(why));
			conn_close(c);
		}
		free(c->in);
		free(c->out);
		free(c->rcpt);
	}
	free(s->conns);
	mr_oauth_close(s->oauth);
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
	const struct smtp_conf *conf = ctx->conf;
	const char *host = conf->host;
	const char *tls = conf->tls;
	const char *helo = conf->helo_name;
	s->tls_implicit = strcmp(tls, "implicit") == 0;
	s->tls_none = strcmp(tls, "none") == 0;
	s->verify = conf->verify_peer;
	s->ca_file = conf->ca_file;
	s->username = conf->username;
	s->connect_timeout = (long)conf->connect_timeout;
	s->timeout = (long)conf->timeout;
	s->max_conns = (size_t)conf->max_connections;
	long port = conf->port ? (long)conf->port : s->tls_implicit ? 465 : 587;
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
	if (!rc && conf->auth && strcmp(conf->auth, "oauth2") == 0) {
		snprintf(s->oauth_what, sizeof(s->oauth_what), "[%s] oauth = %s", name,
			 conf->oauth ? conf->oauth : "");
		if (!s->username)
			rc = core->error_set(err, MR_ECONFIG, "[%s] auth = oauth2 needs username (the "
					     "mailbox the token is for)", name);
		else
			rc = mr_oauth_open(core, s->log, conf->oauth, name, &s->oauth, err);
	} else if (!rc && s->username) {
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
	snprintf(s->server, sizeof(s->server), "[%s] %s%s%s:%ld", name, v6 ? "[" : "", host,
		 v6 ? "]" : "", port);
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
	for (size_t k = 0; k < s->max_conns; k++)
		s->conns[k].s = s;
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
	{ .name = "host", .type = MR_KEY_STRING, .def = "localhost",
	  .help = "the SMTP server's host name or IP address", MR_KEY_FIELD(struct smtp_conf, host) },
	{ .name = "port", .type = MR_KEY_INT, .min = 1, .max = 65535,
	  .help = "the server's port (default: 465 with tls = implicit, else 587)",
	  MR_KEY_FIELD(struct smtp_conf, port) },
	{ .name = "tls", .type = MR_KEY_ENUM, .def = "starttls", .choices = "starttls|implicit|none",
	  .help = "how TLS is used: starttls (required, never falls back to clear text), implicit "
	  "(TLS from the first byte, usually port 465) or none (clear text, only when set "
	  "explicitly)", MR_KEY_FIELD(struct smtp_conf, tls) },
	{ .name = "verify_peer", .type = MR_KEY_BOOL, .def = "yes",
	  .help = "check the server's certificate and host name",
	  MR_KEY_FIELD(struct smtp_conf, verify_peer) },
	{ .name = "ca_file", .type = MR_KEY_PATH,
	  .help = "PEM file of the CAs to trust instead of the system's (for a private CA or a "
	  "self-signed server certificate)", MR_KEY_FIELD(struct smtp_conf, ca_file) },
	{ .name = "username", .type = MR_KEY_STRING,
	  .help = "log in with AUTH (PLAIN or LOGIN, as the server offers) as this user",
	  MR_KEY_FIELD(struct smtp_conf, username) },
	{ .name = "password", .type = MR_KEY_SECRET,
	  .help = "the AUTH password: password_file = a file only its owner can read, or "
	  "MAILROOM_TRANSPORT_SMTP_PASSWORD" },
	{ .name = "helo_name", .type = MR_KEY_STRING,
	  .help = "the name given in EHLO (default: this machine's host name)",
	  MR_KEY_FIELD(struct smtp_conf, helo_name) },
	{ .name = "connect_timeout", .type = MR_KEY_DURATION, .def = "30s",
	  .help = "the longest a connection (with TLS and AUTH) may take to set up",
	  MR_KEY_FIELD(struct smtp_conf, connect_timeout) },
	{ .name = "timeout", .type = MR_KEY_DURATION, .def = "5m",
	  .help = "the longest one message may take, from MAIL FROM to the server's final reply",
	  MR_KEY_FIELD(struct smtp_conf, timeout) },
	{ .name = "max_connections", .type = MR_KEY_INT, .def = "4", .min = 1, .max = 64,
	  .help = "how many connections a batch is spread over at most; each is kept open and reused "
	  "for the next messages", MR_KEY_FIELD(struct smtp_conf, max_connections) },
	MR_OAUTH_AUTH_KEYS(struct smtp_conf, auth, oauth),
	{ 0 }
};

static const struct mr_transport_ops smtp_ops = {
	.size = sizeof(struct mr_transport_ops),
	.caps = MR_TRANSPORT_NO_STORE | MR_TRANSPORT_STREAMING | MR_TRANSPORT_CONTENT,
	.init = smtp_init,
	.deinit = smtp_deinit,
	.send = smtp_send,
	.stream_open = smtp_stream_open,
	.stream_push = smtp_stream_push,
	.stream_close = smtp_stream_close,
	.describe = smtp_describe,
};

MR_PLUGIN_DEFINE(MR_KIND_TRANSPORT, "smtp", PACKAGE_VERSION,
		 "Sends mail to an SMTP server (STARTTLS or implicit TLS, AUTH) over a pool of "
		 "reused connections, with one result per recipient.",
		 smtp_keys, sizeof(struct smtp_conf), &smtp_ops);
