/* SPDX-License-Identifier: MIT */
/* Internal interface of libmailroom, shared by the core library, the CLI and the tests. */
#ifndef MR_INTERNAL_H
#define MR_INTERNAL_H

#include <stdarg.h>
#include <stdio.h>
#include <stdint.h>
#include <mailroom/plugin.h>
#include <mailroom/addr.h>

/* ---- errors (error.c) */
int mr_error_set(struct mr_error *err, int status, const char *fmt, ...) MR_PRINTF(3, 4);
int mr_error_vset(struct mr_error *err, int status, const char *fmt, va_list ap);
const char *mr_status_name(int status);
/* The sysexits.h code for a status. */
int mr_status_exit_code(int status);

/* ---- diagnostics: a list of problems, each one line (diag.c) */
struct mr_diags {
	char **items;
	size_t n;
};
void mr_diag_add(struct mr_diags *d, const char *fmt, ...) MR_PRINTF(2, 3);
void mr_diags_free(struct mr_diags *d);

/* ---- logging (log.c) */
struct mr_log {
	char prefix[96];
	int64_t run_id;
};
void mr_log_setup(enum mr_log_level level, int use_syslog);
/* Progress lines (progress.c): on when stderr is a terminal and the user did
 * not ask for --quiet.  mr_progress(core, what, done, total) rewrites one
 * line (total 0: unknown); done < 0 ends it.  Returns 1 when lines are
 * shown, else 0. */
void mr_progress_setup(int on);
int mr_progress(const struct mr_core *core, const char *what, long long done, long long total);
int mr_log_level_parse(const char *word, enum mr_log_level *level_r);
/* A new logger (free() it); NULL when out of memory. */
struct mr_log *mr_log_new(const char *prefix, int64_t run_id);
void mr_log(const struct mr_log *log, enum mr_log_level level, const char *fmt, ...) MR_PRINTF(3, 4);
void mr_log_v(const struct mr_log *log, enum mr_log_level level, const char *fmt, va_list ap);

/* ---- configuration (config.c) */
struct mr_config;
struct mr_section {
	struct mr_config *cfg;
	char *name;   /* full lowercase name, e.g. "transport-smtp" */
	char *kind;   /* the part before '-', or the whole name */
	char *inst;   /* the part after '-', or "" */
	int line;
	/* Key tables that apply (core keys of its kind, then the plugin's). */
	const struct mr_key *keys[2];
};

struct mr_config {
	char *path;
	void *ini; /* iniparser dictionary */
	struct mr_section *secs;
	size_t n_secs;
	struct mr_keyline {
		char *full; /* "section:key" */
		int line;
	} *lines;
	size_t n_lines;
};

/* Loads and line-indexes an INI file.  Returns 0 or MR_ECONFIG/MR_ENOMEM with err. */
int mr_config_load(const char *path, struct mr_config **cfg_r, struct mr_error *err);
void mr_config_free(struct mr_config *cfg);
struct mr_section *mr_config_section(const struct mr_config *cfg, const char *name);
/* Adds an empty section unless it exists.  Moves sections: call it before
 * keeping pointers to any. */
int mr_config_ensure_section(struct mr_config *cfg, const char *name);
/* The line of "section:key" in the file, 0 when absent. */
int mr_config_line(const struct mr_config *cfg, const char *section, const char *key);
/* The raw INI value of a key, or NULL. */
const char *mr_config_raw(const struct mr_section *sec, const char *key);
/* The declared key named key of a section, or NULL. */
const struct mr_key *mr_section_key(const struct mr_section *sec, const char *key);
/* Why v is not a valid value of key k (a phrase such as "is not an
 * integer"), or NULL when it is; buf holds longer reasons. */
const char *mr_key_value_problem(const struct mr_key *k, const char *v, char *buf, size_t bufsz);
/* Fills conf (conf_size bytes, zeroed first) from sec's values and keys'
 * defaults, each key at its offset by type (see struct mr_key); secrets are
 * not stored.  Strings point into the configuration or the key table.
 * Returns 0, or MR_ECONFIG with err when a value does not parse or a field
 * lies outside conf. */
