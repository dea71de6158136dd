/* SPDX-License-Identifier: MIT */
/* Users of the cron identity: permissions, PBKDF2 password hashes, passwords read from files (password.c). */
#ifndef MR_USERS_H
#define MR_USERS_H

#include <mailroom/plugin.h>


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
