"""Memorisation capacity (Mahdavi et al., ICLR'24): the quick config's claims A-P0..A-P6 and
the workdir contract (slow tier), and unit tests of the model, the data, the capacity helpers
and the claims' failure paths (fast tier).

One quick run (module fixture) is shared by every claim test; bounds are those of
docs/papers/memorization_capacity.md. The smoke run and its golden values are in
tests/smoke_test.py.
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from attn_theory import attention, validation
from attn_theory.models import memorization
from attn_theory.tasks import random_labels
from attn_theory.theory import capacity
from configs import memorization_capacity as mc_config
from experiments import launch
from experiments.memorization_capacity import claims as mc_claims
from experiments.memorization_capacity import run as mc_run
from tests import contract

mc = launch.load("memorization_capacity")

TASK = dict(input_dim=6, context_len=4, num_classes=5)


@pytest.fixture(scope="module")
def quick(tmp_path_factory):
    workdir = str(tmp_path_factory.mktemp("memorization_quick"))
    summary = launch.execute(mc, mc_config.get_config("quick"), workdir)
    return workdir, summary


@pytest.mark.slow
def test_workdir_contract(quick):
    contract.assert_workdir(
        quick[0],
        num_seeds=mc_config.get_config("quick").num_seeds,
        figures=("capacity", "context_and_saturation"),
        metrics_keys={"loss", "train_acc"},
    )


@pytest.mark.slow
@pytest.mark.parametrize(
    "prefix",
    [
        "A-P0",
        "A-P1",
        "A-P2",
        "A-P3",
        "A-P4",
        "A-P5",
        "A-P6",
    ],
)
def test_claims(quick, prefix):
    claims = {k: v for k, v in quick[1]["claims"].items() if k.startswith(prefix)}
    assert claims, prefix
    failed = {k: (v["value"], v["bound"]) for k, v in claims.items() if not v["passed"]}
    assert not failed, failed


def _reference_logits(p, query, context):
    """Float64 numpy port of the paper's BaselineAttention: all n+1 tokens get real keys and
    values (token 0 included) and token 0's column is masked with -inf."""
    p = jax.tree_util.tree_map(lambda x: np.asarray(x, np.float64), p["params"])
    x = np.concatenate(
        [query[:, None], np.broadcast_to(context, (len(query), *context.shape[1:]))], 1
    )
    d = p["embed"]["kernel"].shape[1]
    z = x @ p["embed"]["kernel"] + p["embed"]["bias"]
    z = z + np.asarray(memorization.sinusoidal_positions(x.shape[1], d), np.float64)
    q = np.einsum("bd,hdk->bhk", z[:, 0], p["w_q"])
    k = np.einsum("bsd,hdk->bhsk", z, p["w_k"])
    v = np.einsum("bsd,hdk->bhsk", z, p["w_v"])[..., 0]
    s = np.einsum("bhk,bhsk->bhs", q, k) / np.sqrt(d)
    s[:, :, 0] = -np.inf
    a = np.exp(s - s.max(-1, keepdims=True))
    a /= a.sum(-1, keepdims=True)
    heads = np.einsum("bhs,bhs->bh", a, v)
    return heads @ p["w_o"] @ p["decoder"]["kernel"] + p["decoder"]["bias"], a


@pytest.mark.parametrize("context_type,head_dim", [("shared", 8), ("shared", 2), ("random", 8)])
def test_model_matches_float64_reference_and_masks_token0(context_type, head_dim):
    # head_dim 8 takes the folded-W_Q path for a shared context, 2 the plain one.
    data = random_labels.examples(
        jax.random.key(0), jnp.arange(16), context_type=context_type, **TASK
    )
    model = memorization.MemorizationAttention(3, head_dim, 8, TASK["num_classes"])
    params = model.init(jax.random.key(1), data["query"], data["context"])
    logits, inter = model.apply(params, data["query"], data["context"])
    ref, ref_attn = _reference_logits(
        params, np.asarray(data["query"]), np.asarray(data["context"])
    )
    np.testing.assert_allclose(logits, ref, rtol=2e-5, atol=2e-6)
    np.testing.assert_allclose(inter["attn"], ref_attn, atol=1e-6)
    assert np.all(np.asarray(inter["attn"])[..., 0] == 0.0)


