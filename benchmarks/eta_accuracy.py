"""How good is the progress ETA? Runs one experiment and scores every ETA it printed.

    python -m benchmarks.eta_accuracy --stem=icl_linear_regression --preset=quick \
        --out=benchmarks/results/eta_accuracy.json

Runs `python -m experiments.<stem>` in a subprocess on a fresh workdir (no figures), reads
the absl timestamps of its log, and for every progress line that gives an experiment ETA
("experiment ETA 3m 05s", attn_theory.progress) compares it with the time that really
remained until the run's first claim line (results saved, claims checked right after the
last fit and analysis; figures, which the ETA leaves out, come later). The first chunk of
every fit is reported but not scored (its rate is one chunk old). Goal (issue 19): within
30% of the true remaining time after the first chunk. Writes every line's (elapsed,
predicted, true, ratio) and the share within 30% to --out, and whether the run's ETA used a
committed timing profile (experiments/timing_profiles.json; a profile of this very preset can
be made from the kept workdir with `python -m paper_figures.timing_profiles --runs=DIR`).
Measure on an idle machine: the ETA extrapolates the current rate, so load that changes
during the run moves the truth.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import re
import subprocess
import sys
import tempfile
import time

_STAMP = re.compile(r"^[IWE](\d{4}) (\d\d:\d\d:\d\d\.\d+)")
_ETA = re.compile(r"experiment ETA ((?:\d+h )?(?:\d+m )?\d+s)")
_STEP = re.compile(r"fit (\d+)(?:/(\d+))? (\S+).*: step (\d+)/(\d+)")


def seconds(text: str) -> float:
    """'1h 02m 05s' -> 3725.0 (attn_theory.progress.hms, inverted)."""
    total = 0.0
    for value, unit in re.findall(r"(\d+)([hms])", text):
        total += int(value) * {"h": 3600, "m": 60, "s": 1}[unit]
    return total


def stamp(line: str) -> float | None:
    m = _STAMP.match(line)
    if not m:
        return None
    t = datetime.datetime.strptime(m.group(2), "%H:%M:%S.%f")
    return t.hour * 3600 + t.minute * 60 + t.second + t.microsecond / 1e6


def score(lines: list[str], tolerance: float = 0.3) -> dict:
    """Scores the ETA lines of one run's log (absl-formatted lines)."""
    times = [(stamp(x), x) for x in lines]
    times = [(t, x) for t, x in times if t is not None]
    if not times:
        raise ValueError("no absl-formatted log lines")
    t0 = times[0][0]
    end = next((t for t, x in times if " claim " in x), None)
    if end is None:
        raise ValueError("the run logged no claim line (did it finish?)")
    rows, first_seen = [], set()
    for t, x in times:
        eta, step = _ETA.search(x), _STEP.search(x)
        if not (eta and step) or t > end:
            continue
        fit = step.group(3)
        first = fit not in first_seen
        first_seen.add(fit)
        true = end - t
        pred = seconds(eta.group(1))
        rows.append({
            "elapsed_s": round(t - t0, 2), "fit": fit, "step": int(step.group(4)),
            "predicted_s": pred, "true_s": round(true, 2),
            "ratio": round(pred / true, 3) if true > 0 else None,
            "first_chunk_of_fit": first,
        })  # fmt: skip
    scored = [r for r in rows if not r["first_chunk_of_fit"] and r["ratio"] is not None]
    within = [r for r in scored if abs(r["ratio"] - 1) <= tolerance]
    first_scored = scored[0] if scored else None
    return {
        "lines": rows,
        "scored": len(scored),
        "within_tolerance": len(within),
        "share_within": len(within) / len(scored) if scored else None,
        "tolerance": tolerance,
        "median_abs_error": (
            sorted(abs(r["ratio"] - 1) for r in scored)[len(scored) // 2] if scored else None
        ),
        "first_scored_line": first_scored,
        "run_s_to_claims": round(end - t0, 1),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--stem", default="icl_linear_regression")
    ap.add_argument("--preset", default="quick")
    ap.add_argument("--out", default="benchmarks/results/eta_accuracy.json")
    ap.add_argument("--log", default="", help="score an existing log instead of running")
    ap.add_argument("--flags", default="", help="extra launcher flags, e.g. --config.num_seeds=8")
    ap.add_argument(
        "--workdir", default="", help="run into this workdir (kept); default: a temp dir"
    )
    args = ap.parse_args()
    used_reference = None
    if args.log:
        with open(args.log) as f:
            lines = f.read().splitlines()
        host = "log " + args.log
    else:
        workdir = args.workdir or tempfile.mkdtemp(prefix=f"eta_{args.stem}_")
        cmd = [sys.executable, "-m", f"experiments.{args.stem}",
               f"--config=configs/{args.stem}.py:{args.preset}", f"--workdir={workdir}",
               "--noplot", *args.flags.split()]  # fmt: skip
        t = time.time()
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if proc.returncode:
            sys.exit(f"{' '.join(cmd)} failed:\n{proc.stderr[-3000:]}")
        lines = proc.stderr.splitlines()
        host = f"{os.cpu_count()} CPUs, wall {time.time() - t:.0f} s"
        with open(os.path.join(workdir, "run.log"), "w") as f:
            f.write(proc.stderr)
        with open(os.path.join(workdir, "summary.json")) as f:
            used_reference = json.load(f)["timing"].get("used_reference")
    out = score(lines)
    out.update(stem=args.stem, preset=args.preset, flags=args.flags, machine=host,
               used_reference=used_reference,
               date=time.strftime("%Y-%m-%d"))  # fmt: skip
    os.makedirs(os.path.dirname(args.out) or ".", exist_ok=True)
    with open(args.out, "w") as f:
        json.dump(out, f, indent=1)
    print(f"{out['within_tolerance']} of {out['scored']} ETA lines within "
          f"{out['tolerance']:.0%} of the true remaining time (median error "
          f"{out['median_abs_error']:.1%}); wrote {args.out}")  # fmt: skip


if __name__ == "__main__":
    main()
