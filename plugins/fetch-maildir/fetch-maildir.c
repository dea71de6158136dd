/* SPDX-License-Identifier: MIT */
/* fetch-maildir: reads the messages of a local Maildir (new/ and cur/) and disposes of them by atomic rename into .processed / .ignored Maildir++ subfolders. */
#include "config.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <mailroom/plugin.h>
#include "../common/local-files.h"

/* The plugin's keys, filled by the core from its section (md_keys). */
struct md_conf {
	const char *source;
	const char *dispose;
	long long max_size;
};

struct entry {
	char sub[4];  /* "new" or "cur" */
	char *name;   /* file name */
};

struct md {
	const struct mr_core *core;
	const struct mr_log *log;
	char *source;
	char *folder[3]; /* by disposition: NULL, processed, ignored */
	int keep;
	long long max_size;
	struct entry *ents;
	size_t n_ents, pos;
	char *data;   /* the current message */
	char *key;
};

static const struct mr_key md_keys[] = {
	{ .name = "source", .type = MR_KEY_PATH, .flags = MR_KEYF_REQUIRED,
	  .help = "the Maildir to read (the directory holding new/, cur/ and tmp/)",
	  MR_KEY_FIELD(struct md_conf, source) },
	{ .name = "dispose", .type = MR_KEY_ENUM, .def = "move", .choices = "move|keep",
	  .help = "move handled messages into the .processed / .ignored subfolders, or keep them",
	  MR_KEY_FIELD(struct md_conf, dispose) },
	{ .name = "max_size", .type = MR_KEY_INT, .def = "52428800", .min = 1024, .max = 1LL << 34,
	  .help = "larger message files are skipped with a warning (bytes)",
	  MR_KEY_FIELD(struct md_conf, max_size) },
	{ 0 }
};

static char *join(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	char *s = malloc(la + lb + 2);
	if (s)
		snprintf(s, la + lb + 2, "%s/%s", a, b);
	return s;
}

/* The Maildir++ subfolder called name of source: a sibling ".X.name" when
 * source is itself a subfolder ".X" (it has a maildirfolder file), else
 * "source/.name". */
static char *subfolder_path(const char *source, const char *name)
{
	char *marker = join(source, "maildirfolder");
	struct stat sb;
	int is_sub = marker && stat(marker, &sb) == 0;
	free(marker);
	size_t need = strlen(source) + strlen(name) + 4;
	char *out = malloc(need);
	if (!out)
		return NULL;
	const char *base = strrchr(source, '/');
	if (is_sub && base && base[1] == '.')
		snprintf(out, need, "%s.%s", source, name);
	else
		snprintf(out, need, "%s/.%s", source, name);
	return out;
}

static int md_init(const struct mr_plugin_ctx *ctx, void **state_r, struct mr_error *err)
{
	struct md *m = calloc(1, sizeof(*m));
	if (!m)
		return ctx->core->error_set(err, MR_ENOMEM, "out of memory");
	m->core = ctx->core;
	m->log = ctx->log;
	const struct md_conf *conf = ctx->conf;
	const char *src = conf->source;
	if ((m->source = strdup(src ? src : "")) != NULL) {
		local_trim_slashes(m->source);
		m->folder[MR_DISPOSE_PROCESSED] = subfolder_path(m->source, "processed");
		m->folder[MR_DISPOSE_IGNORED] = subfolder_path(m->source, "ignored");
	}
	m->keep = strcmp(conf->dispose, "keep") == 0;
	m->max_size = conf->max_size;
	if (!m->source || !m->folder[1] || !m->folder[2]) {
		free(m->folder[1]);
		free(m->folder[2]);
		free(m->source);
		free(m);
		return ctx->core->error_set(err, MR_ENOMEM, "out of memory");
	}
	*state_r = m;
	return 0;
}

static void clear_current(struct md *m)
{
	free(m->data);
	free(m->key);
	m->data = m->key = NULL;
}

static void md_close(void *state)
{
	struct md *m = state;
	clear_current(m);
	for (size_t i = 0; i < m->n_ents; i++)
		free(m->ents[i].name);
	free(m->ents);
	m->ents = NULL;
	m->n_ents = m->pos = 0;
}

static void md_deinit(void *state)
{
	struct md *m = state;
	md_close(m);
	free(m->folder[1]);
	free(m->folder[2]);
	free(m->source);
	free(m);
}

static int cmp_entry(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	return strcmp(x->name, y->name);
}

static int scan_sub(struct md *m, const char *sub, struct mr_error *err)
{
	char *dir = join(m->source, sub);
	if (!dir)
		return m->core->error_set(err, MR_ENOMEM, "out of memory");
	DIR *d = opendir(dir);
	if (!d) {
		int e = errno;
		int rc = m->core->error_set(err, e == ENOENT || e == ENOTDIR ? MR_ECONFIG : MR_ETEMP,
					    "folder: cannot open %s: %s (is %s a Maildir?)", dir,
					    strerror(e), m->source);
		free(dir);
		return rc;
	}
	struct dirent *de;
	int rc = 0;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (de->d_type != DT_REG && de->d_type != DT_UNKNOWN)
			continue;
		struct entry *ne = realloc(m->ents, (m->n_ents + 1) * sizeof(*ne));
		if (!ne || !(ne[m->n_ents].name = strdup(de->d_name))) {
			if (ne)
				m->ents = ne;
			rc = m->core->error_set(err, MR_ENOMEM, "out of memory");
			break;
		}
		m->ents = ne;
		snprintf(ne[m->n_ents].sub, sizeof(ne[m->n_ents].sub), "%s", sub);
		m->n_ents++;
	}
	closedir(d);
	free(dir);
	return rc;
}