int mr_config_fill(const struct mr_section *sec, const struct mr_key *keys, void *conf,
		   size_t conf_size, struct mr_error *err);
/* Checks every key of sec against its key tables; appends problems to d. */
void mr_config_check_section(const struct mr_section *sec, struct mr_diags *d);
/* Makes relative PATH values and secret *_file values of sec absolute,
 * relative to the config file's directory. */
void mr_config_resolve_paths(const struct mr_section *sec);
/* An RFC 5322 name-addr in key ("News <news@example.org>"): key becomes the
 * address and name_key the display name; a clash with a name_key set too is
 * reported in d.  A bare address is left alone. */
void mr_config_split_name_addr(const struct mr_section *sec, const char *key,
			       const char *name_key, struct mr_diags *d);
/* Which config file to use: --config, then -s SITE, then $MAILROOM_CONFIG,
 * then $sysconfdir/mailroom/mailroom.ini.  Returns a malloc'ed path. */
char *mr_config_choose(const char *config_opt, const char *site_opt);

/* Typed access (also behind struct mr_core). */
const char *mr_cfg_str(const struct mr_section *sec, const char *key);
long long mr_cfg_int(const struct mr_section *sec, const char *key);
int mr_cfg_bool(const struct mr_section *sec, const char *key);
long long mr_cfg_duration(const struct mr_section *sec, const char *key);
/* The environment variable a secret may come from: MAILROOM_SECTION_KEY. */
void mr_cfg_secret_env(const struct mr_section *sec, const char *key, char *buf, size_t bufsz);
/* Where secret key of sec comes from ("from KEY_file PATH", "from the
 * environment, NAME"), written into buf; NULL when it is not set. */
const char *mr_cfg_secret_source(const struct mr_section *sec, const char *key, char *buf,
				 size_t bufsz);
int mr_cfg_secret(const struct mr_section *sec, const char *key, char **secret_r,
		  struct mr_error *err);
/* Value parsers: 0 on success, MR_EINPUT otherwise. */
int mr_parse_bool(const char *s, int *v_r);
int mr_parse_int(const char *s, long long *v_r);
int mr_parse_duration(const char *s, long long *seconds_r);
/* Edit distance, for "did you mean". */
size_t mr_edit_distance(const char *a, const char *b);

/* Core keys of each section kind. */
extern const struct mr_key mr_keys_mailroom[];
extern const struct mr_key mr_keys_store[];
extern const struct mr_key mr_keys_transport[];
extern const struct mr_key mr_keys_account[];
extern const struct mr_key mr_keys_job[];
extern const struct mr_key mr_keys_dkim[];
extern const struct mr_key mr_keys_bounce[];
extern const struct mr_key mr_keys_oauth[];
extern const struct mr_key mr_keys_http[];
extern const struct mr_key mr_keys_mailing[];
extern const struct mr_key mr_keys_optin[];

/* ---- the plugin loader (loader.c) */
struct mr_plugin {
	char *path;
	void *handle; /* lt_dlhandle */
	const struct mr_plugin_desc *desc;
	/* desc->keys copied into this core's struct mr_key layout (whatever
	 * desc->key_size was), ending with a zeroed entry. */
	struct mr_key *keys;
};

const char *mr_kind_name(enum mr_plugin_kind kind);
int mr_kind_parse(const char *word, enum mr_plugin_kind *kind_r);
/* The plugin search path, in this order: the dirs of plugin_path, those of
 * $MAILROOM_PLUGIN_PATH, then plugin_dir (left out when
 * $MAILROOM_PLUGIN_PATH_ONLY is set and not "0", as make check does).  A
 * directory listed twice keeps its first place. */
struct mr_plugin_path {
	char **dirs;
	size_t n;
};
void mr_plugin_path_init(struct mr_plugin_path *p, const char *plugin_path_list,
			 const char *plugin_dir);
