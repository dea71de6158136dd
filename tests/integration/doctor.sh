#!/bin/bash
# SPDX-License-Identifier: MIT
# mailroom doctor against a real DNS server (a private unbound on 127.0.0.1):
# table-driven, one site config per case, each check's verdict as documented.
. "$MR_SRCDIR/tests/lib.sh"
. "$MR_SRCDIR/tests/servers/unbound.sh"
unbound_start
W=$T_DIR/site
mkdir -p "$W/maildir/new" "$W/maildir/cur" "$W/maildir/tmp"
printf 's3cret-for-verp\n' > "$W/secret"
chmod 0600 "$W/secret"
cp "$KEYS"/*.pem "$W/"

/usr/bin/python3 - "$MAILROOM" "$W" "$DNS_PORT" "$DNS_V6" > "$T_DIR/results" 2>&1 <<'PY'
import json, subprocess, sys
mailroom, W, port, v6 = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4] == 'yes'
BASE = {
    'mailroom': {'site': 'doctor', 'store': 'sqlite', 'transport': 'spool',
                 'from': 'news@pass.test', 'secret_file': 'secret',
                 'resolver': '127.0.0.1:' + port, 'sending_ip': '192.0.2.10',
                 'helo_name': 'mail.pass.test', 'dnsbl_zones': 'bl.test',
                 'unsubscribe_url': 'https://pass.test/unsubscribe'},
    'store-sqlite': {'path': 'mailroom.db'},
    'transport-spool': {},
    'account-bounce': {'fetch': 'maildir', 'used_for': 'bounce', 'source': 'maildir',
                       'localpart': 'return+', 'domain': 'bounces.pass.test'},
    'dkim': {'selector': 'good', 'domain': 'pass.test', 'key_file': 'rsa.pem',
             'algorithm': 'rsa-sha256'},
}
n = 0
def conf(over):
    c = {s: dict(k) for s, k in BASE.items()}
    for key, v in over.items():
        sec, k = key.split(':') if ':' in key else ('mailroom', key)
        if k == '*':
            c.pop(sec, None)
            continue
        c.setdefault(sec, {})
        if v is None:
            c[sec].pop(k, None)
        else:
            c[sec][k] = v
    global n
    n += 1
    path = '%s/case%d.ini' % (W, n)
    with open(path, 'w') as f:
        for s, kv in c.items():
            f.write('[%s]\n' % s)
            for k, v in kv.items():
                f.write('%s = %s\n' % (k, v))
    return path
def doctor(over, json_out=True):
    p = subprocess.run([mailroom, '--config', conf(over), 'doctor'] + (['--json'] if json_out else []),
                       capture_output=True, text=True, timeout=60)
    return p
def report(ok, what, extra=''):
    print(('ok' if ok else 'not ok') + ' - ' + what)
    if not ok:
        for l in extra.splitlines()[:20]:
            print('#   ' + l)

# (what, overrides, check, verdict, text in the detail)
CASES = [
    ('From valid, MX', {}, 'from', 'ok', 'has MX mx.pass.test'),
    ('From missing', {'from': None}, 'from', 'fail', 'no From address configured'),
    ('From domain without MX or A', {'from': 'news@nowhere.test'}, 'from', 'fail', 'neither MX nor A'),
    ('From domain with A only', {'from': 'news@a-only.test'}, 'from', 'ok', 'no MX but an A'),
    ('SPF pass', {}, 'spf-from', 'ok', 'pass for 192.0.2.10: "v=spf1 ip4:192.0.2.10 -all"'),
    ('SPF fail', {'from': 'news@fail.test'}, 'spf-from', 'fail', 'From domain fail for 192.0.2.10'),
    ('SPF softfail', {'from': 'news@softfail.test'}, 'spf-from', 'warn', 'softfail'),
    ('SPF neutral', {'from': 'news@neutral.test'}, 'spf-from', 'warn', 'neutral'),
    ('SPF none', {'from': 'news@none.test'}, 'spf-from', 'fail', 'none for 192.0.2.10 (no SPF record)'),
    ('SPF include chain', {'from': 'news@include.test'}, 'spf-from', 'ok', 'pass'),
    ('SPF too many lookups (include chain)', {'from': 'news@toomany.test'}, 'spf-from', 'fail',
     'permerror for 192.0.2.10: "v=spf1 include:l1.toomany.test -all" - 13 DNS-querying'),
    ('SPF too many lookups (one record)', {'from': 'news@many.test'}, 'spf-from', 'fail', 'permerror'),
    ('SPF syntax error', {'from': 'news@syntax.test'}, 'spf-from', 'fail', 'permerror'),
    ('SPF unknown sending IP', {'sending_ip': None}, 'spf-from', 'warn', 'not checked'),
    ('sending IP from a loopback relay', {'sending_ip': None, 'transport': 'smtp',
     'transport-smtp:host': '127.0.0.1', 'transport-smtp:port': '2525', 'transport-smtp:tls': 'none'},
     'spf-from', 'warn', 'from loopback 127.0.0.1'),
    ('SPF of an IPv6 sending address', {'sending_ip': '2001:db8::10'}, 'spf-from', 'fail', 'fail for 2001:db8::10'),
    ('SPF of an IPv6 address listed with ip6:', {'sending_ip': '2001:db8::10', 'from': 'news@v6.test'},
     'spf-from', 'ok', 'pass for 2001:db8::10'),
    ('reverse DNS of an IPv6 address', {'sending_ip': '2001:db8::10'}, 'rdns', 'ok', 'PTR mail6.pass.test, forward-confirmed'),
    ('SPF of the Return-Path domain', {}, 'spf-return-path', 'ok', 'Return-Path domain pass'),
    ('SPF fail of the Return-Path domain', {'account-bounce:domain': 'bounces-fail.test'},
     'spf-return-path', 'fail', 'Return-Path domain fail'),
    ('DKIM key matches', {}, 'dkim', 'ok', 'good._domainkey.pass.test (rsa) matches'),
    ('DKIM key of another pair', {'dkim:selector': 'other'}, 'dkim', 'fail', 'does not match'),
    ('DKIM key missing', {'dkim:selector': 'missing'}, 'dkim', 'fail', 'NXDOMAIN'),
    ('DKIM Ed25519 key matches', {'dkim:selector': 'ed', 'dkim:key_file': 'ed.pem',
                                  'dkim:algorithm': 'ed25519-sha256'}, 'dkim', 'ok', '(ed25519) matches'),
    ('DKIM algorithm differs from key', {'dkim:algorithm': 'ed25519-sha256'}, 'dkim', 'fail', 'k=rsa key'),
    ('DKIM key of 1024 bits', {'dkim:selector': 'short', 'dkim:key_file': 'rsa-short.pem'}, 'dkim', 'warn', 'is 1024 bits'),
    ('DKIM key revoked', {'dkim:selector': 'revoked'}, 'dkim', 'fail', 'revoked'),
    ('DKIM key in testing mode', {'dkim:selector': 'testing'}, 'dkim', 'warn', 't=y'),
    ('DKIM not configured', {'dkim:*': None}, 'dkim', 'fail', 'no [dkim] section'),
    ('DMARC reject', {}, 'dmarc', 'ok', 'policy reject'),
    ('DMARC none', {'from': 'news@softfail.test'}, 'dmarc', 'warn', 'policy none'),
    ('DMARC missing', {'from': 'news@none.test'}, 'dmarc', 'fail', 'no DMARC record'),
    ('DMARC of the organizational domain', {'from': 'news@sub.pass.test'}, 'dmarc', 'ok', '_dmarc.pass.test policy reject'),
    ('DMARC sp= of the organizational domain for a subdomain', {'from': 'x@news.sp.test'}, 'dmarc', 'warn',
     '_dmarc.sp.test policy none'),
    ('DMARC alignment relaxed', {}, 'dmarc-alignment', 'ok', 'Return-Path bounces.pass.test aligned'),
    ('DMARC strict alignment, SPF not aligned', {'from': 'news@strict.test', 'dkim:domain': 'strict.test',
     'account-bounce:domain': 'bounces.strict.test'}, 'dmarc-alignment', 'warn', 'bounces.strict.test not aligned (strict)'),
    ('DMARC nothing aligned', {'dkim:domain': 'other.test', 'account-bounce:domain': 'other.test'},
     'dmarc-alignment', 'fail', 'DMARC fails'),
    ('reverse DNS forward-confirmed', {}, 'rdns', 'ok', 'PTR mail.pass.test, forward-confirmed'),
    ('reverse DNS not forward-confirmed', {'sending_ip': '192.0.2.20'}, 'rdns', 'fail', 'does not resolve back'),
    ('reverse DNS missing', {'sending_ip': '192.0.2.30'}, 'rdns', 'fail', 'no reverse DNS'),
    ('HELO matches PTR', {}, 'helo', 'ok', 'matches'),
    ('HELO differs from PTR', {'helo_name': 'other.pass.test'}, 'helo', 'warn', 'differs from the PTR name mail.pass.test'),
    ('DNSBL not listed', {}, 'dnsbl bl.test', 'ok', 'not listed'),
    ('DNSBL listed', {'sending_ip': '192.0.2.66'}, 'dnsbl bl.test', 'fail', 'LISTED in bl.test (127.0.0.2): listed for testing'),
    ('bounce account opens', {}, 'bounce-account', 'ok', '[account-bounce] opened'),
    ('bounce account broken', {'account-bounce:source': 'no-such-maildir'}, 'bounce-account', 'fail', 'account-bounce'),
    ('no bounce account', {'account-bounce:*': None}, 'bounce-account', 'warn', 'no bounce account'),
    ('no bounce account: no Return-Path domain', {'account-bounce:*': None}, 'spf-return-path', 'warn',
     'no Return-Path domain to check'),
    ('VERP domain has MX', {}, 'verp-mx', 'ok', 'has MX'),
    ('VERP domain with A only', {'account-bounce:domain': 'a-only.test'}, 'verp-mx', 'warn', 'no MX'),
    ('VERP domain without mail', {'account-bounce:domain': 'nowhere.test'}, 'verp-mx', 'fail', 'accepts no mail'),
    ('List-Unsubscribe one-click', {}, 'list-unsubscribe', 'ok', 'one-click'),
    ('List-Unsubscribe mailto', {'unsubscribe_url': 'mailto:unsub@pass.test'}, 'list-unsubscribe', 'warn', 'not one-click'),
    ('List-Unsubscribe missing', {'unsubscribe_url': None}, 'list-unsubscribe', 'warn', 'no List-Unsubscribe'),
]
for what, over, check, verdict, text in CASES:
    p = doctor(over)
    try:
        out = json.loads(p.stdout)
        got = [c for c in out['checks'] if c['check'] == check]
    except Exception as e:
        report(False, what, 'unreadable output (%s): %s %s' % (e, p.stdout, p.stderr))
        continue
    good = len(got) == 1 and got[0]['verdict'] == verdict and text in got[0]['detail']
    if good and verdict != 'ok':
        good = bool(got[0].get('fix'))
    report(good, '%s: %s is %s' % (what, check, verdict),
           'got: %s\nstderr: %s' % (json.dumps(got), p.stderr))

# exit codes and the text form
p = doctor({})
out = json.loads(p.stdout)
report(p.returncode == 0 and out['warn'] == 0 and out['fail'] == 0 and out['exit'] == 0,
       'all checks ok: exit 0', p.stdout)
p = doctor({'unsubscribe_url': 'mailto:u@pass.test', 'helo_name': 'x.pass.test'})
report(p.returncode == 1, 'warnings only: exit 1 (got %d)' % p.returncode, p.stdout)
p = doctor({'from': 'news@fail.test'})
report(p.returncode == 2, 'a failure: exit 2 (got %d)' % p.returncode, p.stdout)
p = doctor({}, json_out=False)
print('# the all-ok site, as text:')
for l in p.stdout.splitlines():
    print('#   ' + l)
p = doctor({'from': 'news@fail.test'}, json_out=False)
lines = p.stdout.splitlines()
report(any(l.startswith('fail spf-from ') for l in lines) and
       any('-> add ip4:192.0.2.10' in l for l in lines) and
       any(l.startswith('ok   dkim ') for l in lines) and
       lines[-1].endswith('failures') or lines[-1].endswith('failure'),
       'text output: one line per check, the fix under it', p.stdout)
p = doctor({'from': 'not an address'})
report(p.returncode == 78 and 'from = not an address' in p.stderr,
       'an invalid From address is a configuration error (exit 78)', p.stderr)
p = doctor({'dkm:selector': 'good'})
report(p.returncode == 78 and 'unknown section [dkm] (did you mean [dkim]?)' in p.stderr,
       'a misspelt [dkim] section is named with the right one', p.stderr)
p = doctor({'dkim:algoritm': 'rsa-sha256'})
report(p.returncode == 78 and "[dkim] unknown key 'algoritm' (did you mean 'algorithm'?)" in p.stderr,
       'an unknown [dkim] key is named with the right one', p.stderr)
p = doctor({'dkim:algorithm': 'dsa'})
report(p.returncode == 78 and 'algorithm' in p.stderr, 'a [dkim] algorithm outside the list is refused', p.stderr)
p = doctor({'resolver': 'dns.example:53'})
report(p.returncode == 78 and 'not an IPv4 address' in p.stderr and 'case' in p.stderr,
       'a resolver given by name is a configuration error naming the file', p.stderr)
# the resolver over IPv6: the same unbound on [::1]
if v6:
    p = doctor({'resolver': '[::1]:' + port})
    out = json.loads(p.stdout) if p.stdout.startswith('{') else {}
    spf = [c for c in out.get('checks', []) if c['check'] == 'spf-from']
    report(p.returncode == 0 and out.get('fail') == 0 and out.get('warn') == 0,
           'resolver = [::1]:PORT: every check ok over IPv6 (exit %d)' % p.returncode,
           p.stdout + p.stderr)
    report(spf and 'pass for 192.0.2.10' in spf[0]['detail'],
           'resolver = [::1]:PORT: the SPF record came over IPv6', p.stdout)
else:
    print('skip - no IPv6 loopback (::1) on this machine: the resolver over IPv6 is not tried')
for bad, said in (('[::1', 'want [IPV6]:PORT'), ('[::1]:0', "bad port '0'"),
                  ('[::1]x', 'want [IPV6]:PORT'), ('fe80::zz', "'fe80::zz' is not an IPv6 address"),
                  ('[127.0.0.1]:53', 'is not an IPv6 address')):
    p = doctor({'resolver': bad})
    report(p.returncode == 78 and said in p.stderr,
           'resolver = %s is a configuration error: %s' % (bad, said), p.stderr)
PY
while IFS= read -r line; do
	case $line in
	"ok - "*) ok "${line#ok - }" ;;
	"not ok - "*) not_ok "${line#not ok - }" ;;
	"skip - "*) skip "${line#skip - }" ;;
	*) echo "$line" ;;
	esac
done < "$T_DIR/results"
[ "$T_N" -ge 45 ] || not_ok "the case table ran ($T_N results)"

# a DNS server that never answers: doctor gives up after two timeouts
# instead of waiting on every query, and says so
BH_PORT=$(free_port)
/usr/bin/python3 -c 'import socket,sys,time
s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); s.bind(("127.0.0.1",int(sys.argv[1])))
open(sys.argv[2],"w").close()
end=time.time()+120
while time.time()<end:
    s.settimeout(1)
    try: s.recvfrom(4096)
    except OSError: pass' "$BH_PORT" "$T_DIR/bh.ready" &
started $!
for _ in $(seq 50); do [ -e "$T_DIR/bh.ready" ] && break; sleep 0.1; done
sed "s/^resolver = .*/resolver = 127.0.0.1:$BH_PORT/" "$W/case1.ini" > "$W/blackhole.ini"
t0=$(date +%s)
"$MAILROOM" --config "$W/blackhole.ini" doctor > "$T_DIR/bh.out" 2>&1
rc=$?
t1=$(date +%s)
check_eq "unanswered DNS: warnings, exit 1" "$rc" 1
check "unanswered DNS: done in under 30 s ($((t1 - t0)) s)" [ $((t1 - t0)) -lt 30 ]
check_grep "unanswered DNS: said so" "does not answer (not asked again after two timeouts)" "$T_DIR/bh.out"
check_grep "unanswered DNS: SPF is a temperror, a warning" "^warn spf-from .* temperror" "$T_DIR/bh.out"
done_testing
