"""The one-layer attention-only model of in-context regression, and its pattern analysis.

The query token [x_q; 0] attends to the L context tokens [x_l; y_l] only (not to itself).
Each head has its own full-size W_Q, W_K, W_V in R^{D x D} (D = d + T), the output map O
reads all heads; no residual, MLP, LayerNorm or positions (He et al. 2025; see
docs/papers/icl_linear_regression.md).
"""

from __future__ import annotations

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np

from attn_theory import attention
from attn_theory.tasks import linear_regression

Array = jax.Array

ATTENTION = "MultiHeadAttention_0"
"""The attention submodule's name in the parameter tree, set explicitly (not left to Flax's
automatic naming, which would change if a submodule were added). It keeps the name Flax gave it
before, because Flax derives each parameter's initial value from the module path: another name
would move every trained number."""


class ICLAttention(nn.Module):
    """Multi-head softmax (or linear) attention read out at the query token.

    Attributes:
      num_heads: H.
      kind: 'softmax' or 'linear'.
      linear_normalization: for kind='linear': 'none' (fixed scale), 'train' or 'actual'.
      train_len: L used for linear_normalization='train'.
    """

    num_heads: int
    kind: str = "softmax"
    linear_normalization: str = "none"
    train_len: int | None = None
    attention_impl: str = "reference"  # one of attention.ATTENTION_IMPLS

    @nn.compact
    def __call__(self, batch: dict[str, Array]) -> tuple[Array, dict[str, Array]]:
        """Returns predictions [B, T] and intermediates {'attn': [B, H, 1, L], 'heads': ...}."""
        z_ctx, z_q = linear_regression.tokens(batch)
        dim = z_ctx.shape[-1]
        kwargs = ()
        if self.kind == "linear":
            kwargs = (("normalization", self.linear_normalization), ("train_len", self.train_len))
        out, inter = attention.MultiHeadAttention(
            num_heads=self.num_heads,
            head_dim=dim,
            out_dim=batch["y"].shape[-1],
            kind=self.kind,
            scale=dim**-0.5,
            attn_kwargs=kwargs,
            impl=self.attention_impl,
            name=ATTENTION,
        )(z_q, z_ctx)
        return out[:, 0], inter


def merged_weights(params, scale_dim: int | None = None) -> tuple[Array, Array]:
    """KQ_h [H, D, D] (score = z_l^T KQ_h z_q) and OV_h [H, D, T] from trained params."""
    p = params["params"][ATTENTION]
    dim = p["w_q"].shape[1] if scale_dim is None else scale_dim
    return attention.merged_kq_ov(p["w_q"], p["w_k"], p["w_v"], p["w_o"], dim**-0.5)


def head_patterns(kq_hdd: Array, ov_hdt: Array, d: int, task: int = 0) -> dict[str, Array]:
    """Pattern metrics per head; arrays [H] unless stated.

    omega: mean diagonal of the x-block B_h; mu: y-slot -> output entry of OV_h;
    diag_ratio = ||diag B||/||B||_F; homogeneity = var(diag B)/mean(diag B)^2;
    ov_ratio = |mu| / ||OV_h||; eta = sum_h omega_h mu_h (scalar); x_block [H, d, d].
    """
    b_hdd = kq_hdd[:, :d, :d]
    diag = jnp.diagonal(b_hdd, axis1=1, axis2=2)
    omega = diag.mean(-1)
    mu = ov_hdt[:, d + task, task]
    return {
        "omega": omega,
        "mu": mu,
        "diag_ratio": jnp.linalg.norm(diag, axis=-1) / jnp.linalg.norm(b_hdd, axis=(1, 2)),
        "homogeneity": diag.var(-1) / omega**2,
        "ov_ratio": jnp.abs(mu) / jnp.linalg.norm(ov_hdt[:, :, task], axis=-1),
        "eta": jnp.sum(omega * mu),
        "x_block": b_hdd,
    }


def effective_preconditioner(kq_hdd: Array, ov_hdt: Array, d: int, task: int = 0) -> Array:
    """Gamma = sum_h mu_h B_h [d, d]: y_hat ~ (1/L) sum_l y_l (x_l - x_bar)^T Gamma x_q."""
    return jnp.einsum("h,hij->ij", ov_hdt[:, d + task, task], kq_hdd[:, :d, :d])


def cosine(a, b) -> float:
    """Cosine similarity of two matrices (flattened); 0 when either is all zeros."""
    a, b = np.ravel(a), np.ravel(b)
    norm = np.linalg.norm(a) * np.linalg.norm(b)
    return float(a @ b / norm) if norm > 0 else 0.0
