/* SPDX-License-Identifier: MIT */
/* What the conformance cases of mailroom-store-check need from its driver: a way to open (and reopen) the store under test. */
#ifndef MR_STORE_CHECK_H
#define MR_STORE_CHECK_H

#include <mailroom/plugin.h>

struct sc_hooks {
	/* Opens a new connection to the store under test (its init has run);
	 * *conn_r gets what close needs.  NULL when it cannot (the reason is
	 * printed as a TAP comment). */
	struct mr_store *(*open)(void *cookie, void **conn_r);
	/* Deinits the store of a connection open gave. */
	void (*close)(void *conn);
	void *cookie;
};

/* Runs every case of the base table and of each capability the store has
 * (saying which it skips), prints TAP; returns the exit status: 0 when
 * every check passed. */
int sc_run(const struct sc_hooks *hooks, int want_version);

#endif
