/* SPDX-License-Identifier: MIT */
/* Double opt-in pages of `mailroom serve`: the public subscribe form of the groups in [optin] web_groups, and the signed confirmation link, which a GET only shows (link scanners follow GETs) and a same-site POST confirms. */
#include "config.h"
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <mailroom/addr.h>
#include <mailroom/track.h>
#include <mailroom/printable.h>
#include "serve.h"
#include "serve-form.h"
#include "../optin.h"

/* Whether group is one of the comma- or space-separated web_groups. */
static int web_group(const struct sv_server *s, const char *group)
{
	size_t gl = strlen(group);
	if (!s->web_groups || !gl)
		return 0;
	for (const char *p = s->web_groups; *p;) {
		p += strspn(p, ", \t");
		size_t l = strcspn(p, ", \t");
		if (l == gl && strncmp(p, group, l) == 0)
			return 1;
		p += l;
	}
	return 0;
}

static enum MHD_Result subscribe_form(struct sv_server *s, struct sv_req *r,
				      struct MHD_Connection *c, const char *group)
{
	char page[2048], g[400];
	sv_html_esc(g, sizeof(g), 0, group);
	snprintf(page, sizeof(page),
		 "<form method=\"post\" action=\"%s/subscribe\">"
		 "<input type=\"hidden\" name=\"group\" value=\"%s\">"
		 "<p><label>Email <input type=\"email\" name=\"email\" required></label></p>"
		 "<p><label>First name <input type=\"text\" name=\"first_name\"></label></p>"
		 "<button type=\"submit\">Subscribe</button></form>\n"
		 "<p class=\"note\">We will send you a message with a link to confirm.</p>",
		 s->base_path, g);
	return sv_page(s, r, c, MHD_HTTP_OK, "Subscribe", page);
}

enum MHD_Result sv_subscribe(struct sv_server *s, struct sv_req *r, struct MHD_Connection *c)
{
	if (!s->web_groups)
		return sv_page(s, r, c, MHD_HTTP_NOT_FOUND, "Not found", "<p>There is nothing here.</p>");
	const char *ctype = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
							MHD_HTTP_HEADER_CONTENT_TYPE);
	char group[128] = "", email[320] = "", first[128] = "";
	if (strcmp(r->method, "POST") != 0) {
		const char *g = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "group");
		if (!g || strlen(g) >= sizeof(group) || !web_group(s, g))
			return sv_page(s, r, c, MHD_HTTP_NOT_FOUND, "No such list",
				       "<p>There is no list of that name to subscribe to.</p>");
		return subscribe_form(s, r, c, g);
	}
	if (!sv_same_origin(c)) {
		sv_log(s, "%s %s: refused a cross-site subscribe form", r->ip, r->path);
		return sv_page(s, r, c, MHD_HTTP_FORBIDDEN, "Not allowed",
			       "<p>This form must be sent from its own page.</p>");
	}
	if (!sv_form_get(ctype, r->body, r->len, "group", group, sizeof(group)) ||
	    !web_group(s, group))
		return sv_page(s, r, c, MHD_HTTP_NOT_FOUND, "No such list",
			       "<p>There is no list of that name to subscribe to.</p>");
	if (!sv_form_get(ctype, r->body, r->len, "email", email, sizeof(email)) ||
	    !mr_addr_valid(email))
		return sv_page(s, r, c, MHD_HTTP_BAD_REQUEST, "Please check the address",
			       "<p>That does not look like an email address. Go back and try "
			       "again.</p>");
	/* a name from the web reaches the store, pages, mail and JSON: valid
	 * UTF-8 without control characters only (mr_printable) */
	char raw[sizeof(first)] = "";
	sv_form_get(ctype, r->body, r->len, "first_name", raw, sizeof(raw));
	mr_printable_str(first, sizeof(first), raw);
	char via[96];
	snprintf(via, sizeof(via), "web from %s", r->ip);
	struct optin_request rq = { .email = email, .group = group,
				    .first_name = first[0] ? first : NULL, .who = "web", .via = via,
				    .store_lock = &s->store_lock, .send_lock = &s->send_lock };
	struct optin_outcome out;
	struct mr_error e = { 0 };
	pthread_mutex_lock(&s->store_lock);
	int rc = optin_subscribe(s->site, s->verp, &rq, &out, &e);
	pthread_mutex_unlock(&s->store_lock);
	if (rc) {
		sv_log(s, "%s %s: subscribing to %s failed: %s", r->ip, r->path, group, e.msg);
		return sv_page(s, r, c, MHD_HTTP_SERVICE_UNAVAILABLE, "Please try again later",
			       "<p>Your request could not be handled just now.</p>");
	}
	sv_log(s, "subscribe request of contact %lld to %s via web: %s", (long long)out.contact_id,
	       group, out.member ? "already a member" : "confirmation sent");
	/* the same answer either way: the page tells no one who is subscribed */
	return sv_page(s, r, c, MHD_HTTP_OK, "Please check your inbox",
		       "<p id=\"done\" data-action=\"subscribe\">If the address is right, a message "
		       "with a link to confirm your subscription is on its way.</p>");
}

