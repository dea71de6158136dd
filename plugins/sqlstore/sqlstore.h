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
 *   DB_MJOB_FOR_BUILD                       the statement that reads a
 *                                           mailing job (mailing, status,
 *                                           type) before its queue is built,
 *                                           locking it where the store can
 *   DB_HAS_QUEUE_FILL, db_queue_fill(s, job, mailing, job_size, &count, err)
 *                                           optional: fills a parent job's
 *                                           queue (all of it, or a first
 *                                           part of it that the store's
 *                                           claims build on from); without
 *                                           it DB(QUEUE_BUILD) fills it
 *   db_acquire, db_release, db_run, db_fail, db_unit_begin, db_unit_end,
 *   db_id_by_text, db_purge, db_group_id, db_prepare_ad_hoc, db_ad_hoc_done
 *                                           as in store-sqlite.h
 *   db_bind_int64, db_bind_text, db_step, DB_ROW, DB_DONE, db_col_int64,
 *   db_col_int, db_col_text, db_col_null, db_col_bytes, db_col_blob,
 *   db_bind_null, db_bind_blob, db_changes(s), db_last_id(s)
 *                                           binding, stepping, reading
 *   db_bind_str(st, i, v)                   binds text v (not NULL) to a
 *                                           statement of db_prepare_ad_hoc
 *   db_text_or_null(st, i, v)               the same, NULL binding SQL NULL
 *   DB_UPSERT(keys, set), DB_NEW(col)       an insert's tail that updates
 *                                           the row with those unique keys
 *                                           instead, and the value the insert
 *                                           gave col (in set)
 *   DB_INSERT_IGNORE                        an INSERT that skips rows whose
 *                                           unique keys exist
 *   DB_INDEXED(index)                       after a table's alias: read it
 *                                           through that index
 *   DB_SAME_EMAIL(a, b)                     two addresses compared without
 *                                           regard to case
 *   db_prepare_once(s, sql, &st, what, err), db_finalize(st)
 *                                           a statement made for one use (sql
 *                                           kept until it is finalized)
 *   DB_SG_DIALECT                           the smart-group compiler's dialect
 *   db_track_ready(s, err)                  makes the tracking tables on first
 *                                           use
 *   db_stmt_reset(st)                       an ad hoc statement made ready to
 *                                           run again with new bindings
 *   DB_VIA_COMPLAINT(details)               true for an opt-out event whose
 *                                           details say it came from a
 *                                           complaint
 *   DB_DDL_IN_TX                            1 where a CREATE TABLE may run
 *                                           inside a transaction
 *   db_hosts_ready(s, err)                  makes the job log's hosts table
 *                                           where the schema has none yet
 *   db_where(s)                             where the data is, for messages
 *   DB_JSON_TEXT                            the SQL function that reads a
 *                                           JSON member as text
 *
 * Below: the operations each store's descriptor points at, and the helpers
 * its own files call (those taking struct db_state).  The plugins export
 * nothing but their descriptor, so both define these names.
 */
#include <mailroom/store.h>

/* sqlstore/contacts.c: contacts and groups (lookups, flags, groups, members) */
int sql_contact_find(void *state, const char *email, mr_contact_cb *cb, void *cookie,
		     struct mr_error *err);
int sql_contact_list(void *state, int64_t after_id, int64_t limit, mr_contact_cb *cb,
		     void *cookie, struct mr_error *err);
int sql_contact_set_flag(void *state, const char *email, enum mr_contact_flag flag, int value,
			 struct mr_error *err);
int sql_group_add(void *state, const char *name, const char *title, int64_t *id_r,
		  struct mr_error *err);
int sql_group_list(void *state, mr_group_cb *cb, void *cookie, struct mr_error *err);
int sql_group_members(void *state, const char *group, mr_contact_cb *cb, void *cookie,
		      struct mr_error *err);
/* The id of the group named name (db_group_id); MR_ENOTFOUND when none. */
int sql_group_id(struct db_state *s, const char *name, int64_t *id_r, struct mr_error *err);

