/* SPDX-License-Identifier: MIT */
/* The SQLite store's schema as versioned migrations: an empty file gets the newest, an older one is upgraded in place (one transaction per step), a newer one is refused. */
#include "config.h"
#include <string.h>
#include "store-sqlite.h"

/* Version 10: store-mariadb's one queue index (its schema.c).  SQLite's
 * partial indexes of version 5 already index only the rows that wait or are
 * under lease, so here the step changes nothing and keeps the two stores'
 * version numbers the same. */
static const char v10_sql[] = "";

/* Version 11: a delivery is its queue row's sent_at; the delivered events
 * that said the same go. */
static const char v11_sql[] = "DELETE FROM events WHERE event_type = 'delivered';\n";

struct migration {
	int version;
	const char *description;
	const char *sql; /* constant DDL and seed rows, several statements */
};

/*
 * Adding a version: append a struct migration with the next number, bump
 * SQ_SCHEMA_NEWEST, and never edit a step that has been released.  Each step
 * runs in one transaction with foreign keys on; a step that rebuilds a table
 * must keep the rows (INSERT INTO new SELECT ... FROM old) and the upgrade
 * test (tests/store/sqlite-schema.sh) must show they survive.
 */

/* Version 1: what the engine itself needs (spool, job log, fetched
 * messages, users).  Never edit a released step: add a new one. */
static const char v1_sql[] =
	"CREATE TABLE schema_version (\n"
	"  version INTEGER PRIMARY KEY,\n"
	"  applied INTEGER NOT NULL,\n"
	"  description TEXT NOT NULL);\n"
	"CREATE TABLE mail_spool (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  job_id INTEGER NOT NULL DEFAULT 0,\n"
	"  sender TEXT NOT NULL,\n"
	"  recipient TEXT NOT NULL,\n"
	"  subject TEXT NOT NULL DEFAULT '',\n"
	"  headers BLOB NOT NULL,\n"
	"  body BLOB NOT NULL,\n"
	"  added INTEGER NOT NULL,\n"
	"  removed INTEGER);\n"
	"CREATE INDEX mail_spool_added ON mail_spool(added);\n"
	"CREATE TABLE job_state (\n"
	"  job TEXT PRIMARY KEY,\n"
	"  last_start INTEGER,\n"
	"  last_end INTEGER,\n"
	"  last_outcome INTEGER);\n"
	"CREATE TABLE job_log (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  job TEXT NOT NULL,\n"
	"  worker INTEGER NOT NULL DEFAULT 0,\n"
	"  pid INTEGER NOT NULL DEFAULT 0,\n"
	"  started INTEGER NOT NULL,\n"
	"  ended INTEGER NOT NULL DEFAULT 0,\n"
	"  outcome INTEGER NOT NULL DEFAULT 0,\n"
	"  message TEXT NOT NULL DEFAULT '',\n"
	"  data TEXT NOT NULL DEFAULT '');\n"
	"CREATE INDEX job_log_started ON job_log(started);\n"
	"CREATE INDEX job_log_job_started ON job_log(job, started);\n"
	"CREATE TABLE fetched_messages (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  account TEXT NOT NULL,\n"
	"  msg_key TEXT NOT NULL,\n"
	"  outcome TEXT NOT NULL,\n"
	"  processed_at INTEGER NOT NULL,\n"
	"  UNIQUE (account, msg_key));\n"
	"CREATE INDEX fetched_messages_processed ON fetched_messages(processed_at);\n"
	"CREATE TABLE users (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  name TEXT NOT NULL UNIQUE,\n"
	"  pwhash TEXT NOT NULL,\n"
	"  perms INTEGER NOT NULL DEFAULT 0,\n"
	"  created INTEGER NOT NULL);\n";

/* Version 2: the CRM side, shaped like CiviCRM's tables so that later
 * versions only add columns. */
