/* SPDX-License-Identifier: MIT */
/* Loading the INI file with iniparser, indexing its lines, checking keys against declared tables, typed getters. */
#include "config.h"
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <iniparser.h>
#include "mr.h"

static char ini_error[512];

static int capture_ini_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	size_t used = strlen(ini_error);
	if (used < sizeof(ini_error) - 1)
		vsnprintf(ini_error + used, sizeof(ini_error) - used, fmt, ap);
	va_end(ap);
	return 0;
}

static char *trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	char *e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

static void lower(char *s)
{
	for (; *s; s++)
		*s = (char)tolower((unsigned char)*s);
}

/* Adds a section; a section given twice is refused: *dup_line_r gets the
 * line of the first one and MR_ECONFIG is returned. */
static int add_section(struct mr_config *cfg, const char *name, int line, int *dup_line_r)
{
	for (size_t i = 0; i < cfg->n_secs; i++)
		if (strcmp(cfg->secs[i].name, name) == 0) {
			*dup_line_r = cfg->secs[i].line;
			return MR_ECONFIG;
		}
	struct mr_section *secs = realloc(cfg->secs, (cfg->n_secs + 1) * sizeof(*secs));
	if (!secs)
		return MR_ENOMEM;
	cfg->secs = secs;
	struct mr_section *s = &secs[cfg->n_secs];
	memset(s, 0, sizeof(*s));
	s->name = strdup(name);
	const char *dash = strchr(name, '-');
	s->kind = dash ? strndup(name, (size_t)(dash - name)) : strdup(name);
	s->inst = strdup(dash ? dash + 1 : "");
	s->line = line;
	if (!s->name || !s->kind || !s->inst)
		return MR_ENOMEM;
	cfg->n_secs++;
	/* realloc moved the sections: re-point their back pointers */
	for (size_t i = 0; i < cfg->n_secs; i++)
		cfg->secs[i].cfg = cfg;
	return 0;
}

static int add_keyline(struct mr_config *cfg, const char *sec, const char *key, int line)
{
	struct mr_keyline *l = realloc(cfg->lines, (cfg->n_lines + 1) * sizeof(*l));
	if (!l)
		return MR_ENOMEM;
	cfg->lines = l;
	if (asprintf(&l[cfg->n_lines].full, "%s:%s", sec, key) < 0)
		return MR_ENOMEM;
	l[cfg->n_lines++].line = line;
	return 0;
}

/* Records the line of every section and key, which iniparser does not keep. */
static int index_lines(struct mr_config *cfg, FILE *f, struct mr_error *err)
{
	char buf[4096], section[256] = "";
	int lineno = 0;
	while (fgets(buf, sizeof(buf), f)) {
		lineno++;
		char *s = trim(buf);
		if (*s == '\0' || *s == ';' || *s == '#')
			continue;
		if (*s == '[') {
			char *end = strchr(s, ']');
			if (!end)
				return mr_error_set(err, MR_ECONFIG, "%s:%d: section header without ']'",
						    cfg->path, lineno);
			*end = '\0';
			snprintf(section, sizeof(section), "%s", trim(s + 1));
			lower(section);
			if (strchr(section, ':'))
				return mr_error_set(err, MR_ECONFIG,
						    "%s:%d: section name '%s' contains ':'",
						    cfg->path, lineno, section);
			int first = 0, rc = add_section(cfg, section, lineno, &first);
			if (rc == MR_ECONFIG)
				return mr_error_set(err, MR_ECONFIG, "%s:%d: section [%s] is given "
						    "twice (first at line %d): merge the two",
						    cfg->path, lineno, section, first);
			if (rc)
				return mr_error_set(err, MR_ENOMEM, "out of memory");
			continue;
		}
		char *eq = strchr(s, '=');
		if (!eq)
			continue; /* iniparser reports the syntax error */
		*eq = '\0';
		char *key = trim(s);
		lower(key);
		if (!section[0])
			return mr_error_set(err, MR_ECONFIG, "%s:%d: key '%s' is outside any section",
					    cfg->path, lineno, key);
		int first = mr_config_line(cfg, section, key);
		if (first > 0)
			return mr_error_set(err, MR_ECONFIG, "%s:%d: [%s] %s is given twice (first "
					    "at line %d): keep one", cfg->path, lineno, section,
					    key, first);
		if (add_keyline(cfg, section, key, lineno))
			return mr_error_set(err, MR_ENOMEM, "out of memory");
	}
	return 0;
}

