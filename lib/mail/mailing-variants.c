/* SPDX-License-Identifier: MIT */
/* A mailing's language variants: language tags normalised, and the variants in its settings (lang_TAG_subject, _text, _html) added to its renderer. */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <mailroom/store.h>
#include "mail-internal.h"

int mr_language_tag(const char *in, char *out)
{
	size_t n = 0, first = 0;
	int in_first = 1;
	for (; in[n]; n++) {
		char c = in[n];
		if (n >= MR_LANG_TAG_MAX)
			return -1;
		if (c == '-' || c == '_') {
			if (n == 0 || out[n - 1] == '_')
				return -1;
			in_first = 0;
			out[n] = '_';
			continue;
		}
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (!((c >= 'a' && c <= 'z') || (!in_first && c >= '0' && c <= '9')))
			return -1;
		first += in_first;
		out[n] = c;
	}
	out[n] = '\0';
	return first >= 2 && first <= 8 && n > 0 && out[n - 1] != '_' ? 0 : -1;
}

/* The variants found in a mailing's settings. */
struct variant {
	char lang[MR_LANG_TAG_MAX + 1];
	char *subject, *text, *html;
};

struct variants {
	struct variant *v;
	size_t n;
	int oom;
};

static const char *const part_names[MR_LANG_PARTS] = { "subject", "text", "html" };

int mr_language_setting(const char *name, char *tag, enum mr_lang_part *part_r)
{
	size_t pl = strlen(MR_LANG_SETTING_PREFIX), nl = strlen(name);
	if (strncmp(name, MR_LANG_SETTING_PREFIX, pl) != 0)
		return -1;
	for (int k = 0; k < MR_LANG_PARTS; k++) {
		size_t sl = strlen(part_names[k]);
		if (nl <= pl + sl + 1 || strcmp(name + nl - sl, part_names[k]) != 0 ||
		    name[nl - sl - 1] != '_' || nl - pl - sl - 1 > MR_LANG_TAG_MAX)
			continue;
		char raw[MR_LANG_TAG_MAX + 1];
		memcpy(raw, name + pl, nl - pl - sl - 1);
		raw[nl - pl - sl - 1] = '\0';
		if (mr_language_tag(raw, tag) != 0)
			return -1;
		*part_r = (enum mr_lang_part)k;
		return 0;
	}
	return -1;
}

int mr_language_setting_name(const char *tag, enum mr_lang_part part, char *out, size_t n)
{
	int len = snprintf(out, n, "%s%s_%s", MR_LANG_SETTING_PREFIX, tag,
			   part_names[part < MR_LANG_PARTS ? part : 0]);
	return len > 0 && (size_t)len < n ? 0 : -1;
}

/* The slot of setting name in its variant (added to vs when new), or NULL
 * when name is not a variant's setting (or out of memory: vs->oom). */
static char **part_of(struct variants *vs, const char *name)
{
	char tag[MR_LANG_TAG_MAX + 1];
	enum mr_lang_part part;
	if (mr_language_setting(name, tag, &part) != 0)
		return NULL;
	struct variant *v = NULL;
	for (size_t i = 0; i < vs->n && !v; i++)
		if (strcmp(vs->v[i].lang, tag) == 0)
			v = &vs->v[i];
	if (!v) {
		struct variant *nv = realloc(vs->v, (vs->n + 1) * sizeof(*nv));
		if (!nv) {
			vs->oom = 1;
			return NULL;
		}
		vs->v = nv;
		v = memset(&nv[vs->n++], 0, sizeof(*v));
		memcpy(v->lang, tag, sizeof(tag));
	}
	return part == MR_LANG_SUBJECT ? &v->subject : part == MR_LANG_TEXT ? &v->text : &v->html;
}

static int variant_setting(void *cookie, const char *name, const char *value)
{
	struct variants *vs = cookie;
	char **slot = part_of(vs, name);
	if (slot) {
		free(*slot);
		vs->oom |= !(*slot = strdup(value));
	}
	return 0;
}

int mail_add_language_variants(struct mr_store *st, const struct mr_mailing *m,
			       struct mr_renderer *r, const char *const *fields, size_t n_fields,
			       struct mr_error *err)
{
	struct variants vs = { 0 };
	struct mr_error e = { 0 };
	int rc = 0;
	if (!st || m->id <= 0 || !MR_STORE_QUEUE_HAS(st, mailing_settings))
		return 0;
	mr_store_mailing_settings(st, m->id, variant_setting, &vs, &e);
	if (vs.oom)
		rc = mail_error_set(err, MR_ENOMEM, "out of memory");
	for (size_t i = 0; i < vs.n && rc == 0; i++) {
		struct mr_mailing vm = *m;
		const struct variant *v = &vs.v[i];
		if (v->subject)
			vm.subject = v->subject;
		if (v->text || v->html) {
			vm.body_text = v->text;
			vm.body_html = v->html;
		}
		if ((rc = mr_renderer_add_language(r, v->lang, &vm, fields, n_fields, &e)) != 0)
			mail_error_set(err, rc, "mailing %lld, language %s: %s", (long long)m->id,
				       v->lang, e.msg);
	}
	for (size_t i = 0; i < vs.n; i++) {
		free(vs.v[i].subject);
		free(vs.v[i].text);
		free(vs.v[i].html);
	}
	free(vs.v);
	return rc;
}
