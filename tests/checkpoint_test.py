"""Damaged checkpoints: fall back to the previous one, or fail in one line naming the file."""

import os
import subprocess
import sys

import jax
import numpy as np
import pytest

from attn_theory import checkpoint, train
from experiments import launch
from tests import train_test

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _truncate(path):
    with open(path, "r+b") as f:
        f.truncate(os.path.getsize(path) // 3)


def _fit(tmp_path, num_steps=60):
    keys = train.seed_keys(jax.random.key(4), 2)
    hooks = train.Hooks(
        checkpointer_factory=lambda name: checkpoint.NpzCheckpointer(str(tmp_path), name)
    )
    return train_test._fit(keys, num_steps=num_steps, log_every=20, hooks=hooks)


def test_truncated_checkpoint_falls_back_to_the_previous_one(tmp_path, caplog):
    full, full_hist = _fit(tmp_path / "clean")
    ckpt = tmp_path / "run"
    _fit(ckpt)  # leaves train.npz (step 60) and train.previous.npz (step 40)
    assert os.path.exists(ckpt / "train.previous.npz")
    _truncate(ckpt / "train.npz")
    resumed, hist = _fit(ckpt)  # restores step 40, trains 40 -> 60 again
    assert "resuming from the older" in caplog.text
    np.testing.assert_array_equal(resumed["w"], full["w"])
    np.testing.assert_array_equal(hist["loss"], full_hist["loss"])


def test_unreadable_checkpoints_give_one_line_naming_the_file(tmp_path):
    _fit(tmp_path)
    for name in ("train.npz", "train.previous.npz"):
        _truncate(tmp_path / name)
    with pytest.raises(checkpoint.CheckpointError) as err:
        _fit(tmp_path)
    message = str(err.value)
    assert str(tmp_path / "train.npz") in message and "delete" in message
    assert "\n" not in message


def test_checkpoint_of_another_shape_is_refused(tmp_path):
    ckpt = checkpoint.NpzCheckpointer(str(tmp_path), "x")
    ckpt.save(5, {"w": np.zeros(3)}, {"step": np.array([5])})
    with pytest.raises(checkpoint.CheckpointError, match="does not match"):
        ckpt.restore({"w": np.zeros(4)})


@pytest.mark.slow  # integration test of tens of seconds: slow tier keeps the fast one quick
def test_launcher_reports_a_truncated_checkpoint_in_one_line(tmp_path):
    workdir = tmp_path / "run"
    launch.execute("rank_vs_heads", launch.load("rank_vs_heads").config.get_config("smoke"),
                   str(workdir), make_plots=False)  # fmt: skip
    for name in os.listdir(workdir / "checkpoints"):
        _truncate(workdir / "checkpoints" / name)
    proc = subprocess.run(
        [sys.executable, "-m", "experiments.rank_vs_heads",
         "--config=configs/rank_vs_heads.py:smoke", f"--workdir={workdir}", "--noplot"],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert proc.returncode == 1
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("FATAL: checkpoint ") and "cannot be read" in last, last
    assert "Traceback" not in proc.stderr
