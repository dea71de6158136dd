/* SPDX-License-Identifier: MIT */
/* Unit tests of the bounce classifier: DSNs, non-standard bounces, ARF, auto-replies, line endings, mbox, VERP lookup, the rules file, send-time answers classified as their DSNs are, and a small fuzz run. */
#include "config.h"
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "tap.h"
#include "mr.h"
#include <mailroom/mail.h>

static struct mr_bounce_rules *rules;

static const char secret[] = "unit-secret";
static struct mr_verp_conf vconf = { "return+", "bounce.example.org", '.',
				     (const unsigned char *)secret, sizeof(secret) - 1 };

static const char dsn[] =
	"From: MAILER-DAEMON@mx.example.net\n"
	"To: return+b.1.2.0000000000000000@bounce.example.org\n"
	"Subject: Undelivered Mail Returned to Sender\n"
	"MIME-Version: 1.0\n"
	"Content-Type: multipart/report; report-type=delivery-status;\n"
	"\tboundary=\"BB\"\n"
	"\n"
	"--BB\n"
	"Content-Type: text/plain\n"
	"\n"
	"I'm sorry to have to inform you that your message could not be delivered.\n"
	"\n"
	"--BB\n"
	"Content-Type: message/delivery-status\n"
	"\n"
	"Reporting-MTA: dns; mx.example.net\n"
	"\n"
	"Final-Recipient: rfc822; alice@example.com\n"
	"Original-Recipient: rfc822;alice@example.com\n"
	"Action: failed\n"
	"Status: 5.1.1\n"
	"Remote-MTA: dns; mx.example.com\n"
	"Diagnostic-Code: smtp; 550 5.1.1 <alice@example.com>: Recipient address\n"
	"    rejected: User unknown in local recipient table\n"
	"\n"
	"Final-Recipient: rfc822; bob@example.com\n"
	"Action: delayed\n"
	"Status: 4.2.2\n"
	"Diagnostic-Code: smtp; 452 4.2.2 Mailbox full\n"
	"\n"
	"--BB\n"
	"Content-Type: text/rfc822-headers\n"
	"\n"
	"Return-Path: <return+b.1.2.0000000000000000@bounce.example.org>\n"
	"From: news@example.org\n"
	"To: alice@example.com\n"
	"Message-ID: <m1@example.org>\n"
	"X-Mailroom-Id: 1.2\n"
	"\n"
	"--BB--\n";

static const char qmail[] =
	"From: MAILER-DAEMON@nijo.example.jp\n"
	"To: news@example.org\n"
	"Subject: failure notice\n"
	"\n"
	"Hi. This is the qmail-send program at nijo.example.jp.\n"
	"I'm afraid I wasn't able to deliver your message to the following addresses.\n"
	"This is a permanent error; I've given up. Sorry it didn't work out.\n"
	"\n"
	"<carol@example.org>:\n"
	"Remote host said: 550 5.2.2 Mailbox quota exceeded\n"
	"\n"
	"--- Below this line is a copy of the message.\n"
	"\n"
	"Return-Path: <news@example.org>\n"
	"From: news@example.org\n"
	"To: carol@example.org\n"
	"\n"
	"Hello\n";

static const char exim[] =
	"From: Mail Delivery System <Mailer-Daemon@e1.example.org>\n"
	"To: news@example.org\n"
	"Subject: Mail delivery failed: returning message to sender\n"
	"X-Failed-Recipients: dave@example.net\n"
	"Auto-Submitted: auto-replied\n"
	"\n"
	"This message was created automatically by mail delivery software.\n"
	"\n"
	"A message that you sent could not be delivered to one or more of its\n"
	"recipients. This is a permanent error. The following address(es) failed:\n"
	"\n"
	"  dave@example.net\n"
	"    host mx.example.net [192.0.2.1]: 550 Unrouteable address\n"
	"\n"
	"------ This is a copy of the message, including all the headers. ------\n"
	"\n"
	"Return-path: <news@example.org>\n"
	"From: news@example.org\n"
	"\n"
	"Body mentions return+b.3.4.0000000000000000@bounce.example.org\n";

static const char arf[] =
	"From: feedback@isp.example\n"
	"To: abuse@example.org\n"
	"Subject: Abuse report\n"
	"MIME-Version: 1.0\n"
	"Content-Type: multipart/report; report-type=feedback-report; boundary=\"F\"\n"
	"\n"
	"--F\n"
	"Content-Type: text/plain\n"
	"\n"
	"This is an email abuse report.\n"
	"--F\n"
	"Content-Type: message/feedback-report\n"
	"\n"
	"Feedback-Type: abuse\n"
	"User-Agent: SomeGenerator/1.0\n"
	"Version: 1\n"
	"Original-Rcpt-To: erin@isp.example\n"
	"--F\n"
	"Content-Type: message/rfc822\n"
	"\n"
	"From: news@example.org\n"
	"To: erin@isp.example\n"
	"\n"
	"hi\n"
	"--F--\n";

static const char vacation[] =
	"From: frank@example.net\n"
	"To: news@example.org\n"
	"Subject: Out of Office: your newsletter\n"
	"Auto-Submitted: auto-replied\n"
	"\n"
	"I am away until Monday.\n";

static const char vacation_encoded[] =
	"From: hanako@example.jp\n"
	"To: news@example.org\n"
	"Subject: =?UTF-8?B?6Ieq5YuV5b+c562UOiA35pyIMeaXpeOBvuOBp+S4jeWcqOOBp+OBmQ==?=\n"
	"\n"
	"I am away.\n";

static const char plain[] =
	"From: grace@example.net\n"
	"To: news@example.org\n"
	"Subject: Thanks for the newsletter\n"
	"\n"
	"Write to me at grace@example.net, or henry@example.com.\n";

/* s with every "\n" turned into eol. */
static char *with_eol(const char *s, const char *eol)
{
	size_t n = strlen(s), el = strlen(eol);
	char *out = malloc(n * el + 1), *o = out;
	for (; *s; s++) {
		if (*s == '\n') {
			memcpy(o, eol, el);
			o += el;
		} else {
			*o++ = *s;
		}
	}
	*o = 0;
	return out;
}

