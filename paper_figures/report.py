"""The figure suite's report: OUT/index.html (one self-contained page) and OUT/REPORT.md.

The page opens with the headline (measured claims apart from closed-form and construction
checks) and every failed measured claim, linked to its row; then a summary table per
experiment, a table of contents, and one section per experiment: command, links to its
summary.json and config.json, the claim table (value, comparator, bound, kind, statistic,
seeds passing; failures highlighted) and every figure with its caption and PDF. Plain HTML
with inline CSS and relative links, so it works from file:// and when served.
"""

from __future__ import annotations

import glob
import html
import json
import os
from collections.abc import Mapping, Sequence
from typing import Any

from attn_theory import files
from attn_theory.progress import hms
from attn_theory.results import write_json  # re-exported: make_all writes status.json

__all__ = ["write_json", "write_report", "command_for", "headline", "tally"]

KIND_ORDER = ("measured", "closed_form", "construction", "unlabelled")
_KIND_TEXT = {
    "measured": "measured claims reproduced",
    "closed_form": "closed-form checks hold",
    "construction": "construction checks hold",
    "unlabelled": "unlabelled claims pass",
}

_CSS = """
body{font:15px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;margin:0 auto;max-width:1100px;
 padding:0 24px 60px;color:#1d1d1f}
h1{margin:28px 0 4px} h2{margin-top:44px;border-bottom:2px solid #ddd;padding-bottom:4px}
.sub{color:#555;margin:0 0 16px} code{background:#f3f3f3;padding:1px 4px;border-radius:3px}
.headline{font-size:20px;font-weight:600;margin:14px 0}
.box{border-radius:6px;padding:10px 16px;margin:12px 0}
.bad{background:#fdecea;border-left:5px solid #c62828}
.good{background:#e8f5e9;border-left:5px solid #2e7d32}
.box a{color:#8e0000}
table{border-collapse:collapse;width:100%;margin:10px 0;font-size:14px}
th,td{border:1px solid #ddd;padding:4px 7px;text-align:left;vertical-align:top}
th{background:#f5f5f5} td.num{text-align:right;font-variant-numeric:tabular-nums}
tr.fail td{background:#fdecea} tr.fail td.verdict{color:#b71c1c;font-weight:700}
td.verdict{color:#1b5e20;font-weight:600} .nofail{color:#1b5e20} .hasfail{color:#b71c1c}
.toc{columns:2;font-size:14px} figure{margin:18px 0} figure img{max-width:100%;
 border:1px solid #eee} figcaption{font-size:14px;color:#333;margin-top:4px}
.status-failed,.status-missing{color:#b71c1c;font-weight:600} .none{color:#888}
td:last-child{white-space:nowrap}
"""


def command_for(stem: str, preset: str = "quick") -> str:
    return f"python -m experiments.{stem} --config=configs/{stem}.py:{preset} --workdir=/tmp/{stem}"


def _fmt(x) -> str:
    if isinstance(x, float):
        return f"{x:.4g}"
    if isinstance(x, list):
        return "[" + ", ".join(_fmt(v) for v in x) + "]"
    return "n/a" if x is None else str(x)


def _load(out: str, stem: str) -> dict | None:
    path = os.path.join(out, stem, "summary.json")
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return json.load(f)


def _captions(out: str, stem: str) -> dict[str, str]:
    path = os.path.join(out, stem, "figures", "captions.json")
    if not os.path.exists(path):
        return {}
    with open(path) as f:
        return json.load(f)


