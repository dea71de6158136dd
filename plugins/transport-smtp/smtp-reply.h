/* SPDX-License-Identifier: MIT */
/* SMTP reply reading for transport-smtp: one (possibly multi-line) reply with its code, RFC 3463 enhanced status and text, and the EHLO capabilities the plugin uses. */
#ifndef MR_SMTP_REPLY_H
#define MR_SMTP_REPLY_H

#include <stddef.h>

/* One complete SMTP reply; code 0 means none came. */
struct smtp_reply {
	int code;
	char enhanced[16]; /* RFC 3463 "x.y.z" from the first line, or "" */
	char text[256];    /* the text after the code (and enhanced status) */
	int open;          /* lines were read and the last one is still to come */
};

/* What the server's EHLO reply offered. */
struct smtp_caps {
	int pipelining;    /* RFC 2920 */
	int size;          /* RFC 1870 */
	int eightbitmime;  /* RFC 6152 */
	int smtputf8;      /* RFC 6531 */
};

/* Feeds one reply line (with or without its CRLF) into r, which the caller
 * zeroed before the reply's first line.  Returns 1 when r is complete, 0
 * when more lines follow, -1 when the line is not an SMTP reply line. */
int smtp_reply_feed(struct smtp_reply *r, const char *line, size_t len);
/* Parses one reply line: returns its code (0 if it is not a reply line) and
 * sets *last_r to 1 when it is the reply's last line. */
int smtp_reply_line_code(const char *line, size_t len, int *last_r);
/* Copies into enh (16 bytes) the RFC 3463 status text starts with and
 * returns its length, or 0 when text does not start with one. */
size_t smtp_enhanced_parse(const char *text, size_t len, char *enh);
/* Notes the capability one line of an EHLO reply offers ("250-PIPELINING"). */
void smtp_caps_line(struct smtp_caps *caps, const char *line, size_t len);

#endif
