"""synthetic_task: config forms and validation (fast tier) and the quick preset's claims on
associative recall (slow tier). The smoke run and its golden values are in tests/smoke_test.py;
the worked example of docs/adding_a_task.md runs in tests/docs_test.py."""

import numpy as np
import pytest

from attn_theory import validation
from configs import synthetic_task as config_lib
from experiments import launch
from experiments.synthetic_task import claims as claims_lib
from tests import contract

exp = launch.load("synthetic_task")


def test_presets_and_task_first_form():
    recall = launch.build_config(exp, config_lib.get_config("associative_recall"))
    assert recall.task.name == "associative_recall"
    assert dict(recall.task.kwargs) == {"num_pairs": 8, "num_keys": 16, "num_values": 8}
    # `TASK,PRESET,overrides` names the task first; a later override still wins.
    cfg = config_lib.get_config("associative_recall_x,smoke,num_seeds=3")
    assert (cfg.task.name, cfg.optim.num_steps, cfg.num_seeds) == ("associative_recall_x", 30, 3)
    assert config_lib.get_config("quick,task.kwargs=(('num_pairs', 4),)").task.kwargs == (
        ("num_pairs", 4),
    )


@pytest.mark.parametrize(
    "arg, field",
    [
        ("not_a_task,quick", "task.name"),
        ("quick,task.kwargs=(('num_pairs', 40),)", "task.kwargs"),  # more pairs than keys
        ("quick,task.kwargs=(('no_such_arg', 1),)", "task.kwargs"),
        ("quick,model.kind='cosine'", "model.kind"),
        ("quick,model.attention_impl='fast'", "model.attention_impl"),
        ("quick,optim.learning_rate=0.0", "optim.learning_rate"),
    ],
)
def test_bad_config_names_field(arg, field):
    with pytest.raises(validation.ConfigError, match=field.replace(".", r"\.")):
        launch.build_config(exp, config_lib.get_config(arg))


def test_claims_fail_at_chance_and_count_seeds():
    # A constructed result at chance level must FAIL both claims, with per-seed counts.
    cfg = launch.build_config(exp, config_lib.get_config("associative_recall"))
    res = {
        "eval_loss": np.array([np.log(8), 0.01]),
        "eval_accuracy": np.array([1 / 8, 1.0]),
        "const_baseline/chance_xent": np.log(8),
        "const_baseline/bayes_accuracy": 1.0,
    }
    out = claims_lib.claims(res, cfg)
    assert out["near_bayes"].seeds_passing == 1 and out["beats_chance"].seeds_passing == 1
    res["eval_accuracy"] = np.array([1 / 8, 1 / 8])
    res["eval_loss"] = np.array([np.log(8), np.log(8)])
    out = claims_lib.claims(res, cfg)
    assert not out["near_bayes"].passed and not out["beats_chance"].passed


@pytest.mark.slow
def test_quick_associative_recall_claims(tmp_path):
    cfg = config_lib.get_config("associative_recall")
    summary = launch.execute(exp, cfg, str(tmp_path))
    contract.assert_workdir(
        str(tmp_path), num_seeds=cfg.num_seeds, figures=("training",),
        metrics_keys={"loss", "accuracy"},
    )  # fmt: skip
    failed = {k: (v["value"], v["bound"]) for k, v in summary["claims"].items() if not v["passed"]}
    assert not failed, failed
    assert all(c["seeds_passing"] == cfg.num_seeds for c in summary["claims"].values())
