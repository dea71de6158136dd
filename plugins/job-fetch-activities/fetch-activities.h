/* SPDX-License-Identifier: MIT */
/* Private interface of the fetch-activities job plugin, shared by its source files (nothing here is exported). */
#ifndef FETCH_ACTIVITIES_H
#define FETCH_ACTIVITIES_H

#include <mailroom/plugin.h>
#include <mailroom/mail.h>

/* Address fields of a message, as bits. */
#define FA_FROM 0x1u
#define FA_TO   0x2u
#define FA_CC   0x4u
#define FA_BCC  0x8u

/* One address of the site itself: local part (a prefix when it ended in
 * '+') at domain; domain NULL matches none. */
struct fa_site_addr {
	char *local;
	char *domain;
	int prefix;
};

/* What one activity account files, read from its [account-NAME] section. */
struct fa_account {
	const struct mr_core *core;
	struct mr_store *store;
	const struct mr_log *log;
	const char *name;
	unsigned source, targets, assignees; /* FA_* */
	int create_contacts;
	const char *activity_type, *activity_status;
	struct mr_activity_limits lim;
	size_t max_new_contacts;      /* per message; 0: no limit */
	size_t msg_created, msg_left; /* of the message being filed */
	const struct fa_site_addr *site;
	size_t n_site;
	/* counts of this run */
	size_t filed, duplicates, contacts_created, site_skipped, unknown_skipped;
	size_t contacts_left_out; /* over max_new_contacts */
};

/* Parses a list of field names (From, To, Cc, Bcc; case-insensitive) into
 * FA_* bits.  Returns 0 or MR_ECONFIG with err naming the key. */
int fa_fields_parse(const struct mr_core *core, const char *account, const char *key,
		    const char *list, unsigned *bits_r, struct mr_error *err);
/* True when addr (local@domain) is one of the site's own addresses. */
int fa_is_site(const struct fa_site_addr *v, size_t n, const char *addr);
/* Adds addr (an addr-spec, or a local part ending in '+' with domain) to the list. */
int fa_site_add(struct fa_site_addr **v, size_t *n, const char *local, const char *domain);
void fa_site_free(struct fa_site_addr *v, size_t n);

/* The fetch loop's processor: files one message of account (cookie). */
int fa_file_message(void *cookie, const struct mr_fetched *msg, char *reason, size_t reason_size,
		    struct mr_error *err);

#endif
