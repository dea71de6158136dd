/* SPDX-License-Identifier: MIT */
/* The bounce rules file: text patterns per reason, status codes, bounce types and thresholds, loaded at run time. */
#include "config.h"
#include <ctype.h>
#include <stdint.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "internal.h"

/* A pattern: lowercase pieces that must appear in order ('*' in the file). */
#define PAT_TRI 4 /* trigrams checked per piece before searching for it */

struct pat {
	char *text;      /* pieces separated by NUL, ends with an empty piece */
	size_t n_pieces;
	/* per piece (the first 8): its length and some of its trigram hashes */
	struct piece_info {
		size_t len;
		uint16_t tri[PAT_TRI];
		int n_tri;
	} info[8];
};

/* Which trigrams a folded text holds: a 65536-bit set, so that most patterns
 * are ruled out without a search. */
struct tgram {
	uint64_t bits[1024];
};

static uint16_t tri_hash(const unsigned char *p)
{
	return (uint16_t)((p[0] * 2654435761u ^ p[1] * 40503u ^ p[2] * 97u) & 0xffff);
}

static void tgram_fill(struct tgram *g, const char *t, size_t n)
{
	memset(g->bits, 0, sizeof(g->bits));
	for (size_t i = 0; i + 3 <= n; i++) {
		uint16_t h = tri_hash((const unsigned char *)t + i);
		g->bits[h >> 6] |= 1ull << (h & 63);
	}
}

static int tgram_has(const struct tgram *g, uint16_t h)
{
	return (g->bits[h >> 6] >> (h & 63)) & 1;
}

struct pat_list {
	struct pat *v;
	size_t n;
};

struct reason {
	char *name;
	enum mr_bounce_hardsoft hardsoft;
	int hs_by_status; /* hardsoft = status: 4.x.x soft, else hard */
	char *type;
	struct pat_list match;
	char **status;    /* status codes (or prefixes ending in '.') */
	size_t n_status;
	char *status_unless; /* reasons whose patterns void a status hit */
	char *match_from;    /* reasons whose patterns also count as text hits */
	char *match_commands; /* text hits count only after these commands */
	char *skip_commands;  /* text hits do not count after these commands */
	char **not_status;    /* text hits do not count with these statuses */
	size_t n_not_status;
	char *status_skip_commands; /* status hits do not count after these */
};

struct cmd_pat {
	char *cmd;
	struct pat p;
};

struct type_match {
	char *type;
	struct pat p;
};

struct threshold {
	char *type;
	int n;
};

struct mr_bounce_rules {
	struct reason *reasons;
	size_t n_reasons;
	struct pat_list original; /* markers of the returned original */
	struct pat_list temporary; /* words of a delay or temporary-failure report */
	struct pat_list autoreply; /* auto-reply subjects */
	struct pat_list bounce_subject;
	struct pat_list bounce_from;
	struct type_match *tmatch;
	size_t n_tmatch;
	struct threshold *thr;
	size_t n_thr;
	char *default_type;
	struct cmd_pat *cmds;
	size_t n_cmds;
	/* [domain-reason]: the reason for a recipient domain whose errors say
	 * nothing the patterns know (e.g. a group host in any language) */
	struct dom_reason {
		char *domain;
		char *reason;
	} *doms;
	size_t n_doms;
};

/* Lowercases s and collapses runs of white space into one space, in place;
 * returns the new length. */
static size_t fold(char *s, size_t n)
{
	size_t o = 0;
	int sp = 1;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
			if (!sp)
				s[o++] = ' ';
			sp = 1;
			continue;
		}
		s[o++] = (char)tolower(c);
		sp = 0;
	}
	while (o > 0 && s[o - 1] == ' ')
		o--;
	s[o] = 0;
	return o;
}

