/* SPDX-License-Identifier: MIT */
/* The MariaDB store's statements: their text (store-sqlite's, in MariaDB's dialect), the prepare-once cache, binding helpers, error mapping and units of several statements. */
#include "config.h"
#include <string.h>
#include "store-mariadb.h"

/* Every statement text; data only ever reaches MariaDB through bindings.
 * ?N is parameter N (md-conn.c rewrites it to MariaDB's positional ?). */
static const char *const sql_text[MD_N_STMTS] = {
	[MD_SPOOL_ADD] = "INSERT INTO mail_spool(job_id, sender, recipient, subject, headers, body, "
			 "added) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	[MD_SPOOL_LIST] = "SELECT id, added, job_id, sender, recipient, subject, headers, body "
			  "FROM mail_spool ORDER BY added DESC, id DESC LIMIT ?1",
	[MD_SPOOL_GET] = "SELECT id, added, job_id, sender, recipient, subject, headers, body "
			 "FROM mail_spool WHERE id = ?1",
	[MD_SPOOL_PURGE] = "DELETE FROM mail_spool WHERE added < ?1",
	[MD_JOB_LOG_ADD] = "INSERT INTO job_log(job, worker, pid, started, outcome) "
			   "VALUES(?1, ?2, ?3, ?4, 0)",
	[MD_JOB_STATE_START] = "INSERT INTO job_state(job, last_start) VALUES(?1, ?2) "
			       "ON DUPLICATE KEY UPDATE last_start = VALUES(last_start)",
	[MD_JOB_LOG_END] = "UPDATE job_log SET ended = ?2, outcome = ?3, message = ?4, data = ?5 "
			   "WHERE id = ?1",
	[MD_JOB_LOG_JOB] = "SELECT job FROM job_log WHERE id = ?1",
	[MD_JOB_STATE_END] = "INSERT INTO job_state(job, last_end, last_outcome) VALUES(?1, ?2, ?3) "
			     "ON DUPLICATE KEY UPDATE last_end = VALUES(last_end), "
			     "last_outcome = VALUES(last_outcome)",
	[MD_JOB_LOG_LIST_ALL] = "SELECT id, job, worker, pid, started, ended, outcome, message, data, "
				"h.host FROM job_log LEFT JOIN mr_job_host h ON h.run_id = job_log.id "
				"ORDER BY id DESC LIMIT ?1",
	[MD_JOB_LOG_LIST_JOB] = "SELECT id, job, worker, pid, started, ended, outcome, message, data, "
				"h.host FROM job_log LEFT JOIN mr_job_host h ON h.run_id = job_log.id "
				"WHERE job = ?2 ORDER BY id DESC LIMIT ?1",
	[MD_JOB_LOG_PURGE] = "DELETE FROM job_log WHERE started < ?1 AND outcome <> 0",
	[MD_MSG_SEEN] = "SELECT 1 FROM fetched_messages WHERE account = ?1 AND msg_key = ?2",
	[MD_MSG_MARK] = "INSERT INTO fetched_messages(account, msg_key, outcome, processed_at) "
			"VALUES(?1, ?2, ?3, ?4) ON DUPLICATE KEY UPDATE "
			"outcome = VALUES(outcome), processed_at = VALUES(processed_at)",
	[MD_MSG_PURGE] = "DELETE FROM fetched_messages WHERE processed_at < ?1",
	[MD_MSG_OUTCOME] = "SELECT outcome FROM fetched_messages WHERE account = ?1 AND msg_key = ?2",
	[MD_USER_PUT] = "INSERT INTO users(name, pwhash, perms, created) VALUES(?1, ?2, ?3, ?4) "
			"ON DUPLICATE KEY UPDATE pwhash = VALUES(pwhash), "
			"perms = VALUES(perms), created = VALUES(created)",
	[MD_USER_GET] = "SELECT name, pwhash, perms, created FROM users WHERE name = ?1",
	[MD_USER_LIST] = "SELECT name, pwhash, perms, created FROM users ORDER BY name",
	[MD_USER_DELETE] = "DELETE FROM users WHERE name = ?1",
	/* contacts and groups */
	[MD_CONTACT_FIND] = "SELECT c.id, c.contact_type, c.first_name, c.last_name, c.display_name, e.email, e.on_hold, c.do_not_email, c.is_opt_out, c.created, c.modified "
			    "FROM emails e JOIN contacts c ON c.id = e.contact_id "
			    "WHERE e.email = ?1 AND c.is_deleted = 0 "
			    "ORDER BY e.is_primary DESC, e.id LIMIT 1",
	[MD_CONTACT_INSERT] = "INSERT INTO contacts(contact_type, first_name, last_name, display_name, "
			      "created, modified) VALUES(coalesce(?1, 'Individual'), ?2, ?3, ?4, ?5, ?5)",
	/* a contact whose email could not be added (md-contacts.c) */
	[MD_CONTACT_UNDO] = "DELETE FROM contacts WHERE id = ?1",
	[MD_EMAIL_INSERT] = "INSERT INTO emails(contact_id, email, is_primary) VALUES(?1, ?2, 1)",
	[MD_CONTACT_UPDATE] = "UPDATE contacts SET contact_type = coalesce(?2, contact_type), "
			      "first_name = coalesce(?3, first_name), last_name = coalesce(?4, last_name), "
			      "display_name = coalesce(?5, display_name), modified = ?6 WHERE id = ?1",
	[MD_CONTACT_LIST] = "SELECT c.id, c.contact_type, c.first_name, c.last_name, c.display_name, e.email, e.on_hold, c.do_not_email, c.is_opt_out, c.created, c.modified "
			    "FROM contacts c LEFT JOIN emails e ON e.contact_id = c.id AND e.is_primary = 1 "
			    "WHERE c.id > ?1 AND c.is_deleted = 0 ORDER BY c.id LIMIT ?2",
	[MD_SET_HOLD] = "UPDATE emails SET on_hold = ?2, "
			"hold_date = CASE WHEN ?2 > 0 THEN ?3 ELSE hold_date END, "
			"reset_date = CASE WHEN ?2 = 0 THEN ?3 ELSE reset_date END "
			"WHERE email = ?1",
	[MD_SET_OPTOUT] = "UPDATE contacts SET is_opt_out = ?2, modified = ?3 WHERE id IN "
			  "(SELECT contact_id FROM emails WHERE email = ?1)",
	[MD_SET_DNE] = "UPDATE contacts SET do_not_email = ?2, modified = ?3 WHERE id IN "
		       "(SELECT contact_id FROM emails WHERE email = ?1)",
	[MD_GROUP_ADD] = "INSERT IGNORE INTO contact_groups(name, title, created) VALUES(?1, ?2, ?3)",
	[MD_GROUP_ID] = "SELECT id FROM contact_groups WHERE name = ?1",
	[MD_GROUP_LIST] = "SELECT g.id, g.name, g.title, g.created, (SELECT count(*) FROM group_contact gc "
			  "JOIN contacts c ON c.id = gc.contact_id WHERE gc.group_id = g.id "
			  "AND gc.status = 'Added' AND c.is_deleted = 0) FROM contact_groups g "
			  "ORDER BY g.name",
	[MD_GROUP_JOIN] = "INSERT INTO group_contact(group_id, contact_id, status, added_date) "
			  "VALUES(?1, ?2, 'Added', ?3) ON DUPLICATE KEY UPDATE "
			  "added_date = IF(status = 'Added', added_date, VALUES(added_date)), "
			  "status = 'Added'",
	[MD_GROUP_LEAVE] = "UPDATE group_contact SET status = 'Removed', removed_date = ?3 "
			   "WHERE group_id = ?1 AND contact_id = ?2 AND status = 'Added'",
	/* ?1: a JSON array of [group id, contact id, time] (md-joins.c) */
	[MD_GROUP_JOIN_MANY] = "INSERT INTO group_contact(group_id, contact_id, status, added_date) "
			       "SELECT jt.g, jt.c, 'Added', jt.t FROM JSON_TABLE(?1, '$[*]' COLUMNS("
			       "n FOR ORDINALITY, g BIGINT PATH '$[0]', c BIGINT PATH '$[1]', "
			       "t BIGINT PATH '$[2]')) AS jt ORDER BY jt.n ON DUPLICATE KEY UPDATE "
			       "added_date = IF(status = 'Added', added_date, VALUES(added_date)), "
			       "status = 'Added'",
	[MD_GROUP_MEMBERS] = "SELECT c.id, c.contact_type, c.first_name, c.last_name, c.display_name, e.email, e.on_hold, c.do_not_email, c.is_opt_out, c.created, c.modified "
			     "FROM group_contact gc JOIN contacts c ON c.id = gc.contact_id "
			     "LEFT JOIN emails e ON e.contact_id = c.id AND e.is_primary = 1 "
			     "WHERE gc.group_id = ?1 AND gc.status = 'Added' AND c.is_deleted = 0 "
			     "ORDER BY c.id",
	[MD_CONTACT_DELETE] = "UPDATE contacts SET is_deleted = 1, modified = ?2 WHERE id = ?1",
	[MD_CONTACT_GROUPS] = "SELECT g.name, g.title, gc.status, gc.added_date, gc.removed_date "
			      "FROM group_contact gc JOIN contact_groups g ON g.id = gc.group_id "
			      "WHERE gc.contact_id = ?1 ORDER BY g.name",
	[MD_CONTACT_EMAILS] = "SELECT email, is_primary, on_hold, hold_date, reset_date FROM emails "
			      "WHERE contact_id = ?1 ORDER BY is_primary DESC, id",
	[MD_CONTACT_EVENT_ADD] = "INSERT INTO contact_events(contact_id, time, who, action, details) "
				 "VALUES(?1, ?2, ?3, ?4, ?5)",
	[MD_CONTACT_EVENTS] = "SELECT time, who, action, details FROM ("
			      "SELECT id AS seq, time, who, action, coalesce(details, '') AS details "
			      "FROM contact_events WHERE contact_id = ?1 UNION ALL "
			      "SELECT ev.id, ev.time, concat('mailing ', j.mailing_id), ev.event_type, "
			      "coalesce(ev.bounce_reason, ev.details, '') FROM mailing_recipients r "
			      "JOIN events ev ON ev.queue_id = r.id "
			      "JOIN mailing_jobs j ON j.id = r.job_id WHERE r.contact_id = ?1 UNION ALL "
			      "SELECT r.id, r.sent_at, concat('mailing ', j.mailing_id), 'delivered', '' "
			      "FROM mailing_recipients r JOIN mailing_jobs j ON j.id = r.job_id "
			      "WHERE r.contact_id = ?1 AND r.sent_at IS NOT NULL) AS x "
			      "ORDER BY time DESC, seq DESC LIMIT ?2",
	[MD_GROUP_IN_USE] = "SELECT count(*) FROM mailing_groups mg JOIN mailings m "
			    "ON m.id = mg.mailing_id WHERE mg.group_id = ?1 "
			    "AND m.status NOT IN ('complete', 'canceled')",
	[MD_GROUP_DELETE] = "DELETE FROM contact_groups WHERE id = ?1",
	[MD_GROUP_RENAME] = "UPDATE contact_groups SET name = ?2, "
			    "title = CASE WHEN title = name THEN ?2 ELSE title END WHERE id = ?1",
	[MD_FIELD_ADD] = "INSERT INTO custom_fields(name, type, choices, created) VALUES(?1, ?2, ?3, ?4)",
	[MD_FIELD_GET] = "SELECT id, builtin FROM custom_fields WHERE name = ?1",
	[MD_FIELD_LIST] = "SELECT name, type, coalesce(choices, ''), builtin, created FROM custom_fields "
			  "ORDER BY name",
	[MD_FIELD_DELETE] = "DELETE FROM custom_fields WHERE id = ?1",
	[MD_VALUE_SET] = "INSERT INTO contact_values(contact_id, field_id, value) VALUES(?1, ?2, ?3) "
			 "ON DUPLICATE KEY UPDATE value = VALUES(value)",
	[MD_VALUE_CLEAR] = "DELETE FROM contact_values WHERE contact_id = ?1 AND field_id = ?2",
	[MD_CONTACT_FIELDS] = "SELECT f.name, v.value FROM contact_values v JOIN custom_fields f "
			      "ON f.id = v.field_id WHERE v.contact_id = ?1 ORDER BY f.name",
	/* mailings */
	[MD_MAILING_INSERT] = "INSERT INTO mailings(name, subject, from_name, from_email, reply_to, "
			      "body_text, body_html, status, scheduled_at, created) "
			      "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
	[MD_MAILING_GROUP] = "INSERT INTO mailing_groups(mailing_id, group_id, group_type) "
			     "VALUES(?1, ?2, ?3) ON DUPLICATE KEY UPDATE "
			     "group_type = VALUES(group_type)",
	[MD_MAILING_ATTACH] = "INSERT INTO mailing_attachments(mailing_id, filename, content_type, "
			      "size, content) VALUES(?1, ?2, ?3, ?4, ?5)",
	[MD_MAILING_GET] = "SELECT id, name, subject, from_name, from_email, reply_to, body_text, "
			   "body_html, status, scheduled_at, created FROM mailings WHERE id = ?1",
	[MD_MAILING_LIST] = "SELECT id, name, subject, from_name, from_email, reply_to, NULL, NULL, "
			    "status, scheduled_at, created FROM mailings ORDER BY id",
	[MD_MAILING_GROUPS] = "SELECT g.name, mg.group_type FROM mailing_groups mg "
			      "JOIN contact_groups g ON g.id = mg.group_id WHERE mg.mailing_id = ?1 "
			      "ORDER BY mg.id",
	[MD_MAILING_ATTACHMENTS] = "SELECT filename, content_type, content FROM mailing_attachments "
				   "WHERE mailing_id = ?1 ORDER BY id",
	[MD_MAILING_STATUS_GET] = "SELECT status FROM mailings WHERE id = ?1",
	[MD_MAILING_STATUS_SET] = "UPDATE mailings SET status = ?2, "
				  "scheduled_at = coalesce(?3, scheduled_at) WHERE id = ?1",
	[MD_MJOB_PARENT] = "SELECT id, status FROM mailing_jobs WHERE mailing_id = ?1 "
			   "AND job_type = 'parent' ORDER BY id LIMIT 1",
	[MD_MJOB_INSERT] = "INSERT INTO mailing_jobs(mailing_id, parent_id, job_type, status, "
			   "scheduled_at, start_date) VALUES(?1, ?2, ?3, ?4, ?5, ?6)",
	[MD_MJOBS_STATUS] = "UPDATE mailing_jobs SET status = ?2, "
			    "start_date = CASE WHEN ?2 = 'running' THEN coalesce(start_date, ?3) "
			    "ELSE start_date END, "
			    "end_date = CASE WHEN ?2 IN ('complete', 'canceled') THEN ?3 ELSE end_date END, "
			    "scheduled_at = CASE WHEN ?2 = 'scheduled' THEN ?3 ELSE scheduled_at END, "
			    "job_offset = CASE WHEN ?2 = 'canceled' THEN 0 ELSE job_offset END "
			    "WHERE mailing_id = ?1 AND status NOT IN ('complete', 'canceled')",
	[MD_MAILING_DUE] = "SELECT m.id, j.id FROM mailings m JOIN mailing_jobs j ON j.mailing_id = m.id "
			   "AND j.job_type = 'parent' WHERE m.id > ?2 AND ((m.status = 'scheduled' "
			   "AND m.scheduled_at <= ?1) OR m.status = 'running') ORDER BY m.id LIMIT 1",
	/* the recipient queue */
	[MD_QUEUE_CANCEL] = "UPDATE mailing_recipients SET state = 'canceled', lease_owner = NULL, "
			    "lease_expires = NULL, reply_room = NULL WHERE state IN ('queued', 'retry', 'leased') "
			    "AND job_id IN (SELECT id FROM mailing_jobs WHERE mailing_id = ?1)",
	[MD_MJOB_GET] = "SELECT mailing_id, status, job_type FROM mailing_jobs WHERE id = ?1",
	/* the index hints keep the plan when InnoDB's statistics are stale (a
	 * list imported moments before: emails counted as 2 rows made the
	 * optimizer scan emails once per member, 8 s for 3,000 and hours for
	 * 20,000 under load; with them 0.1 s): emails are read first, as a
	 * range of the primary key, whose size the optimizer counts in the
	 * index itself (checked with the statistics set to 2 rows).  An address goes in once: an
	 * eligible email is left out when an eligible one with a lower id has
	 * the same local part and domain (in any case), found through the
	 * emails_email index, which holds them together; a GROUP BY on that
	 * key took half of the build's time (a temporary table row per
	 * recipient).  The same lookup finds an address held on another email
	 * (a subquery of its own read every email into a hash first) */
#define MD_BUILD_ELIGIBLE(E, C, RANGE) \
	" " E ".is_primary = 1 AND " E ".on_hold = 0 AND " C ".do_not_email = 0 " \
	" AND " C ".is_opt_out = 0 AND " C ".is_deleted = 0 " \
	" AND " E ".contact_id IN (SELECT gc.contact_id FROM mailing_groups mg " \
	"  JOIN group_contact gc ON gc.group_id = mg.group_id AND gc.status = 'Added' " RANGE \
	"  WHERE mg.mailing_id = ?2 AND mg.group_type = 'include') " \
	" AND " E ".contact_id NOT IN (SELECT gc.contact_id FROM mailing_groups mg " \
	"  JOIN group_contact gc ON gc.group_id = mg.group_id AND gc.status = 'Added' " RANGE \
	"  WHERE mg.mailing_id = ?2 AND mg.group_type = 'exclude') "
	/* a part of the queue: the eligible emails with ids in [?3, ?4], an
	 * address left out when it is held, when an eligible email of this part
	 * with a lower id has it, or when an email already queued in this
	 * mailing (an earlier part) has it: an opt-out or a change of group
	 * between two parts then neither mails an address twice nor drops it.
	 * The groups' members are read into a table once per statement, only
	 * those among the part's contacts (ids ?5 to ?6): every member for
	 * each part doubled the rows a build of 100,000 examined in 20,000s.
	 * The whole queue at once is the part [0, max] of contacts [0, max] */
	[MD_QUEUE_BUILD_PART] =
		"INSERT INTO mailing_recipients(job_id, contact_id, email_id, email) "
		"SELECT ?1, e.contact_id, e.id, e.email "
		"FROM emails e FORCE INDEX (PRIMARY) JOIN contacts c ON c.id = e.contact_id "
		"WHERE e.id >= ?3 AND e.id <= ?4 AND"
		MD_BUILD_ELIGIBLE("e", "c", " AND gc.contact_id BETWEEN ?5 AND ?6")
		" AND NOT EXISTS (SELECT 1 FROM emails d FORCE INDEX (emails_email) "
		"  JOIN contacts dc ON dc.id = d.contact_id WHERE d.email = e.email AND (d.on_hold > 0 "
		"  OR (d.id <> e.id AND CAST(substr(d.email, 1, instr(d.email, '@')) AS BINARY) = "
		"   CAST(substr(e.email, 1, instr(e.email, '@')) AS BINARY) "
		"  AND CAST(lower(substr(d.email, instr(d.email, '@') + 1)) AS BINARY) = "
		"   CAST(lower(substr(e.email, instr(e.email, '@') + 1)) AS BINARY) "
		"  AND ((d.id >= ?3 AND d.id < e.id AND" MD_BUILD_ELIGIBLE("d", "dc", "") ") "
		"   OR EXISTS (SELECT 1 FROM mailing_recipients q WHERE q.email_id = d.id "
		"    AND q.job_id IN (SELECT j.id FROM mailing_jobs j WHERE j.mailing_id = ?2)))))) "
		"ORDER BY e.id",
	/* the part of up to ?2 emails from email id ?1: how many, the last
	 * email's id, the lowest and highest contact id */
	[MD_QUEUE_PART_SPAN] = "SELECT count(*), coalesce(max(id), 0), coalesce(min(contact_id), 0), "
			       "coalesce(max(contact_id), 0) FROM (SELECT id, contact_id FROM emails "
			       "WHERE id >= ?1 ORDER BY id LIMIT ?2) p",
	/* a parent job built in parts: job_offset is the email id its build
	 * goes on from (0: nothing left to build); read with its last queue
	 * row so far (the end of the job's part of the job_id index: one key
	 * read, where a correlated max(id) read all 100,000 entries), locked
	 * (waiting for a worker that builds), tried (skipping it then) */
	[MD_MJOB_BUILD_READ] = "SELECT j.id, j.job_offset, coalesce((SELECT r.id "
			       "FROM mailing_recipients r WHERE r.job_id = j.id ORDER BY r.id DESC "
			       "LIMIT 1), 0) FROM mailing_jobs j "
			       "WHERE j.mailing_id = ?1 AND j.job_type = 'parent' ORDER BY j.id LIMIT 1",
	[MD_MJOB_BUILD_WAIT] = "SELECT status, job_offset FROM mailing_jobs WHERE id = ?1 FOR UPDATE",
	[MD_MJOB_BUILD_TRY] = "SELECT status, job_offset FROM mailing_jobs WHERE id = ?1 "
			      "FOR UPDATE SKIP LOCKED",
	[MD_MJOB_BUILDING] = "SELECT mailing_id FROM mailing_jobs WHERE job_offset > 0 LIMIT 1",
	[MD_MJOB_BUILD_PUT] = "UPDATE mailing_jobs SET job_offset = ?2 WHERE id = ?1",
#undef MD_BUILD_ELIGIBLE
	[MD_QUEUE_BOUNDARY] = "SELECT id FROM mailing_recipients WHERE job_id = ?1 ORDER BY id "
			      "LIMIT 1 OFFSET ?2",
	[MD_QUEUE_MOVE] = "UPDATE mailing_recipients SET job_id = ?2 WHERE job_id = ?1 AND id < ?3",
	[MD_QUEUE_RECOVER_LEASED] = "UPDATE mailing_recipients SET state = 'queued', lease_owner = NULL, "
				    "lease_expires = NULL, attempts = GREATEST(attempts - 1, 0) "
				    "WHERE queue_key = " MD_QUEUE_INFLIGHT " AND state = 'leased' "
				    "AND (lease_owner = ?1 OR lease_expires < ?2)",
	[MD_QUEUE_RECOVER_SENDING] = "UPDATE mailing_recipients SET state = CASE WHEN ?3 THEN 'queued' "
				     "ELSE 'in_doubt' END, lease_owner = NULL, lease_expires = NULL "
				     "WHERE queue_key = " MD_QUEUE_INFLIGHT " AND state = 'sending' "
				     "AND (lease_owner = ?1 OR lease_expires < ?2)",
	[MD_QUEUE_RESEND_DOUBT] = "UPDATE mailing_recipients SET state = 'queued' "
				  "WHERE queue_key = " MD_QUEUE_DOUBT " AND job_id IN (SELECT id FROM mailing_jobs WHERE status = 'running')",
	/* two ranges of the queue index, read in its order until LIMIT rows:
	 * the mailing's due retries (keys minus the job ids) before its queued
	 * rows (the job ids; children split the queue in id order), the job's
	 * status checked per row.  The index range is forced and there is no
	 * ORDER BY: with "job_id IN (SELECT ...) ORDER BY id" MariaDB joined
	 * from mailing_jobs, read and locked every waiting row of the mailing
	 * and sorted them for each batch, and it chose to sort when the
	 * statistics were those of the queue built moments before */
#define MD_PICK_RETRIES \
	"SELECT id, queue_key, next_attempt FROM mailing_recipients r " \
	"FORCE INDEX (mailing_recipients_queue) " \
	"WHERE ((queue_key BETWEEN -(SELECT max(id) FROM mailing_jobs WHERE mailing_id = ?1) " \
	"AND -(SELECT min(id) FROM mailing_jobs WHERE mailing_id = ?1) AND next_attempt <= ?3) "
#define MD_PICK_RUNNING \
	") AND (SELECT j.status FROM mailing_jobs j WHERE j.id = r.job_id " \
	"AND j.mailing_id = ?1) = 'running' LIMIT ?2 FOR UPDATE SKIP LOCKED"
	[MD_QUEUE_PICK] = MD_PICK_RETRIES
			  "OR queue_key BETWEEN (SELECT min(id) FROM mailing_jobs WHERE mailing_id = ?1) "
			  "AND (SELECT max(id) FROM mailing_jobs WHERE mailing_id = ?1)" MD_PICK_RUNNING,
	/* the same from where the last pick's queued rows ended (?4 the key,
	 * ?5 the next attempt, ?6 the id; queued rows have no owner) */
	[MD_QUEUE_PICK_ON] = MD_PICK_RETRIES
			     "OR (queue_key = ?4 AND lease_owner IS NULL AND next_attempt = ?5 AND id > ?6) "
			     "OR (queue_key = ?4 AND lease_owner IS NULL AND next_attempt > ?5) "
			     "OR queue_key BETWEEN ?4 + 1 "
			     "AND (SELECT max(id) FROM mailing_jobs WHERE mailing_id = ?1)" MD_PICK_RUNNING,
#undef MD_PICK_RETRIES
#undef MD_PICK_RUNNING
	[MD_QUEUE_LEASED] = "SELECT r.id, r.job_id, r.contact_id, r.email, c.first_name, c.last_name, "
			    "c.display_name, r.attempts, (SELECT group_concat(concat(f.name, '\x1f', "
			    "v.value) SEPARATOR '\x1e') FROM contact_values v JOIN custom_fields f "
			    "ON f.id = v.field_id WHERE v.contact_id = r.contact_id) "
			    "FROM JSON_TABLE(?2, '$[*]' COLUMNS(value BIGINT PATH '$')) AS jt "
			    "JOIN mailing_recipients r ON r.id = jt.value "
			    "JOIN contacts c ON c.id = r.contact_id "
			    "WHERE r.lease_owner = ?1 AND r.state = 'leased' ORDER BY r.id",
	[MD_QUEUE_MARK_SENDING] = "UPDATE mailing_recipients SET state = 'sending', "
				  "first_attempt = coalesce(first_attempt, ?2) "
				  "WHERE queue_key = " MD_QUEUE_INFLIGHT " AND lease_owner = ?1 "
				  "AND state = 'leased'",
	/* the same, reading the ids ?3 to ?4 (md_span) */
	[MD_QUEUE_MARK_SPAN] = "UPDATE mailing_recipients FORCE INDEX (PRIMARY) SET state = 'sending', "
			       "first_attempt = coalesce(first_attempt, ?2) "
			       "WHERE id BETWEEN ?3 AND ?4 AND queue_key = " MD_QUEUE_INFLIGHT " "
			       "AND lease_owner = ?1 AND state = 'leased'",
	[MD_QUEUE_MARK_BACK] = "UPDATE mailing_recipients SET state = 'queued', lease_owner = NULL, "
			       "lease_expires = NULL, attempts = GREATEST(attempts - 1, 0) "
			       "WHERE queue_key = " MD_QUEUE_INFLIGHT " AND lease_owner = ?1 "
			       "AND state = 'leased'",
	/* ?2: a JSON array of the ids that were started */
	[MD_QUEUE_UNSTARTED] = "UPDATE mailing_recipients SET state = 'queued', lease_owner = NULL, "
			       "lease_expires = NULL, attempts = GREATEST(attempts - 1, 0) "
			       "WHERE queue_key = " MD_QUEUE_INFLIGHT " AND lease_owner = ?1 "
			       "AND state = 'sending' "
			       "AND id NOT IN (SELECT value FROM JSON_TABLE(?2, '$[*]' COLUMNS(value BIGINT PATH '$')) AS jt)",
	[MD_OUT_RETRY] = "UPDATE mailing_recipients SET state = CASE WHEN ?2 - coalesce(first_attempt, ?2) "
			 ">= ?6 THEN 'bounced' ELSE 'retry' END, "
			 "first_attempt = coalesce(first_attempt, ?2), "
			 "next_attempt = ?2 + LEAST(?7 << LEAST(GREATEST(attempts - 1, 0), 30), ?8), "
			 "last_code = ?3, last_enhanced = ?4, last_text = ?5, lease_owner = NULL, "
			 "lease_expires = NULL, reply_room = NULL WHERE id = ?1",
	[MD_OUT_STATE] = "SELECT state FROM mailing_recipients WHERE id = ?1",
	[MD_OUT_BOUNCED] = "UPDATE mailing_recipients SET state = 'bounced', last_code = ?3, "
			   "last_enhanced = ?4, last_text = ?5, lease_owner = NULL, lease_expires = NULL, "
			   "reply_room = NULL WHERE id = ?1 AND ?2 IS NOT NULL",
	[MD_OUT_DOUBT] = "UPDATE mailing_recipients SET state = 'in_doubt', last_code = ?3, "
			 "last_enhanced = ?4, last_text = ?5, lease_owner = NULL, lease_expires = NULL, "
			 "reply_room = NULL WHERE id = ?1 AND ?2 IS NOT NULL",
	/* waiting rows are in the queue index by job, rows under lease under one
	 * key: no scan of the mailing */
	[MD_MAILING_PENDING] = "SELECT 1 FROM DUAL WHERE EXISTS (SELECT 1 FROM mailing_recipients "
			       "WHERE queue_key IN (SELECT id FROM mailing_jobs WHERE mailing_id = ?1)) "
			       "OR EXISTS (SELECT 1 FROM mailing_recipients "
			       "WHERE queue_key IN (SELECT -id FROM mailing_jobs WHERE mailing_id = ?1)) "
			       "OR EXISTS (SELECT 1 FROM mailing_recipients WHERE queue_key = " MD_QUEUE_INFLIGHT " "
			       "AND job_id IN (SELECT id FROM mailing_jobs WHERE mailing_id = ?1)) "
			       "OR EXISTS (SELECT 1 FROM mailing_jobs WHERE mailing_id = ?1 "
			       "AND job_offset > 0)",
	[MD_MAILING_STATS] = "SELECT state, count(*) FROM mailing_recipients WHERE job_id IN (SELECT id FROM mailing_jobs WHERE mailing_id = ?1) "
			     "GROUP BY state",
	[MD_MAILING_BOUNCES] = "SELECT coalesce(bt.name, 'Unknown'), count(DISTINCT ev.queue_id) "
			       "FROM events ev JOIN mailing_recipients r ON r.id = ev.queue_id "
			       "LEFT JOIN bounce_types bt ON bt.id = ev.bounce_type_id "
			       "WHERE ev.event_type = 'bounce' AND r.job_id IN (SELECT id FROM mailing_jobs WHERE mailing_id = ?1) "
			       "GROUP BY 1 ORDER BY 1",
	[MD_MAILING_LATE_BOUNCES] = "SELECT count(*) FROM mailing_recipients r WHERE r.job_id IN (SELECT id FROM mailing_jobs WHERE mailing_id = ?1) "
				    "AND r.state = 'sent' AND EXISTS (SELECT 1 FROM events ev "
				    "WHERE ev.queue_id = r.id AND ev.event_type = 'bounce')",
	/* email-to-activity */
	[MD_ACT_INDIVIDUAL] = "SELECT c.id FROM emails e JOIN contacts c ON c.id = e.contact_id "
			      "WHERE e.email = ?1 AND c.is_deleted = 0 "
			      "AND c.contact_type = 'Individual' ORDER BY e.is_primary DESC, c.id LIMIT 1",
	[MD_ACT_FIND] = "SELECT id FROM activities WHERE account <=> ?1 AND message_id = ?2 LIMIT 1",
	[MD_ACT_INSERT] = "INSERT INTO activities(activity_type, subject, activity_date, status, "
			  "details_text, details_html, message_id, account, created, headers) "
			  "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
	[MD_ACT_PARTY] = "INSERT IGNORE INTO activity_contacts(activity_id, contact_id, role) "
			 "VALUES(?1, ?2, ?3)",
	[MD_ACT_FILE] = "INSERT INTO activity_attachments(activity_id, filename, content_type, size, "
			"sha256, content, skipped_reason) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	[MD_ACT_LIST] = "SELECT a.id, a.activity_type, a.subject, a.activity_date, a.status, "
			"a.message_id, a.account, a.created, NULL, NULL, NULL FROM activities a "
			"WHERE (?1 IS NULL OR a.id IN (SELECT ac.activity_id FROM activity_contacts ac "
			"JOIN emails e ON e.contact_id = ac.contact_id WHERE e.email = ?1)) "
			"AND a.activity_date >= ?2 ORDER BY a.activity_date DESC, a.id DESC LIMIT ?3",
	[MD_ACT_GET] = "SELECT a.id, a.activity_type, a.subject, a.activity_date, a.status, "
		       "a.message_id, a.account, a.created, a.details_text, a.details_html, a.headers "
		       "FROM activities a WHERE a.id = ?1",
	[MD_ACT_PARTIES] = "SELECT ac.contact_id, ac.role, (SELECT e.email FROM emails e "
			   "WHERE e.contact_id = ac.contact_id ORDER BY e.is_primary DESC, e.id LIMIT 1), "
			   "coalesce(nullif(c.display_name, ''), trim(coalesce(c.first_name, '') || ' ' || "
			   "coalesce(c.last_name, ''))) FROM activity_contacts ac "
			   "JOIN contacts c ON c.id = ac.contact_id "
			   "WHERE ac.activity_id = ?1 ORDER BY ac.id",
	[MD_ACT_FILES] = "SELECT filename, content_type, size, sha256, skipped_reason, NULL "
			 "FROM activity_attachments WHERE activity_id = ?1 ORDER BY id",
	[MD_ACT_FILE_GET] = "SELECT filename, content_type, size, sha256, skipped_reason, content "
			    "FROM activity_attachments WHERE activity_id = ?1 ORDER BY id "
			    "LIMIT 1 OFFSET ?2",
	[MD_SCHEMA_VERSION] = "SELECT coalesce(max(version), 0) FROM schema_version",
	[MD_BEGIN] = "START TRANSACTION",
	[MD_COMMIT] = "COMMIT",
	[MD_ROLLBACK] = "ROLLBACK",
	[MD_SAVEPOINT] = "SAVEPOINT md_unit",
	[MD_RELEASE] = "RELEASE SAVEPOINT md_unit",
	[MD_ROLLBACK_TO] = "ROLLBACK TO SAVEPOINT md_unit",
	[MD_LOCK_EXPIRE] = "DELETE FROM mr_locks WHERE name = ?1 AND expires < UNIX_TIMESTAMP()",
	[MD_LOCK_INSERT] = "INSERT IGNORE INTO mr_locks(name, owner, acquired, expires, lease) "
			   "VALUES(?1, ?2, UNIX_TIMESTAMP(), UNIX_TIMESTAMP() + ?3, ?3)",
	[MD_LOCK_HOLDER] = "SELECT owner, expires - UNIX_TIMESTAMP() FROM mr_locks WHERE name = ?1",
	[MD_LOCK_RENEW] = "UPDATE mr_locks SET expires = UNIX_TIMESTAMP() + ?3 "
			  "WHERE name = ?1 AND owner = ?2",
	[MD_LOCK_RELEASE] = "DELETE FROM mr_locks WHERE name = ?1 AND owner = ?2",
	[MD_LOCK_LIST] = "SELECT name, owner, acquired, expires, expires >= UNIX_TIMESTAMP() "
			 "FROM mr_locks WHERE LEFT(name, CHAR_LENGTH(?1)) = ?1 ORDER BY name",
	[MD_JOB_HOST_ADD] = "INSERT INTO mr_job_host(run_id, host) VALUES(?1, ?2)",
	/* queue_build's read of the parent job: locked, so that two workers
	 * (hosts) building at once wait for each other and one builds */
	[MD_MJOB_GET_LOCK] = "SELECT mailing_id, status, job_type FROM mailing_jobs WHERE id = ?1 "
			     "FOR UPDATE",
};

