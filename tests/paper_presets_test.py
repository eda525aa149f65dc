"""Paper presets cannot rot: each is built, and compiled at full size or run for two steps.

Slow tier. A two-step probe runs every training fit of the paper preset for two real steps
at the paper's shapes (train.Hooks.max_steps), compiles and measures its one-step program,
and computes the claims and figures from the capped results. A compile-only probe
(train.Hooks.compile_only) compiles every fit's programs and every `train.call` program at
the paper's shapes and runs none of them (work outside them still runs). Either way a shape
or memory error shows up here and not on a GPU node. The committed cost report
(paper_figures/paper_scale.json) says how long each probe took on the 2-core CPU: every
preset first gets its cheaper probe while the budgets allow (breadth first), then cheap
presets are upgraded from compile-only to two steps; each probe stays within PROBE_BUDGET_S
and all within TOTAL_BUDGET_S (so CI keeps its time budget). The rest are left to
`python -m paper_figures.cost`, and skipped with that reason. The fast tier still builds
and validates every paper config (tests/smoke_test.py).
"""

import json
import os

import pytest

from paper_figures import cost, registry

PROBE_BUDGET_S = 240
TOTAL_BUDGET_S = 600
_REPORT = os.path.join(os.path.dirname(cost.__file__), "paper_scale.json")


def _committed_seconds() -> dict[str, dict[str, float]]:
    """{stem: {"run": s, "compile": s}} of the probes that finished in the committed report."""
    if not os.path.exists(_REPORT):
        return {}
    with open(_REPORT) as f:
        records = json.load(f)["records"]
    out: dict[str, dict[str, float]] = {}
    for r in records:
        t = out.setdefault(r["stem"], {})
        if r.get("status") == "ok" and "run_s" in r:
            t["run"] = r["run_s"]
        c = r.get("compiled") or {}
        if c.get("status") == "ok":
            t["compile"] = c["run_s"]
    return out


def plan(seconds: dict[str, dict[str, float]], stems: list[str]) -> dict[str, tuple[str, str]]:
    """{stem: (mode, reason)}: mode 'run' (two steps), 'compile' or 'skip'."""
    fits = {s: {m: t for m, t in seconds.get(s, {}).items() if t <= PROBE_BUDGET_S}
            for s in stems}  # fmt: skip
    chosen: dict[str, str] = {}
    total = 0.0
    for stem in sorted(stems, key=lambda s: min(fits[s].values(), default=float("inf"))):
        if fits[stem]:
            mode = min(fits[stem], key=fits[stem].get)
            if total + fits[stem][mode] <= TOTAL_BUDGET_S:
                chosen[stem], total = mode, total + fits[stem][mode]
    for stem, mode in sorted(chosen.items(), key=lambda x: fits[x[0]].get("run", float("inf"))):
        extra = fits[stem].get("run", float("inf")) - fits[stem][mode]
        if mode == "compile" and total + extra <= TOTAL_BUDGET_S:
            chosen[stem], total = "run", total + extra
    out = {}
    for stem in stems:
        if stem in chosen:
            out[stem] = (chosen[stem], "")
            continue
        took = ", ".join(f"{m} {t:.0f} s" for m, t in seconds.get(stem, {}).items())
        out[stem] = ("skip", f"paper probe of {stem}: {took or 'no committed time'} in the "
                     f"committed cost report (budgets {PROBE_BUDGET_S} s each, "
                     f"{TOTAL_BUDGET_S} s in all); run `python -m paper_figures.cost "
                     f"--only={stem}` (and --compile_only)")  # fmt: skip
    return out


_PLAN = plan(_committed_seconds(), [e.stem for e in registry.EXPERIMENTS])


@pytest.mark.slow
@pytest.mark.parametrize("stem", [e.stem for e in registry.EXPERIMENTS])
def test_paper_preset_compiles_and_runs_two_steps(stem):
    mode, reason = _PLAN[stem]
    if mode == "skip":
        pytest.skip(reason)
    rec = cost.probe(stem, "paper", max_steps=2, compile_only=mode == "compile")
    assert rec["status"] == "ok"
    if mode == "run":
        assert rec["num_claims"] > 0 and rec["num_figures"] > 0
    for p in rec["programs"]:
        if p.get("kind") == "call":
            assert p["calls"] >= 1 and p["flops"] >= 0, p["name"]
            continue
        assert p["num_steps"] >= 2 and p["flops"] >= 0 and p["temp_bytes"] >= 0, p["name"]
        if mode == "run":
            assert p["seconds_per_call"] > 0, p["name"]
        else:
            assert p["seconds_per_call"] is None and "error" not in p, p["name"]


def test_probe_plan_covers_presets_breadth_first():
    """Each preset gets its cheaper probe first; leftover budget upgrades compile-only probes
    to two-step runs; a preset with no probe under the per-probe budget is skipped."""
    seconds = {"a": {"run": 30.0, "compile": 10.0}, "b": {"run": 500.0, "compile": 200.0},
               "c": {"run": 100.0}, "d": {"compile": 300.0}, "e": {}}  # fmt: skip
    got = plan(seconds, ["a", "b", "c", "d", "e"])
    assert {k: v[0] for k, v in got.items()} == {"a": "run", "b": "compile", "c": "run",
                                                 "d": "skip", "e": "skip"}  # fmt: skip
    assert "no committed time" in got["e"][1] and "compile 300 s" in got["d"][1]


