"""associative_memory_compare: the quick config's claims (slow tier), seed independence of
num_seeds and config validation (fast tier). The smoke run and its golden values are in
tests/smoke_test.py."""

import os

import jax
import numpy as np
import pytest

from attn_theory import validation
from configs import associative_memory_compare as config_lib
from experiments import launch
from tests import contract

exp = launch.load("associative_memory_compare")


@pytest.fixture(scope="module")
def summary(tmp_path_factory):
    workdir = str(tmp_path_factory.mktemp("associative_memory_compare"))
    out = launch.execute(exp, config_lib.get_config("quick"), workdir)
    return workdir, out


@pytest.mark.slow
def test_workdir_contract(summary):
    workdir, _ = summary
    contract.assert_workdir(workdir, num_seeds=4, figures=("compare",))
    with np.load(os.path.join(workdir, "results.npz")) as z:
        for k in z.files:
            if not k.startswith("const_"):
                assert z[k].shape[:2] == (4, 2), k  # [seed, flips, ratios]


@pytest.mark.parametrize(
    "name", ["B7_softmax_contrast", "B7_hebbian_fails_there", "B5_delta_on_shared_task"]
)
@pytest.mark.slow
def test_claim(summary, name):
    claim = summary[1]["claims"][name]
    assert claim["passed"], claim


@pytest.mark.slow
def test_hebbian_follows_its_law_at_n_equals_d_k(summary):
    workdir, _ = summary
    with np.load(os.path.join(workdir, "results.npz")) as z:
        measured = z["bit_error_hebbian"][:, 0, 3].mean()  # k = 0, N = d_k = 64
    assert abs(measured - 0.1587) < 0.02  # Q(sqrt(64/63)); 4 seeds x 128 x 64 bits


def test_seed_i_does_not_depend_on_num_seeds():
    base = config_lib.get_config("smoke")
    one = exp.run(launch.build_config(exp, {**base.to_dict(), "num_seeds": 1}), jax.random.key(3))
    two = exp.run(launch.build_config(exp, {**base.to_dict(), "num_seeds": 2}), jax.random.key(3))
    for k in one:
        if not k.startswith("const_"):
            np.testing.assert_allclose(one[k][0], two[k][0], err_msg=k)


@pytest.mark.parametrize(
    "override,field",
    [
        ("model.beta=0.0", "model.beta"),
        ("model.sdm_radius=40", "model.sdm_radius"),
        ("task.num_queries=0", "task.num_queries"),
        ("task.flips=(0,65)", "task.flips"),
    ],
)
def test_bad_config_names_field(override, field):
    with pytest.raises(validation.ConfigError, match=field):
        launch.build_config(exp, config_lib.get_config(f"quick,{override}"))
