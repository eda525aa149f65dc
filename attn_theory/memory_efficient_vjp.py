"""Chunked attention kernels with a custom VJP (the engine behind `memory_efficient.py`).

Everything here works in the head-major layout `[batch, heads, seq, dim]`, already padded to
whole chunks and split into them: `q_nbhcd` is `[num_q_chunks, batch, heads, q_chunk, dim]`.
The forward pass is the online softmax of Rabe & Staats (2021, §3) applied chunk-wise, as in
FlashAttention: a `lax.map` over query chunks, each running a `lax.scan` over key chunks that
carries only the running max `m`, normaliser `l` and unnormalised output `acc`
(O(q_chunk * dim) state). It returns the output and the per-query log-sum-exp `lse`.

The backward pass keeps only `(q, k, v, out, lse)` as residuals and recomputes each chunk's
scores, so no `[q_len, kv_len]` buffer ever exists, in the forward or the gradient:
`p = exp(s - lse)`, `dp = dO v^T`, `ds = p (dp - delta)` with `delta = rowsum(dO * out)`.
With `Cfg.residual == "recompute"` the n x d output is not kept either: `delta` is rebuilt
from `delta_i = sum_j p_ij (dO_i . v_j)` in one extra pass over the chunks (about one more
forward pass of compute), so the only residual beyond the inputs is one f32 per query.
"""

from __future__ import annotations

import functools
from typing import NamedTuple

import jax
import jax.numpy as jnp
from jax import lax

F32 = jnp.float32


class Cfg(NamedTuple):
    """Static (hashable) settings of one call; closed over, never traced."""

    scale: float
    causal: bool
    q_len: int  # unpadded lengths, to mask padded keys and place the causal diagonal
    kv_len: int
    q_chunk: int
    kv_chunk: int
    precision: lax.Precision | None
    residual: str = "output"  # "output": keep out for delta; "recompute": keep only lse


def _slice_qk(x, qs, ks, cfg: Cfg):
    """The `[q_chunk, kv_chunk]` block of a 4-D mask/bias whose size-1 dims broadcast."""
    if x is None:
        return None
    _, _, nq, nk = x.shape
    start = (0, 0, qs if nq > 1 else 0, ks if nk > 1 else 0)
    size = (x.shape[0], x.shape[1], cfg.q_chunk if nq > 1 else 1, cfg.kv_chunk if nk > 1 else 1)
    return lax.dynamic_slice(x, start, size)


def _scores(q_bqhd, k_bkhd, qs, ks, mask, bias, cfg: Cfg):
    """Scaled, biased, masked f32 scores `[b, h, q_chunk, kv_chunk]` of one block."""
    s = jnp.einsum(
        "bqhd,bkhd->bhqk", q_bqhd, k_bkhd, precision=cfg.precision, preferred_element_type=F32
    )
    s = s * cfg.scale
    if bias is not None:
        s = s + _slice_qk(bias, qs, ks, cfg).astype(F32)
    valid = None
    if mask is not None:
        valid = _slice_qk(mask, qs, ks, cfg)
    k_idx = ks + jnp.arange(cfg.kv_chunk)
    if cfg.causal:
        q_idx = qs + jnp.arange(cfg.q_chunk)
        c = q_idx[:, None] >= k_idx[None, :]
        valid = c if valid is None else valid & c
    if cfg.kv_len % cfg.kv_chunk:  # padded keys exist
        c = (k_idx < cfg.kv_len)[None, :]
        valid = c if valid is None else valid & c
    if valid is not None:
        s = jnp.where(valid, s, -jnp.inf)
    return s


def _chunk(x_bthd, start, size):
    """Rows `[start, start + size)` of the sequence axis of `[b, t, h, d]`."""
    return lax.dynamic_slice_in_dim(x_bthd, start, size, axis=1)


