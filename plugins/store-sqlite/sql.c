/* SPDX-License-Identifier: MIT */
/* The SQLite store's statements: their text, the prepare-once cache, binding helpers, error mapping and units of several statements. */
#include "config.h"
#include <errno.h>
#include <string.h>
#include "store-sqlite.h"

/* Every statement text; data only ever reaches SQLite through bindings. */
static const char *const sql_text[SQ_N_STMTS] = {
	[SQ_SPOOL_ADD] = "INSERT INTO mail_spool(job_id, sender, recipient, subject, headers, body, "
			 "added) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	[SQ_SPOOL_LIST] = "SELECT id, added, job_id, sender, recipient, subject, headers, body "
			  "FROM mail_spool ORDER BY added DESC, id DESC LIMIT ?1",
	[SQ_SPOOL_GET] = "SELECT id, added, job_id, sender, recipient, subject, headers, body "
			 "FROM mail_spool WHERE id = ?1",
	[SQ_SPOOL_PURGE] = "DELETE FROM mail_spool WHERE added < ?1",
	[SQ_JOB_LOG_ADD] = "INSERT INTO job_log(job, worker, pid, started, outcome) "
			   "VALUES(?1, ?2, ?3, ?4, 0)",
	[SQ_JOB_STATE_START] = "INSERT INTO job_state(job, last_start) VALUES(?1, ?2) "
			       "ON CONFLICT(job) DO UPDATE SET last_start = excluded.last_start",
	[SQ_JOB_LOG_END] = "UPDATE job_log SET ended = ?2, outcome = ?3, message = ?4, data = ?5 "
			   "WHERE id = ?1",
	[SQ_JOB_LOG_JOB] = "SELECT job FROM job_log WHERE id = ?1",
	[SQ_JOB_STATE_END] = "INSERT INTO job_state(job, last_end, last_outcome) VALUES(?1, ?2, ?3) "
			     "ON CONFLICT(job) DO UPDATE SET last_end = excluded.last_end, "
			     "last_outcome = excluded.last_outcome",
	[SQ_JOB_LOG_LIST_ALL] = "SELECT id, job, worker, pid, started, ended, outcome, message, data, "
				"h.host FROM job_log LEFT JOIN mr_job_host h ON h.run_id = job_log.id "
				"ORDER BY id DESC LIMIT ?1",
	[SQ_JOB_LOG_LIST_JOB] = "SELECT id, job, worker, pid, started, ended, outcome, message, data, "
				"h.host FROM job_log LEFT JOIN mr_job_host h ON h.run_id = job_log.id "
				"WHERE job = ?2 ORDER BY id DESC LIMIT ?1",
	[SQ_JOB_HOST_ADD] = "INSERT OR REPLACE INTO mr_job_host(run_id, host) VALUES(?1, ?2)",
	[SQ_JOB_LOG_PURGE] = "DELETE FROM job_log WHERE started < ?1 AND outcome <> 0",
	[SQ_MSG_SEEN] = "SELECT 1 FROM fetched_messages WHERE account = ?1 AND msg_key = ?2",
	[SQ_MSG_MARK] = "INSERT INTO fetched_messages(account, msg_key, outcome, processed_at) "
			"VALUES(?1, ?2, ?3, ?4) ON CONFLICT(account, msg_key) DO UPDATE SET "
			"outcome = excluded.outcome, processed_at = excluded.processed_at",
	[SQ_MSG_PURGE] = "DELETE FROM fetched_messages WHERE processed_at < ?1",
	[SQ_MSG_OUTCOME] = "SELECT outcome FROM fetched_messages WHERE account = ?1 AND msg_key = ?2",
	[SQ_USER_PUT] = "INSERT INTO users(name, pwhash, perms, created) VALUES(?1, ?2, ?3, ?4) "
			"ON CONFLICT(name) DO UPDATE SET pwhash = excluded.pwhash, "
			"perms = excluded.perms, created = excluded.created",
	[SQ_USER_GET] = "SELECT name, pwhash, perms, created FROM users WHERE name = ?1",
	[SQ_USER_LIST] = "SELECT name, pwhash, perms, created FROM users ORDER BY name",
	[SQ_USER_DELETE] = "DELETE FROM users WHERE name = ?1",
	/* contacts and groups */
	[SQ_CONTACT_FIND] = "SELECT c.id, c.contact_type, c.first_name, c.last_name, c.display_name, e.email, e.on_hold, c.do_not_email, c.is_opt_out, c.created, c.modified "
			    "FROM emails e JOIN contacts c ON c.id = e.contact_id "
			    "WHERE lower(e.email) = lower(?1) AND c.is_deleted = 0 "
			    "ORDER BY e.is_primary DESC, e.id LIMIT 1",
	[SQ_CONTACT_INSERT] = "INSERT INTO contacts(contact_type, first_name, last_name, display_name, "
			      "created, modified) VALUES(coalesce(?1, 'Individual'), ?2, ?3, ?4, ?5, ?5)",
	[SQ_EMAIL_INSERT] = "INSERT INTO emails(contact_id, email, is_primary) VALUES(?1, ?2, 1)",
	[SQ_CONTACT_UPDATE] = "UPDATE contacts SET contact_type = coalesce(?2, contact_type), "
			      "first_name = coalesce(?3, first_name), last_name = coalesce(?4, last_name), "
			      "display_name = coalesce(?5, display_name), modified = ?6 WHERE id = ?1",
	[SQ_CONTACT_LIST] = "SELECT c.id, c.contact_type, c.first_name, c.last_name, c.display_name, e.email, e.on_hold, c.do_not_email, c.is_opt_out, c.created, c.modified "
			    "FROM contacts c LEFT JOIN emails e ON e.contact_id = c.id AND e.is_primary = 1 "
			    "WHERE c.id > ?1 AND c.is_deleted = 0 ORDER BY c.id LIMIT ?2",
	[SQ_SET_HOLD] = "UPDATE emails SET on_hold = ?2, "
			"hold_date = CASE WHEN ?2 > 0 THEN ?3 ELSE hold_date END, "
			"reset_date = CASE WHEN ?2 = 0 THEN ?3 ELSE reset_date END "
			"WHERE lower(email) = lower(?1)",
	[SQ_SET_OPTOUT] = "UPDATE contacts SET is_opt_out = ?2, modified = ?3 WHERE id IN "
			  "(SELECT contact_id FROM emails WHERE lower(email) = lower(?1))",
	[SQ_SET_DNE] = "UPDATE contacts SET do_not_email = ?2, modified = ?3 WHERE id IN "
		       "(SELECT contact_id FROM emails WHERE lower(email) = lower(?1))",
	[SQ_GROUP_ADD] = "INSERT INTO contact_groups(name, title, created) VALUES(?1, ?2, ?3) "
			 "ON CONFLICT(name) DO NOTHING",
	[SQ_GROUP_ID] = "SELECT id FROM contact_groups WHERE name = ?1",
	[SQ_GROUP_LIST] = "SELECT g.id, g.name, g.title, g.created, (SELECT count(*) FROM group_contact gc "
			  "JOIN contacts c ON c.id = gc.contact_id WHERE gc.group_id = g.id "
			  "AND gc.status = 'Added' AND c.is_deleted = 0) FROM contact_groups g "
			  "ORDER BY g.name",
	[SQ_GROUP_JOIN] = "INSERT INTO group_contact(group_id, contact_id, status, added_date) "
			  "VALUES(?1, ?2, 'Added', ?3) ON CONFLICT(group_id, contact_id) DO UPDATE SET "
			  "added_date = CASE WHEN status = 'Added' THEN added_date ELSE ?3 END, "
			  "status = 'Added'",
	[SQ_GROUP_LEAVE] = "UPDATE group_contact SET status = 'Removed', removed_date = ?3 "
			   "WHERE group_id = ?1 AND contact_id = ?2 AND status = 'Added'",
	[SQ_GROUP_MEMBERS] = "SELECT c.id, c.contact_type, c.first_name, c.last_name, c.display_name, e.email, e.on_hold, c.do_not_email, c.is_opt_out, c.created, c.modified "
			     "FROM group_contact gc JOIN contacts c ON c.id = gc.contact_id "
			     "LEFT JOIN emails e ON e.contact_id = c.id AND e.is_primary = 1 "
			     "WHERE gc.group_id = ?1 AND gc.status = 'Added' AND c.is_deleted = 0 "
			     "ORDER BY c.id",
	[SQ_CONTACT_DELETE] = "UPDATE contacts SET is_deleted = 1, modified = ?2 WHERE id = ?1",
	[SQ_CONTACT_GROUPS] = "SELECT g.name, g.title, gc.status, gc.added_date, gc.removed_date "
			      "FROM group_contact gc JOIN contact_groups g ON g.id = gc.group_id "
			      "WHERE gc.contact_id = ?1 ORDER BY g.name",
	[SQ_CONTACT_EMAILS] = "SELECT email, is_primary, on_hold, hold_date, reset_date FROM emails "
			      "WHERE contact_id = ?1 ORDER BY is_primary DESC, id",
	[SQ_CONTACT_EVENT_ADD] = "INSERT INTO contact_events(contact_id, time, who, action, details) "
				 "VALUES(?1, ?2, ?3, ?4, ?5)",
	[SQ_CONTACT_EVENTS] = "SELECT time, who, action, details FROM ("
			      "SELECT id AS seq, time, who, action, coalesce(details, '') AS details "
			      "FROM contact_events WHERE contact_id = ?1 UNION ALL "
			      "SELECT ev.id, ev.time, 'mailing ' || j.mailing_id, ev.event_type, "
			      "coalesce(ev.bounce_reason, ev.details, '') FROM mailing_recipients r "
			      "JOIN events ev ON ev.queue_id = r.id "
			      "JOIN mailing_jobs j ON j.id = r.job_id WHERE r.contact_id = ?1 UNION ALL "
			      "SELECT r.id, r.sent_at, 'mailing ' || j.mailing_id, 'delivered', '' "
			      "FROM mailing_recipients r JOIN mailing_jobs j ON j.id = r.job_id "
			      "WHERE r.contact_id = ?1 AND r.sent_at IS NOT NULL) AS x "
			      "ORDER BY time DESC, seq DESC LIMIT ?2",
	[SQ_GROUP_IN_USE] = "SELECT count(*) FROM mailing_groups mg JOIN mailings m "
			    "ON m.id = mg.mailing_id WHERE mg.group_id = ?1 "
			    "AND m.status NOT IN ('complete', 'canceled')",
	[SQ_GROUP_DELETE] = "DELETE FROM contact_groups WHERE id = ?1",
	[SQ_GROUP_RENAME] = "UPDATE contact_groups SET name = ?2, "
			    "title = CASE WHEN title = name THEN ?2 ELSE title END WHERE id = ?1",
	[SQ_FIELD_ADD] = "INSERT INTO custom_fields(name, type, choices, created) VALUES(?1, ?2, ?3, ?4)",
	[SQ_FIELD_GET] = "SELECT id, builtin FROM custom_fields WHERE name = ?1",
	[SQ_FIELD_LIST] = "SELECT name, type, coalesce(choices, ''), builtin, created FROM custom_fields "
			  "ORDER BY name",
	[SQ_FIELD_DELETE] = "DELETE FROM custom_fields WHERE id = ?1",
	[SQ_VALUE_SET] = "INSERT INTO contact_values(contact_id, field_id, value) VALUES(?1, ?2, ?3) "
			 "ON CONFLICT(contact_id, field_id) DO UPDATE SET value = excluded.value",
	[SQ_VALUE_CLEAR] = "DELETE FROM contact_values WHERE contact_id = ?1 AND field_id = ?2",
	[SQ_CONTACT_FIELDS] = "SELECT f.name, v.value FROM contact_values v JOIN custom_fields f "
			      "ON f.id = v.field_id WHERE v.contact_id = ?1 ORDER BY f.name",
	/* mailings */
	[SQ_MAILING_INSERT] = "INSERT INTO mailings(name, subject, from_name, from_email, reply_to, "
			      "body_text, body_html, status, scheduled_at, created) "
			      "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
	[SQ_MAILING_GROUP] = "INSERT INTO mailing_groups(mailing_id, group_id, group_type) "
			     "VALUES(?1, ?2, ?3) ON CONFLICT(mailing_id, group_id) DO UPDATE SET "
			     "group_type = excluded.group_type",
	[SQ_MAILING_ATTACH] = "INSERT INTO mailing_attachments(mailing_id, filename, content_type, "
			      "size, content) VALUES(?1, ?2, ?3, ?4, ?5)",
	[SQ_MAILING_GET] = "SELECT id, name, subject, from_name, from_email, reply_to, body_text, "
			   "body_html, status, scheduled_at, created FROM mailings WHERE id = ?1",
	[SQ_MAILING_LIST] = "SELECT id, name, subject, from_name, from_email, reply_to, NULL, NULL, "
			    "status, scheduled_at, created FROM mailings ORDER BY id",
	[SQ_MAILING_GROUPS] = "SELECT g.name, mg.group_type FROM mailing_groups mg "
			      "JOIN contact_groups g ON g.id = mg.group_id WHERE mg.mailing_id = ?1 "
			      "ORDER BY mg.id",
	[SQ_MAILING_ATTACHMENTS] = "SELECT filename, content_type, content FROM mailing_attachments "
				   "WHERE mailing_id = ?1 ORDER BY id",
	[SQ_MAILING_STATUS_GET] = "SELECT status FROM mailings WHERE id = ?1",
	[SQ_MAILING_STATUS_SET] = "UPDATE mailings SET status = ?2, "
				  "scheduled_at = coalesce(?3, scheduled_at) WHERE id = ?1",
	[SQ_MJOB_PARENT] = "SELECT id, status FROM mailing_jobs WHERE mailing_id = ?1 "
			   "AND job_type = 'parent' ORDER BY id LIMIT 1",
	[SQ_MJOB_INSERT] = "INSERT INTO mailing_jobs(mailing_id, parent_id, job_type, status, "
			   "scheduled_at, start_date) VALUES(?1, ?2, ?3, ?4, ?5, ?6)",
	[SQ_MJOBS_STATUS] = "UPDATE mailing_jobs SET status = ?2, "
			    "start_date = CASE WHEN ?2 = 'running' THEN coalesce(start_date, ?3) "
			    "ELSE start_date END, "
			    "end_date = CASE WHEN ?2 IN ('complete', 'canceled') THEN ?3 ELSE end_date END, "
			    "scheduled_at = CASE WHEN ?2 = 'scheduled' THEN ?3 ELSE scheduled_at END "
			    "WHERE mailing_id = ?1 AND status NOT IN ('complete', 'canceled')",
	[SQ_MAILING_DUE] = "SELECT m.id, j.id FROM mailings m JOIN mailing_jobs j ON j.mailing_id = m.id "
			   "AND j.job_type = 'parent' WHERE m.id > ?2 AND ((m.status = 'scheduled' "
			   "AND m.scheduled_at <= ?1) OR m.status = 'running') ORDER BY m.id LIMIT 1",
	/* the recipient queue */
	[SQ_QUEUE_CANCEL] = "UPDATE mailing_recipients SET state = 'canceled', lease_owner = NULL, "
			    "lease_expires = NULL WHERE state IN ('queued', 'retry', 'leased') "
			    "AND job_id IN (SELECT id FROM mailing_jobs WHERE mailing_id = ?1)",
	[SQ_MJOB_GET] = "SELECT mailing_id, status, job_type FROM mailing_jobs WHERE id = ?1",
	[SQ_QUEUE_BUILD] =
		"INSERT INTO mailing_recipients(job_id, contact_id, email_id, email) "
		"SELECT ?1, contact_id, eid, email FROM ("
		" SELECT min(e.id) AS eid, e.contact_id AS contact_id, e.email AS email "
		" FROM emails e JOIN contacts c ON c.id = e.contact_id "
		" WHERE e.is_primary = 1 AND e.on_hold = 0 AND c.do_not_email = 0 "
		"  AND c.is_opt_out = 0 AND c.is_deleted = 0 "
		"  AND e.contact_id IN (SELECT gc.contact_id FROM mailing_groups mg "
		"   JOIN group_contact gc ON gc.group_id = mg.group_id AND gc.status = 'Added' "
		"   WHERE mg.mailing_id = ?2 AND mg.group_type = 'include') "
		"  AND e.contact_id NOT IN (SELECT gc.contact_id FROM mailing_groups mg "
		"   JOIN group_contact gc ON gc.group_id = mg.group_id AND gc.status = 'Added' "
		"   WHERE mg.mailing_id = ?2 AND mg.group_type = 'exclude') "
		"  AND NOT EXISTS (SELECT 1 FROM emails h WHERE lower(h.email) = lower(e.email) "
		"   AND h.on_hold > 0) "
		" GROUP BY substr(e.email, 1, instr(e.email, '@')) || "
		"  lower(substr(e.email, instr(e.email, '@') + 1))"
		") ORDER BY eid",
	[SQ_QUEUE_BOUNDARY] = "SELECT id FROM mailing_recipients WHERE job_id = ?1 ORDER BY id "
			      "LIMIT 1 OFFSET ?2",
	[SQ_QUEUE_MOVE] = "UPDATE mailing_recipients SET job_id = ?2 WHERE job_id = ?1 AND id < ?3",
	[SQ_QUEUE_RECOVER_LEASED] = "UPDATE mailing_recipients SET state = 'queued', lease_owner = NULL, "
				    "lease_expires = NULL, attempts = max(attempts - 1, 0) "
				    "WHERE lease_owner IS NOT NULL AND state = 'leased' "
				    "AND (lease_owner = ?1 OR lease_expires < ?2)",
	[SQ_QUEUE_RECOVER_SENDING] = "UPDATE mailing_recipients SET state = CASE WHEN ?3 THEN 'queued' "
				     "ELSE 'in_doubt' END, lease_owner = NULL, lease_expires = NULL "
				     "WHERE lease_owner IS NOT NULL AND state = 'sending' "
				     "AND (lease_owner = ?1 OR lease_expires < ?2)",
	[SQ_QUEUE_RESEND_DOUBT] = "UPDATE mailing_recipients SET state = 'queued' WHERE state = 'in_doubt' "
				  "AND job_id IN (SELECT id FROM mailing_jobs WHERE status = 'running')",
	[SQ_QUEUE_CLAIM_RETRY] = "UPDATE mailing_recipients SET state = 'leased', lease_owner = ?2, "
				 "lease_expires = ?4, attempts = attempts + 1 WHERE id IN ("
				 "SELECT id FROM mailing_recipients WHERE job_id IN (SELECT id FROM "
				 "mailing_jobs WHERE mailing_id = ?1 AND status = 'running') "
				 "AND state = 'retry' AND next_attempt <= ?3 LIMIT ?5)",
	[SQ_QUEUE_CLAIM_QUEUED] = "UPDATE mailing_recipients SET state = 'leased', lease_owner = ?2, "
				  "lease_expires = ?4, attempts = attempts + 1 WHERE id IN ("
				  "SELECT id FROM mailing_recipients WHERE job_id IN (SELECT id FROM "
				  "mailing_jobs WHERE mailing_id = ?1 AND status = 'running') "
				  "AND state = 'queued' LIMIT ?5)",
	[SQ_QUEUE_LEASED] = "SELECT r.id, r.job_id, r.contact_id, r.email, c.first_name, c.last_name, "
			    "c.display_name, r.attempts, (SELECT group_concat(f.name || '\x1f' || "
			    "v.value, '\x1e') FROM contact_values v JOIN custom_fields f "
			    "ON f.id = v.field_id WHERE v.contact_id = r.contact_id) "
			    "FROM mailing_recipients r "
			    "JOIN contacts c ON c.id = r.contact_id "
			    "WHERE r.lease_owner = ?1 AND r.state = 'leased' ORDER BY r.id",
	[SQ_QUEUE_MARK_SENDING] = "UPDATE mailing_recipients SET state = 'sending', "
				  "first_attempt = coalesce(first_attempt, ?2) "
				  "WHERE lease_owner = ?1 AND state = 'leased'",
	[SQ_QUEUE_MARK_BACK] = "UPDATE mailing_recipients SET state = 'queued', lease_owner = NULL, "
			       "lease_expires = NULL, attempts = max(attempts - 1, 0) "
			       "WHERE lease_owner = ?1 AND state = 'leased'",
	/* ?2: a JSON array of the ids that were started */
	[SQ_QUEUE_UNSTARTED] = "UPDATE mailing_recipients SET state = 'queued', lease_owner = NULL, "
			       "lease_expires = NULL, attempts = max(attempts - 1, 0) "
			       "WHERE lease_owner = ?1 AND state = 'sending' "
			       "AND id NOT IN (SELECT value FROM json_each(?2))",
	[SQ_OUT_SENT] = "UPDATE mailing_recipients SET state = 'sent', sent_at = ?2, last_code = ?3, "
			"last_enhanced = ?4, last_text = ?5, lease_owner = NULL, lease_expires = NULL "
			"WHERE id = ?1",
	[SQ_OUT_RETRY] = "UPDATE mailing_recipients SET state = CASE WHEN ?2 - coalesce(first_attempt, ?2) "
			 ">= ?6 THEN 'bounced' ELSE 'retry' END, "
			 "first_attempt = coalesce(first_attempt, ?2), "
			 "next_attempt = ?2 + min(?7 << min(max(attempts - 1, 0), 30), ?8), "
			 "last_code = ?3, last_enhanced = ?4, last_text = ?5, lease_owner = NULL, "
			 "lease_expires = NULL WHERE id = ?1 RETURNING state",
	[SQ_OUT_BOUNCED] = "UPDATE mailing_recipients SET state = 'bounced', last_code = ?3, "
			   "last_enhanced = ?4, last_text = ?5, lease_owner = NULL, lease_expires = NULL "
			   "WHERE id = ?1 AND ?2 IS NOT NULL",
	[SQ_OUT_DOUBT] = "UPDATE mailing_recipients SET state = 'in_doubt', last_code = ?3, "
			 "last_enhanced = ?4, last_text = ?5, lease_owner = NULL, lease_expires = NULL "
			 "WHERE id = ?1 AND ?2 IS NOT NULL",
	/* waiting rows are in the queued, retry or lease indexes: no scan of the mailing */
	[SQ_MAILING_PENDING] = "SELECT 1 WHERE EXISTS (SELECT 1 FROM mailing_recipients WHERE state = 'queued' "
			       "AND job_id IN (SELECT id FROM mailing_jobs WHERE mailing_id = ?1)) "
			       "OR EXISTS (SELECT 1 FROM mailing_recipients WHERE state = 'retry' "
			       "AND job_id IN (SELECT id FROM mailing_jobs WHERE mailing_id = ?1)) "
			       "OR EXISTS (SELECT 1 FROM mailing_recipients INDEXED BY mailing_recipients_owner "
			       "WHERE lease_owner IS NOT NULL "
			       "AND state IN ('leased', 'sending') "
			       "AND job_id IN (SELECT id FROM mailing_jobs WHERE mailing_id = ?1))",
	[SQ_MAILING_STATS] = "SELECT state, count(*) FROM mailing_recipients WHERE job_id IN (SELECT id FROM mailing_jobs WHERE mailing_id = ?1) "
			     "GROUP BY state",
	[SQ_MAILING_BOUNCES] = "SELECT coalesce(bt.name, 'Unknown'), count(DISTINCT ev.queue_id) "
			       "FROM events ev JOIN mailing_recipients r ON r.id = ev.queue_id "
			       "LEFT JOIN bounce_types bt ON bt.id = ev.bounce_type_id "
			       "WHERE ev.event_type = 'bounce' AND r.job_id IN (SELECT id FROM mailing_jobs WHERE mailing_id = ?1) "
			       "GROUP BY 1 ORDER BY 1",
	[SQ_MAILING_LATE_BOUNCES] = "SELECT count(*) FROM mailing_recipients r WHERE r.job_id IN (SELECT id FROM mailing_jobs WHERE mailing_id = ?1) "
				    "AND r.state = 'sent' AND EXISTS (SELECT 1 FROM events ev "
				    "WHERE ev.queue_id = r.id AND ev.event_type = 'bounce')",
	/* email-to-activity */
	[SQ_ACT_INDIVIDUAL] = "SELECT c.id FROM emails e JOIN contacts c ON c.id = e.contact_id "
			      "WHERE lower(e.email) = lower(?1) AND c.is_deleted = 0 "
			      "AND c.contact_type = 'Individual' ORDER BY e.is_primary DESC, c.id LIMIT 1",
	[SQ_ACT_FIND] = "SELECT id FROM activities WHERE account IS ?1 AND message_id = ?2 LIMIT 1",
	[SQ_ACT_INSERT] = "INSERT INTO activities(activity_type, subject, activity_date, status, "
			  "details_text, details_html, message_id, account, created, headers) "
			  "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
	[SQ_ACT_PARTY] = "INSERT INTO activity_contacts(activity_id, contact_id, role) "
			 "VALUES(?1, ?2, ?3) ON CONFLICT DO NOTHING",
	[SQ_ACT_FILE] = "INSERT INTO activity_attachments(activity_id, filename, content_type, size, "
			"sha256, content, skipped_reason) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	[SQ_ACT_LIST] = "SELECT a.id, a.activity_type, a.subject, a.activity_date, a.status, "
			"a.message_id, a.account, a.created, NULL, NULL, NULL FROM activities a "
			"WHERE (?1 IS NULL OR a.id IN (SELECT ac.activity_id FROM activity_contacts ac "
			"JOIN emails e ON e.contact_id = ac.contact_id WHERE lower(e.email) = lower(?1))) "
			"AND a.activity_date >= ?2 ORDER BY a.activity_date DESC, a.id DESC LIMIT ?3",
	[SQ_ACT_GET] = "SELECT a.id, a.activity_type, a.subject, a.activity_date, a.status, "
		       "a.message_id, a.account, a.created, a.details_text, a.details_html, a.headers "
		       "FROM activities a WHERE a.id = ?1",
	[SQ_ACT_PARTIES] = "SELECT ac.contact_id, ac.role, (SELECT e.email FROM emails e "
			   "WHERE e.contact_id = ac.contact_id ORDER BY e.is_primary DESC, e.id LIMIT 1), "
			   "coalesce(nullif(c.display_name, ''), trim(coalesce(c.first_name, '') || ' ' || "
			   "coalesce(c.last_name, ''))) FROM activity_contacts ac "
			   "JOIN contacts c ON c.id = ac.contact_id "
			   "WHERE ac.activity_id = ?1 ORDER BY ac.id",
	[SQ_ACT_FILES] = "SELECT filename, content_type, size, sha256, skipped_reason, NULL "
			 "FROM activity_attachments WHERE activity_id = ?1 ORDER BY id",
	[SQ_ACT_FILE_GET] = "SELECT filename, content_type, size, sha256, skipped_reason, content "
			    "FROM activity_attachments WHERE activity_id = ?1 ORDER BY id "
			    "LIMIT 1 OFFSET ?2",
	[SQ_SCHEMA_VERSION] = "SELECT coalesce(max(version), 0) FROM schema_version",
	[SQ_BEGIN] = "BEGIN IMMEDIATE",
	[SQ_COMMIT] = "COMMIT",
	[SQ_ROLLBACK] = "ROLLBACK",
	[SQ_SAVEPOINT] = "SAVEPOINT sq_unit",
	[SQ_RELEASE] = "RELEASE sq_unit",
	[SQ_ROLLBACK_TO] = "ROLLBACK TO sq_unit",
};

