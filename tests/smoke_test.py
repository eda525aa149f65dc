"""Every registered experiment: smoke run end to end, workdir contract, golden values.

Fast tier (the README's test command). Each smoke run takes seconds and is compared with
tests/golden/<stem>.json (see tests/golden.py for the tolerance and how to regenerate).
"""

import os

import pytest

from experiments import launch
from paper_figures import registry
from tests import contract, golden

STEMS = [e.stem for e in registry.EXPERIMENTS]


@pytest.mark.parametrize("stem", STEMS)
def test_smoke_end_to_end_matches_golden(stem, tmp_path):
    exp = launch.load(stem)
    cfg = exp.config.get_config("smoke")
    summary = golden.run_smoke(stem, str(tmp_path))
    contract.assert_workdir(str(tmp_path), num_seeds=cfg.num_seeds)
    assert os.listdir(tmp_path / "figures"), "no figures drawn"
    if not os.path.exists(golden.golden_path(stem)):
        pytest.fail(f"no golden file; run `python -m tests.golden {stem}` and commit it")
    errors = golden.compare(stem, summary)
    assert not errors, "\n".join(errors[:20])


@pytest.mark.parametrize("stem", STEMS)
def test_every_preset_builds_and_validates(stem):
    exp = launch.load(stem)
    assert {"smoke", "quick", "paper"} <= set(exp.config.PRESETS), stem
    for preset in exp.config.PRESETS:
        launch.build_config(exp, exp.config.get_config(preset))