static int pat_make(struct pat *p, const char *src)
{
	size_t n = strlen(src);
	char *t = malloc(n + 2);
	if (!t)
		return MR_ENOMEM;
	memcpy(t, src, n + 1);
	n = fold(t, n);
	p->n_pieces = 1;
	/* split at '*' with the spaces around it */
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		if (t[i] == '*') {
			while (o > 0 && t[o - 1] == ' ')
				o--;
			t[o++] = 0;
			p->n_pieces++;
			while (i + 1 < n && t[i + 1] == ' ')
				i++;
			continue;
		}
		t[o++] = t[i];
	}
	t[o] = 0;
	t[o + 1] = 0;
	p->text = t;
	const char *piece = t;
	for (size_t k = 0; k < p->n_pieces && k < 8; k++) {
		struct piece_info *pi = &p->info[k];
		pi->len = strlen(piece);
		pi->n_tri = 0;
		if (pi->len >= 3) {
			size_t last = pi->len - 3;
			for (int j = 0; j < PAT_TRI; j++) {
				size_t at = last * (size_t)j / (PAT_TRI - 1);
				pi->tri[pi->n_tri++] = tri_hash((const unsigned char *)piece + at);
			}
		}
		piece += pi->len + 1;
	}
	return 0;
}

/* Whether folded text contains the pattern's pieces in order; g, when not
 * NULL, is the text's trigram set. */
static int pat_match(const struct pat *p, const char *text, size_t n, const struct tgram *g)
{
	if (g)
		for (size_t k = 0; k < p->n_pieces && k < 8; k++)
			for (int j = 0; j < p->info[k].n_tri; j++)
				if (!tgram_has(g, p->info[k].tri[j]))
					return 0;
	const char *cur = text;
	const char *piece = p->text;
	for (size_t k = 0; k < p->n_pieces; k++) {
		size_t pl = k < 8 ? p->info[k].len : strlen(piece);
		if (pl) {
			const char *hit = NULL;
			size_t left = n - (size_t)(cur - text);
			if (pl <= left)
				hit = memmem(cur, left, piece, pl);
			if (!hit)
				return 0;
			cur = hit + pl;
		}
		piece += pl + 1;
	}
	return 1;
}

static int list_add(struct pat_list *l, const char *src)
{
	struct pat *v = realloc(l->v, (l->n + 1) * sizeof(*v));
	if (!v)
		return MR_ENOMEM;
	l->v = v;
	return pat_make(&l->v[l->n++], src) == 0 ? 0 : MR_ENOMEM;
}

static int list_match(const struct pat_list *l, const char *text, size_t n, const struct tgram *g)
{
	for (size_t i = 0; i < l->n; i++)
		if (pat_match(&l->v[i], text, n, g))
			return 1;
	return 0;
}

static void list_free(struct pat_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].text);
	free(l->v);
}

void mr_bounce_rules_free(struct mr_bounce_rules *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n_reasons; i++) {
		struct reason *x = &r->reasons[i];
		free(x->name);
		free(x->type);
		list_free(&x->match);
		for (size_t k = 0; k < x->n_status; k++)
			free(x->status[k]);
		free(x->status);
		free(x->status_unless);
		free(x->match_from);
		free(x->match_commands);
		free(x->skip_commands);
		free(x->status_skip_commands);
		for (size_t k = 0; k < x->n_not_status; k++)
			free(x->not_status[k]);
		free(x->not_status);
	}
	free(r->reasons);
	list_free(&r->original);
	list_free(&r->temporary);
	list_free(&r->autoreply);
	list_free(&r->bounce_subject);
	list_free(&r->bounce_from);
	for (size_t i = 0; i < r->n_tmatch; i++) {
		free(r->tmatch[i].type);
		free(r->tmatch[i].p.text);
	}
	free(r->tmatch);
	for (size_t i = 0; i < r->n_thr; i++)
		free(r->thr[i].type);
	free(r->thr);
	free(r->default_type);
	for (size_t i = 0; i < r->n_cmds; i++) {
		free(r->cmds[i].cmd);
		free(r->cmds[i].p.text);
	}
	free(r->cmds);
	for (size_t i = 0; i < r->n_doms; i++) {
		free(r->doms[i].domain);
		free(r->doms[i].reason);
	}
	free(r->doms);
	free(r);
}

const char *mr_bounce_rules_default(void)
{
	const char *e = getenv("MAILROOM_BOUNCE_RULES");
	if (e && *e)
		return e;
	return SYSCONFDIR "/mailroom/bounce-rules.conf";
}

