"""Scan and Snap: the quick config's claims B-P1..B-P6 (slow tier) and unit tests of the
sequence-class sampler, the Y/Z model, the c_n theory and the two-rate optimizer (fast tier).

One quick run (module fixture) is shared by every claim test; bounds are those of
docs/papers/scan_and_snap.md. The smoke run and its golden values are in tests/smoke_test.py.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from attn_theory import validation
from attn_theory.models import scan_snap as model
from attn_theory.tasks import sequence_classes as sc
from attn_theory.theory import scan_snap as theory
from configs import scan_and_snap as config_lib
from experiments import launch
from tests import contract

exp = launch.load("scan_and_snap")
QUICK = config_lib.get_config("quick")


@pytest.fixture(scope="module")
def summary(tmp_path_factory):
    workdir = str(tmp_path_factory.mktemp("scan_and_snap"))
    s = launch.execute(exp, QUICK, workdir)
    return s, workdir


@pytest.mark.slow
def test_workdir_contract(summary):
    _, wd = summary
    figures = ("fig4_cn_heatmap", "fig6_entropy", "snap_entropy", "transformer_scan_snap")
    saved = contract.assert_workdir(wd, num_seeds=QUICK.num_seeds, figures=figures,
                                    metrics_keys={"loss"})  # fmt: skip
    assert len(saved["claims"]) == 15


@pytest.mark.slow
@pytest.mark.parametrize(
    "name",
    [
        "B-P1_loss_iter0",
        "B-P1_loss_iter4",
        "B-P1_loss_iter8",
        "B-P1_loss_iter50",
        "B-P2_common_mass_iter48",
        "B-P2_common_never_rises",
        "B-P3_ranking_kept",
        "B-P3_top_share_doubles",
        "B-P4_fig6_table",
        "B-P4_larger_eta_z_sparser",
        "B-P4_ratio_raises_entropy",
        "B-P5_scan_moves",
        "B-P5_not_winner_take_all",
        "B-P6_lr_control",
    ],
)
def test_claim(summary, name):
    c = summary[0]["claims"][name]
    assert c["passed"], c


# A known miss, kept at its bound; see docs/papers/scan_and_snap.md ("What did not reproduce").
@pytest.mark.slow
@pytest.mark.xfail(
    reason="at eta_Y/eta_Z = 1 the distinct-token entropy rises again after the snap: "
    "|H(400) - H(60)| 0.049 > 0.02 (mean of 10 seeds; every seed drifts up, 0.008 to 0.131)",
    strict=True,
)
def test_claim_snap_frozen(summary):
    assert summary[0]["claims"]["B-P5_snap_frozen"]["passed"]


def test_layout_matches_authors_fig4():
    lay = sc.make_layout(2, 1)
    # The authors' Fig. 4 layout (their Dataset2): M = 34, classes 0-19 -> query 30 -> next 32,
    # 0-9 + 20-29 -> query 31 -> next 33; common tokens get 1/15.5 each.
    assert lay.num_tokens == 34
    np.testing.assert_array_equal(lay.support[1], np.r_[0:10, 20:30])
    np.testing.assert_array_equal(lay.query, [30, 31])
    np.testing.assert_array_equal(lay.label, [32, 33])
    np.testing.assert_allclose(lay.probs[:10], 1 / 15.5)
    assert sc.make_layout(10, 2).num_tokens == 10 + 200 + 10 + 20


def test_sampler_frequencies_match_p():
    lay = sc.make_layout(3, 2)
    batch = jax.jit(lambda k: sc.sample(k, 4000, lay, 64))(jax.random.key(0))
    tok, cls = np.asarray(batch["tokens"]), np.asarray(batch["cls"])
    np.testing.assert_array_equal(tok[:, -1], lay.query[cls])
    np.testing.assert_array_equal(batch["label"], lay.label[cls])
    sel = cls == 4
    counts = np.stack([(tok[sel, :-1] == t).sum() for t in lay.support[4]])
    freq = counts / counts.sum()
    se = np.sqrt(lay.probs * (1 - lay.probs) / counts.sum())
    assert np.all(np.abs(freq - lay.probs) < 5 * se)
    assert np.isin(tok[sel, :-1], lay.support[4]).all()


def test_initial_entropy_and_mixture_at_zero():
    lay = sc.make_layout(2, 1)
    # 2.151 nats: -sum p log p of linspace(0.1, 1, 10) renormalised (computed by hand).
    assert abs(theory.initial_distinct_entropy(lay) - 2.151) < 5e-4
    c = theory.token_mixture(jnp.zeros((34, 34)), lay)
    np.testing.assert_allclose(c, np.tile(lay.probs, (2, 1)), rtol=1e-6)
    np.testing.assert_allclose(theory.common_mass(c, 10), 10 / 15.5, rtol=1e-6)


def test_yz_apply_matches_onehot_reference():
    lay = sc.make_layout(2, 1)
    params = model.yz_init(jax.random.key(1), lay.num_tokens, zero_init=False)
    tokens = np.asarray(sc.sample(jax.random.key(2), 8, lay, 32)["tokens"])
    logits, attn = jax.jit(model.yz_apply)(params, jnp.asarray(tokens))
    # Model2 literally, in float64: one-hot keys, logits Z X_key e_last, Y (u / |u|).
    y, z = (np.asarray(params[k], np.float64) for k in ("Y", "Z"))
    x = np.eye(lay.num_tokens)[tokens]
    s = np.einsum("bsm,nm,bn->bs", x[:, :-1], z, x[:, -1])
    a = np.exp(s - s.max(1, keepdims=True))
    a /= a.sum(1, keepdims=True)
    u = np.einsum("bs,bsm->bm", a, x[:, :-1])
    ref = (u / np.linalg.norm(u, axis=1, keepdims=True)) @ y.T
    assert np.max(np.abs(np.asarray(logits) - ref)) / np.max(np.abs(ref)) < 1e-5
    assert np.max(np.abs(np.asarray(attn) - a)) < 1e-6


def test_token_mixture_is_long_sequence_attention():
    lay = sc.make_layout(2, 1)
    z = jax.random.normal(jax.random.key(3), (34, 34))
    batch = sc.sample(jax.random.key(4), 64, lay, 4001)
    _, attn = jax.jit(model.yz_apply)({"Y": jnp.zeros((34, 34)), "Z": z}, batch["tokens"])
    cls = np.asarray(batch["cls"])
    mass = np.stack(
        [
            theory.sampled_attention_mass(attn[i], batch["tokens"][i, :-1], lay.support[cls[i]])
            for i in range(64)
        ]
    )
    c = np.asarray(theory.token_mixture(z, lay))[cls]
    # T = 4000 context tokens: the count noise of each token is about 1 / sqrt(T P) ~ 6%.
    assert np.max(np.abs(mass.mean(0) - c.mean(0)) / c.mean(0)) < 0.05


def test_two_rate_sgd_is_torch_momentum():
    params = {"Y": jnp.ones((2, 2)), "Z": jnp.ones((2, 2))}
    opt = model.two_rate_sgd(2.0, 0.5, 0.9)
    state = opt.init(params)
    ref = {k: np.ones((2, 2)) for k in params}
    buf = {k: np.zeros((2, 2)) for k in params}
    lr = {"Y": 2.0, "Z": 0.5}
    for t in range(3):
        g = {k: np.full((2, 2), 0.1 * (t + 1)) for k in params}
        upd, state = opt.update(jax.tree_util.tree_map(jnp.asarray, g), state, params)
        params = jax.tree_util.tree_map(lambda p, u: p + u, params, upd)
        for k in ref:  # torch.optim.SGD: buf = m * buf + g; p -= lr * buf
            buf[k] = 0.9 * buf[k] + g[k]
            ref[k] = ref[k] - lr[k] * buf[k]
    for k in ref:
        np.testing.assert_allclose(params[k], ref[k], rtol=1e-6)


def test_transformer_attention_uses_effective_z():
    lay = sc.make_layout(2, 1)
    net = model.OneLayerTransformer(lay.num_tokens, 16)
    tokens = sc.sample(jax.random.key(5), 4, lay, 20)["tokens"]
    params = net.init(jax.random.key(6), tokens)
    _, attn = jax.jit(net.apply)(params, tokens)
    z = np.asarray(model.effective_z(params, 16))
    t = np.asarray(tokens)
    s = z[t[:, -1:], t[:, :-1]]
    ref = np.exp(s) / np.exp(s).sum(1, keepdims=True)
    np.testing.assert_allclose(attn, ref, rtol=1e-4)


@pytest.mark.parametrize(
    "section, name, value",
    [
        ("optim", "fig6_lr_z", (1.0, -2.0)),
        ("optim", "fig4_steps", 20),
        ("task", "fig6_num_last", (1, 0)),
        ("optim", "momentum", 1.5),
        (None, "log_every", 7),  # cross-field: B-P5 needs logs at iterations 40 and 60
    ],
)
def test_bad_config_names_field(section, name, value):
    cfg = config_lib.get_config("quick")
    (cfg if section is None else cfg[section])[name] = value
    path = name if section is None else f"{section}.{name}"
    with pytest.raises(validation.ConfigError, match=path.replace(".", r"\.")):
        launch.build_config(exp, cfg)


def test_ranking_kept_detects_a_swap():
    lay = sc.make_layout(2, 1)
    c = np.tile(lay.probs, (2, 1))  # Z = 0: c_n = P(l | n), ranking kept (ratio constant)
    kept = theory.ranking_kept(c, lay.probs, lay.num_common)
    assert kept.tolist() == [True, True]
    c[1, [-1, -2]] = c[1, [-2, -1]]  # the two most frequent distinct tokens swapped
    assert theory.ranking_kept(c, lay.probs, lay.num_common).tolist() == [True, False]