/* sqlstore/tracking.c: open and click tracking */
int sql_track_set(void *state, int64_t mailing_id, unsigned flags, struct mr_error *err);
int sql_track_get(void *state, int64_t mailing_id, unsigned *flags_r, struct mr_error *err);
int sql_track_record(void *state, const struct mr_track_hit *hits, size_t n, size_t hit_size,
		     int64_t *recorded_r, struct mr_error *err);
int sql_track_stats(void *state, int64_t mailing_id, mr_track_stat_cb *cb, void *cookie,
		    struct mr_error *err);
int sql_track_events(void *state, int64_t mailing_id, int64_t bucket, mr_track_event_cb *cb,
		     void *cookie, struct mr_error *err);

/* sqlstore/queue-build.c: a mailing's queue built once, dead workers' leases recovered */
int sql_queue_build(void *state, int64_t job_id, int64_t job_size, int64_t *count_r,
		    struct mr_error *err);
int sql_queue_recover(void *state, const char *owner, int64_t now, int resend_in_doubt,
		      int64_t *requeued_r, int64_t *in_doubt_r, struct mr_error *err);

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

/* sqlstore/mailing.c: mailings created, read, listed and moved between
 * statuses; the one that is due */
/* Mailing status names as the schema writes them, and back. */
const char *sql_mailing_status_name(enum mr_mailing_status st);
enum mr_mailing_status sql_mailing_status_parse(const char *name);
/* Makes a running child job of parent. */
int sql_insert_child_job(struct db_state *s, int64_t mid, int64_t parent, int64_t now,
			 int64_t *id_r, struct mr_error *err);
/* Adds a mailing's groups and attachments (mailing create and update). */
int sql_mailing_add_content(struct db_state *s, int64_t mid, const struct mr_mailing *m,
			    struct mr_error *err);
int sql_mailing_create(void *state, const struct mr_mailing *m, int64_t *id_r,
		       struct mr_error *err);
int sql_mailing_get(void *state, int64_t id, mr_mailing_cb *cb, void *cookie,
		    struct mr_error *err);
int sql_mailing_list(void *state, mr_mailing_cb *cb, void *cookie, struct mr_error *err);
/* Sets a mailing's status (when: its schedule) and, unless jstatus is NULL,
 * its open jobs'. */
int sql_mailing_put_status(struct db_state *s, int64_t id, const char *mstatus,
			   const char *jstatus, int64_t when, struct mr_error *err);
int sql_mailing_set_status(void *state, int64_t id, enum mr_mailing_status status, int64_t when,
			   struct mr_error *err);
int sql_mailing_due(void *state, int64_t now, int64_t after_id, int64_t *mailing_id_r,
		    int64_t *job_id_r, struct mr_error *err);

/* sqlstore/activities.c: activities, their contacts, parties and files */
int sql_activity_contact(void *state, const char *email, const char *name, int create,
			 int64_t *id_r, int *created_r, struct mr_error *err);
int sql_activity_add(void *state, const struct mr_activity_rec *a, int64_t *id_r, int *existing_r,
		     struct mr_error *err);
int sql_activity_list(void *state, const struct mr_activity_filter *f, mr_activity_rec_cb *cb,
		      void *cookie, struct mr_error *err);
int sql_activity_get(void *state, int64_t id, mr_activity_rec_cb *cb, void *cookie,
		     struct mr_error *err);
int sql_activity_attachment(void *state, int64_t id, size_t n, mr_activity_file_cb *cb,
			    void *cookie, struct mr_error *err);

/* sqlstore/spool.c: the mail spool (transport-spool) */
int sql_spool_add(void *state, const struct mr_spool_msg *msg, int64_t *id_r, struct mr_error *err);
int sql_spool_list(void *state, int64_t limit, mr_spool_cb *cb, void *cookie, struct mr_error *err);
int sql_spool_get(void *state, int64_t id, mr_spool_cb *cb, void *cookie, struct mr_error *err);
int sql_spool_purge(void *state, int64_t before, int64_t *count_r, struct mr_error *err);

