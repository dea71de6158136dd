/* SPDX-License-Identifier: MIT */
/* The SMTP transcript reader of transport-smtp: turns the commands libcurl sends and the reply lines it reads into one reply per MAIL, RCPT, DATA and end of data. */
#ifndef MR_SMTP_REPLY_H
#define MR_SMTP_REPLY_H

#include <stddef.h>

/* One complete (possibly multi-line) SMTP reply; code 0 means none came. */
struct smtp_reply {
	int code;
	char enhanced[16]; /* RFC 3463 "x.y.z" from the first line, or "" */
	char text[256];    /* the text after the code (and enhanced status) */
};

enum smtp_phase {
	SMTP_PH_OTHER = 0, /* greeting, EHLO, STARTTLS, AUTH, RSET, ... */
	SMTP_PH_MAIL,
	SMTP_PH_RCPT,
	SMTP_PH_DATA,      /* DATA sent, waiting for 354 */
	SMTP_PH_BODY,      /* 354 came: the next reply is the final one */
	SMTP_PH_DONE       /* the final reply came */
};

/* The replies of one mail transaction (MAIL, its RCPTs, DATA, end of data). */
struct smtp_tx {
	enum smtp_phase phase;
	size_t n_rcpts;          /* recipients of the transaction */
	size_t rcpt_sent;        /* RCPT commands seen so far */
	size_t rcpt_replied;     /* RCPT replies seen so far */
	struct smtp_reply mail;
	struct smtp_reply *rcpt; /* n_rcpts entries, owned by the caller */
	struct smtp_reply data;  /* the reply to DATA (354 or a refusal) */
	struct smtp_reply final; /* the reply after the end of the data */
	struct smtp_reply other; /* the last reply outside a transaction */
	struct smtp_reply cur;   /* the reply being read (multi-line) */
	int cur_open;            /* cur has lines and awaits its last one */
};

/* Starts a transaction of n_rcpts recipients whose replies go to rcpt[]. */
void smtp_tx_start(struct smtp_tx *tx, struct smtp_reply *rcpt, size_t n_rcpts);
/* Feeds a command the client sent (with or without its CRLF). */
void smtp_tx_command(struct smtp_tx *tx, const char *cmd, size_t len);
/* Feeds one reply line the client read (with or without its CRLF). */
void smtp_tx_reply_line(struct smtp_tx *tx, const char *line, size_t len);
/* Parses one reply line: returns its code (0 if it is not a reply line) and
 * sets *last_r to 1 when it is the reply's last line. */
int smtp_reply_line_code(const char *line, size_t len, int *last_r);
/* Copies into enh (16 bytes) the RFC 3463 status text starts with and
 * returns its length, or 0 when text does not start with one. */
size_t smtp_enhanced_parse(const char *text, size_t len, char *enh);

#endif