/* The mailroom status of an SQLite result code. */
static int status_of(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
	case SQLITE_FULL:
	case SQLITE_IOERR:
	case SQLITE_CANTOPEN:
	case SQLITE_PROTOCOL:
		return MR_ETEMP;
	case SQLITE_NOMEM:
		return MR_ENOMEM;
	case SQLITE_CONSTRAINT:
	case SQLITE_MISMATCH:
	case SQLITE_TOOBIG:
	case SQLITE_RANGE:
		return MR_EINPUT;
	case SQLITE_MISUSE:
	case SQLITE_ERROR:
		return MR_EINTERNAL;
	default:
		return MR_EPERMANENT;
	}
}

int sq_fail(struct sq_state *s, int rc, const char *what, struct mr_error *err)
{
	const char *msg = s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc);
	/* a full disk reads the same from every command and job (exit 75) */
	if ((rc & 0xff) == SQLITE_FULL ||
	    (s->db && (rc & 0xff) == SQLITE_IOERR && sqlite3_system_errno(s->db) == ENOSPC))
		return s->core->error_set(err, MR_ETEMP, "%s in %s: the disk is full (free some "
					  "space and run it again)", what, s->path);
	return s->core->error_set(err, status_of(rc), "%s in %s: %s", what, s->path,
				  msg ? msg : sqlite3_errstr(rc));
}