static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
		s[--n] = 0;
	return s;
}

enum section { SEC_NONE, SEC_REASON, SEC_COMMAND, SEC_DOMAIN, SEC_ORIGINAL, SEC_TEMPORARY, SEC_AUTOREPLY, SEC_BSUBJECT, SEC_BFROM,
	       SEC_TYPEMATCH, SEC_THRESHOLD };

static int reason_line(struct reason *x, char *key, char *val, const char *path, int line,
		       struct mr_error *err)
{
	if (strcmp(key, "match") == 0)
		return list_add(&x->match, val) == 0 ? 0 : mail_error_set(err, MR_ENOMEM, "out of memory");
	if (strcmp(key, "hardsoft") == 0) {
		if (strcmp(val, "hard") == 0) x->hardsoft = MR_BOUNCE_HARD;
		else if (strcmp(val, "soft") == 0) x->hardsoft = MR_BOUNCE_SOFT;
		else if (strcmp(val, "none") == 0) x->hardsoft = MR_BOUNCE_NA;
		else if (strcmp(val, "status") == 0) x->hs_by_status = 1;
		else
			return mail_error_set(err, MR_ECONFIG, "%s:%d: hardsoft must be hard, soft, none or status, not \"%s\"",
					    path, line, val);
		return 0;
	}
	char **slot = strcmp(key, "status_unless") == 0 ? &x->status_unless :
		      strcmp(key, "match_from") == 0 ? &x->match_from :
		      strcmp(key, "match_commands") == 0 ? &x->match_commands :
		      strcmp(key, "skip_commands") == 0 ? &x->skip_commands :
		      strcmp(key, "status_skip_commands") == 0 ? &x->status_skip_commands : NULL;
	if (slot) {
		size_t n = strlen(val);
		char *v = malloc(n + 3);
		if (!v)
			return mail_error_set(err, MR_ENOMEM, "out of memory");
		/* " a b c " so that words can be looked up with spaces around */
		v[0] = ' ';
		memcpy(v + 1, val, n);
		v[n + 1] = ' ';
		v[n + 2] = 0;
		for (char *q = v; *q; q++)
			if (*q == ',' || *q == '\t')
				*q = ' ';
		free(*slot);
		*slot = v;
		return 0;
	}
	if (strcmp(key, "type") == 0) {
		free(x->type);
		x->type = strdup(val);
		return x->type ? 0 : mail_error_set(err, MR_ENOMEM, "out of memory");
	}
	if (strcmp(key, "status") == 0 || strcmp(key, "not_status") == 0) {
		char ***list = key[0] == 's' ? &x->status : &x->not_status;
		size_t *n = key[0] == 's' ? &x->n_status : &x->n_not_status;
		for (char *tok = strtok(val, " ,"); tok; tok = strtok(NULL, " ,")) {
			char **v = realloc(*list, (*n + 1) * sizeof(*v));
			if (!v)
				return mail_error_set(err, MR_ENOMEM, "out of memory");
			*list = v;
			if (!(v[(*n)++] = strdup(tok)))
				return mail_error_set(err, MR_ENOMEM, "out of memory");
		}
		return 0;
	}
	return mail_error_set(err, MR_ECONFIG, "%s:%d: unknown key \"%s\" in a reason section (match, status, hardsoft, type)",
			    path, line, key);
}

