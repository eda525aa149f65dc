"""Pavlovian memory: the quick config's claims B1-B5 (slow tier) and unit tests of the
Hebbian/delta-rule memories, the reconstructed crosstalk laws [ours] and the capacity readers
(fast tier). The smoke run and its golden values are in tests/smoke_test.py."""

import jax
import numpy as np
import pytest

from attn_theory import validation
from attn_theory.models import associative_memory as am
from attn_theory.tasks import random_memories as rm
from attn_theory.theory import hebbian
from configs import pavlovian_memory as config_lib
from experiments import launch
from tests import contract

exp = launch.load("pavlovian_memory")


@pytest.fixture(scope="module")
def summary(tmp_path_factory):
    workdir = str(tmp_path_factory.mktemp("pavlovian_memory"))
    out = launch.execute(exp, config_lib.get_config("quick"), workdir)
    return workdir, out


@pytest.mark.slow
def test_workdir_contract(summary):
    figures = ("error_law", "capacity_delta", "depth_heads_hypothesis")
    contract.assert_workdir(summary[0], num_seeds=4, figures=figures)


@pytest.mark.parametrize(
    "name",
    [
        "B1_relative_error_law",
        "B2_bit_error_law",
        "B3_threshold_c1",
        "B3_threshold_c025",
        "B4_exact_recall_sublinear",
        "B4_average_capacity_linear",
        "B5_delta_rule",
    ],
)
@pytest.mark.slow
def test_claim(summary, name):
    claim = summary[1]["claims"][name]
    assert claim["passed"], claim


def test_hebbian_memory_equals_linear_attention_read():
    k, v, _ = rm.sample(jax.random.key(0), 20, 16, 8)
    q = k[:5] + 0.1
    via_attention, _ = am.hebbian_read(k, v, q)
    via_matrix = am.memory_read(am.hebbian_memory(k, v), q)
    np.testing.assert_allclose(via_attention, via_matrix, rtol=1e-5, atol=1e-5)
    # o = v_j + crosstalk, with the crosstalk spelled out in float64.
    k64, v64 = np.asarray(k, np.float64), np.asarray(v, np.float64)
    g = k64 @ k64.T
    o0 = am.memory_read(am.hebbian_memory(k, v), k)[0]
    np.testing.assert_allclose(o0, v64[0] + g[0, 1:] @ v64[1:], rtol=1e-4, atol=1e-4)


def test_delta_rule_masked_equals_unmasked():
    k, v, _ = rm.sample(jax.random.key(1), 12, 16, 4)
    full = am.delta_rule_memory(k[:7], v[:7], 3, 0.5)
    masked = am.delta_rule_memory(k, v, 3, 0.5, num_items=7)
    np.testing.assert_allclose(full, masked, rtol=1e-5, atol=1e-6)


def test_delta_rule_single_step_is_a_projection():
    # With eta = 1 and a unit key, one update makes M k = v exactly.
    k, v, _ = rm.sample(jax.random.key(2), 1, 8, 3)
    mem = am.delta_rule_memory(k, v, 1, 1.0)
    np.testing.assert_allclose(am.memory_read(mem, k), v, atol=1e-5)


def test_bit_error_law_is_the_gaussian_tail():
    assert float(hebbian.bit_error(65, 64)) == pytest.approx(0.158655, abs=1e-5)  # Q(1)
    assert float(hebbian.bit_error(1, 64)) == 0.0
    # Exact-recall capacity is sublinear (~ d_k / (2 ln(N d_v))): doubling d_k less than
    # doubles N*, while the average-case capacity eps d_k + 1 grows linearly.
    assert hebbian.exact_recall_capacity(1024, 64) < 2 * hebbian.exact_recall_capacity(512, 64)


def test_capacity_readers():
    # P(all bits right) for N = 1..5: the largest N before the first drop below 1/2.
    p = np.asarray([[1.0, 0.9, 0.6, 0.4, 0.7], [1.0, 1.0, 1.0, 1.0, 1.0]])
    n_star = hebbian.capacity_from_recall(p)
    assert n_star[0] == 3 and np.isnan(n_star[1])
    # The average-case reader inverts a known law: error (N-1)/d_k reaches eps at eps d_k + 1.
    n = np.asarray([2, 8, 32, 128])
    got = hebbian.capacity_from_error(n, hebbian.relative_error(n, 64), 0.5)
    assert abs(float(got) - 33.0) < 33.0 * 0.1  # log-N interpolation of a linear law


@pytest.mark.parametrize(
    "override,field",
    [
        ("model.delta_lr=-1.0", "model.delta_lr"),
        ("task.head_width=100", "task.heads"),
        ("task.capacity_trials=0", "task.capacity_trials"),
        ("task.ratios=(0.01,)", "task.ratios"),
    ],
)
def test_bad_config_names_field(override, field):
    with pytest.raises(validation.ConfigError, match=field):
        launch.build_config(exp, config_lib.get_config(f"quick,{override}"))
