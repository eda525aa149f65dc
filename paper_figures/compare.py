"""Compares two figure-suite outputs number by number (a refactor must move no number).

    python -m paper_figures.compare OLD_OUT NEW_OUT [--rtol=1e-6]

For every experiment present in both folders, compares each seed-statistic mean and each
claim value of summary.json; prints the differences and exits non-zero if any exceed rtol.
Claims added or renamed since OLD are listed, not counted as differences.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys


def _numbers(summary: dict) -> dict[str, float]:
    out = {f"scalars.{k}": v["mean"] for k, v in summary.get("scalars", {}).items()}
    for k, c in summary.get("claims", {}).items():
        v = c.get("value")
        vals = v if isinstance(v, list) else [v]
        for i, x in enumerate(vals):
            if isinstance(x, int | float) and not isinstance(x, bool):
                out[f"claims.{k}[{i}]"] = float(x)
    return out


def compare_dirs(old: str, new: str, rtol: float) -> tuple[list[str], list[str]]:
    """(differences beyond rtol, notes on keys present on one side only)."""
    diffs, notes = [], []
    for stem in sorted(os.listdir(old)):
        a_path, b_path = (os.path.join(d, stem, "summary.json") for d in (old, new))
        if not (os.path.exists(a_path) and os.path.exists(b_path)):
            continue
        with open(a_path) as f:
            a = _numbers(json.load(f))
        with open(b_path) as f:
            b = _numbers(json.load(f))
        for k in sorted(set(a) & set(b)):
            if not math.isclose(a[k], b[k], rel_tol=rtol, abs_tol=1e-12):
                diffs.append(f"{stem} {k}: {a[k]:.7g} -> {b[k]:.7g}")
        only = sorted(set(a) ^ set(b))
        if only:
            notes.append(f"{stem}: on one side only: {', '.join(only[:8])}")
        notes.append(f"{stem}: {len(set(a) & set(b))} numbers compared")
    return diffs, notes


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("old")
    p.add_argument("new")
    p.add_argument("--rtol", type=float, default=1e-6)
    args = p.parse_args()
    diffs, notes = compare_dirs(args.old, args.new, args.rtol)
    print("\n".join(notes + diffs))
    print(f"{len(diffs)} numbers differ beyond rtol={args.rtol}")
    sys.exit(1 if diffs else 0)


if __name__ == "__main__":
    main()
