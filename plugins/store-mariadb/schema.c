/* SPDX-License-Identifier: MIT */
/* The MariaDB store's schema as versioned migrations (InnoDB, utf8mb4), numbered as store-sqlite's: an empty database gets the newest, an older one is upgraded step by step under a server-side lock, a newer one is refused. */
#include "config.h"
#include <stdlib.h>
#include <string.h>
#include "store-mariadb.h"

/*
 * Version N here holds what version N of store-sqlite holds, table for
 * table and column for column, so that `mailroom store copy` and the
 * conformance suite see one schema.  Differences of dialect only:
 * - ids are BIGINT AUTO_INCREMENT; times are BIGINT unix seconds;
 * - tables default to utf8mb4_nopad_bin (names compare exactly, trailing
 *   spaces too, as in SQLite)
 *   but email columns are utf8mb4_unicode_nopad_ci (case-insensitive, as
 *   CiviCRM's civicrm_email):
 *   store-sqlite compares lower(email), here the collation does it and
 *   the index serves it;
 * - SQLite's partial indexes become ordinary ones.
 * MariaDB commits DDL implicitly, so a step cannot be one transaction:
 * every statement says IF [NOT] EXISTS and the version row is written
 * last, so a step cut short is run again whole at the next start.  Steps
 * run under GET_LOCK so that processes starting at once do each step once.
 * Never edit a released step: add a new one.
 */
#define TBL " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin;\n"
#define ID "  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,\n"
#define EMAIL "VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_nopad_ci"

static const char v1_sql[] =
	"CREATE TABLE IF NOT EXISTS schema_version (\n"
	"  version INT NOT NULL PRIMARY KEY,\n"
	"  applied BIGINT NOT NULL,\n"
	"  description VARCHAR(255) NOT NULL)" TBL
	"CREATE TABLE IF NOT EXISTS mail_spool (\n" ID
	"  job_id BIGINT NOT NULL DEFAULT 0,\n"
	"  sender TEXT NOT NULL,\n"
	"  recipient TEXT NOT NULL,\n"
	"  subject TEXT NOT NULL DEFAULT '',\n"
	"  headers LONGBLOB NOT NULL,\n"
	"  body LONGBLOB NOT NULL,\n"
	"  added BIGINT NOT NULL,\n"
	"  removed BIGINT,\n"
	"  INDEX mail_spool_added (added))" TBL
	"CREATE TABLE IF NOT EXISTS job_state (\n"
	"  job VARCHAR(191) NOT NULL PRIMARY KEY,\n"
	"  last_start BIGINT,\n"
	"  last_end BIGINT,\n"
	"  last_outcome INT)" TBL
	"CREATE TABLE IF NOT EXISTS job_log (\n" ID
	"  job VARCHAR(191) NOT NULL,\n"
	"  worker INT NOT NULL DEFAULT 0,\n"
	"  pid INT NOT NULL DEFAULT 0,\n"
	"  started BIGINT NOT NULL,\n"
	"  ended BIGINT NOT NULL DEFAULT 0,\n"
	"  outcome INT NOT NULL DEFAULT 0,\n"
	"  message TEXT NOT NULL DEFAULT '',\n"
	"  data TEXT NOT NULL DEFAULT '',\n"
	"  INDEX job_log_started (started),\n"
	"  INDEX job_log_job_started (job, started))" TBL
	"CREATE TABLE IF NOT EXISTS fetched_messages (\n" ID
	"  account VARCHAR(191) NOT NULL,\n"
	"  msg_key VARCHAR(512) NOT NULL,\n"
	"  outcome VARCHAR(255) NOT NULL,\n"
	"  processed_at BIGINT NOT NULL,\n"
	"  UNIQUE KEY fetched_messages_key (account, msg_key),\n"
	"  INDEX fetched_messages_processed (processed_at))" TBL
	"CREATE TABLE IF NOT EXISTS users (\n" ID
	"  name VARCHAR(191) NOT NULL UNIQUE,\n"
	"  pwhash VARCHAR(512) NOT NULL,\n"
	"  perms BIGINT NOT NULL DEFAULT 0,\n"
	"  created BIGINT NOT NULL)" TBL;

