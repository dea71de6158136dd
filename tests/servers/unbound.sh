# SPDX-License-Identifier: MIT
# Starts a private unbound (DNS) on 127.0.0.1 serving the test zones of the
# doctor and inspect tests (SPF, DKIM, DMARC, PTR, a DNSBL) and makes the keys
# those zones publish.  Source it after tests/lib.sh, then call unbound_start.
# Sets DNS_PORT, DNS_V6 (yes when it also listens on [::1]:DNS_PORT), KEYS (rsa.pem, rsa-other.pem, rsa-short.pem, rsa-weak.pem (512 bits), ed.pem, ed.seed)
# and Z (the zone file); the server's PID is registered with `started`.
# Everything lives under $T_DIR/dns.

# unbound_start: makes the keys and zones, starts unbound on a free port and
# waits (up to 10 s) until it listens; bails out when it does not
unbound_start() {
	needs unbound openssl
	KEYS=$T_DIR/keys
	mkdir -p "$KEYS" "$T_DIR/dns"
	openssl genrsa -traditional -out "$KEYS/rsa.pem" 2048 2>/dev/null
	openssl genrsa -traditional -out "$KEYS/rsa-other.pem" 2048 2>/dev/null
	openssl genrsa -traditional -out "$KEYS/rsa-short.pem" 1024 2>/dev/null
	openssl genrsa -traditional -out "$KEYS/rsa-weak.pem" 512 2>/dev/null
	openssl genpkey -algorithm ed25519 -out "$KEYS/ed.pem" 2>/dev/null
	openssl pkey -in "$KEYS/ed.pem" -outform DER 2>/dev/null | tail -c 32 | base64 -w0 > "$KEYS/ed.seed"
	chmod 0600 "$KEYS"/*.pem
	rsa_pub() { openssl rsa -in "$1" -pubout -outform DER 2>/dev/null | base64 -w0; }
	RSA_P=$(rsa_pub "$KEYS/rsa.pem")
	OTHER_P=$(rsa_pub "$KEYS/rsa-other.pem")
	ED_P=$(openssl pkey -in "$KEYS/ed.pem" -pubout -outform DER 2>/dev/null | tail -c 32 | base64 -w0)
	# a TXT record's text as quoted strings of at most 200 bytes
	txt() { /usr/bin/python3 -c 'import sys; s=sys.argv[1]; print(" ".join("\"%s\"" % s[i:i+200] for i in range(0, len(s), 200)))' "$1"; }
	DNS_PORT=$(free_port)
	Z=$T_DIR/dns/zones.conf
	{
		echo 'local-zone: "test." static'
		echo 'local-zone: "2.0.192.in-addr.arpa." static'
		echo 'local-zone: "8.b.d.0.1.0.0.2.ip6.arpa." static'
		rr() { echo "local-data: '$*'"; }
		# MX and A records
		for d in pass.test fail.test softfail.test neutral.test none.test include.test \
			toomany.test many.test syntax.test strict.test bounces.pass.test bounces.strict.test \
			bounces-fail.test other.test sub.pass.test; do
			rr "$d. MX 10 mx.pass.test."
		done
		rr "mx.pass.test. A 192.0.2.1"
		rr "a-only.test. A 192.0.2.2"
		# SPF: pass, fail, softfail, neutral, none, an include chain, too many lookups, syntax error
		rr "pass.test. TXT \"v=spf1 ip4:192.0.2.10 -all\""
		rr "sub.pass.test. TXT \"v=spf1 ip4:192.0.2.10 -all\""
		rr "bounces.pass.test. TXT \"v=spf1 ip4:192.0.2.10 -all\""
		rr "bounces.strict.test. TXT \"v=spf1 ip4:192.0.2.10 -all\""
		rr "strict.test. TXT \"v=spf1 ip4:192.0.2.10 -all\""
		rr "other.test. TXT \"v=spf1 ip4:192.0.2.10 -all\""
		rr "fail.test. TXT \"v=spf1 ip4:198.51.100.1 -all\""
		rr "bounces-fail.test. TXT \"v=spf1 ip4:198.51.100.1 -all\""
		rr "softfail.test. TXT \"v=spf1 ip4:198.51.100.1 ~all\""
		rr "neutral.test. TXT \"v=spf1 ?all\""
		rr "none.test. TXT \"just some text\""
		rr "include.test. TXT \"v=spf1 include:one.include.test -all\""
		rr "one.include.test. TXT \"v=spf1 include:two.include.test -all\""
		rr "two.include.test. TXT \"v=spf1 ip4:198.51.100.0/24 ip4:192.0.2.0/24 -all\""
		for i in 1 2 3 4 5 6 7 8 9 10 11 12; do
			rr "l$i.toomany.test. TXT \"v=spf1 include:l$((i + 1)).toomany.test -all\""
		done
		rr "l13.toomany.test. TXT \"v=spf1 ip4:192.0.2.10 -all\""
		rr "toomany.test. TXT \"v=spf1 include:l1.toomany.test -all\""
		rr "many.test. TXT \"v=spf1 a:h1.test a:h2.test a:h3.test a:h4.test a:h5.test a:h6.test a:h7.test a:h8.test a:h9.test a:h10.test a:h11.test ip4:192.0.2.10 -all\""
		rr "syntax.test. TXT \"v=spf1 ip4:192.0.2.300 frobnicate:x -all\""
		# DKIM keys: matching, another key, Ed25519, revoked, testing mode
		rr "good._domainkey.pass.test. TXT $(txt "v=DKIM1; k=rsa; p=$RSA_P")"
		rr "other._domainkey.pass.test. TXT $(txt "v=DKIM1; k=rsa; p=$OTHER_P")"
		rr "ed._domainkey.pass.test. TXT \"v=DKIM1; k=ed25519; p=$ED_P\""
		rr "short._domainkey.pass.test. TXT $(txt "v=DKIM1; k=rsa; p=$(rsa_pub "$KEYS/rsa-short.pem")")"
		rr "revoked._domainkey.pass.test. TXT \"v=DKIM1; k=rsa; p=\""
		rr "weak._domainkey.pass.test. TXT $(txt "v=DKIM1; k=rsa; p=$(rsa_pub "$KEYS/rsa-weak.pem")")"
		rr "testing._domainkey.pass.test. TXT $(txt "v=DKIM1; k=rsa; t=y; p=$RSA_P")"
		# the keys of RFC 8463's example (its Appendix A.2), to verify that message
		echo 'local-zone: "football.example.com." static'
		rr "brisbane._domainkey.football.example.com. TXT \"v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\""
		rr "test._domainkey.football.example.com. TXT \"v=DKIM1; k=rsa; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDkHlOQoBTzWRiGs5V6NpP3idY6Wk08a5qhdR6wy5bdOKb2jLQiY/J16JYi0Qvx/byYzCNb3W91y3FutACDfzwQ/BC/e/8uBsCR+yz1Lxj+PL6lHvqMKrM3rG4hstT5QjvHO9PzoxZyVYLzBfO2EeC3Ip3G+2kryOTIKT+l/K4w3QIDAQAB\""
		rr "good._domainkey.strict.test. TXT $(txt "v=DKIM1; k=rsa; p=$RSA_P")"
		rr "good._domainkey.other.test. TXT $(txt "v=DKIM1; k=rsa; p=$RSA_P")"
		# DMARC: reject, none, absent (none.test), strict alignment
		rr "_dmarc.pass.test. TXT \"v=DMARC1; p=reject; rua=mailto:dmarc@pass.test\""
		rr "_dmarc.sp.test. TXT \"v=DMARC1; p=reject; sp=none\""
		rr "news.sp.test. MX 10 mx.pass.test."
		rr "_dmarc.softfail.test. TXT \"v=DMARC1; p=none\""
		rr "_dmarc.strict.test. TXT \"v=DMARC1; p=quarantine; adkim=s; aspf=s\""
		# reverse DNS: confirmed, PTR not resolving back, none for 192.0.2.30
		rr "10.2.0.192.in-addr.arpa. PTR mail.pass.test."
		rr "mail.pass.test. A 192.0.2.10"
		rr "20.2.0.192.in-addr.arpa. PTR wrong.pass.test."
		rr "wrong.pass.test. A 192.0.2.99"
		rr "66.2.0.192.in-addr.arpa. PTR listed.pass.test."
		rr "listed.pass.test. A 192.0.2.66"
		rr "0.1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa. PTR mail6.pass.test."
		rr "mail6.pass.test. AAAA 2001:db8::10"
		rr "v6.test. TXT \"v=spf1 ip6:2001:db8::/32 -all\""
		# the DNSBL lists 192.0.2.66
		rr "66.2.0.192.bl.test. A 127.0.0.2"
		rr "66.2.0.192.bl.test. TXT \"listed for testing\""
	} > "$Z"
	# on ::1 as well when the machine has an IPv6 loopback (DNS_V6=yes)
	DNS_V6=no V6_LINES=
	if ip -6 addr show dev lo 2>/dev/null | grep -q 'inet6 ::1/128'; then
		DNS_V6=yes
		V6_LINES=$(printf '\tinterface: ::1@%s\n\taccess-control: ::1/128 allow' "$DNS_PORT")
	fi
	cat > "$T_DIR/dns/unbound.conf" <<-EOF
	server:
		interface: 127.0.0.1@$DNS_PORT
	$V6_LINES
		port: $DNS_PORT
		do-ip6: $DNS_V6
		do-daemonize: no
		username: ""
		chroot: ""
		directory: "$T_DIR/dns"
		pidfile: "$T_DIR/dns/unbound.pid"
		logfile: "$T_DIR/dns/unbound.log"
		use-syslog: no
		verbosity: 1
		access-control: 127.0.0.0/8 allow
		module-config: "iterator"
		do-not-query-localhost: yes
		local-zone: "." refuse
		include: "$Z"
	remote-control:
		control-enable: no
	EOF
	unbound -c "$T_DIR/dns/unbound.conf" -d >"$T_DIR/dns/unbound.out" 2>&1 &
	started $!
	if ! wait_port "$DNS_PORT" 10; then
		echo "Bail out! unbound did not start:"; sed 's/^/# /' "$T_DIR/dns/unbound.out" "$T_DIR/dns/unbound.log" 2>/dev/null
		exit 1
	fi
}