int sq_acquire(struct sq_state *s, enum sq_stmt_id id, struct sq_use *u, struct mr_error *err)
{
	u->st = NULL;
	u->transient = 0;
	sqlite3_stmt **slot = &s->stmts[id];
	if (*slot && !sqlite3_stmt_busy(*slot)) {
		u->st = *slot;
		return 0;
	}
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v3(s->db, sql_text[id], -1,
				    *slot ? 0 : SQLITE_PREPARE_PERSISTENT, &st, NULL);
	if (rc != SQLITE_OK)
		return sq_fail(s, rc, "preparing a statement", err);
	if (*slot) {
		u->transient = 1; /* the cached one is in the middle of a listing */
	} else {
		*slot = st;
	}
	u->st = st;
	return 0;
}

void sq_release(struct sq_use *u)
{
	if (!u->st)
		return;
	if (u->transient) {
		sqlite3_finalize(u->st);
	} else {
		sqlite3_reset(u->st);
		sqlite3_clear_bindings(u->st);
	}
	u->st = NULL;
}

int sq_run(struct sq_state *s, struct sq_use *u, const char *what, struct mr_error *err)
{
	int rc = sqlite3_step(u->st);
	if (rc == SQLITE_DONE || rc == SQLITE_ROW)
		return 0;
	return sq_fail(s, rc, what, err);
}

