/* SPDX-License-Identifier: MIT */
/* The unsubscribe endpoint of `mailroom serve`: RFC 8058 one-click POSTs act at once, a GET only shows a page with buttons, and every action is the VERP action of a signed token (u, o, e) applied through the store's bounce operations. */
#include "config.h"
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include "serve.h"
#include "serve-form.h"

struct sv_token {
	struct mr_verp v;
	char text[128]; /* the token as it appears after mr= */
};

/* Reads and checks the mr= token: 0, or an HTTP status. */
static unsigned token_get(struct sv_server *s, struct MHD_Connection *c, struct sv_token *t)
{
	const char *mr = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "mr");
	if (!mr || !*mr)
		return MHD_HTTP_BAD_REQUEST;
	size_t l = strlen(mr);
	if (l >= sizeof(t->text) - 1)
		return MHD_HTTP_BAD_REQUEST;
	for (size_t i = 0; i < l; i++)
		if (!isalnum((unsigned char)mr[i]) && !strchr("._-+=~", mr[i]))
			return MHD_HTTP_BAD_REQUEST;
	memcpy(t->text, mr, l + 1);
	char addr[512];
	int n = snprintf(addr, sizeof(addr), "%s%s@%s", s->verp->localpart, mr, s->verp->domain);
	if (n < 0 || (size_t)n >= sizeof(addr))
		return MHD_HTTP_BAD_REQUEST;
	int rc = mr_verp_parse(s->verp, addr, (size_t)n, &t->v);
	if (rc == MR_EPERMANENT)
		return MHD_HTTP_FORBIDDEN;
	if (rc)
		return MHD_HTTP_BAD_REQUEST;
	if (t->v.action != MR_VERP_UNSUBSCRIBE && t->v.action != MR_VERP_OPTOUT &&
	    t->v.action != MR_VERP_RESUBSCRIBE)
		return MHD_HTTP_FORBIDDEN; /* a bounce or reply token: not for the web */
	return 0;
}

/* The token of another action for the same recipient (for the page's
 * other buttons), without the local part and domain. */
static int token_for(struct sv_server *s, const struct sv_token *t, char action, char *out,
		     size_t n)
{
	char addr[512];
	struct mr_error e = { 0 };
	if (mr_verp_build(s->verp, action, t->v.job_id, t->v.queue_id, addr, sizeof(addr), &e))
		return -1;
	size_t ll = strlen(s->verp->localpart);
	const char *at = strrchr(addr, '@');
	if (!at || (size_t)(at - addr) < ll || (size_t)(at - addr) - ll >= n)
		return -1;
	snprintf(out, n, "%.*s", (int)(at - addr - (ptrdiff_t)ll), addr + ll);
	return 0;
}

static int name_cb(void *cookie, const struct mr_mailing *m)
{
	snprintf(cookie, 256, "%s", m->name ? m->name : "");
	return 0;
}

static enum MHD_Result bad_token(struct sv_server *s, struct sv_req *r, struct MHD_Connection *c,
				 unsigned status)
{
	return sv_page(s, r, c, status, "This link is not valid",
		       "<p>This link is not valid: it may have been cut short when it was copied. "
		       "Open it again from the message, or use the unsubscribe link of a newer "
		       "message.</p>");
}

/* One form of the page: a button posting fields to this path with token. */
static size_t form(char *buf, size_t n, size_t at, const char *path, const char *token,
		   const char *fields, const char *button)
{
	int w = snprintf(buf + at, n - at, "<form method=\"post\" action=\"%s?mr=%s\">%s"
			 "<button type=\"submit\">%s</button></form>\n", path, token, fields, button);
	if (w > 0 && at + (size_t)w < n)
		at += (size_t)w;
	return at;
}

