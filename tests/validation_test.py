"""Bad configs fail before compute with a message naming the field."""

import pytest

from attn_theory.validation import ConfigError
from configs import common
from configs import icl_linear_regression as icl_config
from experiments import launch

icl = launch.load("icl_linear_regression")


@pytest.mark.parametrize(
    "field,value,match",
    [
        ("optim.learning_rate", -1e-3, "optim.learning_rate"),
        ("model.num_heads", 0, "model.num_heads"),
        ("task.context_len", 0, "task.context_len"),
        ("num_seeds", 0, "num_seeds"),
        ("model.linear_normalization", "bogus", "model.linear_normalization"),
    ],
)
def test_bad_value_names_the_field(field, value, match):
    cfg = icl_config.get_config("quick")
    section, _, name = field.rpartition(".")
    (cfg[section] if section else cfg)[name] = value
    with pytest.raises(ConfigError, match=match):
        launch.build_config(icl, cfg)


def test_unknown_field_and_preset():
    with pytest.raises(ValueError, match="unknown preset 'fast'"):
        icl_config.get_config("fast")
    with pytest.raises(ValueError, match="unknown config field 'model.heads'"):
        icl_config.get_config("quick,model.heads=3")
    d = icl_config.get_config("quick").to_dict()
    d["model"]["n_heads"] = 3
    with pytest.raises(ConfigError, match="model.n_heads"):
        launch.build_config(icl, d)


def test_overrides_apply():
    cfg = launch.build_config(icl, icl_config.get_config("quick,seeds=8,model.num_heads=4"))
    assert cfg.num_seeds == 8 and cfg.model.num_heads == 4
    assert cfg.task.eval_lens == (10, 20, 40, 60, 100, 200)


def test_tuple_override_in_preset_string():
    cfg = icl_config.get_config("quick,task.eval_lens=(10,20),num_seeds=2")
    assert tuple(cfg.task.eval_lens) == (10, 20) and cfg.num_seeds == 2


def test_schema_bounds_are_checked_before_cross_field_rules():
    # A declared bound (gt=0) fails with the field name even though no validate() rule exists.
    cfg = icl_config.get_config("quick").to_dict()
    cfg["optim"]["learning_rate"] = 0.0
    with pytest.raises(ConfigError, match=r"optim\.learning_rate.*> 0"):
        launch.build_config(icl, cfg)


def test_update_rejects_unknown_paths_and_describe_lists_every_field():
    with pytest.raises(ValueError, match="model.heads"):
        common.update(icl_config.Config(), {"model.heads": 2})
    names = [name for name, _, doc in common.describe(icl_config.Config)]
    assert "optim.learning_rate" in names and "num_seeds" in names
    assert all(doc for _, _, doc in common.describe(icl_config.Config))
