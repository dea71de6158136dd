/* SPDX-License-Identifier: MIT */
/* Email activities as stores and the fetch-activities job exchange them: the activity, its contacts and its attachments; part of the plugin SDK. */
#ifndef MAILROOM_ACTIVITY_STORE_H
#define MAILROOM_ACTIVITY_STORE_H

#include <stddef.h>
#include <stdint.h>

/* Roles of a contact in an activity (CiviCRM's activity contacts). */
enum mr_activity_role {
	MR_ROLE_SOURCE = 1,   /* who the activity is from (From) */
	MR_ROLE_TARGET = 2,   /* who it is with (To, Cc, Bcc) */
	MR_ROLE_ASSIGNEE = 3  /* who it is assigned to */
};

/* One contact of an activity.  When filing, contact_id is what
 * activity_contact gave; email and name are filled in listings. */
struct mr_activity_party {
	int64_t contact_id;
	enum mr_activity_role role;
	const char *email;        /* the contact's primary email (listings) */
	const char *display_name; /* the contact's display name (listings) */
};

/* One attachment of an activity. */
struct mr_activity_file {
	const char *filename;       /* sanitised, never empty */
	const char *content_type;   /* lowercase type/subtype */
	size_t size;                /* decoded size, also of a skipped one */
	const char *sha256;         /* lowercase hex, or NULL */
	const unsigned char *data;  /* size bytes; NULL when skipped or not loaded */
	const char *skipped_reason; /* NULL when kept, else why it was not stored */
};
typedef int mr_activity_file_cb(void *cookie, const struct mr_activity_file *f);

/* An Email activity.  Strings handed to a callback are valid only during it. */
struct mr_activity_rec {
	int64_t id;                 /* set by the store */
	const char *activity_type;  /* "Email" */
	const char *status;         /* "Completed" */
	const char *subject;        /* decoded, or NULL */
	int64_t date;               /* unix time of the Date header (or of fetching) */
	const char *headers;        /* From/To/Cc/Date/Message-ID lines as read, or NULL */
	const char *text;           /* text body (UTF-8), or NULL */
	const char *html;           /* HTML body (UTF-8), or NULL */
	const char *message_id;     /* with <>, or NULL when the message had none */
	const char *account;        /* the [account-NAME] it came from, or NULL */
	int64_t created;            /* set by the store */
	const struct mr_activity_party *parties; /* index with mr_activity_party_at() */
	size_t n_parties;
	size_t party_size;          /* sizeof(struct mr_activity_party) of the array; 0: this one's */
	const struct mr_activity_file *files; /* listings: data NULL; mr_activity_file_at() */
	size_t n_files;
	size_t file_size;           /* sizeof(struct mr_activity_file) of the array; 0: this one's */
};
typedef int mr_activity_rec_cb(void *cookie, const struct mr_activity_rec *a);

/* Party i and file i of a, by the strides the arrays were built with. */
static inline const struct mr_activity_party *mr_activity_party_at(const struct mr_activity_rec *a,
								   size_t i)
{
	size_t z = a->party_size ? a->party_size : sizeof(struct mr_activity_party);
	return (const struct mr_activity_party *)(const void *)((const char *)a->parties + i * z);
}
static inline const struct mr_activity_file *mr_activity_file_at(const struct mr_activity_rec *a,
								 size_t i)
{
	size_t z = a->file_size ? a->file_size : sizeof(struct mr_activity_file);
	return (const struct mr_activity_file *)(const void *)((const char *)a->files + i * z);
}

/* Filters of activity_list: zero fields do not filter. */
struct mr_activity_filter {
	const char *contact_email; /* activities with a contact of this email (any role) */
	int64_t since;             /* activity date >= since */
	int64_t limit;             /* at most this many, newest first; 0: all */
};

#endif
