/* SPDX-License-Identifier: MIT */
/*
 * The bounce classifier and VERP addresses of libmailroom-mail:
 * parse a raw bounce into per-recipient records (reason, hard/soft, status,
 * bounce type) and build or check hash-signed VERP addresses.
 */
#ifndef MAILROOM_BOUNCE_H
#define MAILROOM_BOUNCE_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <mailroom/error.h>

/* ------------------------------------------------------------------ VERP */

/* The action letters of a VERP local part. */
#define MR_VERP_BOUNCE      'b'
#define MR_VERP_REPLY       'r'
#define MR_VERP_UNSUBSCRIBE 'u'
#define MR_VERP_OPTOUT      'o'
#define MR_VERP_RESUBSCRIBE 'e'

/* Hex digits of the truncated HMAC-SHA256 in a VERP address. */
#define MR_VERP_HASH_LEN 16

/* Where VERP addresses live and how they are signed. */
struct mr_verp_conf {
	const char *localpart; /* e.g. "return+" */
	const char *domain;    /* e.g. "bounce.example.org" */
	char sep;              /* separator between the fields, '.' by default */
	const unsigned char *secret; /* the site secret; NULL: hashes are not checked */
	size_t secret_len;
};

/* A parsed VERP address. */
struct mr_verp {
	char action;      /* MR_VERP_* */
	int64_t job_id;
	int64_t queue_id;
	char hash[MR_VERP_HASH_LEN + 1];
};

/* ------------------------------------------------------------------ bounces */

/* What a message is, as a whole. */
enum mr_bounce_kind {
	MR_BOUNCE_NONE = 0,     /* not a bounce, nothing found */
	MR_BOUNCE_FAILURE = 1,  /* a delivery failure (or delay) report */
	MR_BOUNCE_FEEDBACK = 2, /* an ARF complaint (RFC 5965) */
	MR_BOUNCE_AUTOREPLY = 3 /* a vacation / out-of-office reply */
};

enum mr_bounce_hardsoft {
	MR_BOUNCE_NA = 0,  /* does not apply (feedback, vacation, delivered) */
	MR_BOUNCE_HARD = 1,
	MR_BOUNCE_SOFT = 2
};

/* One bounced recipient. */
struct mr_bounce_record {
	char *recipient;        /* the address that bounced, lowercase domain */
	const char *reason;     /* e.g. "userunknown" (static or owned by the rules) */
	enum mr_bounce_hardsoft hardsoft;
	char status[16];        /* DSN status "5.1.1", or "" */
	const char *type;       /* CiviCRM-style bounce type, e.g. "Invalid", or NULL */
	char *action;           /* DSN Action ("failed", "delayed", ...), or NULL */
	char *diagnostic;       /* the error text (one line, trimmed), or NULL */
	char *remote_mta;       /* the remote MTA, or NULL */
	char rule[160];         /* which rule of the rules file decided the reason
				 * ("[userunknown] pattern \"no such user\"", ...) */
};

/* Everything found in one message.  Free with mr_bounce_report_free(). */
struct mr_bounce_report {
	enum mr_bounce_kind kind;
	struct mr_bounce_record *recs;
	size_t n_recs;
	char *addresser;        /* sender of the returned original, or NULL */
	char *orig_message_id;  /* Message-ID of the returned original, or NULL */
	char *verp;             /* the VERP address found, or NULL */
	const char *verp_found_in; /* "To", "Delivered-To", ..., "body", or NULL */
	int verp_ok;            /* 1: hash checked and good; 0: not checked; -1: forged:
				 * some VERP address of ours in the message is damaged
				 * (then verp is that one, whatever else is there) */
	struct mr_verp verp_parsed; /* valid when verp is not NULL */
	char *mailroom_id;      /* mailroom's X-Mailroom-Id of the original, or NULL */
	const char *verp_damage;/* verp_ok < 0: what is wrong ("hash truncated", ...) */
};

/* The loaded rules file (patterns, status codes, bounce types), opaque. */
struct mr_bounce_rules;

/* Whether a record of report r is a delivery failure that counts towards an
 * email's holds: not an ARF complaint, an auto-reply or a delivered notice,
 * and not a delay the sending MTA is still retrying. */
static inline int mr_bounce_record_counts(const struct mr_bounce_report *r,
					  const struct mr_bounce_record *rec)
{
	if (r->kind != MR_BOUNCE_FAILURE || rec->hardsoft == MR_BOUNCE_NA)
		return 0;
	if (rec->action && strncmp(rec->action, "delayed", 7) == 0)
		return 0;
	return 1;
}

/* ------------------------------------------------------------------ functions */

/* Writes LOCALPART action SEP job SEP queue SEP hash @ DOMAIN into buf.
 * Ids are positive store row ids, or both 0 for a test message (mailing test:
 * it names no queue row, so its bounces and clicks change nothing).
 * Returns 0, or MR_EINPUT (bad argument, an id not positive, no secret) / MR_ENOMEM (buf too
 * small) with err. */
int mr_verp_build(const struct mr_verp_conf *conf, char action, int64_t job_id,
		  int64_t queue_id, char *buf, size_t size, struct mr_error *err);
/* Parses addr (with or without <>) as one of our VERP addresses.  Returns 0
 * with *v_r filled when it is one and its hash is good (or conf has no
 * secret), MR_ENOTFOUND when it is not an address of conf (another local
 * part or domain), MR_EPERMANENT when it has our local part and domain but
 * is damaged: an unknown action, a malformed id, a hash that is truncated,
 * too long, not hexadecimal or does not match (forged or altered).  Hex
 * digits compare case-insensitively; v_r->hash is lower case. */
int mr_verp_parse(const struct mr_verp_conf *conf, const char *addr, size_t len,
		  struct mr_verp *v_r);

/* Loads a rules file.  Returns 0 with *rules_r (free with
 * mr_bounce_rules_free), or MR_ECONFIG/MR_ENOMEM with err naming file and line. */
int mr_bounce_rules_load(const char *path, struct mr_bounce_rules **rules_r,
			 struct mr_error *err);
void mr_bounce_rules_free(struct mr_bounce_rules *rules);
/* The rules file to use when none is named: $MAILROOM_BOUNCE_RULES, else the
 * installed one.  Static string. */
const char *mr_bounce_rules_default(void);
/* Parses one raw message (LF, CRLF or CR).  Never fails on bad input: at
 * worst report_r->kind is MR_BOUNCE_NONE.  verp may be NULL.  Returns 0,
 * or MR_ENOMEM.  Free report_r with mr_bounce_report_free. */
int mr_bounce_parse(const char *data, size_t len, const struct mr_bounce_rules *rules,
		    const struct mr_verp_conf *verp, struct mr_bounce_report *report_r);
void mr_bounce_report_free(struct mr_bounce_report *r);
/* Classifies an SMTP-time answer (status may be "" or NULL, code 0). */
void mr_bounce_classify(const struct mr_bounce_rules *rules, int code, const char *status,
			const char *text, struct mr_bounce_record *rec_r);
/* A type's threshold of 0 in the rules: its bounces are recorded, never held. */
#define MR_BOUNCE_HOLD_NEVER (-1)
/* The hold threshold of a bounce type in the rules, MR_BOUNCE_HOLD_NEVER for a
 * type whose threshold is 0 there (a problem of the sender), or 0 when the
 * rules do not know the type (the store's bounce_types decide). */
int mr_bounce_type_threshold(const struct mr_bounce_rules *rules, const char *type);
void mr_verp_conf_free(struct mr_verp_conf *conf);
#endif
