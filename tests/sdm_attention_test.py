"""SDM attention: the quick config's claims A1-A7b (slow tier) and unit tests of the SDM
theory (attn_theory/theory/sdm.py) and reads (attn_theory/models/associative_memory.py) (fast).

One quick run (module fixture) is shared by every claim test; bounds are those of
docs/papers/sdm_attention.md. The smoke run and its golden values are in tests/smoke_test.py.
"""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from attn_theory import validation
from attn_theory.models import associative_memory as am
from attn_theory.tasks import random_memories as rm
from attn_theory.theory import sdm
from configs import sdm_attention as config_lib
from experiments import launch
from tests import contract

exp = launch.load("sdm_attention")
QUICK = config_lib.get_config("quick")


@pytest.fixture(scope="module")
def summary(tmp_path_factory):
    workdir = str(tmp_path_factory.mktemp("sdm_attention"))
    out = launch.execute(exp, QUICK, workdir)
    return workdir, out


@pytest.mark.slow
def test_workdir_contract(summary):
    saved = contract.assert_workdir(
        summary[0], num_seeds=QUICK.num_seeds, figures=("intersection", "beta_vs_d", "reads")
    )
    assert len(saved["claims"]) == 14


@pytest.mark.slow
@pytest.mark.parametrize(
    "name",
    [
        "A1_formula_identity",
        "A2_book_table",
        "A3_neuron_monte_carlo",
        "A4_beta_paper_d5",
        "A4_beta_paper_d11",
        "A4_beta_paper_d15",
        "A4_beta_ols_d5",
        "A4_beta_ols_d11",
        "A4_beta_ols_d15",
        "A5_optimal_radii",
        "A6_exponential_r2",
        "A7_read_agreement",
        "A7_read_recall",
        "A7b_softmax_tail_differs",
    ],
)
def test_claim(summary, name):
    claim = summary[1]["claims"][name]
    assert claim["passed"], claim


def test_kanerva_table_is_reproduced_exactly():
    book = sdm.KANERVA_TABLE
    got = sdm.expected_intersection(book["n"], book["d"], book["dvs"], book["r"])
    # The table holds 3 decimals (4 significant digits at d_v = 500).
    np.testing.assert_allclose(got, book["values"], atol=5e-3)


def test_intersection_forms_agree_with_brute_force():
    for n, d, dv in ((9, 3, 0), (11, 4, 5), (13, 5, 9), (13, 5, 12)):
        want = sdm.intersection_brute_force(n, d, dv)
        assert sdm.intersection_count(n, d, dv) == want == sdm.intersection_lune(n, d, dv)
    # Disjoint balls (d_v > 2d) and the I(2k-1) = I(2k) staircase.
    assert sdm.intersection_count(64, 11, 23) == 0
    assert sdm.intersection_count(64, 11, 7) == sdm.intersection_count(64, 11, 8)


def test_log_space_has_no_overflow_at_n1000():
    logi = sdm.log_intersection(1000, 451, [0, 500, 902, 903])
    assert np.all(np.isfinite(logi[:3])) and logi[3] == -math.inf
    assert sdm.intersection_count(1000, 451, 333) == sdm.intersection_lune(1000, 451, 333)


def test_cap_intersection_matches_sphere_monte_carlo():
    n, d, cos = 8, 2, 0.8
    rng = np.random.default_rng(0)
    x = rng.normal(size=(400_000, n))
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    a = np.eye(n)[0]
    b = cos * a + math.sqrt(1 - cos**2) * np.eye(n)[1]
    t = 1 - 2 * d / n
    frac = np.mean((x @ a >= t) & (x @ b >= t))
    se = math.sqrt(frac * (1 - frac) / x.shape[0])
    assert abs(math.exp(sdm.cap_log_intersection(n, d, cos)[0]) - frac) < 4 * se


def test_fit_beta_paper_convention_is_ols_times_n_over_n_minus_1():
    x = np.linspace(0, 1, 7)
    y = 3.0 * x + np.sin(5 * x)
    fit = sdm.fit_beta(x, y)
    cov = np.cov(x, y)[0, 1] / np.var(x)  # the authors' expression, recomputed here
    assert fit["paper"] == pytest.approx(cov, rel=1e-12)
    assert fit["paper"] == pytest.approx(fit["ols"] * 7 / 6, rel=1e-12)


def test_mem_optimal_fraction_maximizes_capacity():
    p, z = sdm.mem_optimal_fraction(64, 2.0**64)
    best = sdm.memory_capacity(p, 2.0**64, z)
    assert best > sdm.memory_capacity(p * 1.05, 2.0**64, z)
    assert best > sdm.memory_capacity(p / 1.05, 2.0**64, z)


def test_neuron_view_with_every_neuron_equals_pattern_view():
    # With all 2^n points as neurons, the neuron read is sum_mu I(d_v) p_mu / sum I exactly.
    n, d, m = 10, 3, 12
    neurons = ((np.arange(2**n)[:, None] >> np.arange(n)) & 1).astype(np.float32)
    key_p, key_q = jax.random.split(jax.random.key(0))
    pats = rm.binary_patterns(key_p, m, n)
    queries = jax.vmap(rm.flip_bits, (0, 0, None))(jax.random.split(key_q, 5), pats[:5], 2)
    storage, counts = am.sdm_neuron_write(jnp.asarray(neurons), pats, pats, d)
    o_neu, _ = am.sdm_neuron_read(jnp.asarray(neurons), storage, counts, queries, d)
    table = jnp.asarray(sdm.log_intersection(n, d, np.arange(n + 1)), jnp.float32)
    o_pat, _ = am.sdm_pattern_read(pats, pats, queries, table)
    np.testing.assert_allclose(o_neu, o_pat, rtol=1e-5, atol=1e-6)


def test_hamming_and_flip_bits():
    x = rm.binary_patterns(jax.random.key(1), 6, 40)
    y = rm.binary_patterns(jax.random.key(2), 5, 40)
    want = np.sum(np.asarray(x)[:, None] != np.asarray(y)[None], -1)
    np.testing.assert_array_equal(am.hamming(x, y), want)
    flipped = rm.flip_bits(jax.random.key(3), x[0], 7)
    assert int(jnp.sum(flipped != x[0])) == 7


@pytest.mark.parametrize(
    "override,field",
    [
        ("model.read_radius=0", "model.read_radius"),
        ("task.fit_range='all'", "task.fit_range"),
        ("task.mc_pairs=1", "task.mc_pairs"),
        ("task.radii=(5,40)", "task.radii"),  # cross-field: beyond max_radius
        ("task.mc_radius=50", "task.mc_radius"),  # cross-field: must be < mc_dim / 2
    ],
)
def test_bad_config_names_field(override, field):
    with pytest.raises(validation.ConfigError, match=field.replace(".", r"\.")):
        launch.build_config(exp, config_lib.get_config(f"quick,{override}"))
