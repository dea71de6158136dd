#!/bin/bash
# SPDX-License-Identifier: MIT
# mailroom inspect on saved messages: Received hops, SPF/DKIM/DMARC results,
# DKIM signatures (signed here with python3-dkim, keys in a private unbound)
# verified now, tampered copies failing, VERP Return-Path hash, List-Unsubscribe.
. "$MR_SRCDIR/tests/lib.sh"
. "$MR_SRCDIR/tests/servers/unbound.sh"
unbound_start
W=$T_DIR/site
mkdir -p "$W"
printf 's3cret-for-verp\n' > "$W/secret"
chmod 0600 "$W/secret"
cat > "$W/site.ini" <<EOF
[mailroom]
from = news@pass.test
secret_file = secret
resolver = 127.0.0.1:$DNS_PORT
[account-bounce]
fetch = maildir
used_for = bounce
source = maildir
localpart = return+
domain = bounces.pass.test
EOF
# the messages: signed rsa relaxed/simple, ed25519 relaxed/relaxed, rsa
# simple/simple; tampered copies; LF line endings; a forged VERP hash
/usr/bin/python3 - "$KEYS" "$W" <<'PY'
import dkim, hmac, hashlib, sys
keys, W = sys.argv[1], sys.argv[2]
h = hmac.new(b's3cret-for-verp', b'b.12.345', hashlib.sha256).hexdigest()[:16]
verp = 'return+b.12.345.%s@bounces.pass.test' % h
msg = ('Return-Path: <%s>\r\n'
       'Received: from mx.pass.test (mx.pass.test [192.0.2.1])\r\n'
       '\tby mx.receiver.test with ESMTPS id 77 (version=TLS1_3 cipher=TLS_AES_256_GCM_SHA384)\r\n'
       '\tfor <ann@receiver.test>; Mon, 6 Jan 2025 10:00:07 +0100\r\n'
       'Received: from mail.pass.test (mail.pass.test [192.0.2.10]) (using TLSv1.3 with cipher\r\n'
       '\tTLS_AES_256_GCM_SHA384 (256/256 bits)) (No client certificate requested)\r\n'
       '\tby mx.pass.test (Postfix) with ESMTPS id 42; Mon, 6 Jan 2025 09:00:02 +0000\r\n'
       'Received: from localhost by mail.pass.test with LMTP; Mon, 6 Jan 2025 09:00:00 +0000\r\n'
       'Received-SPF: pass (receiver.test: domain of bounces.pass.test designates 192.0.2.10 as permitted sender) client-ip=192.0.2.10;\r\n'
       'Authentication-Results: mx.receiver.test;\r\n'
       '\tdkim=pass header.d=pass.test header.s=good;\r\n'
       '\tspf=pass smtp.mailfrom=bounces.pass.test;\r\n'
       '\tdmarc=pass (p=REJECT) header.from=pass.test\r\n'
       'From: News <news@pass.test>\r\n'
       'To: ann@receiver.test\r\n'
       'Subject: Our   spring newsletter\r\n'
       'Date: Mon, 6 Jan 2025 09:00:00 +0000\r\n'
       'Message-ID: <1.2@pass.test>\r\n'
       'List-Unsubscribe: <https://pass.test/u/1/abc>, <mailto:%s>\r\n'
       'List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n'
       'MIME-Version: 1.0\r\n'
       'Content-Type: text/plain; charset=utf-8\r\n'
       '\r\n'
       'Hello Ann,  \r\n'
       '\r\n'
       'the garden  opens on Saturday.\r\n'
       '\r\n\r\n') % (verp, verp.replace('b.', 'u.', 1))
msg = msg.encode()
hdrs = [b'from', b'to', b'subject', b'date', b'message-id', b'list-unsubscribe',
        b'list-unsubscribe-post', b'mime-version', b'content-type']
rsa = open(keys + '/rsa.pem', 'rb').read()
ed = open(keys + '/ed.seed', 'rb').read().strip()
def sign(m, **kw):
    return dkim.sign(m, kw.pop('sel'), b'pass.test', kw.pop('key'), include_headers=hdrs, **kw) + m
def put(name, data):
    open('%s/%s.eml' % (W, name), 'wb').write(data)
rs = sign(msg, sel=b'good', key=rsa, canonicalize=(b'relaxed', b'simple'))
put('rsa', rs)
put('ed', sign(msg, sel=b'ed', key=ed, canonicalize=(b'relaxed', b'relaxed'),
               signature_algorithm=b'ed25519-sha256'))
