"""icl_reduced_model: the quick config's claims (C7, F6-F8), the workdir contract, and unit
tests of the reduced-model theory (flow vs float64 Euler, MC vs the spec's number, F8 law)."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from attn_theory import validation
from attn_theory.theory import icl as theory
from attn_theory.theory import icl_reduced as reduced
from configs import icl_reduced_model as config_lib
from experiments import icl_reduced_model as exp
from experiments import launch
from tests import contract


@pytest.fixture(scope="module")
def quick(tmp_path_factory):
    workdir = str(tmp_path_factory.mktemp("icl_reduced_quick"))
    return workdir, launch.execute(exp, config_lib.get_config("quick"), workdir)


def test_workdir_contract(quick):
    figures = ("f6_landscape", "f7_flow_two_head", "f7_flow_four_head", "f8_softmax_norms")
    contract.assert_workdir(quick[0], num_seeds=2, figures=figures)


@pytest.mark.parametrize("prefix", ["C7", "F6", "F7", "F8"])
def test_claims(quick, prefix):
    claims = {k: v for k, v in quick[1]["claims"].items() if k.startswith(prefix)}
    assert claims, prefix
    failed = {k: (v["value"], v["bound"]) for k, v in claims.items() if not v["passed"]}
    assert not failed, failed


def test_approx_loss_jnp_equals_numpy():
    om, mu = np.array([0.2, -0.1, 0.05]), np.array([1.5, -2.0, 0.3])
    got = float(reduced.approx_loss(jnp.asarray(om), jnp.asarray(mu), 5, 40, 0.1))
    assert abs(got / theory.approx_loss(om, mu, 5, 40, 0.1) - 1) < 1e-5


def test_flow_matches_float64_euler():
    # The float32 lax.scan flow against a float64 numpy Euler loop with a hand gradient.
    d, L, s2, dt, n = 5, 40, 0.1, 0.01, 600
    om0, mu0 = np.array([0.3, -0.2]), np.array([0.5, -0.4])
    om, mu = om0.copy(), mu0.copy()
    for _ in range(n):
        oo = np.outer(om, om)
        e = np.exp(d * oo)
        a = oo + (1 + s2) / L * e
        g_mu = -2 * om + 2 * a @ mu
        # d/d omega of mu^T (oo + c e) mu = 2 (mu.omega) mu + 2 c d ((mu mu^T) * e) omega.
        g_om = -2 * mu + 2 * (mu @ om) * mu + 2 * (1 + s2) / L * d * (np.outer(mu, mu) * e) @ om
        om, mu = om - dt * g_om, mu - dt * g_mu
    out = reduced.gradient_flow(
        jnp.asarray(om0, jnp.float32), jnp.asarray(mu0, jnp.float32),
        d=d, L=L, s2=s2, dt=dt, num_records=3, record_every=n // 3,
    )  # fmt: skip
    np.testing.assert_allclose(np.asarray(out["omega"][-1]), om, rtol=1e-4)
    np.testing.assert_allclose(np.asarray(out["mu"][-1]), mu, rtol=1e-4)


def test_flow_vmap_equals_loop():
    f = lambda a, b: reduced.gradient_flow(a, b, d=5, L=40, s2=0.01, dt=0.01,  # noqa: E731
                                           num_records=2, record_every=50)  # fmt: skip
    om = jax.random.normal(jax.random.key(0), (3, 4)) * 0.1
    mu = jax.random.normal(jax.random.key(1), (3, 4)) * 0.1
    vm = jax.vmap(f)(om, mu)
    for i in range(3):
        np.testing.assert_allclose(vm["mu"][i], f(om[i], mu[i])["mu"], rtol=1e-5, atol=1e-7)


def test_pair_mc_matches_spec_reference():
    # Spec C1/C7: MC risk of the reduced 2-head estimator at (0.13, 3.45) is 0.244 (n >= 40k,
    # an independent NumPy reference); the MC stderr here is ~0.002, allow 0.006 (C1's width).
    w2, wy, yy = reduced.pair_loss_moments(
        jax.random.key(3), jnp.asarray([0.13]), d=5, L=40, s2=0.1, n=40000
    )
    loss = 3.45**2 * float(w2[0]) - 2 * 3.45 * float(wy[0]) + float(yy)
    assert abs(loss - 0.244) < 0.006


def test_softmax_norm_law_at_large_L():
    # L E||a||^2 -> E exp(omega^2 chi^2_d) = (1 - 2 omega^2)^{-d/2} as L grows.
    L, d, om = 2000, 5, 0.25
    a = reduced.softmax_norms(jax.random.key(0), 4000, L, d, om)
    _, exact = reduced.softmax_norm_mean_sq(L, d, om)
    assert abs(float(jnp.mean(a**2)) / exact - 1) < 0.03
    r = np.linspace(1e-4, 0.2, 20001)
    mass = np.sum(reduced.softmax_norm_density(r, L, d, om)) * (r[1] - r[0])
    assert abs(mass - 1) < 1e-2  # the density integrates to one


@pytest.mark.parametrize(
    "section, name, value",
    [("optim", "dt", -0.1), ("task", "norm_coefs", (5.0,)), ("task", "num_mu", 0)],
)
def test_bad_config_names_field(section, name, value):
    cfg = config_lib.get_config("quick")
    cfg[section][name] = value
    with pytest.raises(validation.ConfigError, match=f"{section}.{name}"):
        launch.build_config(exp, cfg)