/* data with the two VERP placeholder hashes replaced by good ones. */
static char *sign(const char *data)
{
	char *out = strdup(data);
	struct mr_error err;
	char a[256];
	const char *ids[][2] = { { "b.1.2.", "1" }, { "b.3.4.", "3" } };
	for (size_t k = 0; k < 2; k++) {
		int64_t job = ids[k][1][0] - '0';
		mr_verp_build(&vconf, 'b', job, job + 1, a, sizeof(a), &err);
		const char *hash = strchr(a, '@') - MR_VERP_HASH_LEN;
		for (char *p = out; (p = strstr(p, ids[k][0])); p++)
			if (strncmp(p + 6, "0000000000000000", 16) == 0)
				memcpy(p + 6, hash, MR_VERP_HASH_LEN);
	}
	return out;
}

/* Answers given at send time (code, enhanced status, text): process-mailing
 * classifies them with mr_bounce_classify, and a DSN reporting the same
 * answer (Status, Diagnostic-Code "smtp; CODE STATUS TEXT") must get the same
 * reason, hard/soft, status and type, so that both count alike. */
static const struct {
	int code;
	const char *status; /* "" when the server gave none */
	const char *text;
	const char *type;   /* want */
} same_cases[] = {
	{ 550, "5.1.1", "<u@example.net>: user unknown", "Invalid" },
	{ 550, "5.1.1", "<u@example.net>: Recipient address rejected: User unknown in local "
	  "recipient table", "Invalid" },
	{ 550, "", "No such user here", "Invalid" },
	{ 550, "5.1.10", "RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address "
	  "lookup", "Invalid" },
	{ 552, "5.2.2", "The email account that you tried to reach is over quota.", "Quota" },
	{ 452, "4.2.2", "Mailbox full", "Quota" },
	{ 552, "5.3.4", "Message size exceeds fixed limit", "Quota" },
	{ 550, "5.2.1", "The email account that you tried to reach is disabled.", "Inactive" },
	{ 550, "5.1.2", "Host or domain name not found. Name service error", "Dns" },
	{ 550, "5.7.1", "Service unavailable, Client host [192.0.2.1] blocked using Spamhaus",
	  "Sender" },
	{ 554, "5.7.1", "<u@example.net>: Relay access denied", "Relay" },
	{ 554, "5.4.6", "Too many hops", "Loop" },
	{ 554, "5.6.0", "message content refused", "Syntax" },
	{ 451, "4.3.0", "Temporary lookup failure", "Host" },
	{ 550, "", "Requested action not taken", "Host" },
};

static void check_same_type(size_t i)
{
	struct mr_bounce_record rec = { 0 };
	char diag[512], status[16];
	snprintf(diag, sizeof(diag), "%d%s%s %s", same_cases[i].code,
		 same_cases[i].status[0] ? " " : "", same_cases[i].status, same_cases[i].text);
	mr_bounce_classify(rules, same_cases[i].code, same_cases[i].status, same_cases[i].text,
			   &rec);
	TAP_STR(rec.type, same_cases[i].type, "send time: %s: type", diag);
	/* the DSN's Status is the server's, else the one the send-time path derived */
	snprintf(status, sizeof(status), "%s", same_cases[i].status[0] ? same_cases[i].status :
		 rec.status);
	char msg[2048];
	snprintf(msg, sizeof(msg),
		 "From: MAILER-DAEMON@mx.example.net\n"
		 "To: news@example.org\n"
		 "Subject: Undelivered Mail Returned to Sender\n"
		 "MIME-Version: 1.0\n"
		 "Content-Type: multipart/report; report-type=delivery-status; boundary=\"BB\"\n"
		 "\n"
		 "--BB\n"
		 "Content-Type: text/plain\n"
		 "\n"
		 "Your message could not be delivered.\n"
		 "\n"
		 "--BB\n"
		 "Content-Type: message/delivery-status\n"
		 "\n"
		 "Reporting-MTA: dns; mx.example.net\n"
		 "\n"
		 "Final-Recipient: rfc822; u@example.net\n"
		 "Action: failed\n"
		 "Status: %s\n"
		 "Diagnostic-Code: smtp; %s\n"
		 "\n"
		 "--BB--\n", status, diag);
	struct mr_bounce_report r;
	mr_bounce_parse(msg, strlen(msg), rules, NULL, &r);
	if (TAP_INT(r.n_recs, 1, "DSN: %s: one record", diag)) {
		TAP_STR(r.recs[0].type, rec.type, "DSN: %s: the send-time type", diag);
		TAP_STR(r.recs[0].reason, rec.reason, "DSN: %s: the send-time reason", diag);
		TAP_INT(r.recs[0].hardsoft, rec.hardsoft, "DSN: %s: the send-time hard/soft", diag);
		TAP_STR(r.recs[0].status, rec.status, "DSN: %s: the send-time status", diag);
		TAP_OK(mr_bounce_record_counts(&r, &r.recs[0]), "DSN: %s: counts", diag);
	}
	mr_bounce_report_free(&r);
}

/* Issue 16: rules that come from what codes and words mean, not from samples.
 * Each case is a synthetic DSN (written here, not taken from any corpus) whose
 * fields come in the order given: 0 the usual one (Final-Recipient, Action,
 * Status, Diagnostic-Code), 1 Status and Diagnostic-Code before
 * Final-Recipient, 2 the recipient's fields spread over two blocks.  want_rule
 * is the start of what --explain prints. */