put('simple', sign(msg, sel=b'good', key=rsa, canonicalize=(b'simple', b'simple')))
put('otherkey', sign(msg, sel=b'other', key=rsa))
# a 512-bit RSA key: RFC 8301 says it must not verify
put('weak', sign(msg, sel=b'weak', key=open(keys + '/rsa-weak.pem', 'rb').read()))
put('tampered-body', rs.replace(b'Saturday', b'Sunday'))
put('tampered-subject', rs.replace(b'spring newsletter', b'summer newsletter'))
# relaxed canonicalisation tolerates whitespace changes in headers
put('refolded', rs.replace(b'Subject: Our   spring', b'Subject:  Our spring'))
put('lf', rs.replace(b'\r\n', b'\n'))
put('forged-verp', rs.replace(h.encode(), b'0' * 16))
import re
nf = re.sub(rb'(h=\s*)from\s*:\s*', rb'\1', rs, count=1)
assert nf != rs
put('no-from', nf)
put('unsigned', b'From: x@pass.test\r\nSubject: hi\r\n\r\nbody\r\n')
PY
insp() { "$MAILROOM" --config "$W/site.ini" inspect "$W/$1.eml" --json > "$T_DIR/$1.json" 2>"$T_DIR/$1.err"; }
field() { /usr/bin/python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$T_DIR/$1.json" "$2"; }

insp rsa
check_eq "rsa-sha256 relaxed/simple verifies" "$(field rsa "d['dkim'][0]['result']")" pass
check_eq "the signature's domain and selector" "$(field rsa "(d['dkim'][0]['domain'], d['dkim'][0]['selector'], d['dkim'][0]['canonicalization'])")" "('pass.test', 'good', 'relaxed/simple')"
check_eq "three Received hops, first hop first" "$(field rsa "[(h['hop'], h['by'], h['with'], h['tls']) for h in d['received']]")" \
	"[(1, 'mail.pass.test', 'LMTP', False), (2, 'mx.pass.test', 'ESMTPS', True), (3, 'mx.receiver.test', 'ESMTPS', True)]"
check_eq "hop times in UTC and delays" "$(field rsa "[(h['date'], h.get('delay')) for h in d['received']]")" \
	"[('2025-01-06 09:00:00 UTC', None), ('2025-01-06 09:00:02 UTC', 2), ('2025-01-06 09:00:07 UTC', 5)]"
check_eq "Received-SPF result" "$(field rsa "d['received_spf']['result']")" pass
check_eq "Authentication-Results spf, dkim, dmarc" "$(field rsa "d['authentication_results']")" \
	"{'spf': 'pass', 'dkim': 'pass', 'dmarc': 'pass'}"
check_eq "Return-Path is a VERP address of this site with a good hash" "$(field rsa "d['return_path']['verp']")" valid
check_grep "VERP fields shown" "job 12, queue 345" "$T_DIR/rsa.json"
check_eq "List-Unsubscribe one-click" "$(field rsa "(d['one_click'], d['list_unsubscribe'].startswith('<https://pass.test/u/1/abc>'))")" "(True, True)"
check_eq "DMARC alignment computed now" "$(field rsa "d['alignment']")" \
	"{'from_domain': 'pass.test', 'dkim_aligned': True, 'return_path_aligned': True}"
# a hostile Received date: a zone of eight digits and a huge year are no date
# (this overflowed an int before)
sed 's/09:00:02 +0000/09:00:02 +99999999/; s/Mon, 6 Jan 2025 10:00:07 +0100/Mon, 6 Jan 2147483647 10:00:07 +0100/' "$W/rsa.eml" > "$W/baddate.eml"
insp baddate
check_eq "a hostile Received zone and year: no overflow, hops still listed" "$(field baddate "len(d['received'])")" 3
# obsolete years (RFC 5322 4.3: 00-49 are 20xx, 50-99 19xx, three digits +1900)
# and a date before 1970 (fuzz-received: no date, not a negative time)
sed 's/Mon, 6 Jan 2025 09:00:00 +0000/6 Jan 99 09:00:00 +0000/; s/Mon, 6 Jan 2025 09:00:02 +0000/Mon, 6 Jan 125 09:00:02 +0000/; s/Mon, 6 Jan 2025 10:00:07 +0100/1 Jan 1970 00:30:00 +0100/' "$W/rsa.eml" > "$W/oldyears.eml"
insp oldyears
check_eq "two- and three-digit Received years; a date before 1970 is no date" \
	"$(field oldyears "[h['date'] for h in d['received']]")" "['1999-01-06 09:00:00 UTC', '2025-01-06 09:00:02 UTC', '']"
insp ed
check_eq "ed25519-sha256 relaxed/relaxed verifies" "$(field ed "(d['dkim'][0]['result'], d['dkim'][0]['algorithm'])")" "('pass', 'ed25519-sha256')"
insp simple
check_eq "rsa-sha256 simple/simple verifies" "$(field simple "d['dkim'][0]['result']")" pass
insp refolded
check_eq "relaxed header canonicalisation tolerates whitespace" "$(field refolded "d['dkim'][0]['result']")" pass
insp lf
check_eq "a copy saved with LF line endings verifies" "$(field lf "d['dkim'][0]['result']")" pass
insp tampered-body
check_eq "tampered body fails" "$(field tampered-body "d['dkim'][0]['result']")" fail
check_grep "tampered body: body hash mismatch named" "body hash mismatch" "$T_DIR/tampered-body.json"
check_eq "tampered body: DKIM no longer aligns" "$(field tampered-body "d['alignment']['dkim_aligned']")" False
insp tampered-subject
check_eq "tampered Subject fails" "$(field tampered-subject "d['dkim'][0]['result']")" fail
check_grep "tampered Subject: signature does not verify" "signature does not verify" "$T_DIR/tampered-subject.json"
insp otherkey
check_eq "signed with a key that is not the published one fails" "$(field otherkey "d['dkim'][0]['result']")" fail
insp weak
check_eq "a 512-bit RSA key does not verify (RFC 8301)" "$(field weak "(d['dkim'][0]['result'], d['dkim'][0]['why'])")" \
	"('permerror', 'the key of weak._domainkey.pass.test is a 512-bit RSA key: keys under 1024 bits do not verify (RFC 8301)')"
check_eq "a 512-bit RSA key: DKIM does not align" "$(field weak "d['alignment']['dkim_aligned']")" False
insp forged-verp
check_eq "a forged VERP hash is recognised" "$(field forged-verp "d['return_path']['verp']")" bad-hash
insp no-from
check_eq "a signature not covering From is a permerror" "$(field no-from "(d['dkim'][0]['result'], d['dkim'][0]['why'])")" "('permerror', 'h= does not include From (RFC 6376 5.4)')"
insp unsigned
check_eq "an unsigned message has no DKIM results" "$(field unsigned "(d['dkim'], d['return_path']['verp'], d['one_click'])")" "([], 'none', False)"
# RFC 8463's example message, signed by its authors with Ed25519 and RSA
rfc=${MR_CORPUS:-$MR_SRCDIR/../shared/corpus}/messages/jstedfast-MimeKit/UnitTests/TestData/dkim/rfc8463-example.msg
if [ -f "$rfc" ]; then
	cp "$rfc" "$W/rfc8463.eml"
	insp rfc8463
	check_eq "RFC 8463 example: both signatures verify" "$(field rfc8463 "[(x['algorithm'], x['selector'], x['result']) for x in d['dkim']]")" \
		"[('ed25519-sha256', 'brisbane', 'pass'), ('rsa-sha256', 'test', 'pass')]"
	sed 's/We lost the game/We won the game/' "$rfc" > "$W/rfc8463-changed.eml"
	insp rfc8463-changed
	check_eq "RFC 8463 example changed: both fail" "$(field rfc8463-changed "[x['result'] for x in d['dkim']]")" "['fail', 'fail']"
else
	T_N=$((T_N + 1)); echo "ok $T_N # SKIP the corpus is absent: no RFC 8463 example at $rfc"
fi
# the text form
"$MAILROOM" --config "$W/site.ini" inspect "$W/rsa.eml" > "$T_DIR/rsa.txt" 2>&1
check_grep "text: DKIM line" "^DKIM-Signature d=pass.test s=good a=rsa-sha256 c=relaxed/simple: pass" "$T_DIR/rsa.txt"
check_grep "text: TLS hop" "3. from mx.pass.test by mx.receiver.test with ESMTPS, TLS, 2025-01-06 09:00:07 UTC (+5s)" "$T_DIR/rsa.txt"
check_grep "text: Return-Path" "^Return-Path: return+b.12.345.*hash good" "$T_DIR/rsa.txt"
check_grep "text: alignment" "^DMARC alignment (relaxed): From pass.test; DKIM aligned by d=pass.test; Return-Path bounces.pass.test aligned" "$T_DIR/rsa.txt"
check_grep "text: one-click" "^List-Unsubscribe-Post: List-Unsubscribe=One-Click (one-click, RFC 8058)" "$T_DIR/rsa.txt"
# without the DNS server the signature cannot be checked now: temperror
sed -i "s/^resolver = .*/resolver = 127.0.0.1:$(free_port)/" "$W/site.ini"
insp rsa
check_eq "no DNS answer: temperror" "$(field rsa "d['dkim'][0]['result']")" temperror
"$MAILROOM" --config "$W/site.ini" inspect "$W/no-such.eml" >/dev/null 2>"$T_DIR/nofile.err"
check_eq "a missing file: exit 66" "$?" 66
done_testing
