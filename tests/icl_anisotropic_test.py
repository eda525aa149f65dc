"""icl_anisotropic ([ours] setting): the quick config's claims C6/F10 and the workdir contract
(slow tier), and unit tests of the preconditioned-GD risk theory against Monte Carlo and the
isotropic closed form (fast tier). The smoke run and its golden values are in
tests/smoke_test.py."""

import numpy as np
import pytest

from attn_theory import validation
from attn_theory.theory import icl as theory
from attn_theory.theory import icl_preconditioned as precond
from configs import icl_anisotropic as config_lib
from experiments import launch
from tests import contract

exp = launch.load("icl_anisotropic")


@pytest.fixture(scope="module")
def quick(tmp_path_factory):
    workdir = str(tmp_path_factory.mktemp("icl_aniso_quick"))
    return workdir, launch.execute(exp, config_lib.get_config("quick"), workdir)


@pytest.mark.slow
def test_workdir_contract(quick):
    contract.assert_workdir(
        quick[0],
        num_seeds=config_lib.get_config("quick").num_seeds,
        figures=("f10_preconditioner", "f10_alignment"),
        metrics_keys={"steps_per_s", "eta_s", "loss"},
    )


@pytest.mark.slow
@pytest.mark.parametrize("prefix", ["C6", "F10"])
def test_claims(quick, prefix):
    claims = {k: v for k, v in quick[1]["claims"].items() if k.startswith(prefix)}
    assert claims, prefix
    failed = {k: (v["value"], v["bound"]) for k, v in claims.items() if not v["passed"]}
    assert not failed, failed


def _toeplitz(d, rho):
    i = np.arange(d)
    return rho ** np.abs(i[:, None] - i[None, :])


def test_isotropic_optimum_is_spec_eta_star():
    # With Sigma = I the optimum is eta* I: eta* = 0.8602 and R* = 0.2398 at d=5, L=40, s2=0.1
    # (the isotropic closed form, docs/papers/icl_linear_regression.md).
    d = 5
    g = precond.optimal_preconditioner(np.eye(d), np.eye(d) / d, 0.1, 40)
    np.testing.assert_allclose(g, 0.8602 * np.eye(d), atol=1e-4)
    assert abs(precond.risk(g, np.eye(d), np.eye(d) / d, 0.1, 40, 0.1) - 0.2398) < 1e-4
    assert abs(precond.risk(g, np.eye(d), np.eye(d) / d, 0.1, 40, 0.1)
               - theory.gd_risk_opt(d, 40, 0.1)) < 1e-12  # fmt: skip


def test_anisotropic_risk_matches_monte_carlo_and_is_minimal():
    d, L, s2 = 5, 40, 0.1
    cov, prior = _toeplitz(d, 0.5), np.eye(d) / d
    g = precond.optimal_preconditioner(cov, prior, s2, L)
    r = precond.risk(g, cov, prior, s2, L, s2)
    mc = precond.monte_carlo_risk(np.random.default_rng(0), g, cov, prior, s2, L, s2, 60000)
    assert abs(mc / r - 1) < 0.03  # MC relative stderr ~0.6% at n=6e4
    rng = np.random.default_rng(1)
    for _ in range(5):  # every perturbation of the optimum raises the risk
        e = 0.05 * rng.normal(size=(d, d))
        assert precond.risk(g + e, cov, prior, s2, L, s2) > r
    # Gamma* is close to a multiple of Sigma^-1, far from a multiple of I.
    cos = lambda a, b: np.sum(a * b) / np.linalg.norm(a) / np.linalg.norm(b)  # noqa: E731
    assert cos(g, np.linalg.inv(cov)) > 0.99 > cos(g, np.eye(d))


@pytest.mark.parametrize(
    "section, name, value",
    [("task", "rho", 1.0), ("optim", "learning_rate", -1e-3), ("model", "num_heads", 0)],
)
def test_bad_config_names_field(section, name, value):
    cfg = config_lib.get_config("quick").to_dict()
    cfg[section][name] = value
    with pytest.raises(validation.ConfigError, match=f"{section}.{name}"):
        launch.build_config(exp, cfg)


def test_plateau_rule_judges_escaped_seeds_and_fails_when_none_escaped():
    """Constructed results: a seed on the plateau (val above the midpoint of the isotropic
    and optimal risks) is left out of C6/F10 and counted by C6_escape_rate; with no seed
    escaped every claim FAILs."""
    from experiments.icl_anisotropic import claims as claims_lib

    cfg = config_lib.get_config("quick")
    res = {
        "const_risk_iso": 0.374,
        "const_risk_star": 0.234,
        "val": np.array([0.236, 0.385]),
        "cos_sigma_inv": np.array([0.998, 0.99]),
        "cos_identity": np.array([0.90, 0.90]),
        "dgd_rel_err": np.array([0.002, 0.17]),
    }
    out = claims_lib.claims(res, cfg)
    assert out["C6_escape_rate"].value == 0.5 and out["C6_escape_rate"].passed
    assert out["C6_val"].value == 0.236 and out["F10_matches_preconditioned_dgd"].passed
    assert out["C6_val"].seeds_passing == 1  # of 2: the plateau seed fails alone
    stuck = claims_lib.claims({**res, "val": np.array([0.38, 0.385])}, cfg)
    assert not any(c.passed for c in stuck.values())