/* The mailroom status of the last MariaDB error. */
static int status_of(struct md_state *s)
{
	if (s->retryable)
		return MR_ETEMP;
	switch (s->last_errno) {
	case 2008: /* CR_OUT_OF_MEMORY */
		return MR_ENOMEM;
	case 1062: /* ER_DUP_ENTRY */
	case 1406: /* ER_DATA_TOO_LONG */
	case 1366: /* ER_TRUNCATED_WRONG_VALUE_FOR_FIELD */
	case 1264: /* ER_WARN_DATA_OUT_OF_RANGE */
	case 1048: /* ER_BAD_NULL_ERROR */
	case 1452: /* ER_NO_REFERENCED_ROW_2 */
	case 4025: /* ER_CONSTRAINT_FAILED */
	case 3140: /* ER_INVALID_JSON_TEXT */
		return MR_EINPUT;
	case 1021: /* ER_DISK_FULL */
	case 1114: /* ER_RECORD_FILE_FULL */
	case 1040: /* ER_CON_COUNT_ERROR */
		return MR_ETEMP;
	default:
		return s->last_errno >= 2000 && s->last_errno < 3000 ? MR_ETEMP : MR_EINTERNAL;
	}
}

int md_fail(struct md_state *s, int rc, const char *what, struct mr_error *err)
{
	(void)rc;
	return s->core->error_set(err, status_of(s), "%s in %s: %s", what, s->where,
				  s->last_error[0] ? s->last_error : "unknown error");
}

