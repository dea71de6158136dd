/* SPDX-License-Identifier: MIT */
/*
 * The store ABI: the base ops table every store plugin has, the capability
 * sub-tables a store may have (spool, contacts and groups, mailing queue,
 * bounces, activities), and the inline wrappers callers go through.
 *
 * Rules:
 * - Every slot of struct mr_store_ops is MUST.
 * - A capability is a whole sub-table or nothing: the base table points to
 *   it, or holds NULL when the store does not have that capability.  Each
 *   sub-table starts with its own size; every slot in it is MUST.  The
 *   loader refuses a store whose sub-table is smaller than this ABI's or
 *   leaves a slot NULL, and names the slot.
 * - Callers never use st->ops directly: the mr_store_*() wrappers below
 *   return MR_EUNSUPPORTED with err filled ("the store 'NAME' has no
 *   mailing queue") when the store lacks the sub-table, and
 *   mr_store_has() tells beforehand.
 * - Jobs and transports declare the capabilities they need (store_caps in
 *   their ops tables, MR_STORE_CAP_*); a site whose store lacks one fails
 *   `mailroom config check`.
 * - Every store passes the same conformance suite: mailroom-store-check.
 */
#ifndef MAILROOM_STORE_H
#define MAILROOM_STORE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <mailroom/error.h>
#include <mailroom/mailing.h>
#include <mailroom/activity-store.h>
#include <mailroom/bounce-store.h>

struct mr_plugin_ctx;

/* Store capabilities: one flag per sub-table. */
#define MR_STORE_CAP_SPOOL    0x01u /* struct mr_store_spool_ops */
#define MR_STORE_CAP_CONTACTS 0x02u /* struct mr_store_contacts_ops */
#define MR_STORE_CAP_QUEUE    0x04u /* struct mr_store_queue_ops */
#define MR_STORE_CAP_BOUNCE   0x08u /* struct mr_store_bounce_ops */
#define MR_STORE_CAP_ACTIVITY 0x10u /* struct mr_store_activity_ops */
#define MR_STORE_CAP_LOCK     0x20u /* struct mr_store_lock_ops */
#define MR_STORE_CAP_TRACKING 0x40u /* struct mr_store_tracking_ops */
#define MR_STORE_CAP_ALL      0x7fu

struct mr_spool_msg {
	int64_t id;
	int64_t added;         /* unix time */
	int64_t job_id;        /* mailing job, or 0 */
	const char *sender;    /* envelope sender */
	const char *recipient; /* envelope recipient(s), comma-separated */
	const char *subject;   /* decoded Subject for listings */
	const char *headers;   /* the header block exactly as it would be sent */
	size_t headers_len;
	const char *body;      /* the body exactly as it would be sent */
	size_t body_len;
};
typedef int mr_spool_cb(void *cookie, const struct mr_spool_msg *msg);

enum mr_job_outcome {
	MR_JOB_RUNNING = 0,
	MR_JOB_OK = 1,
	MR_JOB_FAILED = 2,
	MR_JOB_SKIPPED_LOCKED = 3,
	MR_JOB_CRASHED = 4
};

struct mr_job_run {
	int64_t id;
	const char *job;
	int worker;
	int pid;
	int64_t started;
	int64_t ended;        /* 0 while running */
	enum mr_job_outcome outcome;
	const char *message;
	const char *data;     /* a small JSON object, or "" */
	/* the host the run ran on (MAILROOM_HOSTNAME or its host name), NULL
	 * when the store does not know; read it with mr_job_run_host(), which
	 * knows whether the store was built with this field */
	const char *host;
};
typedef int mr_job_run_cb(void *cookie, const struct mr_job_run *run);

/* Permissions of a mailroom user (cron identity). */
#define MR_PERM_SEND_MAIL     0x1u
#define MR_PERM_PROCESS_MAIL  0x2u
#define MR_PERM_VIEW_CONTACTS 0x4u

struct mr_user {
	const char *name;
	const char *pwhash;   /* "pbkdf2-sha256$ITER$SALT$HASH" */
	unsigned perms;       /* MR_PERM_* */
	int64_t created;
};
typedef int mr_user_cb(void *cookie, const struct mr_user *user);

/*
 * Callbacks of list operations return 0 to go on or non-zero to stop; a
 * non-zero return is passed back as the operation's result.  Strings given
 * to a callback are valid only during the call.
 */
/* ---- spool */
struct mr_store_spool_ops {
	size_t size;
	/* add a message; its id into *id_r. */
	int (*spool_add)(void *state, const struct mr_spool_msg *msg, int64_t *id_r,
			 struct mr_error *err);
	/* newest first; limit 0 means all */
	int (*spool_list)(void *state, int64_t limit, mr_spool_cb *cb, void *cookie,
			  struct mr_error *err);
	/* MR_ENOTFOUND when there is no such id */
	int (*spool_get)(void *state, int64_t id, mr_spool_cb *cb, void *cookie,
			 struct mr_error *err);
	int (*spool_purge)(void *state, int64_t before, int64_t *count_r, struct mr_error *err);
};

/* ---- contacts and groups */
/* A contact's membership of a group, as contact_groups gives it. */
struct mr_membership {
	const char *group;          /* the group's name */
	const char *title;
	const char *status;         /* "Added" or "Removed" */
	int64_t added;              /* when it was last added; 0: before this was recorded */
	int64_t removed;            /* when it was last removed; 0: never */
};
typedef int mr_membership_cb(void *cookie, const struct mr_membership *m);

/* One email of a contact, with its hold. */
struct mr_contact_email {
	const char *email;
	int is_primary;
	int on_hold;                /* 0, 1 (bounces), 2 (by hand) */
	int64_t hold_date;          /* 0: never held */
	int64_t reset_date;         /* 0: never released */
};
typedef int mr_contact_email_cb(void *cookie, const struct mr_contact_email *e);

/* Something that happened to a contact: a change (who is the user who
 * made it) or a mailing event (who is "mailing ID"). */
struct mr_contact_event {
	int64_t contact_id;
	int64_t time;               /* unix time */
	const char *who;
	const char *action;         /* "added", "edited", "deleted", "opt-in", ... */
	const char *details;        /* MAY be NULL on input; "" on output when none */
};
typedef int mr_contact_event_cb(void *cookie, const struct mr_contact_event *ev);

/* A custom field of contacts.  type is "text", "int", "date" (YYYY-MM-DD),
 * "bool" (0 or 1) or "choice" (one of choices, comma-separated); stores keep
 * values as text, the caller checks them against the type. */
struct mr_field {
	const char *name;           /* [a-z][a-z0-9_]*, at most 64 bytes */
	const char *type;
	const char *choices;        /* "a,b,c" for choice; NULL or "" otherwise */
	int builtin;                /* 1: comes with the store (preferred_language) */
	int64_t created;
};
typedef int mr_field_cb(void *cookie, const struct mr_field *f);

/* One custom field value of a contact. */
struct mr_field_value {
	const char *name;
	const char *value;
};
typedef int mr_field_value_cb(void *cookie, const struct mr_field_value *v);