static const struct {
	const char *why;
	int order;
	const char *action;
	const char *status;   /* "" for none: the status then comes from the text */
	const char *diag;
	const char *reason;   /* want */
	enum mr_bounce_hardsoft hardsoft;
	const char *want_rule;
} rule_cases[] = {
	{ "our IP on a DNS blocklist, with a recipient status, is the sender's", 0, "failed", "5.1.1",
	  "smtp; 550 5.1.1 Service unavailable; client [192.0.2.9] is listed on a DNS blocklist",
	  "blocked", MR_BOUNCE_SOFT, "[blocked] pattern \"blocklist\"" },
	{ "our reverse DNS missing is not the recipient's domain unknown", 0, "failed", "5.7.25",
	  "smtp; 550 5.7.25 Reverse DNS lookup failed for host 192.0.2.9",
	  "blocked", MR_BOUNCE_SOFT, "[blocked] pattern \"reverse dns\"" },
	{ "our HELO name refused", 0, "failed", "5.5.2",
	  "smtp; 504 5.5.2 <localhost>: Helo command rejected: need fully-qualified hostname",
	  "blocked", MR_BOUNCE_SOFT, "[blocked] pattern \"helo command rejected\"" },
	{ "TLS required by the receiver (RFC 3207)", 0, "failed", "5.7.0",
	  "smtp; 530 5.7.0 Must issue a STARTTLS command first",
	  "securityerror", MR_BOUNCE_SOFT, "[securityerror] pattern \"must issue a starttls\"" },
	{ "the sender's domain unknown", 0, "failed", "5.1.8",
	  "smtp; 553 5.1.8 <news@example.org>: Sender address rejected: Domain not found",
	  "rejected", MR_BOUNCE_SOFT, "[rejected] pattern \"sender address rejected\"" },
	{ "unknown user beats a generic 5.7.1", 0, "failed", "5.7.1",
	  "smtp; 550 5.7.1 <u@example.net>: unknown user",
	  "userunknown", MR_BOUNCE_HARD, "[userunknown] pattern \"unknown user\"" },
	{ "no such user beats a generic 5.5.0, Status before Final-Recipient", 1, "failed", "5.5.0",
	  "smtp; 550 5.5.0 No such user here",
	  "userunknown", MR_BOUNCE_HARD, "[userunknown] pattern \"no such user\"" },
	{ "mailbox does not exist beats a generic 5.2.1, fields over two blocks", 2, "failed", "5.2.1",
	  "smtp; 550 5.2.1 The mailbox does not exist",
	  "userunknown", MR_BOUNCE_HARD, "[userunknown] pattern \"mailbox does not exist\"" },
	{ "invalid recipient beats a rule keyed to the command", 0, "failed", "5.1.1",
	  "smtp; 550 5.1.1 <u@example.net>: invalid recipient (in reply to RCPT TO command)",
	  "userunknown", MR_BOUNCE_HARD, "[userunknown] status 5.1.1" },
	{ "the recipient's preferences refuse the sender: the mailbox exists", 1, "failed", "5.1.1",
	  "smtp; 550 5.1.1 Refused due to recipient preferences",
	  "filtered", MR_BOUNCE_SOFT, "[filtered] pattern \"recipient preferences\"" },
	{ "a bare Recipient address rejected in answer to RCPT", 0, "failed", "",
	  "smtp; 550 <u@example.net>: Recipient address rejected. (in reply to RCPT TO command)",
	  "userunknown", MR_BOUNCE_HARD, "[userunknown] pattern \"recipient address rejected\" after RCPT" },
	{ "a delay report is never hard, whatever the reason", 0, "delayed", "4.1.2",
	  "smtp; 450 4.1.2 <u@example.net>: Recipient address rejected: Domain not found",
	  "hostunknown", MR_BOUNCE_SOFT, "[hostunknown] pattern" },
	{ "a temporary-failure report is never hard", 0, "failed", "",
	  "X-Postfix; Host or domain name not found. This is only a temporary failure report",
	  "hostunknown", MR_BOUNCE_SOFT, "[hostunknown] pattern" },
	{ "a temporary-failure report with no known words is expired", 0, "failed", "",
	  "X-Local; the remote end hung up. This is only a temporary failure report",
	  "expired", MR_BOUNCE_SOFT, "no rule matched; [temporary]" },
	{ "a transcript: the last 5xx decides, not the 250 before it", 0, "failed", "",
	  "smtp; >>> MAIL FROM:<news@example.org> <<< 250 2.1.0 Sender ok >>> RCPT TO:<u@example.net> "
	  "<<< 550 5.1.1 Recipient unknown",
	  "userunknown", MR_BOUNCE_HARD, "[userunknown] status 5.1.1" },
};

static void check_rule_case(size_t i)
{
	char fields[1024], status[64], msg[3072];
	const char *st = rule_cases[i].status;
	snprintf(status, sizeof(status), st[0] ? "Status: %s\n" : "%s", st);
	const char *rcpt = "Final-Recipient: rfc822; u@example.net\n";
	if (rule_cases[i].order == 1)
		snprintf(fields, sizeof(fields), "%sDiagnostic-Code: %s\n%sAction: %s\n", status,
			 rule_cases[i].diag, rcpt, rule_cases[i].action);
	else if (rule_cases[i].order == 2)
		snprintf(fields, sizeof(fields), "%sAction: %s\n\n%sDiagnostic-Code: %s\n", rcpt,
			 rule_cases[i].action, status, rule_cases[i].diag);
	else
		snprintf(fields, sizeof(fields), "%sAction: %s\n%sDiagnostic-Code: %s\n", rcpt,
			 rule_cases[i].action, status, rule_cases[i].diag);
	snprintf(msg, sizeof(msg),
		 "From: MAILER-DAEMON@mx.example.net\n"
		 "To: news@example.org\n"
		 "Subject: Delivery Status Notification\n"
		 "MIME-Version: 1.0\n"
		 "Content-Type: multipart/report; report-type=delivery-status; boundary=\"BB\"\n"
		 "\n"
		 "--BB\n"
		 "Content-Type: text/plain\n"
		 "\n"
		 "Your message could not be delivered.\n"
		 "\n"
		 "--BB\n"
		 "Content-Type: message/delivery-status\n"
		 "\n"
		 "Reporting-MTA: dns; mx.example.net\n"
		 "\n"
		 "%s"
		 "\n"
		 "--BB--\n", fields);
	struct mr_bounce_report r;
	mr_bounce_parse(msg, strlen(msg), rules, NULL, &r);
	const char *why = rule_cases[i].why;
	if (TAP_INT(r.n_recs, 1, "%s: one record", why)) {
		TAP_STR(r.recs[0].recipient, "u@example.net", "%s: the recipient", why);
		TAP_STR(r.recs[0].reason, rule_cases[i].reason, "%s: reason", why);
		TAP_INT(r.recs[0].hardsoft, rule_cases[i].hardsoft, "%s: hard/soft", why);
		TAP_OK(strncmp(r.recs[0].rule, rule_cases[i].want_rule, strlen(rule_cases[i].want_rule)) == 0,
		       "%s: rule %s", why, r.recs[0].rule);
	}
	mr_bounce_report_free(&r);
}

