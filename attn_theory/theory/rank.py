"""Theory side of "On the Benefits of Rank in Attention Layers" (Amsel et al., 2024).

1. Fact 1: one full-rank head with Q K^T = beta I and V O^T = I. Hardmax attention is exactly
   the nearest-neighbour target; softmax converges to it as beta -> infinity (Monte Carlo MSE).
2. Random rank-1 hardmax heads with least-squares output weights on the N = 2 orthonormal
   distribution D_2 (x_1, x_2 a random orthonormal pair, y uniform). Head h picks
   argmax_i (q_h . y)(k_h . x_i); with x_1 orthogonal to x_2 the MSE of sum_h a_h x_{sel_h} is
       1 - 2 b^T a + a^T C a,
   b_h = P(head h picks the target) = 1/2 + (1/pi) E_u[asin(q_h . u) sign(k_h . u)],
   C_hh' = P(heads h, h' agree) = 1/2 + (2/pi^2) asin(q_h . q_h') asin(k_h . k_h'),
   u uniform on the sphere (the direction of x_1 - x_2). C is closed form (as in the authors'
   theory_experiments/optim_weight_linsolve.py); b depends only on cos(q_h, k_h) and is
   tabulated by Monte Carlo over u, then interpolated.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from attn_theory.tasks import nearest_neighbor

Array = jax.Array


def fact1_mse(
    key: Array, beta, dim: int, num_keys: int, num_samples: int, kind: str = "softmax"
) -> Array:
    """MSE of the Fact-1 head (Q K^T = beta I, V = I) on the nearest-neighbour task.

    Args:
      key: typed key; beta: inverse temperature (may be traced); kind: 'softmax' or 'hardmax'.

    Returns:
      scalar float32, mean over samples of ||pred - x_{i*}||^2.
    """
    batch = nearest_neighbor.sample(key, num_samples, num_keys, dim, kind="nearest")
    s_bn = beta * jnp.einsum("bd,bnd->bn", batch["query_bmd"][:, 0], batch["keys_bnd"])
    if kind == "softmax":
        w_bn = jax.nn.softmax(s_bn, axis=-1)
    elif kind == "hardmax":
        w_bn = jax.nn.one_hot(jnp.argmax(s_bn, -1), num_keys, dtype=jnp.float32)
    else:
        raise ValueError(f"kind must be 'softmax' or 'hardmax', got {kind!r}")
    pred_bd = jnp.einsum("bn,bnd->bd", w_bn, batch["keys_bnd"])
    return jnp.mean(jnp.sum((pred_bd - batch["target_bmd"][:, 0]) ** 2, -1))


def uniform_angle_heads(key: Array, dim: int, heads: int) -> tuple[Array, Array]:
    """Random unit q_h, k_h with cos(q_h, k_h) ~ U[-1, 1] (the authors' 'compromise' law).

    Returns:
      q_hd, k_hd: [heads, dim] float32.
    """
    kq, ke, kc = jax.random.split(key, 3)
    q = nearest_neighbor.sphere(kq, (heads,), dim)
    e = nearest_neighbor.sphere(ke, (heads,), dim)
    e = e - jnp.sum(q * e, -1, keepdims=True) * q
    e = e / jnp.linalg.norm(e, axis=-1, keepdims=True)
    cos = jax.random.uniform(kc, (heads, 1), jnp.float32, -1.0, 1.0)
    return q, cos * q + jnp.sqrt(1.0 - cos**2) * e


def agreement_table(
    key: Array, dim, num_grid: int = 201, num_samples: int = 200_000
) -> tuple[Array, Array]:
    """b(rho) = P(a rank-1 hardmax head with cos(q, k) = rho picks the nearest of two
    orthonormal points), by Monte Carlo over u (common samples across the grid, so the table
    is smooth in rho).

    Only two coordinates of u ~ Unif(S^{d-1}) matter (q = e1, k in span(e1, e2)):
    u_{1,2} = g_{1,2} / sqrt(g_1^2 + g_2^2 + chi^2_{d-2}), so `dim` may be traced (vmappable).

    Returns:
      rho_grid [num_grid] in [-1, 1] and b_grid [num_grid].
    """
    kg, kc = jax.random.split(key)
    g = jax.random.normal(kg, (num_samples, 2), jnp.float32)
    rest = 2.0 * jax.random.gamma(kc, (jnp.asarray(dim, jnp.float32) - 2.0) / 2.0, (num_samples,))
    u = g / jnp.sqrt(jnp.sum(g**2, -1) + rest)[:, None]
    rho = jnp.linspace(-1.0, 1.0, num_grid)
    k_dot_u = rho[:, None] * u[None, :, 0] + jnp.sqrt(1.0 - rho[:, None] ** 2) * u[None, :, 1]
    b = 0.5 + jnp.mean(jnp.arcsin(u[None, :, 0]) * jnp.sign(k_dot_u), axis=1) / jnp.pi
    return rho, b


def agreement_matrix(q_hd: np.ndarray, k_hd: np.ndarray) -> np.ndarray:
    """C_hh' in float64; batched over leading axes: [..., H, d] -> [..., H, H]."""
    q = np.asarray(q_hd, np.float64)
    k = np.asarray(k_hd, np.float64)
    qq = np.clip(q @ np.swapaxes(q, -1, -2), -1.0, 1.0)
    kk = np.clip(k @ np.swapaxes(k, -1, -2), -1.0, 1.0)
    return 0.5 + (2.0 / np.pi**2) * np.arcsin(qq) * np.arcsin(kk)


def optimal_rank1_mse(q_hd, k_hd, rho_grid, b_grid) -> np.ndarray:
    """Least-squares output weights a = C^{-1} b and the resulting D_2 MSE, float64.

    Args:
      q_hd, k_hd: [..., H, d] unit vectors (leading axes are batched, e.g. seeds).
      rho_grid, b_grid: the table from `agreement_table`.

    Returns:
      MSE [...], evaluated as 1 - 2 b^T a + a^T C a at the computed a (any a gives an upper
      bound on the optimum; a tiny diagonal jitter only guards singular C).
    """
    q = np.asarray(q_hd, np.float64)
    k = np.asarray(k_hd, np.float64)
    b = np.interp(
        np.sum(q * k, -1), np.asarray(rho_grid, np.float64), np.asarray(b_grid, np.float64)
    )
    c = agreement_matrix(q, k)
    h = c.shape[-1]
    a = np.linalg.solve(c + 1e-9 * np.eye(h), b[..., None])[..., 0]
    return 1.0 - 2.0 * np.sum(b * a, -1) + np.einsum("...h,...hg,...g->...", a, c, a)


def orthonormal_pair(key: Array, batch: int, dim: int) -> Array:
    """D_2 keys: a uniformly random orthonormal pair per sample, [batch, 2, dim]."""
    x = nearest_neighbor.sphere(key, (batch, 2), dim)
    x2 = x[:, 1] - jnp.sum(x[:, 0] * x[:, 1], -1, keepdims=True) * x[:, 0]
    return jnp.stack([x[:, 0], x2 / jnp.linalg.norm(x2, axis=-1, keepdims=True)], axis=1)


def fact1_curve(keys: Array, betas, dim: int, num_keys: int, num_samples: int):
    """Fact-1 MSE for every seed key [S] and beta: (softmax [S, B], hardmax [S]) float32."""
    betas = jnp.asarray(betas, jnp.float32)

    def one(key):
        soft = jax.vmap(lambda b: fact1_mse(key, b, dim, num_keys, num_samples))(betas)
        return soft, fact1_mse(key, 1.0, dim, num_keys, num_samples, kind="hardmax")

    return jax.jit(jax.vmap(one))(keys)


def random_rank1_curve(key: Array, num_seeds: int, dims, heads, table_samples: int):
    """Optimal-weight D_2 MSE of random rank-1 hardmax heads: [num_seeds, len(dims), len(heads)].

    Seed i of dimension d draws max(heads) heads from fold_in(fold_in(key, d), i); the curve at
    H uses the first H of them (nested head sets, so the curve is monotone in expectation).
    """
    rho, b_dg = jax.jit(jax.vmap(lambda d: agreement_table(key, d, num_samples=table_samples)))(
        jnp.asarray(dims, jnp.float32)
    )
    out = np.zeros((num_seeds, len(dims), len(heads)))
    for i, d in enumerate(dims):  # d is a shape: a Python loop over shapes
        seed_keys = jax.vmap(lambda s, d=d: jax.random.fold_in(jax.random.fold_in(key, d), s))(
            jnp.arange(num_seeds)
        )
        q, k = jax.jit(jax.vmap(lambda kk, d=d: uniform_angle_heads(kk, d, max(heads))))(seed_keys)
        for j, h in enumerate(heads):
            out[:, i, j] = optimal_rank1_mse(q[:, :h], k[:, :h], rho[i], b_dg[i])
    return out