int sq_id_by_text(struct sq_state *s, enum sq_stmt_id id, const char *text, const char *what,
		  int64_t *id_r, struct mr_error *err)
{
	struct sq_use u;
	*id_r = 0;
	int rc = sq_acquire(s, id, &u, err);
	if (rc)
		return rc;
	sq_bind_text(&u, 1, text);
	int src = sqlite3_step(u.st);
	if (src == SQLITE_ROW)
		*id_r = sqlite3_column_int64(u.st, 0);
	else if (src != SQLITE_DONE)
		rc = sq_fail(s, src, what, err);
	sq_release(&u);
	return rc;
}

int sq_bind_text(struct sq_use *u, int i, const char *v)
{
	if (!v)
		return sqlite3_bind_null(u->st, i);
	return sqlite3_bind_text(u->st, i, v, -1, SQLITE_TRANSIENT);
}

int sq_bind_blob(struct sq_use *u, int i, const void *v, size_t len)
{
	if (!v || len == 0)
		return sqlite3_bind_zeroblob(u->st, i, 0);
	return sqlite3_bind_blob64(u->st, i, v, len, SQLITE_TRANSIENT);
}

const char *sq_col_text(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	return t ? (const char *)t : "";
}

/* Runs one of the transaction-control statements. */
static int control(struct sq_state *s, enum sq_stmt_id id, const char *what, struct mr_error *err)
{
	struct sq_use u;
	int rc = sq_acquire(s, id, &u, err);
	if (rc)
		return rc;
	rc = sq_run(s, &u, what, err);
	sq_release(&u);
	return rc;
}