static void check_dsn(const char *data, const char *what)
{
	struct mr_bounce_report r;
	TAP_INT(mr_bounce_parse(data, strlen(data), rules, &vconf, &r), 0, "%s: parses", what);
	TAP_INT(r.kind, MR_BOUNCE_FAILURE, "%s: a failure report", what);
	TAP_INT(r.n_recs, 2, "%s: two records", what);
	if (r.n_recs == 2) {
		TAP_STR(r.recs[0].recipient, "alice@example.com", "%s: first recipient", what);
		TAP_STR(r.recs[0].reason, "userunknown", "%s: first reason", what);
		TAP_INT(r.recs[0].hardsoft, MR_BOUNCE_HARD, "%s: first is hard", what);
		TAP_STR(r.recs[0].status, "5.1.1", "%s: first status", what);
		TAP_STR(r.recs[0].type, "Invalid", "%s: first type", what);
		TAP_STR(r.recs[0].remote_mta, "mx.example.com", "%s: Remote-MTA", what);
		TAP_OK(r.recs[0].diagnostic && strstr(r.recs[0].diagnostic, "rejected: User unknown"),
		       "%s: folded Diagnostic-Code kept", what);
		TAP_STR(r.recs[1].recipient, "bob@example.com", "%s: second recipient", what);
		TAP_STR(r.recs[1].reason, "mailboxfull", "%s: second reason", what);
		TAP_INT(r.recs[1].hardsoft, MR_BOUNCE_SOFT, "%s: second is soft", what);
		TAP_STR(r.recs[1].type, "Quota", "%s: second type", what);
		TAP_STR(r.recs[1].action, "delayed", "%s: second action", what);
		TAP_OK(mr_bounce_record_counts(&r, &r.recs[0]), "%s: the failure counts", what);
		TAP_OK(!mr_bounce_record_counts(&r, &r.recs[1]), "%s: the delay does not count", what);
	}
	TAP_STR(r.verp_found_in, "To", "%s: VERP found in To", what);
	TAP_INT(r.verp_ok, 1, "%s: VERP hash good", what);
	TAP_INT(r.verp_parsed.job_id, 1, "%s: VERP job", what);
	TAP_INT(r.verp_parsed.queue_id, 2, "%s: VERP queue", what);
	TAP_STR(r.orig_message_id, "<m1@example.org>", "%s: returned Message-ID", what);
	TAP_STR(r.mailroom_id, "1.2", "%s: X-Mailroom-Id of the original", what);
	mr_bounce_report_free(&r);
}

static void fuzz(const char *const *samples, size_t n)
{
	unsigned seed = 12345;
	time_t start = time(NULL);
	int ok = 1;
	size_t runs = 0;
	for (size_t k = 0; k < n; k++) {
		size_t len = strlen(samples[k]);
		/* every truncation */
		for (size_t cut = 0; cut <= len; cut++) {
			struct mr_bounce_report r;
			char *d = malloc(cut ? cut : 1);
			memcpy(d, samples[k], cut);
			if (mr_bounce_parse(d, cut, rules, &vconf, &r) != 0)
				ok = 0;
			mr_bounce_report_free(&r);
			free(d);
			runs++;
		}
		/* random byte mutations, including NUL, CR, '-', '@', ':' */
		for (int it = 0; it < 400; it++) {
			char *d = malloc(len + 1);
			memcpy(d, samples[k], len + 1);
			int muts = 1 + (int)(rand_r(&seed) % 20);
			static const char pick[] = { 0, '\r', '\n', '-', '@', ':', ';', '<', '>', '"', '=', ' ' };
			for (int m = 0; m < muts; m++) {
				size_t at = (size_t)rand_r(&seed) % len;
				d[at] = rand_r(&seed) % 2 ? pick[rand_r(&seed) % sizeof(pick)] : (char)rand_r(&seed);
			}
			struct mr_bounce_report r;
			if (mr_bounce_parse(d, len, rules, &vconf, &r) != 0)
				ok = 0;
			mr_bounce_report_free(&r);
			free(d);
			runs++;
		}
	}
	/* pure garbage and pathological shapes */
	size_t big = 1 << 20;
	char *g = malloc(big);
	for (size_t i = 0; i < big; i++)
		g[i] = (char)rand_r(&seed);
	struct mr_bounce_report r;
	ok &= mr_bounce_parse(g, big, rules, &vconf, &r) == 0;
	mr_bounce_report_free(&r);
	memset(g, '\n', big);
	ok &= mr_bounce_parse(g, big, rules, &vconf, &r) == 0;
	mr_bounce_report_free(&r);
	memset(g, '@', big);
	ok &= mr_bounce_parse(g, big, rules, &vconf, &r) == 0;
	mr_bounce_report_free(&r);
	/* long runs of address characters between many '@' */
	for (size_t i = 0; i < big; i++)
		g[i] = i % 4096 == 4095 ? '\n' : (i % 2 && i > big / 2) ? '@' : 'a';
	ok &= mr_bounce_parse(g, big, rules, &vconf, &r) == 0;
	mr_bounce_report_free(&r);
	/* deeply nested multiparts with the same boundary */
	size_t o = 0;
	o += (size_t)snprintf(g + o, big - o, "Content-Type: multipart/mixed; boundary=x\n\n");
	while (o + 100 < big / 2)
		o += (size_t)snprintf(g + o, big - o, "--x\nContent-Type: multipart/mixed; boundary=x\n\n");
	ok &= mr_bounce_parse(g, o, rules, &vconf, &r) == 0;
	mr_bounce_report_free(&r);
	/* many recipients */
	o = (size_t)snprintf(g, big, "From: MAILER-DAEMON@x.example\nSubject: failure notice\n\n");
	while (o + 100 < big)
		o += (size_t)snprintf(g + o, big - o, "<u%zu@example.com>:\n550 user unknown\n\n", o);
	ok &= mr_bounce_parse(g, o, rules, &vconf, &r) == 0;
	TAP_OK(r.n_recs > 0 && r.n_recs <= 256, "many recipients: capped at 256 (got %zu)", r.n_recs);
	mr_bounce_report_free(&r);
	free(g);
	TAP_OK(ok, "fuzz: %zu broken inputs parsed without error or crash", runs);
	TAP_OK(time(NULL) - start < 60, "fuzz: finished in %lds", (long)(time(NULL) - start));
}

