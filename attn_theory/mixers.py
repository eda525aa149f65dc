"""Sequence mixers of the Dynamical Systems Framework (DSF) and their initialisations.

Sieber et al. (NeurIPS 2024, "Understanding the differences in Foundation Models") write
attention, SSMs and RNNs as one linear time-varying recurrence

    h_i = Lambda_i h_{i-1} + B_i u_i,   y_i = C_i h_i (+ D u_i),   h_{-1} = 0.

Each mixer here is a pair of pure functions over [batch, time, heads, dim] arrays: a
*parallel* form that builds the causal attention map (and returns it) and a *recurrent* form
(`lax.scan` over time on the DSF state). The two agree to float64 round-off
(tests/mixers_test.py; the identities E1-E4 of docs/papers/recall_ssm.md):

  linear      eq. (16): y_i = sum_j phi(q_i).phi(k_j) v_j [/ sum_j phi(q_i).phi(k_j)];
              feature map phi (identity or elu+1), state [n, p] (+ [n] normaliser), n = the
              state expansion. Lambda = I.
  normalized  eq. (21): y_i = (1/eta_i) sum_j (q_i.k_j) v_j with a per-token scalar
              eta_i = exp(w_n.u_i + b_n); as a DSF system Lambda_i = (eta_{i-1}/eta_i) I.
  ssd         scalar-decay SSM (Mamba-2 'SSD', one decay per head): h_i = lambda_i h_{i-1}
              + Delta_i b_i x_i^T, y_i = c_i^T h_i; parallel form (L o C B^T)(Delta o X) with
              the 1-semiseparable mask L_ij = prod_{l=j+1..i} lambda_l (log space).
  s6          diagonal selective SSM (Mamba): per channel c, h_{i,c} = exp(Delta_{i,c} A_c)
              h_{i-1,c} + Delta_{i,c} b_i x_{i,c}; the parallel form is one attention map per
              channel.

`Mixer` wraps them as a Flax layer (used by models.sequence.SequenceTransformer for
kind = linear / normalized / ssd / s6). Initialisations are pure transforms of a parameter
tree (`init_variant`), so an init is a vmappable choice, not a separate model:
  'mimetic' (attention; Trockman & Kolter 2023): W_Q W_K^T ~ a1 Z1 + b1 I and
      W_V W_O ~ a2 Z2 - b2 I, factored by SVD (Z entries N(0, 1/d));
  'mimetic' / 'mimetic_decay' / 'mimetic_tie' (SSMs; Trockman et al. 2024, our minimal
      reconstruction [ours]): decay near 1 (A = -a_mim) and/or tied W_C := W_B.
"""

from __future__ import annotations

from collections.abc import Callable

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np

Array = jax.Array

MIXER_KINDS = ("linear", "normalized", "ssd", "s6")
FEATURE_MAPS = ("identity", "elu1")
NORMALIZATIONS = ("none", "kernel")
INITS = ("default", "mimetic", "mimetic_decay", "mimetic_tie")
IMPLS = ("parallel", "recurrent")


def feature_map(name: str, x: Array) -> Array:
    """phi(x): 'identity' or 'elu1' (elu(x) + 1 > 0, the paper's eq. 16)."""
    if name == "identity":
        return x
    if name == "elu1":
        return jax.nn.elu(x) + 1.0
    raise ValueError(f"feature map must be one of {FEATURE_MAPS}, got {name!r}")


def _causal(t: int) -> Array:
    return jnp.tril(jnp.ones((t, t), bool))


def _time_major(*xs):
    return tuple(jnp.moveaxis(x, 1, 0) for x in xs)


# --- linear attention (eq. 16) -------------------------------------------------------------


