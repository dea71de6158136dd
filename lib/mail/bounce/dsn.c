/* SPDX-License-Identifier: MIT */
/* RFC 3464 delivery-status fields: one record per Final-Recipient (or Original-Recipient) with Action, Status, Diagnostic-Code, Remote-MTA, in whatever order the fields come. */
#include "config.h"
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "internal.h"

void rec_build_free(struct rec_build *b)
{
	free(b->recipient);
	free(b->action);
	free(b->diag);
	free(b->remote_mta);
	free(b->command);
	memset(b, 0, sizeof(*b));
}

/* The value after "type;" (e.g. "rfc822; a@b"), trimmed, as a new string. */
static char *after_type(const char *v)
{
	const char *semi = strchr(v, ';');
	const char *s = semi ? semi + 1 : v;
	while (*s == ' ')
		s++;
	return strdup(s);
}

static int field_is(const char *line, size_t n, const char *name, const char **val_r)
{
	size_t nl = strlen(name);
	if (n <= nl || strncasecmp(line, name, nl) != 0)
		return 0;
	size_t i = nl;
	while (i < n && line[i] == ' ')
		i++;
	if (i >= n || line[i] != ':')
		return 0;
	i++;
	while (i < n && (line[i] == ' ' || line[i] == '\t'))
		i++;
	*val_r = line + i;
	return 1;
}

/* Moves each field of from that into lacks (or, with over, every field
 * from has) into into; from is left empty. */
static void fields_merge(struct rec_build *into, struct rec_build *from, int over)
{
	if (from->action && (over || !into->action)) {
		free(into->action);
		into->action = from->action;
		from->action = NULL;
	}
	if (from->status[0] && (over || !into->status[0]))
		memcpy(into->status, from->status, sizeof(into->status));
	if (from->diag && (over || !into->diag)) {
		free(into->diag);
		into->diag = from->diag;
		from->diag = NULL;
	}
	if (from->remote_mta && (over || !into->remote_mta)) {
		free(into->remote_mta);
		into->remote_mta = from->remote_mta;
		from->remote_mta = NULL;
	}
	rec_build_free(from);
}

/* Per-recipient fields normally follow their Final-Recipient in one block
 * (RFC 3464, 2.3), but some MTAs write Status or Diagnostic-Code first, or
 * spread one recipient's fields over two blocks.  Fields met in a block
 * before its recipient field are held: a recipient field later in the same
 * block takes them; a block that names no recipient gives them to the
 * record before it, for the fields that record lacks. */
int dsn_parse(const char *p, size_t n, struct rec_build **recs, size_t *n_recs, int *has_any)
{
	struct rec_build *cur = NULL;
	struct rec_build held;
	int cur_final = 0, cur_orig = 0, block_ended = 0, block_has_rcpt = 0;
	memset(&held, 0, sizeof(held));
	char *msg_mta = NULL;
	char val[BN_MAX_DIAG];
	size_t i = 0;
	int rc = 0;
	while (i < n) {
		const char *eol = memchr(p + i, '\n', n - i);
		size_t le = eol ? (size_t)(eol - p) : n;
		const char *line = p + i;
		size_t ll = le - i;
		/* unfold into val */
		size_t o = 0;
		for (size_t k = 0; k < ll && o + 1 < sizeof(val); k++)
			val[o++] = line[k] == '\t' ? ' ' : line[k];
		size_t next = le + 1;
		while (next < n && (p[next] == ' ' || p[next] == '\t')) {
			const char *e2 = memchr(p + next, '\n', n - next);
			size_t le2 = e2 ? (size_t)(e2 - p) : n;
			size_t k = next;
			while (k < le2 && (p[k] == ' ' || p[k] == '\t'))
				k++;
			if (o + 1 < sizeof(val))
				val[o++] = ' ';
			for (; k < le2 && o + 1 < sizeof(val); k++)
				val[o++] = p[k] == '\t' ? ' ' : p[k];
			next = le2 + 1;
		}
		while (o > 0 && (val[o - 1] == ' '))
			o--;
		val[o] = 0;
		i = next;
		if (o == 0) {
			if (cur) {
				if (!block_has_rcpt)
					fields_merge(cur, &held, 0);
				block_ended = 1;
				block_has_rcpt = 0;
			}
			continue;
		}
		const char *v;
		if (field_is(val, o, "Reporting-MTA", &v)) {
			free(msg_mta);
			msg_mta = after_type(v);
			continue;
		}
		int is_final = field_is(val, o, "Final-Recipient", &v);
		int is_orig = !is_final && field_is(val, o, "Original-Recipient", &v);
		if (is_final || is_orig) {
			if (has_any)
				*has_any = 1;
			if (!cur || block_ended || (is_final && cur_final) || (is_orig && cur_orig)) {
				if (*n_recs >= BN_MAX_RECS)
					break;
				struct rec_build *nr = realloc(*recs, (*n_recs + 1) * sizeof(**recs));
				if (!nr) {
					rc = MR_ENOMEM;
					break;
				}
				*recs = nr;
				cur = &nr[(*n_recs)++];
				memset(cur, 0, sizeof(*cur));
				cur_final = cur_orig = 0;
				fields_merge(cur, &held, 1);
			}
			block_ended = 0;
			block_has_rcpt = 1;
			const char *a;
			size_t an;
			char *t = after_type(v);
			if (t && addr_find_field(t, t + strlen(t), &a, &an)) {
				if (is_final || !cur->recipient) {
					free(cur->recipient);
					cur->recipient = addr_dup(a, an);
				}
			}
			free(t);
			if (is_final)
				cur_final = 1;
			else
				cur_orig = 1;
			continue;
		}
		/* before this block's recipient field: hold the fields */
		struct rec_build *to = (!cur || (block_ended && !block_has_rcpt)) ? &held : cur;
		if (field_is(val, o, "Action", &v)) {
			free(to->action);
			to->action = strdup(v);
			for (char *q = to->action; q && *q; q++)
				*q = (char)tolower((unsigned char)*q);
		} else if (field_is(val, o, "Status", &v)) {
			size_t k = 0;
			while (v[k] && (isdigit((unsigned char)v[k]) || v[k] == '.') && k < 15)
				k++;
			if (k >= 5) {
				memcpy(to->status, v, k);
				to->status[k] = 0;
			}
		} else if (field_is(val, o, "Diagnostic-Code", &v)) {
			free(to->diag);
			to->diag = strdup(v);
		} else if (field_is(val, o, "Remote-MTA", &v)) {
			free(to->remote_mta);
			to->remote_mta = after_type(v);
		} else if (field_is(val, o, "X-Postfix-Sender", &v) || field_is(val, o, "Last-Attempt-Date", &v)) {
			/* nothing to keep */
		}
	}
	if (cur)
		fields_merge(cur, &held, 0);
	rec_build_free(&held);
	free(msg_mta);
	return rc;
}