@pytest.mark.slow  # integration test of tens of seconds: slow tier keeps the fast one quick
def test_padded_model_equals_small_model():
    # A model padded to H=4, d_h=6, n=7 with active (2, 3, 4) and the small model's weights
    # in its active block gives the small model's logits and weight gradients.
    data = random_labels.examples(
        jax.random.key(2), jnp.arange(8), context_type="shared", **{**TASK, "context_len": 7}
    )
    small = memorization.MemorizationAttention(2, 3, 8, TASK["num_classes"])
    big = memorization.MemorizationAttention(4, 6, 8, TASK["num_classes"])
    ctx_small = data["context"][:, :4]
    p_small = small.init(jax.random.key(3), data["query"], ctx_small)
    p_big = big.init(jax.random.key(4), data["query"], data["context"])
    pb = dict(p_big["params"])
    for name in ("w_q", "w_k"):
        pb[name] = pb[name].at[:2, :, :3].set(p_small["params"][name])
    pb["w_v"] = pb["w_v"].at[:2].set(p_small["params"]["w_v"])
    pb["w_o"] = pb["w_o"].at[:2].set(p_small["params"]["w_o"])
    pb["embed"], pb["decoder"] = p_small["params"]["embed"], p_small["params"]["decoder"]
    active = {"num_heads": 2, "head_dim": 3, "context_len": 4}

    def loss(p, model, ctx, act):
        logits, _ = model.apply(p, data["query"], ctx, act)
        return jnp.sum(jax.nn.log_softmax(logits)[:, 0]), logits

    (_, l_small), g_small = jax.value_and_grad(loss, has_aux=True)(p_small, small, ctx_small, None)
    (_, l_big), g_big = jax.value_and_grad(loss, has_aux=True)(
        {"params": pb}, big, data["context"], active
    )
    np.testing.assert_allclose(l_big, l_small, rtol=1e-5, atol=1e-6)
    gs, gb = g_small["params"], g_big["params"]
    np.testing.assert_allclose(gb["w_q"][:2, :, :3], gs["w_q"], rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(gb["w_o"][:2], gs["w_o"], rtol=1e-4, atol=1e-6)
    assert np.all(gb["w_q"][2:] == 0) and np.all(gb["w_q"][:, :, 3:] == 0)  # dead weights


def test_model_attention_matches_platform_primitive():
    # The shared-context layout ([1, b] queries on one key set) equals per-example calls.
    data = random_labels.examples(jax.random.key(5), jnp.arange(6), context_type="shared", **TASK)
    model = memorization.MemorizationAttention(2, 2, 8, 1)
    params = model.init(jax.random.key(6), data["query"], data["context"])
    shared, inter = model.apply(params, data["query"], data["context"])
    repeated, _ = model.apply(params, data["query"], jnp.repeat(data["context"], 6, 0))
    np.testing.assert_allclose(shared, repeated, rtol=1e-5, atol=1e-6)
    q = jax.random.normal(jax.random.key(7), (6, 1, 2, 3))
    k = jax.random.normal(jax.random.key(8), (6, 5, 2, 3))
    mask = (jnp.arange(5) >= 1)[None, None, None, :]
    _, attn = attention.softmax_attention(q, k, k, mask=mask)
    assert np.allclose(np.asarray(attn).sum(-1), 1.0, atol=1e-6) and np.all(attn[..., 0] == 0)
    assert inter["attn"].shape == (6, 2, TASK["context_len"] + 1)


def test_random_labels_dataset_is_nested_and_uniform():
    key = jax.random.key(9)
    a = random_labels.examples(key, jnp.arange(2000), context_type="shared", **TASK)
    b = random_labels.examples(key, jnp.arange(10), context_type="shared", **TASK)
    np.testing.assert_array_equal(a["query"][:10], b["query"])  # first N of a larger set
    np.testing.assert_array_equal(a["context"], b["context"])  # one shared context
    assert a["context"].shape == (1, 4, 6)
    r = random_labels.examples(key, jnp.arange(2000), context_type="random", **TASK)
    assert r["context"].shape == (2000, 4, 6) and not np.allclose(r["context"][0], r["context"][1])
    # U[0,1]: mean 1/2 (stderr of 12000 draws ~0.003) and labels uniform over C=5 (400 each).
    assert abs(float(a["query"].mean()) - 0.5) < 0.015
    counts = np.bincount(np.asarray(a["label"]), minlength=5)
    assert counts.min() > 320 and counts.max() < 480
    reg = random_labels.examples(key, jnp.arange(4), context_type="shared", regression=True, **TASK)
    assert reg["target"].shape == (4,) and "label" not in reg


def test_capacity_helpers():
    assert capacity.lower_bound(4, 8) == 29  # 4 * (8 - 1) + 1
    model = memorization.MemorizationAttention(3, 5, 8, 7)
    data = random_labels.examples(jax.random.key(0), jnp.arange(2), context_type="shared", **TASK)
    params = model.init(jax.random.key(0), data["query"], data["context"])
    assert memorization.num_params(params) == capacity.num_params(6, 8, 3, 5, 7)
    np.testing.assert_allclose(capacity.per_doubling_growth([1, 2, 8], [3, 6, 24]), [2, 2])
    # Early stop at acc 1.0 counts N; otherwise the accuracy at the lowest-loss evaluation.
    np.testing.assert_allclose(
        capacity.memorised([[0.5, 1.0, 0.9], [0.5, 0.7, 0.6]], [[2, 1, 0.5], [2, 1, 0.5]], 10),
        [10, 6],
    )
    attn = np.zeros((2, 2, 3))
    attn[0, 0, 1] = attn[1, 1, 2] = 1.0
    attn[0, 1] = attn[1, 0] = 1 / 3
    assert capacity.saturation_fraction(attn) == 0.5
    assert capacity.saturation_fraction(attn, active_heads=1) == 0.5
    assert capacity.gain_split([2, 4, 8, 16], [0, 2, 6, 10], 8) == (1.0, 0.5)


@pytest.mark.parametrize(
    "field,value",
    [("optim.learning_rate", -1.0), ("model.num_heads", 0), ("sweep.shared", ("heads", "width"))],
)
def test_bad_config_names_the_field(field, value):
    cfg = mc_config.get_config("quick")
    section, name = field.split(".")
    cfg[section][name] = value
    with pytest.raises(validation.ConfigError, match=field):
        launch.build_config(mc, cfg)


def _fake_results(cfg, caps_heads, acc_bound=1.0):
    """Saved-results stand-in for claims(): capacities [seed, H] on the H sweep, the rest
    set to values that pass; shapes as run.py writes them."""
    s, num_seeds = cfg.sweep, len(caps_heads)
    caps = np.asarray(caps_heads, np.float64)
    n_grid = len(cfg.task.num_examples)
    grow = lambda k: np.tile(np.arange(1.0, k + 1) * 10, (num_seeds, 1))  # noqa: E731
    i = list(s.num_heads).index(cfg.model.num_heads)
    res = {
        "shared_heads_capacity": caps,
        "shared_heads_mem": np.repeat(caps[:, None], n_grid, 1),
        "shared_heads_pos0_max": np.zeros((num_seeds, n_grid, len(s.num_heads))),
        "shared_heads_rowsum_err": np.zeros((num_seeds, n_grid, len(s.num_heads))),
        "shared_heads_sat_init": np.zeros((num_seeds, n_grid, len(s.num_heads))),
        "shared_heads_sat_final": np.full((num_seeds, n_grid, len(s.num_heads)), 0.9),
        "shared_context_len_capacity": grow(len(s.context_len)),
        "shared_head_dim_capacity": np.tile([10.0, 20, 30, 31, 32], (num_seeds, 1)),
        "random_base_capacity": caps[:, i : i + 1] * 2,
        "bound_acc": np.full(num_seeds, acc_bound),
    }
    return {**res, **mc_run.theory_curves(cfg)}


def test_claims_pass_and_fail_on_constructed_results():
    cfg = launch.build_config(mc, mc_config.get_config("quick"))
    good = mc_claims.claims(_fake_results(cfg, [[30, 60, 200, 640]] * 2), cfg)
    assert all(c.passed for c in good.values()), {k: c.value for k, c in good.items()}
    assert all(c.kind in ("measured", "construction") and c.statistic for c in good.values())
    # One seed whose capacity stops growing at H=8 fails A-P1 alone; the mean still passes.
    mixed = mc_claims.claims(_fake_results(cfg, [[30, 60, 200, 640], [30, 60, 200, 210]]), cfg)
    assert mixed["A-P1_heads"].passed and mixed["A-P1_heads"].seeds_passing == 1
    flat = mc_claims.claims(_fake_results(cfg, [[30, 60, 200, 200]] * 2), cfg)
    assert not flat["A-P1_heads"].passed and flat["A-P1_heads"].seeds_passing == 0
    short = mc_claims.claims(_fake_results(cfg, [[30, 60, 200, 640]] * 2, acc_bound=0.97), cfg)
    assert not short["A-P5_lower_bound"].passed
