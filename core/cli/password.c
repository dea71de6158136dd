/* SPDX-License-Identifier: MIT */
/* Users of the cron identity: salted PBKDF2-HMAC-SHA256 password hashes, permissions and the password file check. */
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include "mr.h"
#include "users.h"

#define SCHEME "pbkdf2-sha256"
#define SALT_LEN 16
#define HASH_LEN 32
/* Bounds of salts and hashes accepted from a stored hash. */
#define MIN_SALT 8
#define MAX_SALT 64
#define MIN_HASH 16
#define MAX_HASH 64

static const struct {
	unsigned bit;
	const char *name;
} perm_names[] = {
	{ MR_PERM_SEND_MAIL, "send-mail" },
	{ MR_PERM_PROCESS_MAIL, "process-mail" },
	{ MR_PERM_VIEW_CONTACTS, "view-contacts" },
};
#define N_PERMS (sizeof(perm_names) / sizeof(perm_names[0]))

const char *mr_perm_name(unsigned perm)
{
	for (size_t i = 0; i < N_PERMS; i++)
		if (perm_names[i].bit == perm)
			return perm_names[i].name;
	return NULL;
}

int mr_perms_parse(const char *list, unsigned *perms_r, struct mr_error *err)
{
	unsigned perms = 0;
	const char *p = list;
	while (*p) {
		size_t n = strcspn(p, ", ");
		if (n > 0) {
			unsigned bit = 0;
			if (n == 3 && strncmp(p, "all", 3) == 0)
				bit = MR_PERM_ALL;
			for (size_t i = 0; i < N_PERMS && !bit; i++) {
				const char *name = perm_names[i].name;
				if (strlen(name) != n)
					continue;
				/* send_mail is accepted for send-mail */
				size_t j = 0;
				while (j < n && (p[j] == name[j] || (p[j] == '_' && name[j] == '-')))
					j++;
				if (j == n)
					bit = perm_names[i].bit;
			}
			if (!bit)
				return mr_error_set(err, MR_EINPUT,
						    "unknown permission '%.*s' (known: send-mail, "
						    "process-mail, view-contacts, all)", (int)n, p);
			perms |= bit;
		}
		p += n;
		while (*p == ',' || *p == ' ')
			p++;
	}
	*perms_r = perms;
	return 0;
}

void mr_perms_format(unsigned perms, char *buf, size_t size)
{
	size_t used = 0;
	if (size == 0)
		return;
	buf[0] = '\0';
	for (size_t i = 0; i < N_PERMS; i++) {
		if (!(perms & perm_names[i].bit))
			continue;
		int n = snprintf(buf + used, size - used, "%s%s", used ? "," : "",
				 perm_names[i].name);
		if (n < 0 || (size_t)n >= size - used)
			return;
		used += (size_t)n;
	}
}

int mr_user_name_valid(const char *name)
{
	size_t n = strlen(name);
	if (n == 0 || n > MR_USER_NAME_MAX)
		return 0;
	for (const char *p = name; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		      *p == '.' || *p == '_' || *p == '-' || *p == '@'))
			return 0;
	return name[0] != '-';
}

/* Standard base64 with padding; out must hold 4 * ((n + 2) / 3) + 1 bytes. */
static void b64_encode(const unsigned char *in, size_t n, char *out)
{
	EVP_EncodeBlock((unsigned char *)out, in, (int)n);
}

/* Decodes standard padded base64 of at most max bytes; the decoded length or -1. */
static int b64_decode(const char *in, size_t len, unsigned char *out, size_t max)
{
	if (len == 0 || len % 4 != 0 || len / 4 * 3 > max + 2)
		return -1;
	for (size_t i = 0; i < len; i++) {
		char c = in[i];
		int ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
			 c == '+' || c == '/' || (c == '=' && i >= len - 2);
		if (!ok || (i == len - 2 && c == '=' && in[len - 1] != '='))
			return -1;
	}
	unsigned char tmp[(MAX_HASH > MAX_SALT ? MAX_HASH : MAX_SALT) + 3];
	if (len / 4 * 3 > sizeof(tmp))
		return -1;
	int n = EVP_DecodeBlock(tmp, (const unsigned char *)in, (int)len);
	if (n < 0)
		return -1;
	/* EVP_DecodeBlock counts the padding as zero bytes */
	if (in[len - 1] == '=')
		n--;
	if (in[len - 2] == '=')
		n--;
	if (n <= 0 || (size_t)n > max)
		return -1;
	memcpy(out, tmp, (size_t)n);
	OPENSSL_cleanse(tmp, sizeof(tmp));
	return n;
}