static const char v2_sql[] =
	"CREATE TABLE contacts (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  contact_type TEXT NOT NULL DEFAULT 'Individual'\n"
	"    CHECK (contact_type IN ('Individual', 'Organization')),\n"
	"  first_name TEXT,\n"
	"  last_name TEXT,\n"
	"  display_name TEXT,\n"
	"  organization_name TEXT,\n"
	"  do_not_email INTEGER NOT NULL DEFAULT 0,\n"
	"  is_opt_out INTEGER NOT NULL DEFAULT 0,\n"
	"  is_deleted INTEGER NOT NULL DEFAULT 0,\n"
	"  created INTEGER NOT NULL,\n"
	"  modified INTEGER NOT NULL);\n"
	"CREATE TABLE emails (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  contact_id INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,\n"
	"  email TEXT NOT NULL,\n"
	"  is_primary INTEGER NOT NULL DEFAULT 0,\n"
	"  on_hold INTEGER NOT NULL DEFAULT 0 CHECK (on_hold IN (0, 1, 2)),\n"
	"  hold_date INTEGER,\n"
	"  reset_date INTEGER);\n"
	"CREATE UNIQUE INDEX emails_contact_email ON emails(contact_id, lower(email));\n"
	"CREATE INDEX emails_email ON emails(lower(email));\n"
	"CREATE TABLE contact_groups (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  name TEXT NOT NULL UNIQUE,\n"
	"  title TEXT NOT NULL,\n"
	"  description TEXT,\n"
	"  created INTEGER NOT NULL);\n"
	"CREATE TABLE group_contact (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  group_id INTEGER NOT NULL REFERENCES contact_groups(id) ON DELETE CASCADE,\n"
	"  contact_id INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,\n"
	"  status TEXT NOT NULL DEFAULT 'Added' CHECK (status IN ('Added', 'Removed')),\n"
	"  UNIQUE (group_id, contact_id));\n"
	"CREATE INDEX group_contact_contact ON group_contact(contact_id);\n"
	"CREATE TABLE mailings (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  name TEXT NOT NULL,\n"
	"  subject TEXT NOT NULL,\n"
	"  from_name TEXT,\n"
	"  from_email TEXT NOT NULL,\n"
	"  reply_to TEXT,\n"
	"  body_text TEXT,\n"
	"  body_html TEXT,\n"
	"  status TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'scheduled',\n"
	"    'running', 'paused', 'complete', 'canceled')),\n"
	"  scheduled_at INTEGER,\n"
	"  created INTEGER NOT NULL);\n"
	"CREATE TABLE mailing_groups (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  mailing_id INTEGER NOT NULL REFERENCES mailings(id) ON DELETE CASCADE,\n"
	"  group_id INTEGER NOT NULL REFERENCES contact_groups(id) ON DELETE CASCADE,\n"
	"  group_type TEXT NOT NULL DEFAULT 'include'\n"
	"    CHECK (group_type IN ('include', 'exclude')),\n"
	"  UNIQUE (mailing_id, group_id));\n"
	"CREATE TABLE mailing_jobs (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  mailing_id INTEGER NOT NULL REFERENCES mailings(id) ON DELETE CASCADE,\n"
	"  parent_id INTEGER REFERENCES mailing_jobs(id) ON DELETE CASCADE,\n"
	"  job_type TEXT NOT NULL DEFAULT 'parent' CHECK (job_type IN ('parent', 'child')),\n"
	"  status TEXT NOT NULL DEFAULT 'scheduled' CHECK (status IN ('scheduled', 'running',\n"
	"    'paused', 'complete', 'canceled')),\n"
	"  scheduled_at INTEGER,\n"
	"  start_date INTEGER,\n"
	"  end_date INTEGER,\n"
	"  job_offset INTEGER NOT NULL DEFAULT 0,\n"
	"  job_limit INTEGER NOT NULL DEFAULT 0);\n"
	"CREATE INDEX mailing_jobs_mailing ON mailing_jobs(mailing_id);\n"
	"CREATE INDEX mailing_jobs_status ON mailing_jobs(status, scheduled_at);\n"
	"CREATE TABLE mailing_recipients (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  job_id INTEGER NOT NULL REFERENCES mailing_jobs(id) ON DELETE CASCADE,\n"
	"  contact_id INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,\n"
	"  email_id INTEGER REFERENCES emails(id) ON DELETE SET NULL,\n"
	"  email TEXT NOT NULL,\n"
	"  state TEXT NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'leased', 'sending',\n"
	"    'sent', 'retry', 'bounced', 'in_doubt', 'canceled')),\n"
	"  lease_owner TEXT,\n"
	"  lease_expires INTEGER,\n"
	"  attempts INTEGER NOT NULL DEFAULT 0,\n"
	"  next_attempt INTEGER NOT NULL DEFAULT 0,\n"
	"  last_code INTEGER,\n"
	"  last_text TEXT,\n"
	"  sent_at INTEGER);\n"
	"CREATE INDEX mailing_recipients_claim ON mailing_recipients(job_id, state, next_attempt);\n"
	"CREATE INDEX mailing_recipients_lease ON mailing_recipients(state, lease_expires);\n"
	"CREATE INDEX mailing_recipients_contact ON mailing_recipients(contact_id);\n"
	"CREATE INDEX mailing_recipients_email ON mailing_recipients(email_id);\n"
	"CREATE TABLE bounce_types (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  name TEXT NOT NULL UNIQUE,\n"
	"  description TEXT NOT NULL,\n"
	"  hold_threshold INTEGER NOT NULL);\n"
	"CREATE TABLE bounce_patterns (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  bounce_type_id INTEGER NOT NULL REFERENCES bounce_types(id) ON DELETE CASCADE,\n"
	"  pattern TEXT NOT NULL);\n"
	"CREATE INDEX bounce_patterns_type ON bounce_patterns(bounce_type_id);\n"
	"CREATE TABLE events (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  queue_id INTEGER NOT NULL REFERENCES mailing_recipients(id) ON DELETE CASCADE,\n"
	"  event_type TEXT NOT NULL CHECK (event_type IN ('delivered', 'bounce', 'reply',\n"
	"    'unsubscribe', 'opt-out', 'resubscribe')),\n"
	"  time INTEGER NOT NULL,\n"
	"  details TEXT,\n"
	"  bounce_type_id INTEGER REFERENCES bounce_types(id),\n"
	"  bounce_reason TEXT);\n"
	"CREATE INDEX events_queue ON events(queue_id, event_type);\n"
	"CREATE INDEX events_type_time ON events(event_type, time);\n"
	"CREATE TABLE activities (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  activity_type TEXT NOT NULL DEFAULT 'Inbound Email',\n"
	"  subject TEXT,\n"
	"  activity_date INTEGER NOT NULL,\n"
	"  status TEXT NOT NULL DEFAULT 'Completed',\n"
	"  details_text TEXT,\n"
	"  details_html TEXT,\n"
	"  message_id TEXT,\n"
	"  account TEXT,\n"
	"  created INTEGER NOT NULL);\n"
	"CREATE INDEX activities_message_id ON activities(message_id);\n"
	"CREATE TABLE activity_contacts (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  activity_id INTEGER NOT NULL REFERENCES activities(id) ON DELETE CASCADE,\n"
	"  contact_id INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,\n"
	"  role TEXT NOT NULL CHECK (role IN ('source', 'target', 'assignee')),\n"
	"  UNIQUE (activity_id, contact_id, role));\n"
	"CREATE INDEX activity_contacts_contact ON activity_contacts(contact_id);\n"
	"CREATE TABLE activity_attachments (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  activity_id INTEGER NOT NULL REFERENCES activities(id) ON DELETE CASCADE,\n"
	"  filename TEXT NOT NULL,\n"
	"  content_type TEXT NOT NULL,\n"
	"  size INTEGER NOT NULL,\n"
	"  sha256 TEXT,\n"
	"  content BLOB,\n"
	"  skipped_reason TEXT);\n"
	"CREATE INDEX activity_attachments_activity ON activity_attachments(activity_id);\n"
	/* CiviCRM's bounce types and hold thresholds */
	"INSERT INTO bounce_types(name, description, hold_threshold) VALUES\n"
	"  ('AOL', 'AOL terms of service complaint', 1),\n"
	"  ('Away', 'Recipient is away or on vacation', 30),\n"
	"  ('Dns', 'The recipient domain could not be resolved', 3),\n"
	"  ('Host', 'The destination mail server could not deliver', 3),\n"
	"  ('Inactive', 'The account is no longer active', 1),\n"
	"  ('Invalid', 'The address does not exist', 1),\n"
	"  ('Loop', 'Mail routing loop', 3),\n"
	"  ('Quota', 'The mailbox is full', 3),\n"
	"  ('Relay', 'The destination mail server could not be reached', 3),\n"
	"  ('Spam', 'Refused by a content or spam filter', 1),\n"
	"  ('Syntax', 'Error in the SMTP transaction', 3);\n";

