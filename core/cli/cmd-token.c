/* SPDX-License-Identifier: MIT */
/* mailroom token create --user NAME | list: bearer tokens of the read-only JSON API, printed once and kept only as SHA-256 hashes in [http] api_tokens_file. */
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include "cli.h"
#include "users.h"
#include "api-tokens.h"

void mr_api_token_hash(const char *token, char out[65])
{
	unsigned char md[32];
	unsigned int n = 0;
	EVP_Digest(token, strlen(token), md, &n, EVP_sha256(), NULL);
	for (int i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
	OPENSSL_cleanse(md, sizeof(md));
}

int mr_api_token_user(const char *path, const char *token, char *user, size_t n)
{
	struct stat sb;
	FILE *f = path ? fopen(path, "r") : NULL;
	if (!f)
		return MR_ECONFIG;
	if (fstat(fileno(f), &sb) != 0 || (sb.st_mode & 077)) {
		fclose(f);
		return MR_ECONFIG;
	}
	char want[65], line[512];
	mr_api_token_hash(token, want);
	int rc = MR_ENOTFOUND;
	while (fgets(line, sizeof(line), f)) {
		char h[80], u[MR_USER_NAME_MAX + 8];
		if (sscanf(line, "%79s %71s", h, u) != 2 || strlen(h) != 64)
			continue;
		if (CRYPTO_memcmp(h, want, 64) == 0 && rc == MR_ENOTFOUND) {
			snprintf(user, n, "%s", u);
			rc = 0;
		}
	}
	fclose(f);
	return rc;
}

static int user_found(void *cookie, const struct mr_user *u)
{
	(void)u;
	*(int *)cookie = 1;
	return 0;
}

int cmd_token(struct mr_cli *cli, int argc, char **argv)
{
	struct mr_site *site = NULL;
	int code = cli_open_subcommand(cli, "token", &argc, argv, &site);
	if (code)
		return code;
	const struct mr_section *http = mr_config_section(site->cfg, "http");
	const char *path = http ? mr_cfg_str(http, "api_tokens_file") : NULL;
	const char *user = NULL;
	if (strcmp(argv[1], "create") == 0 && argc == 4 && strcmp(argv[2], "--user") == 0)
		user = argv[3];
	if (!user) {
		code = cli_usage("token");
		goto out;
	}
	if (!path || !*path) {
		code = cli_fail(EX_CONFIG, "token", "set [http] api_tokens_file (where the tokens' "
				"hashes are kept) first");
		goto out;
	}
	int found = 0;
	struct mr_error err = { 0 };
	int rc = mr_store_user_get(&site->store, user, user_found, &found, &err);
	if ((rc && rc != MR_ENOTFOUND) || !found) {
		code = rc && rc != MR_ENOTFOUND ? cli_fail(mr_status_exit_code(rc), "token", "%s", err.msg) :
		       cli_fail(EX_NOINPUT, "token", "no user '%s' (mailroom user add %s --grant "
				"view-contacts)", user, user);
		goto out;
	}
	unsigned char raw[32];
	if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw)) {
		code = cli_fail(EX_OSERR, "token", "no random bytes: %s", strerror(errno));
		goto out;
	}
	char b64[64], token[MR_API_TOKEN_LEN + 8], hash[65];
	EVP_EncodeBlock((unsigned char *)b64, raw, sizeof(raw));
	OPENSSL_cleanse(raw, sizeof(raw));
	for (char *p = b64; *p; p++)
		*p = *p == '+' ? '-' : *p == '/' ? '_' : *p;
	b64[43] = 0; /* no padding */
	snprintf(token, sizeof(token), "mrt_%s", b64);
	mr_api_token_hash(token, hash);
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	struct stat sb;
	if (fd < 0 || fstat(fd, &sb) != 0 || (sb.st_mode & 077)) {
		code = cli_fail(EX_CANTCREAT, "token", "%s: %s", path,
				fd < 0 ? strerror(errno) : "readable by others: chmod 600 it");
		if (fd >= 0)
			close(fd);
		goto out;
	}
	char line[200];
	int l = snprintf(line, sizeof(line), "%s %s %lld\n", hash, user, (long long)time(NULL));
	if (write(fd, line, (size_t)l) != l || fsync(fd) != 0) {
		code = cli_fail(EX_IOERR, "token", "%s: %s", path, strerror(errno));
		close(fd);
		goto out;
	}
	close(fd);
	/* the only time the token is shown */
	if (cli->json) {
		cli_json_print(json_pack("{s:o,s:o}", "user", cli_json_text(user), "token",
					 cli_json_text(token)));
	} else {
		printf("%s\n", token);
	}
	fprintf(stderr, "mailroom token: a token for '%s' (shown once; only its hash is kept in %s)\n",
		user, path);
	OPENSSL_cleanse(token, sizeof(token));
out:
	mr_site_close(site);
	return code;
}