int mr_config_load(const char *path, struct mr_config **cfg_r, struct mr_error *err)
{
	*cfg_r = NULL;
	FILE *f = fopen(path, "r");
	if (!f)
		return mr_error_set(err, MR_ECONFIG, "cannot read config file %s: %s", path,
				    strerror(errno));
	struct mr_config *cfg = calloc(1, sizeof(*cfg));
	if (!cfg || !(cfg->path = strdup(path))) {
		fclose(f);
		free(cfg);
		return mr_error_set(err, MR_ENOMEM, "out of memory");
	}
	int rc = index_lines(cfg, f, err);
	fclose(f);
	if (rc) {
		mr_config_free(cfg);
		return rc;
	}
	int dup;
	if (!mr_config_section(cfg, "mailroom") && add_section(cfg, "mailroom", 0, &dup)) {
		mr_config_free(cfg);
		return mr_error_set(err, MR_ENOMEM, "out of memory");
	}
	ini_error[0] = '\0';
	iniparser_set_error_callback(capture_ini_error);
	cfg->ini = iniparser_load(path);
	if (!cfg->ini) {
		char *nl = strrchr(ini_error, '\n');
		if (nl && nl[1] == '\0')
			*nl = '\0';
		mr_error_set(err, MR_ECONFIG, "%s: %s", path,
			     ini_error[0] ? ini_error : "cannot be parsed");
		mr_config_free(cfg);
		return MR_ECONFIG;
	}
	*cfg_r = cfg;
	return 0;
}

void mr_config_free(struct mr_config *cfg)
{
	if (!cfg)
		return;
	if (cfg->ini)
		iniparser_freedict(cfg->ini);
	for (size_t i = 0; i < cfg->n_secs; i++) {
		free(cfg->secs[i].name);
		free(cfg->secs[i].kind);
		free(cfg->secs[i].inst);
	}
	for (size_t i = 0; i < cfg->n_lines; i++)
		free(cfg->lines[i].full);
	free(cfg->secs);
	free(cfg->lines);
	free(cfg->path);
	free(cfg);
}

int mr_config_ensure_section(struct mr_config *cfg, const char *name)
{
	int dup;
	if (mr_config_section(cfg, name))
		return 0;
	return add_section(cfg, name, 0, &dup);
}

struct mr_section *mr_config_section(const struct mr_config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->n_secs; i++)
		if (strcmp(cfg->secs[i].name, name) == 0)
			return &cfg->secs[i];
	return NULL;
}

int mr_config_line(const struct mr_config *cfg, const char *section, const char *key)
{
	size_t sl = strlen(section);
	int found = 0;
	for (size_t i = 0; i < cfg->n_lines; i++) {
		const char *full = cfg->lines[i].full;
		if (strncmp(full, section, sl) == 0 && full[sl] == ':' &&
		    strcmp(full + sl + 1, key) == 0)
			found = cfg->lines[i].line; /* the last one wins, as in iniparser */
	}
	return found;
}

const char *mr_config_raw(const struct mr_section *sec, const char *key)
{
	if (!sec || !sec->cfg || !sec->cfg->ini)
		return NULL;
	char full[512];
	snprintf(full, sizeof(full), "%s:%s", sec->name, key);
	return iniparser_getstring(sec->cfg->ini, full, NULL);
}

const struct mr_key *mr_section_key(const struct mr_section *sec, const char *key)
{
	for (size_t t = 0; t < 2; t++)
		for (const struct mr_key *k = sec->keys[t]; k && k->name; k++)
			if (strcmp(k->name, key) == 0)
				return k;
	return NULL;
}

size_t mr_edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > 63 || lb > 63)
		return 64;
	size_t row[64], prev;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		prev = row[0];
		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t cur = row[j];
			size_t best = prev + (a[i - 1] != b[j - 1]);
			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			prev = cur;
		}
	}
	return row[lb];
}