def _forward(q_bthd, k_bthd, v_bthd, mask, bias, cfg: Cfg):
    """Returns `out_bthd` (f32) and `lse_bht` (+inf on fully masked rows).

    Chunks are sliced from, and written back into, the caller's layout, so apart from the
    output the only buffers are one query chunk's running state and one score block.
    """
    b, tqp, h, _ = q_bthd.shape
    dv = v_bthd.shape[-1]
    num_k = k_bthd.shape[1] // cfg.kv_chunk
    ein = functools.partial(jnp.einsum, precision=cfg.precision, preferred_element_type=F32)

    def one_q_chunk(i, bufs):
        out, lse = bufs
        qs = i * cfg.q_chunk
        q_c = _chunk(q_bthd, qs, cfg.q_chunk)

        def step(carry, j):
            m, l, acc = carry
            ks = j * cfg.kv_chunk
            s = _scores(q_c, _chunk(k_bthd, ks, cfg.kv_chunk), qs, ks, mask, bias, cfg)
            m_new = jnp.maximum(m, s.max(-1))
            # A row with no valid key so far keeps m = -inf; shift by 0 then so exp gives 0.
            m_safe = jnp.where(m_new == -jnp.inf, 0.0, m_new)
            alpha = jnp.exp(m - m_safe)
            p = jnp.exp(s - m_safe[..., None])
            l = l * alpha + p.sum(-1)
            pv = ein("bhqk,bkhd->bhqd", p, _chunk(v_bthd, ks, cfg.kv_chunk).astype(F32))
            return (m_new, l, acc * alpha[..., None] + pv), None

        init = (
            jnp.full((b, h, cfg.q_chunk), -jnp.inf, F32),
            jnp.zeros((b, h, cfg.q_chunk), F32),
            jnp.zeros((b, h, cfg.q_chunk, dv), F32),
        )
        (m, l, acc), _ = lax.scan(step, init, jnp.arange(num_k))
        nonempty = l > 0
        l_safe = jnp.where(nonempty, l, 1.0)
        out_c = (acc / l_safe[..., None]).transpose(0, 2, 1, 3)
        lse_c = jnp.where(nonempty, m + jnp.log(l_safe), jnp.inf)
        out = lax.dynamic_update_slice_in_dim(out, out_c, qs, axis=1)
        lse = lax.dynamic_update_slice_in_dim(lse, lse_c, qs, axis=2)
        return out, lse

    bufs = (jnp.zeros((b, tqp, h, dv), F32), jnp.zeros((b, h, tqp), F32))
    return lax.fori_loop(0, tqp // cfg.q_chunk, one_q_chunk, bufs)


def _recomputed_delta(q_bthd, k_bthd, v_bthd, mask, bias, lse_bht, do_bthd, cfg: Cfg):
    """`delta_bht = rowsum(dO * out)` without the output: sum_j p_ij (dO_i . v_j), chunk-wise."""
    b, tqp, h, _ = q_bthd.shape
    num_k = k_bthd.shape[1] // cfg.kv_chunk
    ein = functools.partial(jnp.einsum, precision=cfg.precision, preferred_element_type=F32)

    def one_q_chunk(i, delta):
        qs = i * cfg.q_chunk
        q_c = _chunk(q_bthd, qs, cfg.q_chunk)
        do_c = _chunk(do_bthd, qs, cfg.q_chunk).astype(F32)
        lse_c = lax.dynamic_slice_in_dim(lse_bht, qs, cfg.q_chunk, axis=2)

        def step(acc, j):
            ks = j * cfg.kv_chunk
            s = _scores(q_c, _chunk(k_bthd, ks, cfg.kv_chunk), qs, ks, mask, bias, cfg)
            p = jnp.exp(s - lse_c[..., None])
            dp = ein("bqhd,bkhd->bhqk", do_c, _chunk(v_bthd, ks, cfg.kv_chunk).astype(F32))
            return acc + (p * dp).sum(-1), None

        acc, _ = lax.scan(step, jnp.zeros((b, h, cfg.q_chunk), F32), jnp.arange(num_k))
        return lax.dynamic_update_slice_in_dim(delta, acc, qs, axis=2)

    return lax.fori_loop(0, tqp // cfg.q_chunk, one_q_chunk, jnp.zeros((b, h, tqp), F32))


def _backward(q_bthd, k_bthd, v_bthd, mask, bias, delta_bht, lse_bht, do_bthd, cfg: Cfg):
    """Gradients of `sum(out * do)`: dq, dk, dv (f32) and dbias (f32, bias's 4-D shape).

    `delta_bht = rowsum(do * out)`. Outer loop over key chunks (their dk, dv stay local),
    inner loop over query chunks; dq and dbias are accumulated in place, so nothing of size
    q_len * kv_len is ever stored.
    """
    num_q = q_bthd.shape[1] // cfg.q_chunk
    ein = functools.partial(jnp.einsum, precision=cfg.precision, preferred_element_type=F32)

    def one_k_chunk(j, bufs):
        dq, dk, dv, dbias = bufs
        ks = j * cfg.kv_chunk
        k_c = _chunk(k_bthd, ks, cfg.kv_chunk)
        v32 = _chunk(v_bthd, ks, cfg.kv_chunk).astype(F32)
        k32 = k_c.astype(F32)

        def one_q_chunk(i, inner):
            dk_c, dv_c, dq, dbias = inner
            qs = i * cfg.q_chunk
            q_c = _chunk(q_bthd, qs, cfg.q_chunk)
            s = _scores(q_c, k_c, qs, ks, mask, bias, cfg)
            lse_c = lax.dynamic_slice_in_dim(lse_bht, qs, cfg.q_chunk, axis=2)
            delta_c = lax.dynamic_slice_in_dim(delta_bht, qs, cfg.q_chunk, axis=2)
            p = jnp.exp(s - lse_c[..., None])
            do_c = _chunk(do_bthd, qs, cfg.q_chunk).astype(F32)
            ds = p * (ein("bqhd,bkhd->bhqk", do_c, v32) - delta_c[..., None])
            dv_c = dv_c + ein("bhqk,bqhd->bkhd", p, do_c)
            dk_c = dk_c + ein("bhqk,bqhd->bkhd", ds, q_c.astype(F32)) * cfg.scale
            dq_c = _chunk(dq, qs, cfg.q_chunk) + ein("bhqk,bkhd->bqhd", ds, k32) * cfg.scale
            dq = lax.dynamic_update_slice_in_dim(dq, dq_c, qs, axis=1)
            if dbias is not None:
                dbias = _add_block(dbias, ds, qs, ks, cfg)
            return dk_c, dv_c, dq, dbias

        init = (jnp.zeros(k32.shape, F32), jnp.zeros(v32.shape, F32), dq, dbias)
        dk_c, dv_c, dq, dbias = lax.fori_loop(0, num_q, one_q_chunk, init)
        dk = lax.dynamic_update_slice_in_dim(dk, dk_c, ks, axis=1)
        dv = lax.dynamic_update_slice_in_dim(dv, dv_c, ks, axis=1)
        return dq, dk, dv, dbias

    bufs = (
        jnp.zeros(q_bthd.shape, F32),
        jnp.zeros(k_bthd.shape, F32),
        jnp.zeros(v_bthd.shape, F32),
        None if bias is None else jnp.zeros(bias.shape, F32),
    )
    return lax.fori_loop(0, k_bthd.shape[1] // cfg.kv_chunk, one_k_chunk, bufs)


def _add_block(dbias, ds, qs, ks, cfg: Cfg):
    """Adds the score cotangent `ds` into `dbias`, summing over the bias's broadcast dims."""
    axes = tuple(a for a in range(4) if dbias.shape[a] == 1 and ds.shape[a] > 1)
    block = ds.sum(axis=axes, keepdims=True) if axes else ds
    _, _, nq, nk = dbias.shape
    start = (0, 0, qs if nq > 1 else 0, ks if nk > 1 else 0)
    return lax.dynamic_update_slice(
        dbias, lax.dynamic_slice(dbias, start, block.shape) + block, start
    )


@functools.partial(jax.custom_vjp, nondiff_argnums=(5,))
def chunked_attention(q_bthd, k_bthd, v_bthd, mask, bias, cfg: Cfg):
    """Attention on inputs padded to whole chunks: `[b, t_pad, h, d]` in, f32 out."""
    return _forward(q_bthd, k_bthd, v_bthd, mask, bias, cfg)[0]


def _fwd(q_bthd, k_bthd, v_bthd, mask, bias, cfg: Cfg):
    out, lse = _forward(q_bthd, k_bthd, v_bthd, mask, bias, cfg)
    # Residuals beyond the inputs: one f32 per query, and the output unless recomputed.
    kept = None if cfg.residual == "recompute" else out
    return out, (q_bthd, k_bthd, v_bthd, mask, bias, kept, lse)


def _bwd(cfg: Cfg, res, do_bthd):
    q, k, v, mask, bias, out, lse = res
    if out is None:
        delta = _recomputed_delta(q, k, v, mask, bias, lse, do_bthd, cfg)
    else:
        delta = jnp.einsum("bthd,bthd->bht", do_bthd.astype(F32), out.astype(F32))
    dq, dk, dv, dbias = _backward(q, k, v, mask, bias, delta, lse, do_bthd, cfg)
    dbias = None if bias is None else dbias.astype(bias.dtype)
    return dq.astype(q.dtype), dk.astype(k.dtype), dv.astype(v.dtype), None, dbias


chunked_attention.defvjp(_fwd, _bwd)
