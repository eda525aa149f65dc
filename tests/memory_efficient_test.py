"""Tests for attn_theory.memory_efficient: exactness against float64, robustness, memory.

The reference is softmax attention and its analytic gradient in numpy float64. Tolerances are
stated relative to the largest reference entry and derived from the input precision: float32
(eps = 2^-24 per rounding, grown by the O(100)-term sums) and bfloat16 (2^-9 per rounding).
"""

import importlib

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from attn_theory import attention, memory_probe
from attn_theory import reference_attention as ref
from attn_theory.memory_efficient import (
    KERNELS,
    attention_fn,
    memory_efficient_attention,
    naive_attention,
)

# A handful of roundings, each amplified by sums of at most a few hundred terms: 2e-5 is about
# 170 f32 epsilons, well above the ~1e-6 we see and well below any real bug (>= 1e-3).
F32_TOL = 2e-5
# bf16 output/gradient rounding alone is 2^-9 of an entry; allow 4x for the inputs' rounding.
BF16_TOL = 2.0**-7


def _reference(q, k, v, do, mask=None, bias=None, causal=False):
    """float64 out, dq, dk, dv, dbias (dbias as full [b, h, tq, tk]) of `sum(out * do)`."""
    return ref.attention_and_grads(q, k, v, do, mask=mask, bias=bias, causal=causal)


_rel_err = ref.max_rel_err


def _inputs(seed, b, tq, tk, h, d, dtype=jnp.float32):
    kq, kk, kv, kd, kb, km = jax.random.split(jax.random.key(seed), 6)
    q = jax.random.normal(kq, (b, tq, h, d), dtype)
    k = jax.random.normal(kk, (b, tk, h, d), dtype)
    v = jax.random.normal(kv, (b, tk, h, d), dtype)
    do = jax.random.normal(kd, (b, tq, h, d), dtype)
    bias = jax.random.normal(kb, (1, h, tq, tk), jnp.float32)
    mask = jax.random.bernoulli(km, 0.7, (b, 1, tq, tk))
    return q, k, v, do, bias, mask


def _ours_with_grads(q, k, v, do, bias=None, **kw):
    """Value and (dq, dk, dv, dbias) of `sum(out * do)` through memory_efficient_attention."""

    def loss(q, k, v, bias):
        out = memory_efficient_attention(q, k, v, bias=bias, **kw)
        return (out.astype(jnp.float32) * do.astype(jnp.float32)).sum(), out

    # One jit per call: eager dispatch of the loops' many small ops would dominate test time.
    grads, out = jax.jit(jax.grad(loss, argnums=(0, 1, 2, 3), has_aux=True))(q, k, v, bias)
    return out, grads


@pytest.mark.parametrize(
    "tq, tk, chunks, use_mask, use_bias, causal",
    [
        (48, 48, (16, 16), False, False, False),  # divides the chunks
        (37, 53, (16, 16), False, False, False),  # divides neither
        (37, 53, (8, 32), True, True, False),  # mask and bias, ragged
        (50, 50, (16, 24), False, False, True),  # causal, ragged
        (29, 61, (None, None), True, True, True),  # everything, default chunk policy
    ],
)
@pytest.mark.parametrize("residual", ["output", "recompute"])
def test_value_and_grads_match_float64(tq, tk, chunks, use_mask, use_bias, causal, residual):
    q, k, v, do, bias, mask = _inputs(0, 2, tq, tk, 3, 16)
    bias = bias if use_bias else None
    mask = mask if use_mask else None
    out, (dq, dk, dv, dbias) = _ours_with_grads(
        q, k, v, do, bias, mask=mask, causal=causal,
        query_chunk_size=chunks[0], key_chunk_size=chunks[1], residual=residual,
    )  # fmt: skip
    ref = _reference(q, k, v, do, mask=mask, bias=bias, causal=causal)
    for name, got, want in zip("out dq dk dv".split(), (out, dq, dk, dv), ref[:4], strict=True):
        assert _rel_err(got, want) < F32_TOL, name
    if use_bias:  # bias [1, h, tq, tk] broadcasts over batch, so its gradient sums over it
        assert _rel_err(dbias, ref[4].sum(0, keepdims=True)) < F32_TOL
    # The tolerance is one naive f32 attention also meets, so it is not loose for us only.
    naive = naive_attention(q, k, v, mask=mask, bias=bias, causal=causal)
    assert _rel_err(naive, ref[0]) < F32_TOL


def test_broadcast_bias_gradient_is_reduced():
    q, k, v, do, _, _ = _inputs(1, 2, 20, 30, 2, 8)
    bias = jax.random.normal(jax.random.key(7), (1, 1, 1, 30))  # per-key bias, shared
    _, (*_, dbias) = _ours_with_grads(q, k, v, do, bias, query_chunk_size=8, key_chunk_size=16)
    ref_ds = _reference(q, k, v, do, bias=np.broadcast_to(bias, (2, 2, 20, 30)))[4]
    assert dbias.shape == bias.shape
    assert _rel_err(dbias, ref_ds.sum((0, 1, 2), keepdims=True)) < F32_TOL


def test_fully_masked_rows_give_zeros_and_finite_grads():
    q, k, v, do, bias, mask = _inputs(2, 2, 24, 40, 2, 8)
    mask = mask.at[:, :, 5].set(False).at[1, :, 17].set(False)
    out, grads = _ours_with_grads(
        q, k, v, do, bias, mask=mask, query_chunk_size=8, key_chunk_size=16
    )
    assert np.all(np.asarray(out)[:, 5] == 0) and np.all(np.asarray(out)[1, 17] == 0)
    assert all(np.isfinite(np.asarray(g)).all() for g in grads)
    ref = _reference(q, k, v, do, mask=mask, bias=bias)
    for got, want in zip((out, *grads[:3]), ref[:4], strict=True):
        assert _rel_err(got, want) < F32_TOL
    # All three backends agree on the convention, including jax.nn (wrapped to give zeros).
    for impl in ("reference", "xla"):
        other = attention_fn(impl)(q, k, v, mask=mask, bias=bias)
        assert _rel_err(other, ref[0]) < F32_TOL, impl


