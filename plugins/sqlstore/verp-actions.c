/* SPDX-License-Identifier: MIT */
/* The SQL stores' VERP actions and hold releases: reply, unsubscribe, opt-out, resubscribe and complaint events applied to groups and contacts; bounce holds released after clean deliveries; auto-replies to replies counted out per period. */
#include "config.h"
#include <string.h>
#include "db.h"

static const char row_sql[] =
	"SELECT r.contact_id, j.mailing_id FROM mailing_recipients r "
	"JOIN mailing_jobs j ON j.id = r.job_id WHERE r.id = ?1";
static const char event_sql[] =
	"INSERT INTO events(queue_id, event_type, time, details) "
	"VALUES(?1, ?2, ?3, json_object('via', ?4, 'details', ?5))";
static const char unsub_sql[] =
	"UPDATE group_contact SET status = 'Removed' WHERE contact_id = ?1 AND status = 'Added' "
	"AND group_id IN (SELECT group_id FROM mailing_groups WHERE mailing_id = ?2 "
	"AND group_type = 'include')";
static const char optout_sql[] =
	"UPDATE contacts SET is_opt_out = ?2, modified = ?3 WHERE id = ?1 AND is_opt_out <> ?2";
static const char resub_sql[] =
	DB_INSERT_IGNORE " INTO group_contact(group_id, contact_id, status) "
	"SELECT group_id, ?1, 'Added' FROM mailing_groups WHERE mailing_id = ?2 "
	"AND group_type = 'include'";
/* resub_sql adds missing memberships; this one turns Removed ones back */
static const char resub_removed_sql[] =
	"UPDATE group_contact SET status = 'Added' WHERE contact_id = ?1 AND status <> 'Added' "
	"AND group_id IN (SELECT group_id FROM mailing_groups WHERE mailing_id = ?2 "
	"AND group_type = 'include')";

/* Runs st (already bound) to its end; adds its changes to *changed. */
static int run_changes(struct db_state *s, db_stmt *st, int64_t *changed, const char *what,
		       struct mr_error *err)
{
	int src = db_step(st);
	db_ad_hoc_done(s, st);
	if (src != DB_DONE)
		return db_fail(s, src, what, err);
	*changed += db_changes(s);
	return 0;
}

static int opt_out(struct db_state *s, int64_t contact, int value, int64_t when,
		   int64_t *changed, struct mr_error *err)
{
	db_stmt *st;
	int rc = db_prepare_ad_hoc(s, optout_sql, &st, err);
	if (rc)
		return rc;
	db_bind_int64(st, 1, contact);
	db_bind_int64(st, 2, value);
	db_bind_int64(st, 3, when);
	return run_changes(s, st, changed, "setting a contact's opt-out", err);
}

static int groups(struct db_state *s, const char *sql, int64_t contact, int64_t mailing,
		  int64_t *changed, struct mr_error *err)
{
	db_stmt *st;
	int rc = db_prepare_ad_hoc(s, sql, &st, err);
	if (rc)
		return rc;
	db_bind_int64(st, 1, contact);
	db_bind_int64(st, 2, mailing);
	return run_changes(s, st, changed, "changing a contact's groups", err);
}

static int apply(struct db_state *s, int64_t queue_id, enum mr_verp_action action, int64_t when,
		 const char *details, int64_t *changed, struct mr_error *err)
{
	db_stmt *st;
	int rc = db_prepare_ad_hoc(s, row_sql, &st, err);
	if (rc)
		return rc;
	db_bind_int64(st, 1, queue_id);
	int src = db_step(st);
	int64_t contact = 0, mailing = 0;
	if (src == DB_ROW) {
		contact = db_col_int64(st, 0);
		mailing = db_col_int64(st, 1);
	}
	db_ad_hoc_done(s, st);
	if (src == DB_DONE)
		return s->core->error_set(err, MR_ENOTFOUND, "verp_action: no queue row %lld in %s",
					  (long long)queue_id, db_where(s));
	if (src != DB_ROW)
		return db_fail(s, src, "looking up a queue row", err);
	const char *type = "reply", *via = "verp";
	switch (action) {
	case MR_ACTION_REPLY: type = "reply"; break;
	case MR_ACTION_UNSUBSCRIBE: type = "unsubscribe"; break;
	case MR_ACTION_OPTOUT: type = "opt-out"; break;
	case MR_ACTION_RESUBSCRIBE: type = "resubscribe"; break;
	case MR_ACTION_COMPLAINT: type = "opt-out"; via = "complaint"; break;
	default:
		return s->core->error_set(err, MR_EINPUT, "verp_action: unknown action %d",
					  (int)action);
	}
	/* the channel: actions taken through mailroom serve say "web: ..." */
	if (via[0] == 'v' && details && strncmp(details, "web:", 4) == 0)
		via = "web";
	if ((rc = db_prepare_ad_hoc(s, event_sql, &st, err)) != 0)
		return rc;
	db_bind_int64(st, 1, queue_id);
	db_text_or_null(st, 2, type);
	db_bind_int64(st, 3, when);
	db_text_or_null(st, 4, via);
	db_text_or_null(st, 5, details);
	int64_t ignored = 0;
	if ((rc = run_changes(s, st, &ignored, "recording an event", err)) != 0)
		return rc;
	switch (action) {
	case MR_ACTION_UNSUBSCRIBE:
		return groups(s, unsub_sql, contact, mailing, changed, err);
	case MR_ACTION_OPTOUT:
	case MR_ACTION_COMPLAINT:
		return opt_out(s, contact, 1, when, changed, err);
	case MR_ACTION_RESUBSCRIBE:
		if ((rc = groups(s, resub_removed_sql, contact, mailing, changed, err)) != 0 ||
		    (rc = groups(s, resub_sql, contact, mailing, changed, err)) != 0)
			return rc;
		return opt_out(s, contact, 0, when, changed, err);
	default:
		return 0;
	}
}

