"""Paper presets cannot rot: each is built, and run for two steps or compiled at full size.

Slow tier; every registered experiment's paper preset is probed. A two-step probe runs every
training fit of the preset for two real steps at the paper's shapes (train.Hooks.max_steps),
compiles and measures its one-step program, and computes the claims and figures from the
capped results: the presets whose two-step probe took at most RUN_BUDGET_S in the committed
cost report (paper_figures/paper_scale.json) get it. The others get a compile-only probe
(train.Hooks.compile_only): nothing runs at full size; the programs are compiled at the
paper's shapes until COMPILE_BUDGET_S seconds have gone to compiling, and every later
program is traced at full size (jax.eval_shape: every shape and dtype checked, no XLA
compile), then the claims and figures are computed from the NaN placeholders. So a shape
error in any paper program, or one in the claims and plots, shows up here and not on a GPU
node. Two presets trace too many programs for the test (recall_ssm: 70 fits, 213 programs,
7 min of tracing alone; stacked_attention_heads: 64 (D, L) groups), so their probe takes the
largest cell of each grid axis (SUBSETS; icl_linear_regression evaluates 3 of its 21
lengths, memory_efficient_attention skips the memory readings its quick preset's test
already makes); `python -m paper_figures.cost --compile_only`
compiles every program of every preset (PAPER_SCALE.md). The fast tier still builds and
validates every paper config (tests/smoke_test.py).
"""

import json
import os

import pytest

from paper_figures import cost, registry

RUN_BUDGET_S = 60
COMPILE_BUDGET_S = 30
# Config overrides of the compile-only probes (`paper,<these>`): recall_ssm and stacked keep
# the largest cell of each grid axis (memory and shapes at their extremes).
SUBSETS = {
    "recall_ssm": (
        "model.widths=(512,),model.linear_states=(256,),model.normalized_states=(256,),"
        "model.ssd_states=(256,),model.s6_states=(256,),zoology.num_kv=(64,)"
    ),
    "stacked_attention_heads": (
        "grid.difficulties=(14,1),grid.layers=(8,1),grid.steps=(24000,24000),"
        "grid.non_ic=(True,True)"
    ),
    # Its evaluations and float64 baselines at 21 lengths run op by op (7 min); the training
    # length and both ends keep every claim and figure.
    "icl_linear_regression": "task.eval_lens=(10,40,200)",
    # Its memory readings (compiles up to n = 131072 and fresh-process RSS probes, minutes)
    # are the quick preset's, checked by its own slow test; two lengths keep the slope.
    "memory_efficient_attention": "task.rss_len=0,task.memory_lens=(1024,2048)",
}
_REPORT = os.path.join(os.path.dirname(cost.__file__), "paper_scale.json")


def _committed_run_seconds() -> dict[str, float]:
    """{stem: seconds} of the two-step probes that finished in the committed report."""
    if not os.path.exists(_REPORT):
        return {}
    with open(_REPORT) as f:
        records = json.load(f)["records"]
    return {r["stem"]: r["run_s"] for r in records if r.get("status") == "ok" and "run_s" in r}


def plan(run_seconds: dict[str, float], stems: list[str]) -> dict[str, tuple[str, str]]:
    """{stem: (mode, preset)}: mode 'run' (two steps) or 'compile'; preset the config arg."""
    out = {}
    for stem in stems:
        mode = "run" if run_seconds.get(stem, float("inf")) <= RUN_BUDGET_S else "compile"
        preset = "paper" + (f",{SUBSETS[stem]}" if mode == "compile" and stem in SUBSETS else "")
        out[stem] = (mode, preset)
    return out


_PLAN = plan(_committed_run_seconds(), [e.stem for e in registry.EXPERIMENTS])


@pytest.mark.slow
@pytest.mark.parametrize("stem", [e.stem for e in registry.EXPERIMENTS])
def test_paper_preset_runs_two_steps_or_compiles(stem):
    mode, preset = _PLAN[stem]
    compile_only = mode == "compile"
    rec = cost.probe(stem, preset, max_steps=2, compile_only=compile_only,
                     compile_budget_s=COMPILE_BUDGET_S if compile_only else None)  # fmt: skip
    assert rec["status"] == "ok" and rec["num_claims"] > 0 and rec["num_figures"] > 0
    if compile_only:
        stats = rec["compile_stats"]
        assert stats["compiled"] >= 1 and stats["compiled"] == sum(
            1 + ("log" in p) for p in rec["programs"]
        ), stats
    for p in rec["programs"]:
        if p.get("kind") == "call":
            assert p["calls"] >= 1 and p["flops"] >= 0, p["name"]
            continue
        assert p["num_steps"] >= 2 and p["flops"] >= 0 and p["temp_bytes"] >= 0, p["name"]
        if compile_only:
            assert p["seconds_per_call"] is None and "error" not in p, p["name"]
        else:
            assert p["seconds_per_call"] > 0, p["name"]


def test_probe_plan_runs_the_cheap_presets_and_compiles_the_rest():
    """Two steps where the committed probe was cheap; otherwise compile-only (a subset of
    the grid for the presets in SUBSETS); a preset never probed is compiled."""
    stem = next(iter(SUBSETS))
    seconds = {"a": RUN_BUDGET_S - 1.0, "b": RUN_BUDGET_S + 1.0, stem: 1e4}
    got = plan(seconds, ["a", "b", "c", stem])
    assert got["a"] == ("run", "paper") and got["b"] == ("compile", "paper")
    assert got["c"] == ("compile", "paper") and got[stem] == ("compile", f"paper,{SUBSETS[stem]}")


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
    # One run alone larger than the GPU: no runs-per-program advice, the run's size instead.
    huge = cost.project_compiled(
        {"stem": "h", "status": "ok", "run_s": 1.0,
         "programs": [dict(fit, num_runs=2, temp_bytes=400 * gib)]}
    )  # fmt: skip
    assert "gpu_group" not in huge and huge["one_run_bytes"] == 200 * gib
    rec = {"stem": "h", "status": "timeout", "error": "-", "compiled": huge}
    assert "one run of fit needs 200.0 GiB" in cost.markdown([cost.project(rec)], "paper", "x")


def test_compile_only_record_merged_from_parts():
    """`--merge`: a compile-only probe stopped part-way and a second probe of the missing
    grid cells make one record: programs of the same name come from the newer part, the
    parts are listed, and the totals cover every program."""
    prog = {"num_runs": 2, "num_steps": 10, "log_every": 5, "flops": 1e9, "bytes_accessed": 1e6,
            "argument_bytes": 0, "output_bytes": 0, "temp_bytes": 2**30,
            "seconds_per_call": None}  # fmt: skip
    old = {"status": "timeout", "error": "probe exceeded 4000 s",
           "programs": [dict(prog, name="A"), dict(prog, name="B", flops=0.0)]}  # fmt: skip
    part = {"status": "ok", "run_s": 60.0,
            "programs": [dict(prog, name="B"), dict(prog, name="C")]}  # fmt: skip
    merged = cost.project_compiled(cost.merge_compiled(old, part, "paper,cells=B,C"))
    assert [p["name"] for p in merged["programs"]] == ["A", "B", "C"]
    assert merged["total_flops"] == pytest.approx(3 * 10 * 1e9) and merged["status"] == "ok"
    assert [q["programs"] for q in merged["parts"]] == [2, 2] and merged["run_s"] == 60.0
    text = cost._compile_status(merged)
    assert (
        "ok in 2 parts" in text and "probe exceeded 4000 s" in text and "`paper,cells=B,C`" in text
    )