struct mr_store_contacts_ops {
	size_t size;
	/* insert a contact with c->email as its primary email, or update
	 * the contact that has that email (case-insensitive): non-NULL names
	 * and type replace the stored ones.  *id_r gets the contact id,
	 * *created_r (MAY be NULL) 1 when it was new.  MR_EINPUT for an empty
	 * email or a bad contact_type. */
	int (*contact_upsert)(void *state, const struct mr_contact *c, int64_t *id_r,
			      int *created_r, struct mr_error *err);
	/* the contact whose email is email (case-insensitive): cb once, or
	 * MR_ENOTFOUND. */
	int (*contact_find)(void *state, const char *email, mr_contact_cb *cb, void *cookie,
			    struct mr_error *err);
	/* contacts by id, those with id > after_id; limit 0 means all. */
	int (*contact_list)(void *state, int64_t after_id, int64_t limit, mr_contact_cb *cb,
			    void *cookie, struct mr_error *err);
	/* sets a flag of the contact (or its email) found by email;
	 * MR_ENOTFOUND when there is none. */
	int (*contact_set_flag)(void *state, const char *email, enum mr_contact_flag flag,
				int value, struct mr_error *err);
	/* adds group name (title NULL: the name); an existing name is not
	 * an error and gives its id.  *id_r MAY be NULL. */
	int (*group_add)(void *state, const char *name, const char *title, int64_t *id_r,
			 struct mr_error *err);
	/* every group by name, with its member count. */
	int (*group_list)(void *state, mr_group_cb *cb, void *cookie, struct mr_error *err);
	/* adds (add = 1) or removes (add = 0) a contact to or from a group;
	 * adding twice is not an error.  MR_ENOTFOUND for an unknown group. */
	int (*group_member)(void *state, const char *group, int64_t contact_id, int add,
			    struct mr_error *err);
	/* the contacts in a group (status Added) by id; MR_ENOTFOUND for an
	 * unknown group. */
	int (*group_members)(void *state, const char *group, mr_contact_cb *cb, void *cookie,
			     struct mr_error *err);
	/* soft-deletes the contact found by email (case-insensitive, not
	 * deleted): it stays for history but no lookup, list, group, queue
	 * or bounce match sees it again.  *id_r (MAY be NULL) gets its id.
	 * MR_ENOTFOUND when there is none. */
	int (*contact_delete)(void *state, const char *email, int64_t *id_r, struct mr_error *err);
	/* every group the contact has been in (Added or Removed), by group
	 * name. */
	int (*contact_groups)(void *state, int64_t contact_id, mr_membership_cb *cb, void *cookie,
			      struct mr_error *err);
	/* the contact's emails, the primary first, with their holds. */
	int (*contact_emails)(void *state, int64_t contact_id, mr_contact_email_cb *cb,
			      void *cookie, struct mr_error *err);
	/* records ev (who and action MUST be non-empty). */
	int (*contact_event_add)(void *state, const struct mr_contact_event *ev,
				 struct mr_error *err);
	/* the contact's events, its changes and its mailing events together,
	 * newest first; limit 0 means all. */
	int (*contact_events)(void *state, int64_t contact_id, int64_t limit,
			      mr_contact_event_cb *cb, void *cookie, struct mr_error *err);
	/* deletes a group and its memberships.  MR_ENOTFOUND for an unknown
	 * group; MR_EINPUT when a mailing not complete or canceled uses it. */
	int (*group_delete)(void *state, const char *name, struct mr_error *err);
	/* renames group old_name to new_name (its title too when the title
	 * was the old name).  MR_ENOTFOUND for an unknown group, MR_EINPUT
	 * when new_name is empty or taken. */
	int (*group_rename)(void *state, const char *old_name, const char *new_name,
			    struct mr_error *err);
	/* adds custom field f (f->builtin and f->created are ignored).
	 * MR_EINPUT when the name is taken or the type unknown. */
	int (*field_add)(void *state, const struct mr_field *f, struct mr_error *err);
	/* every custom field by name, the built-in ones too. */
	int (*field_list)(void *state, mr_field_cb *cb, void *cookie, struct mr_error *err);
	/* deletes a custom field and every value of it.  MR_ENOTFOUND for an
	 * unknown one, MR_EINPUT for a built-in one. */
	int (*field_delete)(void *state, const char *name, struct mr_error *err);
	/* sets (value NULL: clears) the contact's value of field name.
	 * MR_ENOTFOUND for an unknown field. */
	int (*contact_field_set)(void *state, int64_t contact_id, const char *name,
				 const char *value, struct mr_error *err);
	/* the contact's custom field values, by field name. */
	int (*contact_fields)(void *state, int64_t contact_id, mr_field_value_cb *cb,
			      void *cookie, struct mr_error *err);
	/* makes group name a smart group whose members are the contacts
	 * matching where (the --where language, see `mailroom group --help`),
	 * evaluated when a mailing's queue is built and by group_refresh.
	 * MR_ENOTFOUND for an unknown group, MR_EINPUT for a bad expression
	 * (err names its column). */
	int (*group_set_where)(void *state, const char *name, const char *where,
			       struct mr_error *err);
	/* evaluates smart group name now: its members become exactly the
	 * matching contacts; *count_r (MAY be NULL) gets how many, or -1 for
	 * a static group (left as it is).  MR_ENOTFOUND for an unknown group. */
	int (*group_refresh)(void *state, const char *name, int64_t *count_r,
			     struct mr_error *err);
	/* double opt-in: records the contact as pending in group name (never
	 * a member, so never mailed) until expires; asking again renews
	 * expires.  *group_id_r (MAY be NULL) gets the group's id, *member_r
	 * (MAY be NULL) 1 when the contact already is a member (then nothing
	 * is recorded).  MR_ENOTFOUND for an unknown group, MR_EINPUT for a
	 * smart group. */
	int (*optin_pending_add)(void *state, const char *group, int64_t contact_id,
				 int64_t expires, int64_t *group_id_r, int *member_r,
				 struct mr_error *err);
	/* confirms a pending contact: when it is pending in group group_id
	 * with expires > now, it becomes a member (Added, added at now) and
	 * is pending no more, in one transaction; *already_r (MAY be NULL) 1
	 * when it was a member already (nothing changes).  MR_ENOTFOUND when
	 * it is neither pending (or its request expired) nor a member, or the
	 * contact was deleted. */
	int (*optin_confirm)(void *state, int64_t group_id, int64_t contact_id, int64_t now,
			     int *already_r, struct mr_error *err);
	/* removes every pending request with expires <= now; *count_r (MAY
	 * be NULL) gets how many. */
	int (*optin_expire)(void *state, int64_t now, int64_t *count_r, struct mr_error *err);
	/* the contact's pending requests not yet expired at now, by group
	 * name: cb gets the group in m->group and m->title, the request's
	 * time in m->added, its expiry in m->removed, status "Pending". */
	int (*optin_pending_list)(void *state, int64_t contact_id, int64_t now,
				  mr_membership_cb *cb, void *cookie, struct mr_error *err);
};

/* ---- mailing queue */
struct mr_store_queue_ops {
	size_t size;
	/* stores a new mailing (status draft, or scheduled when
	 * m->status says so with m->scheduled_at) with its groups (names; an
	 * unknown one is MR_ENOTFOUND) and attachments. */
	int (*mailing_create)(void *state, const struct mr_mailing *m, int64_t *id_r,
			      struct mr_error *err);
	/* one mailing with groups and attachments (cb once) or MR_ENOTFOUND. */
	int (*mailing_get)(void *state, int64_t id, mr_mailing_cb *cb, void *cookie,
			   struct mr_error *err);
	/* every mailing by id, without bodies' attachments data. */
	int (*mailing_list)(void *state, mr_mailing_cb *cb, void *cookie, struct mr_error *err);
	/* moves a mailing to status: SCHEDULED (from draft or paused-before-
	 * start; when is the send time; makes its parent mailing job), PAUSED
	 * (from scheduled or running), RUNNING (resume, from paused), CANCELED
	 * (from any but complete: its waiting recipients become canceled).
	 * MR_EINPUT for a move that is not allowed, MR_ENOTFOUND. */
	int (*mailing_set_status)(void *state, int64_t id, enum mr_mailing_status status,
				  int64_t when, struct mr_error *err);
	/* the first mailing with id > after_id that has work at time now:
	 * scheduled with scheduled_at <= now, or running.  *mailing_id_r and
	 * *job_id_r (its parent job), or MR_ENOTFOUND. */
	int (*mailing_due)(void *state, int64_t now, int64_t after_id, int64_t *mailing_id_r,
			   int64_t *job_id_r, struct mr_error *err);
	/* builds the queue of a scheduled mailing's parent job once, in one
	 * transaction: contacts in its included groups minus the excluded,
	 * minus emails on hold, opted-out, do-not-email and deleted contacts, one
	 * row per distinct address (domain case-insensitive); job_size > 0
	 * splits the rows into child jobs of that many.  Moves the mailing and
	 * job to running.  *count_r gets the rows made (0 when the queue was
	 * built before).  A store MAY make only a first part of the rows here
	 * (job_size 0) and the next parts, each in one transaction, as its
	 * claims need them, an address queued in an earlier part counting as a
	 * duplicate; mailing_finish then counts the part
	 * not yet built as waiting and a cancel ends the build
	 * (store-mariadb's build_part). */
	int (*queue_build)(void *state, int64_t job_id, int64_t job_size, int64_t *count_r,
			   struct mr_error *err);
	/* returns rows whose lease is owner's or expired before now to the
	 * queue: leased ones to queued, sending ones to in_doubt (to queued, as
	 * every in_doubt row, when resend_in_doubt).  Counts MAY be NULL. */
	int (*queue_recover)(void *state, const char *owner, int64_t now, int resend_in_doubt,
			     int64_t *requeued_r, int64_t *in_doubt_r, struct mr_error *err);
	/* leases up to max rows of a running mailing that are queued, or
	 * retry with next_attempt <= now, to owner until lease_until (state
	 * leased, attempts + 1), in queue order, and calls cb for each. */
	int (*queue_claim)(void *state, int64_t mailing_id, const char *owner, int64_t now,
			   int64_t lease_until, size_t max, mr_recipient_cb *cb, void *cookie,
			   struct mr_error *err);
	/* owner's leased rows become sending (call it right before handing
	 * them to the transport; a row's first sending time starts its
	 * retry_for); sending = 0 makes them queued instead (given back, e.g.
	 * on pause). */
	int (*queue_mark)(void *state, const char *owner, int sending, struct mr_error *err);

	/* owner's sending rows whose id is not among started[0..n) never
	 * reached a server: they go back to the queue (queued, attempts - 1)
	 * so that queue_recover does not put them in doubt.  *requeued_r (MAY
	 * be NULL) gets how many. */
	int (*queue_unstarted)(void *state, const char *owner, const int64_t *started, size_t n,
			       int64_t *requeued_r, struct mr_error *err);
	/* records n outcomes in one transaction: sent (sent_at, which is the
	 * delivery contact_events and the reports show), retry (next_attempt
	 * by exponential backoff, bounced once retry_for has passed since the
	 * first try), bounced (a bounce event of the bounce type), in doubt.
	 * Clears the leases. */
	int (*queue_outcome)(void *state, const struct mr_queue_outcome *o, size_t n,
			     struct mr_error *err);
	/* a running mailing with no row waiting, leased, sending or
	 * retrying becomes complete (with its jobs); *complete_r 1 when it is. */
	int (*mailing_finish)(void *state, int64_t mailing_id, int64_t now, int *complete_r,
			      struct mr_error *err);
	/* the counts of a mailing's queue (mailroom/mailing.h). */
	int (*mailing_stats)(void *state, int64_t mailing_id, struct mr_mailing_stats *stats_r,
			     struct mr_error *err);

