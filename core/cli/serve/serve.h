/* SPDX-License-Identifier: MIT */
/* Internal interface of `mailroom serve`: the server state shared by its request handlers. */
#ifndef MR_SERVE_H
#define MR_SERVE_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <microhttpd.h>
#include "../cli.h"

/* One request being read or answered. */
struct sv_req {
	double t0;             /* when it started (monotonic seconds) */
	char ip[64];           /* the client (after trusted X-Forwarded-For) */
	char method[8];
	char path[128];        /* the path only, never the query (tokens live there) */
	char *body;
	size_t len;
	int too_big;           /* the body passed max_body */
	int answered;          /* a response has been queued */
	unsigned status;
	size_t out_len;
	const char *csp;       /* the Content-Security-Policy when not the default */
};

/* The server: configuration, the store (behind a lock), the rate limiter. */
struct sv_server {
	struct mr_site *site;
	struct mr_store *store;
	pthread_mutex_t store_lock;
	pthread_mutex_t send_lock; /* the transport, for the opt-in mail */
	struct mr_verp_conf *verp;
	const char *unsub_path;   /* the path of [mailroom] unsubscribe_url, or NULL */
	size_t max_body;
	long rate;                /* requests per second per address, 0: unlimited */
	char **proxies;           /* trusted_proxies */
	size_t n_proxies;
	int https;
	pthread_mutex_t log_lock;
	int quiet;                /* no per-request lines */
	/* the rate limiter: a fixed table of token buckets hashed by address */
	pthread_mutex_t rl_lock;
	struct sv_bucket {
		char ip[64];
		double tokens, at;
	} *buckets;
	struct sv_tracker *tracker; /* serve-track.c; NULL: the store has no tracking */
	char base_path[128];        /* the /PREFIX of [http] base_url, or "" */
	struct sv_webhooks *webhooks; /* serve-webhook.c */
	const char *api_tokens_file;  /* [http] api_tokens_file, or NULL: no API */
	struct sv_esp_hooks *esp_hooks; /* serve-webhook-esp.c */
	const char *web_groups;   /* [optin] web_groups, or NULL: no subscribe form */
};

double sv_now(void);
/* The request handler and the completion callback of every daemon. */
enum MHD_Result sv_on_request(void *cls, struct MHD_Connection *c, const char *url,
			      const char *method, const char *version, const char *data,
			      size_t *size, void **req_cls);
void sv_on_completed(void *cls, struct MHD_Connection *c, void **req_cls,
		     enum MHD_RequestTerminationCode why);

/* Queues a response with the security headers; body is copied.  ctype NULL:
 * text/plain.  Returns MHD's answer. */
enum MHD_Result sv_respond(struct sv_server *s, struct sv_req *r, struct MHD_Connection *c,
			   unsigned status, const char *ctype, const char *body, size_t len);
/* sv_respond with one more header (name NULL: none). */
enum MHD_Result sv_respond_x(struct sv_server *s, struct sv_req *r, struct MHD_Connection *c,
			     unsigned status, const char *ctype, const char *body, size_t len,
			     const char *name, const char *value);
/* Queues a small HTML page: title, then body_html (already escaped). */
enum MHD_Result sv_page(struct sv_server *s, struct sv_req *r, struct MHD_Connection *c,
			unsigned status, const char *title, const char *body_html);
/* Appends s to buf (size n) HTML-escaped; returns the new length. */
size_t sv_html_esc(char *buf, size_t n, size_t at, const char *s);
/* Whether a form POST came from this site's own page (Sec-Fetch-Site, else
 * Origin against Host; neither: not a browser, so no ambient credentials to
 * abuse): a cross-site form cannot act, even with a token it learnt. */
int sv_same_origin(struct MHD_Connection *c);
/* Logs one line (not a request line) to stderr. */
void sv_log(struct sv_server *s, const char *fmt, ...) MR_PRINTF(2, 3);