/* Version 3: what mass mailing adds: attachments, the first try of a
 * recipient (for retry_for), the enhanced status of its last reply, and an
 * index of leases by owner. */
static const char v3_sql[] =
	"CREATE TABLE mailing_attachments (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  mailing_id INTEGER NOT NULL REFERENCES mailings(id) ON DELETE CASCADE,\n"
	"  filename TEXT NOT NULL,\n"
	"  content_type TEXT NOT NULL,\n"
	"  size INTEGER NOT NULL,\n"
	"  content BLOB NOT NULL);\n"
	"CREATE INDEX mailing_attachments_mailing ON mailing_attachments(mailing_id);\n"
	"ALTER TABLE mailing_recipients ADD COLUMN first_attempt INTEGER;\n"
	"ALTER TABLE mailing_recipients ADD COLUMN last_enhanced TEXT;\n"
	"CREATE INDEX mailing_recipients_owner ON mailing_recipients(lease_owner)\n"
	"  WHERE lease_owner IS NOT NULL;\n"
	"CREATE INDEX group_contact_group ON group_contact(group_id, status);\n";

/* Version 4: what email-to-activity adds: the header lines of a filed
 * message, one activity per Message-ID and account, listings by date. */
static const char v4_sql[] =
	"ALTER TABLE activities ADD COLUMN headers TEXT;\n"
	"CREATE UNIQUE INDEX activities_account_message ON activities(account, message_id)\n"
	"  WHERE message_id IS NOT NULL;\n"
	"CREATE INDEX activities_date ON activities(activity_date);\n";