	/* ---- appended after 1.0: MAY (their wrappers say MR_EUNSUPPORTED) */
	/* replaces the content of a draft, or of a scheduled mailing whose
	 * queue is not built, with m's: name, subject, From name and address,
	 * Reply-To, bodies, groups (an unknown one is MR_ENOTFOUND) and
	 * attachments; its id, status, schedule and creation time stay.
	 * MR_EINPUT naming the status for a mailing in any other status,
	 * MR_ENOTFOUND for none. */
	int (*mailing_update)(void *state, int64_t id, const struct mr_mailing *m,
			      struct mr_error *err);
	/* deletes a draft, or a canceled mailing for which no recipient was
	 * ever tried, with its groups, attachments, jobs and queue rows.
	 * MR_EINPUT for any other (a mailing that sent is kept for its
	 * history), MR_ENOTFOUND for none. */
	int (*mailing_delete)(void *state, int64_t id, struct mr_error *err);
	/* adds add (0 or more) to the mailing's count of test messages sent
	 * (mailing test), kept apart from its queue and stats; *count_r (MAY be
	 * NULL) gets the new count.  MR_ENOTFOUND for no such mailing. */
	int (*mailing_tests)(void *state, int64_t id, int64_t add, int64_t *count_r,
			     struct mr_error *err);
	/* sets (value not NULL) or removes (NULL) the named setting of a
	 * mailing (list_id, precedence, ...: names of letters, digits and '_'
	 * up to 64 bytes, else MR_EINPUT; values UTF-8).  MR_ENOTFOUND for no
	 * such mailing.  A deleted mailing's settings go with it. */
	int (*mailing_setting_set)(void *state, int64_t id, const char *name, const char *value,
				   struct mr_error *err);
	/* calls cb for each setting of a mailing by name (none: not called);
	 * MR_ENOTFOUND for no such mailing. */
	int (*mailing_settings)(void *state, int64_t id, mr_mailing_setting_cb *cb, void *cookie,
				struct mr_error *err);
	/* stores template t (its name of letters, digits, '_', '-' and '.', 1
	 * to 64 bytes, else MR_EINPUT; html or text or both), replacing the one
	 * of that name; *replaced_r (MAY be NULL) 1 when there was one. */
	int (*template_put)(void *state, const struct mr_template *t, int *replaced_r,
			    struct mr_error *err);
	/* the template called name (cb once, MR_ENOTFOUND when none), or
	 * every template by name when name is NULL. */
	int (*template_get)(void *state, const char *name, mr_template_cb *cb, void *cookie,
			    struct mr_error *err);
	/* deletes the template called name; MR_ENOTFOUND when none (mailings
	 * made from it keep their content). */
	int (*template_delete)(void *state, const char *name, struct mr_error *err);
};

/* ---- bounces */
struct mr_store_bounce_ops {
	size_t size;
	/* the recipient a bounce or VERP action is about.  queue_id > 0:
	 * the queue row with that id and job_id (MR_ENOTFOUND when there is
	 * none, or when email is not NULL and is not the row's address).
	 * queue_id == 0: the email (case-insensitive) of a contact not
	 * deleted, with its newest queue row when it has one (t_r->queue_id 0
	 * when not); MR_ENOTFOUND when the address is not in the store. */
	int (*bounce_target)(void *state, int64_t job_id, int64_t queue_id, const char *email,
			     struct mr_bounce_target *t_r, struct mr_error *err);
	/* records a bounce event of ev->queue_id (type, reason, status,
	 * text, confidence), marks a sent row bounced, counts the email's
	 * bounces (all, and of ev->type) since its reset date, and puts it on
	 * hold (on_hold = 1, hold_date = ev->when) when the type's count
	 * reaches the threshold and it is not on hold.  An unknown type name is
	 * added to the bounce types.  MR_ENOTFOUND for an unknown queue row. */
	int (*bounce_add)(void *state, const struct mr_bounce_event *ev,
			  struct mr_bounce_added *added_r, struct mr_error *err);
	/* records a VERP action (or a complaint) of queue row queue_id
	 * as an event (details MAY be NULL) and applies it: reply (the event
	 * only), unsubscribe (the contact's Added memberships of the mailing's
	 * included groups become Removed), opt-out and complaint (is_opt_out
	 * = 1), resubscribe (the included groups Added again, is_opt_out = 0).
	 * *changed_r (MAY be NULL) gets the groups or flags changed.
	 * details starting with "web:" (mailroom serve) record the channel
	 * as web rather than verp (mail).
	 * MR_ENOTFOUND for an unknown queue row. */
	int (*verp_action)(void *state, int64_t queue_id, enum mr_verp_action action,
			   int64_t when, const char *details, int64_t *changed_r,
			   struct mr_error *err);
	/* releases the bounce holds (on_hold = 1) of emails that had a
	 * delivery (a sent_at) after their newest bounce and no bounce since
	 * now - clean_for: on_hold = 0, reset_date = now.  *released_r (MAY
	 * be NULL) gets how many. */
	int (*holds_reset)(void *state, int64_t now, int64_t clean_for, int64_t *released_r,
			   struct mr_error *err);
	/* bounces by mailing and type (cb per row, by mailing id then
	 * type) and the totals (totals_r MAY be NULL). */
	int (*bounce_stats)(void *state, mr_bounce_stat_cb *cb, void *cookie,
			    struct mr_bounce_totals *totals_r, struct mr_error *err);
	/* ---- appended after 1.0: MAY (their wrappers say MR_EUNSUPPORTED) */
	/* whether an auto-reply to email (compared case-insensitively) may
	 * go out at now: when none was recorded for it after now - period,
	 * records now as its last one and sets *due_r to 1, else sets it to
	 * 0 and changes nothing; in one statement, so that two runs never
	 * both get 1.  MR_EINPUT for an empty email or a negative period. */
	int (*auto_reply_due)(void *state, const char *email, int64_t now, int64_t period,
			      int *due_r, struct mr_error *err);
};

/* ---- activities */
struct mr_store_activity_ops {
	size_t size;
	/* the Individual contact of email (case-insensitive, not deleted)
	 * into *id_r.  When there is none and create is non-zero, a new
	 * Individual with that primary email is made, named from name (an
	 * RFC 2047-decoded display name, MAY be NULL: the email is its display
	 * name), also when the email belongs only to an Organization.  When
	 * there is none and create is 0, *id_r is 0 (not an error).
	 * *created_r (MAY be NULL) gets 1 when one was made.  MR_EINPUT for an
	 * empty email. */
	int (*activity_contact)(void *state, const char *email, const char *name, int create,
				int64_t *id_r, int *created_r, struct mr_error *err);
	/* files activity a (a->id and a->created are ignored) with its
	 * parties and attachments (content blobs) as one unit.  When
	 * a->message_id is not NULL and an activity of a->account with that
	 * Message-ID exists, nothing is added: *id_r gets its id and
	 * *existing_r (MAY be NULL) 1. */
	int (*activity_add)(void *state, const struct mr_activity_rec *a, int64_t *id_r,
			    int *existing_r, struct mr_error *err);
	/* activities matching f (MAY be NULL), newest first (by date,
	 * then id); each with parties and attachments (without data), but
	 * without the text and HTML bodies and headers. */
	int (*activity_list)(void *state, const struct mr_activity_filter *f,
			     mr_activity_rec_cb *cb, void *cookie, struct mr_error *err);
	/* one activity with bodies, headers, parties and attachments
	 * (without data): cb once, or MR_ENOTFOUND. */
	int (*activity_get)(void *state, int64_t id, mr_activity_rec_cb *cb, void *cookie,
			    struct mr_error *err);
	/* attachment n (1 = the first, in message order) of activity id
	 * with its data (NULL for a skipped one): cb once, or MR_ENOTFOUND
	 * when there is no such activity or attachment. */
	int (*activity_attachment)(void *state, int64_t id, size_t n, mr_activity_file_cb *cb,
				   void *cookie, struct mr_error *err);
};

/* ---- open and click tracking */

/* What a mailing tracks (mr_store_track_set/_get). */
#define MR_TRACK_OPENS  0x01u
#define MR_TRACK_CLICKS 0x02u

enum mr_track_kind { MR_TRACK_OPEN = 1, MR_TRACK_CLICK = 2 };

/* One hit of mailroom serve: an open (pixel) or a click of link `link`
 * (its URL in url) of queue row queue_id.  Arrays of hits are walked by
 * their size field. */
struct mr_track_hit {
	size_t size;
	enum mr_track_kind kind;
	int64_t job_id;
	int64_t queue_id;
	int link;           /* clicks: the link's index in the mailing's HTML (0-based) */
	const char *url;    /* clicks: the URL redirected to; opens: NULL */
	int64_t when;
};

/* One row of a mailing's tracking figures: opens (url NULL) or the clicks
 * of one URL. */
struct mr_track_stat {
	enum mr_track_kind kind;
	const char *url;
	int64_t total;      /* hits */
	int64_t unique;     /* distinct recipients (queue rows) */
};
typedef int mr_track_stat_cb(void *cookie, const struct mr_track_stat *row);

/* One row of mr_store_track_events: the events of one kind of a mailing
 * in one time bucket. */
struct mr_track_event_count {
	const char *kind;   /* "delivered", "bounce", "reply", "unsubscribe",
			     * "opt-out", "complaint", "resubscribe", "open", "click" */
	int64_t start;      /* the bucket's start (unix time, a multiple of the
			     * bucket length); 0 when the bucket length is 0 */
	int64_t total;      /* events */
	int64_t unique;     /* distinct recipients (queue rows) */
};
typedef int mr_track_event_cb(void *cookie, const struct mr_track_event_count *row);

