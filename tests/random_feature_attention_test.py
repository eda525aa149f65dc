"""Random-feature attention (Fu et al. 2023): the quick config's claims B1-B6 and the GD check
(slow tier), and unit tests of the model, the targets, the ridge fits, the degree theory and
the claims' failure paths (fast tier). Bounds are those of docs/papers/random_feature_attention.md.
The smoke run and its golden values are in tests/smoke_test.py.
"""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from attn_theory import validation
from attn_theory.models import random_features as rf
from attn_theory.tasks import pairwise_targets as tasks
from attn_theory.theory import random_features as theory
from configs import random_feature_attention as config_lib
from experiments import launch
from experiments.random_feature_attention import claims as rfa_claims
from experiments.random_feature_attention import run as rfa_run
from tests import contract

exp = launch.load("random_feature_attention")


@pytest.fixture(scope="module")
def quick(tmp_path_factory):
    workdir = str(tmp_path_factory.mktemp("rfa"))
    summary = launch.execute(exp, config_lib.get_config("quick"), workdir)
    return workdir, summary


@pytest.mark.slow
def test_workdir_contract(quick):
    workdir, summary = quick
    figures = (
        "error_vs_n",
        "error_vs_context",
        "biased_vs_zero_mean",
        "error_vs_heads",
        "gd_vs_closed_form",
    )
    saved = contract.assert_workdir(workdir, num_seeds=2, figures=figures, metrics_keys={"loss"})
    assert saved["claims"].keys() == summary["claims"].keys()


@pytest.mark.slow
@pytest.mark.parametrize("name", ["B1_rfa_corr1", "B1_rfmlp_corr1", "B1_ratio"])
def test_b1_attention_beats_mlp(quick, name):
    assert quick[1]["claims"][name]["passed"], quick[1]["claims"][name]


@pytest.mark.slow
@pytest.mark.parametrize("name", ["B2_rfmlp_collapse", "B2_rfa_flat"])
def test_b2_context_length(quick, name):
    assert quick[1]["claims"][name]["passed"], quick[1]["claims"][name]


@pytest.mark.slow
@pytest.mark.parametrize("name", ["B3_sanity", "B4_more_data"])
def test_b3_b4_sanity_and_more_data(quick, name):
    assert quick[1]["claims"][name]["passed"], quick[1]["claims"][name]


@pytest.mark.slow
@pytest.mark.parametrize("name", ["B5_brfa_corr2", "B5_rfa_corr2", "B5_relu_corr", "B6_bias_cost"])
def test_b5_b6_bias(quick, name):
    assert quick[1]["claims"][name]["passed"], quick[1]["claims"][name]


@pytest.mark.slow
def test_gradient_descent_matches_closed_form(quick):
    assert quick[1]["claims"]["GD_matches_closed_form"]["passed"]


def _ridge64(phi, y, phi_e, lam_rel):
    """float64 textbook ridge with an unpenalised intercept (normal equations)."""
    mu, ybar = phi.mean(0), y.mean(0)
    a = phi - mu
    s2 = np.linalg.svd(a, compute_uv=False) ** 2
    w = np.linalg.solve(a.T @ a + lam_rel * s2.mean() * np.eye(a.shape[1]), a.T @ (y - ybar))
    return ybar + (phi_e - mu) @ w


@pytest.mark.parametrize("n,p", [(300, 40), (40, 300)])  # primal and dual branches
def test_ridge_path_matches_float64(n, p):
    rng = np.random.default_rng(0)
    phi, phi_e = rng.normal(size=(n, p)) + 0.5, rng.normal(size=(50, p)) + 0.5
    y = phi @ rng.normal(size=(p, 2)) / np.sqrt(p) + 0.1 * rng.normal(size=(n, 2)) + 3.0
    lams = np.array([1e-2, 0.1, 1.0])
    (pred,) = theory.ridge_path(
        jnp.asarray(phi, jnp.float32),
        jnp.asarray(y, jnp.float32),
        (jnp.asarray(phi_e, jnp.float32),),
        jnp.asarray(lams),
    )
    for i, lam in enumerate(lams):
        ref = _ridge64(phi, y, phi_e, lam)
        assert np.linalg.norm(pred[i] - ref) / np.linalg.norm(ref) < 1e-4


def test_ridge_vmap_over_seeds_equals_loop():
    rng = np.random.default_rng(1)
    args = [
        jnp.asarray(rng.normal(size=(2, *s)), jnp.float32)
        for s in [(60, 20), (60, 3), (30, 20), (30, 3), (40, 20), (40, 3)]
    ]
    lams = jnp.asarray([1e-3, 1e-1])
    batched = rfa_run._ridge(*args, lams)["test"]
    for i in range(2):
        one = theory.ridge_fit_eval(*(a[i] for a in args), lams)["test"]
        np.testing.assert_allclose(batched[i], one, rtol=1e-4)


