"""In-context linear regression: the quick config's claims C1-C5 and workdir contract (slow
tier), and unit tests of the closed forms (fast tier).

One quick run (module fixture) is shared by every claim test; bounds are those of
docs/papers/icl_linear_regression.md. The smoke run and its golden values are in
tests/smoke_test.py.
"""

import numpy as np
import pytest

from attn_theory import validation
from attn_theory.theory import icl as theory
from configs import icl_linear_regression as icl_config
from experiments import icl_family, launch
from experiments.icl_linear_regression import claims as lr_claims
from tests import contract

icl = launch.load("icl_linear_regression")


@pytest.fixture(scope="module")
def quick(tmp_path_factory):
    workdir = str(tmp_path_factory.mktemp("icl_quick"))
    summary = launch.execute(icl, icl_config.get_config("quick"), workdir)
    return workdir, summary


@pytest.mark.slow
def test_workdir_contract(quick):
    figures = (
        "f1_kq_ov_heatmaps",
        "f2_dynamics",
        "f3_pattern_metrics",
        "f4_loss_vs_length",
        "f5_estimators",
        "f11_length_generalisation",
    )
    contract.assert_workdir(
        quick[0],
        num_seeds=icl_config.get_config("quick").num_seeds,
        figures=figures,
        metrics_keys={"steps_per_s", "eta_s", "loss", "omega", "mu"},
    )


def _assert_claims(summary, prefix):
    claims = {k: v for k, v in summary["claims"].items() if k.startswith(prefix)}
    assert claims, prefix
    failed = {k: (v["value"], v["bound"]) for k, v in claims.items() if not v["passed"]}
    assert not failed, failed


@pytest.mark.slow
@pytest.mark.parametrize(
    "prefix",
    [
        "C1",
        "C2",
        "C3",
        contract.known_failure(
            "C4",
            "C4_ov_ratio is fragile: 0.959 >= 0.95 at the default root seed (16000 steps), "
            "0.768 on root seed 4; docs/papers/icl_linear_regression.md",
        ),
        "C5",
    ],
)
def test_claims(quick, prefix):
    _assert_claims(quick[1], prefix)


def test_closed_forms_match_spec_numbers():
    # By hand from the GD risk 1 + s2 - eta* (docs/papers/icl_linear_regression.md):
    # eta* = 0.8602, R* = 0.2398 at d=5, L=40, s2=0.1.
    assert abs(theory.eta_star(5, 40, 0.1) - 0.8602) < 1e-4
    assert abs(theory.gd_risk_opt(5, 40, 0.1) - 0.2398) < 1e-4
    # Claim C7: the single-head optimum of the approximate loss is 0.372 +- 0.001.
    om, mu, val = theory.single_head_optimum(5, 40, 0.1)
    assert abs(val - 0.372) < 1e-3
    assert abs(theory.approx_loss([om], [mu], 5, 40, 0.1) - val) < 1e-9


def test_gd_risk_formula_against_monte_carlo():
    rng = np.random.default_rng(0)
    d, L, s2, n, eta = 5, 40, 0.1, 100_000, 0.7
    x = rng.normal(size=(n, L, d))
    xq = rng.normal(size=(n, d))
    beta = rng.normal(size=(n, d)) / np.sqrt(d)
    y = np.einsum("nld,nd->nl", x, beta) + np.sqrt(s2) * rng.normal(size=(n, L))
    yq = np.einsum("nd,nd->n", xq, beta) + np.sqrt(s2) * rng.normal(size=n)
    mc = np.mean((theory.gd_predict(x, y, xq, eta) - yq) ** 2)
    # Relative MC error of a mean of ~chi^2 terms at n=1e5 is below 1%; allow 3%.
    assert abs(mc / theory.gd_risk(eta, d, L, s2) - 1) < 0.03


def test_two_head_first_order_expansion_is_dgd():
    # A +-(omega, mu) pair equals DGD with eta = 2 omega mu up to O(omega^2).
    rng = np.random.default_rng(1)
    x, xq = rng.normal(size=(64, 40, 5)), rng.normal(size=(64, 5))
    y = rng.normal(size=(64, 40))
    om, mu = 1e-3, 50.0
    pair = theory.reduced_softmax_predict(x, y, xq, [om, -om], [mu, -mu])
    dgd = theory.dgd_predict(x, y, xq, 2 * om * mu)
    assert np.linalg.norm(pair - dgd) / np.linalg.norm(dgd) < 1e-2


