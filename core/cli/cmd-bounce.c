/* SPDX-License-Identifier: MIT */
/* mailroom bounce classify FILE|DIR...: each bounced recipient of message files, mboxes and Maildirs, with reason, hard/soft, status, type, where the VERP address was and (--explain) which rule decided. */
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>
#include <mailroom/printable.h>
#include "cli.h"

#define MAX_FILE (256L * 1024 * 1024)

static char *slurp(const char *path, size_t *len_r, char *why, size_t why_n)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0) {
		snprintf(why, why_n, "%s", strerror(errno));
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > MAX_FILE) {
		snprintf(why, why_n, "%s", S_ISREG(st.st_mode) ? "larger than 256 MiB" : "not a regular file");
		close(fd);
		return NULL;
	}
	char *buf = malloc((size_t)st.st_size + 1);
	size_t have = 0;
	while (buf && have < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + have, (size_t)st.st_size - have);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		have += (size_t)n;
	}
	close(fd);
	if (!buf) {
		snprintf(why, why_n, "out of memory");
		return NULL;
	}
	buf[have] = 0;
	*len_r = have;
	return buf;
}

/* Site settings the classifier can use, all optional. */
struct site_bits {
	struct mr_config *cfg;
	char *secret;
	struct mr_verp_conf verp;
	const char *rules_file;
};

static void site_bits_load(struct mr_cli *cli, struct site_bits *sb)
{
	memset(sb, 0, sizeof(*sb));
	if (!cli->config_path || access(cli->config_path, R_OK) != 0)
		return;
	struct mr_error err = { 0 };
	if (mr_config_load(cli->config_path, &sb->cfg, &err) != 0) {
		fprintf(stderr, "mailroom: bounce: ignoring the config: %s\n", err.msg);
		return;
	}
	struct mr_section *main = mr_config_section(sb->cfg, "mailroom");
	struct mr_section *bounce = mr_config_section(sb->cfg, "bounce");
	/* relative paths are relative to the config file, as for a site */
	if (main) {
		main->keys[0] = mr_keys_mailroom;
		mr_config_resolve_paths(main);
	}
	if (bounce) {
		bounce->keys[0] = mr_keys_bounce;
		mr_config_resolve_paths(bounce);
		if (mr_config_raw(bounce, "rules_file"))
			sb->rules_file = mr_cfg_str(bounce, "rules_file");
	}
	for (size_t i = 0; i < sb->cfg->n_secs; i++) {
		struct mr_section *sec = &sb->cfg->secs[i];
		const char *uf = mr_config_raw(sec, "used_for");
		if (strcmp(sec->kind, "account") == 0 && uf && strcmp(uf, "bounce") == 0) {
			sb->verp.localpart = mr_config_raw(sec, "localpart");
			sb->verp.domain = mr_config_raw(sec, "domain");
			break;
		}
	}
	const char *sep = bounce ? mr_config_raw(bounce, "verp_separator") : NULL;
	sb->verp.sep = sep && sep[0] ? sep[0] : '.';
	if (main && mr_cfg_secret(main, "secret", &sb->secret, &err) == 0 && sb->secret) {
		sb->verp.secret = (const unsigned char *)sb->secret;
		sb->verp.secret_len = strlen(sb->secret);
	}
}

static void site_bits_free(struct site_bits *sb)
{
	if (sb->secret) {
		memset(sb->secret, 0, strlen(sb->secret));
		free(sb->secret);
	}
	mr_config_free(sb->cfg);
}

static const char *hs_name(enum mr_bounce_hardsoft hs)
{
	return hs == MR_BOUNCE_HARD ? "hard" : hs == MR_BOUNCE_SOFT ? "soft" : NULL;
}

static int verbose, explain;
static const struct mr_bounce_rules *explain_rules; /* for the type's threshold */

/* The hold threshold of rec's type per the rules: N, -1 never, 0 the store's. */
static int hold_of(const struct mr_bounce_record *rec)
{
	return rec->type ? mr_bounce_type_threshold(explain_rules, rec->type) : 0;
}

