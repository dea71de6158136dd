#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# Writes test messages shaped like real bounces for the bounce-job test: an RFC 3464 DSN the
# way Postfix writes one, a qmail-style text bounce, an ARF complaint, a vacation reply, and
# a plain message (replies and unsubscribe mail).  Usage: bounce-make.py KIND OUT [key=value...]
import sys
import time

kind, out = sys.argv[1], sys.argv[2]
a = dict(kv.split("=", 1) for kv in sys.argv[3:])
to = a.get("to", "")
rcpt = a.get("rcpt", "")
status = a.get("status", "5.1.1")
diag = a.get("diag", "550 5.1.1 <%s>: Recipient address rejected: User unknown" % rcpt)
msgid = a.get("msgid", "<orig.%d@example.org>" % int(time.time()))
rp = a.get("return_path", to)
mrid = a.get("mailroom_id", rp)        # the original's X-Mailroom-Id (default: its Return-Path)
delivered_to = a.get("delivered_to", to)
date = "Sun, 29 Nov 2026 12:00:00 +0000"
orig = ("Return-Path: <%s>\nFrom: Example News <news@example.org>\nTo: <%s>\n"
        "Subject: November news\nMessage-ID: %s\nDate: %s\n%s\nHello\n") % (
            rp, rcpt, msgid, date, ("X-Mailroom-Id: <%s>\n" % mrid) if mrid else "")
if not rp:
    orig = orig.replace("Return-Path: <>\n", "")

if kind == "dsn":
    action = a.get("action", "failed")
    msg = f"""Return-Path: <>
Delivered-To: {delivered_to}
From: MAILER-DAEMON@mx.example.net (Mail Delivery System)
To: {to}
Subject: Undelivered Mail Returned to Sender
Date: {date}
Message-ID: <dsn.{int(time.time()*1000)}@mx.example.net>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="BND"

This is a MIME-encapsulated message.

--BND
Content-Description: Notification
Content-Type: text/plain; charset=us-ascii

This is the mail system at host mx.example.net.

I'm sorry to have to inform you that your message could not
be delivered to one or more recipients.

<{rcpt}>: host mx.example.net said: {diag}

--BND
Content-Description: Delivery report
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.net
Arrival-Date: {date}

Final-Recipient: rfc822; {rcpt}
Original-Recipient: rfc822;{rcpt}
Action: {action}
Status: {status}
Remote-MTA: dns; mx.example.net
Diagnostic-Code: smtp; {diag}

--BND
Content-Description: Undelivered Message Headers
Content-Type: text/rfc822-headers

{orig.split(chr(10) + chr(10))[0]}

--BND--
"""
elif kind == "qmail":
    msg = f"""Return-Path: <>
To: {to}
From: MAILER-DAEMON@mail.example.com
Subject: failure notice
Date: {date}

Hi. This is the qmail-send program at mail.example.com.
I'm afraid I wasn't able to deliver your message to the following addresses.
This is a permanent error; I've given up. Sorry it didn't work out.

<{rcpt}>:
{diag}

--- Below this line is a copy of the message.

{orig}"""
elif kind == "arf":
    msg = f"""Return-Path: <>
To: {to}
From: feedback@fbl.example.com
Subject: complaint about message from 192.0.2.1
Date: {date}
MIME-Version: 1.0
Content-Type: multipart/report; report-type=feedback-report; boundary="ARF"

--ARF
Content-Type: text/plain; charset=us-ascii

This is an email abuse report for an email message received from IP 192.0.2.1.

--ARF
Content-Type: message/feedback-report

Feedback-Type: abuse
User-Agent: SomeGenerator/1.0
Version: 1
Original-Mail-From: <{rp}>
Original-Rcpt-To: <{rcpt}>
Arrival-Date: {date}

--ARF
Content-Type: message/rfc822

{orig}
--ARF--
"""
elif kind == "vacation":
    msg = f"""Return-Path: <>
To: {to}
From: <{rcpt}>
Subject: Out of office: November news
Auto-Submitted: auto-replied
Date: {date}

I am away until December.
"""
elif kind == "plain":
    msg = f"""From: <{a.get('from', rcpt)}>
To: {to}
Subject: {a.get('subject', 'Re: November news')}
Date: {date}
Message-ID: <plain.{int(time.time()*1000)}@example.net>

{a.get('body', 'Thanks for the news.')}
"""
elif kind == "broken":
    msg = "\x00\x01\x02 not a message at all\r\r\n\x7f" * 50
else:
    sys.exit("unknown kind " + kind)
with open(out, "w", encoding="utf-8", newline="") as f:
    f.write(msg)