int md_acquire(struct md_state *s, enum md_stmt_id id, struct md_use *u, struct mr_error *err)
{
	u->st = NULL;
	u->transient = 0;
	if (!sql_text[id])
		return s->core->error_set(err, MR_EINTERNAL, "statement %d has no text", (int)id);
	if ((s->joins.n || s->joins.group[0]) && !md_joins_quiet(id)) {
		int rc = md_joins_flush(s, err);
		if (rc)
			return rc;
	}
	struct md_stmt **slot = &s->stmts[id];
	if (*slot && !(*slot)->busy) {
		u->st = *slot;
		return 0;
	}
	struct md_stmt *st = md_stmt_new(s, sql_text[id]);
	if (!st)
		return s->core->error_set(err, MR_ENOMEM, "out of memory");
	if (*slot)
		u->transient = 1; /* the cached one is in the middle of a listing */
	else
		*slot = st;
	u->st = st;
	return 0;
}

void md_release(struct md_use *u)
{
	if (!u->st)
		return;
	if (u->transient)
		md_stmt_free(u->st);
	else
		md_stmt_reset(u->st);
	u->st = NULL;
}

int md_run(struct md_state *s, struct md_use *u, const char *what, struct mr_error *err)
{
	int rc = md_step(u->st);
	if (rc == MD_DONE || rc == MD_ROW)
		return 0;
	return md_fail(s, rc, what, err);
}