def linear_parallel(q_bthn, k_bthn, v_bthp, *, feature="identity", normalization="none",
                    scale=None, eps=0.0):  # fmt: skip
    """Causal linear attention, attention-map form.

    Args:
      q_bthn, k_bthn: queries and keys [b, t, h, n] (n: feature width = state expansion).
      v_bthp: values [b, t, h, p].
      feature: feature map phi applied to q and k.
      normalization: 'none' or 'kernel' (divide by sum_j phi(q_i).phi(k_j), eq. 16).
      scale: score scale (default 1/sqrt(n); it cancels under 'kernel').
    Returns:
      out [b, t, h, p] and the causal map attn [b, h, t, s].
    """
    scale = q_bthn.shape[-1] ** -0.5 if scale is None else scale
    fq, fk = feature_map(feature, q_bthn), feature_map(feature, k_bthn)
    a_bhts = jnp.einsum("bthn,bshn->bhts", fq, fk) * scale
    a_bhts = jnp.where(_causal(q_bthn.shape[1]), a_bhts, 0.0)
    if normalization == "kernel":
        a_bhts = a_bhts / (a_bhts.sum(-1, keepdims=True) + eps)
    elif normalization != "none":
        raise ValueError(f"normalization must be one of {NORMALIZATIONS}, got {normalization!r}")
    return jnp.einsum("bhts,bshp->bthp", a_bhts, v_bthp), a_bhts


def linear_recurrent(q_bthn, k_bthn, v_bthp, *, feature="identity", normalization="none",
                     scale=None, eps=0.0):  # fmt: skip
    """The same map as a DSF recurrence: S_i = S_{i-1} + phi(k_i) v_i^T, z_i = z_{i-1} +
    phi(k_i), y_i = S_i^T phi(q_i) [/ phi(q_i).z_i]. Returns out [b, t, h, p]."""
    scale = q_bthn.shape[-1] ** -0.5 if scale is None else scale
    fq, fk = feature_map(feature, q_bthn) * scale, feature_map(feature, k_bthn)
    b, _, h, n = fq.shape

    def step(carry, inp):
        s_bhnp, z_bhn = carry
        q_bhn, k_bhn, v_bhp = inp
        s_bhnp = s_bhnp + k_bhn[..., None] * v_bhp[..., None, :]
        z_bhn = z_bhn + k_bhn
        y_bhp = jnp.einsum("bhn,bhnp->bhp", q_bhn, s_bhnp)
        if normalization == "kernel":
            y_bhp = y_bhp / (jnp.einsum("bhn,bhn->bh", q_bhn, z_bhn)[..., None] + eps)
        return (s_bhnp, z_bhn), y_bhp

    init = (jnp.zeros((b, h, n, v_bthp.shape[-1]), fq.dtype), jnp.zeros((b, h, n), fq.dtype))
    _, y = jax.lax.scan(step, init, _time_major(fq, fk, v_bthp))
    return jnp.moveaxis(y, 0, 1)


# --- normalised attention (eq. 21) ---------------------------------------------------------


def normalized_parallel(q_bthn, k_bthn, v_bthp, log_eta_bth, *, scale=None):
    """y_i = exp(-log_eta_i) sum_{j<=i} (q_i.k_j) v_j; returns (out [b,t,h,p], attn [b,h,t,s])."""
    scale = q_bthn.shape[-1] ** -0.5 if scale is None else scale
    a_bhts = jnp.einsum("bthn,bshn->bhts", q_bthn, k_bthn) * scale
    a_bhts = jnp.where(_causal(q_bthn.shape[1]), a_bhts, 0.0)
    a_bhts = a_bhts * jnp.exp(-jnp.moveaxis(log_eta_bth, 1, 2))[..., None]
    return jnp.einsum("bhts,bshp->bthp", a_bhts, v_bthp), a_bhts


