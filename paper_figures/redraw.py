"""Redraws one experiment's figures from a saved workdir, without recomputing anything.

python -m paper_figures.redraw --workdir=paper_figures/out/icl_linear_regression
"""

from __future__ import annotations

import json
import os

import matplotlib
from absl import app, flags

from attn_theory import results
from experiments import launch

_WORKDIR = flags.DEFINE_string("workdir", None, "A finished experiment workdir.", required=True)


def redraw(workdir: str) -> list[str]:
    """Loads summary.json, config.json and results.npz; writes figures/ (and their captions
    for the report); returns the image paths."""
    with open(os.path.join(workdir, "summary.json")) as f:
        stem = json.load(f)["experiment"]
    with open(os.path.join(workdir, "config.json")) as f:
        config = json.load(f)
    exp = launch.load(stem)
    cfg = launch.build_config(exp, config)
    wd = results.Workdir(workdir)
    return wd.save_figures(exp.plot(wd.load_results(), cfg))


def main(argv):
    del argv
    matplotlib.use("Agg")  # the library leaves the backend to its callers
    for p in redraw(_WORKDIR.value):
        print(p)


if __name__ == "__main__":
    app.run(main)
