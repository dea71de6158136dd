/* SPDX-License-Identifier: MIT */
/* The options of mailing create and mailing edit: parsed into a form, their files read and checked. */
#include "config.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include "csv.h"
#include "mailing-form.h"

#define MAX_FILE (10L * 1024 * 1024)

const char *mailing_status_name(enum mr_mailing_status s)
{
	switch (s) {
	case MR_MAILING_DRAFT: return "draft";
	case MR_MAILING_SCHEDULED: return "scheduled";
	case MR_MAILING_RUNNING: return "running";
	case MR_MAILING_PAUSED: return "paused";
	case MR_MAILING_COMPLETE: return "complete";
	case MR_MAILING_CANCELED: return "canceled";
	}
	return "?";
}

/* Reads a whole file (at most MAX_FILE bytes); NULL with a message printed. */
static char *slurp(const char *path, size_t *len_r, const char *cmd)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		cli_fail(EX_NOINPUT, cmd, "%s: %s", path, strerror(errno));
		return NULL;
	}
	struct stat sb;
	if (fstat(fileno(f), &sb) != 0 || !S_ISREG(sb.st_mode) || sb.st_size > MAX_FILE) {
		cli_fail(EX_DATAERR, cmd, "%s: not a regular file of at most %ld bytes", path,
			 MAX_FILE);
		fclose(f);
		return NULL;
	}
	char *d = malloc((size_t)sb.st_size + 1);
	size_t n = d ? fread(d, 1, (size_t)sb.st_size, f) : 0;
	fclose(f);
	if (!d || n != (size_t)sb.st_size) {
		free(d);
		cli_fail(EX_IOERR, cmd, "%s: cannot read it", path);
		return NULL;
	}
	d[n] = '\0';
	*len_r = n;
	return d;
}

static const char *content_type_of(const char *name)
{
	static const char *const map[][2] = {
		{ ".pdf", "application/pdf" }, { ".png", "image/png" }, { ".jpg", "image/jpeg" },
		{ ".jpeg", "image/jpeg" }, { ".gif", "image/gif" }, { ".txt", "text/plain" },
		{ ".csv", "text/csv" }, { ".html", "text/html" }, { ".zip", "application/zip" },
		{ ".ics", "text/calendar" }, { ".doc", "application/msword" },
	};
	const char *dot = strrchr(name, '.');
	for (size_t i = 0; dot && i < sizeof(map) / sizeof(map[0]); i++)
		if (strcasecmp(dot, map[i][0]) == 0)
			return map[i][1];
	return "application/octet-stream";
}

int mailing_parse_when(const char *s, int64_t *t_r)
{
	if (strcmp(s, "now") == 0) {
		*t_r = (int64_t)time(NULL);
		return 0;
	}
	return mr_parse_local_time(s, t_r) == 0 ? 0 : -1;
}

