/* SPDX-License-Identifier: MIT */
/* The MariaDB store's tracking tables, made on first use, and its tracking sub-table (the operations: plugins/sqlstore/tracking.c). */
#include "config.h"
#include <stddef.h>
#include <string.h>
#include "db.h"

#define TRK_TBL " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin"

static const char *const schema_sql[] = {
	"CREATE TABLE IF NOT EXISTS mailing_tracking (\n"
	"  mailing_id BIGINT NOT NULL PRIMARY KEY,\n"
	"  flags INT NOT NULL DEFAULT 0,\n"
	"  CONSTRAINT mailing_tracking_mailing FOREIGN KEY (mailing_id) REFERENCES mailings(id) "
	"ON DELETE CASCADE\n)" TRK_TBL,
	"CREATE TABLE IF NOT EXISTS track_hits (\n"
	"  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,\n"
	"  queue_id BIGINT NOT NULL,\n"
	"  kind TINYINT NOT NULL,\n"
	"  link INT,\n"
	"  url TEXT,\n"
	"  hit_date BIGINT NOT NULL,\n"
	"  KEY track_hits_queue (queue_id, kind),\n"
	"  CONSTRAINT track_hits_queue FOREIGN KEY (queue_id) REFERENCES mailing_recipients(id) "
	"ON DELETE CASCADE\n)" TRK_TBL,
};

/* Creates the tracking tables once per connection state (additive: a store
 * made before them gains them on first use). */
int md_track_ready(struct md_state *s, struct mr_error *err)
{
	if (s->track_ready)
		return 0;
	for (size_t i = 0; i < sizeof(schema_sql) / sizeof(schema_sql[0]); i++) {
		int rc = md_exec_const(s, schema_sql[i], "creating the tracking tables", err);
		if (rc)
			return rc;
	}
	s->track_ready = 1;
	return 0;
}

const struct mr_store_tracking_ops md_tracking_ops = {
	.size = sizeof(struct mr_store_tracking_ops),
	.track_set = sql_track_set,
	.track_get = sql_track_get,
	.track_record = sql_track_record,
	.track_stats = sql_track_stats,
	.track_events = sql_track_events,
};
