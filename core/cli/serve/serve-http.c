/* SPDX-License-Identifier: MIT */
/* The request side of `mailroom serve`: reading bodies within max_body, the per-address rate limit, routing, strict response headers and one log line per request without its query. */
#include "config.h"
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include "serve.h"

#define SV_BUCKETS 4096

double sv_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

void sv_log(struct sv_server *s, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	pthread_mutex_lock(&s->log_lock);
	fputs("mailroom serve: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	pthread_mutex_unlock(&s->log_lock);
	va_end(ap);
}

size_t sv_html_esc(char *buf, size_t n, size_t at, const char *s)
{
	for (; s && *s && at + 7 < n; s++) {
		const char *rep = NULL;
		switch (*s) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = "&quot;"; break;
		case '\'': rep = "&#39;"; break;
		}
		if (rep) {
			size_t l = strlen(rep);
			memcpy(buf + at, rep, l);
			at += l;
		} else if ((unsigned char)*s >= 0x20 || *s == '\t') {
			buf[at++] = *s;
		}
	}
	buf[at < n ? at : n - 1] = 0;
	return at;
}

enum MHD_Result sv_respond(struct sv_server *s, struct sv_req *r, struct MHD_Connection *c,
			   unsigned status, const char *ctype, const char *body, size_t len)
{
	return sv_respond_x(s, r, c, status, ctype, body, len, NULL, NULL);
}

enum MHD_Result sv_respond_x(struct sv_server *s, struct sv_req *r, struct MHD_Connection *c,
			     unsigned status, const char *ctype, const char *body, size_t len,
			     const char *name, const char *value)
{
	struct MHD_Response *resp =
		MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, "Content-Type", ctype ? ctype : "text/plain; charset=utf-8");
	MHD_add_response_header(resp, "Content-Security-Policy", r->csp ? r->csp :
				"default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; "
				"form-action 'self'; frame-ancestors 'none'; base-uri 'none'");
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "X-Frame-Options", "DENY");
	MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	if (s->https)
		MHD_add_response_header(resp, "Strict-Transport-Security", "max-age=31536000");
	if (name && value)
		MHD_add_response_header(resp, name, value);
	if (status == MHD_HTTP_TOO_MANY_REQUESTS)
		MHD_add_response_header(resp, "Retry-After", "1");
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(resp, "Allow", "GET, HEAD, POST");
	enum MHD_Result rc = MHD_queue_response(c, status, resp);
	MHD_destroy_response(resp);
	r->answered = 1;
	r->status = status;
	r->out_len = len;
	return rc;
}

int sv_same_origin(struct MHD_Connection *c)
{
	const char *sfs = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Sec-Fetch-Site");
	if (sfs)
		return strcmp(sfs, "same-origin") == 0 || strcmp(sfs, "none") == 0;
	const char *origin = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Origin");
	if (!origin)
		return 1; /* not a browser that sends either: no ambient credentials to abuse */
	const char *host = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Host");
	const char *o = strstr(origin, "://");
	return host && o && strcasecmp(o + 3, host) == 0;
}

enum MHD_Result sv_page(struct sv_server *s, struct sv_req *r, struct MHD_Connection *c,
			unsigned status, const char *title, const char *body_html)
{
	char t[512];
	sv_html_esc(t, sizeof(t), 0, title);
	size_t n = strlen(body_html) + 2 * strlen(t) + 1024;
	char *page = malloc(n);
	if (!page)
		return MHD_NO;
	int l = snprintf(page, n,
			 "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
			 "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
			 "<meta name=\"referrer\" content=\"no-referrer\">"
			 "<title>%s</title><style>body{font-family:sans-serif;max-width:36em;"
			 "margin:3em auto;padding:0 1em;line-height:1.5;color:#222}"
			 "button{font-size:1em;padding:.5em 1.2em;margin:.3em 0;cursor:pointer}"
			 "form{margin:1em 0}.note{color:#555;font-size:.9em}</style></head>"
			 "<body><h1>%s</h1>\n%s\n</body></html>\n", t, t, body_html);
	enum MHD_Result rc = sv_respond(s, r, c, status, "text/html; charset=utf-8", page,
					l > 0 ? (size_t)l : 0);
	free(page);
	return rc;
}