int sq_unit_begin(struct sq_state *s, struct mr_error *err)
{
	/* ask SQLite, not in_tx: an I/O error may have ended the caller's
	 * transaction behind its back */
	s->unit_sp = !sqlite3_get_autocommit(s->db);
	if (s->unit_sp)
		return control(s, SQ_SAVEPOINT, "starting a savepoint", err);
	return control(s, SQ_BEGIN, "starting a transaction", err);
}

int sq_unit_end(struct sq_state *s, int rc, struct mr_error *err)
{
	struct mr_error e2 = { 0 };
	if (s->unit_sp) {
		if (rc) {
			control(s, SQ_ROLLBACK_TO, "rolling back a savepoint", &e2);
			control(s, SQ_RELEASE, "releasing a savepoint", &e2);
			return rc;
		}
		return control(s, SQ_RELEASE, "releasing a savepoint", err);
	}
	if (rc) {
		if (!sqlite3_get_autocommit(s->db))
			control(s, SQ_ROLLBACK, "rolling back", &e2);
		return rc;
	}
	rc = control(s, SQ_COMMIT, "committing", err);
	if (rc && !sqlite3_get_autocommit(s->db))
		control(s, SQ_ROLLBACK, "rolling back", &e2);
	return rc;
}

int sq_purge(struct sq_state *s, enum sq_stmt_id id, int64_t before, int64_t *count_r,
	     const char *what, struct mr_error *err)
{
	struct sq_use u;
	int rc = sq_acquire(s, id, &u, err);
	if (rc)
		return rc;
	sqlite3_bind_int64(u.st, 1, before);
	rc = sq_run(s, &u, what, err);
	if (rc == 0 && count_r)
		*count_r = sqlite3_changes(s->db);
	sq_release(&u);
	return rc;
}