static const char v2_sql[] =
	"CREATE TABLE IF NOT EXISTS contacts (\n" ID
	"  contact_type VARCHAR(16) NOT NULL DEFAULT 'Individual'\n"
	"    CHECK (contact_type IN ('Individual', 'Organization')),\n"
	"  first_name VARCHAR(255),\n"
	"  last_name VARCHAR(255),\n"
	"  display_name VARCHAR(255),\n"
	"  organization_name VARCHAR(255),\n"
	"  do_not_email TINYINT NOT NULL DEFAULT 0,\n"
	"  is_opt_out TINYINT NOT NULL DEFAULT 0,\n"
	"  is_deleted TINYINT NOT NULL DEFAULT 0,\n"
	"  created BIGINT NOT NULL,\n"
	"  modified BIGINT NOT NULL)" TBL
	"CREATE TABLE IF NOT EXISTS emails (\n" ID
	"  contact_id BIGINT NOT NULL,\n"
	"  email " EMAIL " NOT NULL,\n"
	"  is_primary TINYINT NOT NULL DEFAULT 0,\n"
	"  on_hold TINYINT NOT NULL DEFAULT 0 CHECK (on_hold IN (0, 1, 2)),\n"
	"  hold_date BIGINT,\n"
	"  reset_date BIGINT,\n"
	"  UNIQUE KEY emails_contact_email (contact_id, email),\n"
	"  INDEX emails_email (email),\n"
	"  FOREIGN KEY (contact_id) REFERENCES contacts(id) ON DELETE CASCADE)" TBL
	"CREATE TABLE IF NOT EXISTS contact_groups (\n" ID
	"  name VARCHAR(191) NOT NULL UNIQUE,\n"
	"  title VARCHAR(255) NOT NULL,\n"
	"  description TEXT,\n"
	"  created BIGINT NOT NULL)" TBL
	"CREATE TABLE IF NOT EXISTS group_contact (\n" ID
	"  group_id BIGINT NOT NULL,\n"
	"  contact_id BIGINT NOT NULL,\n"
	"  status VARCHAR(16) NOT NULL DEFAULT 'Added' CHECK (status IN ('Added', 'Removed')),\n"
	"  UNIQUE KEY group_contact_pair (group_id, contact_id),\n"
	"  INDEX group_contact_contact (contact_id),\n"
	"  FOREIGN KEY (group_id) REFERENCES contact_groups(id) ON DELETE CASCADE,\n"
	"  FOREIGN KEY (contact_id) REFERENCES contacts(id) ON DELETE CASCADE)" TBL
	"CREATE TABLE IF NOT EXISTS mailings (\n" ID
	"  name VARCHAR(255) NOT NULL,\n"
	"  subject TEXT NOT NULL,\n"
	"  from_name VARCHAR(255),\n"
	"  from_email VARCHAR(255) NOT NULL,\n"
	"  reply_to VARCHAR(255),\n"
	"  body_text LONGTEXT,\n"
	"  body_html LONGTEXT,\n"
	"  status VARCHAR(16) NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'scheduled',\n"
	"    'running', 'paused', 'complete', 'canceled')),\n"
	"  scheduled_at BIGINT,\n"
	"  created BIGINT NOT NULL)" TBL
	"CREATE TABLE IF NOT EXISTS mailing_groups (\n" ID
	"  mailing_id BIGINT NOT NULL,\n"
	"  group_id BIGINT NOT NULL,\n"
	"  group_type VARCHAR(16) NOT NULL DEFAULT 'include'\n"
	"    CHECK (group_type IN ('include', 'exclude')),\n"
	"  UNIQUE KEY mailing_groups_pair (mailing_id, group_id),\n"
	"  FOREIGN KEY (mailing_id) REFERENCES mailings(id) ON DELETE CASCADE,\n"
	"  FOREIGN KEY (group_id) REFERENCES contact_groups(id) ON DELETE CASCADE)" TBL
	"CREATE TABLE IF NOT EXISTS mailing_jobs (\n" ID
	"  mailing_id BIGINT NOT NULL,\n"
	"  parent_id BIGINT,\n"
	"  job_type VARCHAR(16) NOT NULL DEFAULT 'parent' CHECK (job_type IN ('parent', 'child')),\n"
	"  status VARCHAR(16) NOT NULL DEFAULT 'scheduled' CHECK (status IN ('scheduled', 'running',\n"
	"    'paused', 'complete', 'canceled')),\n"
	"  scheduled_at BIGINT,\n"
	"  start_date BIGINT,\n"
	"  end_date BIGINT,\n"
	"  job_offset BIGINT NOT NULL DEFAULT 0,\n"
	"  job_limit BIGINT NOT NULL DEFAULT 0,\n"
	"  INDEX mailing_jobs_mailing (mailing_id),\n"
	"  INDEX mailing_jobs_status (status, scheduled_at),\n"
	"  FOREIGN KEY (mailing_id) REFERENCES mailings(id) ON DELETE CASCADE,\n"
	"  FOREIGN KEY (parent_id) REFERENCES mailing_jobs(id) ON DELETE CASCADE)" TBL
	"CREATE TABLE IF NOT EXISTS mailing_recipients (\n" ID
	"  job_id BIGINT NOT NULL,\n"
	"  contact_id BIGINT NOT NULL,\n"
	"  email_id BIGINT,\n"
	"  email " EMAIL " NOT NULL,\n"
	"  state VARCHAR(16) NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'leased',\n"
	"    'sending', 'sent', 'retry', 'bounced', 'in_doubt', 'canceled')),\n"
	"  lease_owner VARCHAR(191),\n"
	"  lease_expires BIGINT,\n"
	"  attempts INT NOT NULL DEFAULT 0,\n"
	"  next_attempt BIGINT NOT NULL DEFAULT 0,\n"
	"  last_code INT,\n"
	"  last_text TEXT,\n"
	"  sent_at BIGINT,\n"
	"  INDEX mailing_recipients_claim (job_id, state, next_attempt),\n"
	"  INDEX mailing_recipients_lease (state, lease_expires),\n"
	"  INDEX mailing_recipients_contact (contact_id),\n"
	"  INDEX mailing_recipients_email (email_id),\n"
	"  FOREIGN KEY (job_id) REFERENCES mailing_jobs(id) ON DELETE CASCADE,\n"
	"  FOREIGN KEY (contact_id) REFERENCES contacts(id) ON DELETE CASCADE,\n"
	"  FOREIGN KEY (email_id) REFERENCES emails(id) ON DELETE SET NULL)" TBL
	"CREATE TABLE IF NOT EXISTS bounce_types (\n" ID
	"  name VARCHAR(64) NOT NULL UNIQUE,\n"
	"  description VARCHAR(255) NOT NULL,\n"
	"  hold_threshold INT NOT NULL)" TBL
	"CREATE TABLE IF NOT EXISTS bounce_patterns (\n" ID
	"  bounce_type_id BIGINT NOT NULL,\n"
	"  pattern TEXT NOT NULL,\n"
	"  INDEX bounce_patterns_type (bounce_type_id),\n"
	"  FOREIGN KEY (bounce_type_id) REFERENCES bounce_types(id) ON DELETE CASCADE)" TBL
	"CREATE TABLE IF NOT EXISTS events (\n" ID
	"  queue_id BIGINT NOT NULL,\n"
	"  event_type VARCHAR(16) NOT NULL CHECK (event_type IN ('delivered', 'bounce', 'reply',\n"
	"    'unsubscribe', 'opt-out', 'resubscribe')),\n"
	"  time BIGINT NOT NULL,\n"
	"  details TEXT,\n"
	"  bounce_type_id BIGINT,\n"
	"  bounce_reason TEXT,\n"
	"  INDEX events_queue (queue_id, event_type),\n"
	"  INDEX events_type_time (event_type, time),\n"
	"  FOREIGN KEY (queue_id) REFERENCES mailing_recipients(id) ON DELETE CASCADE,\n"
	"  FOREIGN KEY (bounce_type_id) REFERENCES bounce_types(id))" TBL
	"CREATE TABLE IF NOT EXISTS activities (\n" ID
	"  activity_type VARCHAR(64) NOT NULL DEFAULT 'Inbound Email',\n"
	"  subject TEXT,\n"
	"  activity_date BIGINT NOT NULL,\n"
	"  status VARCHAR(32) NOT NULL DEFAULT 'Completed',\n"
	"  details_text LONGTEXT,\n"
	"  details_html LONGTEXT,\n"
	"  message_id VARCHAR(512),\n"
	"  account VARCHAR(191),\n"
	"  created BIGINT NOT NULL,\n"
	"  INDEX activities_message_id (message_id))" TBL
	"CREATE TABLE IF NOT EXISTS activity_contacts (\n" ID
	"  activity_id BIGINT NOT NULL,\n"
	"  contact_id BIGINT NOT NULL,\n"
	"  role VARCHAR(16) NOT NULL CHECK (role IN ('source', 'target', 'assignee')),\n"
	"  UNIQUE KEY activity_contacts_triple (activity_id, contact_id, role),\n"
	"  INDEX activity_contacts_contact (contact_id),\n"
	"  FOREIGN KEY (activity_id) REFERENCES activities(id) ON DELETE CASCADE,\n"
	"  FOREIGN KEY (contact_id) REFERENCES contacts(id) ON DELETE CASCADE)" TBL
	"CREATE TABLE IF NOT EXISTS activity_attachments (\n" ID
	"  activity_id BIGINT NOT NULL,\n"
	"  filename VARCHAR(255) NOT NULL,\n"
	"  content_type VARCHAR(255) NOT NULL,\n"
	"  size BIGINT NOT NULL,\n"
	"  sha256 VARCHAR(64),\n"
	"  content LONGBLOB,\n"
	"  skipped_reason VARCHAR(255),\n"
	"  INDEX activity_attachments_activity (activity_id),\n"
	"  FOREIGN KEY (activity_id) REFERENCES activities(id) ON DELETE CASCADE)" TBL
	/* CiviCRM's bounce types and hold thresholds */
	"INSERT IGNORE INTO bounce_types(name, description, hold_threshold) VALUES\n"
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