int mr_bounce_rules_load(const char *path, struct mr_bounce_rules **rules_r, struct mr_error *err)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return mail_error_set(err, MR_ECONFIG, "cannot read bounce rules %s: %s", path, strerror(errno));
	struct mr_bounce_rules *r = calloc(1, sizeof(*r));
	if (!r) {
		fclose(f);
		return mail_error_set(err, MR_ENOMEM, "out of memory");
	}
	char buf[2048];
	int line = 0, rc = 0;
	enum section sec = SEC_NONE;
	while (rc == 0 && fgets(buf, sizeof(buf), f)) {
		line++;
		char *s = trim(buf);
		if (!*s || *s == '#' || *s == ';')
			continue;
		if (*s == '[') {
			char *e = strchr(s, ']');
			if (!e) {
				rc = mail_error_set(err, MR_ECONFIG, "%s:%d: unterminated section name", path, line);
				break;
			}
			*e = 0;
			char *name = trim(s + 1);
			if (strncmp(name, "reason ", 7) == 0) {
				struct reason *v = realloc(r->reasons, (r->n_reasons + 1) * sizeof(*v));
				if (!v) {
					rc = mail_error_set(err, MR_ENOMEM, "out of memory");
					break;
				}
				r->reasons = v;
				struct reason *x = &v[r->n_reasons++];
				memset(x, 0, sizeof(*x));
				x->name = strdup(trim(name + 7));
				x->hardsoft = MR_BOUNCE_SOFT;
				if (!x->name)
					rc = mail_error_set(err, MR_ENOMEM, "out of memory");
				sec = SEC_REASON;
			} else if (strcmp(name, "original") == 0) sec = SEC_ORIGINAL;
			else if (strcmp(name, "temporary") == 0) sec = SEC_TEMPORARY;
			else if (strcmp(name, "autoreply") == 0) sec = SEC_AUTOREPLY;
			else if (strcmp(name, "bounce-subject") == 0) sec = SEC_BSUBJECT;
			else if (strcmp(name, "bounce-from") == 0) sec = SEC_BFROM;
			else if (strcmp(name, "type-match") == 0) sec = SEC_TYPEMATCH;
			else if (strcmp(name, "threshold") == 0) sec = SEC_THRESHOLD;
			else if (strcmp(name, "command") == 0) sec = SEC_COMMAND;
			else if (strcmp(name, "domain-reason") == 0) sec = SEC_DOMAIN;
			else
				rc = mail_error_set(err, MR_ECONFIG,
						  "%s:%d: unknown section [%s] (reason NAME, command, domain-reason, original, temporary, autoreply, bounce-subject, bounce-from, type-match, threshold)",
						  path, line, name);
			continue;
		}
		struct pat_list *pl = sec == SEC_ORIGINAL ? &r->original : sec == SEC_TEMPORARY ? &r->temporary :
				      sec == SEC_AUTOREPLY ? &r->autoreply :
				      sec == SEC_BSUBJECT ? &r->bounce_subject : sec == SEC_BFROM ? &r->bounce_from : NULL;
		if (pl) {
			if (list_add(pl, s) != 0)
				rc = mail_error_set(err, MR_ENOMEM, "out of memory");
			continue;
		}
		char *eq = strchr(s, '=');
		if (!eq || sec == SEC_NONE) {
			rc = mail_error_set(err, MR_ECONFIG, "%s:%d: expected KEY = VALUE inside a section", path, line);
			break;
		}
		*eq = 0;
		char *key = trim(s), *val = trim(eq + 1);
		if (sec == SEC_REASON) {
			rc = reason_line(&r->reasons[r->n_reasons - 1], key, val, path, line, err);
		} else if (sec == SEC_DOMAIN) {
			struct dom_reason *v = realloc(r->doms, (r->n_doms + 1) * sizeof(*v));
			if (!v) {
				rc = mail_error_set(err, MR_ENOMEM, "out of memory");
				break;
			}
			r->doms = v;
			v[r->n_doms].domain = strdup(key);
			v[r->n_doms].reason = strdup(val);
			for (char *q = v[r->n_doms].domain; q && *q; q++)
				*q = (char)tolower((unsigned char)*q);
			r->n_doms++;
		} else if (sec == SEC_COMMAND) {
			struct cmd_pat *v = realloc(r->cmds, (r->n_cmds + 1) * sizeof(*v));
			if (!v) {
				rc = mail_error_set(err, MR_ENOMEM, "out of memory");
				break;
			}
			r->cmds = v;
			v[r->n_cmds].cmd = strdup(key);
			if (!v[r->n_cmds].cmd || pat_make(&v[r->n_cmds].p, val) != 0) {
				free(v[r->n_cmds].cmd);
				rc = mail_error_set(err, MR_ENOMEM, "out of memory");
				break;
			}
			r->n_cmds++;
		} else if (sec == SEC_TYPEMATCH) {
			struct type_match *v = realloc(r->tmatch, (r->n_tmatch + 1) * sizeof(*v));
			if (!v) {
				rc = mail_error_set(err, MR_ENOMEM, "out of memory");
				break;
			}
			r->tmatch = v;
			struct type_match *t = &v[r->n_tmatch];
			t->type = strdup(key);
			if (!t->type || pat_make(&t->p, val) != 0) {
				free(t->type);
				rc = mail_error_set(err, MR_ENOMEM, "out of memory");
				break;
			}
			r->n_tmatch++;
		} else if (sec == SEC_THRESHOLD) {
			long long n;
			if (strcmp(key, "default_type") == 0) {
				free(r->default_type);
				r->default_type = strdup(val);
				continue;
			}
			if (mail_parse_int(val, &n) != 0 || n < 0 || n > 1000000) {
				rc = mail_error_set(err, MR_ECONFIG, "%s:%d: threshold of %s is not a count: \"%s\"",
						  path, line, key, val);
				break;
			}
			struct threshold *v = realloc(r->thr, (r->n_thr + 1) * sizeof(*v));
			if (!v) {
				rc = mail_error_set(err, MR_ENOMEM, "out of memory");
				break;
			}
			r->thr = v;
			v[r->n_thr].type = strdup(key);
			v[r->n_thr].n = (int)n;
			r->n_thr++;
		}
	}
	fclose(f);
	if (rc == 0 && r->n_reasons == 0)
		rc = mail_error_set(err, MR_ECONFIG, "%s: no [reason NAME] sections", path);
	if (rc) {
		mr_bounce_rules_free(r);
		return rc;
	}
	*rules_r = r;
	return 0;
}