int mailing_form_parse(struct mailing_form *f, int track, int argc, char **argv, int first,
		       const char *cmd)
{
	memset(f, 0, sizeof(*f));
	f->track = track;
	f->precedence = -1;
	for (int i = first; i < argc; i++) {
		const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		static const struct { const char *opt; unsigned flag; int on; } tflags[] = {
			{ "--track-opens", MR_TRACK_OPENS, 1 }, { "--no-track-opens", MR_TRACK_OPENS, 0 },
			{ "--track-clicks", MR_TRACK_CLICKS, 1 },
			{ "--no-track-clicks", MR_TRACK_CLICKS, 0 },
		};
		int flag_opt = 0;
		for (size_t k = 0; k < sizeof(tflags) / sizeof(tflags[0]); k++)
			if (!strcmp(o, tflags[k].opt)) {
				f->track = tflags[k].on ? (f->track | (int)tflags[k].flag) :
							  (f->track & ~(int)tflags[k].flag);
				f->track_asked |= tflags[k].on;
				f->track_given = flag_opt = 1;
			}
		if (!strcmp(o, "--precedence-bulk") || !strcmp(o, "--no-precedence-bulk")) {
			f->precedence = o[2] == 'p';
			continue;
		}
		if (flag_opt)
			continue;
		if (!v)
			return cli_fail(EX_USAGE, cmd, "%s needs a value", o);
		i++;
		if (!strcmp(o, "--name")) f->name = v;
		else if (!strcmp(o, "--subject")) f->subject = v;
		else if (!strcmp(o, "--from")) f->from_email = v;
		else if (!strcmp(o, "--from-name")) f->from_name = v;
		else if (!strcmp(o, "--reply-to") && !strcmp(v, "verp")) f->reply_verp = 1;
		else if (!strcmp(o, "--reply-to")) f->reply_to = v;
		else if (!strcmp(o, "--text")) f->text_file = v;
		else if (!strcmp(o, "--html")) f->html_file = v;
		else if (!strcmp(o, "--schedule")) f->schedule = v;
		else if (!strcmp(o, "--list-id")) f->list_id = v;
		else if (!strcmp(o, "--template")) f->template_name = v;
		else if (!strcmp(o, "--include-group") && f->n_inc < MAILING_MAX_GROUPS)
			f->inc[f->n_inc++] = v;
		else if (!strcmp(o, "--exclude-group") && f->n_exc < MAILING_MAX_GROUPS)
			f->exc[f->n_exc++] = v;
		else if (!strcmp(o, "--attach") && f->n_att < MAILING_MAX_ATTACH) {
			f->att[f->n_att].filename = v;
			f->att[f->n_att].content_type = content_type_of(v);
			f->att[f->n_att].data = NULL;
			f->n_att++;
		} else
			return cli_fail(EX_USAGE, cmd, "unknown option %s (or too many)", o);
	}
	if (f->from_email && !mr_addr_valid(f->from_email))
		return cli_fail(EX_DATAERR, cmd, "--from \"%s\" is not an address", f->from_email);
	if (f->reply_to && !mr_addr_valid(f->reply_to))
		return cli_fail(EX_DATAERR, cmd, "--reply-to \"%s\" is not an address", f->reply_to);
	struct mr_list_id lid;
	if (f->list_id && *f->list_id && mr_list_id_split(f->list_id, &lid) != 0)
		return cli_fail(EX_DATAERR, cmd, "--list-id \"%s\": \"Description "
				"<label.example.org>\" or \"label.example.org\" (RFC 2919)", f->list_id);
	if (f->schedule && mailing_parse_when(f->schedule, &f->scheduled_at) != 0)
		return cli_fail(EX_USAGE, cmd, "--schedule \"%s\": now or YYYY-MM-DD HH:MM",
				f->schedule);
	return 0;
}

int mailing_form_load(struct mailing_form *f, const char *cmd)
{
	size_t len;
	if ((f->text_file && !(f->text = slurp(f->text_file, &len, cmd))) ||
	    (f->html_file && !(f->html = slurp(f->html_file, &len, cmd))))
		return EX_NOINPUT;
	if ((f->text && !mr_utf8_valid(f->text)) || (f->html && !mr_utf8_valid(f->html)))
		return cli_fail(EX_DATAERR, cmd, "the %s body is not UTF-8",
				f->text && !mr_utf8_valid(f->text) ? "text" : "HTML");
	for (size_t i = 0; i < f->n_att; i++) {
		char *d = slurp(f->att[i].filename, &f->att[i].len, cmd);
		if (!d)
			return EX_NOINPUT;
		f->att[i].data = (unsigned char *)d;
		const char *slash = strrchr(f->att[i].filename, '/');
		f->att[i].filename = slash ? slash + 1 : f->att[i].filename;
	}
	return 0;
}

void mailing_form_free(struct mailing_form *f)
{
	free(f->text);
	free(f->html);
	for (size_t i = 0; i < f->n_att; i++)
		free((void *)f->att[i].data);
	f->text = f->html = NULL;
	f->n_att = 0;
}

int mailing_store_track(struct mr_store *st, int64_t id, const struct mailing_form *f,
			const char *cmd)
{
	struct mr_error err = { 0 };
	if (!mr_store_has(st, MR_STORE_CAP_TRACKING))
		return f->track && f->track_asked ?
			cli_fail(EX_UNAVAILABLE, cmd, "the store '%s' has no %s",
				 st->name ? st->name : "?", mr_store_cap_name(MR_STORE_CAP_TRACKING)) :
			0;
	int rc = mr_store_track_set(st, id, (unsigned)f->track, &err);
	return rc ? cli_fail(mr_status_exit_code(rc), cmd, "mailing %lld: %s", (long long)id,
			     err.msg) : 0;
}

