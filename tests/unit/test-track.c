/* SPDX-License-Identifier: MIT */
/* Tests of lib/mail/track.c: which links of an HTML template are tracked and how they are numbered, and the signed pixel and click tokens (forged, altered, truncated, wrong-kind). */
#include "config.h"
#include <stdio.h>
#include <string.h>
#include <mailroom/mail.h>
#include "tap.h"

struct got {
	char urls[16][256];
	int n;
};

static int collect(void *cookie, int index, size_t start, size_t len, const char *url)
{
	struct got *g = cookie;
	(void)start;
	(void)len;
	if (index == g->n && g->n < 16)
		snprintf(g->urls[g->n++], sizeof(g->urls[0]), "%s", url);
	return 0;
}

static const struct {
	const char *html;
	int n;
	const char *urls[4];
} link_cases[] = {
	{ "<a href=\"https://a.example/x\">x</a>", 1, { "https://a.example/x" } },
	{ "<a href='http://a.example/?a=1&amp;b=2'>", 1, { "http://a.example/?a=1&b=2" } },
	{ "<a href=https://a.example/u>u</a>", 1, { "https://a.example/u" } },
	{ "<A HREF = \"HTTPS://A.example/\">", 1, { "HTTPS://A.example/" } },
	{ "<a href=\"mailto:x@example.org\">", 0, { NULL } },
	{ "<a href=\"{action.unsubscribeUrl}\">", 0, { NULL } },
	{ "<a href=\"https://a.example/?e={contact.email}\">", 0, { NULL } },
	{ "<a href=\"/relative\"> <a href=\"#top\">", 0, { NULL } },
	{ "<a data-href=\"https://no.example/\">", 0, { NULL } },
	{ "<a href=\"https://a.example/ space\">", 0, { NULL } },
	{ "<p>href=\"https://text.example/\"</p>", 0, { NULL } }, /* text, not an attribute */
	{ "<a href=\"https://1.example/\"><a href=\"mailto:q@x\"><a href=\"https://2.example/\">", 2,
	  { "https://1.example/", "https://2.example/" } },
};

