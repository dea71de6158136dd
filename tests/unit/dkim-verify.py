#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# Verifies the DKIM signature of a message file with dkimpy, the key record given directly (no DNS).
# Usage: dkim-verify.py MESSAGE KEYRECORD_FILE ; exit 0 when the signature verifies.
import sys
import dkim

msg = open(sys.argv[1], 'rb').read()
record = open(sys.argv[2], 'rb').read().strip()


def dnsfunc(name, timeout=5):
    return record


ok = dkim.verify(msg, dnsfunc=dnsfunc)
print("dkimpy:", "pass" if ok else "fail")
sys.exit(0 if ok else 1)