def test_report_rows_for_a_probe_that_ran_and_one_too_large():
    """Fast: the report states memory, estimates and sharding, and a program that compiled
    but did not fit keeps its compiled memory in the table."""
    prog = dict(name="fit_a", num_runs=4, num_steps=1000, log_every=100, compile_s=1.0,
                argument_bytes=2**20, output_bytes=2**20, temp_bytes=2**30, flops=1e9,
                bytes_accessed=1e8, seconds_per_call=0.01)  # fmt: skip
    ok = cost.project({"stem": "a", "status": "ok", "run_s": 5.0, "programs": [prog],
                       "max_steps": 2})  # fmt: skip
    assert ok["cpu_estimate_s"] == 5.0 + 998 * 0.01 and ok["fits_one_gpu"]
    big = dict(prog, name="fit_b", temp_bytes=150 * 2**30, seconds_per_call=None, error="OOM")
    too_large = {"stem": "b", "status": "too large for this CPU", "error": "[fit_b] OOM",
                 "programs": [big]}  # fmt: skip
    text = cost.markdown([ok, cost.project(too_large)], "paper", "today")
    row_a = next(line for line in text.splitlines() if line.startswith("| a |"))
    row_b = next(line for line in text.splitlines() if line.startswith("| b |"))
    assert "1.0 GiB" in row_a and "4 runs: any of [1, 2, 4] devices" in row_a
    assert "150.0 GiB" in row_b and "| no |" in row_b and "too large" in row_b
    assert "did not fit" in text


def test_grouped_probe_reports_the_group_that_fits_one_gpu():
    """A probe run with --max_runs_per_program: its first group's program stands for all
    groups (steps x groups), and the table names the largest group under 90% of the GPU."""
    gib = 2**30
    prog = {"name": "fit", "num_runs": 5, "num_groups": 15, "total_runs": 75,
            "num_steps": 100, "log_every": 50, "seconds_per_call": 2.0, "flops": 1e9,
            "bytes_accessed": 1e6, "argument_bytes": 0, "output_bytes": 0,
            "temp_bytes": 10 * gib}  # fmt: skip
    rec = cost.project({"stem": "s", "status": "ok", "run_s": 10.0, "max_steps": 2,
                        "max_runs_per_program": 5, "programs": [prog]})  # fmt: skip
    want = int(0.9 * cost.GPU_SPEC["memory_bytes"] // (2 * gib))  # 2 GiB per run
    assert rec["gpu_group"] == want and rec["run_axes"] == [75]
    assert rec["total_flops"] == pytest.approx(100 * 15 * 1e9)
    assert rec["cpu_estimate_s"] == pytest.approx(10.0 + (100 - 2) * 15 * 2.0)
    row = [x for x in cost.markdown([rec], "paper", "today").splitlines() if x.startswith("| s |")]
    assert f"--max_runs_per_program={want}" in row[0]
    assert cost.gpu_group([dict(prog, num_groups=1)]) is None  # not grouped: no advice


def test_compile_only_records_get_their_own_table():
    """A compile-only probe (no execution) is kept beside the few-step probe: its own table
    with fits / calls, peak memory over every compiled program and a roofline; the program
    rows say the step was not run."""
    gib = 2**30
    fit = {"name": "fit", "num_runs": 4, "num_steps": 1000, "log_every": 100, "flops": 1e9,
           "bytes_accessed": 1e6, "argument_bytes": 0, "output_bytes": 0,
           "temp_bytes": gib, "seconds_per_call": None}  # fmt: skip
    call = {"name": "final", "kind": "call", "flops": 5e9, "bytes_accessed": 1e6,
            "argument_bytes": 0, "output_bytes": 0, "temp_bytes": 100 * gib,
            "seconds_per_call": None}  # fmt: skip
    compiled = cost.project_compiled({"stem": "c", "status": "ok", "run_s": 30.0,
                                      "programs": [fit, call]})  # fmt: skip
    assert compiled["total_flops"] == pytest.approx(1000 * 1e9 + 5e9)
    assert compiled["peak_bytes"] == 100 * gib and not compiled["fits_one_gpu"]
    rec = {"stem": "c", "status": "timeout", "error": "probe exceeded 600 s",
           "compiled": compiled}  # fmt: skip
    text = cost.markdown([cost.project(rec)], "paper", "today")
    row = [x for x in text.split("Compiled at full size")[1].splitlines()
           if x.startswith("| c |")]  # fmt: skip
    assert row and "| 1 / 1 |" in row[0] and "100.0 GiB" in row[0] and "| no |" in row[0]
    assert "| final (call) | - | 1 call(s) | not run (compile only) |" in text
    # A fit too large as one program (and calls that fit): the runs per program that fit.
    big = cost.project_compiled(
        {
            "stem": "g",
            "status": "ok",
            "run_s": 1.0,
            "programs": [dict(fit, num_runs=8, temp_bytes=150 * gib)],
        }
    )
    assert big["gpu_group"] == int(0.9 * cost.GPU_SPEC["memory_bytes"] // (150 * gib / 8))
    assert "gpu_group" not in compiled  # the call does not fit: grouping runs cannot help