/* ---- layouts the parser reads beyond RFC 3464 and line-opening addresses
 * (issue 16): each message is written here, none copied from a corpus */

/* An Amazon SES bounce notification inside an SNS envelope (the JSON of the
 * notification is a string in "Message", its quotes escaped). */
static const char ses_bounce[] =
	"From: AWS Notifications <no-reply@sns.example.com>\n"
	"To: ops@sender.example.org\n"
	"Subject: AWS Notification Message\n"
	"Content-Type: text/plain; charset=UTF-8\n"
	"\n"
	"{\n"
	"  \"Type\" : \"Notification\",\n"
	"  \"Message\" : \"{\\\"notificationType\\\":\\\"Bounce\\\",\\\"bounce\\\":{\\\"bounceType\\\":"
	"\\\"Permanent\\\",\\\"bouncedRecipients\\\":[{\\\"emailAddress\\\":\\\"gone@rcpt.example.net\\\","
	"\\\"action\\\":\\\"failed\\\",\\\"status\\\":\\\"5.1.1\\\",\\\"diagnosticCode\\\":\\\"smtp; 550 5.1.1 "
	"user unknown {see docs}\\\"},{\\\"emailAddress\\\":\\\"Full@Rcpt.Example.net\\\",\\\"status\\\":"
	"\\\"4.2.2\\\",\\\"diagnosticCode\\\":\\\"smtp; 452 4.2.2 mailbox full\\\"}]},\\\"mail\\\":"
	"{\\\"source\\\":\\\"news@sender.example.org\\\",\\\"destination\\\":[\\\"other@rcpt.example.net\\\"]}}\"\n"
	"}\n"
	"\n"
	"--\n"
	"To unsubscribe visit https://sns.example.com/unsubscribe?Endpoint=ops@sender.example.org\n";

/* A bare SES complaint notification, pretty-printed. */
static const char ses_complaint[] =
	"From: no-reply@sns.example.com\n"
	"To: ops@sender.example.org\n"
	"Subject: AWS Notification Message\n"
	"\n"
	"{\n"
	"  \"notificationType\": \"Complaint\",\n"
	"  \"complaint\": {\n"
	"    \"complainedRecipients\": [ { \"emailAddress\": \"annoyed@rcpt.example.net\" } ],\n"
	"    \"complaintFeedbackType\": \"abuse\"\n"
	"  },\n"
	"  \"mail\": { \"source\": \"news@sender.example.org\" }\n"
	"}\n";

/* A mailing-list server's notice to a poster (X-MLServer): about the list
 * address it names first, not the -ctl address it suggests later. */
static const char list_notice[] =
	"From: club-admin@lists.example.org\n"
	"To: news@sender.example.org\n"
	"Subject: Your post to the club list\n"
	"X-MLServer: somelistserver 1.0\n"
	"\n"
	"You are not a member of this mailing list <club@lists.example.org>.\n"
	"\n"
	"To subscribe, send mail to\n"
	"\n"
	"\tclub-ctl@lists.example.org\n";

/* Sendmail's transcript naming several recipients as "CODE <addr>... text". */
static const char sendmail_multi[] =
	"From: Mail Delivery Subsystem <MAILER-DAEMON@relay.example.org>\n"
	"To: news@sender.example.org\n"
	"Subject: Returned mail: see transcript for details\n"
	"\n"
	"   ----- Transcript of session follows -----\n"
	"550 <one@nohost.example.net>... 550 Host unknown (Authoritative answer from name server)\n"
	"550 <two@example.com>... User unknown\n"
	"\n"
	"   ----- Unsent message follows -----\n"
	"From: news@sender.example.org\n"
	"To: one@nohost.example.net\n"
	"Subject: hi\n"
	"\n"
	"hi\n";

/* A failed-recipient line that names the original's own sender (a sender
 * mailing itself): still the recipient, rather than the original's To. */
static const char self_failed[] =
	"From: Mail Delivery System <mailer-daemon@mx.example.org>\n"
	"To: self@sender.example.org\n"
	"Subject: Mail delivery failed: returning message to sender\n"
	"\n"
	"A message that you sent could not be delivered to one or more of\n"
	"its recipients. The following address(es) failed:\n"
	"\n"
	"self@sender.example.org:\n"
	"SMTP error from remote server for RCPT command: 550 5.1.1 no such user\n"
	"\n"
	"--- The header of the original message is following. ---\n"
	"\n"
	"From: self@sender.example.org\n"
	"To: forward@other.example.com\n"
	"Subject: hi\n";

/* A DSN whose Final-Recipient names a host without a dot, and one whose
 * Final-Recipient is source-routed: the latter names no usable domain, so
 * its Original-Recipient is taken. */
static char *dsn_with(const char *fields)
{
	char *m = NULL;
	if (asprintf(&m,
		     "From: MAILER-DAEMON@mailhub\n"
		     "To: news@sender.example.org\n"
		     "Subject: Undelivered Mail Returned to Sender\n"
		     "MIME-Version: 1.0\n"
		     "Content-Type: multipart/report; report-type=delivery-status; boundary=\"BB\"\n"
		     "\n"
		     "--BB\n"
		     "Content-Type: text/plain\n"
		     "\n"
		     "Delivery failed.\n"
		     "\n"
		     "--BB\n"
		     "Content-Type: message/delivery-status\n"
		     "\n"
		     "Reporting-MTA: dns; mailhub\n"
		     "\n"
		     "%s"
		     "Action: failed\n"
		     "Status: 5.2.0\n"
		     "\n"
		     "--BB--\n", fields) < 0)
		return NULL;
	return m;
}

