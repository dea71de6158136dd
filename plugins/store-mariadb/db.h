/* SPDX-License-Identifier: MIT */
/* The MariaDB store in the words of the shared SQL operations (plugins/sqlstore/sqlstore.h says what each name is). */
#ifndef STORE_MARIADB_DB_H
#define STORE_MARIADB_DB_H

#include "store-mariadb.h"

#define db_state md_state
#define db_use md_use
typedef struct md_stmt db_stmt;
#define DB(name) MD_##name
#define DB_MJOB_FOR_BUILD MD_MJOB_GET_LOCK
#define DB_HAS_QUEUE_FILL 1
#define db_queue_fill md_queue_fill
#define db_acquire md_acquire
#define db_release md_release
#define db_run md_run
#define db_fail md_fail
#define db_unit_begin md_unit_begin
#define db_unit_end md_unit_end
#define db_id_by_text md_id_by_text
#define db_purge md_purge
#define db_group_id sql_group_id
#define db_prepare_ad_hoc md_prepare_ad_hoc
#define db_ad_hoc_done md_ad_hoc_done
#define db_bind_int64 md_bind_int64
#define db_bind_text md_bind_text
#define db_bind_blob md_bind_blob
#define db_step md_step
#define DB_ROW MD_ROW
#define DB_DONE MD_DONE
#define db_col_int64 md_col_int64
#define db_col_int md_col_int
#define db_col_text md_col_text
#define db_changes(s) md_changes(s)
#define db_where(s) ((s)->where)
#define DB_JSON_TEXT "json_value"
#define db_last_id(s) md_last_id(s)
#define db_col_null md_col_null
#define db_col_bytes md_col_bytes
#define db_col_blob md_col_blob
#define db_bind_null md_bind_null
#define db_text_or_null md_text_or_null
#define db_bind_str(st, i, v) md_bind_str(st, i, v, strlen(v), 0)
#define DB_UPSERT(keys, set) "ON DUPLICATE KEY UPDATE " set
#define DB_NEW(col) "VALUES(" col ")"
#define DB_VIA_COMPLAINT(details) "JSON_VALUE(" details ", '$.via') = 'complaint' "
#define db_stmt_reset md_stmt_reset
/* the job log's hosts table is part of MariaDB's schema */
static inline int db_hosts_ready(struct md_state *s, struct mr_error *err)
{
	(void)s;
	(void)err;
	return 0;
}
#define DB_INSERT_IGNORE "INSERT IGNORE"
#define DB_INDEXED(index) "FORCE INDEX (" index ")"
/* email columns compare case-insensitively (their collation) */
#define DB_SAME_EMAIL(a, b) a " = " b
#define DB_SG_DIALECT SG_MARIADB
#define db_finalize md_stmt_free
#define db_track_ready md_track_ready
static inline int db_prepare_once(struct md_state *s, const char *sql, struct md_stmt **st_r,
				  const char *what, struct mr_error *err)
{
	(void)what;
	*st_r = md_stmt_new(s, sql);
	return *st_r ? 0 : s->core->error_set(err, MR_ENOMEM, "out of memory");
}
#define DB_DDL_IN_TX 0

#include "sqlstore.h"

#endif