void mr_plugin_path_free(struct mr_plugin_path *p);
/* Opens one plugin file and validates its descriptor before any of its code
 * runs.  Returns 0, or MR_ECONFIG with the exact reason in err. */
int mr_plugin_open(const char *path, struct mr_plugin **plugin_r, struct mr_error *err);
/* Validates a descriptor (magic, ABI, sizes, MUST slots, keys). */
int mr_plugin_validate(const struct mr_plugin_desc *desc, struct mr_error *err);
/* Checks desc's key table (walked in steps of desc->key_size): types,
 * choices, defaults, and that each field lies inside desc->conf_size with
 * the C type of its key type.  With keys_r, also copies the table into this
 * core's layout (malloc'ed, ending with a zeroed entry; caller frees).
 * Returns 0, MR_ECONFIG naming the plugin and the key, or MR_ENOMEM. */
int mr_plugin_keys_check(const struct mr_plugin_desc *desc, struct mr_key **keys_r,
			 struct mr_error *err);
void mr_plugin_close(struct mr_plugin *p);
/* Finds KIND-NAME.so along the path: the first directory that has it wins,
 * as with PATH.  Returns 0, MR_ENOTFOUND (err suggests the nearest name
 * found, if any) or MR_ECONFIG. */
int mr_plugin_find(const struct mr_plugin_path *p, enum mr_plugin_kind kind, const char *name,
		   struct mr_plugin **plugin_r, struct mr_error *err);
/* Calls cb for every *.so along the path, loadable or not.  shadowed_by is
 * NULL for the copy mr_plugin_find uses, else the path of the file of the
 * same name in an earlier directory that wins over this one. */
typedef void mr_plugin_scan_cb(void *cookie, const char *path, const struct mr_plugin *plugin,
			       const struct mr_error *why, const char *shadowed_by);
void mr_plugin_scan(const struct mr_plugin_path *p, mr_plugin_scan_cb *cb, void *cookie);

/* ---- the site: config + plugins + instances (site.c) */
#define MR_OPEN_STORE     0x1u
#define MR_OPEN_TRANSPORT 0x2u
#define MR_OPEN_ACCOUNTS  0x4u
#define MR_OPEN_JOBS      0x8u
#define MR_OPEN_ALL       0xfu
/* quiet (cron, --quiet): log lines below warning are not written to stderr */
#define MR_OPEN_QUIET     0x100u

struct mr_instance {
	struct mr_section *sec;
	struct mr_plugin *plugin;
	struct mr_log *log;
	struct mr_plugin_ctx ctx;
	void *conf; /* the plugin's config struct, filled before init */
	void *state;
	int inited;
};

struct mr_site {
	struct mr_config *cfg;
	struct mr_section *main; /* [mailroom], possibly an empty one */
	struct mr_core core;
	struct mr_plugin_path path;
	struct mr_instance *insts; /* store, transport, accounts, jobs */
	size_t n_insts;
	struct mr_instance **init_order;
	size_t n_inited;
	struct mr_store store;
	struct mr_transport transport;
	struct mr_account *accounts;
	struct mr_account **account_ptrs;
	size_t n_accounts;
	int64_t (*clock)(void);
	struct mr_log *log;
	/* set by cron: a job runs only if it is still due once its locks are
	 * taken (another host may have run it meanwhile) */
	int64_t due_check;
};

/* Loads the config and the plugins it names, checks everything (problems go
 * to d, all of them), then inits the instances asked for by flags.  Returns 0
 * or a status with err. */
int mr_site_open(const char *path, unsigned flags, struct mr_diags *d, struct mr_site **site_r,
		 struct mr_error *err);
void mr_site_close(struct mr_site *site);
struct mr_instance *mr_site_instance(struct mr_site *site, const char *section);

