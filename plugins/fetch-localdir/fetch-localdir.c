/* SPDX-License-Identifier: MIT */
/* fetch-localdir: reads a plain directory of message files (what fetchmail or a procmail rule leaves) and moves handled ones into processed/ and ignored/ subdirectories with date subfolders. */
#include "config.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <mailroom/plugin.h>
#include "../common/local-files.h"

/* The plugin's keys, filled by the core from its section (ld_keys). */
struct ld_conf {
	const char *source;
	const char *dispose;
	long long min_age;
	long long max_size;
};

struct ld {
	const struct mr_core *core;
	const struct mr_log *log;
	char *source;
	int keep;
	long long max_size, min_age;
	char **names;
	size_t n_names, pos;
	char *data;
	char *key;
};

static const struct mr_key ld_keys[] = {
	{ .name = "source", .type = MR_KEY_PATH, .flags = MR_KEYF_REQUIRED,
	  .help = "the directory of message files, one message per file",
	  MR_KEY_FIELD(struct ld_conf, source) },
	{ .name = "dispose", .type = MR_KEY_ENUM, .def = "move", .choices = "move|keep",
	  .help = "move handled files into processed/DATE/ or ignored/DATE/ under source, or keep them",
	  MR_KEY_FIELD(struct ld_conf, dispose) },
	{ .name = "min_age", .type = MR_KEY_DURATION, .def = "0",
	  .help = "files modified more recently than this are left for the next run (still being "
	  "written)", MR_KEY_FIELD(struct ld_conf, min_age) },
	{ .name = "max_size", .type = MR_KEY_INT, .def = "52428800", .min = 1024, .max = 1LL << 34,
	  .help = "larger message files are skipped with a warning (bytes)",
	  MR_KEY_FIELD(struct ld_conf, max_size) },
	{ 0 }
};

static int ld_init(const struct mr_plugin_ctx *ctx, void **state_r, struct mr_error *err)
{
	const struct ld_conf *conf = ctx->conf;
	struct ld *l = calloc(1, sizeof(*l));
	const char *src = conf->source;
	if (!l || !(l->source = strdup(src ? src : ""))) {
		free(l);
		return ctx->core->error_set(err, MR_ENOMEM, "out of memory");
	}
	l->core = ctx->core;
	l->log = ctx->log;
	local_trim_slashes(l->source);
	l->keep = strcmp(conf->dispose, "keep") == 0;
	l->max_size = conf->max_size;
	l->min_age = conf->min_age;
	*state_r = l;
	return 0;
}

static void ld_close(void *state)
{
	struct ld *l = state;
	free(l->data);
	free(l->key);
	l->data = l->key = NULL;
	for (size_t i = 0; i < l->n_names; i++)
		free(l->names[i]);
	free(l->names);
	l->names = NULL;
	l->n_names = l->pos = 0;
}

static void ld_deinit(void *state)
{
	struct ld *l = state;
	ld_close(l);
	free(l->source);
	free(l);
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int ld_open(void *state, size_t *waiting_r, struct mr_error *err)
{
	struct ld *l = state;
	ld_close(l);
	DIR *d = opendir(l->source);
	if (!d)
		return l->core->error_set(err, errno == ENOENT || errno == ENOTDIR ? MR_ECONFIG
										     : MR_ETEMP,
					  "folder: cannot open directory %s: %s", l->source,
					  strerror(errno));
	int64_t now = l->core->now(l->core);
	struct dirent *de;
	int rc = 0;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		struct stat sb;
		if (fstatat(dirfd(d), de->d_name, &sb, AT_SYMLINK_NOFOLLOW) != 0 ||
		    !S_ISREG(sb.st_mode))
			continue; /* processed/, ignored/ and anything but files */
		if (l->min_age > 0 && now - (int64_t)sb.st_mtime < l->min_age)
			continue;
		char **nn = realloc(l->names, (l->n_names + 1) * sizeof(*nn));
		if (!nn || !(nn[l->n_names] = strdup(de->d_name))) {
			if (nn)
				l->names = nn;
			rc = l->core->error_set(err, MR_ENOMEM, "out of memory");
			break;
		}
		l->names = nn;
		l->n_names++;
	}
	closedir(d);
	if (rc) {
		ld_close(l);
		return rc;
	}
	qsort(l->names, l->n_names, sizeof(*l->names), cmp_name);
	if (waiting_r)
		*waiting_r = l->n_names;
	return 0;
}