static const char v3_sql[] =
	"CREATE TABLE IF NOT EXISTS mailing_attachments (\n" ID
	"  mailing_id BIGINT NOT NULL,\n"
	"  filename VARCHAR(255) NOT NULL,\n"
	"  content_type VARCHAR(255) NOT NULL,\n"
	"  size BIGINT NOT NULL,\n"
	"  content LONGBLOB NOT NULL,\n"
	"  INDEX mailing_attachments_mailing (mailing_id),\n"
	"  FOREIGN KEY (mailing_id) REFERENCES mailings(id) ON DELETE CASCADE)" TBL
	"ALTER TABLE mailing_recipients ADD COLUMN IF NOT EXISTS first_attempt BIGINT;\n"
	"ALTER TABLE mailing_recipients ADD COLUMN IF NOT EXISTS last_enhanced VARCHAR(32);\n"
	"CREATE INDEX IF NOT EXISTS mailing_recipients_owner ON mailing_recipients(lease_owner);\n"
	"CREATE INDEX IF NOT EXISTS group_contact_group ON group_contact(group_id, status);\n";

static const char v4_sql[] =
	"ALTER TABLE activities ADD COLUMN IF NOT EXISTS headers MEDIUMTEXT;\n"
	"CREATE UNIQUE INDEX IF NOT EXISTS activities_account_message ON activities(account, message_id);\n"
	"CREATE INDEX IF NOT EXISTS activities_date ON activities(activity_date);\n";

