/* SPDX-License-Identifier: MIT */
/* Writes mailroom's man pages from their templates and the tables the program uses: the command table (mailroom --help-commands), the core key tables and each built plugin's keys, so the pages cannot drift. */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include "mr.h"

/* Writes s as roff text: backslashes escaped, a leading . or ' defused,
 * and where literal (options, names, defaults) minus signs as \- and a
 * break point after each slash, so that a long path (a deep prefix) wraps
 * instead of overrunning the line. */
static void roff(FILE *f, const char *s, int literal)
{
	if (*s == '.' || *s == '\'')
		fputs("\\&", f);
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\e", f);
		else if (*s == '-' && literal)
			fputs("\\-", f);
		else if (*s == '/' && literal)
			fputs("/\\:", f);
		else if (*s == '\n')
			fputs("\n.br\n", f);
		else
			fputc(*s, f);
	}
}

static const char *type_name(enum mr_key_type t)
{
	switch (t) {
	case MR_KEY_STRING: return "string";
	case MR_KEY_INT: return "integer";
	case MR_KEY_BOOL: return "boolean (yes or no)";
	case MR_KEY_ENUM: return "one of";
	case MR_KEY_PATH: return "path";
	case MR_KEY_DURATION: return "duration (seconds, or a number with s, m, h, d or w)";
	case MR_KEY_LIST: return "list (comma-separated)";
	case MR_KEY_EMAIL: return "email address";
	case MR_KEY_SECRET: return "secret, read from a file";
	}
	return "?";
}

static void key_entry(FILE *f, const struct mr_key *k)
{
	fputs(".TP\n\\fB", f);
	roff(f, k->name, 1);
	if (k->type == MR_KEY_SECRET)
		fputs("_file", f);
	fputs("\\fR = \\fI", f);
	if (k->type == MR_KEY_ENUM && k->choices) {
		/* a|b|c as "a, b or c" */
		const char *c = k->choices;
		size_t n = 1;
		for (const char *p = c; *p; p++)
			n += *p == '|';
		for (size_t i = 0; i < n; i++) {
			const char *bar = strchr(c, '|');
			size_t l = bar ? (size_t)(bar - c) : strlen(c);
			char word[128];
			snprintf(word, sizeof(word), "%.*s", (int)(l < 127 ? l : 127), c);
			roff(f, word, 1);
			fputs(i + 2 < n ? ", " : i + 1 < n ? " or " : "", f);
			c = bar ? bar + 1 : c + l;
		}
	} else {
		fputs(type_name(k->type), f);
	}
	fputs("\\fR\n", f);
	char *help = strdup(k->help ? k->help : "");
	if (!help)
		exit(EX_OSERR);
	if (help[0] >= 'a' && help[0] <= 'z')
		help[0] = (char)(help[0] - 'a' + 'A');
	roff(f, help, 0);
	size_t hl = strlen(help);
	fputs(hl && help[hl - 1] == '.' ? "\n" : ".\n", f);
	free(help);
	if (k->type == MR_KEY_INT && k->min < k->max)
		fprintf(f, "From %lld to %lld.\n", k->min, k->max);
	if (k->flags & MR_KEYF_REQUIRED)
		fputs("Required.\n", f);
	if (k->def) {
		fputs("Default: \\fB", f);
		roff(f, k->def, 1);
		fputs("\\fR.\n", f);
	}
}

static void key_table(FILE *f, const struct mr_key *keys)
{
	for (const struct mr_key *k = keys; k && k->name; k++)
		key_entry(f, k);
}

static int by_path(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The plugins of one kind: a subsection each, with its description and keys. */
static void plugin_sections(FILE *f, struct mr_plugin **pl, size_t n, enum mr_plugin_kind kind,
			    const char *section_prefix)
{
	for (size_t i = 0; i < n; i++) {
		if (!pl[i] || pl[i]->desc->kind != kind)
			continue;
		const struct mr_plugin_desc *d = pl[i]->desc;
		if (kind == MR_KIND_FETCH)
			fprintf(f, ".SS \"[%s\\-NAME] with fetch = %s\"\n", section_prefix, d->name);
		else
			fprintf(f, ".SS \"[%s\\-%s]\"\n", section_prefix, d->name);
		roff(f, d->description ? d->description : "", 0);
		fprintf(f, "\n(plugin \\fB%s\\-%s.so\\fR, version %s)\n", mr_kind_name(kind), d->name,
			d->version ? d->version : "?");
		if (!pl[i]->keys || !pl[i]->keys[0].name)
			fputs(".PP\nThis plugin has no keys of its own.\n", f);
		key_table(f, pl[i]->keys);
	}
}

static void ini_tables(FILE *f, int nplug, char **paths)
{
	struct mr_plugin **pl = calloc((size_t)nplug + 1, sizeof(*pl));
	if (!pl)
		exit(EX_OSERR);
	qsort(paths, (size_t)nplug, sizeof(*paths), by_path);
	for (int i = 0; i < nplug; i++) {
		struct mr_error err = { 0 };
		if (mr_plugin_open(paths[i], &pl[i], &err)) {
			fprintf(stderr, "mangen: %s\n", err.msg);
			exit(EX_SOFTWARE);
		}
	}
	fputs(".SH \"THE [mailroom] SECTION\"\nThe site itself; the only section every file has.\n",
	      f);
	key_table(f, mr_keys_mailroom);
	fputs(".SH \"THE [dkim] SECTION\"\nHow outgoing mail is signed, and what "
	      "\\fBmailroom doctor\\fR checks.\n", f);
	key_table(f, mr_keys_dkim);
	fputs(".SH \"THE [bounce] SECTION\"\nHow bounces are classified and VERP addresses "
	      "written.\n", f);
	key_table(f, mr_keys_bounce);
	fputs(".SH \"THE [optin] SECTION\"\nDouble opt-in: the confirmation mail of "
	      "\\fBmailroom contact subscribe\\fR and of the subscribe form of "
	      "\\fBmailroom serve\\fR.\n", f);
	key_table(f, mr_keys_optin);
	static const struct {
		enum mr_plugin_kind kind;
		const char *prefix, *title, *intro;
		const struct mr_key *core;
	} kinds[] = {
		{ MR_KIND_STORE, "store", "STORES", "The store named by \\fBstore\\fR in [mailroom]. "
		  "Keys of every store section:", mr_keys_store },
		{ MR_KIND_TRANSPORT, "transport", "TRANSPORTS", "The transport named by "
		  "\\fBtransport\\fR in [mailroom]. Keys of every transport section:",
		  mr_keys_transport },
		{ MR_KIND_FETCH, "account", "MAIL ACCOUNTS", "One [account\\-NAME] section per mail "
		  "account, NAME chosen freely; its \\fBfetch\\fR key names the plugin that reads it. "
		  "Keys of every account:", mr_keys_account },
		{ MR_KIND_JOB, "job", "JOBS", "One [job\\-NAME] section per scheduled job. Keys of "
		  "every job:", mr_keys_job },
	};
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		fprintf(f, ".SH \"%s\"\n%s\n", kinds[i].title, kinds[i].intro);
		key_table(f, kinds[i].core);
		plugin_sections(f, pl, (size_t)nplug, kinds[i].kind, kinds[i].prefix);
	}
	/* the plugins stay loaded: their descriptors' strings were used above */
	free(pl);
}

