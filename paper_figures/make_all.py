"""Regenerates every registered paper figure and writes the one-page report.

    python -m paper_figures.make_all                       # quick preset, CPU, <= ~10 min
    python -m paper_figures.make_all --preset=paper        # the papers' sizes, all devices
    python -m paper_figures.make_all --only=icl,rank       # families or stems
    python -m paper_figures.make_all --report_only         # rebuild the report from saved runs

Each experiment runs into OUT/<stem>/ (the workdir contract); one that fails is reported
and the others still run. The report is OUT/REPORT.md and OUT/index.html. Every log line
carries the time and the experiment it comes from; after each experiment a suite line gives
done k/n, the elapsed time and the remaining time estimated from the committed per-experiment
times in paper_figures/suite_times.json (quick preset, scaled by how fast this machine has
been so far).
"""

from __future__ import annotations

import os

# Set before numpy/jax load: BLAS threads on top of XLA's oversubscribe small CPUs.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import concurrent.futures  # noqa: E402
import json  # noqa: E402
import logging as python_logging  # noqa: E402
import multiprocessing  # noqa: E402
import time  # noqa: E402
import traceback  # noqa: E402

import matplotlib  # noqa: E402
from absl import app, flags, logging  # noqa: E402

from attn_theory.progress import hms  # noqa: E402
from experiments import launch  # noqa: E402
from paper_figures import registry, report  # noqa: E402

TIMES_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "suite_times.json")

_PRESET = flags.DEFINE_string("preset", "quick", "Config preset passed to every get_config.")
_ONLY = flags.DEFINE_list("only", [], "Families or stems to run (default: all).")
_OUT = flags.DEFINE_string("out", "paper_figures/out", "Output folder.")
_REPORT_ONLY = flags.DEFINE_bool("report_only", False, "Only rebuild the report.")
_JOBS = flags.DEFINE_integer(
    "jobs",
    2,
    "Experiments run at once, each in its own process (a crash stays contained). "
    "A small model does not fill two CPU cores, so 2 is faster than 1 on a 2-core machine.",
)
_MAX_RUNS = flags.DEFINE_integer(
    "max_runs_per_program",
    0,
    "Passed to every experiment: at most this many runs per compiled program, the rest group "
    "after group (same results, less memory; 0: all at once). See PAPER_SCALE.md.",
    lower_bound=0,
)


def selected(only: list[str]) -> list[registry.Entry]:
    """Registry entries matching --only (families or stems); all when empty."""
    if not only:
        return list(registry.EXPERIMENTS)
    known = {e.stem for e in registry.EXPERIMENTS} | {e.family for e in registry.EXPERIMENTS}
    unknown = sorted(set(only) - known)
    if unknown:
        raise app.UsageError(f"--only: unknown {unknown}; known: {sorted(known)}")
    return [e for e in registry.EXPERIMENTS if e.stem in only or e.family in only]


def label_log_lines(label: str) -> None:
    """Every absl line of this process starts with the time and `label` (workers interleave)."""
    handler = python_logging.StreamHandler()
    handler.setFormatter(python_logging.Formatter(f"%(asctime)s [{label}] %(message)s", "%H:%M:%S"))
    logger = logging.get_absl_logger()
    logger.handlers = [handler]
    logger.propagate = False
    logging.set_verbosity(logging.INFO)


def load_times(preset: str, path: str = TIMES_PATH) -> dict[str, float]:
    """Committed seconds per experiment for `preset` ({} when none are committed)."""
    if not os.path.exists(path):
        return {}
    with open(path) as f:
        return dict(json.load(f).get(preset, {}).get("seconds", {}))