/* sqlstore/templates.c: mailing templates */
int sql_template_put(void *state, const struct mr_template *t, int *replaced_r,
		     struct mr_error *err);
int sql_template_get(void *state, const char *name, mr_template_cb *cb, void *cookie,
		     struct mr_error *err);
int sql_template_delete(void *state, const char *name, struct mr_error *err);

/* sqlstore/optin.c: double opt-in requests */
int sql_optin_pending_add(void *state, const char *group, int64_t contact_id, int64_t expires,
			  int64_t *group_id_r, int *member_r, struct mr_error *err);
int sql_optin_confirm(void *state, int64_t group_id, int64_t contact_id, int64_t now,
		      int *already_r, struct mr_error *err);
int sql_optin_expire(void *state, int64_t now, int64_t *count_r, struct mr_error *err);
int sql_optin_pending_list(void *state, int64_t contact_id, int64_t now, mr_membership_cb *cb,
			   void *cookie, struct mr_error *err);

/* sqlstore/mailing-edit.c: mailing edits, deletes, test counts and named settings */
int sql_mailing_update(void *state, int64_t id, const struct mr_mailing *m, struct mr_error *err);
int sql_mailing_delete(void *state, int64_t id, struct mr_error *err);
int sql_mailing_tests(void *state, int64_t id, int64_t add, int64_t *count_r,
		      struct mr_error *err);
int sql_mailing_setting_set(void *state, int64_t id, const char *name, const char *value,
			    struct mr_error *err);
int sql_mailing_settings(void *state, int64_t id, mr_mailing_setting_cb *cb, void *cookie,
			 struct mr_error *err);

/* sqlstore/joblog.c: the job log and each job's last run */
int sql_job_run_start(void *state, const char *job, int worker, int pid, int64_t started,
		      int64_t *run_id_r, struct mr_error *err);
int sql_job_run_end(void *state, int64_t run_id, int64_t ended, enum mr_job_outcome outcome,
		    const char *message, const char *data, struct mr_error *err);
int sql_job_run_list(void *state, const char *job, int64_t limit, mr_job_run_cb *cb,
		     void *cookie, struct mr_error *err);
int sql_job_run_purge(void *state, int64_t before, int64_t *count_r, struct mr_error *err);

/* sqlstore/verp-actions.c: VERP actions, hold releases and auto-reply periods */
int sql_verp_action(void *state, int64_t queue_id, enum mr_verp_action action, int64_t when,
		    const char *details, int64_t *changed_r, struct mr_error *err);
int sql_holds_reset(void *state, int64_t now, int64_t clean_for, int64_t *released_r,
		    struct mr_error *err);
int sql_auto_reply_due(void *state, const char *email, int64_t now, int64_t period, int *due_r,
		       struct mr_error *err);

/* sqlstore/bounces.c: a bounce's recipient found, the bounce recorded, the
 * email held at its type's threshold */
int sql_bounce_target(void *state, int64_t job_id, int64_t queue_id, const char *email,
		      struct mr_bounce_target *t_r, struct mr_error *err);
/* bounce_add's work inside the caller's unit: records ev as a bounce event
 * (details with the given confidence: "verp", "low" or "smtp"), marks a
 * sent row bounced, counts the email's bounces since its reset date and puts
 * it on hold at the type's threshold.  queue_outcome records send-time
 * bounces through it, so that both count alike. */
int sql_bounce_record(struct db_state *s, const struct mr_bounce_event *ev, const char *confidence,
		      struct mr_bounce_added *out, struct mr_error *err);
int sql_bounce_add(void *state, const struct mr_bounce_event *ev, struct mr_bounce_added *added_r,
		   struct mr_error *err);

/* sqlstore/smart.c: smart groups */
int sql_group_set_where(void *state, const char *name, const char *where, struct mr_error *err);
int sql_group_refresh(void *state, const char *name, int64_t *count_r, struct mr_error *err);
int sql_smart_refresh_mailing(struct db_state *s, int64_t mailing_id, struct mr_error *err);

#endif
