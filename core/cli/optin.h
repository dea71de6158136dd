/* SPDX-License-Identifier: MIT */
/* Internal interface of optin.c: double opt-in shared by `mailroom contact subscribe` and the subscribe and confirm pages of `mailroom serve`. */
#ifndef MR_CLI_OPTIN_H
#define MR_CLI_OPTIN_H

#include <pthread.h>
#include <stdint.h>
#include "cli.h"

/* Who asks to join which group, and through what (recorded with the events). */
struct optin_request {
	const char *email;
	const char *group;
	const char *first_name; /* MAY be NULL */
	const char *last_name;  /* MAY be NULL */
	const char *who;        /* the user or "web" */
	const char *via;        /* e.g. "cli" or "web from 192.0.2.1" */
	/* a caller whose threads share the store (mailroom serve): the lock the
	 * caller holds around the call, and the one that keeps sends one at a
	 * time.  With both set and a transport that never touches the store,
	 * the store is let go while the mail is sent, so that a slow relay
	 * holds up no other request.  NULL for a caller with one thread. */
	pthread_mutex_t *store_lock, *send_lock;
};

struct optin_outcome {
	int64_t contact_id;
	int64_t group_id;
	int member;        /* 1: a member already, no mail sent */
	int throttled;     /* 1: asked within [optin] resend_after, no mail sent */
	int64_t expires;   /* when the request and its link expire */
	char msgid[256];   /* the confirmation mail's Message-ID */
};

/* Records the request as pending and sends the confirmation mail through
 * the site's transport (the site opened with its store and transport): the
 * contact is made when it is new; a member, or one who asked within
 * [optin] resend_after, gets no mail.  Returns 0, or a status with err (MR_EINPUT
 * for a bad email or a smart group, MR_ENOTFOUND for an unknown group,
 * MR_ECONFIG for a missing secret, base_url or From, the transport's
 * status when the mail could not be sent: the request stays recorded). */
int optin_subscribe(struct mr_site *site, const struct mr_verp_conf *verp,
		    const struct optin_request *rq, struct optin_outcome *out,
		    struct mr_error *err);

/* Confirms the request a checked token names (the caller parsed it with
 * mr_optin_parse): the contact becomes a member, with an event.  Returns
 * 0 (*already_r 1 when it was a member already) or a status with err
 * (MR_ENOTFOUND: expired, removed or never made). */
int optin_confirm(struct mr_store *st, const struct mr_optin_token *t, const char *via,
		  int *already_r, struct mr_error *err);

/* The name and title of group id into name and title (each n bytes); 0 or
 * MR_ENOTFOUND. */
int optin_group_name(struct mr_store *st, int64_t id, char *name, char *title, size_t n,
		     struct mr_error *err);

/* mailroom contact subscribe EMAIL --group G [--first-name F] [--last-name L]
 * [--user U]; argv[0] is "subscribe".  Returns an exit code (reported). */
int cli_contact_subscribe(struct mr_cli *cli, int argc, char **argv);

#endif
