"""The workdir contract every experiment's end-to-end test checks (one copy for all)."""

import json
import os

import numpy as np


def assert_workdir(workdir, *, num_seeds, figures=(), metrics_keys=None):
    """Asserts the files, summary fields, figures (PNG + PDF) and [seed]-leading results.

    Args:
      workdir: a finished experiment's workdir.
      num_seeds: the expected leading axis of every array in results.npz.
      figures: figure names that must exist as .png and .pdf.
      metrics_keys: keys the first metrics.jsonl record must hold besides run and step;
        None for experiments that do not train (no metrics.jsonl required).
    """
    files = ["config.json", "results.npz", "summary.json"]
    files += [] if metrics_keys is None else ["metrics.jsonl"]
    for f in files:
        assert os.path.exists(os.path.join(workdir, f)), f
    if metrics_keys is not None:
        with open(os.path.join(workdir, "metrics.jsonl")) as f:
            assert {"run", "step", *metrics_keys} <= set(json.loads(f.readline()))
    with open(os.path.join(workdir, "summary.json")) as f:
        summary = json.load(f)
    assert {"claims", "scalars", "versions", "device", "wall_time_s"} <= set(summary)
    for c in summary["claims"].values():
        assert {"value", "bound", "passed", "claim"} <= set(c)
    for name in figures:
        for ext in ("png", "pdf"):
            assert os.path.exists(os.path.join(workdir, "figures", f"{name}.{ext}")), name
    with np.load(os.path.join(workdir, "results.npz")) as z:
        for k in z.files:
            assert z[k].shape[0] == num_seeds, k  # leading [seed] axis
    return summary