/* The client address: the peer, or the last X-Forwarded-For hop when the
 * peer is a trusted proxy. */
static void client_ip(struct sv_server *s, struct MHD_Connection *c, char *out, size_t n)
{
	snprintf(out, n, "-");
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (!ci || !ci->client_addr)
		return;
	const struct sockaddr *sa = ci->client_addr;
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, out, (socklen_t)n);
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, out, (socklen_t)n);
	int trusted = 0;
	for (size_t i = 0; i < s->n_proxies; i++)
		if (strcmp(s->proxies[i], out) == 0)
			trusted = 1;
	if (!trusted)
		return;
	const char *xff = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Forwarded-For");
	if (!xff)
		return;
	const char *last = strrchr(xff, ',');
	last = last ? last + 1 : xff;
	while (*last == ' ')
		last++;
	char cand[64];
	size_t l = strcspn(last, " \t");
	if (l == 0 || l >= sizeof(cand))
		return;
	memcpy(cand, last, l);
	cand[l] = 0;
	unsigned char tmp[16];
	if (inet_pton(AF_INET, cand, tmp) == 1 || inet_pton(AF_INET6, cand, tmp) == 1)
		snprintf(out, n, "%s", cand);
}

/* A token bucket per address (a fixed table: colliding addresses share one,
 * which can only make the limit stricter for them). 1: allowed. */