int sql_verp_action(void *state, int64_t queue_id, enum mr_verp_action action, int64_t when,
		   const char *details, int64_t *changed_r, struct mr_error *err)
{
	struct db_state *s = state;
	int64_t changed = 0;
	int rc = db_unit_begin(s, err);
	if (rc)
		return rc;
	rc = apply(s, queue_id, action, when, details, &changed, err);
	rc = db_unit_end(s, rc, err);
	if (rc == 0 && changed_r)
		*changed_r = changed;
	return rc;
}

/* ---- holds_reset */

static const char reset_sql[] =
	"UPDATE emails SET on_hold = 0, reset_date = ?1 WHERE on_hold = 1 AND id IN ("
	" SELECT e.id FROM emails e WHERE e.on_hold = 1"
	" AND NOT EXISTS (SELECT 1 FROM mailing_recipients r CROSS JOIN events ev"
	"  " DB_INDEXED("events_queue") " ON ev.queue_id = r.id"
	"  WHERE r.email_id = e.id AND ev.event_type = 'bounce' AND ev.time > ?2)"
	" AND EXISTS (SELECT 1 FROM mailing_recipients r"
	"  WHERE r.email_id = e.id AND r.sent_at > coalesce("
	"   (SELECT max(b.time) FROM mailing_recipients br CROSS JOIN events b"
	"    " DB_INDEXED("events_queue") " ON b.queue_id = br.id"
	"    WHERE br.email_id = e.id AND b.event_type = 'bounce'), e.hold_date, 0)))";

int sql_holds_reset(void *state, int64_t now, int64_t clean_for, int64_t *released_r,
		   struct mr_error *err)
{
	struct db_state *s = state;
	db_stmt *st;
	int rc = db_prepare_ad_hoc(s, reset_sql, &st, err);
	if (rc)
		return rc;
	db_bind_int64(st, 1, now);
	db_bind_int64(st, 2, now - clean_for);
	int64_t changed = 0;
	rc = run_changes(s, st, &changed, "releasing bounce holds", err);
	if (rc == 0 && released_r)
		*released_r = changed;
	return rc;
}

/* ---- auto_reply_due: a new address, else one whose last auto-reply is old
 * enough (a second run waits for the first's write, then sees the new time;
 * an UPDATE counts the rows it matched) */

static const char auto_reply_new_sql[] =
	DB_INSERT_IGNORE " INTO auto_replies(email, sent_at) VALUES(lower(?1), ?2)";
static const char auto_reply_old_sql[] =
	"UPDATE auto_replies SET sent_at = ?2 WHERE email = lower(?1) AND sent_at <= ?3";

int sql_auto_reply_due(void *state, const char *email, int64_t now, int64_t period, int *due_r,
		      struct mr_error *err)
{
	struct db_state *s = state;
	*due_r = 0;
	if (!email || !*email || period < 0)
		return s->core->error_set(err, MR_EINPUT, "an auto-reply needs an address and a "
					  "period of 0 or more seconds");
	db_stmt *st;
	int64_t changed = 0;
	int rc = db_prepare_ad_hoc(s, auto_reply_new_sql, &st, err);
	if (rc)
		return rc;
	db_bind_str(st, 1, email);
	db_bind_int64(st, 2, now);
	if ((rc = run_changes(s, st, &changed, "recording an auto-reply", err)) != 0 || changed)
		goto out;
	if ((rc = db_prepare_ad_hoc(s, auto_reply_old_sql, &st, err)) != 0)
		return rc;
	db_bind_str(st, 1, email);
	db_bind_int64(st, 2, now);
	db_bind_int64(st, 3, now - period);
	rc = run_changes(s, st, &changed, "recording an auto-reply", err);
out:
	if (rc == 0)
		*due_r = changed > 0;
	return rc;
}