static int derive(const char *password, const unsigned char *salt, size_t salt_len,
		  unsigned long iterations, unsigned char *out, size_t out_len)
{
	return PKCS5_PBKDF2_HMAC(password, (int)strlen(password), salt, (int)salt_len,
				 (int)iterations, EVP_sha256(), (int)out_len, out) == 1 ? 0 : -1;
}

int mr_password_hash(const char *password, unsigned long iterations, char **hash_r,
		     struct mr_error *err)
{
	*hash_r = NULL;
	if (iterations == 0)
		iterations = MR_PBKDF2_ITERATIONS;
	if (iterations < MR_PBKDF2_MIN_ITERATIONS || iterations > MR_PBKDF2_MAX_ITERATIONS)
		return mr_error_set(err, MR_EINPUT, "PBKDF2 iteration count %lu is outside %lu..%lu",
				    iterations, (unsigned long)MR_PBKDF2_MIN_ITERATIONS,
				    (unsigned long)MR_PBKDF2_MAX_ITERATIONS);
	if (!password || !*password)
		return mr_error_set(err, MR_EINPUT, "the password is empty");
	unsigned char salt[SALT_LEN], hash[HASH_LEN];
	if (RAND_bytes(salt, sizeof(salt)) != 1)
		return mr_error_set(err, MR_EINTERNAL, "RAND_bytes failed: no random salt");
	if (derive(password, salt, sizeof(salt), iterations, hash, sizeof(hash)))
		return mr_error_set(err, MR_EINTERNAL, "PKCS5_PBKDF2_HMAC failed");
	char salt64[4 * ((SALT_LEN + 2) / 3) + 1], hash64[4 * ((HASH_LEN + 2) / 3) + 1];
	b64_encode(salt, sizeof(salt), salt64);
	b64_encode(hash, sizeof(hash), hash64);
	OPENSSL_cleanse(hash, sizeof(hash));
	if (asprintf(hash_r, SCHEME "$%lu$%s$%s", iterations, salt64, hash64) < 0) {
		*hash_r = NULL;
		return mr_error_set(err, MR_ENOMEM, "out of memory hashing a password");
	}
	return 0;
}

/* Splits a stored hash into its parts; 0 or -1 when it is not one of ours. */
static int parse_stored(const char *stored, unsigned long *iter_r, unsigned char *salt,
			int *salt_len_r, unsigned char *hash, int *hash_len_r)
{
	size_t sl = strlen(SCHEME);
	if (strncmp(stored, SCHEME "$", sl + 1) != 0)
		return -1;
	const char *p = stored + sl + 1;
	if (*p < '1' || *p > '9')
		return -1;
	char *end;
	errno = 0;
	unsigned long iter = strtoul(p, &end, 10);
	if (errno || *end != '$' || iter < MR_PBKDF2_MIN_ITERATIONS ||
	    iter > MR_PBKDF2_MAX_ITERATIONS)
		return -1;
	const char *s = end + 1;
	const char *d = strchr(s, '$');
	if (!d)
		return -1;
	int salt_len = b64_decode(s, (size_t)(d - s), salt, MAX_SALT);
	int hash_len = b64_decode(d + 1, strlen(d + 1), hash, MAX_HASH);
	if (salt_len < MIN_SALT || hash_len < MIN_HASH)
		return -1;
	*iter_r = iter;
	*salt_len_r = salt_len;
	*hash_len_r = hash_len;
	return 0;
}

