#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# Lists what the test SMTP server received: one line "TAG ADDRESS" per message file in DIR,
# TAG being the first word of the Subject (the mailing's tag), ADDRESS the envelope recipient.
import email.parser
import json
import os
import sys

d = sys.argv[1]
for name in sorted(os.listdir(d)):
    if not name.endswith(".json"):
        continue
    meta = json.load(open(os.path.join(d, name)))
    with open(os.path.join(d, name[:-5] + ".eml"), "rb") as f:
        hdr = email.parser.BytesHeaderParser().parse(f)
    tag = (hdr.get("Subject") or "").split(" ")[0]
    for r in meta["rcpt_tos"]:
        print(tag, r)
