/* SPDX-License-Identifier: MIT */
/* The SQLite store in the words of the shared SQL operations (plugins/sqlstore/sqlstore.h says what each name is). */
#ifndef STORE_SQLITE_DB_H
#define STORE_SQLITE_DB_H

#include "store-sqlite.h"

#define db_state sq_state
#define db_use sq_use
typedef sqlite3_stmt db_stmt;
#define DB(name) SQ_##name
#define DB_MJOB_FOR_BUILD SQ_MJOB_GET
#define db_acquire sq_acquire
#define db_release sq_release
#define db_run sq_run
#define db_fail sq_fail
#define db_unit_begin sq_unit_begin
#define db_unit_end sq_unit_end
#define db_id_by_text sq_id_by_text
#define db_purge sq_purge
#define db_group_id sql_group_id
#define db_prepare_ad_hoc sq_prepare_ad_hoc
#define db_ad_hoc_done sq_ad_hoc_done
#define db_bind_int64 sqlite3_bind_int64
#define db_bind_text sq_bind_text
#define db_bind_blob sq_bind_blob
#define db_step sqlite3_step
#define DB_ROW SQLITE_ROW
#define DB_DONE SQLITE_DONE
#define db_col_int64 sqlite3_column_int64
#define db_col_int sqlite3_column_int
#define db_col_text sq_col_text
#define db_changes(s) ((int64_t)sqlite3_changes((s)->db))
#define db_where(s) ((s)->path)
#define DB_JSON_TEXT "json_extract"
#define db_last_id(s) ((int64_t)sqlite3_last_insert_rowid((s)->db))
#define db_col_null(st, i) (sqlite3_column_type(st, i) == SQLITE_NULL)
#define db_col_bytes sqlite3_column_bytes
#define db_col_blob sqlite3_column_blob
#define db_bind_null sqlite3_bind_null
#define db_text_or_null sq_text_or_null
#define db_bind_str(st, i, v) sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT)
#define DB_UPSERT(keys, set) "ON CONFLICT (" keys ") DO UPDATE SET " set
#define DB_NEW(col) "excluded." col
#define db_hosts_ready sq_hosts_ready
#define DB_INSERT_IGNORE "INSERT OR IGNORE"
#define DB_INDEXED(index) "INDEXED BY " index
#define DB_SAME_EMAIL(a, b) "lower(" a ") = lower(" b ")"
#define DB_SG_DIALECT SG_SQLITE
#define db_track_ready sq_track_ready
#define db_finalize sqlite3_finalize
#define DB_VIA_COMPLAINT(details) details " LIKE '{\"via\":\"complaint\"%' "
static inline void db_stmt_reset(sqlite3_stmt *st)
{
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}
static inline int db_prepare_once(struct sq_state *s, const char *sql, sqlite3_stmt **st_r,
				  const char *what, struct mr_error *err)
{
	int rc = sqlite3_prepare_v2(s->db, sql, -1, st_r, NULL);
	return rc == SQLITE_OK ? 0 : sq_fail(s, rc, what, err);
}
#define DB_DDL_IN_TX 1

#include "sqlstore.h"

#endif
