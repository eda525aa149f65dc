"""Redraws one experiment's figures from a saved workdir, without recomputing anything.

python -m paper_figures.redraw --workdir=paper_figures/out/icl_linear_regression
python -m paper_figures.redraw --workdir=... --rejudge   # claims.py changed: re-judge too

--rejudge re-checks the claims from the saved results (claims are functions of results.npz
and the config only) and rewrites summary.json's claims, keeping its timing and versions,
so a change to a claim's statistic reaches finished runs without retraining.
"""

from __future__ import annotations

import json
import os

import matplotlib
from absl import app, flags

from attn_theory import results
from experiments import launch

_WORKDIR = flags.DEFINE_string("workdir", None, "A finished experiment workdir.", required=True)
_REJUDGE = flags.DEFINE_bool("rejudge", False, "Also re-check the claims; rewrite summary.json.")

_JUDGED = ("claims", "all_claims_passed", "claim_counts", "scalars", "wall_time_s")


def _open(workdir: str) -> tuple:
    """(summary, experiment, config, Workdir, results) of a finished workdir."""
    with open(os.path.join(workdir, "summary.json")) as f:
        summary = json.load(f)
    with open(os.path.join(workdir, "config.json")) as f:
        config = json.load(f)
    exp = launch.load(summary["experiment"])
    wd = results.Workdir(workdir)
    return summary, exp, launch.build_config(exp, config), wd, wd.load_results()


def _rejudge(opened: tuple) -> dict:
    old, exp, cfg, wd, res = opened
    keep = {k: v for k, v in old.items() if k not in _JUDGED}
    return wd.write_summary(res, exp.claims(res, cfg), wall_time_s=old["wall_time_s"], extra=keep)


def _redraw(opened: tuple) -> list[str]:
    _, exp, cfg, wd, res = opened
    return wd.save_figures(exp.plot(res, cfg))


def rejudge(workdir: str) -> dict:
    """Re-checks the claims of a finished workdir from its saved results; rewrites
    summary.json (claims, counts and scalars; the rest kept) and returns it."""
    return _rejudge(_open(workdir))


def redraw(workdir: str) -> list[str]:
    """Loads summary.json, config.json and results.npz; writes figures/ (and their captions
    for the report); returns the image paths."""
    return _redraw(_open(workdir))


def main(argv):
    del argv
    matplotlib.use("Agg")  # the library leaves the backend to its callers
    opened = _open(_WORKDIR.value)  # results loaded once for both
    if _REJUDGE.value:
        summary = _rejudge(opened)
        print(f"claims re-judged: {summary['claim_counts']}")
    for p in _redraw(opened):
        print(p)


if __name__ == "__main__":
    app.run(main)