static void print_rec(const struct mr_cli *cli, const char *file, size_t idx,
		      const struct mr_bounce_report *r, const struct mr_bounce_record *rec)
{
	const char *hs = hs_name(rec->hardsoft);
	if (cli->json) {
		json_t *o = json_pack("{s:o,s:I,s:o,s:o,s:o,s:o,s:o,s:o}", "file",
				      cli_json_text(file), "msgidx", (json_int_t)idx, "recipient",
				      cli_json_text(rec->recipient), "reason",
				      cli_json_text(rec->reason), "hardsoft",
				      cli_json_text_or_null(hs), "status",
				      cli_json_text(rec->status), "type",
				      cli_json_text_or_null(rec->type), "verp_found_in",
				      cli_json_text_or_null(r->verp_found_in));
		if (explain && o) {
			int h = hold_of(rec);
			json_object_set_new(o, "rule", cli_json_text(rec->rule));
			json_object_set_new(o, "verp", json_string(r->verp_ok < 0 ? "forged" :
								   r->verp_ok > 0 ? "signed" :
								   r->verp ? "unchecked" : "none"));
			json_object_set_new(o, "verp_damage",
					    cli_json_text_or_null(r->verp_ok < 0 ?
								  r->verp_damage : NULL));
			json_object_set_new(o, "hold_after", h > 0 ? json_integer(h) :
					    h < 0 ? json_string("never") : json_null());
		}
		cli_json_print(o);
	} else {
		/* everything from the message is made safe for the terminal; "-"
		 * where a column has no value (a complaint has no status, no
		 * hard/soft): text for people, JSON has null */
		char s_file[512], s_rcpt[320], s_reason[200], s_status[64], s_type[64], s_diag[1024];
		mr_printable_str(s_file, sizeof(s_file), file);
		mr_printable_str(s_rcpt, sizeof(s_rcpt), rec->recipient);
		mr_printable_str(s_reason, sizeof(s_reason), rec->reason);
		mr_printable_str(s_status, sizeof(s_status), rec->status[0] ? rec->status : "-");
		mr_printable_str(s_type, sizeof(s_type), rec->type ? rec->type : "-");
		printf("%s\t%zu\t%s\t%s\t%s\t%s\t%s\t%s%s\n", s_file, idx, s_rcpt, s_reason,
		       hs ? hs : "-", s_status, s_type,
		       r->verp_found_in ? r->verp_found_in : "-",
		       r->verp_ok < 0 ? " (forged hash)" : r->verp_ok > 0 ? " (hash ok)" : "");
		if (verbose && rec->diagnostic)
			printf("\t%s\n", mr_printable_str(s_diag, sizeof(s_diag), rec->diagnostic));
		if (explain) {
			printf("\trule: %s\n", rec->rule[0] ? rec->rule : "(none)");
			int h = hold_of(rec);
			if (h > 0)
				printf("\thold: after %d bounce%s of type %s\n", h, h == 1 ? "" : "s",
				       s_type);
			else if (h < 0)
				printf("\thold: never (type %s: the sender's problem, recorded only)\n",
				       s_type);
			else if (rec->type)
				printf("\thold: at the store's threshold of type %s\n", s_type);
			if (r->verp_ok < 0)
				printf("\tVERP: forged VERP (%s): the job would ignore this message\n",
				       r->verp_damage ? r->verp_damage : "damaged");
			else if (!r->verp)
				printf("\tVERP: none: the job ignores it unless match_by_address "
				       "(recorded, never holding)\n");
		}
	}
}

