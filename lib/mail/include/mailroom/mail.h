/* SPDX-License-Identifier: MIT */
/*
 * libmailroom-mail: what mail means to mailroom, in one library that jobs,
 * the command and out-of-tree plugins link (pkg-config mailroom-mail).
 *
 * Thread safety: every function may be called from any thread.  The library
 * has no globals but the ones mr_mail_init() sets up once (GMime); objects
 * (rules, renderers, signers, resolvers) may be shared read-only between
 * threads, except a renderer, which one thread uses at a time.
 */
#ifndef MAILROOM_MAIL_H
#define MAILROOM_MAIL_H

#include <mailroom/error.h>
#include <mailroom/buf.h>
#include <mailroom/message.h>
#include <mailroom/dns.h>
#include <mailroom/dkim.h>
#include <mailroom/bounce.h>
#include <mailroom/activity.h>
#include <mailroom/render.h>
#include <mailroom/track.h>

struct mr_core;

/* The library's version, e.g. "0.1.0". */
const char *mr_mail_version(void);

/* Initialises GMime once per process (any number of calls, from any
 * thread).  Every function that needs it calls it; a program may call it
 * first to pay the cost up front. */
void mr_mail_init(void);

/* ---- a site's settings, read through the core services table (site-conf.c) */

/* The site's bounce rules: [bounce] rules_file, else mr_bounce_rules_default(). */
int mr_mail_rules_load(const struct mr_core *core, struct mr_bounce_rules **rules_r,
		       struct mr_error *err);
/* The site's VERP settings: the account with used_for = bounce (its
 * localpart and domain), [bounce] verp_separator, [mailroom] secret (NULL
 * when none is set).  Returns 0 with *conf_r (free with mr_verp_conf_free)
 * or MR_ECONFIG. */
int mr_mail_verp_conf(const struct mr_core *core, struct mr_verp_conf **conf_r,
		      struct mr_error *err);
void mr_verp_conf_free(struct mr_verp_conf *conf);
/* Fills conf from the site: [mailroom] from, from_name, reply_to, domain,
 * secret, unsubscribe_url, the bounce account's localpart and domain, and
 * [dkim] (loading the key).  Free with mr_render_conf_free.  Returns 0 or a
 * status with err. */
int mr_mail_render_conf(const struct mr_core *core, struct mr_render_conf *conf,
			struct mr_error *err);
/* The site's DKIM signer: [dkim] selector, domain (default [mailroom]
 * domain, else the From address's), key_file, algorithm.  Returns 0 with
 * *s_r (NULL when no key_file is set; free with mr_dkim_signer_free), or
 * MR_ECONFIG naming the key file and the problem. */
int mr_mail_dkim_signer(const struct mr_core *core, struct mr_dkim_signer **s_r,
			struct mr_error *err);
/* The MR_TRACK_* flags [mailing] track_opens and track_clicks give a new
 * mailing (the site's defaults). */
int mr_mail_track_defaults(const struct mr_core *core);
/* What mailing_id tracks: the flags stored with it (mailing create), else
 * the site's defaults.  Returns 0. */
int mr_mail_track_flags(const struct mr_core *core, int64_t mailing_id, unsigned *flags_r);
/* A renderer of mailing m with the site's settings ([mailroom] postal_address
 * for {domain.address}; List-Id and Precedence: bulk from the mailing's
 * settings list_id and precedence, else [mailing] list_id and
 * precedence_bulk; a VERP Reply-To from its setting reply_to = verp, else
 * [mailing] reply_to): [http] base_url gives
 * the tracking links (and BASE_URL/u when unsubscribe_url is unset); the
 * mailing's tracking flags say whether there are any; its language variants
 * (settings lang_TAG_*, see mr_renderer_add_language) are added. */
int mr_mail_renderer_new(const struct mr_core *core, const struct mr_mailing *m,
			 struct mr_renderer **r_r, struct mr_error *err);

#endif
