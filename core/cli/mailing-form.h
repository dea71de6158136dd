/* SPDX-License-Identifier: MIT */
/* The options of mailing create and mailing edit, parsed and loaded once for both. */
#ifndef MR_CLI_MAILING_FORM_H
#define MR_CLI_MAILING_FORM_H

#include "cli.h"

#define MAILING_MAX_GROUPS 64
#define MAILING_MAX_ATTACH 16
/* Where a mailing's content goes in a template's layout. */
#define MAILING_TEMPLATE_SLOT "{template.content}"

/* What the options said; a field not given stays NULL (or 0). */
struct mailing_form {
	const char *name, *subject, *from_email, *from_name, *reply_to;
	const char *text_file, *html_file, *schedule;
	const char *template_name; /* --template */
	const char *inc[MAILING_MAX_GROUPS], *exc[MAILING_MAX_GROUPS];
	size_t n_inc, n_exc, n_att;
	struct mr_attachment att[MAILING_MAX_ATTACH]; /* data loaded by mailing_form_load */
	int track, track_asked;  /* MR_TRACK_* after the --[no-]track-* options */
	int track_given;         /* any --[no-]track-* option */
	int64_t scheduled_at;    /* from schedule */
	const char *list_id;     /* --list-id ("" on edit: the site's again) */
	int precedence;          /* --[no-]precedence-bulk: 1 or 0; -1 not given */
	int reply_verp;          /* --reply-to verp (reply_to: the other --reply-to) */
	char *text, *html;       /* the bodies: the files' contents (mailing_form_load), in
				    their template (mailing_form_compose) */
	int text_generated;      /* text was made from html (mailing_form_compose) */
};

/* Parses argv[first..] (the create options; cmd names the command in
 * messages) into f, starting from the site's tracking defaults track.
 * Returns 0 or the exit code (printed). */
int mailing_form_parse(struct mailing_form *f, int track, int argc, char **argv, int first,
		       const char *cmd);
/* Reads the given text, HTML and attachment files (UTF-8 checked);
 * 0 or the exit code (printed). */
int mailing_form_load(struct mailing_form *f, const char *cmd);
void mailing_form_free(struct mailing_form *f);
/* After mailing_form_load: puts the bodies in the --template's layouts
 * (a layout without its part given takes the other part's content only
 * for HTML; a part without a layout stays as given) and, when html is set
 * and text is not and may_generate, makes the text part from the HTML
 * (readable: paragraphs, lists, links written out).  0 or the exit code
 * (printed). */
int mailing_form_compose(struct mr_store *st, struct mailing_form *f, int may_generate,
			 const char *cmd);
/* "now" or a local time into *t_r; 0 or -1. */
int mailing_parse_when(const char *s, int64_t *t_r);
/* Stores the tracking flags of a new or edited mailing when the store
 * keeps them: the asked ones, or the site's defaults (dropped when the
 * store cannot keep them, an error when asked for).  0 or the exit code
 * (printed). */
int mailing_store_track(struct mr_store *st, int64_t id, const struct mailing_form *f,
			const char *cmd);
/* Stores the mailing settings the form gives (List-Id, Precedence);
 * 0 or the exit code (printed). */
int mailing_form_store_settings(struct mr_store *st, int64_t id, const struct mailing_form *f,
				const char *cmd);
/* cmd-mailing-approve.c: 0 when mailing id (0: a new one) may be
 * scheduled: [mailing] require_approval is off, or it is approved; else
 * the exit code (printed, saying how to approve it). */
int cli_mailing_may_schedule(struct mr_site *site, int64_t id, const char *cmd);
/* Withdraws the approval of an edited mailing (saying so on stderr) and,
 * when approval is required, pauses it if it was scheduled; 0 or the exit
 * code (printed). */
int cli_mailing_unapprove(struct mr_site *site, int64_t id);
/* The prefix of the settings of an A/B test (cmd-mailing-ab.c), which a
 * copy does not take. */
#define MAILING_AB_PREFIX "ab_"
/* cmd-mailing-edit.c: copies mailing id into a new draft named name (NULL:
 * "Copy of NAME") with what over gives (subject, from name, bodies,
 * groups, ...) in the place of the stored, and its tracking flags and
 * settings; *new_id_r its id.  0 or the exit code (printed). */
int mailing_copy_as(struct mr_store *st, int64_t id, const struct mailing_form *over,
		    const char *name, int64_t *new_id_r, const char *cmd);
/* cmd-mailing-edit.c: mailing id (a draft) with what f gives in the place
 * of the stored (as mailing edit, without its checks).  0 or the exit code
 * (printed). */
int mailing_update_with(struct mr_store *st, int64_t id, const struct mailing_form *f,
			const char *cmd);
/* cmd-mailing-edit.c: mailing id (a draft) takes the subject, From and
 * bodies of mailing from.  0 or the exit code (printed). */
int mailing_take_content(struct mr_store *st, int64_t id, int64_t from, const char *cmd);
/* The name of a status ("draft"). */
const char *mailing_status_name(enum mr_mailing_status s);

#endif