/* SQLite's partial indexes of version 5 become: one by job (the foreign
 * key needs it, so it comes before the old ones go), one by state for
 * claims (queued and retry rows of a job, in id order), one by lease owner. */
static const char v5_sql[] =
	"CREATE INDEX IF NOT EXISTS mailing_recipients_job ON mailing_recipients(job_id);\n"
	"CREATE INDEX IF NOT EXISTS mailing_recipients_state ON mailing_recipients(state, job_id, next_attempt);\n"
	"DROP INDEX IF EXISTS mailing_recipients_claim ON mailing_recipients;\n"
	"DROP INDEX IF EXISTS mailing_recipients_lease ON mailing_recipients;\n"
	"DROP INDEX IF EXISTS mailing_recipients_owner ON mailing_recipients;\n"
	"CREATE INDEX IF NOT EXISTS mailing_recipients_lease_owner ON mailing_recipients(lease_owner, lease_expires);\n";

/* Version 6 (as store-sqlite's): membership dates, contact change events,
 * custom fields and their values. */
static const char v6_sql[] =
	"ALTER TABLE group_contact ADD COLUMN IF NOT EXISTS added_date BIGINT;\n"
	"ALTER TABLE group_contact ADD COLUMN IF NOT EXISTS removed_date BIGINT;\n"
	"CREATE TABLE IF NOT EXISTS contact_events (\n" ID
	"  contact_id BIGINT NOT NULL,\n"
	"  time BIGINT NOT NULL,\n"
	"  who VARCHAR(255) NOT NULL,\n"
	"  action VARCHAR(64) NOT NULL,\n"
	"  details TEXT,\n"
	"  INDEX contact_events_contact (contact_id, time),\n"
	"  FOREIGN KEY (contact_id) REFERENCES contacts(id) ON DELETE CASCADE)" TBL
	"CREATE TABLE IF NOT EXISTS custom_fields (\n" ID
	"  name VARCHAR(64) NOT NULL UNIQUE,\n"
	"  type ENUM('text', 'int', 'date', 'bool', 'choice') NOT NULL,\n"
	"  choices TEXT,\n"
	"  builtin TINYINT NOT NULL DEFAULT 0,\n"
	"  created BIGINT NOT NULL)" TBL
	"CREATE TABLE IF NOT EXISTS contact_values (\n"
	"  contact_id BIGINT NOT NULL,\n"
	"  field_id BIGINT NOT NULL,\n"
	"  value TEXT NOT NULL,\n"
	"  PRIMARY KEY (contact_id, field_id),\n"
	"  INDEX contact_values_field (field_id, value(64)),\n"
	"  FOREIGN KEY (contact_id) REFERENCES contacts(id) ON DELETE CASCADE,\n"
	"  FOREIGN KEY (field_id) REFERENCES custom_fields(id) ON DELETE CASCADE)" TBL
	"INSERT IGNORE INTO custom_fields(name, type, builtin, created)\n"
	"  VALUES ('preferred_language', 'text', 1, 0);\n"
	"ALTER TABLE contact_groups ADD COLUMN IF NOT EXISTS where_expr TEXT;\n";

