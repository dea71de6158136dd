/* SPDX-License-Identifier: MIT */
/* View in browser for `mailroom serve`: GET /v?mr=TOKEN (the signed {action.viewUrl}) shows the mailing as that recipient received it, its HTML part under a no-script policy or its text part escaped in <pre>. */
#include "config.h"
#include <stdlib.h>
#include <string.h>
#include <mailroom/mail.h>
#include <mailroom/render.h>
#include <mailroom/track.h>
#include "serve.h"

/* The mailing's own HTML may show remote images and use inline styles, never
 * run scripts, frame or be framed, or submit forms. */
#define VIEW_CSP "default-src 'none'; img-src https: http: data:; " \
		 "style-src 'unsafe-inline' https:; font-src https:; form-action 'none'; " \
		 "frame-ancestors 'none'; base-uri 'none'"

struct who {
	char first[256], last[256], display[256];
};

static int contact_cb(void *cookie, const struct mr_contact *ct)
{
	struct who *w = cookie;
	snprintf(w->first, sizeof(w->first), "%s", ct->first_name ? ct->first_name : "");
	snprintf(w->last, sizeof(w->last), "%s", ct->last_name ? ct->last_name : "");
	snprintf(w->display, sizeof(w->display), "%s", ct->display_name ? ct->display_name : "");
	return 1; /* the first is the one */
}

struct make_ctx {
	struct sv_server *s;
	struct mr_renderer *r;
	struct mr_error *err;
	int rc;
};

static int mailing_cb(void *cookie, const struct mr_mailing *m)
{
	struct make_ctx *mc = cookie;
	mc->rc = mr_mail_renderer_new(&mc->s->site->core, m, &mc->r, mc->err);
	return 0;
}

/* Looks up the recipient and makes the renderer (under the store lock);
 * 0, MR_ENOTFOUND or another status with e. */
static int prepare(struct sv_server *s, const struct mr_track_token *tk,
		   struct mr_bounce_target *t, struct who *w, struct mr_renderer **r_r,
		   struct mr_error *e)
{
	pthread_mutex_lock(&s->store_lock);
	int rc = mr_store_bounce_target(s->store, tk->job_id, tk->queue_id, NULL, t, e);
	if (rc == 0 && t->email_id == 0)
		rc = MR_ENOTFOUND; /* the address left the store: nothing to show */
	if (rc == 0) {
		rc = mr_store_contact_find(s->store, t->email, contact_cb, w, e);
		rc = rc == 1 || rc == MR_ENOTFOUND ? 0 : rc;
	}
	struct make_ctx mc = { s, NULL, e, MR_ENOTFOUND };
	if (rc == 0 && (rc = mr_store_mailing_get(s->store, t->mailing_id, mailing_cb, &mc, e)) == 0)
		rc = mc.rc;
	pthread_mutex_unlock(&s->store_lock);
	*r_r = mc.r;
	return rc;
}

/* The text part escaped line by line (sv_html_esc drops control characters,
 * newlines among them) in a <pre>. */
static enum MHD_Result text_page(struct sv_server *s, struct sv_req *r, struct MHD_Connection *c,
				 struct mr_buf *text)
{
	mr_buf_addc(text, '\0');
	if (text->oom)
		return MHD_NO;
	size_t n = text->len * 6 + 32, l = 5;
	char *pre = malloc(n);
	if (!pre)
		return MHD_NO;
	memcpy(pre, "<pre>", 5);
	for (char *line = text->p, *nl; line; line = nl) {
		if ((nl = strchr(line, '\n')) != NULL)
			*nl++ = '\0';
		l = sv_html_esc(pre, n, l, line);
		if (nl)
			pre[l++] = '\n';
	}
	snprintf(pre + l, n - l, "</pre>");
	enum MHD_Result res = sv_page(s, r, c, MHD_HTTP_OK, "Message", pre);
	free(pre);
	return res;
}

enum MHD_Result sv_view(struct sv_server *s, struct sv_req *r, struct MHD_Connection *c)
{
	struct mr_track_token tk;
	unsigned bad = sv_track_token_of(s, c, MR_TRACK_TOKEN_VIEW, &tk);
	if (bad) {
		sv_log(s, "%s %s: refused a %s token", r->ip, r->path,
		       bad == MHD_HTTP_FORBIDDEN ? "forged or wrong-purpose" : "malformed");
		return sv_respond(s, r, c, bad, NULL, "not a valid link\n", 17);
	}
	struct mr_bounce_target t = { 0 };
	struct who w = { "", "", "" };
	struct mr_renderer *rend = NULL;
	struct mr_error e = { 0 };
	int rc = prepare(s, &tk, &t, &w, &rend, &e);
	if (rc == MR_ENOTFOUND) {
		mr_renderer_free(rend);
		return sv_page(s, r, c, MHD_HTTP_NOT_FOUND, "Not found",
			       "<p>This message is no longer available.</p>");
	}
	struct mr_buf out = { 0 };
	int html = 0;
	struct mr_recipient rc_of = { .queue_id = t.queue_id, .job_id = t.job_id,
				      .mailing_id = t.mailing_id, .contact_id = t.contact_id,
				      .email = t.email, .first_name = w.first,
				      .last_name = w.last, .display_name = w.display };
	if (rc == 0)
		rc = mr_render_view(rend, &rc_of, &out, &html, &e);
	mr_renderer_free(rend);
	enum MHD_Result res;
	if (rc) {
		sv_log(s, "view of queue row %lld: %s", (long long)tk.queue_id, e.msg);
		res = sv_page(s, r, c, MHD_HTTP_SERVICE_UNAVAILABLE, "Unavailable",
			      "<p>This message cannot be shown now; try again later.</p>");
	} else if (html) {
		r->csp = VIEW_CSP;
		res = sv_respond(s, r, c, MHD_HTTP_OK, "text/html; charset=utf-8",
				 out.p ? out.p : "", out.len);
	} else {
		res = text_page(s, r, c, &out);
	}
	mr_buf_free(&out);
	return res;
}