int mr_bounce_type_threshold(const struct mr_bounce_rules *rules, const char *type)
{
	if (!rules || !type)
		return 0;
	for (size_t i = 0; i < rules->n_thr; i++)
		if (strcasecmp(rules->thr[i].type, type) == 0)
			return rules->thr[i].n > 0 ? rules->thr[i].n : MR_BOUNCE_HOLD_NEVER;
	return 0;
}

static int folded_match(const struct pat_list *l, const char *text, size_t n)
{
	if (!text || !l->n)
		return 0;
	if (n > BN_MAX_TEXT)
		n = BN_MAX_TEXT;
	char *t = malloc(n + 1);
	if (!t)
		return 0;
	memcpy(t, text, n);
	t[n] = 0;
	size_t fl = fold(t, n);
	int m = list_match(l, t, fl, NULL);
	free(t);
	return m;
}

int rules_is_autoreply(const struct mr_bounce_rules *rules, const char *text, size_t n)
{
	return folded_match(&rules->autoreply, text, n);
}

int rules_is_bounce_subject(const struct mr_bounce_rules *rules, const char *text, size_t n)
{
	return folded_match(&rules->bounce_subject, text, n);
}

int rules_is_bounce_from(const struct mr_bounce_rules *rules, const char *text, size_t n)
{
	return folded_match(&rules->bounce_from, text, n);
}

size_t rules_orig_start(const struct mr_bounce_rules *rules, const char *text, size_t n)
{
	size_t i = 0;
	char line[512];
	while (i < n) {
		const char *eol = memchr(text + i, '\n', n - i);
		size_t le = eol ? (size_t)(eol - text) : n;
		size_t ll = le - i;
		if (ll > sizeof(line) - 1)
			ll = sizeof(line) - 1;
		memcpy(line, text + i, ll);
		line[ll] = 0;
		size_t fl = fold(line, ll);
		if (fl && list_match(&rules->original, line, fl, NULL))
			return i;
		i = le + 1;
	}
	return n;
}

static int status_in_list(char *const *list, size_t n, const char *status)
{
	if (!status[0])
		return 0;
	for (size_t k = 0; k < n; k++) {
		size_t l = strlen(list[k]);
		if (l && list[k][l - 1] == '.') {
			if (strncmp(status, list[k], l) == 0)
				return 1;
		} else if (strcmp(status, list[k]) == 0) {
			return 1;
		}
	}
	return 0;
}