/* Version 5: queue indexes that a recipient's progress does not rewrite.  A
 * row leaves the claim indexes when it is leased and enters the lease index
 * only while it is leased or sending, so marking a batch as sending and
 * recording a delivery touch at most one index entry instead of four. */
static const char v5_sql[] =
	"DROP INDEX mailing_recipients_claim;\n"
	"DROP INDEX mailing_recipients_lease;\n"
	"DROP INDEX mailing_recipients_owner;\n"
	"CREATE INDEX mailing_recipients_job ON mailing_recipients(job_id);\n"
	"CREATE INDEX mailing_recipients_queued ON mailing_recipients(job_id)\n"
	"  WHERE state = 'queued';\n"
	"CREATE INDEX mailing_recipients_retry ON mailing_recipients(job_id, next_attempt)\n"
	"  WHERE state = 'retry';\n"
	"CREATE INDEX mailing_recipients_owner ON mailing_recipients(lease_owner, lease_expires)\n"
	"  WHERE lease_owner IS NOT NULL;\n";

/* Version 6: contact management: when a membership was last added and
 * removed, who changed a contact when, custom fields and their values
 * (preferred_language built in). */
static const char v6_sql[] =
	"ALTER TABLE group_contact ADD COLUMN added_date INTEGER;\n"
	"ALTER TABLE group_contact ADD COLUMN removed_date INTEGER;\n"
	"CREATE TABLE contact_events (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  contact_id INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,\n"
	"  time INTEGER NOT NULL,\n"
	"  who TEXT NOT NULL,\n"
	"  action TEXT NOT NULL,\n"
	"  details TEXT);\n"
	"CREATE INDEX contact_events_contact ON contact_events(contact_id, time);\n"
	"CREATE TABLE custom_fields (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  name TEXT NOT NULL UNIQUE,\n"
	"  type TEXT NOT NULL CHECK (type IN ('text', 'int', 'date', 'bool', 'choice')),\n"
	"  choices TEXT,\n"
	"  builtin INTEGER NOT NULL DEFAULT 0,\n"
	"  created INTEGER NOT NULL);\n"
	"CREATE TABLE contact_values (\n"
	"  contact_id INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,\n"
	"  field_id INTEGER NOT NULL REFERENCES custom_fields(id) ON DELETE CASCADE,\n"
	"  value TEXT NOT NULL,\n"
	"  PRIMARY KEY (contact_id, field_id));\n"
	"CREATE INDEX contact_values_field ON contact_values(field_id, value);\n"
	"INSERT INTO custom_fields(name, type, builtin, created)\n"
	"  VALUES ('preferred_language', 'text', 1, 0);\n"
	"ALTER TABLE contact_groups ADD COLUMN where_expr TEXT;\n";

/* Version 7: a mailing's life before sending: the count of its test
 * messages (mailing test), kept apart from its queue, its named settings
 * (List-Id, Precedence, ...), and templates. */
static const char v7_sql[] =
	"ALTER TABLE mailings ADD COLUMN tests_sent INTEGER NOT NULL DEFAULT 0;\n"
	"CREATE TABLE mailing_settings (\n"
	"  mailing_id INTEGER NOT NULL REFERENCES mailings(id) ON DELETE CASCADE,\n"
	"  name TEXT NOT NULL,\n"
	"  value TEXT NOT NULL,\n"
	"  PRIMARY KEY (mailing_id, name));\n"
	"CREATE TABLE mailing_templates (\n"
	"  name TEXT PRIMARY KEY,\n"
	"  body_html TEXT,\n"
	"  body_text TEXT,\n"
	"  created INTEGER NOT NULL);\n";