/* ---- statements of the shared operations (sqlstore/), prepared once per
 * connection and keyed by their SQL text */

int sq_prepare_ad_hoc(struct sq_state *s, const char *sql, sqlite3_stmt **st_r,
		      struct mr_error *err)
{
	*st_r = NULL;
	struct sq_ad_hoc *slot = NULL;
	for (size_t i = 0; i < s->n_ad_hoc; i++)
		if (s->ad_hoc[i].sql == sql) {
			slot = &s->ad_hoc[i];
			break;
		}
	if (slot && !sqlite3_stmt_busy(slot->st)) {
		*st_r = slot->st;
		return 0;
	}
	int rc = sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, st_r, NULL);
	if (rc != SQLITE_OK)
		return sq_fail(s, rc, "preparing a bounce statement", err);
	if (!slot && s->n_ad_hoc < sizeof(s->ad_hoc) / sizeof(s->ad_hoc[0]))
		s->ad_hoc[s->n_ad_hoc++] = (struct sq_ad_hoc){ sql, *st_r };
	return 0;
}

void sq_ad_hoc_done(struct sq_state *s, sqlite3_stmt *st)
{
	for (size_t i = 0; i < s->n_ad_hoc; i++)
		if (s->ad_hoc[i].st == st) {
			sqlite3_reset(st);
			sqlite3_clear_bindings(st);
			return;
		}
	/* prepared afresh (its cached copy was busy, or the cache is full) */
	sqlite3_finalize(st);
}

int sq_text_or_null(sqlite3_stmt *st, int i, const char *v)
{
	if (!v)
		return sqlite3_bind_null(st, i);
	return sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
}
