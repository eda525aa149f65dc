"""Root-seed stability: the quick suite on several root seeds, one pass-rate table per claim.

    python -m paper_figures.stability --root_seeds=0,1,2,3,4 [--only=STEMS] [--out=DIR]
    python -m paper_figures.stability --table_only --out=DIR     # rebuild the table only

Each (root seed K, experiment) runs the quick preset with `seed=K` into DIR/seed<K>/<stem>
(a finished workdir with a summary.json for that seed is reused, so an interrupted sweep
continues). Writes paper_figures/CLAIM_STABILITY.md: for every claim its kind, PASS/FAIL on
each root seed with the value, and the pass rate; measured claims are counted apart from
closed-form and construction checks. A claim reproduces only if it passes on every root seed.
"""

from __future__ import annotations

import concurrent.futures
import json
import multiprocessing
import os
import time

from absl import app, flags, logging

from paper_figures import registry


def _done(workdir: str, seed: int) -> bool:
    path = os.path.join(workdir, "summary.json")
    cfg_path = os.path.join(workdir, "config.json")
    if not (os.path.exists(path) and os.path.exists(cfg_path)):
        return False
    with open(cfg_path) as f:
        return json.load(f).get("seed") == seed


def _run(stem: str, preset: str, seed: int, workdir: str) -> str:
    from experiments import launch

    exp = launch.load(stem)
    launch.execute(exp, exp.config.get_config(f"{preset},seed={seed}"), workdir,
                   make_plots=False, keep_stale=True)  # fmt: skip
    return stem


def collect(out: str, stems: list[str]) -> dict:
    """{stem: {claim: {"kind", "claim", "seeds": {K: (passed, value, seeds_passing, n)}}}}."""
    table: dict = {}
    for seed_dir in sorted(os.listdir(out)) if os.path.isdir(out) else []:
        if not seed_dir.startswith("seed"):
            continue
        k = int(seed_dir[4:])
        for stem in stems:
            path = os.path.join(out, seed_dir, stem, "summary.json")
            if not os.path.exists(path):
                continue
            with open(path) as f:
                claims = json.load(f)["claims"]
            for name, c in claims.items():
                row = table.setdefault(stem, {}).setdefault(
                    name, {"kind": c.get("kind"), "claim": c["claim"], "seeds": {}}
                )
                row["seeds"][k] = (c["passed"], c["value"], c.get("seeds_passing"),
                                   c.get("num_seeds"))  # fmt: skip
    return table


def _v(x) -> str:
    if isinstance(x, float):
        return f"{x:.3g}"
    if isinstance(x, list):
        return "[" + ", ".join(_v(v) for v in x) + "]"
    return str(x)


