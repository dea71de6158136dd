/* SPDX-License-Identifier: MIT */
/* Internal interface of libmailroom, shared by the core library, the CLI and the tests. */
#ifndef MR_INTERNAL_H
#define MR_INTERNAL_H

#include <stdarg.h>
#include <stdio.h>
#include <stdint.h>
#include <mailroom/plugin.h>

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
/* Checks every key of sec against its key tables; appends problems to d. */
void mr_config_check_section(const struct mr_section *sec, struct mr_diags *d);
/* Makes relative PATH values and secret *_file values of sec absolute,
 * relative to the config file's directory. */
void mr_config_resolve_paths(const struct mr_section *sec);
/* Which config file to use: --config, then -s SITE, then $MAILROOM_CONFIG,
 * then $sysconfdir/mailroom/mailroom.ini.  Returns a malloc'ed path. */
char *mr_config_choose(const char *config_opt, const char *site_opt);

/* Typed access (also behind struct mr_core). */
const char *mr_cfg_str(const struct mr_section *sec, const char *key);
long long mr_cfg_int(const struct mr_section *sec, const char *key);
int mr_cfg_bool(const struct mr_section *sec, const char *key);
long long mr_cfg_duration(const struct mr_section *sec, const char *key);
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

/* ---- the plugin loader (loader.c) */
struct mr_plugin {
	char *path;
	void *handle; /* lt_dlhandle */
	const struct mr_plugin_desc *desc;
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

struct mr_instance {
	struct mr_section *sec;
	struct mr_plugin *plugin;
	struct mr_log *log;
	struct mr_plugin_ctx ctx;
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

/* ---- the services table (coreapi.c) */
void mr_core_fill(struct mr_core *core);
/* The site behind a core (for the spool transport and tests). */
struct mr_site *mr_core_site(const struct mr_core *core);

/* ---- MIME helpers (mime.c) */
struct mr_test_message {
	const char *from;
	const char *from_name;
	const char *to;
	const char *subject;
	const char *text;
	const char *domain; /* for the Message-ID */
};
/* Builds a complete message with GMime; *data_r malloc'ed, *msgid_r malloc'ed. */
int mr_mime_build_test(const struct mr_test_message *m, char **data_r, size_t *len_r,
		       char **msgid_r, struct mr_error *err);
/* Splits a message at the first empty line: header block length (with the
 * empty line's own line break excluded from neither part's content). */
size_t mr_mime_header_len(const char *data, size_t len, size_t *body_off_r);
/* The decoded Subject of a raw message, malloc'ed, or NULL. */
char *mr_mime_subject(const char *data, size_t len);
/* True when s is a valid addr-spec without CR, LF or NUL. */
int mr_addr_valid(const char *s);

/* ---- VERP addresses (verp.c) */
#include <mailroom/bounce.h>
struct mr_error;
/* Writes LOCALPART action SEP job SEP queue SEP hash @ DOMAIN into buf.
 * Returns 0, or MR_EINPUT (bad argument, no secret) / MR_ENOMEM (buf too
 * small) with err. */
int mr_verp_build(const struct mr_verp_conf *conf, char action, int64_t job_id,
		  int64_t queue_id, char *buf, size_t size, struct mr_error *err);
/* Parses addr (with or without <>) as one of our VERP addresses.  Returns 0
 * with *v_r filled when it is one and its hash is good (or conf has no
 * secret), MR_ENOTFOUND when it is not a VERP address of conf, MR_EPERMANENT
 * when the hash does not match (forged or altered). */
int mr_verp_parse(const struct mr_verp_conf *conf, const char *addr, size_t len,
		  struct mr_verp *v_r);

/* ---- the bounce classifier (bounce/) */
/* Loads a rules file.  Returns 0 with *rules_r (free with
 * mr_bounce_rules_free), or MR_ECONFIG/MR_ENOMEM with err naming file and line. */
int mr_bounce_rules_load(const char *path, struct mr_bounce_rules **rules_r,
			 struct mr_error *err);
void mr_bounce_rules_free(struct mr_bounce_rules *rules);
/* The rules file to use when none is named: $MAILROOM_BOUNCE_RULES, else the
 * installed one.  Static string. */
const char *mr_bounce_rules_default(void);
/* Parses one raw message (LF, CRLF or CR).  Never fails on bad input: at
 * worst report_r->kind is MR_BOUNCE_NONE.  verp may be NULL.  Returns 0,
 * or MR_ENOMEM.  Free report_r with mr_bounce_report_free. */
int mr_bounce_parse(const char *data, size_t len, const struct mr_bounce_rules *rules,
		    const struct mr_verp_conf *verp, struct mr_bounce_report *report_r);
void mr_bounce_report_free(struct mr_bounce_report *r);
/* Classifies an SMTP-time answer (status may be "" or NULL, code 0). */
void mr_bounce_classify(const struct mr_bounce_rules *rules, int code, const char *status,
			const char *text, struct mr_bounce_record *rec_r);
/* The hold threshold of a bounce type in the rules, or 0 when unknown. */
int mr_bounce_type_threshold(const struct mr_bounce_rules *rules, const char *type);
/* The site's rules: [bounce] rules_file, else the default (service.c). */
int mr_bounce_rules_load_site(const struct mr_core *core, struct mr_bounce_rules **rules_r,
			      struct mr_error *err);
/* The site's VERP settings: the bounce account's localpart and domain,
 * [bounce] verp_separator, [mailroom] secret (NULL when none is set).
 * Returns 0 with *conf_r (free with mr_verp_conf_free) or MR_ECONFIG. */
int mr_verp_conf_site(const struct mr_core *core, struct mr_verp_conf **conf_r, struct mr_error *err);
void mr_verp_conf_free(struct mr_verp_conf *conf);
/* Splits an mbox: the next message at *off (after its "From " line).
 * Returns 1 with [*msg_r, *msg_r + *len_r), 0 at the end. */
int mr_mbox_next(const char *data, size_t len, size_t *off, const char **msg_r,
		 size_t *len_r);
/* True when data looks like an mbox file (starts with "From "). */
int mr_mbox_is(const char *data, size_t len);

/* ---- mass mailing: buffers, templates, rendering, DKIM signing */
#include "mailing-render.h"

/* ---- incoming messages read as Email activities (activity-*.c) */
#include "activity.h"

/* ---- TLS peer verification (tls-verify.c; also core->tls_verify_chain) */
int mr_tls_verify_chain(const unsigned char *const *der, const size_t *der_len, size_t n,
			const char *host, const char *ca_file, struct mr_error *err);

/* ---- the fetch loop of one account (fetch-run.c; also core->fetch_run) */
int mr_fetch_run(const struct mr_core *core, struct mr_account *account,
		 const struct mr_fetch_opts *opts, struct mr_fetch_stats *stats_r,
		 struct mr_error *err);
/* The unfolded, RFC 2047-decoded value of the first header called name in a
 * raw message, malloc'ed, or NULL when there is none (fetch-run.c). */
char *mr_msg_header(const char *data, size_t len, const char *name);
/* The account of a site by NAME, or NULL. */
struct mr_account *mr_site_account(struct mr_site *site, const char *name);

/* ---- users of the cron identity (password.c) */
/* Every permission of plugin.h's MR_PERM_*. */
#define MR_PERM_ALL (MR_PERM_SEND_MAIL | MR_PERM_PROCESS_MAIL | MR_PERM_VIEW_CONTACTS)
/* PBKDF2-HMAC-SHA256 iterations of a new hash, and the accepted range. */
#define MR_PBKDF2_ITERATIONS 600000UL
#define MR_PBKDF2_MIN_ITERATIONS 1000UL
#define MR_PBKDF2_MAX_ITERATIONS 100000000UL
#define MR_PASSWORD_MAX 1024
#define MR_USER_NAME_MAX 64
/* The name of one MR_PERM_* bit ("send-mail"), or NULL. */
const char *mr_perm_name(unsigned perm);
/* Parses "send-mail,process-mail" (also "all", '_' for '-', spaces);
 * returns 0 or MR_EINPUT naming the unknown word. */
int mr_perms_parse(const char *list, unsigned *perms_r, struct mr_error *err);
/* Writes the names of perms, comma-separated ("" for none), into buf. */
void mr_perms_format(unsigned perms, char *buf, size_t size);
/* True when name is 1..MR_USER_NAME_MAX of [A-Za-z0-9._@-], not starting with '-'. */
int mr_user_name_valid(const char *name);
/* Hashes password as "pbkdf2-sha256$ITER$SALT_B64$HASH_B64" with a fresh
 * 16-byte salt; iterations 0 means MR_PBKDF2_ITERATIONS.  Returns 0 with
 * *hash_r malloc'ed, or MR_EINPUT/MR_EINTERNAL/MR_ENOMEM with err. */
int mr_password_hash(const char *password, unsigned long iterations, char **hash_r,
		     struct mr_error *err);
/* Checks password against a stored hash in constant time: 0 when it
 * matches, MR_EPERMANENT when not, MR_EINPUT when stored is malformed. */
int mr_password_verify(const char *password, const char *stored, struct mr_error *err);
/* The iteration count of a stored hash: 0, or MR_EINPUT when malformed. */
int mr_password_iterations(const char *stored, unsigned long *iterations_r);
/* Checks user name's password and that it holds every permission of
 * need_perms.  Returns 0; MR_EPERMANENT with "unknown user or wrong
 * password for 'NAME'" or "user 'NAME' lacks the permission 'P' needed by
 * job JOB" (job may be NULL); or the store's status when it fails. */
int mr_user_authenticate(struct mr_store *st, const char *name, const char *password,
			 unsigned need_perms, const char *job, struct mr_error *err);
/* The password for a non-interactive command: the first line of
 * password_file (refused with MR_ECONFIG when group or others may read it),
 * or when password_file is NULL $MAILROOM_PASSWORD (MR_ENOTFOUND when
 * unset).  *password_r is malloc'ed: free it with mr_password_free. */
int mr_password_read(const char *password_file, char **password_r, struct mr_error *err);
/* Wipes and frees a password. */
void mr_password_free(char *password);
#endif
