#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# Scores `mailroom activity preview --json` output against the corpus oracle (expected.jsonl, Python's email package).
"""usage: activity-score.py EXPECTED.jsonl GOT.jsonl [--markdown FILE]

Prints one line per measure ("addresses 97.5% (156/160)") and the
disagreements; exits 1 when a threshold is missed.  Rules, the same for
every file (no per-file cases):
- a field named in the oracle's `errors` is not scored; `structure: ...`
  leaves out text and attachments;
- U+FFFD in the oracle (bytes it could not decode) matches any run of
  non-ASCII characters;
- text: both sides whitespace-normalised, the first 200 characters compared
  (fewer when the oracle's 500-character cut leaves less);
- attachments: per file, the list of (filename, size) pairs in order; the
  oracle gives no size for message/* parts, so only the name counts there.
"""
import json
import re
import sys

THRESHOLDS = {"addresses": 0.97, "subject": 0.95, "text": 0.90, "attachments": 0.90}


def fffd_match(want, got):
    if want is None or got is None:
        return want == got
    if "\ufffd" not in want:
        return want == got
    return re.fullmatch(fffd_regex(want), got, re.S) is not None


def norm(s):
    return " ".join(s.split()) if s is not None else None


def fffd_regex(want):
    return "[^\\x00-\\x7f]+".join(re.escape(p) for p in re.split("\ufffd+", want))


def text_agrees(want, got):
    if want is None or got is None:
        return want is None and got is None
    w, g = norm(want), norm(got)
    prefix = len(want) >= 500  # the oracle's cut: only a prefix is known
    if len(w) > 200:
        w, prefix = w[:200], True
    m = re.match(fffd_regex(w), g, re.S)
    return m is not None and (prefix or m.end() == len(g))


def att_agrees(want, got):
    if len(want) != len(got):
        return False
    for w, g in zip(want, got):
        if not fffd_match(w.get("filename"), g.get("filename")):
            return False
        if w.get("size") is not None and w.get("size") != g.get("size"):
            return False
    return True


def unscored(exp):
    skip = set()
    for e in exp.get("errors") or []:
        field = e.split(":", 1)[0].strip()
        if field == "structure":
            skip.update({"text", "attachments"})
        else:
            skip.add(field)
    return skip


def short(v, n=90):
    s = json.dumps(v, ensure_ascii=False)
    return s if len(s) <= n else s[: n - 3] + "..."


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    md = argv[argv.index("--markdown") + 1] if "--markdown" in argv else None
    expected = [json.loads(l) for l in open(argv[1], encoding="utf-8") if l.strip()]
    got = {}
    for line in open(argv[2], encoding="utf-8"):
        if line.strip():
            d = json.loads(line)
            got[d["file"]] = d
    score = {k: [0, 0] for k in THRESHOLDS}
    score["date"] = [0, 0]
    att_items = [0, 0]
    diffs = []
    for exp in expected:
        f = exp["file"]
        g = got.get(f)
        skip = unscored(exp)
        if g is None or "error" in g:
            diffs.append((f, "all", "a parse result", g and g.get("error")))
            for k in THRESHOLDS:
                score[k][1] += 1 if k != "addresses" else 3
            continue
        for field in ("from", "to", "cc"):
            if field in skip:
                continue
            score["addresses"][1] += 1
            w, gv = exp.get(field) or [], g.get(field) or []
            if len(w) == len(gv) and all(fffd_match(a, b) for a, b in zip(w, gv)):
                score["addresses"][0] += 1
            else:
                diffs.append((f, field, w, gv))
        if "subject" not in skip:
            score["subject"][1] += 1
            if fffd_match(exp.get("subject"), g.get("subject")):
                score["subject"][0] += 1
            else:
                diffs.append((f, "subject", exp.get("subject"), g.get("subject")))
        if "date" not in skip:
            score["date"][1] += 1
            if exp.get("date") == g.get("date"):
                score["date"][0] += 1
            else:
                diffs.append((f, "date", exp.get("date"), g.get("date")))
        if "text" not in skip:
            score["text"][1] += 1
            if text_agrees(exp.get("text"), g.get("text")):
                score["text"][0] += 1
            else:
                diffs.append((f, "text", norm(exp.get("text") or "")[:120] if exp.get("text") is not None else None,
                              norm(g.get("text") or "")[:120] if g.get("text") is not None else None))
        if "attachments" not in skip:
            score["attachments"][1] += 1
            wa = exp.get("attachments") or []
            ga = g.get("attachments") or []
            if att_agrees(wa, ga):
                score["attachments"][0] += 1
            else:
                diffs.append((f, "attachments", [(a.get("filename"), a.get("size")) for a in wa],
                              [(a.get("filename"), a.get("size")) for a in ga]))
            for i, w in enumerate(wa):
                att_items[1] += 1
                if i < len(ga) and att_agrees([w], [ga[i]]):
                    att_items[0] += 1
    failed = False
    lines = []
    for k, (ok, n) in score.items():
        pct = 100.0 * ok / n if n else 100.0
        th = THRESHOLDS.get(k)
        mark = "" if th is None else (" (needs >= %d%%)" % round(th * 100))
        if th is not None and n and ok / n < th:
            failed = True
            mark += " FAILED"
        lines.append("%-12s %6.2f%% (%d/%d)%s" % (k, pct, ok, n, mark))
    lines.append("%-12s %6.2f%% (%d/%d) (each attachment, informational)" % (
        "attach-items", 100.0 * att_items[0] / att_items[1] if att_items[1] else 100.0,
        att_items[0], att_items[1]))
    for l in lines:
        print(l)
    for f, field, w, gv in diffs:
        print("DIFF %s [%s]\n  oracle: %s\n  ours:   %s" % (f, field, short(w, 200), short(gv, 200)))
    if md:
        with open(md, "w", encoding="utf-8") as out:
            out.write("| file | field | Python email | mailroom |\n|---|---|---|---|\n")
            for f, field, w, gv in diffs:
                cell = lambda v: short(v).replace("|", "\\|")
                out.write("| `%s` | %s | %s | %s |\n" % (f, field, cell(w), cell(gv)))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