/* ---- schedules (schedule.c) */
enum mr_frequency {
	MR_FREQ_ALWAYS, MR_FREQ_HOURLY, MR_FREQ_DAILY, MR_FREQ_WEEKLY, MR_FREQ_MONTHLY,
	MR_FREQ_QUARTERLY, MR_FREQ_YEARLY
};
int mr_frequency_parse(const char *word, enum mr_frequency *f_r);
const char *mr_frequency_name(enum mr_frequency f);
/* When a job that last started at last is due again (0: never ran, due now). */
int64_t mr_next_due(enum mr_frequency f, int64_t last);
int mr_job_is_due(enum mr_frequency f, int64_t last, int64_t now);
/* Parses "YYYY-MM-DD[ HH:MM[:SS]]" in local time, or "@UNIXTIME". */
int mr_parse_local_time(const char *s, int64_t *t_r);
/* "YYYY-MM-DD HH:MM:SS" in local time, "-" for 0. */
void mr_format_local_time(int64_t t, char *buf, size_t n);

/* ---- locks (lock.c) */
struct mr_lock {
	int fd;
	char *path;
	/* a lock in the store (jobs.c): set, and fd is -1 */
	const struct mr_store *store;
	char *name;
	char *owner;
};
/* Takes lock NAME of SITE without waiting: 0, MR_ETEMP when another process
 * holds it (err names the holder's pid), or another status. */
int mr_lock_try(const char *dir, const char *site, const char *name, struct mr_lock *lock,
		struct mr_error *err);
void mr_lock_release(struct mr_lock *lock);
/* 1 when some process holds the lock now. */
int mr_lock_is_held(const char *dir, const char *site, const char *name);

/* ---- jobs (jobs.c) */
struct mr_job_info {
	struct mr_instance *inst;
	const char *name;   /* NAME of [job-NAME] */
	const char *plugin;
	enum mr_frequency freq;
	int enabled;
	int64_t run_at;     /* a one-off run time, or 0 */
	int64_t last_start; /* newest run that was not skipped, 0 if none */
	enum mr_job_outcome last_outcome;
	int64_t next_due;   /* 0: due now (or, with run_at, never again) */
};
struct mr_job_report {
	enum mr_job_outcome outcome;
	int64_t run_id;
	char message[256];
	int interrupted;    /* stopped by a signal or the deadline */
	int status;         /* a failed run: the job's status (MR_ECONFIG, MR_ETEMP: retry later, ...) */
};
const char *mr_job_outcome_name(enum mr_job_outcome o);
int mr_job_info(struct mr_site *site, struct mr_instance *in, struct mr_job_info *info,
		struct mr_error *err);
int mr_job_info_due(const struct mr_job_info *info, int64_t now);
/* Runs one job now under its locks and records the run.  A job whose lock
 * is taken is recorded as skipped-locked (returns 0, outcome says so). */
int mr_job_run(struct mr_site *site, struct mr_instance *in, struct mr_job_report *rep,
	       struct mr_error *err);
/* Records a run that was refused before it started (cron identity). */
int mr_job_record_refusal(struct mr_site *site, const char *job, const char *msg);
/* 1 when the lock of a job's worker is held by a live process. */
int mr_job_run_is_live(struct mr_site *site, const char *job, int worker);
/* 1 when the site's job locks live in its store (shared by hosts). */
int mr_job_locks_in_store(struct mr_site *site);
/* This host's name: MAILROOM_HOSTNAME, else gethostname(). */
const char *mr_host_name(void);

/* ---- the services table (coreapi.c) */
void mr_core_fill(struct mr_core *core);
/* The site behind a core (for the spool transport and tests). */
struct mr_site *mr_core_site(const struct mr_core *core);

/* ---- TLS peer verification (tls-verify.c; also core->tls_verify_chain) */
int mr_tls_verify_chain(const unsigned char *const *der, const size_t *der_len, size_t n,
			const char *host, const char *ca_file, struct mr_error *err);

/* ---- the fetch loop of one account (fetch-run.c; also core->fetch_run) */
int mr_fetch_run(const struct mr_core *core, struct mr_account *account,
		 const struct mr_fetch_opts *opts, struct mr_fetch_stats *stats_r,
		 struct mr_error *err);
/* The account of a site by NAME, or NULL. */
struct mr_account *mr_site_account(struct mr_site *site, const char *name);

#endif
