/* SPDX-License-Identifier: MIT */
/* mailroom-store-check: loads the store plugin a site INI names through the plugin loader and runs the store conformance suite against it (TAP). */
#include "config.h"
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include "mr.h"
#include "store-check.h"

struct conn {
	struct mr_site *site;
};

static struct mr_store *open_store(void *cookie, void **conn_r)
{
	const char *ini = cookie;
	struct mr_diags d = { 0 };
	struct mr_error err = { 0 };
	struct mr_site *site = NULL;
	*conn_r = NULL;
	int rc = mr_site_open(ini, MR_OPEN_STORE, &d, &site, &err);
	for (size_t i = 0; i < d.n; i++)
		printf("# %s\n", d.items[i]);
	mr_diags_free(&d);
	if (rc) {
		printf("# opening the store of %s: %s\n", ini, err.msg);
		return NULL;
	}
	if (!site->store.ops) {
		printf("# %s: the site has no store\n", ini);
		mr_site_close(site);
		return NULL;
	}
	*conn_r = site;
	return &site->store;
}

static void close_store(void *conn)
{
	mr_site_close(conn);
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: mailroom-store-check --config SITE.ini [--schema-version N]\n"
		"\n"
		"Runs the store conformance suite against the store plugin SITE.ini names\n"
		"([mailroom] store = NAME, its [store-NAME] section; the plugin is found along\n"
		"plugin_path, $MAILROOM_PLUGIN_PATH and plugin_dir).  The store must be empty.\n"
		"Every case of the base table runs, and those of each capability the store\n"
		"has (spool, contacts and groups, mailing queue, bounces, activities); the\n"
		"others are skipped with a line saying so.  Prints TAP; exits 0 when every\n"
		"check passes, 1 when one fails, 64 on a usage error.\n"
		"\n"
		"  -c, --config FILE         the site INI naming the store under test\n"
		"  -s, --schema-version N    also check that schema_version says N\n"
		"  -h, --help                this text\n"
		"  -V, --version             the version\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "schema-version", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ 0 }
	};
	const char *ini = NULL;
	int want_version = 0, c;
	while ((c = getopt_long(argc, argv, "c:s:hV", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			ini = optarg;
			break;
		case 's': {
			char *end;
			long v = strtol(optarg, &end, 10);
			if (*end || v <= 0 || v > 1000000) {
				fprintf(stderr, "mailroom-store-check: --schema-version %s: want a "
					"positive number\n", optarg);
				return EX_USAGE;
			}
			want_version = (int)v;
			break;
		}
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("mailroom-store-check %s (plugin ABI %d.%d)\n", PACKAGE_VERSION,
			       MR_ABI_MAJOR, MR_ABI_MINOR);
			return 0;
		default:
			usage(stderr);
			return EX_USAGE;
		}
	}
	if (!ini || optind != argc) {
		usage(stderr);
		return EX_USAGE;
	}
	struct sc_hooks hooks = { open_store, close_store, (void *)ini };
	return sc_run(&hooks, want_version) ? 1 : 0;
}