/* Version 7 (as store-sqlite's): the count of a mailing's test messages, its named settings, templates. */
static const char v7_sql[] =
	"ALTER TABLE mailings ADD COLUMN IF NOT EXISTS tests_sent BIGINT NOT NULL DEFAULT 0;\n"
	"CREATE TABLE IF NOT EXISTS mailing_settings (\n"
	"  mailing_id BIGINT NOT NULL,\n"
	"  name VARCHAR(64) NOT NULL,\n"
	"  value TEXT NOT NULL,\n"
	"  PRIMARY KEY (mailing_id, name),\n"
	"  FOREIGN KEY (mailing_id) REFERENCES mailings(id) ON DELETE CASCADE)" TBL
	"CREATE TABLE IF NOT EXISTS mailing_templates (\n"
	"  name VARCHAR(64) NOT NULL PRIMARY KEY,\n"
	"  body_html MEDIUMTEXT,\n"
	"  body_text MEDIUMTEXT,\n"
	"  created BIGINT NOT NULL)" TBL;

/* Version 8 (as store-sqlite's): double opt-in requests. */
static const char v8_sql[] =
	"CREATE TABLE IF NOT EXISTS optin_pending (\n" ID
	"  group_id BIGINT NOT NULL,\n"
	"  contact_id BIGINT NOT NULL,\n"
	"  created BIGINT NOT NULL,\n"
	"  expires BIGINT NOT NULL,\n"
	"  UNIQUE KEY optin_pending_member (group_id, contact_id),\n"
	"  INDEX optin_pending_contact (contact_id),\n"
	"  INDEX optin_pending_expires (expires),\n"
	"  FOREIGN KEY (group_id) REFERENCES contact_groups(id) ON DELETE CASCADE,\n"
	"  FOREIGN KEY (contact_id) REFERENCES contacts(id) ON DELETE CASCADE)" TBL;