/* Whether status is in x's not_status list; an entry "CODE@CMD" applies
 * except after the SMTP command CMD. */
static int not_status_hit(const struct reason *x, const char *status, const char *cmd)
{
	if (!status[0])
		return 0;
	for (size_t k = 0; k < x->n_not_status; k++) {
		const char *e = x->not_status[k];
		const char *at = strchr(e, '@');
		size_t l = at ? (size_t)(at - e) : strlen(e);
		int hit = l && e[l - 1] == '.' ? strncmp(status, e, l) == 0
					       : strlen(status) == l && strncmp(status, e, l) == 0;
		if (hit && at && cmd && strcmp(at + 1, cmd) == 0)
			hit = 0;
		if (hit)
			return 1;
	}
	return 0;
}

static int status_in(const struct reason *x, const char *status)
{
	return status_in_list(x->status, x->n_status, status);
}

static const struct reason *reason_named(const struct mr_bounce_rules *rules, const char *name)
{
	for (size_t i = 0; i < rules->n_reasons; i++)
		if (strcmp(rules->reasons[i].name, name) == 0)
			return &rules->reasons[i];
	return NULL;
}

/* Whether word is one of the space-separated words of list (" a b "). */
static int word_in(const char *list, const char *word)
{
	size_t n = strlen(word);
	for (const char *p = list; (p = strstr(p, word)); p++)
		if (p > list && p[-1] == ' ' && p[n] == ' ')
			return 1;
	return 0;
}

/* Whether the patterns of any reason named in list (" a b ") match. */
static int names_match(const struct mr_bounce_rules *rules, const char *list, const char *t, size_t fl,
		       const struct tgram *g)
{
	for (size_t i = 0; i < rules->n_reasons; i++)
		if (!(rules->reasons[i].match_commands && rules->reasons[i].match.n == 1 &&
		      rules->reasons[i].match.v[0].text[0] == 0) &&
		    word_in(list, rules->reasons[i].name) &&
		    list_match(&rules->reasons[i].match, t, fl, g))
			return 1;
	return 0;
}

const char *rules_type_of(const struct mr_bounce_rules *rules, const char *reason)
{
	const struct reason *x = reason_named(rules, reason);
	return x && x->type ? x->type : rules->default_type;
}

static void set_reason(const struct mr_bounce_rules *rules, const struct reason *x, const char *name,
		       struct mr_bounce_record *rec)
{
	if (!x)
		x = reason_named(rules, name);
	rec->reason = x ? x->name : name;
	rec->hardsoft = MR_BOUNCE_SOFT;
	rec->type = rules->default_type;
	if (x) {
		rec->hardsoft = x->hardsoft;
		if (x->hs_by_status)
			rec->hardsoft = rec->status[0] == '4' ? MR_BOUNCE_SOFT : MR_BOUNCE_HARD;
		if (x->type)
			rec->type = x->type;
	}
}

/* The first enhanced code [CLASSES].d{1,3}.d{1,3} of t (not inside a longer
 * number) into out; 1 when found. */
static int enhanced_code(const char *t, const char *classes, char out[16])
{
	for (const char *p = t; *p; p++) {
		if (*p && strchr(classes, *p) && p[1] == '.' &&
		    (p == t || !(isalnum((unsigned char)p[-1]) || p[-1] == '.'))) {
			const char *q = p + 2;
			int a = 0, b = 0;
			while (isdigit((unsigned char)*q) && a < 4) { q++; a++; }
			if (a == 0 || a > 3 || *q != '.')
				continue;
			q++;
			while (isdigit((unsigned char)*q) && b < 4) { q++; b++; }
			if (b == 0 || b > 3 || isalnum((unsigned char)*q) || (*q == '.' && isdigit((unsigned char)q[1])))
				continue;
			size_t n = (size_t)(q - p);
			memcpy(out, p, n);
			out[n] = 0;
			return 1;
		}
	}
	return 0;
}

