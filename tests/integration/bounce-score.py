#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# Scores `mailroom bounce classify --json` output against the corpus's Sisimai expectations (expected.jsonl).
"""usage: bounce-score.py EXPECTED.jsonl OURS.jsonl CORPUS_DIR [--misses] [--half=A|B]
                       [--disputed=FILE]

--half=A or --half=B scores only the files of that half of the corpus (the
fixed split of half_of(): by the SHA-256 of the file's base name, so the LF,
CRLF and CR copies of a sample and the messages of one mbox stay together);
rules are tuned looking at one half and measured on the other.
--disputed=FILE leaves out the records listed there (lines "PATH RECIPIENT
REASON...", # comments), cases where we judge Sisimai wrong; the figures
with them are printed too.

Prints the agreement figures and exits 1 when recipients found < 95% of
Sisimai's records, or, on the records both found, hard/soft agreement < 95%
or reason agreement < 85%.
Files where Sisimai found nothing are reported, never failed."""
import hashlib
import json
import sys
from collections import Counter, defaultdict


def fmt_family(path):
    """The sample family of a corpus path (lhost-exim, rfc3464, ...), for reports."""
    base = path.rsplit('/', 1)[-1]
    stem = base.rsplit('.', 1)[0]
    parts = stem.split('-')
    if len(parts) >= 2 and parts[-1].isdigit():
        parts = parts[:-1]
    return '-'.join(parts)


def half_of(path):
    """The half ('A' or 'B') a corpus file belongs to: the low bit of the first
    byte of the SHA-256 of its base name.  Fixed: never change it, or figures
    measured on a held-out half stop meaning anything."""
    base = path.rsplit('/', 1)[-1]
    return 'A' if hashlib.sha256(base.encode('utf-8')).digest()[0] & 1 == 0 else 'B'


def load_disputed(path):
    """(file, recipient) pairs of the disputed list."""
    out = set()
    for line in open(path, encoding='utf-8'):
        line = line.split('#', 1)[0].split()
        if len(line) >= 2:
            out.add((line[0], line[1].lower()))
    return out


def main():
    args = [a for a in sys.argv[1:] if not a.startswith('--')]
    half = None
    disputed = set()
    for a in sys.argv[1:]:
        if a.startswith('--half='):
            half = a.split('=', 1)[1].upper()
        elif a.startswith('--disputed='):
            disputed = load_disputed(a.split('=', 1)[1])
    show_misses = '--misses' in sys.argv
    markdown = '--markdown' in sys.argv
    if len(args) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    expected_path, ours_path, corpus = args
    corpus = corpus.rstrip('/') + '/'
    ours = defaultdict(dict)
    for line in open(ours_path, encoding='utf-8', errors='replace'):
        line = line.strip()
        if not line:
            continue
        r = json.loads(line)
        f = r['file']
        if f.startswith(corpus):
            f = f[len(corpus):]
        ours[f][(r['msgidx'], r['recipient'].lower())] = r
    total = found = hs_ok = reason_ok = n_disputed = 0
    fam_stats = defaultdict(lambda: [0, 0, 0, 0])
    gaps = []
    miss = defaultdict(list)
    for line in open(expected_path, encoding='utf-8'):
        e = json.loads(line)
        f = e['file']
        if half and half_of(f) != half:
            continue
        if not e['bounces']:
            if e['bounce_sample']:
                gaps.append((f, len(ours.get(f, {}))))
            continue
        for b in e['bounces']:
            if (f, b['recipient'].lower()) in disputed:
                n_disputed += 1
                continue
            total += 1
            key = (b['msgidx'], b['recipient'].lower())
            o = ours.get(f, {}).get(key)
            fam = fmt_family(f)
            fam_stats[fam][0] += 1
            if not o:
                got = ', '.join(sorted(k[1] for k in ours.get(f, {}))) or 'nothing'
                miss[fam].append('%s: recipient %s not found (got %s)' % (f, b['recipient'], got))
                continue
            found += 1
            fam_stats[fam][1] += 1
            if o['hardsoft'] == b['hardsoft']:
                hs_ok += 1
                fam_stats[fam][2] += 1
            else:
                miss[fam].append('%s: %s hardsoft %s, Sisimai %s' % (f, b['recipient'], o['hardsoft'], b['hardsoft']))
            if o['reason'] == b['reason']:
                reason_ok += 1
                fam_stats[fam][3] += 1
            else:
                miss[fam].append('%s: %s reason %s, Sisimai %s' % (f, b['recipient'], o['reason'], b['reason']))
    pct = lambda n: 100.0 * n / total if total else 0.0
    pctf = lambda n: 100.0 * n / found if found else 0.0
    # Agreement is measured on the records both found (a record we did not
    # find is already counted against "recipient found"); the figures over
    # all of Sisimai's records are printed too.
    print('records %d: recipient found %d (%.1f%%), hard/soft agree %d (%.1f%% of found, %.1f%% of all), '
          'reason agree %d (%.1f%% of found, %.1f%% of all)'
          % (total, found, pct(found), hs_ok, pctf(hs_ok), pct(hs_ok), reason_ok, pctf(reason_ok), pct(reason_ok)))
    if half:
        print('half %s (by SHA-256 of the base name)' % half)
    if disputed:
        print('left out as disputed (Sisimai judged wrong): %d record(s)' % n_disputed)
    print('files where Sisimai found nothing (reported, not scored): %d' % len(gaps))
    for f, n in gaps:
        print('  %s: we found %d record(s)' % (f, n))
    if show_misses:
        per = Counter({k: len(v) for k, v in miss.items()})
        for fam, n in per.most_common():
            print('%s: %d miss(es)' % (fam, n))
            for m in miss[fam]:
                print('  ' + m)
    if markdown:
        print()
        print('| format | Sisimai records | found | hard/soft agree | reason agree | misses |')
        print('|---|---|---|---|---|---|')
        for fam in sorted(fam_stats, key=lambda k: (-(fam_stats[k][0] * 3 - sum(fam_stats[k][1:])), k)):
            t, fo, h, r = fam_stats[fam]
            if fo == t and h == t and r == t:
                continue
            seen = Counter(m.split(': ', 1)[1] for m in miss[fam])
            how = '; '.join(k + (' (x%d)' % n if n > 1 else '') for k, n in seen.items())
            print('| %s | %d | %d | %d | %d | %s |' % (fam, t, fo, h, r, how.replace('|', '/')))
        perfect = [f for f in fam_stats if fam_stats[f][1:] == [fam_stats[f][0]] * 3]
        print()
        print('Formats with every record found and agreeing (%d): %s.' % (len(perfect), ', '.join(sorted(perfect))))
    ok = pct(found) >= 95 and pctf(hs_ok) >= 95 and pctf(reason_ok) >= 85
    print('PASS' if ok else 'FAIL (need found >= 95%, hard/soft >= 95%, reason >= 85%)')
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