int mr_password_iterations(const char *stored, unsigned long *iterations_r)
{
	unsigned char salt[MAX_SALT], hash[MAX_HASH];
	int sl, hl;
	if (!stored || parse_stored(stored, iterations_r, salt, &sl, hash, &hl))
		return MR_EINPUT;
	return 0;
}

int mr_password_verify(const char *password, const char *stored, struct mr_error *err)
{
	unsigned char salt[MAX_SALT], want[MAX_HASH], got[MAX_HASH];
	unsigned long iter;
	int sl, hl;
	if (!stored || parse_stored(stored, &iter, salt, &sl, want, &hl))
		return mr_error_set(err, MR_EINPUT, "the stored password hash is not a valid "
				    SCHEME "$ITERATIONS$SALT$HASH");
	if (derive(password ? password : "", salt, (size_t)sl, iter, got, (size_t)hl))
		return mr_error_set(err, MR_EINTERNAL, "PKCS5_PBKDF2_HMAC failed");
	int differ = CRYPTO_memcmp(got, want, (size_t)hl);
	OPENSSL_cleanse(got, sizeof(got));
	if (differ)
		return mr_error_set(err, MR_EPERMANENT, "wrong password");
	return 0;
}

/* The last successful verification of this process: a cron run checks one
 * user before each job, and PBKDF2 is slow on purpose.  A changed stored
 * hash (user passwd) or another password misses the cache. */
static struct {
	char *pwhash;
	char *password;
} verified;

static int cache_hit(const char *pwhash, const char *password)
{
	if (!verified.pwhash || strcmp(verified.pwhash, pwhash) != 0)
		return 0;
	size_t n = strlen(verified.password);
	return strlen(password) == n && CRYPTO_memcmp(verified.password, password, n) == 0;
}

static void cache_put(const char *pwhash, const char *password)
{
	free(verified.pwhash);
	mr_password_free(verified.password);
	verified.pwhash = strdup(pwhash);
	verified.password = strdup(password);
	if (!verified.pwhash || !verified.password) {
		free(verified.pwhash);
		mr_password_free(verified.password);
		verified.pwhash = verified.password = NULL;
	}
}

struct found_user {
	int found;
	char *pwhash;
	unsigned perms;
};

static int take_user(void *cookie, const struct mr_user *u)
{
	struct found_user *f = cookie;
	f->found = 1;
	f->perms = u->perms;
	free(f->pwhash);
	f->pwhash = strdup(u->pwhash ? u->pwhash : "");
	return f->pwhash ? 0 : MR_ENOMEM;
}