def markdown(table: dict, seeds: list[int], preset: str, stems: list[str] = ()) -> str:
    measured = [(s, n, r) for s, rows in table.items() for n, r in rows.items()
                if r["kind"] == "measured"]  # fmt: skip
    others = [(s, n, r) for s, rows in table.items() for n, r in rows.items()
              if r["kind"] != "measured"]  # fmt: skip

    def complete(r):
        return all(k in r["seeds"] for k in seeds)

    def all_pass(r):
        return complete(r) and all(r["seeds"][k][0] for k in seeds)

    def ever_failed(r):
        return any(not v[0] for v in r["seeds"].values())

    full_m = [r for *_, r in measured if complete(r)]
    full_o = [r for *_, r in others if complete(r)]
    lines = [
        "# Claim stability over root seeds",
        "",
        f"Regenerate: `python -m paper_figures.stability --root_seeds={','.join(map(str, seeds))}`"
        f" (preset `{preset}`; table written {time.strftime('%Y-%m-%d')}). Each root seed K runs"
        " the whole quick preset with `seed=K` (new initialisations and data for every inner"
        " seed). A claim counts as reproduced only if it passes on every root seed.",
        "",
        f"- Measured claims run on all {len(seeds)} root seeds: {len(full_m)} of {len(measured)};"
        f" of those, passing on every root seed: **{sum(all_pass(r) for r in full_m)}**.",
        f"- Closed-form and construction checks run on all root seeds: {len(full_o)} of "
        f"{len(others)}; holding on every one: {sum(all_pass(r) for r in full_o)}.",
    ]
    for k in seeds:
        ran = [r for *_, r in measured if k in r["seeds"]]
        ok = sum(r["seeds"][k][0] for r in ran)
        pct = f"{100 * ok / len(ran):.1f}%" if ran else "-"
        lines.append(f"- Root seed {k}: {ok} of {len(ran)} measured claims run pass ({pct}).")
    missing = {}
    for stem, rows in table.items():
        have = sorted({k for r in rows.values() for k in r["seeds"]})
        if set(seeds) - set(have):
            missing[stem] = have
    absent = [s for s in stems if s not in table]
    if absent:
        lines += ["", "Not run on any root seed: " + ", ".join(f"`{s}`" for s in absent) + "."]
    if missing:
        lines += ["", "Not yet run on every root seed (root seeds present): " + "; ".join(
            f"`{s}` {v}" for s, v in missing.items()) + "."]  # fmt: skip
    fails = [(s, n, r) for s, n, r in measured + others if ever_failed(r)]
    if fails:
        lines += ["", "## Claims that fail on some root seed", ""]
        for s, n, r in fails:
            vals = ", ".join(
                f"seed {k}: {'PASS' if r['seeds'][k][0] else 'FAIL'} {_v(r['seeds'][k][1])}"
                for k in seeds
                if k in r["seeds"]
            )
            lines.append(f"- `{s}` **{n}** ({r['kind']}): {vals}")
    head = " | ".join(f"seed {k}" for k in seeds)
    for stem, rows in table.items():
        lines += ["", f"## {stem}", "", f"| claim | kind | {head} | pass rate |",
                  "|---|---|" + "---|" * len(seeds) + "---|"]  # fmt: skip
        for name, r in rows.items():
            cells = []
            for k in seeds:
                if k not in r["seeds"]:
                    cells.append("-")
                    continue
                passed, value, sp, n = r["seeds"][k]
                inner = f" ({sp}/{n})" if sp is not None else ""
                cells.append(f"{'PASS' if passed else '**FAIL**'} {_v(value)}{inner}")
            ran = [k for k in seeds if k in r["seeds"]]
            rate = sum(r["seeds"][k][0] for k in ran)
            lines.append(f"| {name} | {r['kind']} | {' | '.join(cells)} | {rate}/{len(ran)} |")
    lines += [
        "",
        "Cells: PASS/FAIL, the claim's value, and (k/n) the inner seeds passing alone.",
        "",
    ]
    return "\n".join(lines)


def _define_flags() -> None:
    """Flags of the command (defined only when run as a program, so importing is free)."""
    flags.DEFINE_list("root_seeds", ["0", "1", "2", "3", "4"], "Root seeds to run.")
    flags.DEFINE_list("only", [], "Stems or families (default: all).")
    flags.DEFINE_string("preset", "quick", "Preset run at every root seed.")
    flags.DEFINE_string("out", "paper_figures/out/stability", "Workdirs root.")
    flags.DEFINE_string("table", "paper_figures/CLAIM_STABILITY.md", "Table to write.")
    flags.DEFINE_integer("jobs", 2, "Worker processes.")
    flags.DEFINE_bool("table_only", False, "Only rebuild the table from DIR.")


def main(argv):
    del argv
    entries = list(registry.EXPERIMENTS)
    if flags.FLAGS.only:
        entries = [e for e in entries if e.stem in flags.FLAGS.only or e.family in flags.FLAGS.only]
    stems = [e.stem for e in entries]
    seeds = [int(s) for s in flags.FLAGS.root_seeds]
    if not flags.FLAGS.table_only:
        todo = [(k, s) for k in seeds for s in stems
                if not _done(os.path.join(flags.FLAGS.out, f"seed{k}", s), k)]  # fmt: skip
        logging.info("%d runs to do (%d reused)", len(todo), len(seeds) * len(stems) - len(todo))
        ctx = multiprocessing.get_context("spawn")
        with concurrent.futures.ProcessPoolExecutor(flags.FLAGS.jobs, mp_context=ctx) as pool:
            futs = {pool.submit(_run, s, flags.FLAGS.preset, k,
                                os.path.join(flags.FLAGS.out, f"seed{k}", s)): (k, s)
                    for k, s in todo}  # fmt: skip
            for i, fut in enumerate(concurrent.futures.as_completed(futs), 1):
                k, s = futs[fut]
                try:
                    fut.result()
                    logging.info("[%d/%d] seed %d %s done", i, len(todo), k, s)
                except Exception as e:  # noqa: BLE001 - one failure must not stop the sweep
                    logging.error("[%d/%d] seed %d %s failed: %s", i, len(todo), k, s, e)
    table = collect(flags.FLAGS.out, stems)
    with open(flags.FLAGS.table, "w") as f:
        f.write(markdown(table, seeds, flags.FLAGS.preset, stems))
    logging.info("wrote %s", flags.FLAGS.table)


if __name__ == "__main__":
    _define_flags()
    app.run(main)
