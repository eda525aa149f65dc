"""The launcher's command line: bad inputs end in one line naming the flag or field; --help
lists the flags and presets; --print_config lists every field."""

import os
import subprocess
import sys

import pytest
from absl import flags

from experiments import launch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _parse(stem, *args):
    # ml_collections reads --config.a.b overrides from sys.argv, so the test sets it too.
    argv = ["prog", *args]
    saved, sys.argv = sys.argv, argv
    try:
        fv = flags.FlagValues()
        launch.define_flags(fv)
        launch.parse_flags(stem, argv, fv)
    finally:
        sys.argv = saved
    return fv


def _cfg(stem, preset="smoke"):
    return f"--config={os.path.join(ROOT, 'configs', stem + '.py')}:{preset}"


# (stem, arguments, text the one-line error must contain). Each names the flag or field.
BAD = [
    ("rank_vs_heads", [_cfg("rank_vs_heads", "nope"), "--workdir=/tmp/x"], "unknown preset 'nope'"),
    ("rank_vs_heads", [_cfg("rank_vs_heads"), "--config.optim.lr=-1", "--workdir=/tmp/x"],
     "'optim.lr': must be > 0"),
    ("rank_vs_heads", [_cfg("rank_vs_heads"), "--config.optim.lr=abc", "--workdir=/tmp/x"],
     "--config.optim.lr=abc"),
    ("rank_vs_heads", [_cfg("rank_vs_heads", "smoke,optim.lr=abc"), "--workdir=/tmp/x"],
     "'optim.lr': expected float"),
    ("rank_vs_heads", [_cfg("rank_vs_heads"), "--config.optim.nope=1", "--workdir=/tmp/x"],
     "unknown config field 'optim.nope'"),
    ("rank_vs_heads", [_cfg("rank_vs_heads", "smoke,model.nope=1"), "--workdir=/tmp/x"],
     "unknown config field 'model.nope'"),
    ("rank_vs_heads", [_cfg("rank_vs_heads"), "--config.task.kind=foo", "--workdir=/tmp/x"],
     "'task.kind': must be one of"),
    ("rank_vs_heads", [_cfg("rank_vs_heads"), "--config.model.ranks=(3,)", "--workdir=/tmp/x"],
     "'model.ranks': rank 3 must divide"),
    ("rank_vs_heads", ["--workdir=/tmp/x"], "--config"),
    ("rank_vs_heads", [_cfg("rank_vs_heads")], "--workdir is required"),
    ("rank_vs_heads", [_cfg("rank_vs_heads"), "--workdir=/tmp/x", "stray"], "unexpected arguments"),
    ("icl_linear_regression", [_cfg("icl_linear_regression"), "--config.num_seeds=0",
                               "--workdir=/tmp/x"], "'num_seeds'"),
    ("icl_linear_regression", [_cfg("icl_linear_regression"), "--config.model.attention_impl=bad",
                               "--workdir=/tmp/x"], "'model.attention_impl'"),
    ("icl_linear_regression", [_cfg("icl_linear_regression"), "--config.task.dim=2.5",
                               "--workdir=/tmp/x"], "task.dim"),
    ("sdm_attention", [_cfg("sdm_attention"), "--config.task.n=4", "--workdir=/tmp/x"],
     "'task.n'"),
    ("sdm_attention", [_cfg("sdm_attention", "paperz"), "--workdir=/tmp/x"], "unknown preset"),
]  # fmt: skip


@pytest.mark.parametrize("stem,args,expected", BAD, ids=[f"{b[0]}:{b[2][:30]}" for b in BAD])
def test_bad_input_is_one_line_naming_the_field(stem, args, expected):
    with pytest.raises(launch.CliError) as err:
        _parse(stem, *args)
    message = str(err.value)
    assert expected in message
    assert "\n" not in message and "Traceback" not in message


def test_good_input_parses_and_print_config_needs_no_workdir():
    fv = _parse("rank_vs_heads", _cfg("rank_vs_heads", "smoke,seeds=3"), "--print_config")
    listing = launch.config_listing("rank_vs_heads", fv.config)
    assert "num_seeds = 3  # vmapped seeds" in listing and "(default 2)" in listing
    assert "optim.lr = 0.03  # peak learning rate  [> 0.0]" in listing


def test_command_line_errors_and_help_end_to_end(tmp_path):
    run = [sys.executable, "-m", "experiments.rank_vs_heads"]
    bad = subprocess.run([*run, _cfg("rank_vs_heads"), "--config.optim.lr=-1",
                          f"--workdir={tmp_path}"], cwd=ROOT, capture_output=True, text=True,
                         timeout=300)  # fmt: skip
    assert bad.returncode == 1
    assert bad.stderr.strip().splitlines()[-1].startswith("FATAL Flags parsing error: --config:")
    assert "Traceback" not in bad.stderr and "'optim.lr'" in bad.stderr
    assert not os.listdir(tmp_path)  # nothing was computed or written
    helped = subprocess.run([*run, "--help"], cwd=ROOT, capture_output=True, text=True,
                            timeout=300)  # fmt: skip
    assert helped.returncode in (0, 1)  # absl exits 1 after --help
    for text in (
        "Presets:",
        "smoke",
        "paper",
        "--workdir",
        "--[no]print_config",
        "--[no]tensorboard",
        "--coordinator_address",
        "python -m experiments.rank_vs_heads --config=",
    ):
        assert text in helped.stdout, text