def test_huge_scores_do_not_overflow():
    q, k, v, do, _, _ = _inputs(3, 1, 33, 45, 2, 16)
    q, k = q * 100.0, k * 25.0  # scores q.k / 4 of order 1e4: exp would overflow at 89
    out, grads = _ours_with_grads(q, k, v, do, query_chunk_size=16, key_chunk_size=16)
    s_max = float(np.abs(np.einsum("bqhd,bkhd->bhqk", q, k)).max() / 4)
    assert s_max > 5e3
    assert all(np.isfinite(np.asarray(x)).all() for x in (out, *grads[:3]))
    ref = _reference(q, k, v, do)
    # f32 rounds each score by eps * |s|, which moves the (near one-hot) weights by about that
    # relative amount: allow 16 such roundings.
    tol = 16 * 2.0**-24 * s_max
    assert _rel_err(out, ref[0]) < tol
    assert _rel_err(grads[2], ref[3]) < tol  # dv = p^T do, the well-conditioned gradient


def test_bfloat16_inputs_float32_accumulation():
    q, k, v, do, bias, mask = _inputs(4, 2, 70, 90, 2, 32, dtype=jnp.bfloat16)
    out, (dq, dk, dv, dbias) = _ours_with_grads(
        q, k, v, do, bias, mask=mask, causal=True, query_chunk_size=32, key_chunk_size=32
    )
    assert out.dtype == dq.dtype == dk.dtype == dv.dtype == jnp.bfloat16
    # The reference sees exactly the bf16 inputs, so only our rounding is measured.
    ref = _reference(q, k, v, do, mask=mask, bias=bias, causal=True)
    for name, got, want in zip("out dq dk dv".split(), (out, dq, dk, dv), ref[:4], strict=True):
        assert _rel_err(got, want) < BF16_TOL, name


def test_jit_equals_no_jit():
    q, k, v, _, bias, mask = _inputs(5, 2, 37, 41, 2, 8)
    kw = dict(mask=mask, bias=bias, causal=True, query_chunk_size=16, key_chunk_size=16)
    eager = memory_efficient_attention(q, k, v, **kw)
    jitted = jax.jit(lambda q, k, v: memory_efficient_attention(q, k, v, **kw))(q, k, v)
    np.testing.assert_allclose(jitted, eager, rtol=0, atol=1e-6)


def test_attention_fn_backends_agree():
    q, k, v, do, bias, mask = _inputs(6, 2, 24, 40, 2, 8)
    ref = _reference(q, k, v, do, mask=mask, bias=bias, causal=True)[0]
    for impl in ("reference", "memory_efficient", "xla"):
        out = attention_fn(impl)(q, k, v, mask=mask, bias=bias, causal=True)
        assert out.shape == q.shape
        assert _rel_err(out, ref) < F32_TOL, impl
    with pytest.raises(ValueError, match="attention_impl"):
        attention_fn("flash")


def test_one_table_of_attention_implementations():
    # Every kernel name is a model `impl`, and the models add only their own 'merged'.
    assert set(attention.ATTENTION_IMPLS) - set(KERNELS) == {"merged"}
    assert set(KERNELS) <= set(attention.ATTENTION_IMPLS)
    # Configs stay plain data (no library import), so they spell the choices out; they must
    # list exactly the table's names.
    for stem in ("icl_linear_regression", "icl_anisotropic", "icl_multitask"):
        module = importlib.import_module(f"configs.{stem}")
        if hasattr(module, "IMPLS"):
            assert set(module.IMPLS) == set(attention.ATTENTION_IMPLS), stem


def test_recomputing_backward_drops_the_output_residual():
    # With the cotangent as an input (as inside a model), the default backward keeps the
    # n x d f32 output (4 MiB here) and the recomputing one does not.
    n, d = 16384, 64
    store = memory_probe.temp_bytes("memory_efficient", "vjp", n, d)
    recompute = memory_probe.temp_bytes("memory_efficient_recompute", "vjp", n, d)
    assert store - recompute >= 0.5 * 4 * n * d, (store, recompute)


def _temp_bytes(fn, n):
    x = jax.ShapeDtypeStruct((1, n, 1, 64), jnp.float32)
    return jax.jit(fn).lower(x, x, x).compile().memory_analysis().temp_size_in_bytes


def test_compiled_temp_memory_far_below_naive():
    # n = 4096, one head: one f32 n x n matrix is 64 MiB, and naive holds 2 (forward) and 4
    # (gradient) of them. Ours holds a few chunk blocks plus, in the gradient, the n x d output.
    n = 4096

    def grad(f):
        return jax.value_and_grad(lambda q, k, v: f(q, k, v).sum(), argnums=(0, 1, 2))

    naive_fwd, ours_fwd = (
        _temp_bytes(naive_attention, n),
        _temp_bytes(memory_efficient_attention, n),
    )
    naive_grad = _temp_bytes(grad(naive_attention), n)
    ours_grad = _temp_bytes(grad(memory_efficient_attention), n)
    nn_matrix = n * n * 4
    assert naive_fwd >= nn_matrix and naive_grad >= 2 * nn_matrix  # the check can see n^2
    assert ours_fwd * 32 < naive_fwd, (ours_fwd, naive_fwd)
    assert ours_grad * 32 < naive_grad, (ours_grad, naive_grad)