int mr_user_authenticate(struct mr_store *st, const char *name, const char *password,
			 unsigned need_perms, const char *job, struct mr_error *err)
{
	/* A hash of nothing anybody knows: an unknown user costs as much time
	 * as a known one, so timing does not tell which names exist. */
	char dummy[160];
	snprintf(dummy, sizeof(dummy), SCHEME "$%lu$bWFpbHJvb20tZHVtbXktc2FsdA==$%s",
		 MR_PBKDF2_ITERATIONS, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=");
	if (!name || !*name)
		return mr_error_set(err, MR_EPERMANENT, "no user name given");
	struct found_user f = { 0 };
	struct mr_error e = { 0 };
	int rc = mr_store_user_get(st, name, take_user, &f, &e);
	if (rc && rc != MR_ENOTFOUND) {
		free(f.pwhash);
		return mr_error_set(err, rc, "cannot look up user '%s' in store %s: %s", name,
				    st->name ? st->name : "?", e.msg);
	}
	int good;
	if (!password)
		password = "";
	if (f.found && cache_hit(f.pwhash, password)) {
		good = 1;
	} else if (f.found) {
		rc = mr_password_verify(password, f.pwhash, &e);
		if (rc == MR_EINPUT) {
			free(f.pwhash);
			return mr_error_set(err, MR_EPERMANENT, "user '%s': %s; set a new one with "
					    "mailroom user passwd %s", name, e.msg, name);
		}
		if (rc && rc != MR_EPERMANENT) {
			free(f.pwhash);
			return mr_error_set(err, rc, "user '%s': %s", name, e.msg);
		}
		good = rc == 0;
		if (good)
			cache_put(f.pwhash, password);
	} else {
		(void)mr_password_verify(password, dummy, &e);
		good = 0;
	}
	free(f.pwhash);
	if (!good)
		return mr_error_set(err, MR_EPERMANENT, "unknown user or wrong password for '%s'",
				    name);
	unsigned missing = need_perms & ~f.perms;
	if (missing) {
		char names[128];
		mr_perms_format(missing, names, sizeof(names));
		int several = strchr(names, ',') != NULL;
		if (job && *job)
			return mr_error_set(err, MR_EPERMANENT,
					    "user '%s' lacks the permission%s '%s' needed by job %s "
					    "(mailroom user grant %s %s)", name, several ? "s" : "",
					    names, job, name, names);
		return mr_error_set(err, MR_EPERMANENT, "user '%s' lacks the permission%s '%s' "
				    "(mailroom user grant %s %s)", name, several ? "s" : "", names,
				    name, names);
	}
	return 0;
}

int mr_password_read(const char *password_file, char **password_r, struct mr_error *err)
{
	*password_r = NULL;
	if (!password_file) {
		const char *env = getenv("MAILROOM_PASSWORD");
		if (!env || !*env)
			return mr_error_set(err, MR_ENOTFOUND, "no password: give --password-file FILE "
					    "or set MAILROOM_PASSWORD (never on the command line)");
		if (strlen(env) > MR_PASSWORD_MAX)
			return mr_error_set(err, MR_EINPUT, "MAILROOM_PASSWORD is longer than %d bytes",
					    MR_PASSWORD_MAX);
		if (!(*password_r = strdup(env)))
			return mr_error_set(err, MR_ENOMEM, "out of memory");
		return 0;
	}
	int fd = open(password_file, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return mr_error_set(err, MR_ECONFIG, "cannot open password file %s: %s", password_file,
				    strerror(errno));
	struct stat sb;
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		close(fd);
		return mr_error_set(err, MR_ECONFIG, "password file %s is not a regular file",
				    password_file);
	}
	if (sb.st_mode & (S_IRWXG | S_IRWXO)) {
		close(fd);
		return mr_error_set(err, MR_ECONFIG, "password file %s can be read by group or others "
				    "(mode %03o); refused: run chmod 600 %s", password_file,
				    (unsigned)(sb.st_mode & 0777), password_file);
	}
	char buf[MR_PASSWORD_MAX + 2];
	size_t n = 0;
	while (n < sizeof(buf)) {
		ssize_t r = read(fd, buf + n, sizeof(buf) - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = errno;
			close(fd);
			OPENSSL_cleanse(buf, sizeof(buf));
			return mr_error_set(err, MR_ECONFIG, "cannot read password file %s: %s",
					    password_file, strerror(e));
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	/* the first line is the password */
	size_t len = 0;
	while (len < n && buf[len] != '\n' && buf[len] != '\r')
		len++;
	int too_long = len > MR_PASSWORD_MAX;
	int has_nul = memchr(buf, '\0', len) != NULL;
	if (!too_long && !has_nul && len > 0) {
		*password_r = strndup(buf, len);
	}
	OPENSSL_cleanse(buf, sizeof(buf));
	if (too_long)
		return mr_error_set(err, MR_EINPUT, "password file %s: the password is longer than "
				    "%d bytes", password_file, MR_PASSWORD_MAX);
	if (has_nul)
		return mr_error_set(err, MR_EINPUT, "password file %s contains a NUL byte",
				    password_file);
	if (len == 0)
		return mr_error_set(err, MR_EINPUT, "password file %s is empty (the password is "
				    "its first line)", password_file);
	if (!*password_r)
		return mr_error_set(err, MR_ENOMEM, "out of memory");
	return 0;
}

void mr_password_free(char *password)
{
	if (password) {
		OPENSSL_cleanse(password, strlen(password));
		free(password);
	}
}
