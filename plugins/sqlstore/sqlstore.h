/* SPDX-License-Identifier: MIT */
/* The store operations written once for every SQL store (the .c files beside this header), compiled into each store plugin against that store's "db.h", which names its connection, statements and rows in the words used here. */
#ifndef MR_SQLSTORE_H
#define MR_SQLSTORE_H

/*
 * A store's db.h (plugins/store-NAME/db.h, found first on the plugin's
 * include path) gives the shared files:
 *
 *   struct db_state, struct db_use, db_stmt   its state, a statement in use
 *                                           (u.st), a prepared statement
 *   DB(NAME)                                the statement id NAME of its
 *                                           statement table
 *   db_acquire, db_release, db_run, db_fail, db_unit_begin, db_unit_end,
 *   db_id_by_text, db_purge, db_group_id, db_prepare_ad_hoc, db_ad_hoc_done
 *                                           as in store-sqlite.h
 *   db_bind_int64, db_bind_text, db_step, DB_ROW, DB_DONE, db_col_int64,
 *   db_col_int, db_col_text, db_changes(s)  binding, stepping, reading
 *   db_where(s)                             where the data is, for messages
 *   DB_JSON_TEXT                            the SQL function that reads a
 *                                           JSON member as text
 *
 * The operations below are what each store's descriptor points at; the
 * plugins export nothing but their descriptor, so both define them.
 */
#include <mailroom/store.h>

/* sqlstore/fields.c: custom fields and their values */
int sql_field_add(void *state, const struct mr_field *f, struct mr_error *err);
int sql_field_list(void *state, mr_field_cb *cb, void *cookie, struct mr_error *err);
int sql_field_delete(void *state, const char *name, struct mr_error *err);
int sql_contact_field_set(void *state, int64_t contact_id, const char *name, const char *value,
			  struct mr_error *err);
int sql_contact_fields(void *state, int64_t contact_id, mr_field_value_cb *cb, void *cookie,
		       struct mr_error *err);

/* sqlstore/contact-admin.c: contacts deleted, their groups, emails and events;
 * groups deleted and renamed */
int sql_contact_delete(void *state, const char *email, int64_t *id_r, struct mr_error *err);
int sql_contact_groups(void *state, int64_t contact_id, mr_membership_cb *cb, void *cookie,
		       struct mr_error *err);
int sql_contact_emails(void *state, int64_t contact_id, mr_contact_email_cb *cb, void *cookie,
		       struct mr_error *err);
int sql_contact_event_add(void *state, const struct mr_contact_event *ev, struct mr_error *err);
int sql_contact_events(void *state, int64_t contact_id, int64_t limit, mr_contact_event_cb *cb,
		       void *cookie, struct mr_error *err);
int sql_group_delete(void *state, const char *name, struct mr_error *err);
int sql_group_rename(void *state, const char *old_name, const char *new_name,
		     struct mr_error *err);

/* sqlstore/bounce-stats.c: bounce statistics */
int sql_bounce_stats(void *state, mr_bounce_stat_cb *cb, void *cookie,
		     struct mr_bounce_totals *totals_r, struct mr_error *err);

/* sqlstore/users.c: users */
int sql_user_put(void *state, const struct mr_user *user, struct mr_error *err);
int sql_user_get(void *state, const char *name, mr_user_cb *cb, void *cookie,
		 struct mr_error *err);
int sql_user_list(void *state, mr_user_cb *cb, void *cookie, struct mr_error *err);
int sql_user_delete(void *state, const char *name, struct mr_error *err);

/* sqlstore/fetched.c: fetched messages */
int sql_msg_seen(void *state, const char *account, const char *key, int *seen_r,
		 struct mr_error *err);
int sql_msg_mark(void *state, const char *account, const char *key, const char *outcome,
		 int64_t when, struct mr_error *err);
int sql_msg_purge(void *state, int64_t before, int64_t *count_r, struct mr_error *err);
int sql_msg_outcome(void *state, const char *account, const char *key, char **outcome_r,
		    struct mr_error *err);

#endif
