"""Closed forms for random-feature attention: ridge regression and the degree argument.

Ridge (`ridge_path`, `ridge_fit_eval`): with frozen random features the models are linear in
their trained weights, so the fit is closed-form. One eigendecomposition per feature matrix
(primal p x p Gram when p <= n, dual n x n kernel when p > n) serves every lambda and every
target; the functions are pure jnp, so callers vmap them over seeds, and lambdas are vmapped
inside. lambda is relative: lambda_rel * mean(s^2) over the nonzero singular values s of the
centred feature matrix ([ours]); an intercept is fitted unpenalised by centring.

Degree argument ([ours] counting heuristic, after Mei-Misiakiewicz-Montanari's random-feature
theory; the paper's own theorem constants could not be read): the logit u = x~_0^T W x~_i is
N(0, 1) on the sphere, and sigma(u) = sum_k a_k He_k(u), so head features of Hermite order k
span functions of degree <= k in x_0 and <= k+1 in x_i (the appended 1 adds lower degrees).
Random features learn the block of order k roughly when the feature count M (d+1) and the
sample size n exceed its dimension D_k = P(d, k) P(d, k+1), with P(d, k) the dimension of
polynomials of degree <= k on the sphere S^{d-1}; hence heads_needed(k) = D_k / (d+1)
(44 for k = 1 and 763 for k = 2 at d = 8; counting the full symmetric degree-2 space of
x~_0 (x) x~_i instead gives about 3300 heads for k = 2).
A target F = g(c_i) then keeps the fraction of Var(g(c)) above the learned degree as its
relative error; `correlation_degree_fractions` computes that decomposition (Gegenbauer
polynomials in c under the exact law of c on the sphere, not a Gaussian approximation).
The MLP on vec(x_{0:N}) needs min(n, p) beyond the degree-2 dimension in (N+1)d variables to
fit any correlation target, which grows as N^2: the mechanism of its collapse in N.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence

import jax
import jax.numpy as jnp
import numpy as np

Array = jax.Array


def ridge_path(
    phi_tr_np: Array, y_tr_nt: Array, phi_evals: Sequence[Array], lam_rel_l: Array
) -> list[Array]:
    """Ridge predictions for every lambda and target on each evaluation set.

    Args:
      phi_tr_np: training features [n, p]; y_tr_nt: targets [n, T].
      phi_evals: feature matrices [n_e, p] to predict on.
      lam_rel_l: lambdas [L], relative to mean(s^2) of the centred training features.

    Returns:
      one [L, n_e, T] array of predictions per evaluation set.
    """
    n, p = phi_tr_np.shape
    mu_p = jnp.mean(phi_tr_np, 0)
    ybar_t = jnp.mean(y_tr_nt, 0)
    a_np = phi_tr_np - mu_p
    yc_nt = y_tr_nt - ybar_t
    if p <= n:
        e_k, v_pk = jnp.linalg.eigh(a_np.T @ a_np)
        proj_kt = v_pk.T @ (a_np.T @ yc_nt)
        back_pk = v_pk
    else:
        e_k, u_nk = jnp.linalg.eigh(a_np @ a_np.T)
        proj_kt = u_nk.T @ yc_nt
        back_pk = a_np.T @ u_nk
    e_k = jnp.maximum(e_k, 0.0)
    lam_l = lam_rel_l * jnp.mean(e_k)
    # w_lpt: the ridge weights for every lambda at once (eigenbasis -> feature basis), so the
    # evaluation sets cost one [n_e, p] x [p, L T] product each.
    w_lpt = jnp.einsum(
        "pk,lkt->lpt", back_pk, proj_kt[None] / (e_k[None] + lam_l[:, None])[..., None]
    )
    return [ybar_t + jnp.einsum("ep,lpt->let", f - mu_p, w_lpt) for f in phi_evals]


def relative_error(pred_net: Array, y_nt: Array) -> Array:
    """MSE / Var(y) over the sample axis (-2); [..., T]."""
    mse = jnp.mean((pred_net - y_nt) ** 2, axis=-2)
    return mse / jnp.var(y_nt, axis=0)


def ridge_fit_eval(phi_tr, y_tr, phi_val, y_val, phi_te, y_te, lam_rel_l):
    """Fits ridge for every lambda, picks lambda per target on validation, scores on test.

    Returns:
      dict with 'test' [T] relative test error at the chosen lambda, 'lam_index' [T],
      'val' [L, T] and 'test_all' [L, T] relative errors for every lambda.
    """
    pred_val, pred_te = ridge_path(phi_tr, y_tr, (phi_val, phi_te), lam_rel_l)
    val_lt = relative_error(pred_val, y_val)
    test_lt = relative_error(pred_te, y_te)
    idx_t = jnp.argmin(jnp.where(jnp.isfinite(val_lt), val_lt, jnp.inf), axis=0)
    test_t = jnp.take_along_axis(test_lt, idx_t[None], axis=0)[0]
    return {"test": test_t, "lam_index": idx_t, "val": val_lt, "test_all": test_lt}


# ---------------------------------------------------------------- the degree argument


def sphere_poly_dim(dim: int, degree: int) -> int:
    """Dimension of polynomials of degree <= `degree` restricted to S^{dim-1}."""
    if degree < 0:
        return 0
    return math.comb(dim + degree - 1, degree) + (
        math.comb(dim + degree - 2, degree - 1) if degree >= 1 else 0
    )


def attention_block_dim(dim: int, order: int) -> int:
    """D_k: functions of degree <= k in x_0 and <= k+1 in x_i reached by Hermite order k."""
    return sphere_poly_dim(dim, order) * sphere_poly_dim(dim, order + 1)


def heads_needed(dim: int, order: int) -> int:
    """Heads M with M (d+1) >= D_k: the degree argument's threshold for learning order k."""
    return math.ceil(attention_block_dim(dim, order) / (dim + 1))