int md_id_by_text(struct md_state *s, enum md_stmt_id id, const char *text, const char *what,
		  int64_t *id_r, struct mr_error *err)
{
	struct md_use u;
	*id_r = 0;
	int rc = md_acquire(s, id, &u, err);
	if (rc)
		return rc;
	md_bind_text(&u, 1, text);
	int src = md_step(u.st);
	if (src == MD_ROW)
		*id_r = md_col_int64(u.st, 0);
	else if (src != MD_DONE)
		rc = md_fail(s, src, what, err);
	md_release(&u);
	return rc;
}

int md_bind_text(struct md_use *u, int i, const char *v)
{
	if (!v)
		md_bind_null(u->st, i);
	else
		md_bind_str(u->st, i, v, strlen(v), 0);
	return 0;
}

int md_bind_blob(struct md_use *u, int i, const void *v, size_t len)
{
	md_bind_str(u->st, i, v ? v : "", v ? len : 0, 1);
	return 0;
}

/* Runs one of the transaction-control statements (constant text). */
static int control(struct md_state *s, enum md_stmt_id id, const char *what, struct mr_error *err)
{
	return md_exec_const(s, sql_text[id], what, err);
}

int md_unit_begin(struct md_state *s, struct mr_error *err)
{
	int rc;
	if (s->unit_depth > 0) {
		/* units nest inside a unit as plain statements */
		s->unit_depth++;
		return 0;
	}
	if (s->tx_open) {
		rc = control(s, MD_SAVEPOINT, "starting a savepoint", err);
		if (rc == 0)
			s->unit_depth = 1;
		s->unit_sp = 1;
		return rc;
	}
	s->unit_sp = 0;
	rc = control(s, MD_BEGIN, "starting a transaction", err);
	if (rc == 0) {
		s->unit_depth = 1;
		s->tx_open = 1;
	}
	return rc;
}