/* Version 9 (as store-sqlite's): the last auto-reply to each replier. */
static const char v9_sql[] =
	"CREATE TABLE IF NOT EXISTS auto_replies (\n"
	"  email " EMAIL " NOT NULL PRIMARY KEY,\n"
	"  sent_at BIGINT NOT NULL)" TBL;

/* Version 10: one index for the life of a queue row instead of two that
 * every step moved.  queue_key is the row's job id while it waits (negated
 * for retries, so that a pick reads due retries first), one constant while
 * it is leased or being sent and another while it is in doubt, NULL once it
 * has its outcome; the index (queue_key, lease_owner, next_attempt) finds
 * the waiting rows of a mailing, a lease owner's rows and the rows in doubt.
 * A row's entry then moves twice (leased, then done) where the old state and
 * lease-owner indexes moved five times (leased, sending and done, and the
 * owner set and cleared).  The rows are stored REDUNDANT and the state as an
 * ENUM, so that setting a NULL number (lease_expires, first_attempt,
 * sent_at) or the state keeps a row's size: InnoDB then updates it in place
 * instead of deleting and inserting it in its page (3 us against 8 to 20 us
 * a row, measured).  MD_QUEUE_INFLIGHT and MD_QUEUE_DOUBT in
 * store-mariadb.h are the two constants.  The column is invisible, so that
 * `SELECT *` (store copy) gives the same columns as store-sqlite's table. */
static const char v10_sql[] =
	"ALTER TABLE mailing_recipients ROW_FORMAT=REDUNDANT, "
	"MODIFY state ENUM('queued', 'leased', 'sending', 'sent', 'retry', 'bounced', 'in_doubt', "
	"'canceled') NOT NULL DEFAULT 'queued', "
	"ADD COLUMN IF NOT EXISTS queue_key BIGINT AS (CASE state "
	"WHEN 'queued' THEN job_id WHEN 'retry' THEN -job_id "
	"WHEN 'leased' THEN " MD_QUEUE_INFLIGHT " WHEN 'sending' THEN " MD_QUEUE_INFLIGHT " "
	"WHEN 'in_doubt' THEN " MD_QUEUE_DOUBT " END) PERSISTENT INVISIBLE;\n"
	"CREATE INDEX IF NOT EXISTS mailing_recipients_queue ON mailing_recipients(queue_key, "
	"lease_owner, next_attempt);\n"
	"DROP INDEX IF EXISTS mailing_recipients_state ON mailing_recipients;\n"
	"DROP INDEX IF EXISTS mailing_recipients_lease_owner ON mailing_recipients;\n";