def rfa_learned_order(num_heads: int, dim: int, num_samples: int, max_order: int = 2) -> int:
    """Largest order k whose block fits in min(M (d+1), n); -1 if none does."""
    budget = min(num_heads * (dim + 1), num_samples)
    orders = [k for k in range(max_order + 1) if attention_block_dim(dim, k) <= budget]
    return max(orders, default=-1)


def mlp_poly_dim(num_vars: int, degree: int) -> int:
    """Dimension of polynomials of degree <= `degree` in `num_vars` variables."""
    return math.comb(num_vars + degree, degree)


def mlp_learns_pairwise(num_keys: int, dim: int, width: int, num_samples: int) -> bool:
    """Degree heuristic: RFMLP reaches degree 2 in its (N+1)d inputs (where c_i lives)."""
    return mlp_poly_dim((num_keys + 1) * dim, 2) <= min(width, num_samples)


@functools.lru_cache(maxsize=8)
def _leggauss(num_nodes: int) -> tuple[np.ndarray, np.ndarray]:
    return np.polynomial.legendre.leggauss(num_nodes)


def correlation_degree_fractions(
    g: Callable, dim: int, max_degree: int, num_nodes: int = 400
) -> np.ndarray:
    """Fractions of Var(g(c)) in each degree of c, c = sqrt(d) cos(angle) on S^{d-1}.

    Exact law: the angle theta has density proportional to sin(theta)^(d-2) on [0, pi].
    Composite Gauss-Legendre on [0, pi/2] and [pi/2, pi] (so a kink of g at c = 0 sits on
    a panel edge), Gram-Schmidt of 1, c, ..., c^K under that measure, in float64.

    Returns:
      [max_degree + 2]: entry k in 1..K is the fraction in degree k, entry 0 is 0 (the mean
      is not variance), the last entry is the remainder above degree K.
    """
    x, w = _leggauss(num_nodes)
    half = np.pi / 4
    theta = np.concatenate([half * (x + 1), half * (x + 1) + 2 * half])
    wt = np.concatenate([w, w]) * half * np.sin(theta) ** (dim - 2)
    wt = wt / wt.sum()
    c = np.sqrt(dim) * np.cos(theta)
    gv = np.asarray(g(c), dtype=np.float64)
    basis = []
    for k in range(max_degree + 1):
        b = c**k
        for q in basis:
            b = b - np.sum(wt * b * q) * q
        basis.append(b / np.sqrt(np.sum(wt * b * b)))
    var = np.sum(wt * gv**2) - np.sum(wt * gv) ** 2
    frac = np.array([0.0] + [np.sum(wt * gv * q) ** 2 / var for q in basis[1:]])
    return np.append(frac, max(0.0, 1.0 - frac.sum()))


def target_degree_fractions(target, dim: int, max_degree: int) -> np.ndarray | None:
    """Variance fractions by degree in x_0 (as above) for a registry Target, or None."""
    if target.corr_fn is not None:
        return correlation_degree_fractions(target.corr_fn, dim, max_degree)
    if target.query_degree is not None:
        frac = np.zeros(max_degree + 2)
        frac[min(target.query_degree, max_degree + 1)] = 1.0
        return frac
    return None


def predicted_error(fractions: np.ndarray, learned_order: int) -> float:
    """Relative error left when degrees <= learned_order are fitted exactly and the rest not."""
    return float(1.0 - np.sum(fractions[: learned_order + 1])) if learned_order >= 0 else 1.0
