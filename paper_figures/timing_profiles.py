"""Refreshes the committed timing profiles the experiment ETA uses, from finished runs.

    python -m paper_figures.timing_profiles --runs=paper_figures/out --note="idle 2-core CPU"

Reads the `timing` of every OUT/<stem>/summary.json (attn_theory.progress.Progress.timings:
each fit's steps, compile and execution seconds, start and end, and when the results were
saved) and writes experiments/timing_profiles.json, one profile per (experiment, plan of
fits); a new profile replaces the one of the same plan. A launcher whose plan matches a
profile gives an experiment ETA that knows the relative cost of its later fits and of the
analysis after them (attn_theory.progress). Refresh after a change that moves where an
experiment spends its time; only runs with a plan of fits (Experiment.fits), not resumed
and not trained in run groups, make a profile.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os

from attn_theory import progress as progress_lib
from experiments import launch

_KEEP = ("name", "num_steps", "start_step", "step", "run_s", "compile_s", "ended_s", "group")


def profile(timing: dict, note: str) -> dict | None:
    """The part of a run's timing the ETA needs, or None when it cannot serve as one."""
    if not progress_lib.reference_matches(timing, progress_lib.plan_of(timing)):
        return None
    return {
        "measured": note,
        "results_s": round(float(timing["results_s"]), 2),
        "fits": [
            {k: (round(v, 2) if isinstance(v, float) else v) for k, v in f.items() if k in _KEEP}
            for f in timing["fits"]
        ],
    }


def refresh(runs_dir: str, note: str, path: str = launch.TIMING_PROFILES) -> dict[str, str]:
    """Updates `path` from the runs under runs_dir; returns {stem: what happened}."""
    data = {"profiles": {}}
    if os.path.exists(path):
        with open(path) as f:
            data = json.load(f)
    data["_about"] = (
        "Timing profiles for the experiment ETA (attn_theory.progress, experiments/launch.py), "
        "one per experiment and plan of fits. Regenerate: python -m paper_figures.timing_profiles"
    )
    done = {}
    for stem in sorted(os.listdir(runs_dir)):
        summary = os.path.join(runs_dir, stem, "summary.json")
        if not os.path.isfile(summary):
            continue
        if launch.load(stem).fits is None:
            done[stem] = "skipped (the experiment declares no plan of fits: no experiment ETA)"
            continue
        with open(summary) as f:
            prof = profile(json.load(f).get("timing") or {}, note)
        if prof is None:
            done[stem] = "skipped (no plan of fits, resumed, grouped or an older run)"
            continue
        plan = progress_lib.plan_of(prof)
        kept = [p for p in data["profiles"].get(stem, []) if progress_lib.plan_of(p) != plan]
        data["profiles"][stem] = [*kept, prof]
        done[stem] = f"profile of {len(plan)} fits, results at {prof['results_s']:.0f} s"
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(data, f, indent=1, sort_keys=True)
        f.write("\n")
    os.replace(tmp, path)
    return done


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", default="paper_figures/out", help="make_all output folder")
    parser.add_argument("--note", default="", help="the machine and load, stored with it")
    args = parser.parse_args()
    note = f"{args.note or 'unspecified machine'}, {datetime.date.today().isoformat()}"
    for stem, what in refresh(args.runs, note).items():
        print(f"{stem}: {what}")


if __name__ == "__main__":
    main()
