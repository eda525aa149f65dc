"""Attention primitives against float64 NumPy references."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from attn_theory import attention


def _qkv(seed=0, b=2, t=5, s=7, h=3, d=4):
    r = np.random.default_rng(seed)
    return (r.normal(size=(b, t, h, d)), r.normal(size=(b, s, h, d)), r.normal(size=(b, s, h, d)))


def _ref_softmax(q, k, v, mask=None):
    s = np.einsum("bthd,bshd->bhts", q, k) / np.sqrt(q.shape[-1])
    if mask is not None:
        s = np.where(mask, s, -np.inf)
    s = s - s.max(-1, keepdims=True)
    a = np.exp(s)
    a = a / a.sum(-1, keepdims=True)
    return np.einsum("bhts,bshd->bthd", a, v), a


def _rel(a, b):
    return np.linalg.norm(np.asarray(a, np.float64) - b) / np.linalg.norm(b)


def test_softmax_matches_float64_reference():
    q, k, v = _qkv()
    out, attn = attention.softmax_attention(*(jnp.asarray(x, jnp.float32) for x in (q, k, v)))
    ref_out, ref_attn = _ref_softmax(q, k, v)
    assert _rel(out, ref_out) < 1e-5 and _rel(attn, ref_attn) < 1e-5
    np.testing.assert_allclose(np.asarray(attn).sum(-1), 1.0, rtol=1e-5)


def test_softmax_mask_and_fully_masked_rows_are_zero_not_nan():
    q, k, v = _qkv()
    mask = np.asarray(attention.causal_mask(5, 7, strict=True))  # row 0 sees nothing
    out, attn = attention.softmax_attention(
        *(jnp.asarray(x, jnp.float32) for x in (q, k, v)), mask=mask
    )
    assert np.all(np.isfinite(out)) and np.all(np.asarray(out)[:, 0] == 0)
    ref_out, _ = _ref_softmax(q[:, 1:], k, v, mask[:, :, 1:])
    assert _rel(np.asarray(out)[:, 1:], ref_out) < 1e-5
    g = jax.grad(lambda q_: attention.softmax_attention(q_, k, v, mask=mask)[0].sum())(
        jnp.asarray(q, jnp.float32)
    )
    assert np.all(np.isfinite(g))


@pytest.mark.parametrize("norm", ["none", "train", "actual"])
def test_linear_attention_normalisations(norm):
    q, k, v = _qkv()
    out, _ = attention.linear_attention(
        *(jnp.asarray(x, jnp.float32) for x in (q, k, v)),
        normalization=norm,
        train_len=10,
        scale=1.0,
    )
    z = {"none": 1.0, "train": 10.0, "actual": 7.0}[norm]
    ref = np.einsum("bhts,bshd->bthd", np.einsum("bthd,bshd->bhts", q, k) / z, v)
    assert _rel(out, ref) < 1e-5


def test_linear_attention_rejects_unknown_normalisation():
    q, k, v = (jnp.asarray(x, jnp.float32) for x in _qkv())
    with pytest.raises(ValueError, match="normalization"):
        attention.linear_attention(q, k, v, normalization="bogus")


def test_hardmax_picks_argmax_and_relu_weights():
    q, k, v = (jnp.asarray(x, jnp.float32) for x in _qkv())
    out, attn = attention.hardmax_attention(q, k, v)
    s = np.einsum("bthd,bshd->bhts", q, k)
    np.testing.assert_array_equal(np.argmax(attn, -1), np.argmax(s, -1))
    _, w = attention.activation_attention(q, k, v, normalize_by_len=False, scale=1.0)
    np.testing.assert_allclose(w, np.maximum(s, 0), rtol=1e-5, atol=1e-6)


def test_multihead_module_merged_forms_reproduce_scores():
    q, k, v = _qkv(t=1)
    x_q, x_kv = jnp.asarray(q[:, :, 0], jnp.float32), jnp.asarray(k[:, :, 0], jnp.float32)
    mha = attention.MultiHeadAttention(num_heads=2, head_dim=4, out_dim=1, scale=0.5)
    params = mha.init(jax.random.key(0), x_q, x_kv)
    out, inter = mha.apply(params, x_q, x_kv)
    p = params["params"]
    kq, ov = attention.merged_kq_ov(p["w_q"], p["w_k"], p["w_v"], p["w_o"], 0.5)
    scores = np.einsum("bsi,hij,btj->bhts", x_kv, kq, x_q)
    a = np.exp(scores - scores.max(-1, keepdims=True))
    a /= a.sum(-1, keepdims=True)
    np.testing.assert_allclose(inter["attn"], a, rtol=1e-4, atol=1e-6)
    ref = np.einsum("bhts,bsi,hio->bto", a, x_kv, ov)
    np.testing.assert_allclose(out, ref, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("kind", attention.ATTENTION_KINDS)
def test_merged_impl_is_the_same_function_with_the_same_gradients(kind):
    kwargs = (("normalization", "actual"),) if kind == "linear" else ()
    ref = attention.MultiHeadAttention(
        num_heads=3, head_dim=4, out_dim=2, kind=kind, qk_dim=2, attn_kwargs=kwargs
    )
    merged = ref.clone(impl="merged")
    xq = jax.random.normal(jax.random.key(1), (5, 2, 6))
    xkv = jax.random.normal(jax.random.key(2), (5, 7, 6))
    mask = attention.causal_mask(2, 7)
    params = ref.init(jax.random.key(0), xq, xkv)
    assert jax.tree.structure(merged.init(jax.random.key(0), xq, xkv)) == jax.tree.structure(params)
    (o1, i1), (o2, i2) = (m.apply(params, xq, xkv, mask) for m in (ref, merged))
    assert _rel(o2, o1) < 1e-5 and _rel(i2["attn"], i1["attn"]) < 1e-5
    grads = [
        jax.grad(lambda p, m=m: jnp.sum(m.apply(p, xq, xkv, mask)[0] ** 2))(params)
        for m in (ref, merged)
    ]
    # One relative error over all parameters (hardmax has exactly-zero W_Q/W_K gradients).
    flat = [jnp.concatenate([x.ravel() for x in jax.tree.leaves(g)]) for g in grads]
    assert _rel(flat[1], flat[0]) < 1e-5