/* Version 8: double opt-in: a contact's pending requests to join a group,
 * until they are confirmed (then a membership) or expire. */
static const char v8_sql[] =
	"CREATE TABLE optin_pending (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  group_id INTEGER NOT NULL REFERENCES contact_groups(id) ON DELETE CASCADE,\n"
	"  contact_id INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,\n"
	"  created INTEGER NOT NULL,\n"
	"  expires INTEGER NOT NULL,\n"
	"  UNIQUE (group_id, contact_id));\n"
	"CREATE INDEX optin_pending_contact ON optin_pending(contact_id);\n"
	"CREATE INDEX optin_pending_expires ON optin_pending(expires);\n";

/* Version 9: when each address last got an auto-reply to its reply to a
 * mailing (fetch-bounces' auto_reply_file), so that it gets one at most
 * per period. */
static const char v9_sql[] =
	"CREATE TABLE auto_replies (\n"
	"  email TEXT PRIMARY KEY,\n"
	"  sent_at INTEGER NOT NULL);\n";

static const struct migration migrations[] = {
	{ 1, "spool, job log, fetched messages, users", v1_sql },
	{ 2, "contacts, groups, mailings, queue, events, bounce types, activities", v2_sql },
	{ 3, "mailing attachments, first try and lease owner of queue rows", v3_sql },
	{ 4, "activity headers, one activity per Message-ID and account", v4_sql },
	{ 5, "queue indexes untouched by sending and delivery", v5_sql },
	{ 6, "membership dates, contact change events, custom fields, smart groups", v6_sql },
	{ 7, "test messages and settings of a mailing, templates", v7_sql },
	{ 8, "double opt-in requests", v8_sql },
	{ 9, "the auto-replies to replies", v9_sql },
	{ 10, "store-mariadb's single queue index (nothing to change in SQLite)", v10_sql },
	{ 11, "deliveries are the queue rows' sent_at, not events", v11_sql },
};

_Static_assert(sizeof(migrations) / sizeof(migrations[0]) == SQ_SCHEMA_NEWEST,
	       "one migration per schema version");

/* Runs a constant script statement by statement. */
static int run_script(struct sq_state *s, const char *sql, const char *what, struct mr_error *err)
{
	const char *p = sql;
	while (p && *p) {
		sqlite3_stmt *st = NULL;
		const char *tail = NULL;
		int rc = sqlite3_prepare_v2(s->db, p, -1, &st, &tail);
		if (rc != SQLITE_OK)
			return sq_fail(s, rc, what, err);
		if (st) {
			while ((rc = sqlite3_step(st)) == SQLITE_ROW)
				;
			sqlite3_finalize(st);
			if (rc != SQLITE_DONE)
				return sq_fail(s, rc, what, err);
		}
		p = tail;
	}
	return 0;
}

/* 1 when the database has a table of that name. */
static int has_table(sqlite3 *db, const char *name, int *has_r)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db, "SELECT count(*) FROM sqlite_master WHERE type = 'table' "
				    "AND name = ?1", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return rc;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*has_r = sqlite3_column_int(st, 0) > 0;
		rc = SQLITE_OK;
	}
	sqlite3_finalize(st);
	return rc;
}

int sq_read_version(sqlite3 *db, int *version_r)
{
	int has = 0;
	int rc = has_table(db, "schema_version", &has);
	*version_r = 0;
	if (rc != SQLITE_OK || !has)
		return rc;
	sqlite3_stmt *st = NULL;
	rc = sqlite3_prepare_v2(db, "SELECT coalesce(max(version), 0) FROM schema_version", -1, &st,
				NULL);
	if (rc != SQLITE_OK)
		return rc;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*version_r = sqlite3_column_int(st, 0);
		rc = SQLITE_OK;
	}
	sqlite3_finalize(st);
	return rc;
}

