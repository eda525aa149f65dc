"""Rank versus heads: the quick config's claims A1-A3, A5, A6 (slow tier), and unit tests of
the task, the padded low-rank model and the random rank-1 theory (fast tier).

One quick run (module fixture) is shared by every claim test; bounds are those of
docs/papers/rank_vs_heads.md. The smoke run and its golden values are in tests/smoke_test.py.
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from attn_theory import validation
from attn_theory.models import rank as rank_model
from attn_theory.tasks import nearest_neighbor as nn_task
from attn_theory.theory import rank as theory
from configs import rank_vs_heads as rvh_config
from experiments import launch
from tests import contract

rvh = launch.load("rank_vs_heads")


@pytest.fixture(scope="module")
def quick(tmp_path_factory):
    workdir = str(tmp_path_factory.mktemp("rank_vs_heads_quick"))
    summary = launch.execute(rvh, rvh_config.get_config("quick"), workdir)
    return workdir, summary


@pytest.mark.slow
def test_workdir_contract(quick):
    workdir, summary = quick
    figures = ("mse_vs_rank", "mse_vs_n", "fact1", "random_features", "qk_alignment")
    contract.assert_workdir(
        workdir,
        num_seeds=rvh_config.get_config("quick").num_seeds,
        figures=figures,
        metrics_keys={"loss", "test_mse"},
    )
    assert {"A1", "A2", "A3", "A5", "A6"} <= {k[:2] for k in summary["claims"]}


@pytest.mark.slow
@pytest.mark.parametrize("prefix", ["A1", "A2", "A3", "A5", "A6"])
def test_claims(quick, prefix):
    claims = {k: v for k, v in quick[1]["claims"].items() if k.startswith(prefix)}
    assert claims, prefix
    failed = {k: (v["value"], v["bound"]) for k, v in claims.items() if not v["passed"]}
    assert not failed, failed


@pytest.mark.parametrize("kind", ["nearest", "farthest"])
def test_sampler_targets_match_float64_reference(kind):
    batch = nn_task.sample(jax.random.key(1), 64, 8, 5, n=6, kind=kind)
    keys, query = np.asarray(batch["keys_bnd"], np.float64), np.asarray(batch["query_bmd"])
    assert not batch["valid_n"][6:].any() and np.all(keys[:, 6:] == 0)
    np.testing.assert_allclose(np.linalg.norm(keys[:, :6], axis=-1), 1.0, rtol=1e-5)
    sign = 1.0 if kind == "nearest" else -1.0
    for b in range(64):
        for m in range(query.shape[1]):
            i = nn_task.nearest_index_np(sign * keys[b, :6], query[b, m])
            np.testing.assert_array_equal(batch["target_bmd"][b, m], batch["keys_bnd"][b, i])


def _explicit_heads_np(layer, xq, xkv, rank, spec):
    """float64 reference: H = rows / rank separate heads, each with its own r rows of Q, K."""
    q, k = np.asarray(layer["q_pd"], np.float64), np.asarray(layer["k_pd"], np.float64)
    out = np.zeros((xq.shape[0], spec.dim))
    for h in range(spec.rows // rank):
        sl = slice(h * rank, (h + 1) * rank)
        s = (xq @ q[sl].T) @ (xkv @ k[sl].T).T / np.sqrt(rank)
        a = np.exp(s - s.max(-1, keepdims=True))
        a /= a.sum(-1, keepdims=True)
        if spec.value == "full":
            out += (a @ xkv) @ np.asarray(layer["vo_hed"][h], np.float64).T
        else:
            v, o = np.asarray(layer["v_pd"], np.float64), np.asarray(layer["o_dp"], np.float64)
            out += (a @ (xkv @ v[sl].T)) @ o[:, sl].T / spec.copies
    return out


@pytest.mark.parametrize("value", ["full", "head"])
def test_padded_heads_equal_separate_heads(value):
    # One compiled program with rank as a traced value must equal H explicit rank-r heads.
    d, rows = 8, 16
    spec = rank_model.ModelSpec(d, rows, rows, value=value)
    xkv = np.asarray(nn_task.sphere(jax.random.key(2), (6,), d))
    xq = np.asarray(nn_task.sphere(jax.random.key(3), (3,), d))
    fwd = jax.jit(lambda p, r: rank_model.attention(p["layers"][0], xq, xkv, jnp.ones(6, bool),
                                                    r, spec)[0])  # fmt: skip
    for rank in (8, 4, 1):
        params = rank_model.init(jax.random.key(rank), spec, rank)
        got = np.asarray(fwd(params, jnp.float32(rank)), np.float64)
        want = _explicit_heads_np(params["layers"][0], xq, xkv, rank, spec)
        assert np.max(np.abs(got - want)) <= 1e-4 * (1 + np.max(np.abs(want))), rank


def test_encoder_forward_shapes_and_masking():
    spec = rank_model.ModelSpec(8, 8, 8, depth=2, block="encoder", value="head", ffn_dim=16)
    params = rank_model.init(jax.random.key(0), spec, 2)
    batch = nn_task.sample(jax.random.key(1), 4, 5, 8, n=3, kind="farthest")
    keys, valid, query = batch["keys_bnd"][0], batch["valid_n"], batch["query_bmd"][0]
    pred, attns = rank_model.forward(params, keys, valid, query, 2.0, spec, separate_query=False)
    assert pred.shape == (5, 8) and len(attns) == 2
    assert np.all(np.asarray(attns[0])[..., 3:] == 0)  # padded keys get no attention
    loss = rank_model.retrieval_loss(params, batch, 2.0, spec, separate_query=False)
    assert np.isfinite(float(loss))


def test_random_rank1_closed_form_matches_monte_carlo():
    # C (closed form) and b (tabulated) are probabilities over D_2; check both by sampling.
    d, h, n = 8, 6, 200_000
    q, k = theory.uniform_angle_heads(jax.random.key(4), d, h)
    rho, b_tab = theory.agreement_table(jax.random.key(5), d, num_samples=200_000)
    kx, ky = jax.random.split(jax.random.key(6))
    x = np.asarray(theory.orthonormal_pair(kx, n, d), np.float64)
    y = np.asarray(nn_task.sphere(ky, (n,), d), np.float64)
    q, k = np.asarray(q, np.float64), np.asarray(k, np.float64)
    target = np.sum(y * (x[:, 0] - x[:, 1]), -1) > 0  # [n]: x_1 is the nearest
    sel = (y @ q.T) * ((x[:, 0] - x[:, 1]) @ k.T) > 0  # [n, h]: head picks x_1
    b_mc = np.mean(sel == target[:, None], 0)
    c_mc = np.mean(sel[:, :, None] == sel[:, None, :], 0)
    b_th = np.interp(np.sum(q * k, -1), np.asarray(rho), np.asarray(b_tab))
    # Monte Carlo standard error of a probability at n=2e5 is <= 1.1e-3 (the table's is
    # smaller); allow about 5 sigma.
    np.testing.assert_allclose(theory.agreement_matrix(q, k), c_mc, atol=6e-3)
    np.testing.assert_allclose(b_th, b_mc, atol=6e-3)
    # The metric 1 - 2 b^T a + a^T C a is the MSE of sum_h a_h x_{sel_h} for orthonormal x.
    a = np.linspace(0.1, 0.4, h)
    pred = np.where(sel[:, :, None], x[:, None, 0], x[:, None, 1])
    x_star = np.where(target[:, None], x[:, 0], x[:, 1])
    mse_mc = np.mean(np.sum((np.einsum("h,nhd->nd", a, pred) - x_star) ** 2, -1))
    mse_th = 1 - 2 * b_th @ a + a @ theory.agreement_matrix(q, k) @ a
    assert abs(mse_mc - mse_th) < 0.01


def test_fact1_hardmax_is_exact_and_softmax_converges():
    betas = jnp.asarray([1.0, 10.0, 100.0, 1e4])
    soft, hard = theory.fact1_curve(jax.random.key(7)[None], betas, 16, 8, 4096)
    assert float(hard[0]) == 0.0
    assert np.all(np.diff(np.asarray(soft[0])) < 0) and float(soft[0, -1]) < 1e-3


@pytest.mark.parametrize("override, field", [
    ("model.ranks=(16,6)", "model.ranks"), ("optim.lr=-1.0", "optim.lr"),
    ("num_seeds=0", "num_seeds"), ("model.block='mlp'", "model.block"),
    ("model.depths=(1,2)", "model.depths"), ("model.sweep_ranks=(3,)", "model.sweep_ranks"),
])  # fmt: skip
def test_bad_config_raises_naming_field(override, field):
    cfg = rvh_config.get_config("quick").to_dict()
    path, value = override.split("=")
    node = cfg
    *parents, leaf = path.split(".")
    for p in parents:
        node = node[p]
    node[leaf] = eval(value)  # test-local literal
    with pytest.raises(validation.ConfigError, match=field.replace(".", r"\.")):
        launch.build_config(rvh, cfg)
