#!/bin/bash
# SPDX-License-Identifier: MIT
# etc/mailroom.ini documents every key of every built plugin (and of the core),
# each in a block for its own section kind.
. "$MR_SRCDIR/tests/lib.sh"
ini=$MR_SRCDIR/etc/mailroom.ini
"$MAILROOM" --config /nonexistent plugins --json > "$T_DIR/plugins.json"
/usr/bin/python3 - "$ini" "$T_DIR/plugins.json" <<'PY'
import json, re, sys
ini = open(sys.argv[1], encoding='utf-8').read().splitlines()
# which kind-name block each line of the file belongs to: [x] or ;[x] headers
blocks, current = {}, None
for line in ini:
    m = re.match(r'^\s*;?\s*\[([a-z0-9_-]+)\]', line)
    if m:
        current = m.group(1)
        continue
    if current:
        blocks.setdefault(current, []).append(line)
n = 0
for line in open(sys.argv[2]):
    p = json.loads(line)
    if not p.get('loadable') or '/tests/' in p['path']:
        continue
    section = '%s-%s' % ({'fetch': 'account'}.get(p['kind'], p['kind']), p['name'])
    # accounts are named freely: any [account-*] block using this fetch plugin
    cands = [b for b in blocks if b == section or
             (p['kind'] == 'fetch' and b.startswith('account-') and
              any(re.match(r'^\s*;?\s*fetch\s*=\s*%s\b' % p['name'], l) for l in blocks[b]))]
    text = '\n'.join(l for b in cands for l in blocks[b])
    for k in p['keys']:
        n += 1
        name = k['name'] + ('_file' if k['type'] == 'secret' else '')
        ok = re.search(r'^\s*;?\s*%s\s*=' % re.escape(name), text, re.M) is not None
        print('%sok %d - [%s] documents %s' % ('' if ok else 'not ', n, section, name))
print('1..%d' % n)
PY