int md_unit_end(struct md_state *s, int rc, struct mr_error *err)
{
	struct mr_error e2 = { 0 };
	if (s->unit_depth > 1) {
		s->unit_depth--;
		return rc;
	}
	s->unit_depth = 0;
	if (s->unit_sp) {
		if (!s->tx_open) /* the connection went away: nothing to release */
			return rc;
		if (rc) {
			control(s, MD_ROLLBACK_TO, "rolling back a savepoint", &e2);
			control(s, MD_RELEASE, "releasing a savepoint", &e2);
			return rc;
		}
		return control(s, MD_RELEASE, "releasing a savepoint", err);
	}
	if (rc) {
		if (s->tx_open && s->db)
			control(s, MD_ROLLBACK, "rolling back", &e2);
		s->tx_open = 0;
		return rc;
	}
	rc = control(s, MD_COMMIT, "committing", err);
	if (rc && s->db)
		control(s, MD_ROLLBACK, "rolling back", &e2);
	s->tx_open = 0;
	return rc;
}

int md_purge(struct md_state *s, enum md_stmt_id id, int64_t before, int64_t *count_r,
	     const char *what, struct mr_error *err)
{
	struct md_use u;
	int rc = md_acquire(s, id, &u, err);
	if (rc)
		return rc;
	md_bind_int64(u.st, 1, before);
	rc = md_run(s, &u, what, err);
	if (rc == 0 && count_r)
		*count_r = md_changes(s);
	md_release(&u);
	return rc;
}

