/* SPDX-License-Identifier: MIT */
/* Mass-mailing rendering: compiled token templates and the MIME writer with VERP, List-Unsubscribe and DKIM (libmailroom-mail). */
#ifndef MAILROOM_RENDER_H
#define MAILROOM_RENDER_H

#include <stddef.h>
#include <stdint.h>
#include <mailroom/error.h>
#include <mailroom/buf.h>
#include <mailroom/mailing.h>
#include <mailroom/bounce.h>
#include <mailroom/dkim.h>

/* ---- token templates (tokens.c) */
/* The values tokens expand to; NULL or "" means empty. */
struct mr_token_values {
	const char *first_name, *last_name, *display_name, *email;
	const char *unsubscribe_url, *optout_url, *domain;
	const char *mailing_name, *mailing_subject; /* the subject as rendered for the contact */
	const char *view_url;  /* [http] base_url/v?mr=TOKEN, or NULL without base_url */
	const char *fields;         /* custom fields: "NAME\x1fVALUE\x1e...", MAY be NULL */
	const char *resubscribe_url;  /* {action.resubscribeUrl} */
	const char *domain_address;   /* {domain.address}, [mailroom] postal_address */
};
struct mr_tpl;
/* Compiles src (NUL-terminated UTF-8) into segments.  Tokens are
 * {contact.first_name}, {contact.last_name}, {contact.display_name},
 * {contact.email}, {action.unsubscribeUrl}, {action.optOutUrl},
 * {action.viewUrl}, {domain.name}, {domain.address}, {mailing.name}, {mailing.subject},
 * {action.resubscribeUrl}, each with an optional
 * fallback after '|' used when the value is empty.  A '{' that does not
 * start NAMESPACE.NAME with a namespace of contact, action, domain or
 * mailing is literal text (CSS).  An unknown NAME in those namespaces is
 * MR_EINPUT naming it, its line and column (what says which template).
 * Returns 0 with *tpl_r (free with mr_tpl_free). */
int mr_tpl_compile(const char *src, const char *what, struct mr_tpl **tpl_r,
		   struct mr_error *err);
/* mr_tpl_compile that also knows {contact.NAME} for each NAME of
 * fields[0..n_fields), the custom fields of contacts. */
int mr_tpl_compile_fields(const char *src, const char *what, const char *const *fields,
			  size_t n_fields, struct mr_tpl **tpl_r, struct mr_error *err);
void mr_tpl_free(struct mr_tpl *tpl);
/* Appends the template expanded with v; html escapes values and fallbacks
 * (& < > " '). */
void mr_tpl_render(const struct mr_tpl *tpl, const struct mr_token_values *v, int html,
		   struct mr_buf *out);
/* Number of tokens in a template (for tests). */
size_t mr_tpl_tokens(const struct mr_tpl *tpl);
/* Whether the template has the built-in token name ("action.viewUrl");
 * 0 for a NULL template or a name that is no built-in token. */
int mr_tpl_uses(const struct mr_tpl *tpl, const char *name);

/* ---- the message renderer (mailing-render.c) */
struct mr_render_conf {
	const char *from_email, *from_name, *reply_to; /* the site's defaults */
	const char *domain;           /* for Message-IDs and {domain.name} */
	struct mr_verp_conf verp;     /* VERP local part, domain, separator, secret */
	const char *unsubscribe_url;  /* https base URL, or NULL */
	struct mr_dkim_signer *dkim;  /* NULL: no signature (not owned) */
	const char *base_url;         /* [http] base_url without a trailing '/', or NULL */
	int track_opens;              /* add the open pixel (needs base_url) */
	int track_clicks;             /* rewrite the HTML part's links (needs base_url) */
	char *owned[2];               /* strings mr_mail_render_conf allocated */
	int esp;                      /* MR_ESP_*: whose custom-argument header carries our id */
	/* the custom fields {contact.NAME} may name; only read by
	 * mr_renderer_new (not kept) */
	const char *const *fields;
	size_t n_fields;
};
/* [mailroom] esp: the ESP whose webhooks get our signed id back. */
#define MR_ESP_NONE     0
#define MR_ESP_SENDGRID 1 /* X-SMTPAPI: {"unique_args":{"mailroom_id":ID}} */
#define MR_ESP_POSTMARK 2 /* X-PM-Metadata-mailroom-id: ID */
struct mr_renderer;
/* Compiles a mailing's templates once (unknown tokens are MR_EINPUT) and
 * prepares its constant parts (attachments in base64).  m is copied; conf
 * is copied and, when own_conf, freed with the renderer. */
int mr_renderer_new(const struct mr_render_conf *conf, int own_conf, const struct mr_mailing *m,
		    struct mr_renderer **r_r, struct mr_error *err);
void mr_renderer_free(struct mr_renderer *r);
/* Renders one recipient's message into out (out->data is reused). */
int mr_render(struct mr_renderer *r, const struct mr_recipient *rc, int64_t now,
	      struct mr_rendered_msg *out, struct mr_error *err);