static void check_layouts(void)
{
	struct mr_bounce_report r;
	mr_bounce_parse(ses_bounce, strlen(ses_bounce), rules, NULL, &r);
	TAP_INT(r.kind, MR_BOUNCE_FAILURE, "SES JSON bounce: a failure report");
	if (TAP_INT(r.n_recs, 2, "SES JSON bounce: its two bounced recipients, not mail.destination")) {
		TAP_STR(r.recs[0].recipient, "gone@rcpt.example.net", "SES: first recipient");
		TAP_STR(r.recs[0].reason, "userunknown", "SES: 5.1.1 is userunknown");
		TAP_INT(r.recs[0].hardsoft, MR_BOUNCE_HARD, "SES: 5.1.1 is hard");
		TAP_OK(r.recs[0].diagnostic && strstr(r.recs[0].diagnostic, "{see docs}"),
		       "SES: the diagnosticCode, braces and all");
		TAP_STR(r.recs[1].recipient, "full@rcpt.example.net", "SES: second recipient, lowercased");
		TAP_STR(r.recs[1].reason, "mailboxfull", "SES: 4.2.2 is mailboxfull");
	}
	mr_bounce_report_free(&r);
	mr_bounce_parse(ses_complaint, strlen(ses_complaint), rules, NULL, &r);
	TAP_INT(r.kind, MR_BOUNCE_FEEDBACK, "SES JSON complaint: a complaint");
	if (TAP_INT(r.n_recs, 1, "SES complaint: one recipient")) {
		TAP_STR(r.recs[0].recipient, "annoyed@rcpt.example.net", "SES complaint: the recipient");
		TAP_STR(r.recs[0].reason, "feedback", "SES complaint: feedback");
	}
	mr_bounce_report_free(&r);
	/* a text that merely mentions the key is no notification */
	static const char not_json[] = "From: a@example.org\nSubject: hi\n\n"
				       "the notificationType field is documented at docs@example.org\n";
	mr_bounce_parse(not_json, strlen(not_json), rules, NULL, &r);
	TAP_INT(r.n_recs, 0, "a text mentioning notificationType without JSON: nothing");
	mr_bounce_report_free(&r);

	mr_bounce_parse(list_notice, strlen(list_notice), rules, NULL, &r);
	if (TAP_INT(r.n_recs, 1, "list server notice: one record")) {
		TAP_STR(r.recs[0].recipient, "club@lists.example.org", "list notice: the list address");
		TAP_STR(r.recs[0].reason, "rejected", "list notice: not a member is rejected");
		TAP_STR(r.recs[0].type, "Sender", "list notice: the sender's problem (never a hold)");
	}
	mr_bounce_report_free(&r);

	/* the list's ordinary post carries X-MLServer too, but from its author */
	static const char list_post[] =
		"From: member@example.net\n"
		"To: club@lists.example.org\n"
		"Subject: meeting on Friday\n"
		"X-MLServer: somelistserver 1.0\n"
		"\n"
		"See you there, write to friend@example.com if late.\n";
	mr_bounce_parse(list_post, strlen(list_post), rules, NULL, &r);
	TAP_INT(r.n_recs, 0, "a list's ordinary post (X-MLServer, from its author): no record");
	mr_bounce_report_free(&r);

	mr_bounce_parse(sendmail_multi, strlen(sendmail_multi), rules, NULL, &r);
	if (TAP_INT(r.n_recs, 2, "Sendmail CODE <addr>... lines: two recipients")) {
		TAP_STR(r.recs[0].recipient, "one@nohost.example.net", "Sendmail: first");
		TAP_STR(r.recs[0].reason, "hostunknown", "Sendmail: first is hostunknown");
		TAP_STR(r.recs[1].recipient, "two@example.com", "Sendmail: second");
		TAP_STR(r.recs[1].reason, "userunknown", "Sendmail: second is userunknown");
	}
	mr_bounce_report_free(&r);

	mr_bounce_parse(self_failed, strlen(self_failed), rules, NULL, &r);
	if (TAP_INT(r.n_recs, 1, "failed line naming the sender itself: one record"))
		TAP_STR(r.recs[0].recipient, "self@sender.example.org",
			"... the failed address, not the original's To");
	mr_bounce_report_free(&r);

	char *m = dsn_with("Final-Recipient: rfc822; user@mailhub\n"
			   "Original-Recipient: rfc822; alias@example.net\n");
	mr_bounce_parse(m, strlen(m), rules, NULL, &r);
	if (TAP_INT(r.n_recs, 1, "DSN with a dotless Final-Recipient: one record"))
		TAP_STR(r.recs[0].recipient, "user@mailhub", "... the Final-Recipient");
	mr_bounce_report_free(&r);
	free(m);
	m = dsn_with("Final-Recipient: rfc822; @relay.example.net:user@host\n"
		     "Original-Recipient: rfc822; user@example.net\n");
	mr_bounce_parse(m, strlen(m), rules, NULL, &r);
	if (TAP_INT(r.n_recs, 1, "DSN with a source-routed Final-Recipient: one record"))
		TAP_STR(r.recs[0].recipient, "user@example.net", "... the Original-Recipient");
	mr_bounce_report_free(&r);
	free(m);
}