static int md_open(void *state, size_t *waiting_r, struct mr_error *err)
{
	struct md *m = state;
	md_close(m);
	int rc = scan_sub(m, "new", err);
	if (!rc)
		rc = scan_sub(m, "cur", err);
	if (rc) {
		md_close(m);
		return rc;
	}
	if (m->n_ents > 1) /* an empty Maildir has no array: qsort(NULL, 0) is UB */
		qsort(m->ents, m->n_ents, sizeof(*m->ents), cmp_entry);
	if (waiting_r)
		*waiting_r = m->n_ents;
	return 0;
}

/* Reads a whole file; 0, MR_ENOTFOUND when it is gone, or another status. */
static int read_file(struct md *m, const char *path, char **data_r, size_t *len_r,
		     struct mr_error *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? MR_ENOTFOUND
				       : m->core->error_set(err, MR_ETEMP, "cannot open %s: %s", path,
							    strerror(errno));
	struct stat sb;
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		close(fd);
		return MR_ENOTFOUND;
	}
	if (sb.st_size > m->max_size) {
		close(fd);
		return m->core->error_set(err, MR_EINPUT, "%s is %lld bytes, more than max_size %lld",
					  path, (long long)sb.st_size, m->max_size);
	}
	return local_read_fd(m->core, fd, (size_t)sb.st_size, data_r, len_r, err);
}

static int md_next(void *state, struct mr_fetched *msg_r, struct mr_error *err)
{
	struct md *m = state;
	clear_current(m);
	while (m->pos < m->n_ents) {
		struct entry *e = &m->ents[m->pos++];
		char path[PATH_MAX];
		snprintf(path, sizeof(path), "%s/%s/%s", m->source, e->sub, e->name);
		size_t len = 0;
		struct mr_error fe = { 0 };
		int rc = read_file(m, path, &m->data, &len, &fe);
		if (rc == MR_ENOTFOUND)
			continue; /* another reader took it meanwhile */
		if (rc == MR_EINPUT) {
			m->core->log(m->log, MR_LOG_WARNING, "skipped: %s", fe.msg);
			continue;
		}
		if (rc) {
			*err = fe;
			return rc;
		}
		/* the unique part of the name: flags after ':' change when read */
		size_t ul = strcspn(e->name, ":");
		size_t kl = ul + 9;
		if (!(m->key = malloc(kl)))
			return m->core->error_set(err, MR_ENOMEM, "out of memory");
		snprintf(m->key, kl, "maildir:%.*s", (int)ul, e->name);
		msg_r->key = m->key;
		msg_r->data = m->data;
		msg_r->len = len;
		msg_r->label = e->name;
		return 1;
	}
	return 0;
}

/* Creates a Maildir++ subfolder (tmp, new, cur, maildirfolder) if missing. */
static int ensure_folder(struct md *m, const char *folder, struct mr_error *err)
{
	char p[PATH_MAX];
	struct stat sb;
	snprintf(p, sizeof(p), "%s/cur", folder);
	if (stat(p, &sb) == 0)
		return 0;
	int rc = local_mkdir(m->core, folder, err);
	static const char *const subs[] = { "tmp", "new", "cur" };
	for (size_t i = 0; !rc && i < 3; i++) {
		snprintf(p, sizeof(p), "%s/%s", folder, subs[i]);
		rc = local_mkdir(m->core, p, err);
	}
	if (!rc) {
		snprintf(p, sizeof(p), "%s/maildirfolder", folder);
		int fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
		if (fd >= 0)
			close(fd);
		m->core->log(m->log, MR_LOG_INFO, "created folder %s", folder);
	}
	return rc;
}

static int md_dispose(void *state, const struct mr_fetched *msg, enum mr_disposition d,
		      struct mr_error *err)
{
	struct md *m = state;
	if (d == MR_DISPOSE_KEEP || m->keep)
		return 0;
	const char *name = msg->label;
	int rc = local_check_name(m->core, name, err);
	if (rc)
		return rc;
	const char *folder = m->folder[d == MR_DISPOSE_IGNORED ? MR_DISPOSE_IGNORED
							      : MR_DISPOSE_PROCESSED];
	rc = ensure_folder(m, folder, err);
	if (rc)
		return rc;
	/* the file is in new/ or cur/, as next() found it */
	char from[PATH_MAX], to[PATH_MAX];
	const char *sub = "new";
	snprintf(from, sizeof(from), "%s/new/%s", m->source, name);
	if (access(from, F_OK) != 0) {
		sub = "cur";
		snprintf(from, sizeof(from), "%s/cur/%s", m->source, name);
	}
	snprintf(to, sizeof(to), "%s/%s/%s", folder, sub, name);
	if (rename(from, to) != 0)
		return m->core->error_set(err, errno == ENOENT ? MR_ENOTFOUND : MR_ETEMP,
					  "cannot move %s to %s: %s", from, to, strerror(errno));
	return 0;
}

static const struct mr_fetch_ops md_ops = {
	.size = sizeof(struct mr_fetch_ops),
	.init = md_init,
	.deinit = md_deinit,
	.open = md_open,
	.next = md_next,
	.dispose = md_dispose,
	.close = md_close,
};

MR_PLUGIN_DEFINE(MR_KIND_FETCH, "maildir", PACKAGE_VERSION,
		 "Reads a local Maildir; moves handled messages into .processed / .ignored.",
		 md_keys, sizeof(struct md_conf), &md_ops);