struct mr_store_tracking_ops {
	size_t size;
	/* sets what mailing_id tracks (MR_TRACK_* flags), replacing what was
	 * set.  MR_ENOTFOUND for an unknown mailing. */
	int (*track_set)(void *state, int64_t mailing_id, unsigned flags, struct mr_error *err);
	/* what mailing_id tracks; MR_ENOTFOUND when nothing was ever set. */
	int (*track_get)(void *state, int64_t mailing_id, unsigned *flags_r,
			 struct mr_error *err);
	/* records n hits (hit_size: the stride of the array) in one
	 * transaction: all or none.  A hit whose queue row is unknown is
	 * skipped, not an error; *recorded_r (MAY be NULL) gets how many were
	 * recorded.  Every hit is one row: two equal hits count twice. */
	int (*track_record)(void *state, const struct mr_track_hit *hits, size_t n,
			    size_t hit_size, int64_t *recorded_r, struct mr_error *err);
	/* the figures of mailing_id: opens first (one row, even when zero),
	 * then clicks by URL in the order of their first link index. */
	int (*track_stats)(void *state, int64_t mailing_id, mr_track_stat_cb *cb, void *cookie,
			   struct mr_error *err);
	/* the events of mailing_id counted by kind and time bucket: the
	 * queue's events (delivered, bounce, and the VERP or web actions,
	 * a complaint counted as "complaint" rather than "opt-out") and the
	 * tracking hits (open, click).  bucket > 0: rows per bucket of that
	 * many seconds; bucket 0: one row per kind over all time.  Rows by
	 * start, then kind; kinds without events give no row.  An unknown
	 * mailing gives no rows, not an error. */
	int (*track_events)(void *state, int64_t mailing_id, int64_t bucket,
			    mr_track_event_cb *cb, void *cookie, struct mr_error *err);
};

/* ---- bulk copy (mailroom store copy)
 *
 * A store's rows, table by table, in a form any other store can take:
 * `mailroom store copy` reads each table of the source in key order in
 * batches and hands each batch to the target, which writes it in one
 * transaction with the same keys, so references between tables stay
 * right and a copy stopped midway resumes after the target's highest key.
 * Both stores name their tables and columns alike (store-sqlite's schema);
 * a table or column the target does not have is an error that names it.
 */
enum mr_cell_kind { MR_CELL_NULL = 0, MR_CELL_INT = 1, MR_CELL_TEXT = 2, MR_CELL_BLOB = 3 };

/* One value of a row. */
struct mr_store_cell {
	enum mr_cell_kind kind;
	int64_t i;          /* MR_CELL_INT */
	const void *data;   /* MR_CELL_TEXT (UTF-8, not NUL-terminated), MR_CELL_BLOB */
	size_t len;
};

/* A batch of n rows of one table, each of ncols cells (row-major). */
struct mr_store_rows {
	const char *table;
	size_t ncols;
	const char *const *cols;           /* the column names */
	size_t n;
	const struct mr_store_cell *cells; /* n * ncols */
};
typedef int mr_store_rows_cb(void *cookie, const struct mr_store_rows *rows);

/* A table of the copy. */
struct mr_store_table {
	const char *name;
	const char *key;  /* the integer column rows are ordered and resumed by;
			   * NULL: a small table copied whole in one batch */
	int seeded;       /* a fresh store already holds rows in it (made by its
			   * schema): the emptiness check ignores it and rows_import
			   * replaces rows of the same key instead of failing */
};

struct mr_store_copy_ops {
	size_t size;
	/* the tables of the store in copy order (a table after those it
	 * refers to): *tables_r points to n_r static entries. */
	int (*copy_tables)(void *state, const struct mr_store_table **tables_r, size_t *n_r,
			   struct mr_error *err);
	/* the rows of table and the largest key (0 when empty or keyless). */
	int (*rows_count)(void *state, const char *table, int64_t *count_r, int64_t *max_key_r,
			  struct mr_error *err);
	/* calls cb once with up to max rows of table whose key is above
	 * after_key, in key order (n 0 when none is left); a keyless table
	 * gives all its rows when after_key is 0.  MR_ENOTFOUND for a table
	 * that is not in copy_tables. */
	int (*rows_export)(void *state, const char *table, int64_t after_key, size_t max,
			   mr_store_rows_cb *cb, void *cookie, struct mr_error *err);
	/* writes rows (keys included) in one transaction: all or none.  A row
	 * whose key exists is an error (MR_EINPUT) unless the table is seeded.
	 * MR_ENOTFOUND for an unknown table, MR_EINPUT for an unknown column. */
	int (*rows_import)(void *state, const struct mr_store_rows *rows, struct mr_error *err);
};

/* ---- the store's own checks (mailroom doctor) */
enum mr_store_verdict { MR_STORE_CHECK_OK = 0, MR_STORE_CHECK_WARN = 1, MR_STORE_CHECK_FAIL = 2 };

/* One finding about the store's server or file. */
struct mr_store_check {
	const char *name;     /* "store-version", "store-time", ... */
	enum mr_store_verdict verdict;
	const char *detail;   /* what was found */
	const char *fix;      /* what to change; NULL when ok */
};
typedef int mr_store_check_cb(void *cookie, const struct mr_store_check *c);

struct mr_store_ops {
	size_t size;
	/* open (and create or upgrade) the store. */
	int (*init)(const struct mr_plugin_ctx *ctx, void **state_r, struct mr_error *err);
	/* release everything init made. */
	void (*deinit)(void *state);

	/* group several operations into one atomic unit.  Operations
	 * outside begin/commit are each atomic on their own. */
	int (*begin)(void *state, struct mr_error *err);
	int (*commit)(void *state, struct mr_error *err);
	void (*rollback)(void *state);

	/* the schema version the store is at. */
	int (*schema_version)(void *state, int *version_r, struct mr_error *err);

	/* job log. */
	int (*job_run_start)(void *state, const char *job, int worker, int pid, int64_t started,
			     int64_t *run_id_r, struct mr_error *err);
	int (*job_run_end)(void *state, int64_t run_id, int64_t ended,
			   enum mr_job_outcome outcome, const char *message, const char *data,
			   struct mr_error *err);
	/* newest first; job NULL for every job; limit 0 means all */
	int (*job_run_list)(void *state, const char *job, int64_t limit, mr_job_run_cb *cb,
			    void *cookie, struct mr_error *err);
	int (*job_run_purge)(void *state, int64_t before, int64_t *count_r, struct mr_error *err);

	/* records of fetched messages, for idempotent processing.  Call
	 * msg_mark inside the transaction that commits the message's result. */
	int (*msg_seen)(void *state, const char *account, const char *key, int *seen_r,
			struct mr_error *err);
	int (*msg_mark)(void *state, const char *account, const char *key, const char *outcome,
			int64_t when, struct mr_error *err);
	int (*msg_purge)(void *state, int64_t before, int64_t *count_r, struct mr_error *err);

	/* the outcome msg_mark recorded for (account, key), malloc'ed into
	 * *outcome_r (caller frees); MR_ENOTFOUND when there is none.  The
	 * fetch loop uses it to dispose of a message found recorded by an
	 * earlier run the way that run decided. */
	int (*msg_outcome)(void *state, const char *account, const char *key, char **outcome_r,
			   struct mr_error *err);

	/* users for the cron identity.  user_put inserts or replaces;
	 * user_get calls cb once or returns MR_ENOTFOUND. */
	int (*user_put)(void *state, const struct mr_user *user, struct mr_error *err);
	int (*user_get)(void *state, const char *name, mr_user_cb *cb, void *cookie,
			struct mr_error *err);
	int (*user_list)(void *state, mr_user_cb *cb, void *cookie, struct mr_error *err);
	int (*user_delete)(void *state, const char *name, struct mr_error *err);

	/* The capability sub-tables; NULL: the store has none of it. */
	const struct mr_store_spool_ops *spool;
	const struct mr_store_contacts_ops *contacts;
	const struct mr_store_queue_ops *queue;
	const struct mr_store_bounce_ops *bounce;
	const struct mr_store_activity_ops *activity;

	/* MAY (ask mr_store_has(st, MR_STORE_CAP_LOCK)) */
	/* locks shared by every host that uses this store; NULL: none. */
	const struct mr_store_lock_ops *lock;
	/* MAY: read it with mr_store_tracking_of(ops) */
	const struct mr_store_tracking_ops *tracking;
	/* MAY: read it with mr_store_copy_of(ops) */
	const struct mr_store_copy_ops *copy;
	/* MAY (read it with mr_store_doctor_of(ops)): checks of the store's
	 * server for mailroom doctor, cb once per finding.  workers: how many
	 * job processes the site runs at once on one host (the connections it
	 * needs). */
	int (*doctor)(void *state, int64_t workers, mr_store_check_cb *cb, void *cookie,
		      struct mr_error *err);
};

/* The tracking sub-table of ops, NULL when it has none. */
static inline const struct mr_store_tracking_ops *
mr_store_tracking_of(const struct mr_store_ops *ops)
{
	return ops && ops->size >= offsetof(struct mr_store_ops, tracking) + sizeof(ops->tracking) ?
	       ops->tracking : NULL;
}