def normalized_recurrent(q_bthn, k_bthn, v_bthp, log_eta_bth, *, scale=None):
    """DSF form of eq. (21): h_i = (eta_{i-1}/eta_i) h_{i-1} + k_i v_i^T / eta_i,
    y_i = h_i^T q_i.
    Returns out [b, t, h, p]."""
    scale = q_bthn.shape[-1] ** -0.5 if scale is None else scale
    b, _, h, n = q_bthn.shape

    def step(carry, inp):
        h_bhnp, prev_bh = carry
        q_bhn, k_bhn, v_bhp, le_bh = inp
        lam_bh = jnp.exp(prev_bh - le_bh)  # Lambda_i = eta_{i-1} / eta_i
        inv_eta = jnp.exp(-le_bh)[..., None, None]
        h_bhnp = lam_bh[..., None, None] * h_bhnp + inv_eta * k_bhn[..., None] * v_bhp[..., None, :]
        return (h_bhnp, le_bh), jnp.einsum("bhn,bhnp->bhp", q_bhn * scale, h_bhnp)

    init = (jnp.zeros((b, h, n, v_bthp.shape[-1]), q_bthn.dtype), log_eta_bth[:, 0])
    _, y = jax.lax.scan(step, init, _time_major(q_bthn, k_bthn, v_bthp, log_eta_bth))
    return jnp.moveaxis(y, 0, 1)


# --- SSD: scalar decay per head ------------------------------------------------------------


def ssd_parallel(c_bthn, b_bthn, x_bthp, dt_bth, log_lam_bth):
    """(L o C B^T o Delta_col) X with L_ij = exp(sum_{l=j+1..i} log lambda_l) for j <= i.

    Args:
      c_bthn, b_bthn: readout and input vectors [b, t, h, N] (N: state size per channel).
      x_bthp: inputs [b, t, h, p]; dt_bth: step sizes Delta [b, t, h];
      log_lam_bth: log decays log lambda_i = -Delta_i a (<= 0) [b, t, h].
    Returns:
      out [b, t, h, p] and the map attn [b, h, t, s] (computed in log space, so the
      exponentially growing eta = prod lambda^-1 never appears).
    """
    cum_bht = jnp.cumsum(jnp.moveaxis(log_lam_bth, 1, 2), -1)
    seg_bhts = cum_bht[..., :, None] - cum_bht[..., None, :]
    mask = _causal(c_bthn.shape[1])
    l_bhts = jnp.exp(jnp.where(mask, seg_bhts, -jnp.inf))
    a_bhts = l_bhts * jnp.einsum("bthn,bshn->bhts", c_bthn, b_bthn)
    a_bhts = a_bhts * jnp.moveaxis(dt_bth, 1, 2)[:, :, None, :]
    return jnp.einsum("bhts,bshp->bthp", a_bhts, x_bthp), a_bhts


def ssd_recurrent(c_bthn, b_bthn, x_bthp, dt_bth, log_lam_bth):
    """h_i = lambda_i h_{i-1} + Delta_i b_i x_i^T, y_i = h_i^T c_i; returns out [b, t, h, p]."""
    bsz, _, h, n = c_bthn.shape

    def step(h_bhnp, inp):
        c_bhn, b_bhn, x_bhp, dt_bh, ll_bh = inp
        h_bhnp = (
            jnp.exp(ll_bh)[..., None, None] * h_bhnp
            + (dt_bh[..., None] * b_bhn)[..., None] * x_bhp[..., None, :]
        )
        return h_bhnp, jnp.einsum("bhn,bhnp->bhp", c_bhn, h_bhnp)

    init = jnp.zeros((bsz, h, n, x_bthp.shape[-1]), x_bthp.dtype)
    _, y = jax.lax.scan(step, init, _time_major(c_bthn, b_bthn, x_bthp, dt_bth, log_lam_bth))
    return jnp.moveaxis(y, 0, 1)


# --- S6: diagonal selective SSM ------------------------------------------------------------