int mailing_form_store_settings(struct mr_store *st, int64_t id, const struct mailing_form *f,
				const char *cmd)
{
	struct mr_error err = { 0 };
	int rc = 0;
	if (f->list_id)
		rc = mr_store_mailing_setting_set(st, id, "list_id", *f->list_id ? f->list_id : NULL,
						  &err);
	if (rc == 0 && (f->reply_verp || f->reply_to))
		rc = mr_store_mailing_setting_set(st, id, "reply_to",
						  f->reply_verp ? "verp" : "address", &err);
	if (rc == 0 && f->template_name)
		rc = mr_store_mailing_setting_set(st, id, "template", f->template_name, &err);
	if (rc == 0 && (f->text_file || f->html_file))
		rc = mr_store_mailing_setting_set(st, id, "text_from_html",
						  f->text_generated ? "yes" : NULL, &err);
	if (rc == 0 && f->precedence >= 0)
		rc = mr_store_mailing_setting_set(st, id, "precedence",
						  f->precedence ? "bulk" : "none", &err);
	return rc ? cli_fail(mr_status_exit_code(rc), cmd, "mailing %lld: %s", (long long)id,
			     err.msg) : 0;
}

/* A template's layouts, copied out of the store's callback. */
struct layouts {
	char *html, *text;
	int oom;
};

static int layouts_cb(void *cookie, const struct mr_template *t)
{
	struct layouts *l = cookie;
	l->html = t->html ? strdup(t->html) : NULL;
	l->text = t->text ? strdup(t->text) : NULL;
	l->oom = (t->html && !l->html) || (t->text && !l->text);
	return 0;
}

/* layout with its slot replaced by content, malloc'ed (NULL: out of memory). */
static char *fill_slot(const char *layout, const char *content)
{
	const char *slot = strstr(layout, MAILING_TEMPLATE_SLOT);
	size_t sl = strlen(MAILING_TEMPLATE_SLOT);
	if (!slot)
		return strdup(layout);
	char *out = NULL;
	if (asprintf(&out, "%.*s%s%s", (int)(slot - layout), layout, content, slot + sl) < 0)
		return NULL;
	return out;
}

int mailing_form_compose(struct mr_store *st, struct mailing_form *f, int may_generate,
			 const char *cmd)
{
	struct layouts l = { 0 };
	int code = 0;
	if (f->template_name) {
		struct mr_error err = { 0 };
		int rc = mr_store_template_get(st, f->template_name, layouts_cb, &l, &err);
		if (rc == MR_ENOTFOUND)
			return cli_fail(EX_NOINPUT, cmd, "--template %s: no such template (mailroom "
					"template list)", f->template_name);
		if (rc)
			return cli_fail(mr_status_exit_code(rc), cmd, "%s", err.msg);
		if (l.oom)
			code = cli_fail(EX_OSERR, cmd, "out of memory");
	}
	/* the HTML layout takes the HTML content; the text layout the text */
	char *html = NULL, *text = NULL;
	if (!code && l.html && f->html && !(html = fill_slot(l.html, f->html)))
		code = cli_fail(EX_OSERR, cmd, "out of memory");
	if (!code && l.text && f->text && !(text = fill_slot(l.text, f->text)))
		code = cli_fail(EX_OSERR, cmd, "out of memory");
	if (html) {
		free(f->html);
		f->html = html;
	}
	if (text) {
		free(f->text);
		f->text = text;
	}
	if (!code && f->html && !f->text && may_generate) {
		f->text = mr_html_to_text_flags(f->html, strlen(f->html), MR_HTML_TEXT_READABLE);
		f->text_generated = 1;
		if (!f->text)
			code = cli_fail(EX_OSERR, cmd, "out of memory");
	}
	free(l.html);
	free(l.text);
	return code;
}
