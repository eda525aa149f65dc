"""The mechanism toolkit on hand-built models whose answers are known exactly.

A one-layer SequenceTransformer is wired by hand (hardmax attention, one-hot positions):
head 0 is a previous-token head that copies the previous token, head 1 is dead (all weights
zero). Its previous-token score must be exactly 1 (head 0) and 1/(T-1) (head 1, whose zero
scores send every row to position 0); ablating it has effects computable by hand.
"""

import jax
import jax.numpy as jnp
import numpy as np

from attn_theory import mechanisms
from attn_theory.models.sequence import SequenceTransformer

T, V = 6, 4
W = T + V  # residual = [position one-hot; token one-hot]


def _model():
    return SequenceTransformer(
        out_dim=V,
        width=W,
        num_layers=1,
        num_heads=2,
        head_dim=W,
        kind="hardmax",
        causal=True,
        residual=False,
        positions=True,
    )


def _inputs(key, batch=64):
    tokens = jax.random.randint(key, (batch, T), 0, V)
    x = jnp.concatenate([jnp.zeros((batch, T, T)), jax.nn.one_hot(tokens, V)], -1)
    return x, np.asarray(tokens)


def _hand_built_params():
    params = _model().init(jax.random.key(0), _inputs(jax.random.key(1))[0])["params"]
    pos_block = np.diag(np.r_[np.ones(T), np.zeros(V)])  # projection on positions
    tok_block = np.diag(np.r_[np.zeros(T), np.ones(V)])  # projection on tokens
    shift = np.zeros((W, W))
    shift[np.arange(T - 1), np.arange(1, T)] = 1.0  # key of position s is e_{s+1}
    zero = np.zeros((W, W))
    readout = np.zeros((W, V))
    readout[T:] = np.eye(V)
    new = {
        "Dense_0": {"kernel": np.eye(W)},
        "pos": np.c_[np.eye(T), np.zeros((T, V))],
        "MultiHeadAttention_0": {
            "w_q": np.stack([pos_block, zero]),
            "w_k": np.stack([shift, zero]),
            "w_v": np.stack([tok_block, zero]),
            "w_o": np.stack([np.eye(W), zero]),
        },
        "Dense_1": {"kernel": readout, "bias": np.zeros(V)},
    }
    assert jax.tree_util.tree_structure(new) == jax.tree_util.tree_structure(params)
    return {"params": jax.tree_util.tree_map(lambda a: jnp.asarray(a, jnp.float32), new)}


def test_hand_built_previous_token_head_scores_exactly_one():
    params, (x, _) = _hand_built_params(), _inputs(jax.random.key(2))
    attn = mechanisms.attention_maps(_model().apply, params, x)
    assert attn.shape == (1, 64, 2, T, T)
    rows, cols = mechanisms.previous_token_links(64, T)
    score = np.asarray(mechanisms.head_scores(attn, rows, cols))
    assert score[0, 0] == 1.0
    np.testing.assert_allclose(score[0, 1], 1.0 / (T - 1), rtol=1e-6)  # only row 1 hits
    targets = jnp.eye(T, k=-1, dtype=bool)[None].repeat(64, 0)  # row t -> key t-1
    np.testing.assert_allclose(mechanisms.target_mass(attn, targets), score, rtol=1e-6)


def test_head_scores_skip_missing_and_invalid_links():
    attn = jax.random.uniform(jax.random.key(3), (2, 3, 4, 5, 5))
    rows, cols = jnp.array([[1, 2], [3, 4]]), jnp.array([[0, -1], [2, 3]])
    valid = jnp.array([[True, True], [True, False]])
    got = mechanisms.head_scores(attn, rows, cols, valid)
    np.testing.assert_allclose(got, (attn[:, 0, :, 1, 0] + attn[:, 1, :, 3, 2]) / 2, rtol=1e-6)


def _accuracy_fn(params, x, tokens, kind):
    def metric(mask):
        logits, _ = _model().apply(params, x, head_mask=mask, ablation=kind)
        return jnp.mean(jnp.argmax(logits[:, 1:], -1) == tokens[:, :-1])

    return metric


def test_ablation_effects_are_the_hand_computed_ones():
    params, (x, tokens) = _hand_built_params(), _inputs(jax.random.key(4), 256)
    prev = tokens[:, :-1]  # the target at positions 1..T-1
    base, zero = mechanisms.ablate_each_head(_accuracy_fn(params, x, tokens, "zero"), 1, 2)
    assert float(base) == 1.0  # the copying head solves the task exactly
    assert float(zero[0, 1]) == 1.0  # the dead head does nothing
    # Without head 0 every logit is 0 and argmax picks token 0.
    np.testing.assert_allclose(zero[0, 0], np.mean(prev == 0), rtol=1e-6)
    # Mean ablation: the logits become the batch frequency of each position's previous token,
    # so the prediction is the most frequent token there (first on ties).
    _, mean = mechanisms.ablate_each_head(_accuracy_fn(params, x, tokens, "mean"), 1, 2)
    counts = np.stack([np.bincount(prev[:, t], minlength=V) for t in range(T - 1)])
    want = np.mean(prev == counts.argmax(-1)[None])
    np.testing.assert_allclose(mean[0, 0], want, rtol=1e-6)
    assert float(mean[0, 1]) == 1.0


def test_attention_maps_vmap_over_seeds_equals_loop():
    model, (x, _) = _model(), _inputs(jax.random.key(5), 8)
    stacked = jax.tree_util.tree_map(
        lambda a, b: jnp.stack([a, b]),
        _hand_built_params(),
        model.init(jax.random.key(6), x),
    )
    maps = jax.vmap(lambda p: mechanisms.attention_maps(model.apply, p, x))(stacked)
    for s in range(2):
        one = jax.tree_util.tree_map(lambda a, s=s: a[s], stacked)
        np.testing.assert_allclose(maps[s], mechanisms.attention_maps(model.apply, one, x))


def test_ablation_masks_and_first_crossing_and_order():
    masks = np.asarray(mechanisms.ablation_masks(2, 3))
    assert masks.shape == (6, 2, 3) and np.all(masks.sum((1, 2)) == 5)
    assert masks[4, 1, 1] == 0  # row-major over (layer, head)
    steps = np.array([100, 200, 300, 400])
    values = np.array([[0.1, 0.6, 0.9, 1.0], [0.0, 0.1, 0.2, 0.3], [0.5, 0.5, 0.9, 0.9]])
    first = mechanisms.first_crossing(steps, values, 0.5)
    np.testing.assert_array_equal(first, [200, np.inf, 100])
    np.testing.assert_array_equal(
        mechanisms.first_crossing(steps, values, 0.2, above=False), [100, 100, np.inf]
    )
    order = mechanisms.emergence_order({"a": first[0], "never": first[1], "b": first[2]})
    assert order == [("b", 100.0), ("a", 200.0)]
