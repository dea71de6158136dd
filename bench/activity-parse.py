#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# The reference side of bench/activity-parse.sh: Python's email parser reading the same message files.
"""usage: activity-parse.py LISTFILE [--decode]

Parses every file named in LISTFILE (one path a line) with
BytesParser(policy=email.policy.default) and walks its parts (content type
and file name of each).  With --decode it also decodes every leaf's payload
(the work mailroom does for attachments).  Prints the message count.
"""
import sys
from email import policy
from email.parser import BytesParser


def main():
    decode = "--decode" in sys.argv
    parser = BytesParser(policy=policy.default)
    n = parts = 0
    with open(sys.argv[1], encoding="utf-8") as lf:
        for path in lf:
            path = path.rstrip("\n")
            with open(path, "rb") as f:
                msg = parser.parse(f)
            for part in msg.walk():
                part.get_content_type()
                part.get_filename()
                parts += 1
                if decode and not part.is_multipart():
                    part.get_payload(decode=True)
            n += 1
    print("%d messages, %d parts" % (n, parts))


if __name__ == "__main__":
    main()