def s6_parallel(c_bthn, b_bthn, x_bthp, dt_bthp, a_hpn):
    """Per-channel attention maps M[c]_ij = sum_n c_in exp(sum_{l=j+1..i} Delta_lc A_cn) b_jn
    Delta_jc, y_ic = sum_j M[c]_ij x_jc.

    Args:
      x_bthp: channels [b, t, h, p]; dt_bthp: per-channel Delta [b, t, h, p];
      a_hpn: diagonal A (< 0) [h, p, N]; b_bthn, c_bthn: [b, t, h, N].
    Returns:
      out [b, t, h, p] and the channel-averaged map attn [b, h, t, s]. Memory grows as
      b h p N t^2, so training uses the recurrent form.
    """
    cum_bhpnt = jnp.cumsum(jnp.einsum("bthp,hpn->bhpnt", dt_bthp, a_hpn), -1)
    seg = cum_bhpnt[..., :, None] - cum_bhpnt[..., None, :]
    l_bhpnts = jnp.exp(jnp.where(_causal(x_bthp.shape[1]), seg, -jnp.inf))
    m_bhpts = jnp.einsum("bthn,bhpnts,bshn->bhpts", c_bthn, l_bhpnts, b_bthn)
    m_bhpts = m_bhpts * jnp.moveaxis(dt_bthp, 1, 3)[..., None, :]
    return jnp.einsum("bhpts,bshp->bthp", m_bhpts, x_bthp), m_bhpts.mean(2)


def s6_recurrent(c_bthn, b_bthn, x_bthp, dt_bthp, a_hpn):
    """h_{i,c} = exp(Delta_ic A_c) h_{i-1,c} + Delta_ic x_ic b_i, y_ic = c_i.h_{i,c}."""
    bsz, _, h, n = c_bthn.shape

    def step(h_bhpn, inp):
        c_bhn, b_bhn, x_bhp, dt_bhp = inp
        decay = jnp.exp(dt_bhp[..., None] * a_hpn)
        h_bhpn = decay * h_bhpn + (dt_bhp * x_bhp)[..., None] * b_bhn[:, :, None, :]
        return h_bhpn, jnp.einsum("bhn,bhpn->bhp", c_bhn, h_bhpn)

    init = jnp.zeros((bsz, h, x_bthp.shape[-1], n), x_bthp.dtype)
    _, y = jax.lax.scan(step, init, _time_major(c_bthn, b_bthn, x_bthp, dt_bthp))
    return jnp.moveaxis(y, 0, 1)


# --- the Flax layer ------------------------------------------------------------------------


def _softplus_inv(y):
    return y + jnp.log(-jnp.expm1(-y))


def _log_uniform(lo: float, hi: float):
    def init(key, shape, dtype=jnp.float32):
        u = jax.random.uniform(key, shape, dtype)
        return jnp.exp(np.log(lo) + u * (np.log(hi) - np.log(lo)))

    return init