/* In an SMTP transcript the replies that went well (250 2.1.0 ok to MAIL FROM)
 * come before the one that decided the delivery: a 4.x.x or 5.x.x code
 * anywhere in the text wins over a 2.x.x code before it. */
void status_from_text(const char *t, char out[16])
{
	out[0] = 0;
	if (!t)
		return;
	if (enhanced_code(t, "45", out) || enhanced_code(t, "2", out))
		return;
	/* else an SMTP reply code standing alone */
	for (const char *p = t; *p; p++) {
		if ((*p == '4' || *p == '5') && isdigit((unsigned char)p[1]) && isdigit((unsigned char)p[2]) &&
		    (p == t || p[-1] == ' ' || p[-1] == ':' || p[-1] == '<' || p[-1] == '(' || p[-1] == '"') &&
		    (p[3] == ' ' || p[3] == '-' || p[3] == 0 || p[3] == '.' || p[3] == ')')) {
			if (p[3] == '.' && isdigit((unsigned char)p[4]))
				continue;
			out[0] = p[0];
			strcpy(out + 1, ".0.0");
			return;
		}
	}
}

void rules_domain_reason(const struct mr_bounce_rules *rules, const char *recipient,
			 struct mr_bounce_record *rec)
{
	const char *at = recipient ? strrchr(recipient, '@') : NULL;
	if (!at)
		return;
	at++;
	size_t al = strlen(at);
	for (size_t i = 0; i < rules->n_doms; i++) {
		size_t dl = strlen(rules->doms[i].domain);
		if (al >= dl && strcasecmp(at + al - dl, rules->doms[i].domain) == 0 &&
		    (al == dl || at[al - dl - 1] == '.')) {
			set_reason(rules, NULL, rules->doms[i].reason, rec);
			snprintf(rec->rule, sizeof(rec->rule), "[domain-reason] %s = %s",
				 rules->doms[i].domain, rules->doms[i].reason);
			return;
		}
	}
}

/* A pattern as written (its pieces joined by '*'), into buf. */
static const char *pat_desc(const struct pat *p, char *buf, size_t size)
{
	size_t o = 0;
	const char *t = p->text;
	for (size_t i = 0; i < p->n_pieces && o + 1 < size; i++) {
		if (i && o + 1 < size)
			buf[o++] = '*';
		for (; *t && o + 1 < size; t++)
			buf[o++] = *t;
		t++;
	}
	buf[o < size ? o : size - 1] = 0;
	return buf;
}

