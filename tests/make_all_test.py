"""The figure suite entry point: runs a family in worker processes and writes the report."""

import json
import os
import re
import subprocess
import sys

import pytest

from experiments import launch
from paper_figures import make_all, registry

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_only_selects_families_and_stems_and_rejects_unknown():
    stems = {e.stem for e in make_all.selected(["associative_memory"])}
    assert stems == {"sdm_attention", "pavlovian_memory", "associative_memory_compare"}
    assert [e.stem for e in make_all.selected(["rank_vs_heads"])] == ["rank_vs_heads"]
    assert len(make_all.selected([])) == len(registry.EXPERIMENTS)
    with pytest.raises(Exception, match="unknown"):
        make_all.selected(["no_such_family"])


def test_every_registered_experiment_loads_its_contract():
    for e in registry.EXPERIMENTS:
        assert launch.load(e.stem).name == e.stem


@pytest.mark.slow  # integration test of tens of seconds: slow tier keeps the fast one quick
def test_suite_runs_one_experiment_and_writes_the_report(tmp_path):
    out = tmp_path / "out"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "paper_figures.make_all",
            "--only=associative_memory_compare",
            f"--out={out}",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
        timeout=600,
    )
    # Worker lines carry the time and the experiment; the suite line follows each experiment.
    assert re.search(r"^\d\d:\d\d:\d\d \[associative_memory_compare\] ", proc.stderr, re.M)
    assert re.search(r"^\d\d:\d\d:\d\d \[suite\] done 1/1, elapsed ", proc.stderr, re.M)
    status = json.loads((out / "status.json").read_text())
    assert status["associative_memory_compare"]["status"] == "ok"
    report = (out / "REPORT.md").read_text()
    assert "associative_memory_compare" in report and "PASS" in report
    assert "python -m experiments.associative_memory_compare" in report
    assert (out / "index.html").exists()
    figs = os.listdir(out / "associative_memory_compare" / "figures")
    assert any(f.endswith(".png") for f in figs)


def test_changed_config_moves_the_old_workdir_aside(tmp_path):
    entry = next(e for e in registry.EXPERIMENTS if e.stem == "associative_memory_compare")
    old = tmp_path / entry.stem
    os.makedirs(old / "checkpoints")
    (old / "config.json").write_text(json.dumps({"seed": -1}))
    status = make_all.run_one(entry, "quick", str(tmp_path))
    assert status["status"] == "ok", status
    kept = [p for p in os.listdir(tmp_path) if p.startswith(f"{entry.stem}.previous-")]
    assert len(kept) == 1
    assert json.loads((tmp_path / kept[0] / "config.json").read_text()) == {"seed": -1}
    assert os.path.exists(tmp_path / entry.stem / "summary.json")


def test_suite_line_estimates_the_rest_from_committed_times():
    times = {"a": 100.0, "b": 300.0, "c": 50.0}
    assert make_all.suite_line({}, ["a", "b"], times, 0.0, 2) == (
        "done 0/2, elapsed 0s, about 3m 20s left"
    )
    # "a" took twice its committed time, so the rest is expected to run twice as slow too.
    line = make_all.suite_line({"a": 200.0}, ["b", "new"], times, 200.0, 2)
    assert line == "done 1/3, elapsed 3m 20s, about 5m 00s left (+1 without committed times)"
    assert make_all.suite_line({"a": None}, [], times, 5.0, 2) == "done 1/1, elapsed 5s"
    committed = make_all.load_times("quick")
    assert {e.stem for e in registry.EXPERIMENTS} & set(committed)


def test_timing_profiles_refresh_from_runs_and_serve_the_matching_plan(tmp_path, monkeypatch):
    """paper_figures.timing_profiles keeps a run's timing as the profile of its plan; the
    launcher finds it for that plan only; an older timing (no end times) and an experiment
    without a plan of fits are skipped."""
    from paper_figures import timing_profiles

    fit = {"name": "a", "num_steps": 100, "start_step": 0, "step": 100, "chunk_len": 50,
           "run_s": 3.0, "compile_s": 1.0, "compiled_lengths": [50], "group": None,
           "started_s": 0.5, "ended_s": 4.5}  # fmt: skip
    new = {"results_s": 9.0, "fits": [fit]}
    runs = (("icl_multitask", new), ("memorization_capacity", new),
            ("rank_vs_heads", {"fits": [{**fit, "ended_s": None}]}))  # fmt: skip
    for stem, timing in runs:
        (tmp_path / stem).mkdir()
        (tmp_path / stem / "summary.json").write_text(json.dumps({"timing": timing}))
    path = tmp_path / "profiles.json"
    done = timing_profiles.refresh(str(tmp_path), "test machine", str(path))
    assert "1 fits" in done["icl_multitask"]
    assert done["rank_vs_heads"].startswith("skipped (no plan")
    assert "declares no plan" in done["memorization_capacity"]
    monkeypatch.setattr(launch, "TIMING_PROFILES", str(path))
    ref = launch.timing_reference("icl_multitask", [("a", 100)])
    assert ref["results_s"] == 9.0 and ref["fits"][0]["ended_s"] == 4.5
    assert launch.timing_reference("icl_multitask", [("a", 200)]) is None
    assert launch.timing_reference("rank_vs_heads", [("a", 100)]) is None