/* Refuses a database that is not ours or is newer than this code. */
static int check_version(struct sq_state *s, int version, struct mr_error *err)
{
	if (version > SQ_SCHEMA_NEWEST)
		return s->core->error_set(err, MR_ECONFIG,
			"%s is at schema version %d but this store-sqlite knows versions up to %d "
			"only: it was written by a newer mailroom; refusing to use it (upgrade "
			"mailroom or point [store-sqlite] path elsewhere)", s->path, version,
			SQ_SCHEMA_NEWEST);
	if (version == 0) {
		sqlite3_stmt *st = NULL;
		int rc = sqlite3_prepare_v2(s->db, "SELECT count(*) FROM sqlite_master", -1, &st, NULL);
		if (rc != SQLITE_OK)
			return sq_fail(s, rc, "reading the schema", err);
		int n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
		sqlite3_finalize(st);
		if (n > 0)
			return s->core->error_set(err, MR_ECONFIG,
				"%s holds tables but no schema_version table: it is not a mailroom "
				"database; refusing to touch it", s->path);
	}
	return 0;
}

/* One step, in its own transaction; re-reads the version under the write
 * lock so that two processes upgrading at once do each step once. */
static int migrate_step(struct sq_state *s, const struct migration *m, struct mr_error *err)
{
	struct mr_error e2 = { 0 };
	char what[96];
	snprintf(what, sizeof(what), "upgrading the schema to version %d", m->version);
	int rc = run_script(s, "BEGIN IMMEDIATE", what, err);
	if (rc)
		return rc;
	int version = 0;
	int src = sq_read_version(s->db, &version);
	if (src != SQLITE_OK) {
		rc = sq_fail(s, src, what, err);
	} else if ((rc = check_version(s, version, err)) == 0 && version < m->version) {
		if (version != m->version - 1) {
			rc = s->core->error_set(err, MR_EINTERNAL, "%s: schema version %d is not "
						"followed by %d", s->path, version, m->version);
		} else if ((rc = run_script(s, m->sql, what, err)) == 0) {
			sqlite3_stmt *st = NULL;
			src = sqlite3_prepare_v2(s->db, "INSERT INTO schema_version(version, applied, "
						 "description) VALUES(?1, CAST(strftime('%s', 'now') "
						 "AS INTEGER), ?2)", -1, &st, NULL);
			if (src == SQLITE_OK) {
				sqlite3_bind_int(st, 1, m->version);
				sqlite3_bind_text(st, 2, m->description, -1, SQLITE_STATIC);
				src = sqlite3_step(st);
				sqlite3_finalize(st);
			}
			if (src != SQLITE_OK && src != SQLITE_DONE)
				rc = sq_fail(s, src, what, err);
		}
	}
	if (rc) {
		run_script(s, "ROLLBACK", "rolling back", &e2);
		return rc;
	}
	rc = run_script(s, "COMMIT", what, err);
	if (rc)
		run_script(s, "ROLLBACK", "rolling back", &e2);
	return rc;
}

int sq_migrate(struct sq_state *s, struct mr_error *err)
{
	/* a newer schema is refused here; whether an unversioned file is ours
	 * is decided by migrate_step under the write lock, since another
	 * process may be creating the schema right now */
	int version = 0;
	int src = sq_read_version(s->db, &version);
	if (src != SQLITE_OK)
		return sq_fail(s, src, "reading the schema version", err);
	int rc = version > 0 ? check_version(s, version, err) : 0;
	if (rc)
		return rc;
	for (size_t i = 0; i < sizeof(migrations) / sizeof(migrations[0]); i++) {
		if (migrations[i].version <= version)
			continue;
		if ((rc = migrate_step(s, &migrations[i], err)) != 0)
			return rc;
		s->core->log(s->log, MR_LOG_INFO, "%s: schema upgraded to version %d (%s)", s->path,
			     migrations[i].version, migrations[i].description);
	}
	return 0;
}

/* The host of each run, as store-mariadb keeps it: made on first use outside
 * the versioned schema (a store made before it gains it), so that a site
 * copied between the stores keeps its runs' hosts. */
static const char hosts_sql[] =
	"CREATE TABLE IF NOT EXISTS mr_job_host (\n"
	"  run_id INTEGER PRIMARY KEY REFERENCES job_log(id) ON DELETE CASCADE,\n"
	"  host TEXT NOT NULL);\n";

int sq_hosts_ready(struct sq_state *s, struct mr_error *err)
{
	if (s->hosts_ready)
		return 0;
	char *msg = NULL;
	int rc = sqlite3_exec(s->db, hosts_sql, NULL, NULL, &msg);
	if (rc != SQLITE_OK) {
		int st = s->core->error_set(err, MR_ETEMP, "creating the job hosts table in %s: %s",
					    s->path, msg ? msg : sqlite3_errstr(rc));
		sqlite3_free(msg);
		return st;
	}
	s->hosts_ready = 1;
	return 0;
}