enum MHD_Result sv_unsubscribe(struct sv_server *s, struct sv_req *r, struct MHD_Connection *c)
{
	struct sv_token t;
	unsigned bad = token_get(s, c, &t);
	if (bad) {
		sv_log(s, "%s %s: refused a %s token", r->ip, r->path,
		       bad == MHD_HTTP_FORBIDDEN ? "forged or wrong-purpose" : "malformed");
		return bad_token(s, r, c, bad);
	}
	struct mr_bounce_target tg;
	memset(&tg, 0, sizeof(tg));
	struct mr_error e = { 0 };
	char mailing[256] = "";
	pthread_mutex_lock(&s->store_lock);
	int rc = mr_store_bounce_target(s->store, t.v.job_id, t.v.queue_id, NULL, &tg, &e);
	if (rc == 0 && tg.mailing_id)
		mr_store_mailing_get(s->store, tg.mailing_id, name_cb, mailing, &e);
	pthread_mutex_unlock(&s->store_lock);
	if (rc == MR_ENOTFOUND)
		return sv_page(s, r, c, MHD_HTTP_NOT_FOUND, "This link has expired",
			       "<p>The message this link came from is no longer known here.</p>");
	if (rc) {
		sv_log(s, "queue row %lld: %s", (long long)t.v.queue_id, e.msg);
		return sv_page(s, r, c, MHD_HTTP_SERVICE_UNAVAILABLE, "Please try again later",
			       "<p>Your request could not be handled just now.</p>");
	}
	char other_u[128], other_o[128], other_e[128];
	if (token_for(s, &t, MR_VERP_UNSUBSCRIBE, other_u, sizeof(other_u)) ||
	    token_for(s, &t, MR_VERP_OPTOUT, other_o, sizeof(other_o)) ||
	    token_for(s, &t, MR_VERP_RESUBSCRIBE, other_e, sizeof(other_e)))
		return sv_respond(s, r, c, MHD_HTTP_INTERNAL_SERVER_ERROR, NULL, "error\n", 6);
	char who[800], page[4096];
	size_t w = sv_html_esc(who, sizeof(who), 0, tg.email);
	if (mailing[0]) {
		snprintf(who + w, sizeof(who) - w, "</strong> from the mailing <strong>");
		w += strlen(who + w);
		sv_html_esc(who, sizeof(who), w, mailing);
	}
	const char *path = r->path;
	if (strcmp(r->method, "POST") != 0) {
		/* GET and HEAD only show what a button would do */
		size_t at = 0;
		const char *title;
		if (t.v.action == MR_VERP_RESUBSCRIBE) {
			title = "Subscribe again?";
			at += (size_t)snprintf(page, sizeof(page), "<p>Subscribe <strong>%s</strong> "
					       "again?</p>\n", who);
			at = form(page, sizeof(page), at, path, other_e,
				  "<input type=\"hidden\" name=\"confirm\" value=\"1\">"
				  "<input type=\"hidden\" name=\"page\" value=\"1\">", "Subscribe again");
		} else if (t.v.action == MR_VERP_OPTOUT) {
			title = "Opt out of all mailings?";
			at += (size_t)snprintf(page, sizeof(page), "<p>Stop all mailings to <strong>"
					       "%s</strong>?</p>\n", who);
			at = form(page, sizeof(page), at, path, other_o,
				  "<input type=\"hidden\" name=\"confirm\" value=\"1\">"
				  "<input type=\"hidden\" name=\"page\" value=\"1\">", "Opt out of all mailings");
		} else {
			title = "Unsubscribe?";
			at += (size_t)snprintf(page, sizeof(page), "<p>Unsubscribe <strong>%s</strong>"
					       "?</p>\n", who);
			at = form(page, sizeof(page), at, path, other_u,
				  "<input type=\"hidden\" name=\"List-Unsubscribe\" value=\"One-Click\">"
				  "<input type=\"hidden\" name=\"page\" value=\"1\">", "Unsubscribe");
			at += (size_t)snprintf(page + at, sizeof(page) - at,
					       "<p class=\"note\">Or stop every mailing from us:</p>\n");
			at = form(page, sizeof(page), at, path, other_o,
				  "<input type=\"hidden\" name=\"confirm\" value=\"1\">"
				  "<input type=\"hidden\" name=\"page\" value=\"1\">", "Opt out of all mailings");
		}
		return sv_page(s, r, c, MHD_HTTP_OK, title, page);
	}
	/* POST: act */
	const char *ctype = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
							MHD_HTTP_HEADER_CONTENT_TYPE);
	int one_click = sv_form_has(ctype, r->body, r->len, "List-Unsubscribe", "One-Click");
	int confirm = sv_form_has(ctype, r->body, r->len, "confirm", "1");
	int want_page = sv_form_has(ctype, r->body, r->len, "page", "1");
	enum mr_verp_action act;
	if (t.v.action == MR_VERP_UNSUBSCRIBE && (one_click || confirm))
		act = MR_ACTION_UNSUBSCRIBE;
	else if (t.v.action == MR_VERP_OPTOUT && (one_click || confirm))
		act = MR_ACTION_OPTOUT;
	else if (t.v.action == MR_VERP_RESUBSCRIBE && confirm)
		act = MR_ACTION_RESUBSCRIBE;
	else
		return sv_respond(s, r, c, MHD_HTTP_BAD_REQUEST, NULL,
				  "expected the body List-Unsubscribe=One-Click\n", 46);
	if (!one_click && !sv_same_origin(c)) {
		sv_log(s, "%s %s: refused a cross-site form for queue row %lld", r->ip, r->path,
		       (long long)t.v.queue_id);
		return sv_page(s, r, c, MHD_HTTP_FORBIDDEN, "Not allowed",
			       "<p>This form must be sent from its own page.</p>");
	}
	char details[160];
	snprintf(details, sizeof(details), "web: %s from %s",
		 one_click ? (want_page ? "unsubscribe page" : "one-click POST") : "page form",
		 r->ip);
	int64_t changed = 0;
	pthread_mutex_lock(&s->store_lock);
	rc = mr_store_verp_action(s->store, t.v.queue_id, act, (int64_t)time(NULL), details,
				  &changed, &e);
	pthread_mutex_unlock(&s->store_lock);
	const char *what = act == MR_ACTION_UNSUBSCRIBE ? "unsubscribe" :
			   act == MR_ACTION_OPTOUT ? "opt-out" : "resubscribe";
	if (rc) {
		sv_log(s, "%s of queue row %lld failed: %s", what, (long long)t.v.queue_id, e.msg);
		return sv_page(s, r, c, rc == MR_ENOTFOUND ? MHD_HTTP_NOT_FOUND :
			       MHD_HTTP_SERVICE_UNAVAILABLE, "Please try again later",
			       "<p>Your request could not be recorded just now.</p>");
	}
	sv_log(s, "%s of queue row %lld (mailing %lld) via web: %lld change%s", what,
	       (long long)t.v.queue_id, (long long)tg.mailing_id, (long long)changed,
	       changed == 1 ? "" : "s");
	if (!want_page) {
		static const char *const txt[] = { "unsubscribed\n", "opted out\n",
						   "subscribed again\n" };
		const char *m = txt[act == MR_ACTION_UNSUBSCRIBE ? 0 : act == MR_ACTION_OPTOUT ? 1 : 2];
		return sv_respond(s, r, c, MHD_HTTP_OK, NULL, m, strlen(m));
	}
	size_t at = 0;
	const char *title;
	if (act == MR_ACTION_RESUBSCRIBE) {
		title = "You are subscribed again";
		at += (size_t)snprintf(page, sizeof(page), "<p id=\"done\" data-action=\"resubscribe\">"
				       "<strong>%s</strong> will receive our mailings again.</p>\n", who);
	} else {
		title = act == MR_ACTION_UNSUBSCRIBE ? "You are unsubscribed" : "You are opted out";
		at += (size_t)snprintf(page, sizeof(page), "<p id=\"done\" data-action=\"%s\">"
				       "<strong>%s</strong> will receive no more %s.</p>\n", what, who,
				       act == MR_ACTION_UNSUBSCRIBE ? "of these mailings" :
				       "mailings from us");
		at += (size_t)snprintf(page + at, sizeof(page) - at,
				       "<p class=\"note\">A mistake?</p>\n");
		at = form(page, sizeof(page), at, path, other_e,
			  "<input type=\"hidden\" name=\"confirm\" value=\"1\">"
			  "<input type=\"hidden\" name=\"page\" value=\"1\">", "Subscribe again");
	}
	return sv_page(s, r, c, MHD_HTTP_OK, title, page);
}