/* The bulk copy sub-table of ops, NULL when it has none. */
static inline const struct mr_store_copy_ops *mr_store_copy_of(const struct mr_store_ops *ops)
{
	return ops && ops->size >= offsetof(struct mr_store_ops, copy) + sizeof(ops->copy) ?
	       ops->copy : NULL;
}

/* The doctor slot of ops, NULL when it has none. */
typedef int mr_store_doctor_fn(void *state, int64_t workers, mr_store_check_cb *cb, void *cookie,
			       struct mr_error *err);
static inline mr_store_doctor_fn *mr_store_doctor_of(const struct mr_store_ops *ops)
{
	return ops && ops->size >= offsetof(struct mr_store_ops, doctor) + sizeof(ops->doctor) ?
	       ops->doctor : NULL;
}

/* A loaded store instance: its ops and the state its init returned. */
struct mr_store {
	const struct mr_store_ops *ops;
	void *state;
	const char *name; /* the NAME of [store-NAME] */
};

/* The host of a run a job_run_list of st gave, or NULL: a store whose ops
 * table ends before the copy slot was built before struct mr_job_run had
 * a host, and its rows are shorter. */
static inline const char *mr_job_run_host(const struct mr_store *st, const struct mr_job_run *run)
{
	return st && st->ops && st->ops->size >= offsetof(struct mr_store_ops, copy) +
	       sizeof(st->ops->copy) ? run->host : NULL;
}

/* What a capability is called in messages: "mailing queue"; NULL for a
 * value that is not exactly one MR_STORE_CAP_* flag. */
static inline const char *mr_store_cap_name(unsigned cap)
{
	switch (cap) {
	case MR_STORE_CAP_SPOOL: return "spool";
	case MR_STORE_CAP_CONTACTS: return "contacts and groups";
	case MR_STORE_CAP_QUEUE: return "mailing queue";
	case MR_STORE_CAP_BOUNCE: return "bounces";
	case MR_STORE_CAP_ACTIVITY: return "activities";
	case MR_STORE_CAP_LOCK: return "shared locks";
	case MR_STORE_CAP_TRACKING: return "open and click tracking";
	}
	return NULL;
}

/* The MR_STORE_CAP_* flags of the sub-tables an ops table has. */
static inline unsigned mr_store_ops_caps(const struct mr_store_ops *ops)
{
	unsigned lock = ops->size >= offsetof(struct mr_store_ops, lock) + sizeof(ops->lock) &&
			ops->lock ? MR_STORE_CAP_LOCK : 0;
	return lock | (ops->spool ? MR_STORE_CAP_SPOOL : 0) |
	       (ops->contacts ? MR_STORE_CAP_CONTACTS : 0) |
	       (ops->queue ? MR_STORE_CAP_QUEUE : 0) |
	       (ops->bounce ? MR_STORE_CAP_BOUNCE : 0) |
	       (ops->activity ? MR_STORE_CAP_ACTIVITY : 0) |
	       (mr_store_tracking_of(ops) ? MR_STORE_CAP_TRACKING : 0);
}

/* Non-zero when the store has every capability in caps (MR_STORE_CAP_*). */
static inline int mr_store_has(const struct mr_store *st, unsigned caps)
{
	return st && st->ops && (mr_store_ops_caps(st->ops) & caps) == caps;
}

/* Fills err (MAY be NULL) with "the store 'NAME' has no CAPABILITY" and
 * returns MR_EUNSUPPORTED. */
static inline int mr_store_unsupported(const struct mr_store *st, unsigned cap,
				       struct mr_error *err)
{
	if (err) {
		const char *what = mr_store_cap_name(cap);
		err->status = MR_EUNSUPPORTED;
		snprintf(err->msg, sizeof(err->msg), "the store '%s' has no %s",
			 st && st->name ? st->name : "?", what ? what : "such capability");
	}
	return MR_EUNSUPPORTED;
}

/* ---------------------------------------------------------------- wrappers
 * One per slot, named mr_store_SLOT(st, ...) with the slot's arguments
 * after the state.  Base slots are called directly; a sub-table's slot
 * says MR_EUNSUPPORTED when the store lacks that sub-table. */

static inline int mr_store_begin(const struct mr_store *st, struct mr_error *err)
{
	return st->ops->begin(st->state, err);
}

static inline int mr_store_commit(const struct mr_store *st, struct mr_error *err)
{
	return st->ops->commit(st->state, err);
}

static inline void mr_store_rollback(const struct mr_store *st)
{
	st->ops->rollback(st->state);
}

static inline int mr_store_schema_version(const struct mr_store *st, int *version_r,
					  struct mr_error *err)
{
	return st->ops->schema_version(st->state, version_r, err);
}

static inline int mr_store_job_run_start(const struct mr_store *st, const char *job, int worker,
					 int pid, int64_t started, int64_t *run_id_r,
					 struct mr_error *err)
{
	return st->ops->job_run_start(st->state, job, worker, pid, started, run_id_r, err);
}

static inline int mr_store_job_run_end(const struct mr_store *st, int64_t run_id, int64_t ended,
				       enum mr_job_outcome outcome, const char *message,
				       const char *data, struct mr_error *err)
{
	return st->ops->job_run_end(st->state, run_id, ended, outcome, message, data, err);
}

static inline int mr_store_job_run_list(const struct mr_store *st, const char *job,
					int64_t limit, mr_job_run_cb *cb, void *cookie,
					struct mr_error *err)
{
	return st->ops->job_run_list(st->state, job, limit, cb, cookie, err);
}

static inline int mr_store_job_run_purge(const struct mr_store *st, int64_t before,
					 int64_t *count_r, struct mr_error *err)
{
	return st->ops->job_run_purge(st->state, before, count_r, err);
}

static inline int mr_store_msg_seen(const struct mr_store *st, const char *account,
				    const char *key, int *seen_r, struct mr_error *err)
{
	return st->ops->msg_seen(st->state, account, key, seen_r, err);
}

static inline int mr_store_msg_mark(const struct mr_store *st, const char *account,
				    const char *key, const char *outcome, int64_t when,
				    struct mr_error *err)
{
	return st->ops->msg_mark(st->state, account, key, outcome, when, err);
}

static inline int mr_store_msg_purge(const struct mr_store *st, int64_t before,
				     int64_t *count_r, struct mr_error *err)
{
	return st->ops->msg_purge(st->state, before, count_r, err);
}

static inline int mr_store_msg_outcome(const struct mr_store *st, const char *account,
				       const char *key, char **outcome_r, struct mr_error *err)
{
	return st->ops->msg_outcome(st->state, account, key, outcome_r, err);
}

static inline int mr_store_user_put(const struct mr_store *st, const struct mr_user *user,
				    struct mr_error *err)
{
	return st->ops->user_put(st->state, user, err);
}

static inline int mr_store_user_get(const struct mr_store *st, const char *name, mr_user_cb *cb,
				    void *cookie, struct mr_error *err)
{
	return st->ops->user_get(st->state, name, cb, cookie, err);
}

static inline int mr_store_user_list(const struct mr_store *st, mr_user_cb *cb, void *cookie,
				     struct mr_error *err)
{
	return st->ops->user_list(st->state, cb, cookie, err);
}

static inline int mr_store_user_delete(const struct mr_store *st, const char *name,
				       struct mr_error *err)
{
	return st->ops->user_delete(st->state, name, err);
}


/* ---- spool */

static inline int mr_store_spool_add(const struct mr_store *st, const struct mr_spool_msg *msg,
				     int64_t *id_r, struct mr_error *err)
{
	if (!st->ops->spool)
		return mr_store_unsupported(st, MR_STORE_CAP_SPOOL, err);
	return st->ops->spool->spool_add(st->state, msg, id_r, err);
}

static inline int mr_store_spool_list(const struct mr_store *st, int64_t limit, mr_spool_cb *cb,
				      void *cookie, struct mr_error *err)
{
	if (!st->ops->spool)
		return mr_store_unsupported(st, MR_STORE_CAP_SPOOL, err);
	return st->ops->spool->spool_list(st->state, limit, cb, cookie, err);
}

static inline int mr_store_spool_get(const struct mr_store *st, int64_t id, mr_spool_cb *cb,
				     void *cookie, struct mr_error *err)
{
	if (!st->ops->spool)
		return mr_store_unsupported(st, MR_STORE_CAP_SPOOL, err);
	return st->ops->spool->spool_get(st->state, id, cb, cookie, err);
}

static inline int mr_store_spool_purge(const struct mr_store *st, int64_t before,
				       int64_t *count_r, struct mr_error *err)
{
	if (!st->ops->spool)
		return mr_store_unsupported(st, MR_STORE_CAP_SPOOL, err);
	return st->ops->spool->spool_purge(st->state, before, count_r, err);
}


/* ---- contacts and groups */

static inline int mr_store_contact_upsert(const struct mr_store *st, const struct mr_contact *c,
					  int64_t *id_r, int *created_r, struct mr_error *err)
{
	if (!st->ops->contacts)
		return mr_store_unsupported(st, MR_STORE_CAP_CONTACTS, err);
	return st->ops->contacts->contact_upsert(st->state, c, id_r, created_r, err);
}

static inline int mr_store_contact_find(const struct mr_store *st, const char *email,
					mr_contact_cb *cb, void *cookie, struct mr_error *err)
{
	if (!st->ops->contacts)
		return mr_store_unsupported(st, MR_STORE_CAP_CONTACTS, err);
	return st->ops->contacts->contact_find(st->state, email, cb, cookie, err);
}