static int rate_ok(struct sv_server *s, const char *ip, double now)
{
	if (s->rate <= 0)
		return 1;
	uint32_t h = 2166136261u;
	for (const char *p = ip; *p; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	pthread_mutex_lock(&s->rl_lock);
	struct sv_bucket *b = &s->buckets[h % SV_BUCKETS];
	double cap = 2.0 * (double)s->rate;
	if (strcmp(b->ip, ip) != 0) {
		snprintf(b->ip, sizeof(b->ip), "%s", ip);
		b->tokens = cap;
		b->at = now;
	}
	b->tokens += (now - b->at) * (double)s->rate;
	if (b->tokens > cap)
		b->tokens = cap;
	b->at = now;
	int ok = b->tokens >= 1.0;
	if (ok)
		b->tokens -= 1.0;
	pthread_mutex_unlock(&s->rl_lock);
	return ok;
}

int sv_rate_init(struct sv_server *s);
int sv_rate_init(struct sv_server *s)
{
	s->buckets = calloc(SV_BUCKETS, sizeof(*s->buckets));
	return s->buckets ? 0 : -1;
}

static int path_is(const char *url, const char *want)
{
	if (!want)
		return 0;
	size_t l = strlen(want);
	while (l > 1 && want[l - 1] == '/')
		l--;
	return strncmp(url, want, l) == 0 && (url[l] == 0 || (url[l] == '/' && url[l + 1] == 0));
}

static enum MHD_Result route(struct sv_server *s, struct sv_req *r, struct MHD_Connection *c,
			     const char *url)
{
	int get = strcmp(r->method, "GET") == 0 || strcmp(r->method, "HEAD") == 0;
	int post = strcmp(r->method, "POST") == 0;
	if (!get && !post)
		return sv_respond(s, r, c, MHD_HTTP_METHOD_NOT_ALLOWED, NULL,
				  "method not allowed\n", 19);
	if (r->too_big)
		return sv_respond(s, r, c, MHD_HTTP_CONTENT_TOO_LARGE, NULL,
				  "request body too large\n", 23);
	/* under the /PREFIX of base_url, or at the top */
	const char *rel = url;
	size_t bl = strlen(s->base_path);
	if (bl && strncmp(url, s->base_path, bl) == 0 && url[bl] == '/')
		rel = url + bl;
	if (path_is(rel, "/u") || path_is(url, s->unsub_path))
		return sv_unsubscribe(s, r, c);
	if (path_is(rel, "/subscribe"))
		return sv_subscribe(s, r, c);
	if (path_is(rel, "/confirm"))
		return sv_confirm(s, r, c);
	if (strncmp(rel, "/api/v1/", 8) == 0)
		return sv_api(s, r, c, rel + 7);
	if (path_is(rel, "/webhook/ses"))
		return sv_webhook_sns(s, r, c);
	if (path_is(rel, "/webhook/mailgun"))
		return sv_webhook_mailgun(s, r, c);
	if (path_is(rel, "/webhook/sendgrid"))
		return sv_webhook_sendgrid(s, r, c);
	if (path_is(rel, "/webhook/postmark"))
		return sv_webhook_postmark(s, r, c);
	if (get && path_is(rel, "/o"))
		return sv_track_open(s, r, c);
	if (get && path_is(rel, "/v"))
		return sv_view(s, r, c);
	if (get && path_is(rel, "/c"))
		return sv_track_click(s, r, c);
	if (get && (path_is(url, "/healthz") || path_is(rel, "/healthz")))
		return sv_respond(s, r, c, MHD_HTTP_OK, NULL, "ok\n", 3);
	if (get && path_is(url, "/"))
		return sv_page(s, r, c, MHD_HTTP_OK, "mailroom",
			       "<p>This server answers the links in mailings.</p>");
	return sv_page(s, r, c, MHD_HTTP_NOT_FOUND, "Not found", "<p>There is nothing here.</p>");
}

enum MHD_Result sv_on_request(void *cls, struct MHD_Connection *c, const char *url,
			      const char *method, const char *version, const char *data,
			      size_t *size, void **req_cls)
{
	struct sv_server *s = cls;
	struct sv_req *r = *req_cls;
	(void)version;
	if (!r) {
		r = calloc(1, sizeof(*r));
		if (!r)
			return MHD_NO;
		*req_cls = r;
		r->t0 = sv_now();
		client_ip(s, c, r->ip, sizeof(r->ip));
		snprintf(r->method, sizeof(r->method), "%s", method);
		/* the path only, printable ASCII, for the log */
		size_t i = 0;
		for (const char *p = url; *p && i + 1 < sizeof(r->path); p++)
			r->path[i++] = ((unsigned char)*p > 0x20 && (unsigned char)*p < 0x7f) ? *p : '?';
		r->path[i] = 0;
		if (!rate_ok(s, r->ip, r->t0))
			return sv_respond(s, r, c, MHD_HTTP_TOO_MANY_REQUESTS, NULL,
					  "too many requests\n", 18);
		const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
							     MHD_HTTP_HEADER_CONTENT_LENGTH);
		if (cl && strtoull(cl, NULL, 10) > s->max_body)
			return sv_respond(s, r, c, MHD_HTTP_CONTENT_TOO_LARGE, NULL,
					  "request body too large\n", 23);
		return MHD_YES;
	}
	if (*size) {
		if (!r->answered && !r->too_big) {
			if (r->len + *size > s->max_body) {
				r->too_big = 1;
				free(r->body);
				r->body = NULL;
				r->len = 0;
			} else {
				char *nb = realloc(r->body, r->len + *size + 1);
				if (!nb)
					return MHD_NO;
				memcpy(nb + r->len, data, *size);
				r->len += *size;
				nb[r->len] = 0;
				r->body = nb;
			}
		}
		*size = 0;
		return MHD_YES;
	}
	if (r->answered)
		return MHD_YES;
	return route(s, r, c, url);
}

void sv_on_completed(void *cls, struct MHD_Connection *c, void **req_cls,
		     enum MHD_RequestTerminationCode why)
{
	struct sv_server *s = cls;
	struct sv_req *r = *req_cls;
	(void)c;
	if (!r)
		return;
	if (!s->quiet) {
		time_t now = time(NULL);
		struct tm tm;
		char ts[32];
		gmtime_r(&now, &tm);
		strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
		pthread_mutex_lock(&s->log_lock);
		fprintf(stderr, "mailroom serve: %s %s %s %s %u %zu %.1fms%s\n", ts, r->ip,
			r->method, r->path, r->status, r->out_len, (sv_now() - r->t0) * 1000.0,
			why == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" : " (not completed)");
		pthread_mutex_unlock(&s->log_lock);
	}
	free(r->body);
	free(r);
	*req_cls = NULL;
}
