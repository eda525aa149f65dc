"""Golden values: each experiment's smoke run pinned to committed numbers.

A smoke run (configs/<stem>.py:smoke, seconds) is compared with tests/golden/<stem>.json:
every seed-statistic mean in summary.json and every claim value. A change that moves a number
fails loudly. Tolerance: rtol 1e-4, atol 1e-6 (float32 on CPU is bit-identical run to run on
one machine; the slack absorbs other BLAS/XLA builds).

Smoke runs (here and in the fast tier) compile with FAST_COMPILE_FLAGS: XLA's LLVM
optimisation level 0, which cut a smoke run's compile time about 4x; the numbers agree with
the default level within the tolerance.

Regenerate after an intended change, and say why in the commit:

    python -m tests.golden [STEM ...]        # default: every registered experiment
"""

from __future__ import annotations

import json
import math
import os
import sys
import tempfile

RTOL, ATOL = 1e-4, 1e-6
GOLDEN_DIR = os.path.join(os.path.dirname(__file__), "golden")


FAST_COMPILE_FLAGS = "--xla_backend_optimization_level=0"


def use_fast_compiles() -> None:
    """Adds FAST_COMPILE_FLAGS to XLA_FLAGS (before XLA's CPU backend starts)."""
    flags = os.environ.get("XLA_FLAGS", "")
    if FAST_COMPILE_FLAGS not in flags:
        os.environ["XLA_FLAGS"] = f"{flags} {FAST_COMPILE_FLAGS}".strip()


def golden_path(stem: str) -> str:
    return os.path.join(GOLDEN_DIR, f"{stem}.json")


def numbers(summary: dict) -> dict[str, float | None]:
    """The pinned numbers of a summary: scalar means and claim values (flattened)."""
    out = {}
    for k, v in summary["scalars"].items():
        out[f"scalars.{k}.mean"] = v["mean"]
    for k, c in summary["claims"].items():
        value = c["value"]
        if isinstance(value, list):
            for i, x in enumerate(value):
                out[f"claims.{k}.value[{i}]"] = x
        elif isinstance(value, bool) or value is None or isinstance(value, int | float):
            out[f"claims.{k}.value"] = None if value is None else float(value)
    return out


def run_smoke(stem: str, workdir: str) -> dict:
    """Runs the smoke preset end to end (figures included) and returns its summary."""
    from experiments import launch

    exp = launch.load(stem)
    return launch.execute(exp, exp.config.get_config("smoke"), workdir)


def compare(stem: str, summary: dict) -> list[str]:
    """Differences between a smoke summary and the committed golden file (empty: equal)."""
    with open(golden_path(stem)) as f:
        want = json.load(f)["numbers"]
    got = numbers(summary)
    errors = []
    for k in sorted(set(want) | set(got)):
        if k not in got or k not in want:
            errors.append(f"{k}: {'missing now' if k not in got else 'new, not in golden'}")
            continue
        a, b = got[k], want[k]
        if a is None or b is None:
            if a is not b:
                errors.append(f"{k}: {a} != golden {b}")
        elif not math.isclose(a, b, rel_tol=RTOL, abs_tol=ATOL):
            errors.append(f"{k}: {a:.7g} != golden {b:.7g}")
    return errors


def write(stem: str, summary: dict) -> None:
    os.makedirs(GOLDEN_DIR, exist_ok=True)
    body = {
        "stem": stem,
        "regenerate": f"python -m tests.golden {stem}",
        "versions": summary["versions"],
        "numbers": numbers(summary),
    }
    with open(golden_path(stem), "w") as f:
        json.dump(body, f, indent=1, sort_keys=True)
        f.write("\n")


def main(argv: list[str]) -> None:
    os.environ.setdefault("JAX_PLATFORMS", "cpu")
    os.environ.setdefault("MPLBACKEND", "Agg")
    use_fast_compiles()
    from paper_figures import registry

    stems = argv or [e.stem for e in registry.EXPERIMENTS]
    for stem in stems:
        with tempfile.TemporaryDirectory() as wd:
            write(stem, run_smoke(stem, wd))
        print(f"wrote {golden_path(stem)}")


if __name__ == "__main__":
    main(sys.argv[1:])