int mr_parse_bool(const char *s, int *v_r)
{
	static const char *yes[] = { "yes", "true", "on", "1" }, *no[] = { "no", "false", "off", "0" };
	for (size_t i = 0; i < 4; i++) {
		if (strcasecmp(s, yes[i]) == 0)
			return *v_r = 1, 0;
		if (strcasecmp(s, no[i]) == 0)
			return *v_r = 0, 0;
	}
	return MR_EINPUT;
}

int mr_parse_int(const char *s, long long *v_r)
{
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno || end == s || *trim(end) != '\0')
		return MR_EINPUT;
	*v_r = v;
	return 0;
}

int mr_parse_duration(const char *s, long long *seconds_r)
{
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno || end == s || v < 0)
		return MR_EINPUT;
	long long mult = 1;
	switch (*end) {
	case '\0': break;
	case 's': mult = 1; end++; break;
	case 'm': mult = 60; end++; break;
	case 'h': mult = 3600; end++; break;
	case 'd': mult = 86400; end++; break;
	case 'w': mult = 7 * 86400; end++; break;
	default: return MR_EINPUT;
	}
	if (*end != '\0')
		return MR_EINPUT;
	*seconds_r = v * mult;
	return 0;
}

static int enum_has(const char *choices, const char *word)
{
	size_t wl = strlen(word);
	for (const char *p = choices; p && *p;) {
		const char *bar = strchr(p, '|');
		size_t l = bar ? (size_t)(bar - p) : strlen(p);
		if (l == wl && strncmp(p, word, l) == 0)
			return 1;
		p = bar ? bar + 1 : p + l;
	}
	return 0;
}

const char *mr_key_value_problem(const struct mr_key *k, const char *v, char *buf, size_t bufsz)
{
	long long n;
	int b;
	switch (k->type) {
	case MR_KEY_INT:
		if (mr_parse_int(v, &n))
			return "is not an integer";
		if (k->min < k->max && (n < k->min || n > k->max)) {
			snprintf(buf, bufsz, "is out of range %lld..%lld", k->min, k->max);
			return buf;
		}
		return NULL;
	case MR_KEY_BOOL:
		return mr_parse_bool(v, &b) ? "is not a boolean (yes or no)" : NULL;
	case MR_KEY_DURATION:
		return mr_parse_duration(v, &n) ? "is not a duration (e.g. 30, 30s, 5m, 2h, 1d)" : NULL;
	case MR_KEY_ENUM:
		if (!enum_has(k->choices, v)) {
			snprintf(buf, bufsz, "must be one of %s", k->choices);
			return buf;
		}
		return NULL;
	case MR_KEY_EMAIL:
		return mr_addr_valid(v) ? NULL : "is not a valid email address (local@domain)";
	default:
		return NULL;
	}
}

static const char *nearest_key(const struct mr_section *sec, const char *key)
{
	const char *best = NULL;
	size_t best_d = 4;
	for (size_t t = 0; t < 2; t++)
		for (const struct mr_key *k = sec->keys[t]; k && k->name; k++) {
			size_t d = mr_edit_distance(key, k->name);
			if (d < best_d) {
				best_d = d;
				best = k->name;
			}
		}
	return best;
}

/* The problem with a secret file, or NULL. */
static const char *secret_file_problem(const char *path, char *buf, size_t bufsz)
{
	struct stat st;
	if (stat(path, &st) != 0) {
		snprintf(buf, bufsz, "cannot read %s: %s", path, strerror(errno));
		return buf;
	}
	if (st.st_mode & (S_IRWXG | S_IRWXO)) {
		snprintf(buf, bufsz,
			 "secret file %s can be read by group or others (mode %03o); "
			 "run chmod 600 %s", path, (unsigned)(st.st_mode & 0777), path);
		return buf;
	}
	/* the secret is the first line: an empty one fails every run later */
	FILE *f = fopen(path, "r");
	if (!f) {
		snprintf(buf, bufsz, "cannot read %s: %s", path, strerror(errno));
		return buf;
	}
	int c = fgetc(f);
	fclose(f);
	if (c == EOF || c == '\n' || c == '\r') {
		snprintf(buf, bufsz, "secret file %s is empty (the secret is its first line)",
			 path);
		return buf;
	}
	return NULL;
}

