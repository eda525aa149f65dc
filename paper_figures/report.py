"""The one-page report: every figure, every claim (value, bound, PASS/FAIL), each command."""

from __future__ import annotations

import glob
import html
import json
import os

from attn_theory.results import write_json

__all__ = ["write_json", "write_report", "command_for"]


def command_for(stem: str, preset: str = "quick") -> str:
    if stem == "memory_efficient_attention_benchmark":
        return "python -m benchmarks.memory_efficient_attention --out=benchmarks/results"
    return f"python -m experiments.{stem} --config=configs/{stem}.py:{preset} --workdir=/tmp/{stem}"


def _fmt(x) -> str:
    if isinstance(x, float):
        return f"{x:.4g}"
    if isinstance(x, list):
        return "[" + ", ".join(_fmt(v) for v in x) + "]"
    return str(x)


def _load(out: str, stem: str) -> dict | None:
    path = os.path.join(out, stem, "summary.json")
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return json.load(f)


def write_report(out: str, entries, statuses: dict) -> str:
    """Writes OUT/REPORT.md and OUT/index.html; returns the markdown path."""
    md = ["# attn_theory: figure suite report", ""]
    rows = ["| experiment | claim | value | bound | result |", "|---|---|---|---|---|"]
    htm = [
        "<html><head><meta charset='utf-8'><title>attn_theory report</title></head><body>",
        "<h1>attn_theory: figure suite report</h1>",
    ]
    n_pass = n_total = 0
    for e in entries:
        st = statuses.get(e.stem, {})
        summary = _load(out, e.stem)
        preset = st.get("preset", "quick")
        md += [f"## {e.stem} ({e.paper})", "", f"Command: `{command_for(e.stem, preset)}`", ""]
        htm += [
            f"<h2>{html.escape(e.stem)}</h2><p>{html.escape(e.paper)}</p>",
            f"<p><code>{html.escape(command_for(e.stem, preset))}</code></p>",
        ]
        if st:
            line = f"Status: {st.get('status')} in {st.get('seconds', 0):.0f}s"
            if st.get("error"):
                line += f" ({st['error'][:300]})"
            md += [line, ""]
            htm.append(f"<p>{html.escape(line)}</p>")
        if summary is None:
            md += ["No results yet.", ""]
            htm.append("<p>No results yet.</p>")
            continue
        htm.append(
            "<table border=1 cellpadding=3><tr><th>claim</th><th>value</th>"
            "<th>bound</th><th>result</th><th>statement</th></tr>"
        )
        for name, c in summary.get("claims", {}).items():
            verdict = "PASS" if c["passed"] else "FAIL"
            n_total += 1
            n_pass += bool(c["passed"])
            rows.append(
                f"| {e.stem} | {name} | {_fmt(c['value'])} | {_fmt(c['bound'])} | {verdict} |"
            )
            md.append(
                f"- **{verdict}** `{name}`: {_fmt(c['value'])} vs {_fmt(c['bound'])} - {c['claim']}"
            )
            htm.append(
                f"<tr><td>{html.escape(name)}</td><td>{_fmt(c['value'])}</td>"
                f"<td>{html.escape(_fmt(c['bound']))}</td><td>{verdict}</td>"
                f"<td>{html.escape(c['claim'])}</td></tr>"
            )
        htm.append("</table>")
        md.append("")
        for png in sorted(glob.glob(os.path.join(out, e.stem, "figures", "*.png"))):
            rel = os.path.relpath(png, out)
            md += [f"![{os.path.basename(png)}]({rel})", ""]
            htm.append(f"<div><img src='{html.escape(rel)}' style='max-width:900px'></div>")
    header = [f"Claims passed: {n_pass}/{n_total}", "", *rows, ""]
    md[2:2] = header
    htm.insert(2, f"<p>Claims passed: {n_pass}/{n_total}</p>")
    htm.append("</body></html>")
    path = os.path.join(out, "REPORT.md")
    with open(path, "w") as f:
        f.write("\n".join(md))
    with open(os.path.join(out, "index.html"), "w") as f:
        f.write("\n".join(htm))
    return path