static inline int mr_store_contact_list(const struct mr_store *st, int64_t after_id,
					int64_t limit, mr_contact_cb *cb, void *cookie,
					struct mr_error *err)
{
	if (!st->ops->contacts)
		return mr_store_unsupported(st, MR_STORE_CAP_CONTACTS, err);
	return st->ops->contacts->contact_list(st->state, after_id, limit, cb, cookie, err);
}

static inline int mr_store_contact_set_flag(const struct mr_store *st, const char *email,
					    enum mr_contact_flag flag, int value,
					    struct mr_error *err)
{
	if (!st->ops->contacts)
		return mr_store_unsupported(st, MR_STORE_CAP_CONTACTS, err);
	return st->ops->contacts->contact_set_flag(st->state, email, flag, value, err);
}

static inline int mr_store_group_add(const struct mr_store *st, const char *name,
				     const char *title, int64_t *id_r, struct mr_error *err)
{
	if (!st->ops->contacts)
		return mr_store_unsupported(st, MR_STORE_CAP_CONTACTS, err);
	return st->ops->contacts->group_add(st->state, name, title, id_r, err);
}

static inline int mr_store_group_list(const struct mr_store *st, mr_group_cb *cb, void *cookie,
				      struct mr_error *err)
{
	if (!st->ops->contacts)
		return mr_store_unsupported(st, MR_STORE_CAP_CONTACTS, err);
	return st->ops->contacts->group_list(st->state, cb, cookie, err);
}

static inline int mr_store_group_member(const struct mr_store *st, const char *group,
					int64_t contact_id, int add, struct mr_error *err)
{
	if (!st->ops->contacts)
		return mr_store_unsupported(st, MR_STORE_CAP_CONTACTS, err);
	return st->ops->contacts->group_member(st->state, group, contact_id, add, err);
}

static inline int mr_store_group_members(const struct mr_store *st, const char *group,
					 mr_contact_cb *cb, void *cookie, struct mr_error *err)
{
	if (!st->ops->contacts)
		return mr_store_unsupported(st, MR_STORE_CAP_CONTACTS, err);
	return st->ops->contacts->group_members(st->state, group, cb, cookie, err);
}


static inline int mr_store_contact_delete(const struct mr_store *st, const char *email,
					  int64_t *id_r, struct mr_error *err)
{
	if (!st->ops->contacts)
		return mr_store_unsupported(st, MR_STORE_CAP_CONTACTS, err);
	return st->ops->contacts->contact_delete(st->state, email, id_r, err);
}

static inline int mr_store_contact_groups(const struct mr_store *st, int64_t contact_id,
					  mr_membership_cb *cb, void *cookie, struct mr_error *err)
{
	if (!st->ops->contacts)
		return mr_store_unsupported(st, MR_STORE_CAP_CONTACTS, err);
	return st->ops->contacts->contact_groups(st->state, contact_id, cb, cookie, err);
}

static inline int mr_store_contact_emails(const struct mr_store *st, int64_t contact_id,
					  mr_contact_email_cb *cb, void *cookie, struct mr_error *err)
{
	if (!st->ops->contacts)
		return mr_store_unsupported(st, MR_STORE_CAP_CONTACTS, err);
	return st->ops->contacts->contact_emails(st->state, contact_id, cb, cookie, err);
}

static inline int mr_store_contact_event_add(const struct mr_store *st,
					     const struct mr_contact_event *ev, struct mr_error *err)
{
	if (!st->ops->contacts)
		return mr_store_unsupported(st, MR_STORE_CAP_CONTACTS, err);
	return st->ops->contacts->contact_event_add(st->state, ev, err);
}

static inline int mr_store_contact_events(const struct mr_store *st, int64_t contact_id,
					  int64_t limit, mr_contact_event_cb *cb, void *cookie, struct mr_error *err)
{
	if (!st->ops->contacts)
		return mr_store_unsupported(st, MR_STORE_CAP_CONTACTS, err);
	return st->ops->contacts->contact_events(st->state, contact_id, limit, cb, cookie, err);
}

static inline int mr_store_group_delete(const struct mr_store *st, const char *name,
					struct mr_error *err)
{
	if (!st->ops->contacts)
		return mr_store_unsupported(st, MR_STORE_CAP_CONTACTS, err);
	return st->ops->contacts->group_delete(st->state, name, err);
}

static inline int mr_store_group_rename(const struct mr_store *st, const char *old_name,
					const char *new_name, struct mr_error *err)
{
	if (!st->ops->contacts)
		return mr_store_unsupported(st, MR_STORE_CAP_CONTACTS, err);
	return st->ops->contacts->group_rename(st->state, old_name, new_name, err);
}

static inline int mr_store_field_add(const struct mr_store *st, const struct mr_field *f,
                                     struct mr_error *err)
{
	if (!st->ops->contacts)
		return mr_store_unsupported(st, MR_STORE_CAP_CONTACTS, err);
	return st->ops->contacts->field_add(st->state, f, err);
}

static inline int mr_store_field_list(const struct mr_store *st, mr_field_cb *cb, void *cookie,
                                      struct mr_error *err)
{
	if (!st->ops->contacts)
		return mr_store_unsupported(st, MR_STORE_CAP_CONTACTS, err);
	return st->ops->contacts->field_list(st->state, cb, cookie, err);
}

static inline int mr_store_field_delete(const struct mr_store *st, const char *name,
                                        struct mr_error *err)
{
	if (!st->ops->contacts)
		return mr_store_unsupported(st, MR_STORE_CAP_CONTACTS, err);
	return st->ops->contacts->field_delete(st->state, name, err);
}

static inline int mr_store_contact_field_set(const struct mr_store *st, int64_t contact_id,
					     const char *name, const char *value,
					     struct mr_error *err)
{
	if (!st->ops->contacts)
		return mr_store_unsupported(st, MR_STORE_CAP_CONTACTS, err);
	return st->ops->contacts->contact_field_set(st->state, contact_id, name, value, err);
}

static inline int mr_store_contact_fields(const struct mr_store *st, int64_t contact_id,
					  mr_field_value_cb *cb, void *cookie,
					  struct mr_error *err)
{
	if (!st->ops->contacts)
		return mr_store_unsupported(st, MR_STORE_CAP_CONTACTS, err);
	return st->ops->contacts->contact_fields(st->state, contact_id, cb, cookie, err);
}

static inline int mr_store_group_set_where(const struct mr_store *st, const char *name,
					   const char *where, struct mr_error *err)
{
	if (!st->ops->contacts)
		return mr_store_unsupported(st, MR_STORE_CAP_CONTACTS, err);
	return st->ops->contacts->group_set_where(st->state, name, where, err);
}

static inline int mr_store_group_refresh(const struct mr_store *st, const char *name,
					 int64_t *count_r, struct mr_error *err)
{
	if (!st->ops->contacts)
		return mr_store_unsupported(st, MR_STORE_CAP_CONTACTS, err);
	return st->ops->contacts->group_refresh(st->state, name, count_r, err);
}

/* Whether the store's contacts sub-table has the double opt-in operations
 * (appended in ABI 1.0's contacts table after group_refresh). */
static inline int mr_store_has_optin(const struct mr_store *st)
{
	const struct mr_store_contacts_ops *c = st->ops->contacts;
	return c && c->size >= offsetof(struct mr_store_contacts_ops, optin_pending_list) +
		sizeof(c->optin_pending_list);
}

static inline int mr_store_optin_pending_add(const struct mr_store *st, const char *group,
					     int64_t contact_id, int64_t expires,
					     int64_t *group_id_r, int *member_r,
					     struct mr_error *err)
{
	if (!mr_store_has_optin(st))
		return mr_store_unsupported(st, MR_STORE_CAP_CONTACTS, err);
	return st->ops->contacts->optin_pending_add(st->state, group, contact_id, expires,
						    group_id_r, member_r, err);
}

static inline int mr_store_optin_confirm(const struct mr_store *st, int64_t group_id,
					 int64_t contact_id, int64_t now, int *already_r,
					 struct mr_error *err)
{
	if (!mr_store_has_optin(st))
		return mr_store_unsupported(st, MR_STORE_CAP_CONTACTS, err);
	return st->ops->contacts->optin_confirm(st->state, group_id, contact_id, now, already_r,
						err);
}

static inline int mr_store_optin_expire(const struct mr_store *st, int64_t now,
					int64_t *count_r, struct mr_error *err)
{
	if (!mr_store_has_optin(st))
		return mr_store_unsupported(st, MR_STORE_CAP_CONTACTS, err);
	return st->ops->contacts->optin_expire(st->state, now, count_r, err);
}

static inline int mr_store_optin_pending_list(const struct mr_store *st, int64_t contact_id,
					      int64_t now, mr_membership_cb *cb, void *cookie,
					      struct mr_error *err)
{
	if (!mr_store_has_optin(st))
		return mr_store_unsupported(st, MR_STORE_CAP_CONTACTS, err);
	return st->ops->contacts->optin_pending_list(st->state, contact_id, now, cb, cookie,
						     err);
}


/* ---- mailing queue */

static inline int mr_store_mailing_create(const struct mr_store *st, const struct mr_mailing *m,
					  int64_t *id_r, struct mr_error *err)
{
	if (!st->ops->queue)
		return mr_store_unsupported(st, MR_STORE_CAP_QUEUE, err);
	return st->ops->queue->mailing_create(st->state, m, id_r, err);
}

