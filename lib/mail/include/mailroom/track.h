/* SPDX-License-Identifier: MIT */
/* Open and click tracking of libmailroom-mail: the signed tokens of the open pixel, of click links, of view-in-browser links and of double opt-in confirmation links, and the tracked links of a mailing's HTML. */
#ifndef MAILROOM_TRACK_H
#define MAILROOM_TRACK_H

#include <stddef.h>
#include <stdint.h>
#include <mailroom/bounce.h>

/* Token kinds: the first letter of a token. */
#define MR_TRACK_TOKEN_OPEN  'o'
#define MR_TRACK_TOKEN_CLICK 'c'
#define MR_TRACK_TOKEN_VIEW  'v' /* view in browser */

/* Most links of one mailing that are tracked; later ones are left as they are. */
#define MR_TRACK_MAX_LINKS 1000

/* A parsed tracking token. */
struct mr_track_token {
	char kind;        /* MR_TRACK_TOKEN_OPEN, _CLICK or _VIEW */
	int64_t job_id;
	int64_t queue_id;
	int link;         /* clicks: the link's index; opens and views: -1 */
};

/* Writes the token of an open ("o.JOB.QUEUE.HASH"), of a view in the
 * browser ("v.JOB.QUEUE.HASH") or of a click of link link
 * ("c.JOB.QUEUE.LINK.HASH") into out: HMAC-SHA256 under conf's secret over a
 * message no VERP address signs ("to..." / "tv..." / "tc..."), so a tracking
 * token never works as an unsubscribe token, nor one kind as another.
 * Returns 0, or MR_EINPUT (no secret, bad argument) / MR_ENOMEM (out too
 * small) with err. */
int mr_track_token(const struct mr_verp_conf *conf, char kind, int64_t job_id,
		   int64_t queue_id, int link, char *out, size_t n, struct mr_error *err);
/* Checks a token.  Returns 0 with *t_r, MR_EINPUT when it is malformed
 * (unknown kind, bad ids, hash not 16 hex digits), MR_EPERMANENT when the
 * hash does not match (forged, altered, or another recipient's). */
int mr_track_parse(const struct mr_verp_conf *conf, const char *token,
		   struct mr_track_token *t_r);

/* A double opt-in confirmation token: contact_id asked to join group_id
 * and may confirm until expires (unix time). */
struct mr_optin_token {
	int64_t contact_id;
	int64_t group_id;
	int64_t expires;
};

/* Writes the confirmation token of t ("s.CONTACT.GROUP.EXPIRES.HASH") into
 * out: HMAC-SHA256 under conf's secret over a message of its own purpose
 * ("optin-confirm..."), so no tracking token or VERP address works as one
 * and no confirmation token as them.  Returns 0, or MR_EINPUT / MR_ENOMEM
 * with err. */
int mr_optin_token(const struct mr_verp_conf *conf, const struct mr_optin_token *t, char *out,
		   size_t n, struct mr_error *err);
/* Checks a confirmation token at time now.  Returns 0 with *t_r,
 * MR_EINPUT when malformed, MR_EPERMANENT when the hash does not match,
 * MR_ENOTFOUND (with *t_r) when it is genuine but expired. */
int mr_optin_parse(const struct mr_verp_conf *conf, const char *token, int64_t now,
		   struct mr_optin_token *t_r);

/* One tracked link of an HTML template: its index, where its raw href value
 * lies in the source (start, len), and its URL with &amp; decoded (a
 * NUL-terminated string valid during the call).  Non-zero stops. */
typedef int mr_track_link_cb(void *cookie, int index, size_t start, size_t len,
			     const char *url);
/* Calls cb for each tracked link of html, in order: every href="..." (or
 * '...' or unquoted) whose value is an absolute http(s) URL without template
 * tokens ({...}), at most MR_TRACK_MAX_LINKS.  Returns how many there were.
 * The same source gives the same numbering: rendering and mailroom serve
 * agree on it. */
int mr_track_links(const char *html, mr_track_link_cb *cb, void *cookie);

#endif
