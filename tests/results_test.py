"""The workdir contract: atomic files, claims, seed statistics, resume and config guard."""

import json
import os

import numpy as np
import pytest

from attn_theory import results
from attn_theory.validation import ConfigError
from configs import icl_linear_regression as icl_config
from experiments import icl_linear_regression as icl
from experiments import launch


def test_claim_helpers_decide_and_serialise():
    assert results.claim_le(0.2, 0.26, "x").passed
    assert not results.claim_ge(0.2, 0.26, "x").passed
    c = results.claim_in(np.float32(0.5), 0.4, 0.6, "in range")
    assert c.passed and c.to_json() == {
        "value": 0.5,
        "bound": [0.4, 0.6],
        "passed": True,
        "claim": "in range",
    }
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


def test_rerun_resumes_and_changed_config_is_refused(tmp_path):
    wd = str(tmp_path / "run")
    first = launch.execute(icl, icl_config.get_config("smoke"), wd, make_plots=False)
    n_lines = len(open(os.path.join(wd, "metrics.jsonl")).readlines())
    r1 = dict(np.load(os.path.join(wd, "results.npz")))
    second = launch.execute(icl, icl_config.get_config("smoke"), wd, make_plots=False)
    # Training finished before, so the rerun restores the final checkpoint and trains nothing.
    assert len(open(os.path.join(wd, "metrics.jsonl")).readlines()) == n_lines
    r2 = dict(np.load(os.path.join(wd, "results.npz")))
    for k in r1:
        np.testing.assert_array_equal(r1[k], r2[k], err_msg=k)
    assert first["claims"].keys() == second["claims"].keys()
    with pytest.raises(ConfigError, match="optim"):
        launch.execute(icl, icl_config.get_config("smoke,optim.learning_rate=0.01"), wd)