void mr_config_check_section(const struct mr_section *sec, struct mr_diags *d)
{
	const struct mr_config *cfg = sec->cfg;
	size_t sl = strlen(sec->name);
	char buf[512];
	for (size_t i = 0; i < cfg->n_lines; i++) {
		const char *full = cfg->lines[i].full;
		if (strncmp(full, sec->name, sl) != 0 || full[sl] != ':')
			continue;
		const char *key = full + sl + 1;
		int line = cfg->lines[i].line;
		const char *v = mr_config_raw(sec, key);
		const struct mr_key *k = mr_section_key(sec, key);
		if (k && k->type == MR_KEY_SECRET) {
			mr_diag_add(d, "%s:%d: [%s] %s: secrets are not accepted inline; put it in a "
				    "file only you can read and set %s_file", cfg->path, line, sec->name,
				    key, key);
			continue;
		}
		if (k) {
			const char *why = v ? mr_key_value_problem(k, v, buf, sizeof(buf)) : NULL;
			if (why)
				mr_diag_add(d, "%s:%d: [%s] %s = %s: %s", cfg->path, line, sec->name, key,
					    v, why);
			continue;
		}
		size_t kl = strlen(key);
		if (kl > 5 && strcmp(key + kl - 5, "_file") == 0) {
			char base[256];
			snprintf(base, sizeof(base), "%.*s", (int)(kl - 5), key);
			const struct mr_key *bk = mr_section_key(sec, base);
			if (bk && bk->type == MR_KEY_SECRET) {
				const char *why = v ? secret_file_problem(v, buf, sizeof(buf)) : NULL;
				if (why)
					mr_diag_add(d, "%s:%d: [%s] %s: %s", cfg->path, line, sec->name,
						    key, why);
				continue;
			}
		}
		const char *near = nearest_key(sec, key);
		if (near)
			mr_diag_add(d, "%s:%d: [%s] unknown key '%s' (did you mean '%s'?)", cfg->path,
				    line, sec->name, key, near);
		else
			mr_diag_add(d, "%s:%d: [%s] unknown key '%s'", cfg->path, line, sec->name, key);
	}
	for (size_t t = 0; t < 2; t++)
		for (const struct mr_key *k = sec->keys[t]; k && k->name; k++) {
			if (!(k->flags & MR_KEYF_REQUIRED) || mr_config_raw(sec, k->name))
				continue;
			if (k->type == MR_KEY_SECRET) {
				char fk[256];
				snprintf(fk, sizeof(fk), "%s_file", k->name);
				if (mr_config_raw(sec, fk))
					continue;
			}
			mr_diag_add(d, "%s:%d: [%s] required key '%s%s' is missing (%s)", cfg->path,
				    sec->line, sec->name, k->name,
				    k->type == MR_KEY_SECRET ? "_file" : "", k->help ? k->help : "");
		}
}