int main(void)
{
	for (size_t i = 0; i < sizeof(link_cases) / sizeof(link_cases[0]); i++) {
		struct got g = { .n = 0 };
		int n = mr_track_links(link_cases[i].html, collect, &g);
		TAP_INT(n, link_cases[i].n, "links of %s", link_cases[i].html);
		for (int k = 0; k < n && k < 4; k++)
			TAP_STR(g.urls[k], link_cases[i].urls[k], "link %d of case %zu", k, i);
	}
	TAP_INT(mr_track_links(NULL, collect, NULL), 0, "no HTML: no links");

	struct mr_verp_conf c = { .localpart = "r+", .domain = "b.example", .sep = '.',
				  .secret = (const unsigned char *)"s3cret", .secret_len = 6 };
	struct mr_verp_conf other = c;
	other.secret = (const unsigned char *)"other";
	other.secret_len = 5;
	char o[128], k[128];
	struct mr_error e = { 0 };
	TAP_INT(mr_track_token(&c, MR_TRACK_TOKEN_OPEN, 7, 42, -1, o, sizeof(o), &e), 0, "open token");
	TAP_INT(mr_track_token(&c, MR_TRACK_TOKEN_CLICK, 7, 42, 3, k, sizeof(k), &e), 0, "click token");
	TAP_OK(strncmp(o, "o.7.42.", 7) == 0 && strlen(o) == 7 + 16, "open token shape (%s)", o);
	TAP_OK(strncmp(k, "c.7.42.3.", 9) == 0 && strlen(k) == 9 + 16, "click token shape (%s)", k);
	struct mr_track_token t;
	TAP_INT(mr_track_parse(&c, o, &t), 0, "the open token parses");
	TAP_OK(t.kind == 'o' && t.job_id == 7 && t.queue_id == 42 && t.link == -1, "its fields");
	TAP_INT(mr_track_parse(&c, k, &t), 0, "the click token parses");
	TAP_OK(t.kind == 'c' && t.job_id == 7 && t.queue_id == 42 && t.link == 3, "its fields");
	TAP_INT(mr_track_parse(&other, k, &t), MR_EPERMANENT, "another secret: forged");
	char bad[160];
	snprintf(bad, sizeof(bad), "c.7.42.4.%s", k + 9);
	TAP_INT(mr_track_parse(&c, bad, &t), MR_EPERMANENT, "another link index: forged");
	snprintf(bad, sizeof(bad), "c.7.43.3.%s", k + 9);
	TAP_INT(mr_track_parse(&c, bad, &t), MR_EPERMANENT, "another recipient: forged");
	snprintf(bad, sizeof(bad), "o.7.42.3.%s", k + 9);
	TAP_INT(mr_track_parse(&c, bad, &t), MR_EINPUT, "a click hash as an open: malformed");
	snprintf(bad, sizeof(bad), "o.7.42.%s", k + 9);
	TAP_INT(mr_track_parse(&c, bad, &t), MR_EPERMANENT, "a click's hash on an open token: forged");
	snprintf(bad, sizeof(bad), "%.*s", (int)strlen(o) - 1, o);
	TAP_INT(mr_track_parse(&c, bad, &t), MR_EINPUT, "truncated: malformed");
	/* an unsubscribe VERP tag never passes as a tracking token */
	char verp[200];
	mr_verp_build(&c, 'o', 7, 42, verp, sizeof(verp), &e);
	snprintf(bad, sizeof(bad), "o.7.42.%.16s", strchr(verp, '@') - MR_VERP_HASH_LEN);
	TAP_INT(mr_track_parse(&c, bad, &t), MR_EPERMANENT, "an opt-out VERP hash is not an open's");
	strcpy(bad, o);
	for (char *p = bad; *p; p++)
		if (*p >= 'a' && *p <= 'f' && p > bad + 7)
			*p = (char)(*p - 'a' + 'A');
	TAP_INT(mr_track_parse(&c, bad, &t), 0, "a genuine hash in upper case is ours");
	TAP_INT(mr_track_parse(&c, "c.1.2.1000.0123456789abcdef", &t), MR_EINPUT,
		"a link index past the limit");
	TAP_INT(mr_track_parse(&c, "", &t), MR_EINPUT, "empty");
	/* every id mr_track_token writes parses back: 1 to 19 digits (fuzz-track) */
	int64_t id = 1;
	/* the next id is made only while it has at most 19 digits (no overflow) */
	for (int digits = 1; digits <= 19;
	     id = digits < 19 ? id * 10 + (digits + 1) % 10 : id, digits++) {
		TAP_INT(mr_track_token(&c, MR_TRACK_TOKEN_CLICK, id, INT64_MAX, 999, k, sizeof(k), &e),
			0, "click token of a %d-digit id", digits);
		TAP_OK(mr_track_parse(&c, k, &t) == 0 && t.job_id == id && t.queue_id == INT64_MAX &&
			       t.link == 999, "parses back (%s)", k);
	}
	TAP_INT(mr_track_parse(&c, "o.9223372036854775808.1.0123456789abcdef", &t), MR_EINPUT,
		"an id past INT64_MAX: malformed");
	TAP_INT(mr_track_parse(&c, "o.07.42.0123456789abcdef", &t), MR_EINPUT,
		"a leading zero: malformed");
	TAP_INT(mr_track_token(&c, MR_TRACK_TOKEN_CLICK, 7, 42, -1, k, sizeof(k), &e), MR_EINPUT,
		"a click without a link index is refused");
	TAP_INT(mr_track_token(&c, MR_TRACK_TOKEN_OPEN, 7, 42, -1, k, 10, &e), MR_ENOMEM,
		"a buffer too small");
	/* view in browser: its own purpose */
	char v[128];
	TAP_INT(mr_track_token(&c, MR_TRACK_TOKEN_VIEW, 7, 42, -1, v, sizeof(v), &e), 0, "view token");
	TAP_OK(strncmp(v, "v.7.42.", 7) == 0 && strlen(v) == 7 + 16, "view token shape (%s)", v);
	TAP_INT(mr_track_parse(&c, v, &t), 0, "the view token parses");
	TAP_OK(t.kind == 'v' && t.job_id == 7 && t.queue_id == 42 && t.link == -1, "its fields");
	snprintf(bad, sizeof(bad), "o.%s", v + 2);
	TAP_INT(mr_track_parse(&c, bad, &t), MR_EPERMANENT, "a view hash as an open's: forged");
	snprintf(bad, sizeof(bad), "v.%s", o + 2);
	TAP_INT(mr_track_parse(&c, bad, &t), MR_EPERMANENT, "an open hash as a view's: forged");

	/* double opt-in confirmation tokens: their own purpose, an expiry */
	struct mr_optin_token ot = { 12, 3, 2000000000 }, got;
	char s1[128];
	TAP_INT(mr_optin_token(&c, &ot, s1, sizeof(s1), &e), 0, "confirmation token");
	TAP_OK(strncmp(s1, "s.12.3.2000000000.", 18) == 0 && strlen(s1) == 18 + 16,
	       "confirmation token shape (%s)", s1);
	TAP_INT(mr_optin_parse(&c, s1, 1999999999, &got), 0, "it parses before its expiry");
	TAP_OK(got.contact_id == 12 && got.group_id == 3 && got.expires == 2000000000,
	       "its fields");
	TAP_INT(mr_optin_parse(&c, s1, 2000000000, &got), MR_ENOTFOUND,
		"at its expiry: MR_ENOTFOUND (genuine but expired)");
	TAP_INT(mr_optin_parse(&other, s1, 0, &got), MR_EPERMANENT, "another site's secret: forged");
	snprintf(bad, sizeof(bad), "s.12.3.2000000001.%s", s1 + 18);
	TAP_INT(mr_optin_parse(&c, bad, 0, &got), MR_EPERMANENT, "a changed expiry: forged");
	snprintf(bad, sizeof(bad), "s.13.3.2000000000.%s", s1 + 18);
	TAP_INT(mr_optin_parse(&c, bad, 0, &got), MR_EPERMANENT, "another contact: forged");
	snprintf(bad, sizeof(bad), "s.7.42.%s", o + 7);
	TAP_INT(mr_optin_parse(&c, bad, 0, &got), MR_EINPUT, "an open token's parts: malformed");
	snprintf(bad, sizeof(bad), "o.12.3.%s", s1 + 18);
	TAP_INT(mr_track_parse(&c, bad, &t), MR_EPERMANENT,
		"a confirmation hash as an open's: forged");
	TAP_INT(mr_optin_parse(&c, "s.12.3", 0, &got), MR_EINPUT, "a cut token: malformed");
	TAP_INT(mr_optin_parse(&c, "s.012.3.5.0123456789abcdef", 0, &got), MR_EINPUT,
		"a leading zero: malformed");
	ot.contact_id = 0;
	TAP_INT(mr_optin_token(&c, &ot, s1, sizeof(s1), &e), MR_EINPUT, "contact 0 is refused");
	return tap_done();
}
