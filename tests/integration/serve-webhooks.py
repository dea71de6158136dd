#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# Makes ESP webhook payloads for serve-webhooks.sh: SNS messages signed with the test's key (openssl), Mailgun events signed with the test's HMAC key.
import base64, hashlib, hmac, json, subprocess, sys, time, uuid

def sns(key, kind, topic, message=None, cert_url=None, version="2", subscribe_url=None,
        message_id=None, tamper=False, unsigned=False):
    o = {"Type": kind, "MessageId": message_id or str(uuid.uuid4()), "TopicArn": topic,
         "Timestamp": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime()),
         "SignatureVersion": version,
         "SigningCertURL": cert_url or
         "https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-test.pem"}
    if kind == "Notification":
        o["Message"] = message
        o["Subject"] = "Amazon SES Email Event Notification"
        fields = ["Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"]
    else:
        o["Message"] = "You have chosen to subscribe to the topic %s." % topic
        o["SubscribeURL"] = subscribe_url
        o["Token"] = "2336412f37fb687f5d51e6e2425c464de12884c1f"
        fields = ["Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"]
    canon = "".join("%s\n%s\n" % (f, o[f]) for f in fields)
    sig = subprocess.run(["openssl", "dgst", "-sha256" if version == "2" else "-sha1",
                          "-sign", key], input=canon.encode(), capture_output=True,
                         check=True).stdout
    o["Signature"] = base64.b64encode(sig).decode()
    if unsigned:
        del o["Signature"]
    if tamper:  # one byte of the signed message changed
        m = o["Message"]
        i = m.find("5.1.1")
        o["Message"] = m[:i] + "5.1.2" + m[i + 5:] if i >= 0 else m + " "
    return o

def ses_bounce(verp, email, diag="smtp; 550 5.1.1 <%s>: user unknown", btype="Permanent"):
    return json.dumps({"notificationType": "Bounce",
        "bounce": {"bounceType": btype, "bounceSubType": "General",
                   "bouncedRecipients": [{"emailAddress": email, "action": "failed",
                                          "status": "5.1.1", "diagnosticCode": diag % email}],
                   "timestamp": "2026-12-07T00:00:00.000Z", "feedbackId": "x"},
        "mail": {"source": verp, "messageId": "y", "destination": [email],
                 "headers": [{"name": "X-Mailroom-Id", "value": "<%s>" % verp}]}})

def ses_complaint(verp, email):
    return json.dumps({"notificationType": "Complaint",
        "complaint": {"complainedRecipients": [{"emailAddress": email}],
                      "complaintFeedbackType": "abuse"},
        "mail": {"source": verp, "messageId": "z", "destination": [email]}})

def mailgun(keyfile, event, verp, email, severity="permanent", age=0, token=None,
            bad_sig=False):
    key = open(keyfile).read().strip().encode()
    ts = str(int(time.time()) - age)
    tok = token or uuid.uuid4().hex
    sig = hmac.new(key, (ts + tok).encode(), hashlib.sha256).hexdigest()
    if bad_sig:
        sig = ("0" if sig[0] != "0" else "1") + sig[1:]
    ev = {"event": event, "recipient": email, "envelope": {"sender": verp},
          "timestamp": time.time(), "id": uuid.uuid4().hex}
    if event == "failed":
        ev["severity"] = severity
        ev["delivery-status"] = {"code": 550 if severity == "permanent" else 452,
                                 "message": "5.1.1 The email account that you tried to reach does not exist",
                                 "description": ""}
    return {"signature": {"timestamp": ts, "token": tok, "signature": sig}, "event-data": ev}

if __name__ == "__main__":
    kind = sys.argv[1]
    a = dict(x.split("=", 1) for x in sys.argv[2:])
    flags = {k: a.pop(k) == "1" for k in ("tamper", "unsigned", "bad_sig") if k in a}
    if kind == "ses-bounce":
        o = sns(a["key"], "Notification", a["topic"], ses_bounce(a["verp"], a["email"]),
                cert_url=a.get("cert_url"), message_id=a.get("id"),
                version=a.get("version", "2"), **{k: v for k, v in flags.items() if k != "bad_sig"})
    elif kind == "ses-complaint":
        o = sns(a["key"], "Notification", a["topic"], ses_complaint(a["verp"], a["email"]))
    elif kind == "sns-subscribe":
        o = sns(a["key"], "SubscriptionConfirmation", a["topic"], subscribe_url=a["url"])
    elif kind == "mailgun":
        o = mailgun(a["keyfile"], a["event"], a["verp"], a["email"], a.get("severity", "permanent"),
                    int(a.get("age", "0")), a.get("token"), flags.get("bad_sig", False))
    print(json.dumps(o))