/* Version 11: a delivery is its queue row's sent_at (as store-sqlite's), the
 * delivered events that said the same go.  Queue rows are born at the size
 * they end with, so that no update moves them out of their page: the lease
 * owner becomes a CHAR(64) of ASCII (md_owner_key's form, which the UPDATE
 * writes for owners that are not; in a REDUNDANT row a fixed-size column
 * keeps its place even while NULL), and an invisible reply_room holds, from
 * the build to the outcome, the room the server's reply takes then. */
static const char v11_sql[] =
	"DELETE FROM events WHERE event_type = 'delivered';\n"
	"UPDATE mailing_recipients SET lease_owner = CONCAT('~', LEFT(SHA2(lease_owner, 256), 63)) "
	"WHERE lease_owner IS NOT NULL AND NOT CAST(lease_owner AS BINARY) REGEXP '^[!-~]{1,64}$';\n"
	"ALTER TABLE mailing_recipients MODIFY lease_owner CHAR(64) CHARACTER SET ascii "
	"COLLATE ascii_bin, ADD COLUMN IF NOT EXISTS reply_room VARBINARY(255) "
	"INVISIBLE DEFAULT '" MD_REPLY_ROOM_BYTES "';\n"
	"UPDATE mailing_recipients SET reply_room = NULL WHERE state NOT IN ('queued', 'leased', "
	"'sending');\n";

struct migration {
	int version;
	const char *description;
	const char *sql;
};

static const struct migration migrations[] = {
	{ 1, "spool, job log, fetched messages, users", v1_sql },
	{ 2, "contacts, groups, mailings, queue, events, bounce types, activities", v2_sql },
	{ 3, "mailing attachments, first try and lease owner of queue rows", v3_sql },
	{ 4, "activity headers, one activity per Message-ID and account", v4_sql },
	{ 5, "queue indexes for claims and leases", v5_sql },
	{ 6, "membership dates, contact change events, custom fields, smart groups", v6_sql },
	{ 7, "test messages and settings of a mailing, templates", v7_sql },
	{ 8, "double opt-in requests", v8_sql },
	{ 9, "the auto-replies to replies", v9_sql },
	{ 10, "one queue index that moves twice in a row's life, queue rows updated in place", v10_sql },
	{ 11, "deliveries are the queue rows' sent_at, not events; lease owners of a fixed size",
	  v11_sql },
};

_Static_assert(sizeof(migrations) / sizeof(migrations[0]) == MD_SCHEMA_NEWEST,
	       "one migration per schema version");

/* Runs a constant script statement by statement (each ends with ";\n"). */
static int run_script(struct md_state *s, const char *sql, const char *what, struct mr_error *err)
{
	const char *p = sql;
	while (*p) {
		const char *end = strstr(p, ";\n");
		size_t len = end ? (size_t)(end - p) : strlen(p);
		char *one = strndup(p, len);
		if (!one)
			return s->core->error_set(err, MR_ENOMEM, "out of memory");
		int rc = md_exec_const(s, one, what, err);
		free(one);
		if (rc)
			return rc;
		p += len;
		if (end)
			p += 2;
	}
	return 0;
}

/* One row, one integer column, of constant SQL with ?1 bound to text. */
static int query_int(struct md_state *s, const char *sql, const char *arg, int64_t *v_r,
		     const char *what, struct mr_error *err)
{
	struct md_stmt *st = md_stmt_new(s, sql);
	if (!st)
		return s->core->error_set(err, MR_ENOMEM, "out of memory");
	if (arg)
		md_bind_str(st, 1, arg, strlen(arg), 0);
	int rc = 0, src = md_step(st);
	*v_r = 0;
	if (src == MD_ROW)
		*v_r = md_col_int64(st, 0);
	else if (src != MD_DONE)
		rc = md_fail(s, src, what, err);
	md_stmt_free(st);
	return rc;
}