static inline int mr_store_mailing_get(const struct mr_store *st, int64_t id, mr_mailing_cb *cb,
				       void *cookie, struct mr_error *err)
{
	if (!st->ops->queue)
		return mr_store_unsupported(st, MR_STORE_CAP_QUEUE, err);
	return st->ops->queue->mailing_get(st->state, id, cb, cookie, err);
}

static inline int mr_store_mailing_list(const struct mr_store *st, mr_mailing_cb *cb,
					void *cookie, struct mr_error *err)
{
	if (!st->ops->queue)
		return mr_store_unsupported(st, MR_STORE_CAP_QUEUE, err);
	return st->ops->queue->mailing_list(st->state, cb, cookie, err);
}

static inline int mr_store_mailing_set_status(const struct mr_store *st, int64_t id,
					      enum mr_mailing_status status, int64_t when,
					      struct mr_error *err)
{
	if (!st->ops->queue)
		return mr_store_unsupported(st, MR_STORE_CAP_QUEUE, err);
	return st->ops->queue->mailing_set_status(st->state, id, status, when, err);
}

/* True when the store's queue sub-table has the slot at offset off (an op
 * appended after 1.0) and fills it. */
#define MR_STORE_QUEUE_HAS(st, slot)                                                        \
	((st)->ops->queue &&                                                                \
	 (st)->ops->queue->size >= offsetof(struct mr_store_queue_ops, slot) +              \
					   sizeof((st)->ops->queue->slot) &&                  \
	 (st)->ops->queue->slot)

static inline int mr_store_mailing_update(const struct mr_store *st, int64_t id,
					  const struct mr_mailing *m, struct mr_error *err)
{
	if (!MR_STORE_QUEUE_HAS(st, mailing_update))
		return mr_store_unsupported(st, MR_STORE_CAP_QUEUE, err);
	return st->ops->queue->mailing_update(st->state, id, m, err);
}

static inline int mr_store_mailing_delete(const struct mr_store *st, int64_t id,
					  struct mr_error *err)
{
	if (!MR_STORE_QUEUE_HAS(st, mailing_delete))
		return mr_store_unsupported(st, MR_STORE_CAP_QUEUE, err);
	return st->ops->queue->mailing_delete(st->state, id, err);
}

static inline int mr_store_mailing_tests(const struct mr_store *st, int64_t id, int64_t add,
					 int64_t *count_r, struct mr_error *err)
{
	if (!MR_STORE_QUEUE_HAS(st, mailing_tests))
		return mr_store_unsupported(st, MR_STORE_CAP_QUEUE, err);
	return st->ops->queue->mailing_tests(st->state, id, add, count_r, err);
}

/* True when name is a mailing setting name: 1 to 64 letters, digits, '_'. */
static inline int mr_store_setting_name_ok(const char *name)
{
	size_t n = 0;
	for (; name && name[n]; n++)
		if (!((name[n] >= 'a' && name[n] <= 'z') || (name[n] >= 'A' && name[n] <= 'Z') ||
		      (name[n] >= '0' && name[n] <= '9') || name[n] == '_'))
			return 0;
	return n >= 1 && n <= 64;
}

static inline int mr_store_mailing_setting_set(const struct mr_store *st, int64_t id,
					       const char *name, const char *value,
					       struct mr_error *err)
{
	if (!MR_STORE_QUEUE_HAS(st, mailing_setting_set))
		return mr_store_unsupported(st, MR_STORE_CAP_QUEUE, err);
	return st->ops->queue->mailing_setting_set(st->state, id, name, value, err);
}

static inline int mr_store_mailing_settings(const struct mr_store *st, int64_t id,
					    mr_mailing_setting_cb *cb, void *cookie,
					    struct mr_error *err)
{
	if (!MR_STORE_QUEUE_HAS(st, mailing_settings))
		return mr_store_unsupported(st, MR_STORE_CAP_QUEUE, err);
	return st->ops->queue->mailing_settings(st->state, id, cb, cookie, err);
}

static inline int mr_store_template_put(const struct mr_store *st, const struct mr_template *t,
					int *replaced_r, struct mr_error *err)
{
	if (!MR_STORE_QUEUE_HAS(st, template_put))
		return mr_store_unsupported(st, MR_STORE_CAP_QUEUE, err);
	return st->ops->queue->template_put(st->state, t, replaced_r, err);
}

static inline int mr_store_template_get(const struct mr_store *st, const char *name,
					mr_template_cb *cb, void *cookie, struct mr_error *err)
{
	if (!MR_STORE_QUEUE_HAS(st, template_get))
		return mr_store_unsupported(st, MR_STORE_CAP_QUEUE, err);
	return st->ops->queue->template_get(st->state, name, cb, cookie, err);
}

static inline int mr_store_template_delete(const struct mr_store *st, const char *name,
					   struct mr_error *err)
{
	if (!MR_STORE_QUEUE_HAS(st, template_delete))
		return mr_store_unsupported(st, MR_STORE_CAP_QUEUE, err);
	return st->ops->queue->template_delete(st->state, name, err);
}

/* True when name is a template name: 1 to 64 letters, digits, '_', '-', '.'. */
static inline int mr_store_template_name_ok(const char *name)
{
	size_t n = 0;
	for (; name && name[n]; n++)
		if (!((name[n] >= 'a' && name[n] <= 'z') || (name[n] >= 'A' && name[n] <= 'Z') ||
		      (name[n] >= '0' && name[n] <= '9') || name[n] == '_' || name[n] == '-' ||
		      name[n] == '.'))
			return 0;
	return n >= 1 && n <= 64;
}

static inline int mr_store_mailing_due(const struct mr_store *st, int64_t now, int64_t after_id,
				       int64_t *mailing_id_r, int64_t *job_id_r,
				       struct mr_error *err)
{
	if (!st->ops->queue)
		return mr_store_unsupported(st, MR_STORE_CAP_QUEUE, err);
	return st->ops->queue->mailing_due(st->state, now, after_id, mailing_id_r, job_id_r, err);
}

static inline int mr_store_queue_build(const struct mr_store *st, int64_t job_id,
				       int64_t job_size, int64_t *count_r, struct mr_error *err)
{
	if (!st->ops->queue)
		return mr_store_unsupported(st, MR_STORE_CAP_QUEUE, err);
	return st->ops->queue->queue_build(st->state, job_id, job_size, count_r, err);
}

static inline int mr_store_queue_recover(const struct mr_store *st, const char *owner,
					 int64_t now, int resend_in_doubt, int64_t *requeued_r,
					 int64_t *in_doubt_r, struct mr_error *err)
{
	if (!st->ops->queue)
		return mr_store_unsupported(st, MR_STORE_CAP_QUEUE, err);
	return st->ops->queue->queue_recover(st->state, owner, now, resend_in_doubt, requeued_r,
					     in_doubt_r, err);
}

static inline int mr_store_queue_claim(const struct mr_store *st, int64_t mailing_id,
				       const char *owner, int64_t now, int64_t lease_until,
				       size_t max, mr_recipient_cb *cb, void *cookie,
				       struct mr_error *err)
{
	if (!st->ops->queue)
		return mr_store_unsupported(st, MR_STORE_CAP_QUEUE, err);
	return st->ops->queue->queue_claim(st->state, mailing_id, owner, now, lease_until, max,
					   cb, cookie, err);
}

static inline int mr_store_queue_mark(const struct mr_store *st, const char *owner, int sending,
				      struct mr_error *err)
{
	if (!st->ops->queue)
		return mr_store_unsupported(st, MR_STORE_CAP_QUEUE, err);
	return st->ops->queue->queue_mark(st->state, owner, sending, err);
}

static inline int mr_store_queue_unstarted(const struct mr_store *st, const char *owner,
					   const int64_t *started, size_t n,
					   int64_t *requeued_r, struct mr_error *err)
{
	if (!st->ops->queue)
		return mr_store_unsupported(st, MR_STORE_CAP_QUEUE, err);
	return st->ops->queue->queue_unstarted(st->state, owner, started, n, requeued_r, err);
}

static inline int mr_store_queue_outcome(const struct mr_store *st,
					 const struct mr_queue_outcome *o, size_t n,
					 struct mr_error *err)
{
	if (!st->ops->queue)
		return mr_store_unsupported(st, MR_STORE_CAP_QUEUE, err);
	return st->ops->queue->queue_outcome(st->state, o, n, err);
}

static inline int mr_store_mailing_finish(const struct mr_store *st, int64_t mailing_id,
					  int64_t now, int *complete_r, struct mr_error *err)
{
	if (!st->ops->queue)
		return mr_store_unsupported(st, MR_STORE_CAP_QUEUE, err);
	return st->ops->queue->mailing_finish(st->state, mailing_id, now, complete_r, err);
}

static inline int mr_store_mailing_stats(const struct mr_store *st, int64_t mailing_id,
					 struct mr_mailing_stats *stats_r, struct mr_error *err)
{
	if (!st->ops->queue)
		return mr_store_unsupported(st, MR_STORE_CAP_QUEUE, err);
	return st->ops->queue->mailing_stats(st->state, mailing_id, stats_r, err);
}


/* ---- bounces */

static inline int mr_store_bounce_target(const struct mr_store *st, int64_t job_id,
					 int64_t queue_id, const char *email,
					 struct mr_bounce_target *t_r, struct mr_error *err)
{
	if (!st->ops->bounce)
		return mr_store_unsupported(st, MR_STORE_CAP_BOUNCE, err);
	return st->ops->bounce->bounce_target(st->state, job_id, queue_id, email, t_r, err);
}

