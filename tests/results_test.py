"""The workdir contract: atomic readable files, claims, seed statistics, metrics on resume,
TensorBoard output, and the stale-config guard."""

import importlib.util
import json
import os
import stat

import numpy as np
import pytest

from attn_theory import files, plotting, results
from attn_theory.validation import ConfigError
from experiments import launch

SMOKE = "rank_vs_heads"  # a converted experiment whose smoke run takes seconds


def test_claim_helpers_decide_and_serialise():
    assert results.claim_le(0.2, 0.26, "x").passed
    assert not results.claim_ge(0.2, 0.26, "x").passed
    c = results.claim_in(np.float32(0.5), 0.4, 0.6, "in range", kind="measured",
                         statistic="mean of 2", per_seed=[0.45, 0.7])  # fmt: skip
    assert c.passed and c.to_json() == {
        "value": 0.5,
        "bound": [0.4, 0.6],
        "comparator": "in",
        "passed": True,
        "claim": "in range",
        "kind": "measured",
        "statistic": "mean of 2",
        "per_seed": [0.45, 0.7],
        "seeds_passing": 1,
        "num_seeds": 2,
    }
    assert c.describe() == "value 0.5 in [0.4, 0.6] PASS (1/2 seeds)"
    assert results.claim_ge(1.72649, 1.0, "x").describe() == "value 1.726 >= 1 PASS"
    assert results.claim_le(float("nan"), 1.0, "nan fails").passed is False


def test_seed_stats_mean_std_stderr():
    s = results.seed_stats({"a": np.array([1.0, 2.0, 3.0]), "b": np.zeros((3, 2))})
    assert set(s) == {"a"}
    assert s["a"]["mean"] == 2.0 and np.isclose(s["a"]["std"], 1.0)
    assert np.isclose(s["a"]["stderr"], 1 / np.sqrt(3))


def test_atomic_json_leaves_no_temp_files(tmp_path):
    path = tmp_path / "x.json"
    results.write_json(str(path), {"a": np.float32(1.5), "b": np.arange(3)})
    assert json.loads(path.read_text()) == {"a": 1.5, "b": [0, 1, 2]}
    assert os.listdir(tmp_path) == ["x.json"]


def test_files_are_readable_as_the_umask_allows(tmp_path):
    old = os.umask(0o022)
    try:
        wd = results.Workdir(str(tmp_path))
        wd.write_config({"a": 1})
        wd.save_results({"x": np.zeros(2)})
        wd.write_summary({"x": np.zeros(2)}, {}, wall_time_s=1.0)
        fig, _ = plotting.figure()
        wd.save_figures({"f": fig})
        wd.checkpointer("fit").save(1, {"w": np.zeros(2)}, {"step": np.array([1])})
        wd.checkpointer("fit").save(2, {"w": np.zeros(2)}, {"step": np.array([1, 2])})
        written = ["config.json", "results.npz", "summary.json", "figures/f.png",
                   "figures/f.pdf", "figures/captions.json", "checkpoints/fit.npz",
                   "checkpoints/fit.previous.npz"]  # fmt: skip
        for f in written:
            assert stat.S_IMODE(os.stat(tmp_path / f).st_mode) == 0o644, f
        os.umask(0o077)
        assert files.default_mode() == 0o600
    finally:
        os.umask(old)


def test_resumed_fit_does_not_repeat_metrics_records(tmp_path):
    wd = results.Workdir(str(tmp_path))
    for step in (10, 20, 30):
        wd.append_metrics({"run": "a", "step": step})
        wd.append_metrics({"run": "b", "step": step})
    with open(tmp_path / "metrics.jsonl", "a") as f:
        f.write('{"run": "a", "st')  # a line cut short by the kill
    wd.truncate_metrics("a", 10)  # fit "a" resumes from its checkpoint at step 10
    records = [json.loads(x) for x in open(tmp_path / "metrics.jsonl")]
    assert [(r["run"], r["step"]) for r in records] == [
        ("a", 10), ("b", 10), ("b", 20), ("b", 30)]  # fmt: skip


@pytest.mark.skipif(importlib.util.find_spec("tensorboardX") is None, reason="needs [tb]")
def test_tensorboard_events_are_written_beside_metrics(tmp_path):
    wd = results.Workdir(str(tmp_path), tensorboard=True)
    wd.append_metrics({"run": "h2", "step": 5, "loss": [1.0, 2.0], "loss_mean": 1.5})
    events = os.listdir(tmp_path / "tensorboard")
    assert len(events) == 1 and events[0].startswith("events.out.tfevents")
    assert os.path.getsize(tmp_path / "tensorboard" / events[0]) > 0


@pytest.mark.slow  # integration test of tens of seconds: slow tier keeps the fast one quick
def test_rerun_resumes_and_changed_config_is_refused(tmp_path):
    wd = str(tmp_path / "run")
    config = launch.load(SMOKE).config
    first = launch.execute(SMOKE, config.get_config("smoke"), wd, make_plots=False)
    n_lines = len(open(os.path.join(wd, "metrics.jsonl")).readlines())
    r1 = dict(np.load(os.path.join(wd, "results.npz")))
    second = launch.execute(SMOKE, config.get_config("smoke"), wd, make_plots=False)
    # Training finished before, so the rerun restores the final checkpoint and trains nothing.
    assert len(open(os.path.join(wd, "metrics.jsonl")).readlines()) == n_lines
    r2 = dict(np.load(os.path.join(wd, "results.npz")))
    for k in r1:
        np.testing.assert_array_equal(r1[k], r2[k], err_msg=k)
    assert first["claims"].keys() == second["claims"].keys()
    assert {"elapsed_s", "fits", "compile_s"} <= set(second["timing"])
    with pytest.raises(ConfigError, match="optim"):
        launch.execute(SMOKE, config.get_config("smoke,optim.lr=0.01"), wd)