/* One command per line of stdin: NAME TAB USAGE TAB HELP. */
static void command_table(FILE *f, FILE *in)
{
	char line[4096];
	int n = 0;
	while (fgets(line, sizeof(line), in)) {
		line[strcspn(line, "\n")] = '\0';
		char *usage = strchr(line, '\t');
		char *help = usage ? strchr(usage + 1, '\t') : NULL;
		if (!help) {
			fprintf(stderr, "mangen: command table line %d: want NAME<TAB>USAGE<TAB>HELP\n",
				n + 1);
			exit(EX_DATAERR);
		}
		*usage++ = '\0';
		*help++ = '\0';
		fputs(".SS ", f);
		roff(f, line, 1);
		fputs("\n.nh\n.B mailroom\n", f);
		roff(f, usage, 1);
		fputs("\n.hy\n.PP\n", f);
		if (*help >= 'a' && *help <= 'z')
			*help = (char)(*help - 'a' + 'A');
		roff(f, help, 0);
		fputs(".\n", f);
		n++;
	}
	if (n == 0) {
		fprintf(stderr, "mangen: the command table is empty\n");
		exit(EX_DATAERR);
	}
}

/* The installation directory named by the placeholder at p (@sysconfdir@,
 * @plugindir@, @includedir@), with the placeholder's length in *n; NULL if p
 * starts no placeholder. configure would substitute these names in a
 * Makefile, so the pages are filled here, from the build's own values. */
static const char *install_dir(const char *p, size_t *n)
{
	static const struct {
		const char *name, *value;
	} dirs[] = {
		{ "@sysconfdir@", SYSCONFDIR },
		{ "@plugindir@", PLUGINDIR },
		{ "@includedir@", MR_MAN_INCLUDEDIR },
	};
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		*n = strlen(dirs[i].name);
		if (strncmp(p, dirs[i].name, *n) == 0)
			return dirs[i].value;
	}
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc < 4 || (strcmp(argv[1], "commands") && strcmp(argv[1], "ini") &&
			 strcmp(argv[1], "page"))) {
		fprintf(stderr, "usage: mangen commands|ini|page TEMPLATE VERSION [PLUGIN.so...]\n"
				"  commands reads NAME<TAB>USAGE<TAB>HELP lines (mailroom "
				"--help-commands) on stdin\n");
		return EX_USAGE;
	}
	FILE *t = fopen(argv[2], "r");
	if (!t) {
		perror(argv[2]);
		return EX_NOINPUT;
	}
	char line[4096];
	int lineno = 0, generated = 0;
	while (fgets(line, sizeof(line), t)) {
		lineno++;
		if (strcmp(line, ".\\\" @GENERATED@\n") == 0) {
			if (strcmp(argv[1], "commands") == 0)
				command_table(stdout, stdin);
			else if (strcmp(argv[1], "ini") == 0)
				ini_tables(stdout, argc - 4, argv + 4);
			else {
				fprintf(stderr, "%s:%d: @GENERATED@ in a plain page\n", argv[2], lineno);
				return EX_DATAERR;
			}
			generated = 1;
			continue;
		}
		/* @VERSION@, @ABI@ and the installation directories anywhere in a line */
		for (char *p = line; *p;) {
			size_t dn = 0;
			const char *dir = install_dir(p, &dn);
			if (dir) {
				roff(stdout, dir, 1);
				p += dn;
			} else if (strncmp(p, "@VERSION@", 9) == 0) {
				fputs(argv[3], stdout);
				p += 9;
			} else if (strncmp(p, "@ABI@", 5) == 0) {
				printf("%d.%d", MR_ABI_MAJOR, MR_ABI_MINOR);
				p += 5;
			} else {
				fputc(*p++, stdout);
			}
		}
	}
	fclose(t);
	if (!generated && strcmp(argv[1], "page") != 0) {
		fprintf(stderr, "%s: no .\\\" @GENERATED@ line to fill\n", argv[2]);
		return EX_DATAERR;
	}
	return fflush(stdout) == 0 ? EX_OK : EX_IOERR;
}