static int read_version(struct md_state *s, int *version_r, int *tables_r, struct mr_error *err)
{
	int64_t has = 0, n = 0, v = 0;
	*version_r = 0;
	int rc = query_int(s, "SELECT count(*) FROM information_schema.tables WHERE "
			   "table_schema = DATABASE() AND table_name = ?1", "schema_version", &has,
			   "reading the schema version", err);
	if (rc == 0)
		rc = query_int(s, "SELECT count(*) FROM information_schema.tables WHERE "
			       "table_schema = DATABASE()", NULL, &n, "reading the schema", err);
	if (tables_r)
		*tables_r = (int)n;
	if (rc || !has)
		return rc;
	rc = query_int(s, "SELECT coalesce(max(version), 0) FROM schema_version", NULL, &v,
		       "reading the schema version", err);
	*version_r = (int)v;
	return rc;
}

static int check_version(struct md_state *s, int version, int tables, struct mr_error *err)
{
	if (version > MD_SCHEMA_NEWEST)
		return s->core->error_set(err, MR_ECONFIG,
			"%s is at schema version %d but this store-mariadb knows versions up to %d "
			"only: it was written by a newer mailroom; refusing to use it (upgrade "
			"mailroom or point [store-mariadb] database elsewhere)", s->where, version,
			MD_SCHEMA_NEWEST);
	if (version == 0 && tables > 0)
		return s->core->error_set(err, MR_ECONFIG,
			"%s holds tables but no schema_version table: it is not a mailroom "
			"database; refusing to touch it", s->where);
	return 0;
}

int md_migrate(struct md_state *s, struct mr_error *err)
{
	int version = 0, tables = 0;
	int rc = read_version(s, &version, &tables, err);
	if (rc || (rc = check_version(s, version, tables, err)) != 0)
		return rc;
	if (version == MD_SCHEMA_NEWEST)
		return 0;
	/* one process at a time sets up or upgrades this database */
	int64_t got = 0;
	if ((rc = query_int(s, "SELECT GET_LOCK(concat('mailroom-schema-', DATABASE()), 60)",
			    NULL, &got, "waiting for the schema lock", err)) != 0)
		return rc;
	if (got != 1)
		return s->core->error_set(err, MR_ETEMP, "%s: another process held the schema lock "
					  "for 60 s", s->where);
	if ((rc = read_version(s, &version, &tables, err)) == 0)
		rc = check_version(s, version, version ? 0 : tables, err);
	for (size_t i = 0; rc == 0 && i < sizeof(migrations) / sizeof(migrations[0]); i++) {
		const struct migration *m = &migrations[i];
		if (m->version <= version)
			continue;
		char what[96];
		snprintf(what, sizeof(what), "upgrading the schema to version %d", m->version);
		if ((rc = run_script(s, m->sql, what, err)) != 0)
			break;
		struct md_stmt *st = md_stmt_new(s, "INSERT INTO schema_version(version, applied, "
						 "description) VALUES(?1, UNIX_TIMESTAMP(), ?2)");
		if (!st) {
			rc = s->core->error_set(err, MR_ENOMEM, "out of memory");
			break;
		}
		md_bind_int64(st, 1, m->version);
		md_bind_str(st, 2, m->description, strlen(m->description), 0);
		if (md_step(st) != MD_DONE)
			rc = md_fail(s, MD_ERROR, what, err);
		md_stmt_free(st);
		if (rc == 0)
			s->core->log(s->log, MR_LOG_INFO, "%s: schema upgraded to version %d (%s)",
				     s->where, m->version, m->description);
	}
	struct mr_error e2 = { 0 };
	md_exec_const(s, "DO RELEASE_LOCK(concat('mailroom-schema-', DATABASE()))",
		      "releasing the schema lock", &e2);
	return rc;
}