/* The unsubscribe endpoint (serve-unsub.c): GET shows, POST acts. */
enum MHD_Result sv_unsubscribe(struct sv_server *s, struct sv_req *r, struct MHD_Connection *c);

/* Double opt-in (serve-optin.c): the public subscribe form (GET shows it,
 * POST records the request and sends the confirmation mail) for the groups
 * of [optin] web_groups, and the confirmation link (GET shows, POST acts). */
enum MHD_Result sv_subscribe(struct sv_server *s, struct sv_req *r, struct MHD_Connection *c);
enum MHD_Result sv_confirm(struct sv_server *s, struct sv_req *r, struct MHD_Connection *c);

/* Tracking (serve-track.c): the writer thread, the pixel and click endpoints.
 * sv_track_stop writes every queued hit before it returns. */
int sv_track_start(struct sv_server *s);
void sv_track_stop(struct sv_server *s);
enum MHD_Result sv_track_open(struct sv_server *s, struct sv_req *r, struct MHD_Connection *c);
enum MHD_Result sv_track_click(struct sv_server *s, struct sv_req *r, struct MHD_Connection *c);
/* The ?mr= tracking token of a request, of kind (MR_TRACK_TOKEN_*), into tk:
 * 0, or the HTTP status refusing it (400 malformed, 403 forged or another
 * kind). */
struct mr_track_token;
unsigned sv_track_token_of(struct sv_server *s, struct MHD_Connection *c, char kind,
			   struct mr_track_token *tk);
/* View in browser (serve-view.c): GET /v?mr=TOKEN. */
enum MHD_Result sv_view(struct sv_server *s, struct sv_req *r, struct MHD_Connection *c);

/* The read-only JSON API (serve-api.c): rel is the path after /api/v1. */
enum MHD_Result sv_api(struct sv_server *s, struct sv_req *r, struct MHD_Connection *c,
		       const char *rel);
/* ESP webhooks (serve-webhook.c): POST /webhook/ses (SNS) and /webhook/mailgun. */
struct mr_section;
int sv_webhooks_init(struct sv_server *s, const struct mr_section *http, char *why, size_t wn);
void sv_webhooks_free(struct sv_server *s);
enum MHD_Result sv_webhook_sns(struct sv_server *s, struct sv_req *r, struct MHD_Connection *c);
enum MHD_Result sv_webhook_mailgun(struct sv_server *s, struct sv_req *r,
				   struct MHD_Connection *c);
/* Records a bounce (action 0, classified from code, status and text) or a
 * VERP action (MR_ACTION_COMPLAINT, MR_ACTION_UNSUBSCRIBE) of the recipient
 * the signed VERP address verp names, when recipient is that row's address.
 * Returns 0, MR_ENOTFOUND (not ours, forged, another address) or a status. */
int sv_webhook_apply(struct sv_server *s, const char *esp, const char *verp,
		     const char *recipient, int action, int code, const char *status,
		     const char *text);
/* The SMTP code at the start of a diagnostic ("smtp; 550 5.1.1 ..."), or 0. */
int sv_webhook_diag_code(const char *diag);
/* Logs and answers a refused webhook request. */
enum MHD_Result sv_webhook_refuse(struct sv_server *s, struct sv_req *r, struct MHD_Connection *c,
				  unsigned status, const char *esp, const char *why);
/* 1 when the id of kind was seen lately (a replay), else remembers it. */
int sv_webhook_replayed(struct sv_server *s, const char *kind, const char *id);
/* SendGrid and Postmark (serve-webhook-esp.c): their keys from [http], and
 * POST /webhook/sendgrid, /webhook/postmark. */
int sv_esp_hooks_init(struct sv_server *s, const struct mr_section *http, char *why, size_t wn);
void sv_esp_hooks_free(struct sv_server *s);
enum MHD_Result sv_webhook_sendgrid(struct sv_server *s, struct sv_req *r,
				    struct MHD_Connection *c);
enum MHD_Result sv_webhook_postmark(struct sv_server *s, struct sv_req *r,
				    struct MHD_Connection *c);

#endif