static enum MHD_Result bad_link(struct sv_server *s, struct sv_req *r, struct MHD_Connection *c,
				unsigned status)
{
	return sv_page(s, r, c, status, "This link is not valid",
		       "<p>This link is not valid: it may have been cut short when it was copied. "
		       "Open it again from the message.</p>");
}

enum MHD_Result sv_confirm(struct sv_server *s, struct sv_req *r, struct MHD_Connection *c)
{
	const char *tok = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "t");
	if (!tok || !*tok || strlen(tok) >= 100)
		return bad_link(s, r, c, MHD_HTTP_BAD_REQUEST);
	for (const char *p = tok; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '.')
			return bad_link(s, r, c, MHD_HTTP_BAD_REQUEST);
	struct mr_optin_token t;
	int rc = mr_optin_parse(s->verp, tok, (int64_t)time(NULL), &t);
	if (rc == MR_ENOTFOUND)
		return sv_page(s, r, c, MHD_HTTP_GONE, "This link has expired",
			       "<p>This confirmation link has expired. Subscribe again to get a "
			       "new one.</p>");
	if (rc) {
		sv_log(s, "%s %s: refused a %s confirmation token", r->ip, r->path,
		       rc == MR_EPERMANENT ? "forged" : "malformed");
		return bad_link(s, r, c, rc == MR_EPERMANENT ? MHD_HTTP_FORBIDDEN :
				MHD_HTTP_BAD_REQUEST);
	}
	char name[256], title[256], ttl[800], page[2048];
	struct mr_error e = { 0 };
	pthread_mutex_lock(&s->store_lock);
	rc = optin_group_name(s->store, t.group_id, name, title, sizeof(name), &e);
	pthread_mutex_unlock(&s->store_lock);
	if (rc)
		return sv_page(s, r, c, MHD_HTTP_NOT_FOUND, "This list is gone",
			       "<p>The list this link was for no longer exists.</p>");
	sv_html_esc(ttl, sizeof(ttl), 0, title);
	const char *ctype = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
							MHD_HTTP_HEADER_CONTENT_TYPE);
	if (strcmp(r->method, "POST") != 0) {
		/* GET and HEAD only show the button: link scanners confirm nothing */
		snprintf(page, sizeof(page), "<p>Confirm your subscription to <strong>%s</strong>?"
			 "</p>\n<form method=\"post\" action=\"%s/confirm?t=%s\">"
			 "<input type=\"hidden\" name=\"confirm\" value=\"1\">"
			 "<button type=\"submit\">Confirm my subscription</button></form>\n", ttl,
			 s->base_path, tok);
		return sv_page(s, r, c, MHD_HTTP_OK, "Confirm your subscription", page);
	}
	if (!sv_form_has(ctype, r->body, r->len, "confirm", "1"))
		return sv_respond(s, r, c, MHD_HTTP_BAD_REQUEST, NULL, "expected the body confirm=1\n",
				  28);
	if (!sv_same_origin(c)) {
		sv_log(s, "%s %s: refused a cross-site confirmation of contact %lld", r->ip, r->path,
		       (long long)t.contact_id);
		return sv_page(s, r, c, MHD_HTTP_FORBIDDEN, "Not allowed",
			       "<p>This form must be sent from its own page.</p>");
	}
	char via[96];
	snprintf(via, sizeof(via), "web from %s", r->ip);
	int already = 0;
	pthread_mutex_lock(&s->store_lock);
	rc = optin_confirm(s->store, &t, via, &already, &e);
	pthread_mutex_unlock(&s->store_lock);
	if (rc == MR_ENOTFOUND)
		return sv_page(s, r, c, MHD_HTTP_GONE, "This link has expired",
			       "<p>This subscription request is no longer waiting. Subscribe again "
			       "to get a new link.</p>");
	if (rc) {
		sv_log(s, "confirming contact %lld in group %lld failed: %s",
		       (long long)t.contact_id, (long long)t.group_id, e.msg);
		return sv_page(s, r, c, MHD_HTTP_SERVICE_UNAVAILABLE, "Please try again later",
			       "<p>Your request could not be recorded just now.</p>");
	}
	sv_log(s, "contact %lld confirmed group %s via web%s", (long long)t.contact_id, name,
	       already ? " (a member already)" : "");
	snprintf(page, sizeof(page), "<p id=\"done\" data-action=\"confirm\">You are subscribed "
		 "to <strong>%s</strong>.</p>\n", ttl);
	return sv_page(s, r, c, MHD_HTTP_OK, "You are subscribed", page);
}
