"""Paper presets cannot rot: each is built, compiled at full size and run for two steps.

Slow tier. Every training fit of the paper preset runs two real steps at the paper's shapes
(train.Hooks.max_steps), its one-step program is compiled and measured, and the claims and
figures are computed from the capped results, so a shape or memory error shows up here and
not on a GPU node. The committed cost report (paper_figures/paper_scale.json) says how long
each probe took on the 2-core CPU: the cheapest probes run here, each within PROBE_BUDGET_S
and together within TOTAL_BUDGET_S (so CI keeps its 30-minute budget); the others are left to
`python -m paper_figures.cost`, which probes every preset, and are skipped with that reason.
The fast tier still builds and validates every paper config (tests/smoke_test.py).
"""

import json
import os

import pytest

from paper_figures import cost, registry

PROBE_BUDGET_S = 240
TOTAL_BUDGET_S = 480
_REPORT = os.path.join(os.path.dirname(cost.__file__), "paper_scale.json")


def _committed_probe_seconds() -> dict[str, float]:
    if not os.path.exists(_REPORT):
        return {}
    with open(_REPORT) as f:
        records = json.load(f)["records"]
    return {r["stem"]: r["run_s"] for r in records if r.get("status") == "ok" and "run_s" in r}


def _selected() -> dict[str, str]:
    """{stem: reason to skip} for the probes left out; cheapest first within the budgets."""
    seconds = _committed_probe_seconds()
    skip, total = {}, 0.0
    for stem in sorted((e.stem for e in registry.EXPERIMENTS),
                       key=lambda s: seconds.get(s, float("inf"))):  # fmt: skip
        t = seconds.get(stem)
        if t is None or t > PROBE_BUDGET_S or total + t > TOTAL_BUDGET_S:
            took = "no committed time" if t is None else f"{t:.0f} s"
            skip[stem] = (f"paper probe of {stem}: {took} in the committed cost report "
                          f"(budgets {PROBE_BUDGET_S} s each, {TOTAL_BUDGET_S} s in all); "
                          f"run `python -m paper_figures.cost --only={stem}`")  # fmt: skip
        else:
            total += t
    return skip


_SKIP = _selected()


@pytest.mark.slow
@pytest.mark.parametrize("stem", [e.stem for e in registry.EXPERIMENTS])
def test_paper_preset_compiles_and_runs_two_steps(stem):
    if stem in _SKIP:
        pytest.skip(_SKIP[stem])
    rec = cost.probe(stem, "paper", max_steps=2)
    assert rec["status"] == "ok"
    assert rec["num_claims"] > 0 and rec["num_figures"] > 0
    for p in rec["programs"]:
        assert p["num_steps"] >= 2 and p["flops"] >= 0 and p["temp_bytes"] >= 0, p["name"]
        assert p["seconds_per_call"] > 0, p["name"]


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