/* The part a recipient reads in a browser (mailroom serve's view): the
 * HTML part exactly as mr_render writes it for rc (tracking included), or
 * the text part when the mailing has no HTML; *html_r says which.  The
 * bytes are appended to out (not quoted-printable). */
int mr_render_view(struct mr_renderer *r, const struct mr_recipient *rc, struct mr_buf *out,
		   int *html_r, struct mr_error *err);
/* The site's postal address for {domain.address} (copied; NULL: none). */
int mr_renderer_set_address(struct mr_renderer *r, const char *address);
/* A List-Id (RFC 2919) split into its parts. */
struct mr_list_id {
	char description[128];   /* "" when none; UTF-8, no control characters */
	char id[256];            /* label.namespace, dot-atom text */
};
/* Splits "Description <label.example.org>" or "label.example.org" into
 * out: 0, or -1 when in is not a List-Id (list-id-namespace not dot-atom
 * text with a dot, a description with control characters, too long)
 * (list-id.c). */
int mr_list_id_split(const char *in, struct mr_list_id *out);
/* The List-Id (NULL: none, else as mr_list_id_split takes it) and whether
 * "Precedence: bulk" is added to every message r renders; MR_EINPUT when
 * list_id is not one. */
int mr_renderer_set_list(struct mr_renderer *r, const char *list_id, int precedence_bulk,
			 struct mr_error *err);
/* on: Reply-To is each recipient's VERP reply address (with the From
 * name), so that replies are counted and forwarded by the bounce account
 * (reply_to = verp); off: the mailing's or site's reply_to, if any. */
void mr_renderer_set_reply_verp(struct mr_renderer *r, int on);
/* Marks every message r renders as a test: an X-Mailroom-Test: yes header
 * (signed with the rest), nothing else changed. */
void mr_renderer_mark_test(struct mr_renderer *r);
/* Appends one recipient's text (html = 0) or HTML part to out as it goes
 * into the message before its transfer encoding: tokens expanded, tracking
 * links in HTML.  MR_ENOTFOUND when the mailing has no such part. */
int mr_render_part(struct mr_renderer *r, const struct mr_recipient *rc, int html,
		   struct mr_buf *out, struct mr_error *err);
/* Language variants: a mailing's setting lang_TAG_subject, lang_TAG_text or
 * lang_TAG_html (TAG as mr_language_tag writes it) gives the subject and
 * bodies of the contacts whose preferred_language is TAG (exactly, else
 * by its primary subtag: "de_ch" gets "de"); what a variant leaves out is
 * the mailing's (both bodies when it gives neither). */
#define MR_LANG_SETTING_PREFIX "lang_"
#define MR_LANG_TAG_MAX 40
/* Writes the language tag in (RFC 5646 shape: letters, digits, '-' or '_',
 * a first subtag of 2 to 8 letters) lowercased, '-' as '_', into out (at
 * least MR_LANG_TAG_MAX + 1 bytes): 0, or -1 when in is not one. */
int mr_language_tag(const char *in, char *out);
/* The parts of a language variant. */
enum mr_lang_part { MR_LANG_SUBJECT, MR_LANG_TEXT, MR_LANG_HTML, MR_LANG_PARTS };
/* 0 when the mailing setting name is a language variant's part
 * (lang_TAG_subject, _text or _html): its tag (mr_language_tag's form)
 * into tag (MR_LANG_TAG_MAX + 1 bytes) and the part into *part_r; else -1. */
int mr_language_setting(const char *name, char *tag, enum mr_lang_part *part_r);
/* The name of the setting of part of the variant tag (an mr_language_tag)
 * into out (n bytes, 64 are enough): 0, or -1 when it does not fit. */
int mr_language_setting_name(const char *tag, enum mr_lang_part part, char *out, size_t n);
/* Adds to r the variant vm of its mailing (its subject and bodies) for
 * the contacts of language lang (an mr_language_tag); each later
 * mr_render, mr_render_part and mr_render_view of such a contact uses it,
 * with r's settings (address, List-Id, Reply-To, test mark).  fields as in
 * mr_render_conf.  0, or MR_EINPUT (a token, the tag) or MR_ENOMEM. */
int mr_renderer_add_language(struct mr_renderer *r, const char *lang, const struct mr_mailing *vm,
			     const char *const *fields, size_t n_fields, struct mr_error *err);
/* Checks a mailing's templates only (mailing create). */
int mr_mailing_check_templates(const struct mr_mailing *m, struct mr_error *err);
/* The same, knowing the custom fields fields[0..n_fields) as {contact.NAME}. */
int mr_mailing_check_templates_fields(const struct mr_mailing *m, const char *const *fields,
				      size_t n_fields, struct mr_error *err);
void mr_render_conf_free(struct mr_render_conf *conf);

#endif