def suite_line(done: dict[str, float | None], pending: list[str], times: dict[str, float],
               elapsed: float, jobs: int) -> str:  # fmt: skip
    """'done 3/13 (failed 0), elapsed 2m 10s, about 5m 02s left' from committed times.

    Args:
      done: {stem: seconds it took, or None if it failed} for finished experiments.
      pending: stems not finished yet.
      times: committed seconds per stem (measured with --jobs=2).
      elapsed: suite wall time so far; jobs: experiments running at once.
    """
    n = len(done) + len(pending)
    text = f"done {len(done)}/{n}, elapsed {hms(elapsed)}"
    known = [s for s in pending if s in times]
    if not pending:
        return text
    if not known:
        return text + ", remaining time unknown (no committed times for these experiments)"
    # How fast this machine has been so far relative to the committed times.
    ref = [(done[s], times[s]) for s in done if done[s] and s in times and times[s] > 0]
    speed = sum(a for a, _ in ref) / sum(b for _, b in ref) if ref else 1.0
    left = speed * sum(times[s] for s in known) / max(jobs, 1)
    text += f", about {hms(left)} left"
    if len(known) < len(pending):
        text += f" (+{len(pending) - len(known)} without committed times)"
    return text


def run_one(entry: registry.Entry, preset: str, out: str, max_runs: int = 0) -> dict:
    """Runs one experiment; returns a status record (never raises)."""
    label_log_lines(entry.stem)
    matplotlib.use("Agg")
    workdir = os.path.join(out, entry.stem)
    t0 = time.time()
    try:
        exp = launch.load(entry.stem)
        config = exp.config.get_config(preset)
    except ModuleNotFoundError as e:
        return {"status": "missing", "error": str(e), "seconds": 0.0}
    try:
        launch.execute(exp, config, workdir, keep_stale=True, max_runs_per_program=max_runs)
        status = {"status": "ok", "seconds": time.time() - t0}
    except Exception as e:  # noqa: BLE001 - one failing experiment must not stop the suite
        logging.error("%s failed:\n%s", entry.stem, traceback.format_exc())
        status = {
            "status": "failed",
            "error": f"{type(e).__name__}: {e}",
            "seconds": time.time() - t0,
        }
    return status


def main(argv):
    del argv
    label_log_lines("suite")
    matplotlib.use("Agg")
    entries = selected(_ONLY.value)
    os.makedirs(_OUT.value, exist_ok=True)
    status_path = os.path.join(_OUT.value, "status.json")
    statuses = {}
    if os.path.exists(status_path):
        with open(status_path) as f:
            statuses = json.load(f)
    if not _REPORT_ONLY.value:
        t_all = time.time()
        times = load_times(_PRESET.value)
        jobs = _JOBS.value
        pending = [e.stem for e in entries]
        logging.info("%d experiments, %s preset, %d at once: %s", len(entries), _PRESET.value,
                     jobs, suite_line({}, pending, times, 0.0, jobs))  # fmt: skip
        ctx = multiprocessing.get_context("spawn")  # a fresh JAX per experiment
        done: dict[str, float | None] = {}
        with concurrent.futures.ProcessPoolExecutor(jobs, mp_context=ctx) as pool:
            futures = {
                pool.submit(run_one, e, _PRESET.value, _OUT.value, _MAX_RUNS.value): e
                for e in entries
            }
            for fut in concurrent.futures.as_completed(futures):
                entry = futures[fut]
                try:
                    status = fut.result()
                except Exception as e:  # noqa: BLE001 - e.g. the worker process died
                    status = {
                        "status": "failed",
                        "error": f"{type(e).__name__}: {e}",
                        "seconds": 0.0,
                    }
                statuses[entry.stem] = {**status, "preset": _PRESET.value}
                done[entry.stem] = status["seconds"] if status["status"] == "ok" else None
                pending.remove(entry.stem)
                logging.info("%s: %s in %s", entry.stem, status["status"], hms(status["seconds"]))
                logging.info("%s", suite_line(done, pending, times, time.time() - t_all, jobs))
                report.write_json(status_path, statuses)
    path = report.write_report(_OUT.value, list(registry.EXPERIMENTS), statuses)
    logging.info("report: %s (open %s)", path, os.path.join(_OUT.value, "index.html"))


if __name__ == "__main__":
    app.run(main)