/* ---- statements of the shared operations (sqlstore/), prepared once per
 * connection and keyed by their SQL text */

int md_prepare_ad_hoc(struct md_state *s, const char *sql, struct md_stmt **st_r,
		      struct mr_error *err)
{
	*st_r = NULL;
	if (s->joins.n || s->joins.group[0]) {
		int rc = md_joins_flush(s, err);
		if (rc)
			return rc;
	}
	struct md_ad_hoc *slot = NULL;
	for (size_t i = 0; i < s->n_ad_hoc; i++)
		if (s->ad_hoc[i].sql == sql) {
			slot = &s->ad_hoc[i];
			break;
		}
	if (slot && !slot->st->busy) {
		*st_r = slot->st;
		return 0;
	}
	if (!(*st_r = md_stmt_new(s, sql)))
		return s->core->error_set(err, MR_ENOMEM, "out of memory");
	if (!slot && s->n_ad_hoc < sizeof(s->ad_hoc) / sizeof(s->ad_hoc[0]))
		s->ad_hoc[s->n_ad_hoc++] = (struct md_ad_hoc){ sql, *st_r };
	return 0;
}

void md_ad_hoc_done(struct md_state *s, struct md_stmt *st)
{
	for (size_t i = 0; i < s->n_ad_hoc; i++)
		if (s->ad_hoc[i].st == st) {
			md_stmt_reset(st);
			return;
		}
	/* made afresh (its cached copy was busy, or the cache is full) */
	md_stmt_free(st);
}

int md_text_or_null(struct md_stmt *st, int i, const char *v)
{
	if (!v)
		md_bind_null(st, i);
	else
		md_bind_str(st, i, v, strlen(v), 0);
	return 0;
}