@pytest.mark.parametrize("override, field", [
    ("model.linear_normalization='sum'", "model.linear_normalization"),
    ("optim.learning_rate=-1.0", "optim.learning_rate"), ("num_seeds=0", "num_seeds"),
    ("task.eval_lens=()", "task.eval_lens"), ("task.eval_lens=(10,20)", "task.eval_lens"),
    ("model.attention_impl='fast'", "model.attention_impl"),
])  # fmt: skip
def test_bad_config_raises_naming_field(override, field):
    path, value = override.split("=")
    with pytest.raises(validation.ConfigError, match=field.replace(".", r"\.")):
        launch.build_config(icl, icl_config.get_config(f"quick,{path}={value}"))


def _two_head_results(val, omega, thr=0.32, n_lens=2):
    """Constructed results for the H=2 claims: seeds with the given val and omega pairs."""
    s = len(val)
    om = np.asarray(omega, float)
    curves = np.stack([np.full(s, 0.5), np.asarray(val, float)], -1)[:, -n_lens:]
    return {
        "softmax_h2/loss_vs_len": curves, "softmax_h2/omega": om,
        "softmax_h2/mu": 3.0 * np.sign(om),  # omega_h mu_h > 0, zero-sum for a +- pair
        "softmax_h2/diag_ratio": np.ones((s, 2)), "softmax_h2/homogeneity": np.zeros((s, 2)),
        "softmax_h2/ov_ratio": np.ones((s, 2)), "softmax_h2/eta": np.full(s, 0.88),
        "softmax_h2/dgd_rel_err": np.full(s, 0.005), "const_softmax_h2/steps": np.array([8000]),
        "const_gd_risk_opt": np.asarray(0.2398), "const_plateau_threshold": np.asarray(thr),
    }  # fmt: skip


def test_two_head_claims_judge_escaped_seeds_and_report_stuck_ones():
    # Seed 1 sits on the single-head plateau (0.40) with same-sign omegas.
    res = _two_head_results([0.245, 0.40, 0.248], [[0.2, -0.2], [0.3, 0.3], [0.15, -0.15]])
    c = lr_claims._two_head(res, [20, 40], 40, lr_claims._escaped(res, [20, 40], 40))
    assert c["C2_val"].passed and c["C2_val"].seeds_passing == 2  # the stuck seed shows
    assert c["C2_opposite_signs"].passed and c["C2_opposite_signs"].seeds_passing == 2
    assert c["C2_escape_rate"].passed and c["C2_escape_rate"].value == pytest.approx(2 / 3)
    assert "2 of 3" in c["C2_val"].statistic


def test_two_head_claims_fail_when_no_seed_escaped():
    res = _two_head_results([0.40, 0.41], [[0.3, 0.3], [0.3, 0.3]])
    c = lr_claims._two_head(res, [20, 40], 40, lr_claims._escaped(res, [20, 40], 40))
    assert not c["C2_escape_rate"].passed
    assert not c["C2_val"].passed and not c["C2_opposite_signs"].passed  # NaN: no seed


def test_two_head_claim_fails_on_an_escaped_seed_out_of_bounds():
    res = _two_head_results([0.245, 0.25], [[0.2, -0.2], [0.5, -0.5]])  # seed 1: |omega| 0.5
    c = lr_claims._two_head(res, [20, 40], 40, lr_claims._escaped(res, [20, 40], 40))
    assert not c["C2_omega_range"].passed and c["C2_omega_range"].value == 0.5


def test_escape_step_is_first_log_below_threshold():
    loss = np.array([[0.6, 0.4, 0.3, 0.25], [0.6, 0.4, 0.4, 0.4]])
    got = icl_family.escape_step(loss, np.array([500, 1000, 1500, 2000]), 0.32)
    assert got[0] == 1500 and np.isinf(got[1])