def tally(claims: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per kind: passed, total and failed names (the summary's claim_counts, recomputed so
    older summaries without it still count)."""
    out: dict[str, dict[str, Any]] = {}
    for name, c in claims.items():
        k = out.setdefault(c.get("kind") or "unlabelled", {"passed": 0, "total": 0, "failed": []})
        k["total"] += 1
        k["passed"] += bool(c["passed"])
        if not c["passed"]:
            k["failed"].append(name)
    return out


def headline(counts: Mapping[str, Mapping[str, Any]]) -> str:
    """'M of N measured claims reproduced, K of L closed-form checks hold, ...'."""
    parts = [f"{counts[k]['passed']} of {counts[k]['total']} {_KIND_TEXT[k]}"
             for k in KIND_ORDER if k in counts]  # fmt: skip
    return ", ".join(parts) or "no claims yet"


def _merge(total: dict, counts: Mapping[str, Mapping[str, Any]]) -> None:
    for k, c in counts.items():
        t = total.setdefault(k, {"passed": 0, "total": 0, "failed": []})
        t["passed"] += c["passed"]
        t["total"] += c["total"]
        t["failed"] += c["failed"]


def _bound(c: Mapping[str, Any]) -> str:
    comp, b = c.get("comparator"), c.get("bound")
    if comp == "in" and isinstance(b, list) and len(b) == 2:
        return f"in [{_fmt(b[0])}, {_fmt(b[1])}]"
    if comp in ("<=", ">="):
        return f"{comp} {_fmt(b)}"
    return _fmt(b)


def _seeds(c: Mapping[str, Any]) -> str:
    if c.get("seeds_passing") is None:
        return ""
    return f"{c['seeds_passing']}/{c.get('num_seeds', len(c.get('per_seed', [])))}"


def _anchor(stem: str, claim: str | None = None) -> str:
    return stem if claim is None else f"{stem}--{claim}".replace(" ", "_")


def write_report(out: str, entries: Sequence[Any], statuses: Mapping[str, Mapping]) -> str:
    """Writes OUT/REPORT.md and OUT/index.html; returns the markdown path.

    Args:
      out: the suite folder holding OUT/<stem>/ workdirs.
      entries: registry entries (stem, family, paper), in report order.
      statuses: {stem: {status, seconds, preset, error?}} from make_all (may be empty).
    """
    data = []
    total: dict[str, dict[str, Any]] = {}
    for e in entries:
        summary = _load(out, e.stem)
        claims = (summary or {}).get("claims", {})
        counts = tally(claims)
        _merge(total, counts)
        data.append((e, statuses.get(e.stem, {}), summary, claims, counts))
    md = _markdown(out, data, total)
    page = _html(out, data, total)
    path = os.path.join(out, "REPORT.md")
    _write(path, md)
    _write(os.path.join(out, "index.html"), page)
    return path


def _write(path: str, text: str) -> None:
    def w(tmp):
        with open(tmp, "w") as f:
            f.write(text)

    files.atomic_write(path, w, fsync=False)


def _failures(data, kind: str) -> list[tuple[str, str, dict]]:
    return [(e.stem, name, c) for e, _, _, claims, _ in data for name, c in claims.items()
            if not c["passed"] and (c.get("kind") or "unlabelled") == kind]  # fmt: skip


def _markdown(out, data, total) -> str:
    md = ["# attn_theory: figure suite report", "", f"**{headline(total)}**", ""]
    fails = _failures(data, "measured")
    if fails:
        md += ["Measured claims that did not reproduce:", ""]
        md += [f"- `{s}` `{n}`: {_fmt(c['value'])} {_bound(c)} - {c['claim']}" for s, n, c in fails]
        md.append("")
    md += [
        "| experiment | measured | closed-form | construction | status |",
        "|---|---|---|---|---|",
    ]
    for e, st, _, _, counts in data:
        cells = [f"{counts[k]['passed']}/{counts[k]['total']}" if k in counts else "-"
                 for k in ("measured", "closed_form", "construction")]  # fmt: skip
        md.append(f"| {e.stem} | {' | '.join(cells)} | {st.get('status', '-')} |")
    md.append("")
    for e, st, summary, claims, _ in data:
        preset = st.get("preset", "quick")
        md += [f"## {e.stem} ({e.paper})", "", f"Command: `{command_for(e.stem, preset)}`", ""]
        if st:
            line = f"Status: {st.get('status')} in {st.get('seconds', 0):.0f}s"
            md += [line + (f" ({st['error'][:300]})" if st.get("error") else ""), ""]
        if summary is None:
            md += ["No results yet.", ""]
            continue
        md += ["| claim | value | bound | kind | statistic | seeds | result |",
               "|---|---|---|---|---|---|---|"]  # fmt: skip
        for name, c in claims.items():
            verdict = "PASS" if c["passed"] else "**FAIL**"
            md.append(f"| `{name}` | {_fmt(c['value'])} | {_bound(c)} | {c.get('kind') or ''} | "
                      f"{c.get('statistic') or ''} | {_seeds(c)} | {verdict} |")  # fmt: skip
        md.append("")
        for name, c in claims.items():
            md.append(f"- `{name}`: {c['claim']}")
        md.append("")
        captions = _captions(out, e.stem)
        for png in sorted(glob.glob(os.path.join(out, e.stem, "figures", "*.png"))):
            name = os.path.splitext(os.path.basename(png))[0]
            md += [f"![{name}]({os.path.relpath(png, out)})", "", captions.get(name, ""), ""]
    return "\n".join(md) + "\n"


def _html(out: str, data, total) -> str:
    esc = html.escape
    n_done = sum(summary is not None for _, _, summary, _, _ in data)
    h = ["<!DOCTYPE html>", "<html lang='en'><head><meta charset='utf-8'>",
         "<meta name='viewport' content='width=device-width, initial-scale=1'>",
         "<title>attn_theory: figure suite report</title>", f"<style>{_CSS}</style>",
         "</head><body>", "<h1>attn_theory: figure suite report</h1>",
         f"<p class='sub'>Results of {n_done} of {len(data)} registered experiments: each "
         "paper's claims checked on our runs, and its figures. Each section's command "
         "regenerates it.</p>",
         f"<p class='headline' id='headline'>{esc(headline(total))}</p>"]  # fmt: skip
    fails = _failures(data, "measured")
    other = _failures(data, "closed_form") + _failures(data, "construction")
    other += _failures(data, "unlabelled")
    if fails or other:
        h.append("<div class='box bad' id='failures'><b>Did not reproduce:</b><ul>")
        for stem, name, c in fails + other:
            kind = c.get("kind") or "unlabelled"
            h.append(f"<li><a href='#{esc(_anchor(stem, name))}'>{esc(stem)} / "
                     f"<code>{esc(name)}</code></a> ({esc(kind)}): value {esc(_fmt(c['value']))}"
                     f" {esc(_bound(c))}. {esc(c['claim'])}</li>")  # fmt: skip
        h.append("</ul></div>")
    else:
        h.append("<div class='box good' id='failures'>Every checked claim holds.</div>")
    broken = [(e.stem, st) for e, st, *_ in data if st.get("status") not in (None, "ok")]
    if broken:
        h.append("<div class='box bad'><b>Experiments that did not finish:</b><ul>")
        h += [f"<li><a href='#{esc(s)}'>{esc(s)}</a>: {esc(st.get('status', ''))} "
              f"{esc(str(st.get('error', ''))[:200])}</li>" for s, st in broken]  # fmt: skip
        h.append("</ul></div>")
    h.append("<h2 id='summary'>Summary</h2><table><tr><th>experiment</th><th>paper</th>"
             "<th>measured</th><th>closed-form</th><th>construction</th><th>failed</th>"
             "<th>time</th></tr>")  # fmt: skip
    for e, st, summary, _, counts in data:
        cells = []
        for k in ("measured", "closed_form", "construction"):
            c = counts.get(k)
            cls = "" if c is None else ("nofail" if c["passed"] == c["total"] else "hasfail")
            text = "-" if c is None else f"{c['passed']}/{c['total']}"
            cells.append(f"<td class='num {cls}'>{text}</td>")
        failed = [(k, n) for k in KIND_ORDER if k in counts for n in counts[k]["failed"]]
        links = ", ".join(f"<a href='#{esc(_anchor(e.stem, n))}'>{esc(n)}</a>" for _, n in failed)
        secs = st.get("seconds") or (summary or {}).get("wall_time_s")
        status = st.get("status")
        time_cell = hms(secs) if secs and secs > 0 else ""
        if summary is None and not status:
            time_cell = "<span class='none'>no results</span>"
        if status and status != "ok":
            time_cell = f"<span class='status-{esc(status)}'>{esc(status)}</span>"
        h.append(f"<tr><td><a href='#{esc(e.stem)}'>{esc(e.stem)}</a></td><td>{esc(e.paper)}</td>"
                 f"{''.join(cells)}<td>{links}</td><td>{time_cell}</td></tr>")  # fmt: skip
    h.append("</table>")
    h.append("<h2 id='contents'>Contents</h2><ul class='toc'>")
    h += [f"<li><a href='#{esc(e.stem)}'>{esc(e.stem)}</a></li>" for e, *_ in data]
    h.append("</ul>")
    for e, st, summary, claims, counts in data:
        h += _html_section(out, e, st, summary, claims, counts)
    h.append("</body></html>")
    return "\n".join(h) + "\n"


def _html_section(out, e, st, summary, claims, counts) -> list[str]:
    esc = html.escape
    preset = st.get("preset", "quick")
    h = [f"<h2 id='{esc(e.stem)}'>{esc(e.stem)}</h2>",
         f"<p class='sub'>{esc(e.paper)}. {esc(headline(counts))}.</p>",
         f"<p>Command: <code>{esc(command_for(e.stem, preset))}</code></p>"]  # fmt: skip
    files = [f for f in ("summary.json", "config.json", "metrics.jsonl")
             if os.path.exists(os.path.join(out, e.stem, f))]  # fmt: skip
    if files:
        h.append("<p>Files: " + ", ".join(
            f"<a href='{esc(e.stem)}/{f}'>{f}</a>" for f in files) + "</p>")  # fmt: skip
    if st.get("status") not in (None, "ok"):
        h.append(f"<p class='status-{esc(st['status'])}'>Status: {esc(st['status'])}: "
                 f"{esc(str(st.get('error', ''))[:300])}</p>")  # fmt: skip
    if summary is None:
        return h + ["<p>No results yet.</p>"]
    h.append(
        "<table><tr><th>claim</th><th>value</th><th>bound</th><th>kind</th>"
        "<th>statistic</th><th>seeds passing</th><th>result</th><th>statement</th></tr>"
    )
    for name, c in claims.items():
        ok = c["passed"]
        h.append(f"<tr id='{esc(_anchor(e.stem, name))}' class='{'pass' if ok else 'fail'}'>"
                 f"<td><code>{esc(name)}</code></td><td class='num'>{esc(_fmt(c['value']))}</td>"
                 f"<td>{esc(_bound(c))}</td><td>{esc(c.get('kind') or '')}</td>"
                 f"<td>{esc(c.get('statistic') or '')}</td><td class='num'>{_seeds(c)}</td>"
                 f"<td class='verdict'>{'PASS' if ok else 'FAIL'}</td>"
                 f"<td>{esc(c['claim'])}</td></tr>")  # fmt: skip
    h.append("</table>")
    captions = _captions(out, e.stem)
    for png in sorted(glob.glob(os.path.join(out, e.stem, "figures", "*.png"))):
        name = os.path.splitext(os.path.basename(png))[0]
        rel = os.path.relpath(png, out)
        pdf = os.path.splitext(rel)[0] + ".pdf"
        cap = captions.get(name, "")
        link = f" <a href='{esc(pdf)}'>PDF</a>" if os.path.exists(os.path.join(out, pdf)) else ""
        alt = f"{e.stem} figure {name}: {cap}"
        h.append(f"<figure id='{esc(e.stem)}--fig-{esc(name)}'><img src='{esc(rel)}' "
                 f"alt='{esc(alt)}'><figcaption><b>{esc(name)}</b>. {esc(cap)}{link}"
                 "</figcaption></figure>")  # fmt: skip
    return h
