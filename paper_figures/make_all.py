"""Regenerates every registered paper figure and writes the one-page report.

    python -m paper_figures.make_all                       # quick preset, CPU, <= ~10 min
    python -m paper_figures.make_all --preset=paper        # the papers' sizes, all devices
    python -m paper_figures.make_all --only=icl,rank       # families or stems
    python -m paper_figures.make_all --report_only         # rebuild the report from saved runs

Each experiment runs into OUT/<stem>/ (the workdir contract); one that fails is reported
and the others still run. The report is OUT/REPORT.md and OUT/index.html.
"""

from __future__ import annotations

import os

# Set before numpy/jax load: BLAS threads on top of XLA's oversubscribe small CPUs.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import concurrent.futures  # noqa: E402
import json  # noqa: E402
import multiprocessing  # noqa: E402
import time  # noqa: E402
import traceback  # noqa: E402

from absl import app, flags, logging  # noqa: E402

from paper_figures import registry, report  # noqa: E402

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


def selected(only: list[str]) -> list[registry.Entry]:
    """Registry entries matching --only (families or stems); all when empty."""
    if not only:
        return list(registry.EXPERIMENTS)
    known = {e.stem for e in registry.EXPERIMENTS} | {e.family for e in registry.EXPERIMENTS}
    unknown = sorted(set(only) - known)
    if unknown:
        raise app.UsageError(f"--only: unknown {unknown}; known: {sorted(known)}")
    return [e for e in registry.EXPERIMENTS if e.stem in only or e.family in only]


def run_one(entry: registry.Entry, preset: str, out: str) -> dict:
    """Runs one experiment; returns a status record (never raises)."""
    from absl import logging as worker_logging

    from experiments import launch

    worker_logging.set_verbosity(worker_logging.INFO)

    workdir = os.path.join(out, entry.stem)
    t0 = time.time()
    try:
        exp = launch.load(entry.stem)
        config = exp.config.get_config(preset)
    except ModuleNotFoundError as e:
        return {"status": "missing", "error": str(e), "seconds": 0.0}
    try:
        launch.execute(exp, config, workdir, keep_stale=True)
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
    entries = selected(_ONLY.value)
    os.makedirs(_OUT.value, exist_ok=True)
    status_path = os.path.join(_OUT.value, "status.json")
    statuses = {}
    if os.path.exists(status_path):
        with open(status_path) as f:
            statuses = json.load(f)
    if not _REPORT_ONLY.value:
        t_all = time.time()
        ctx = multiprocessing.get_context("spawn")  # a fresh JAX per experiment
        with concurrent.futures.ProcessPoolExecutor(_JOBS.value, mp_context=ctx) as pool:
            futures = {}
            for entry in entries:
                logging.info("queued %s (%s preset)", entry.stem, _PRESET.value)
                futures[pool.submit(run_one, entry, _PRESET.value, _OUT.value)] = entry
            for done, fut in enumerate(concurrent.futures.as_completed(futures), 1):
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
                logging.info(
                    "[%d/%d] %s: %s in %.0fs (suite so far %.0fs)",
                    done,
                    len(entries),
                    entry.stem,
                    status["status"],
                    status["seconds"],
                    time.time() - t_all,
                )
                report.write_json(status_path, statuses)
    path = report.write_report(_OUT.value, list(registry.EXPERIMENTS), statuses)
    logging.info("report: %s", path)


if __name__ == "__main__":
    app.run(main)
