"""Closed-form predictors and risks for in-context linear regression (He et al. 2025).

Notation: d covariate dim, L context length, s2 = sigma^2 label noise, beta ~ N(0, I/d),
s_l = x_l^T x_q. Predictors take numpy or jax arrays: x [B, L, d], y [B, L], x_q [B, d];
pass float64 numpy arrays for reference-quality baselines.
"""

from __future__ import annotations

import numpy as np


def ridge_predict(x, y, x_q, lam):
    """Posterior-mean (Bayes) predictor: beta_hat = (X^T X + lam I)^-1 X^T y; lam = d s2."""
    d = x.shape[-1]
    gram = np.einsum("bld,ble->bde", x, x) + lam * np.eye(d)
    beta = np.linalg.solve(gram, np.einsum("bld,bl->bd", x, y)[..., None])[..., 0]
    return np.einsum("bd,bd->b", beta, x_q)


def gd_predict(x, y, x_q, eta):
    """One GD step from 0 with step eta: (eta/L) sum_l y_l x_l^T x_q."""
    return eta * np.einsum("bl,bld,bd->b", y, x, x_q) / x.shape[1]


def dgd_predict(x, y, x_q, eta):
    """Debiased GD: (eta/L) sum_l y_l (x_l - x_bar)^T x_q."""
    xc = x - x.mean(1, keepdims=True)
    return eta * np.einsum("bl,bld,bd->b", y, xc, x_q) / x.shape[1]


def _softmax(s, axis=-1):
    s = s - s.max(axis, keepdims=True)
    e = np.exp(s)
    return e / e.sum(axis, keepdims=True)


def reduced_softmax_predict(x, y, x_q, omega, mu):
    """Reduced H-head model: sum_h mu_h sum_l y_l softmax_l(omega_h s_l). omega, mu: [H]."""
    s = np.einsum("bld,bd->bl", x, x_q)
    a = _softmax(np.asarray(omega)[:, None, None] * s[None], -1)  # [H, B, L]
    return np.einsum("h,hbl,bl->b", np.asarray(mu), a, y)


def gd_risk(eta, d, L, s2):
    """Exact finite-L risk of one-step GD incl. noise: 1+s2-2 eta+eta^2 (1+(d+1+d s2)/L)."""
    return 1 + s2 - 2 * eta + eta**2 * (1 + (d + 1 + d * s2) / L)


def eta_star(d, L, s2):
    """The GD step minimising gd_risk: 1 / (1 + (d+1+d s2)/L)."""
    return 1.0 / (1 + (d + 1 + d * s2) / L)


def gd_risk_opt(d, L, s2):
    """R* = 1 + s2 - eta*."""
    return 1 + s2 - eta_star(d, L, s2)


def gd_risk_asymptotic(xi, s2):
    """Optimal-GD risk in the proportional limit d/L -> xi."""
    return s2 + xi * (1 + s2) / (1 + xi * (1 + s2))


def bayes_risk_asymptotic(xi, s2):
    """Bayes (ridge) risk in the proportional limit d/L -> xi."""
    return 0.5 * (s2 + 1 - 1 / xi + np.sqrt(4 * s2 + (s2 + 1 / xi - 1) ** 2))


def approx_loss(omega, mu, d, L, s2):
    """The reduced model's approximate population loss L~(omega, mu) (exp elementwise)."""
    omega, mu = np.asarray(omega, np.float64), np.asarray(mu, np.float64)
    oo = np.outer(omega, omega)
    return 1 + s2 - 2 * mu @ omega + mu @ (oo + (1 + s2) / L * np.exp(d * oo)) @ mu


def mu_star(omega, d, L, s2):
    """argmin_mu L~(omega, mu) = [omega omega^T + ((1+s2)/L) exp(d omega omega^T)]^-1 omega."""
    omega = np.asarray(omega, np.float64)
    oo = np.outer(omega, omega)
    return np.linalg.solve(oo + (1 + s2) / L * np.exp(d * oo), omega)


def single_head_optimum(d, L, s2):
    """(omega, mu, L~) of the best single head: omega = 1/sqrt(d)."""
    k = 1 + (1 + s2) * d * np.e / L
    return 1 / np.sqrt(d), np.sqrt(d) / k, 1 + s2 - 1 / k


def linear_attention_risk(c, L, d, s2):
    """Risk at test length L of fixed-scale linear attention y = c sum_l y_l s_l (eta = c L)."""
    return gd_risk(c * L, d, L, s2)
