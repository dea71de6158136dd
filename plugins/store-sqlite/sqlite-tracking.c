/* SPDX-License-Identifier: MIT */
/* The SQLite store's tracking tables, made on first use (the operations on them: plugins/sqlstore/tracking.c). */
#include "config.h"
#include <string.h>
#include "store-sqlite.h"

static const char schema_sql[] =
	"CREATE TABLE IF NOT EXISTS mailing_tracking (\n"
	"  mailing_id INTEGER PRIMARY KEY REFERENCES mailings(id) ON DELETE CASCADE,\n"
	"  flags INTEGER NOT NULL DEFAULT 0\n"
	");\n"
	"CREATE TABLE IF NOT EXISTS track_hits (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  queue_id INTEGER NOT NULL REFERENCES mailing_recipients(id) ON DELETE CASCADE,\n"
	"  kind INTEGER NOT NULL CHECK (kind IN (1, 2)),\n"
	"  link INTEGER,\n"
	"  url TEXT,\n"
	"  hit_date INTEGER NOT NULL\n"
	");\n"
	"CREATE INDEX IF NOT EXISTS track_hits_queue ON track_hits(queue_id, kind);\n";

/* Creates the tracking tables once per connection (they are additive, so
 * a store made before them gains them on first use). */
int sq_track_ready(struct sq_state *s, struct mr_error *err)
{
	if (s->track_ready)
		return 0;
	char *msg = NULL;
	int rc = sqlite3_exec(s->db, schema_sql, NULL, NULL, &msg);
	if (rc != SQLITE_OK) {
		int st = s->core->error_set(err, MR_ETEMP, "creating the tracking tables: %s",
					    msg ? msg : sqlite3_errstr(rc));
		sqlite3_free(msg);
		return st;
	}
	s->track_ready = 1;
	return 0;
}