def test_relu_features_match_definition_and_softmax_variant():
    x0, xs = tasks.sample(jax.random.key(0), 5, 4, 3)
    w = rf.attention_weights(jax.random.key(1), 2, 3) + rf.query_key_mean(3, 2.0)
    phi, _ = rf.attention_features(w, x0, xs, activation="relu")
    phi_s, _ = rf.attention_features(w, x0, xs, activation="softmax")
    x0a, xsa, w64 = (np.asarray(rf.augment(v), np.float64) for v in (x0, xs, w))
    w64 = np.asarray(w, np.float64)
    logit = np.einsum("bk,mkl,bnl->bmn", x0a, w64, xsa)
    relu = np.einsum("bmn,bnl->bml", np.maximum(logit, 0), xsa) / 4
    soft = np.exp(logit - logit.max(-1, keepdims=True))
    soft = np.einsum("bmn,bnl->bml", soft / soft.sum(-1, keepdims=True), xsa)
    np.testing.assert_allclose(phi, relu.reshape(5, -1), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(phi_s, soft.reshape(5, -1), rtol=1e-4, atol=1e-5)


def test_brfa_mean_logit_is_beta_times_correlation():
    x0, xs = tasks.sample(jax.random.key(2), 7, 3, 8)
    mean = rf.query_key_mean(8, 2.0)
    logit = jnp.einsum("bk,kl,bnl->bn", rf.augment(x0), mean, rf.augment(xs))
    c = jnp.einsum("bd,bnd->bn", x0, xs) / jnp.sqrt(8.0)
    np.testing.assert_allclose(logit, 2.0 * c, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(jnp.linalg.norm(xs, axis=-1), math.sqrt(8), rtol=1e-5)


def test_registry_user_target_and_sampler_vmap():
    tasks.register_correlation("corr4_test", lambda c: c**4)
    try:
        x0, xs = tasks.sample(jax.random.key(3), 6, 5, 4)
        y = tasks.evaluate(("corr1", "corr4_test"), x0, xs, {"corr1": None, "corr4_test": None})
        c = np.einsum("bd,bnd->bn", x0, xs) / 2.0
        np.testing.assert_allclose(y, np.stack([c.mean(1), (c**4).mean(1)], 1), rtol=1e-4)
    finally:
        del tasks.TARGETS["corr4_test"]
    keys = jax.random.split(jax.random.key(4), 3)
    batched = jax.vmap(lambda k: tasks.sample(k, 2, 3, 4))(keys)[1]
    loop = np.stack([tasks.sample(k, 2, 3, 4)[1] for k in keys])
    np.testing.assert_allclose(batched, loop, rtol=1e-6)


def test_degree_fractions_match_monte_carlo():
    # corr3 at d=8: the fraction of Var(c^3) left after the best affine fit in c (Monte Carlo
    # on the sphere, 4e5 pairs; MC standard error ~0.002) vs Gegenbauer quadrature.
    rng = np.random.default_rng(0)
    z = rng.normal(size=(400_000, 2, 8))
    z /= np.linalg.norm(z, axis=-1, keepdims=True)
    c = np.sqrt(8) * np.sum(z[:, 0] * z[:, 1], -1)
    a = np.stack([np.ones_like(c), c], 1)
    resid = c**3 - a @ np.linalg.lstsq(a, c**3, rcond=None)[0]
    frac = theory.correlation_degree_fractions(lambda c: c**3, 8, 4)
    assert abs(theory.predicted_error(frac, 1) - resid.var() / (c**3).var()) < 0.01
    np.testing.assert_allclose(frac.sum(), 1.0, atol=1e-9)


def test_sphere_poly_dim_independent_formula():
    # Polynomials of degree <= k modulo (|x|^2 - r^2) * (degree <= k-2): C(d+k,k) - C(d+k-2,k-2).
    for d in (3, 5, 8):
        for k in range(5):
            other = math.comb(d + k, k) - (math.comb(d + k - 2, k - 2) if k >= 2 else 0)
            assert theory.sphere_poly_dim(d, k) == other
    assert theory.heads_needed(8, 1) == 44


@pytest.mark.parametrize(
    "override,field",
    [
        ("model.num_heads=0", "model.num_heads"),
        ("model.activation='tanh'", "model.activation"),
        ("task.targets=('nope',)", "task.targets"),
        ("optim.gd_samples=123", "optim.gd_samples"),
        ("model.betas=(-1.0,)", "model.betas"),
        ("task.main_context=5", "task.main_context"),
    ],
)
def test_bad_config_names_field(override, field):
    with pytest.raises(validation.ConfigError, match=field):
        launch.build_config(exp, config_lib.get_config("quick," + override))


def test_claims_fail_when_a_seed_or_the_median_misses():
    cfg = launch.build_config(exp, config_lib.get_config("quick"))
    t, names = cfg.task, rfa_run.model_names(cfg)
    # RFA 0.05 on every target, BRFA 0.5 (corr2 0.4, relu_corr 0.01), RFMLP 0.8 (N=2: 0.05)
    err_n = np.full((2, len(names), len(t.sample_sizes), len(t.targets)), 0.05)
    err_n[:, 1], err_n[:, 2] = 0.5, 0.8
    err_n[:, 0, :, t.targets.index("corr2")] = 1.0
    err_n[:, 1, :, t.targets.index("corr2")] = 0.4
    err_n[:, 1, :, t.targets.index("relu_corr")] = 0.01
    err_n[:, 0, :, t.targets.index("lin_keys")] = 0.001
    err_n[:, 2, :, t.targets.index("lin_keys")] = 0.001
    err_n[:, 0, :, t.targets.index("corr1")] = [[0.5, 0.1, 0.05]]
    err_ctx = np.full((2, len(names), len(t.context_lengths), len(t.targets)), 0.05)
    err_ctx[:, 2, 1:] = 0.9
    res = {"err_n": err_n, "err_context": err_ctx, "const_models": np.asarray(names)}
    good = rfa_claims.claims(res, cfg)
    assert all(c.passed and c.kind == "measured" for c in good.values()), good
    assert all(c.seeds_passing == 2 and "[ours" in c.claim for c in good.values())
    bad = {**res, "err_n": err_n.copy()}
    bad["err_n"][1, 0, -1, t.targets.index("corr1")] = 0.5  # seed 1 fails B1 alone
    got = rfa_claims.claims(bad, cfg)
    assert got["B1_rfa_corr1"].seeds_passing == 1 and not got["B1_rfa_corr1"].passed
    assert not got["B4_more_data"].passed and got["B4_more_data"].seeds_passing == 1