void mr_config_split_name_addr(const struct mr_section *sec, const char *key,
			       const char *name_key, struct mr_diags *d)
{
	const char *v = mr_config_raw(sec, key);
	const char *lt = v ? strrchr(v, '<') : NULL;
	size_t vl = v ? strlen(v) : 0;
	if (!lt || vl < 2 || v[vl - 1] != '>')
		return; /* a bare address, checked as one */
	char addr[320], name[256];
	snprintf(addr, sizeof(addr), "%.*s", (int)(v + vl - 1 - lt - 1), lt + 1);
	/* the display name: trimmed, quotes taken off, \x unescaped */
	const char *b = v, *e = lt;
	while (b < e && (*b == ' ' || *b == '\t'))
		b++;
	while (e > b && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	if (e - b >= 2 && *b == '"' && e[-1] == '"') {
		b++;
		e--;
	}
	size_t n = 0;
	for (const char *p = b; p < e && n + 1 < sizeof(name); p++) {
		if (*p == '\\' && p + 1 < e)
			p++;
		name[n++] = *p;
	}
	name[n] = '\0';
	char full[512];
	if (n) {
		const char *given = mr_config_raw(sec, name_key);
		if (given && *given) {
			mr_diag_add(d, "%s:%d: [%s] %s = %s has a display name and %s = %s is set too: "
				    "keep one", sec->cfg->path, mr_config_line(sec->cfg, sec->name, key),
				    sec->name, key, v, name_key, given);
			return;
		}
		snprintf(full, sizeof(full), "%s:%s", sec->name, name_key);
		iniparser_set(sec->cfg->ini, full, name);
	}
	snprintf(full, sizeof(full), "%s:%s", sec->name, key);
	iniparser_set(sec->cfg->ini, full, addr);
}

/* Makes a relative path absolute against the config file's directory. */
static void resolve_one(const struct mr_section *sec, const char *key)
{
	const char *v = mr_config_raw(sec, key);
	if (!v || !*v || v[0] == '/')
		return;
	const char *slash = strrchr(sec->cfg->path, '/');
	char *abs = NULL;
	if (!slash)
		return; /* the config file is in the current directory already */
	if (asprintf(&abs, "%.*s/%s", (int)(slash - sec->cfg->path), sec->cfg->path, v) < 0)
		return;
	char full[512];
	snprintf(full, sizeof(full), "%s:%s", sec->name, key);
	iniparser_set(sec->cfg->ini, full, abs);
	free(abs);
}

void mr_config_resolve_paths(const struct mr_section *sec)
{
	for (size_t t = 0; t < 2; t++)
		for (const struct mr_key *k = sec->keys[t]; k && k->name; k++) {
			if (k->type == MR_KEY_PATH) {
				resolve_one(sec, k->name);
			} else if (k->type == MR_KEY_SECRET) {
				char fk[256];
				snprintf(fk, sizeof(fk), "%s_file", k->name);
				resolve_one(sec, fk);
			}
		}
}

int mr_config_fill(const struct mr_section *sec, const struct mr_key *keys, void *conf,
		   size_t conf_size, struct mr_error *err)
{
	if (conf)
		memset(conf, 0, conf_size);
	for (const struct mr_key *k = keys; k && k->name; k++) {
		if (k->type == MR_KEY_SECRET)
			continue;
		if (!conf || k->size > conf_size || k->offset > conf_size - k->size)
			return mr_error_set(err, MR_ECONFIG, "[%s] %s: its field lies outside the "
					    "%zu-byte config struct", sec->name, k->name, conf_size);
		const char *v = mr_config_raw(sec, k->name);
		if (!v)
			v = k->def;
		char *at = (char *)conf + k->offset;
		long long n = 0;
		int b = 0, bad = 0;
		switch (k->type) {
		case MR_KEY_INT:
			bad = v && mr_parse_int(v, &n) != 0;
			if (k->size != sizeof(n))
				bad = 1;
			else
				memcpy(at, &n, sizeof(n));
			break;
		case MR_KEY_DURATION:
			bad = v && mr_parse_duration(v, &n) != 0;
			if (k->size != sizeof(n))
				bad = 1;
			else
				memcpy(at, &n, sizeof(n));
			break;
		case MR_KEY_BOOL:
			bad = v && mr_parse_bool(v, &b) != 0;
			if (k->size != sizeof(b))
				bad = 1;
			else
				memcpy(at, &b, sizeof(b));
			break;
		default: /* STRING, PATH, EMAIL, ENUM, LIST */
			if (k->size != sizeof(v))
				bad = 1;
			else
				memcpy(at, &v, sizeof(v));
			break;
		}
		if (bad)
			return mr_error_set(err, MR_ECONFIG, "[%s] %s = %s: cannot be stored as its "
					    "type", sec->name, k->name, v ? v : "(unset)");
	}
	return 0;
}

const char *mr_cfg_str(const struct mr_section *sec, const char *key)
{
	const char *v = mr_config_raw(sec, key);
	if (v)
		return v;
	const struct mr_key *k = sec ? mr_section_key(sec, key) : NULL;
	return k ? k->def : NULL;
}

long long mr_cfg_int(const struct mr_section *sec, const char *key)
{
	const char *v = mr_cfg_str(sec, key);
	long long n = 0;
	if (v && mr_parse_int(v, &n) != 0) {
		int b;
		if (mr_parse_bool(v, &b) == 0)
			return b;
	}
	return n;
}

int mr_cfg_bool(const struct mr_section *sec, const char *key)
{
	const char *v = mr_cfg_str(sec, key);
	int b = 0;
	if (v)
		mr_parse_bool(v, &b);
	return b;
}

long long mr_cfg_duration(const struct mr_section *sec, const char *key)
{
	const char *v = mr_cfg_str(sec, key);
	long long n = 0;
	if (v)
		mr_parse_duration(v, &n);
	return n;
}

void mr_cfg_secret_env(const struct mr_section *sec, const char *key, char *buf, size_t bufsz)
{
	int n = snprintf(buf, bufsz, "MAILROOM_%s_%s", sec->name, key);
	for (int i = 0; i < n && i < (int)bufsz; i++)
		buf[i] = buf[i] == '-' ? '_' : (char)toupper((unsigned char)buf[i]);
}

const char *mr_cfg_secret_source(const struct mr_section *sec, const char *key, char *buf,
				 size_t bufsz)
{
	char fk[256];
	snprintf(fk, sizeof(fk), "%s_file", key);
	const char *path = mr_config_raw(sec, fk);
	if (path) {
		snprintf(buf, bufsz, "from %s %s", fk, path);
		return buf;
	}
	char env[256];
	mr_cfg_secret_env(sec, key, env, sizeof(env));
	const char *v = getenv(env);
	if (v && *v) {
		snprintf(buf, bufsz, "from the environment, %s", env);
		return buf;
	}
	return NULL;
}

int mr_cfg_secret(const struct mr_section *sec, const char *key, char **secret_r,
		  struct mr_error *err)
{
	*secret_r = NULL;
	char fk[256], buf[512];
	snprintf(fk, sizeof(fk), "%s_file", key);
	const char *path = mr_config_raw(sec, fk);
	if (path) {
		const char *why = secret_file_problem(path, buf, sizeof(buf));
		if (why)
			return mr_error_set(err, MR_ECONFIG, "[%s] %s: %s", sec->name, fk, why);
		FILE *f = fopen(path, "r");
		if (!f)
			return mr_error_set(err, MR_ECONFIG, "[%s] %s: cannot read %s: %s", sec->name,
					    fk, path, strerror(errno));
		char *line = NULL;
		size_t cap = 0;
		ssize_t n = getline(&line, &cap, f);
		fclose(f);
		if (n <= 0) {
			free(line);
			return mr_error_set(err, MR_ECONFIG, "[%s] %s: %s is empty", sec->name, fk,
					    path);
		}
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		*secret_r = line;
		return 0;
	}
	char env[256];
	mr_cfg_secret_env(sec, key, env, sizeof(env));
	const char *v = getenv(env);
	if (v && !*v)
		return mr_error_set(err, MR_ECONFIG, "[%s] %s: %s is set but empty", sec->name, key,
				    env);
	if (v) {
		*secret_r = strdup(v);
		return *secret_r ? 0 : mr_error_set(err, MR_ENOMEM, "out of memory");
	}
	return mr_error_set(err, MR_ENOTFOUND, "[%s] no %s_file set and no %s in the environment",
			    sec->name, key, env);
}

char *mr_config_choose(const char *config_opt, const char *site_opt)
{
	char *path = NULL;
	if (config_opt)
		return strdup(config_opt);
	if (site_opt) {
		if (asprintf(&path, "%s/mailroom/sites/%s.ini", SYSCONFDIR, site_opt) < 0)
			return NULL;
		return path;
	}
	const char *env = getenv("MAILROOM_CONFIG");
	if (env && *env)
		return strdup(env);
	if (asprintf(&path, "%s/mailroom/mailroom.ini", SYSCONFDIR) < 0)
		return NULL;
	return path;
}