/* FNV-1a, 64 bits: a digest to tell two files of the same name apart. */
static uint64_t fnv1a(const char *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* The Message-ID header's value (raw bytes up to the line end), or NULL. */
static const char *find_msgid(const char *d, size_t len, size_t *n_r)
{
	for (size_t i = 0; i + 11 < len; i++) {
		if (i > 0 && d[i - 1] != '\n')
			continue;
		if (d[i] == '\n' || (d[i] == '\r' && d[i + 1] == '\n'))
			return NULL; /* end of the header */
		if (strncasecmp(d + i, "message-id:", 11) == 0) {
			size_t j = i + 11, e;
			while (j < len && (d[j] == ' ' || d[j] == '\t'))
				j++;
			for (e = j; e < len && d[e] != '\r' && d[e] != '\n'; e++)
				;
			*n_r = e - j;
			return e > j ? d + j : NULL;
		}
	}
	return NULL;
}

static int ld_next(void *state, struct mr_fetched *msg_r, struct mr_error *err)
{
	struct ld *l = state;
	free(l->data);
	free(l->key);
	l->data = l->key = NULL;
	while (l->pos < l->n_names) {
		const char *name = l->names[l->pos++];
		char path[PATH_MAX];
		snprintf(path, sizeof(path), "%s/%s", l->source, name);
		int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
		if (fd < 0) {
			if (errno == ENOENT)
				continue;
			return l->core->error_set(err, MR_ETEMP, "cannot open %s: %s", path,
						  strerror(errno));
		}
		struct stat sb;
		if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
			close(fd);
			continue;
		}
		if (sb.st_size > l->max_size) {
			close(fd);
			l->core->log(l->log, MR_LOG_WARNING, "skipped %s: %lld bytes, more than "
				     "max_size %lld", path, (long long)sb.st_size, l->max_size);
			continue;
		}
		size_t got = 0;
		int rc = local_read_fd(l->core, fd, (size_t)sb.st_size, &l->data, &got, err);
		if (rc)
			return rc;
		size_t idn = 0;
		const char *id = find_msgid(l->data, got, &idn);
		uint64_t h = id ? fnv1a(id, idn) : fnv1a(l->data, got);
		size_t kl = strlen(name) + 32;
		if (!(l->key = malloc(kl)))
			return l->core->error_set(err, MR_ENOMEM, "out of memory");
		snprintf(l->key, kl, "localdir:%s:%016llx", name, (unsigned long long)h);
		msg_r->key = l->key;
		msg_r->data = l->data;
		msg_r->len = got;
		msg_r->label = name;
		return 1;
	}
	return 0;
}

static int ld_dispose(void *state, const struct mr_fetched *msg, enum mr_disposition d,
		      struct mr_error *err)
{
	struct ld *l = state;
	if (d == MR_DISPOSE_KEEP || l->keep)
		return 0;
	const char *name = msg->label;
	int rc = local_check_name(l->core, name, err);
	if (rc)
		return rc;
	time_t now = (time_t)l->core->now(l->core);
	struct tm tm;
	localtime_r(&now, &tm);
	char top[PATH_MAX], dir[PATH_MAX], from[PATH_MAX], to[PATH_MAX];
	snprintf(top, sizeof(top), "%s/%s", l->source,
		 d == MR_DISPOSE_IGNORED ? "ignored" : "processed");
	snprintf(dir, sizeof(dir), "%s/%04d-%02d-%02d", top, tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday);
	rc = local_mkdir(l->core, top, err);
	if (!rc)
		rc = local_mkdir(l->core, dir, err);
	if (rc)
		return rc;
	snprintf(from, sizeof(from), "%s/%s", l->source, name);
	/* never overwrite: a later file of the same name gets a suffix */
	for (int i = 0; i < 1000; i++) {
		if (i == 0)
			snprintf(to, sizeof(to), "%s/%s", dir, name);
		else
			snprintf(to, sizeof(to), "%s/%s.%d", dir, name, i);
		if (link(from, to) == 0) {
			if (unlink(from) != 0)
				return l->core->error_set(err, MR_ETEMP, "cannot remove %s: %s", from,
							  strerror(errno));
			return 0;
		}
		if (errno != EEXIST)
			return l->core->error_set(err, errno == ENOENT ? MR_ENOTFOUND : MR_ETEMP,
						  "cannot move %s to %s: %s", from, to,
						  strerror(errno));
	}
	return l->core->error_set(err, MR_ETEMP, "cannot move %s: too many files called %s in %s",
				  from, name, dir);
}

static const struct mr_fetch_ops ld_ops = {
	.size = sizeof(struct mr_fetch_ops),
	.init = ld_init,
	.deinit = ld_deinit,
	.open = ld_open,
	.next = ld_next,
	.dispose = ld_dispose,
	.close = ld_close,
};

MR_PLUGIN_DEFINE(MR_KIND_FETCH, "localdir", PACKAGE_VERSION,
		 "Reads a directory of message files; moves handled ones into processed/DATE "
		 "or ignored/DATE.",
		 ld_keys, sizeof(struct ld_conf), &ld_ops);