class Mixer(nn.Module):
    """One DSF sequence mixer with per-head projections (causal).

    Parameter names follow attention.MultiHeadAttention (w_q, w_k, w_v [H, d, n|p],
    w_o [H, p, out]); SSMs use w_b, w_c [H, d, N], w_x [H, d, p], w_dt, b_dt, a_log and a
    skip d_skip. kind='linear' with the defaults (identity features, no normalisation,
    scale 1/sqrt(n)) is the library's un-normalised linear attention.

    Returns (out [b, t, out_dim], {'attn': [b, h, t, s], 'heads': [b, t, h, p]}).
    Default SSM init (Mamba-style): ssd a ~ U[1, 16] per head, s6 A = -(1..N) per channel
    (S4D-real); Delta bias softplus^-1(dt), dt ~ logU[1e-3, 1e-1]; D = 1.
    """

    kind: str
    num_heads: int
    head_dim: int  # p: value / channel width per head
    state_dim: int  # n: feature width (linear, normalized) or N: SSM state per channel
    out_dim: int
    feature: str = "identity"
    normalization: str = "none"
    scale: float | None = None
    impl: str = "parallel"  # s6 trains with 'recurrent' (the parallel map is b h p N t^2)
    kernel_init: Callable | None = None

    @nn.compact
    def __call__(self, x_btd: Array):
        if self.kind not in MIXER_KINDS:
            raise ValueError(f"mixer kind must be one of {MIXER_KINDS}, got {self.kind!r}")
        if self.impl not in IMPLS:
            raise ValueError(f"impl must be one of {IMPLS}, got {self.impl!r}")
        d, h, p, n = x_btd.shape[-1], self.num_heads, self.head_dim, self.state_dim
        init = self.kernel_init or nn.initializers.lecun_normal()

        def proj(name, width):
            return jnp.einsum("btd,hdk->bthk", x_btd, self.param(name, init, (h, d, width)))

        par = self.impl == "parallel"
        attn = None
        if self.kind in ("linear", "normalized"):
            q, k, v = proj("w_q", n), proj("w_k", n), proj("w_v", p)
            if self.kind == "linear":
                kw = dict(feature=self.feature, normalization=self.normalization,
                          scale=self.scale)  # fmt: skip
                if par:
                    y, attn = linear_parallel(q, k, v, **kw)
                else:
                    y = linear_recurrent(q, k, v, **kw)
            else:
                w_n = self.param("w_n", nn.initializers.zeros, (d, h))
                log_eta = x_btd @ w_n + self.param("b_n", nn.initializers.zeros, (h,))
                if par:
                    y, attn = normalized_parallel(q, k, v, log_eta, scale=self.scale)
                else:
                    y = normalized_recurrent(q, k, v, log_eta, scale=self.scale)
        else:
            b_, c_, xs = proj("w_b", n), proj("w_c", n), proj("w_x", p)
            dt_shape = (h,) if self.kind == "ssd" else (h, p)
            b_dt = self.param("b_dt", lambda k, s: _softplus_inv(_log_uniform(1e-3, 1e-1)(k, s)),
                              dt_shape)  # fmt: skip
            if self.kind == "ssd":
                w_dt = self.param("w_dt", nn.initializers.lecun_normal(), (d, h))
                dt = jax.nn.softplus(x_btd @ w_dt + b_dt)
                a_log = self.param(
                    "a_log", lambda k, s: jnp.log(jax.random.uniform(k, s, minval=1, maxval=16)),
                    (h,),
                )  # fmt: skip
                log_lam = -dt * jnp.exp(a_log)
                fn = ssd_parallel if par else ssd_recurrent
                out = fn(c_, b_, xs, dt, log_lam)
            else:
                dt = jax.nn.softplus(proj("w_dt", p) + b_dt)
                a_log = self.param(
                    "a_log", lambda k, s: jnp.broadcast_to(jnp.log(jnp.arange(1.0, s[-1] + 1)), s),
                    (h, p, n),
                )  # fmt: skip
                fn = s6_parallel if par else s6_recurrent
                out = fn(c_, b_, xs, dt, -jnp.exp(a_log))
            y, attn = out if par else (out, None)
            y = y + self.param("d_skip", nn.initializers.ones, (h, p)) * xs
        w_o = self.param("w_o", init, (h, p, self.out_dim))
        return jnp.einsum("bthp,hpo->bto", y, w_o), {"attn": attn, "heads": y}


# --- initialisations as parameter transforms -----------------------------------------------


def mimetic_qk(key, w_q_hdk: Array, w_k_hdk: Array, alpha: float, beta: float):
    """Per head: W_Q W_K^T = rank-k SVD truncation of alpha Z + beta I, Z_ij ~ N(0, 1/d).

    A head dimension k above d gets the full-rank product and zero extra columns."""
    h, d, k = w_q_hdk.shape
    r_ = min(k, d)

    def one(key_):
        m = alpha * jax.random.normal(key_, (d, d)) / jnp.sqrt(d) + beta * jnp.eye(d)
        u, s, vt = jnp.linalg.svd(m)
        r = jnp.sqrt(s[:r_])
        pad = ((0, 0), (0, k - r_))
        return jnp.pad(u[:, :r_] * r, pad), jnp.pad(vt[:r_].T * r, pad)

    wq, wk = jax.vmap(one)(jax.random.split(key, h))
    return wq.astype(w_q_hdk.dtype), wk.astype(w_k_hdk.dtype)


