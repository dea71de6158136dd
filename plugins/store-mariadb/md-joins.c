/* SPDX-License-Identifier: MIT */
/* The MariaDB store's group memberships added inside begin()/commit() (a contact import): kept and written in one statement before any other statement runs, at the latest at commit. */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "db.h"

/* Memberships written at once when this many are waiting. */
#define MD_JOINS_MAX 2000

int md_joins_quiet(enum md_stmt_id id)
{
	switch (id) {
	case MD_CONTACT_FIND:
	case MD_CONTACT_INSERT:
	case MD_EMAIL_INSERT:
	case MD_CONTACT_UPDATE:
	case MD_GROUP_ID:
	case MD_GROUP_JOIN_MANY:
	case MD_FIELD_GET:
	case MD_VALUE_SET:
	case MD_VALUE_CLEAR:
		return 1; /* none reads or changes groups or their members */
	default:
		return 0;
	}
}

void md_joins_forget(struct md_state *s)
{
	s->joins.len = 0;
	s->joins.n = 0;
	s->joins.group[0] = '\0';
	s->joins.group_id = 0;
}

int md_joins_flush(struct md_state *s, struct mr_error *err)
{
	struct md_joins *j = &s->joins;
	j->group[0] = '\0'; /* a group may change from here on: look it up again */
	if (!j->n)
		return 0;
	j->json[j->len++] = ']';
	j->json[j->len] = '\0';
	struct md_use u;
	int rc = md_acquire(s, MD_GROUP_JOIN_MANY, &u, err);
	if (rc == 0) {
		md_bind_str(u.st, 1, j->json, j->len, 0);
		rc = md_run(s, &u, "adding group members", err);
		md_release(&u);
	}
	md_joins_forget(s);
	return rc;
}

/* The id of group: looked up once per transaction while memberships are
 * only being added. */
static int group_id(struct md_state *s, const char *group, int64_t *id_r, struct mr_error *err)
{
	struct md_joins *j = &s->joins;
	if (j->group[0] && strcmp(j->group, group) == 0) {
		*id_r = j->group_id;
		return 0;
	}
	int rc = sql_group_id(s, group, id_r, err);
	if (rc == 0 && strlen(group) < sizeof(j->group)) {
		snprintf(j->group, sizeof(j->group), "%s", group);
		j->group_id = *id_r;
	}
	return rc;
}

int md_joins_add(struct md_state *s, const char *group, int64_t contact_id, int64_t now,
		 struct mr_error *err)
{
	struct md_joins *j = &s->joins;
	int64_t gid = 0;
	int rc = group_id(s, group, &gid, err);
	if (rc)
		return rc;
	if (j->len + 72 > j->cap) {
		size_t cap = j->cap ? j->cap * 2 : 16384;
		char *b = realloc(j->json, cap);
		if (!b)
			return s->core->error_set(err, MR_ENOMEM, "out of memory");
		j->json = b;
		j->cap = cap;
	}
	j->len += (size_t)snprintf(j->json + j->len, j->cap - j->len, "%c[%lld,%lld,%lld]",
				   j->n++ ? ',' : '[', (long long)gid, (long long)contact_id,
				   (long long)now);
	return j->n >= MD_JOINS_MAX ? md_joins_flush(s, err) : 0;
}