/* Classifies every message of one file (a message or an mbox); returns 0 or 1. */
static int classify_file(const struct mr_cli *cli, const char *file,
			 const struct mr_bounce_rules *rules, const struct mr_verp_conf *vc)
{
	size_t len = 0;
	char why[128];
	char *data = slurp(file, &len, why, sizeof(why));
	if (!data) {
		fprintf(stderr, "mailroom: bounce: %s: %s\n", file, why);
		return 1;
	}
	int bad = 0;
	size_t off = 0, idx = 0;
	const char *msg = data;
	explain_rules = rules;
	size_t mlen = len;
	int mbox = mr_mbox_is(data, len);
	while (mbox ? mr_mbox_next(data, len, &off, &msg, &mlen) : idx == 0) {
		struct mr_bounce_report r;
		if (mr_bounce_parse(msg, mlen, rules, vc, &r) != 0) {
			fprintf(stderr, "mailroom: bounce: %s: message %zu: out of memory\n", file, idx);
			bad = 1;
		} else {
			for (size_t k = 0; k < r.n_recs; k++)
				print_rec(cli, file, idx, &r, &r.recs[k]);
			mr_bounce_report_free(&r);
		}
		idx++;
	}
	free(data);
	return bad;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every regular file of dir, in name order (a Maildir's cur/ and new/ when
 * dir has them). */
static int classify_dir(const struct mr_cli *cli, const char *dir,
			const struct mr_bounce_rules *rules, const struct mr_verp_conf *vc)
{
	static const char *const subs[] = { "cur", "new" };
	char path[4096];
	int maildir = 0, bad = 0;
	struct stat st;
	for (size_t k = 0; k < 2; k++) {
		snprintf(path, sizeof(path), "%s/%s", dir, subs[k]);
		if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
			maildir = 1;
	}
	for (size_t k = 0; k < (maildir ? 2u : 1u); k++) {
		char base[4096];
		snprintf(base, sizeof(base), maildir ? "%s/%s" : "%s", dir, subs[k]);
		DIR *d = opendir(base);
		if (!d) {
			if (!maildir) {
				fprintf(stderr, "mailroom: bounce: %s: %s\n", base, strerror(errno));
				bad = 1;
			}
			continue;
		}
		char **names = NULL;
		size_t n = 0, cap = 0;
		struct dirent *e;
		while ((e = readdir(d))) {
			if (e->d_name[0] == '.')
				continue;
			if (n == cap) {
				cap = cap ? cap * 2 : 256;
				char **v = realloc(names, cap * sizeof(*v));
				if (!v)
					break;
				names = v;
			}
			if (!(names[n] = strdup(e->d_name)))
				break;
			n++;
		}
		closedir(d);
		if (n)
			qsort(names, n, sizeof(*names), name_cmp);
		for (size_t i = 0; i < n; i++) {
			snprintf(path, sizeof(path), "%s/%s", base, names[i]);
			if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
				bad |= classify_file(cli, path, rules, vc);
			free(names[i]);
		}
		free(names);
	}
	return bad;
}

static int classify(struct mr_cli *cli, int argc, char **argv)
{
	const char *rules_path = NULL;
	int n_files = 0;
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--rules") == 0 && i + 1 < argc) {
			rules_path = argv[++i];
		} else if (strcmp(argv[i], "--verbose") == 0 || strcmp(argv[i], "-v") == 0) {
			verbose = 1;
		} else if (strcmp(argv[i], "--explain") == 0) {
			explain = 1;
		} else if (strncmp(argv[i], "--", 2) == 0) {
			return cli_usage("bounce");
		} else {
			n_files++;
		}
	}
	if (n_files == 0)
		return cli_usage("bounce");
	struct site_bits sb;
	site_bits_load(cli, &sb);
	if (!rules_path)
		rules_path = getenv("MAILROOM_BOUNCE_RULES");
	if (!rules_path || !*rules_path)
		rules_path = sb.rules_file ? sb.rules_file : mr_bounce_rules_default();
	struct mr_bounce_rules *rules;
	struct mr_error err = { 0 };
	if (mr_bounce_rules_load(rules_path, &rules, &err) != 0) {
		site_bits_free(&sb);
		return cli_fail(EX_CONFIG, "bounce", "%s", err.msg);
	}
	const struct mr_verp_conf *vc = sb.verp.localpart ? &sb.verp : NULL;
	int bad = 0;
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--rules") == 0) {
			i++;
			continue;
		}
		if (strcmp(argv[i], "--verbose") == 0 || strcmp(argv[i], "-v") == 0 ||
		    strcmp(argv[i], "--explain") == 0)
			continue;
		struct stat dst;
		if (stat(argv[i], &dst) == 0 && S_ISDIR(dst.st_mode))
			bad |= classify_dir(cli, argv[i], rules, vc);
		else
			bad |= classify_file(cli, argv[i], rules, vc);
	}
	fflush(stdout);
	mr_bounce_rules_free(rules);
	site_bits_free(&sb);
	return bad ? EX_NOINPUT : 0;
}

int cmd_bounce(struct mr_cli *cli, int argc, char **argv)
{
	argc = cli_take_json(cli, argc, argv);
	if (argc < 2)
		return cli_usage("bounce");
	if (strcmp(argv[1], "classify") == 0)
		return classify(cli, argc, argv);
	if (strcmp(argv[1], "stats") == 0)
		return cli_bounce_stats(cli, argc, argv);
	return cli_usage("bounce");
}