int main(void)
{
	struct mr_error err = { 0 };
	const char *path = TOP_SRCDIR "/etc/bounce-rules.conf";
	TAP_INT(mr_bounce_rules_load(path, &rules, &err), 0, "the shipped rules load: %s", err.msg);
	if (!rules)
		return tap_done();
	TAP_INT(mr_bounce_type_threshold(rules, "Invalid"), 1, "threshold Invalid");
	TAP_INT(mr_bounce_type_threshold(rules, "Away"), 30, "threshold Away");
	TAP_INT(mr_bounce_type_threshold(rules, "Nope"), 0, "threshold of an unknown type");
	TAP_INT(mr_bounce_type_threshold(rules, "Sender"), MR_BOUNCE_HOLD_NEVER,
		"threshold Sender (0 in the rules): never held");

	char *d = sign(dsn);
	check_dsn(d, "DSN with LF");
	char *crlf = with_eol(d, "\r\n");
	check_dsn(crlf, "DSN with CRLF");
	char *cr = with_eol(d, "\r");
	check_dsn(cr, "DSN with bare CR");
	free(crlf);
	free(cr);

	struct mr_bounce_report r;
	mr_bounce_parse(qmail, strlen(qmail), rules, &vconf, &r);
	TAP_INT(r.n_recs, 1, "qmail: one record");
	if (r.n_recs) {
		TAP_STR(r.recs[0].recipient, "carol@example.org", "qmail: recipient");
		TAP_STR(r.recs[0].reason, "mailboxfull", "qmail: reason");
		TAP_STR(r.recs[0].status, "5.2.2", "qmail: status from the text");
	}
	TAP_STR(r.addresser, "news@example.org", "qmail: addresser from the returned original");
	TAP_OK(r.verp_found_in == NULL, "qmail: no VERP address");
	mr_bounce_report_free(&r);

	char *e = sign(exim);
	mr_bounce_parse(e, strlen(e), rules, &vconf, &r);
	TAP_INT(r.n_recs, 1, "exim: one record");
	if (r.n_recs) {
		TAP_STR(r.recs[0].recipient, "dave@example.net", "exim: recipient");
		TAP_STR(r.recs[0].reason, "hostunknown", "exim: reason");
		TAP_INT(r.recs[0].hardsoft, MR_BOUNCE_HARD, "exim: hard");
		TAP_STR(r.recs[0].type, "Dns", "exim: type");
	}
	TAP_STR(r.verp_found_in, "body", "exim: VERP found in the body");
	TAP_INT(r.verp_ok, 1, "exim: body VERP hash good");
	TAP_INT(r.verp_parsed.job_id, 3, "exim: VERP job");
	mr_bounce_report_free(&r);
	/* the same with one hash digit changed: forged */
	char *p = strstr(e, "return+b.3.4.");
	p[13] = p[13] == '0' ? '1' : '0';
	mr_bounce_parse(e, strlen(e), rules, &vconf, &r);
	TAP_INT(r.verp_ok, -1, "exim: altered body VERP is forged");
	TAP_INT(r.n_recs, 1, "exim: the bounce itself is still read");
	mr_bounce_report_free(&r);
	free(e);

	/* VERP only in the returned original's Return-Path */
	char *o = strdup(d);
	memcpy(strstr(o, "To: return+") + 4, "xeturn", 6);
	mr_bounce_parse(o, strlen(o), rules, &vconf, &r);
	TAP_STR(r.verp_found_in, "original Return-Path", "VERP found in the original's Return-Path");
	TAP_INT(r.verp_ok, 1, "original Return-Path hash good");
	mr_bounce_report_free(&r);
	free(o);

	/* Forged VERP, strictly: the envelope's address truncated by one hex digit
	 * while the original's Return-Path holds the genuine one.  Damage decides;
	 * there is no falling back to the good address. */
	o = strdup(d);
	char *th = strstr(o, "To: return+b.1.2.");
	TAP_OK(th != NULL, "the DSN is addressed to the VERP address");
	if (th) {
		th += strlen("To: return+b.1.2.");
		memmove(th + 15, th + 16, strlen(th + 16) + 1);
		mr_bounce_parse(o, strlen(o), rules, &vconf, &r);
		TAP_INT(r.verp_ok, -1, "truncated envelope hash, genuine original: forged");
		TAP_STR(r.verp_found_in, "To", "... the damaged address is reported where it was");
		TAP_STR(r.verp_damage ? r.verp_damage : "", "hash truncated", "... and how it is damaged");
		mr_bounce_report_free(&r);
	}
	free(o);
	/* hex compares case-insensitively: the genuine hash in upper case is good */
	o = strdup(d);
	th = strstr(o, "To: return+b.1.2.");
	if (th)
		for (char *h = th + strlen("To: return+b.1.2."); *h && *h != '@'; h++)
			*h = (char)toupper((unsigned char)*h);
	mr_bounce_parse(o, strlen(o), rules, &vconf, &r);
	TAP_INT(r.verp_ok, 1, "a genuine hash in upper case is good");
	TAP_INT(r.verp_parsed.queue_id, 2, "... naming its queue row");
	mr_bounce_report_free(&r);
	free(o);
	free(d);

	mr_bounce_parse(arf, strlen(arf), rules, &vconf, &r);
	TAP_INT(r.kind, MR_BOUNCE_FEEDBACK, "ARF: a feedback report");
	TAP_INT(r.n_recs, 1, "ARF: one record");
	if (r.n_recs) {
		TAP_STR(r.recs[0].recipient, "erin@isp.example", "ARF: Original-Rcpt-To");
		TAP_STR(r.recs[0].reason, "feedback", "ARF: reason feedback");
		TAP_INT(r.recs[0].hardsoft, MR_BOUNCE_NA, "ARF: neither hard nor soft");
		TAP_OK(!mr_bounce_record_counts(&r, &r.recs[0]), "ARF: does not count as a bounce");
	}
	mr_bounce_report_free(&r);

	mr_bounce_parse(vacation, strlen(vacation), rules, &vconf, &r);
	TAP_INT(r.kind, MR_BOUNCE_AUTOREPLY, "vacation: an auto-reply");
	TAP_INT(r.n_recs, 1, "vacation: one record");
	if (r.n_recs) {
		TAP_STR(r.recs[0].recipient, "frank@example.net", "vacation: the replier");
		TAP_STR(r.recs[0].reason, "vacation", "vacation: reason");
		TAP_STR(r.recs[0].type, "Away", "vacation: type Away");
	}
	mr_bounce_report_free(&r);

	mr_bounce_parse(vacation_encoded, strlen(vacation_encoded), rules, &vconf, &r);
	TAP_INT(r.kind, MR_BOUNCE_AUTOREPLY, "RFC 2047 Japanese auto-reply subject: an auto-reply");
	mr_bounce_report_free(&r);

	/* every auto-responder's mark, in any case, folded, or as a later
	 * occurrence of its field; and values that are no such mark */
	static const struct {
		const char *field;
		int autoreply;
	} marks[] = {
		{ "Auto-Submitted: Auto-Replied (vacation)", 1 }, { "X-Autoreply: yes", 1 },
		{ "X-Autorespond: yes", 1 }, { "x-autoresponder: 1", 1 },
		{ "X-AutoReply-From: frank@example.net", 1 }, { "X-Mail-Autoreply: yes", 1 },
		{ "Precedence: auto_reply", 1 }, { "X-Precedence: AUTO_REPLY", 1 },
		{ "X-Autogenerated: Reply", 1 }, { "X-Apple-Action: VACATION", 1 },
		{ "Auto-Submitted:\n auto-replied", 1 },
		{ "Precedence: list\nPrecedence: auto_reply", 1 },
		{ "Auto-Submitted: no", 0 }, { "Precedence: bulk", 0 },
		{ "X-Autogenerated: Forward", 0 }, { "X-Apple-Action: none", 0 },
		{ "X-Autoreplying-Soon: yes", 0 }, { "Precedence:\nX-Note: auto_reply", 0 },
	};
	for (size_t k = 0; k < sizeof(marks) / sizeof(marks[0]); k++) {
		char msg[512];
		snprintf(msg, sizeof(msg), "From: frank@example.net\nTo: news@example.org\n"
			 "Subject: Re: your newsletter\n%s\n\nThanks.\n", marks[k].field);
		mr_bounce_parse(msg, strlen(msg), rules, &vconf, &r);
		char name[80]; /* the field on one line */
		snprintf(name, sizeof(name), "%s", marks[k].field);
		for (char *c = name; *c; c++)
			if (*c == '\n')
				*c = '|';
		TAP_INT(r.kind == MR_BOUNCE_AUTOREPLY, marks[k].autoreply, "\"%s\": %s", name,
			marks[k].autoreply ? "an auto-reply" : "no auto-reply");
		mr_bounce_report_free(&r);
	}

	static const char daemon_noaddr[] =
		"From: Mail Delivery System <Mailer-Daemon@e1.example.org>\n"
		"To: news@example.org\n"
		"Subject: Mail delivery failed: returning message to sender\n"
		"Auto-Submitted: auto-replied\n"
		"\n"
		"A message that you sent could not be delivered.\n";
	mr_bounce_parse(daemon_noaddr, strlen(daemon_noaddr), rules, &vconf, &r);
	TAP_INT(r.kind, MR_BOUNCE_NONE, "a mail system's auto-replied bounce without recipients is no vacation");
	TAP_INT(r.n_recs, 0, "... and has no records");
	mr_bounce_report_free(&r);

	mr_bounce_parse(plain, strlen(plain), rules, &vconf, &r);
	TAP_INT(r.kind, MR_BOUNCE_NONE, "an ordinary message is not a bounce");
	TAP_INT(r.n_recs, 0, "an ordinary message has no records");
	mr_bounce_report_free(&r);

	/* SMTP-time classification for process-mailing */
	struct mr_bounce_record rec = { 0 };
	mr_bounce_classify(rules, 550, "5.1.1", "5.1.1 <x@example.com>: Recipient address rejected: User unknown", &rec);
	TAP_STR(rec.reason, "userunknown", "SMTP 550 5.1.1: userunknown");
	TAP_STR(rec.type, "Invalid", "SMTP 550 5.1.1: Invalid");
	memset(&rec, 0, sizeof(rec));
	mr_bounce_classify(rules, 452, NULL, "Too many connections from your host", &rec);
	TAP_STR(rec.reason, "toomanyconn", "SMTP 452 too many connections");
	TAP_STR(rec.status, "4.0.0", "SMTP 452 without enhanced code: 4.0.0");
	TAP_INT(rec.hardsoft, MR_BOUNCE_SOFT, "SMTP 452: soft");
	memset(&rec, 0, sizeof(rec));
	mr_bounce_classify(rules, 554, NULL, "554 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using zen.spamhaus.org", &rec);
	TAP_STR(rec.reason, "blocked", "SMTP 554 spamhaus: blocked");
	TAP_STR(rec.type, "Sender", "SMTP 554 spamhaus: type Sender, the sender's problem");
	TAP_STR(rec.status, "5.7.1", "SMTP 554: status from the text");

	/* transport-smtp's own words when no server answered are a network error
	 * (Host), not a block by a server (Sender) */
	memset(&rec, 0, sizeof(rec));
	mr_bounce_classify(rules, 0, "4.4.1", "no mail transaction: Failed to connect to 127.0.0.1 "
			   "port 25: Connection refused", &rec);
	TAP_STR(rec.reason, "networkerror", "transport could not connect: networkerror");
	TAP_STR(rec.type, "Host", "transport could not connect: Host");
	memset(&rec, 0, sizeof(rec));
	mr_bounce_classify(rules, 0, "4.4.2", "connection lost before the final reply (Connection "
			   "reset by peer)", &rec);
	TAP_STR(rec.type, "Host", "connection lost before the final reply: Host");
	for (size_t i = 0; i < sizeof(same_cases) / sizeof(same_cases[0]); i++)
		check_same_type(i);
	for (size_t i = 0; i < sizeof(rule_cases) / sizeof(rule_cases[0]); i++)
		check_rule_case(i);

	/* mbox splitting */
	const char mbox[] = "From a@b Thu Jan  1 00:00:00 2026\nSubject: one\n\nx\n"
			    "From c@d Thu Jan  1 00:00:00 2026\nSubject: two\n\ny\n"
			    "From e@f Thu Jan  1 00:00:00 2026\nSubject: three\n\nz\n";
	TAP_OK(mr_mbox_is(mbox, sizeof(mbox) - 1), "mbox recognised");
	size_t off = 0, len, count = 0;
	const char *msg;
	char subj[3][16] = { "", "", "" };
	while (mr_mbox_next(mbox, sizeof(mbox) - 1, &off, &msg, &len) && count < 10) {
		if (count < 3)
			snprintf(subj[count], sizeof(subj[count]), "%.*s", (int)(strchr(msg, '\n') - msg), msg);
		count++;
	}
	TAP_INT(count, 3, "mbox: three messages");
	TAP_STR(subj[2], "Subject: three", "mbox: third message starts after its From line");

	/* rules file errors name the file and the line */
	char tmp[] = "/tmp/mr-rules-XXXXXX";
	int fd = mkstemp(tmp);
	const char bad[] = "[reason x]\nmatch = a\n[nosuch]\n";
	if (write(fd, bad, sizeof(bad) - 1) < 0)
		return 1;
	close(fd);
	struct mr_bounce_rules *br = NULL;
	TAP_INT(mr_bounce_rules_load(tmp, &br, &err), MR_ECONFIG, "unknown section refused");
	TAP_OK(strstr(err.msg, ":3:") != NULL, "error names line 3: %s", err.msg);
	unlink(tmp);
	TAP_INT(mr_bounce_rules_load("/nonexistent/rules", &br, &err), MR_ECONFIG, "missing file refused");

	check_layouts();
	const char *samples[] = { dsn, qmail, exim, arf, vacation, vacation_encoded, plain,
				  ses_bounce, ses_complaint, list_notice, sendmail_multi,
				  self_failed };
	fuzz(samples, sizeof(samples) / sizeof(samples[0]));
	mr_bounce_rules_free(rules);
	return tap_done();
}