void rules_classify(const struct mr_bounce_rules *rules, const struct rec_build *b,
		    struct mr_bounce_record *rec)
{
	snprintf(rec->status, sizeof(rec->status), "%s", b->status);
	size_t n = b->diag ? strlen(b->diag) : 0;
	if (n > BN_MAX_TEXT)
		n = BN_MAX_TEXT;
	char *t = malloc(n + 1);
	size_t fl = 0;
	if (t) {
		if (n)
			memcpy(t, b->diag, n);
		t[n] = 0;
		fl = fold(t, n);
	}
	if (!rec->status[0] && t)
		status_from_text(t, rec->status);
	struct tgram *g = t && fl >= 64 ? malloc(sizeof(*g)) : NULL;
	if (g)
		tgram_fill(g, t, fl);
	const struct reason *hit = NULL;
	rec->rule[0] = 0;
	if (rec->status[0] == '2') {
		hit = reason_named(rules, "delivered");
		if (hit) {
			set_reason(rules, hit, "delivered", rec);
			snprintf(rec->rule, sizeof(rec->rule), "[delivered] status %s", rec->status);
			goto types;
		}
	}
	const char *cmd = b->command;
	for (size_t i = 0; t && fl && !cmd && i < rules->n_cmds; i++)
		if (pat_match(&rules->cmds[i].p, t, fl, g))
			cmd = rules->cmds[i].cmd;
	for (size_t i = 0; !hit && i < rules->n_reasons; i++) {
		const struct reason *x = &rules->reasons[i];
		if (status_in(x, rec->status) &&
		    !(cmd && x->status_skip_commands && word_in(x->status_skip_commands, cmd)) &&
		    !(t && fl && x->status_unless && names_match(rules, x->status_unless, t, fl, g))) {
			hit = x;
			snprintf(rec->rule, sizeof(rec->rule), "[%s] status %s", x->name, rec->status);
			break;
		}
		if (!t || !fl)
			continue;
		if (cmd && x->skip_commands && word_in(x->skip_commands, cmd))
			continue;
		if (x->match_commands && !(cmd && word_in(x->match_commands, cmd)))
			continue;
		if (not_status_hit(x, rec->status, cmd))
			continue;
		if (list_match(&x->match, t, fl, g) ||
		    (x->match_from && names_match(rules, x->match_from, t, fl, g))) {
			hit = x;
			/* which pattern: for --explain (only once a reason is decided) */
			snprintf(rec->rule, sizeof(rec->rule), "[%s] patterns of match_from = %s",
				 x->name, x->match_from ? x->match_from : "");
			for (size_t k = 0; k < x->match.n; k++)
				if (pat_match(&x->match.v[k], t, fl, g)) {
					char pd[96];
					snprintf(rec->rule, sizeof(rec->rule), "[%s] pattern \"%s\"%s%s",
						 x->name, pat_desc(&x->match.v[k], pd, sizeof(pd)),
						 cmd ? " after " : "",
						 cmd ? cmd : "");
					break;
				}
		}
	}
	int delayed = b->action && strncmp(b->action, "delayed", 7) == 0;
	int temporary = t && fl && list_match(&rules->temporary, t, fl, g);
	if (hit) {
		set_reason(rules, hit, hit->name, rec);
		/* a delay report: the sending MTA is still trying, so nothing is
		 * permanent yet, whatever the reason (RFC 3464 2.3.3) */
		if (rec->hardsoft == MR_BOUNCE_HARD && (delayed || temporary)) {
			rec->hardsoft = MR_BOUNCE_SOFT;
			size_t rl = strlen(rec->rule);
			snprintf(rec->rule + rl, sizeof(rec->rule) - rl, "; soft: %s",
				 delayed ? "Action: delayed" : "[temporary]");
		}
	} else if (delayed || (b->action && strncmp(b->action, "expired", 7) == 0)) {
		set_reason(rules, NULL, "expired", rec);
		snprintf(rec->rule, sizeof(rec->rule), "no rule matched; Action: %s", b->action);
	} else if (temporary) {
		set_reason(rules, NULL, "expired", rec);
		snprintf(rec->rule, sizeof(rec->rule), "no rule matched; [temporary]");
	} else if (fl) {
		set_reason(rules, NULL, "onhold", rec);
		snprintf(rec->rule, sizeof(rec->rule), "no rule matched the text or status %s",
			 rec->status[0] ? rec->status : "(none)");
	} else {
		set_reason(rules, NULL, "undefined", rec);
		snprintf(rec->rule, sizeof(rec->rule), "no diagnostic text%s%s",
			 rec->status[0] ? ", status " : " and no status", rec->status);
	}
types:
	for (size_t i = 0; t && i < rules->n_tmatch; i++)
		if (pat_match(&rules->tmatch[i].p, t, fl, g)) {
			rec->type = rules->tmatch[i].type;
			size_t rl = strlen(rec->rule);
			char pd[64];
			snprintf(rec->rule + rl, sizeof(rec->rule) - rl, "; [type-match] \"%s\" = %s",
				 pat_desc(&rules->tmatch[i].p, pd, sizeof(pd)), rec->type);
			break;
		}
	free(g);
	free(t);
}

void mr_bounce_classify(const struct mr_bounce_rules *rules, int code, const char *status,
			const char *text, struct mr_bounce_record *rec)
{
	struct rec_build b = { 0 };
	if (status && *status)
		snprintf(b.status, sizeof(b.status), "%s", status);
	else if (text)
		status_from_text(text, b.status);
	if (!b.status[0] && code >= 200 && code < 600)
		snprintf(b.status, sizeof(b.status), "%d.0.0", code / 100);
	b.diag = (char *)text;
	rules_classify(rules, &b, rec);
}