def mimetic_vo(key, w_v_hdp: Array, w_o_hpo: Array, alpha: float, beta: float):
    """sum_h W_V^h W_O^h = alpha Z - beta I (d = out), the SVD components split over heads."""
    h, d, p = w_v_hdp.shape
    m = alpha * jax.random.normal(key, (d, w_o_hpo.shape[-1])) / jnp.sqrt(d)
    m = m - beta * jnp.eye(d, w_o_hpo.shape[-1])
    u, s, vt = jnp.linalg.svd(m, full_matrices=False)
    r = jnp.sqrt(s)
    wv, wo = u * r, (vt.T * r).T  # [d, m], [m, out]
    rank = min(h * p, r.shape[0])
    wv = jnp.zeros((d, h * p)).at[:, :rank].set(wv[:, :rank]).reshape(d, h, p)
    wo = jnp.zeros((h * p, wo.shape[-1])).at[:rank].set(wo[:rank]).reshape(h, p, -1)
    return jnp.moveaxis(wv, 1, 0).astype(w_v_hdp.dtype), wo.astype(w_o_hpo.dtype)


def init_variant(key, params, init: str, *, alpha_qk=0.7, beta_qk=0.7, alpha_vo=0.4,
                 beta_vo=0.4, ssm_decay=1e-3):  # fmt: skip
    """Re-initialises every mixer layer in a parameter tree; other leaves are kept.

    Args:
      init: 'default' (unchanged); 'mimetic': attention layers (w_q, w_k, w_v, w_o; softmax
        MultiHeadAttention too) get the QK/VO mimetic init, SSM layers (w_b, w_c, a_log) get
        decay near 1 (A = -ssm_decay) and tied W_C := W_B; 'mimetic_decay' / 'mimetic_tie':
        only the SSM decay / only the tie.
    Returns:
      the new tree (same structure, shapes and dtypes; vmappable over key and params).
    """
    if init not in INITS:
        raise ValueError(f"init must be one of {INITS}, got {init!r}")
    counter = iter(range(1 << 30))

    def visit(node):
        if not isinstance(node, dict):
            return node
        node = {k: visit(v) for k, v in node.items()}
        if init == "default":
            return node
        if {"w_b", "w_c", "a_log"} <= set(node):
            if init in ("mimetic", "mimetic_decay"):
                node["a_log"] = jnp.full_like(node["a_log"], np.log(ssm_decay))
            if init in ("mimetic", "mimetic_tie"):
                node["w_c"] = node["w_b"]
        elif {"w_q", "w_k", "w_v", "w_o"} <= set(node) and init == "mimetic":
            k1, k2 = jax.random.split(jax.random.fold_in(key, next(counter)))
            node["w_q"], node["w_k"] = mimetic_qk(k1, node["w_q"], node["w_k"], alpha_qk, beta_qk)
            node["w_v"], node["w_o"] = mimetic_vo(k2, node["w_v"], node["w_o"], alpha_vo, beta_vo)
        return node

    return visit(jax.tree_util.tree_map(lambda x: x, dict(params)))


def select_init(key, params, inits: tuple[str, ...], index: Array, **kwargs):
    """The init `inits[index]` of `params` with a traced index (one program for all inits)."""
    variants = [init_variant(key, params, name, **kwargs) for name in inits]
    index = jnp.asarray(index, jnp.int32)

    def pick(*leaves):  # elementwise select (keeps a vmapped run axis sharded)
        out = leaves[0]
        for i, leaf in enumerate(leaves[1:], 1):
            out = jnp.where(index == i, leaf, out)
        return out

    return jax.tree_util.tree_map(pick, *variants)