static inline int mr_store_bounce_add(const struct mr_store *st,
				      const struct mr_bounce_event *ev,
				      struct mr_bounce_added *added_r, struct mr_error *err)
{
	if (!st->ops->bounce)
		return mr_store_unsupported(st, MR_STORE_CAP_BOUNCE, err);
	return st->ops->bounce->bounce_add(st->state, ev, added_r, err);
}

static inline int mr_store_verp_action(const struct mr_store *st, int64_t queue_id,
				       enum mr_verp_action action, int64_t when,
				       const char *details, int64_t *changed_r,
				       struct mr_error *err)
{
	if (!st->ops->bounce)
		return mr_store_unsupported(st, MR_STORE_CAP_BOUNCE, err);
	return st->ops->bounce->verp_action(st->state, queue_id, action, when, details, changed_r, err);
}

static inline int mr_store_holds_reset(const struct mr_store *st, int64_t now,
				       int64_t clean_for, int64_t *released_r,
				       struct mr_error *err)
{
	if (!st->ops->bounce)
		return mr_store_unsupported(st, MR_STORE_CAP_BOUNCE, err);
	return st->ops->bounce->holds_reset(st->state, now, clean_for, released_r, err);
}

#define MR_STORE_BOUNCE_HAS(st, slot)                                                       \
	((st)->ops->bounce &&                                                               \
	 (st)->ops->bounce->size >= offsetof(struct mr_store_bounce_ops, slot) +            \
					    sizeof((st)->ops->bounce->slot) &&                 \
	 (st)->ops->bounce->slot)

static inline int mr_store_auto_reply_due(const struct mr_store *st, const char *email,
					  int64_t now, int64_t period, int *due_r,
					  struct mr_error *err)
{
	if (!MR_STORE_BOUNCE_HAS(st, auto_reply_due))
		return mr_store_unsupported(st, MR_STORE_CAP_BOUNCE, err);
	return st->ops->bounce->auto_reply_due(st->state, email, now, period, due_r, err);
}

static inline int mr_store_bounce_stats(const struct mr_store *st, mr_bounce_stat_cb *cb,
					void *cookie, struct mr_bounce_totals *totals_r,
					struct mr_error *err)
{
	if (!st->ops->bounce)
		return mr_store_unsupported(st, MR_STORE_CAP_BOUNCE, err);
	return st->ops->bounce->bounce_stats(st->state, cb, cookie, totals_r, err);
}


/* ---- activities */

static inline int mr_store_activity_contact(const struct mr_store *st, const char *email,
					    const char *name, int create, int64_t *id_r,
					    int *created_r, struct mr_error *err)
{
	if (!st->ops->activity)
		return mr_store_unsupported(st, MR_STORE_CAP_ACTIVITY, err);
	return st->ops->activity->activity_contact(st->state, email, name, create, id_r, created_r, err);
}

static inline int mr_store_activity_add(const struct mr_store *st,
					const struct mr_activity_rec *a, int64_t *id_r,
					int *existing_r, struct mr_error *err)
{
	if (!st->ops->activity)
		return mr_store_unsupported(st, MR_STORE_CAP_ACTIVITY, err);
	return st->ops->activity->activity_add(st->state, a, id_r, existing_r, err);
}

static inline int mr_store_activity_list(const struct mr_store *st,
					 const struct mr_activity_filter *f,
					 mr_activity_rec_cb *cb, void *cookie,
					 struct mr_error *err)
{
	if (!st->ops->activity)
		return mr_store_unsupported(st, MR_STORE_CAP_ACTIVITY, err);
	return st->ops->activity->activity_list(st->state, f, cb, cookie, err);
}

static inline int mr_store_activity_get(const struct mr_store *st, int64_t id,
					mr_activity_rec_cb *cb, void *cookie,
					struct mr_error *err)
{
	if (!st->ops->activity)
		return mr_store_unsupported(st, MR_STORE_CAP_ACTIVITY, err);
	return st->ops->activity->activity_get(st->state, id, cb, cookie, err);
}

static inline int mr_store_activity_attachment(const struct mr_store *st, int64_t id, size_t n,
					       mr_activity_file_cb *cb, void *cookie,
					       struct mr_error *err)
{
	if (!st->ops->activity)
		return mr_store_unsupported(st, MR_STORE_CAP_ACTIVITY, err);
	return st->ops->activity->activity_attachment(st->state, id, n, cb, cookie, err);
}


/* ---- shared locks
 *
 * Job locks, worker slots and lock groups that hold across hosts: a store
 * that several hosts share has them so that `mailroom cron` on each host
 * runs a due job once.  A lock is a name with an owner ("HOST:PID") and an
 * expiry measured by the store's own clock (not the hosts'); the store
 * renews the expiry of the locks an instance holds while that instance
 * lives (a heartbeat), so a process or host that dies loses its locks when
 * the lease it was given runs out.  Taking a lock whose expiry has passed
 * takes it over.  A store without the sub-table leaves locks to the core
 * (flock in lock_dir, one host).
 */
struct mr_store_lock_info {
	const char *name;
	const char *owner;   /* "HOST:PID" */
	int64_t acquired;    /* unix time, store's clock */
	int64_t expires;     /* unix time, store's clock */
	int held;            /* 1: expires is not past by the store's clock */
};
typedef int mr_store_lock_cb(void *cookie, const struct mr_store_lock_info *l);

struct mr_store_lock_ops {
	size_t size;
	/* takes lock name for owner for lease seconds (renewed by the store
	 * while this instance lives, until lock_release): 0, or MR_ETEMP
	 * when another owner holds it and its expiry has not passed (err
	 * names the holder and the expiry), or another status. */
	int (*lock_try)(void *state, const char *name, const char *owner, int64_t lease,
			struct mr_error *err);
	/* gives lock name back if owner holds it (not an error otherwise). */
	int (*lock_release)(void *state, const char *name, const char *owner,
			    struct mr_error *err);
	/* every lock row, held or expired, by name (prefix NULL: all; else
	 * the names starting with prefix). */
	int (*lock_list)(void *state, const char *prefix, mr_store_lock_cb *cb, void *cookie,
			 struct mr_error *err);
};

static inline int mr_store_lock_try(const struct mr_store *st, const char *name,
				    const char *owner, int64_t lease, struct mr_error *err)
{
	if (!mr_store_has(st, MR_STORE_CAP_LOCK))
		return mr_store_unsupported(st, MR_STORE_CAP_LOCK, err);
	return st->ops->lock->lock_try(st->state, name, owner, lease, err);
}

static inline int mr_store_lock_release(const struct mr_store *st, const char *name,
					const char *owner, struct mr_error *err)
{
	if (!mr_store_has(st, MR_STORE_CAP_LOCK))
		return mr_store_unsupported(st, MR_STORE_CAP_LOCK, err);
	return st->ops->lock->lock_release(st->state, name, owner, err);
}

static inline int mr_store_lock_list(const struct mr_store *st, const char *prefix,
				     mr_store_lock_cb *cb, void *cookie, struct mr_error *err)
{
	if (!mr_store_has(st, MR_STORE_CAP_LOCK))
		return mr_store_unsupported(st, MR_STORE_CAP_LOCK, err);
	return st->ops->lock->lock_list(st->state, prefix, cb, cookie, err);
}

/* ---- tracking wrappers */
static inline int mr_store_track_set(const struct mr_store *st, int64_t mailing_id,
				     unsigned flags, struct mr_error *err)
{
	const struct mr_store_tracking_ops *t = mr_store_tracking_of(st->ops);
	if (!t)
		return mr_store_unsupported(st, MR_STORE_CAP_TRACKING, err);
	return t->track_set(st->state, mailing_id, flags, err);
}

static inline int mr_store_track_get(const struct mr_store *st, int64_t mailing_id,
				     unsigned *flags_r, struct mr_error *err)
{
	const struct mr_store_tracking_ops *t = mr_store_tracking_of(st->ops);
	if (!t)
		return mr_store_unsupported(st, MR_STORE_CAP_TRACKING, err);
	return t->track_get(st->state, mailing_id, flags_r, err);
}

static inline int mr_store_track_record(const struct mr_store *st,
					const struct mr_track_hit *hits, size_t n,
					size_t hit_size, int64_t *recorded_r,
					struct mr_error *err)
{
	const struct mr_store_tracking_ops *t = mr_store_tracking_of(st->ops);
	if (!t)
		return mr_store_unsupported(st, MR_STORE_CAP_TRACKING, err);
	return t->track_record(st->state, hits, n, hit_size, recorded_r, err);
}

static inline int mr_store_track_stats(const struct mr_store *st, int64_t mailing_id,
				       mr_track_stat_cb *cb, void *cookie, struct mr_error *err)
{
	const struct mr_store_tracking_ops *t = mr_store_tracking_of(st->ops);
	if (!t)
		return mr_store_unsupported(st, MR_STORE_CAP_TRACKING, err);
	return t->track_stats(st->state, mailing_id, cb, cookie, err);
}

static inline int mr_store_track_events(const struct mr_store *st, int64_t mailing_id,
					int64_t bucket, mr_track_event_cb *cb, void *cookie,
					struct mr_error *err)
{
	const struct mr_store_tracking_ops *t = mr_store_tracking_of(st->ops);
	if (!t)
		return mr_store_unsupported(st, MR_STORE_CAP_TRACKING, err);
	return t->track_events(st->state, mailing_id, bucket, cb, cookie, err);
}

#endif
