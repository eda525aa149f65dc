"""Exact risk of preconditioned one-step GD for in-context regression with general Gaussians.

Predictor: y_hat = (1/L) sum_l y_l x_l^T Gamma x_q, with x ~ N(0, Sigma), beta ~ N(0, B),
y = beta^T x + eps (eps ~ N(0, s2) in context, N(0, s2_q) at the query). With
g = (1/L) sum_l x_l y_l:
  M = E[g g^T] = (1 + 1/L) Sigma B Sigma + (tr(Sigma B) + s2) Sigma / L
  R(Gamma) = tr(Sigma Gamma^T M Gamma) - 2 tr(Sigma Gamma^T Sigma B) + tr(Sigma B) + s2_q
  Gamma* = M^-1 Sigma B  (the optimal preconditioner).
Isotropic (Sigma = I, B = I/d) gives Gamma* = eta* I with eta* = 1/(1 + (d+1+d s2)/L).
Anisotropic (B = I/d): Gamma* = [(1 + 1/L) Sigma + (tr Sigma + d s2)/L I]^-1 ~ Sigma^-1.
Multi-task (B = diag(mask_t)): Gamma*_t = diag(mask_t) / (1 + (1 + dx + s2)/L).
Used by icl_anisotropic (F10, C6) and icl_multitask (C8 reference levels). float64 numpy.
"""

from __future__ import annotations

import numpy as np


def _second_moment(cov, beta_cov, noise_var, L):
    cov, beta_cov = np.asarray(cov, np.float64), np.asarray(beta_cov, np.float64)
    return (1 + 1 / L) * cov @ beta_cov @ cov + (np.trace(cov @ beta_cov) + noise_var) * cov / L


def risk(gamma, cov, beta_cov, noise_var, L, query_noise_var=0.0) -> float:
    """Exact population risk R(Gamma) of y_hat = (1/L) sum_l y_l x_l^T Gamma x_q.

    Args:
      gamma, cov, beta_cov: [d, d] preconditioner, covariate and prior covariances.
      noise_var: context label noise variance; query_noise_var: query label noise variance.
      L: prompt length.
    """
    g = np.asarray(gamma, np.float64)
    cov, beta_cov = np.asarray(cov, np.float64), np.asarray(beta_cov, np.float64)
    m = _second_moment(cov, beta_cov, noise_var, L)
    return float(
        np.trace(cov @ g.T @ m @ g)
        - 2 * np.trace(cov @ g.T @ cov @ beta_cov)
        + np.trace(cov @ beta_cov)
        + query_noise_var
    )


def optimal_preconditioner(cov, beta_cov, noise_var, L) -> np.ndarray:
    """Gamma* = argmin R = M^-1 Sigma B [d, d]."""
    m = _second_moment(cov, beta_cov, noise_var, L)
    return np.linalg.solve(m, np.asarray(cov, np.float64) @ np.asarray(beta_cov, np.float64))


def best_scale(gamma0, cov, beta_cov, noise_var, L, query_noise_var=0.0) -> tuple[float, float]:
    """(eta, R) of the best multiple eta * gamma0 (R is quadratic in eta)."""
    c = risk(np.zeros_like(gamma0), cov, beta_cov, noise_var, L, query_noise_var)
    r1 = risk(gamma0, cov, beta_cov, noise_var, L, query_noise_var)
    r2 = risk(2 * np.asarray(gamma0), cov, beta_cov, noise_var, L, query_noise_var)
    a = (r2 - 2 * r1 + c) / 2  # R(eta) = a eta^2 + b eta + c
    b = r1 - c - a
    eta = -b / (2 * a)
    return float(eta), float(a * eta**2 + b * eta + c)


def _sqrtm(a):
    w, v = np.linalg.eigh(np.asarray(a, np.float64))
    return (v * np.sqrt(np.clip(w, 0, None))) @ v.T


def monte_carlo_risk(rng, gamma, cov, beta_cov, noise_var, L, query_noise_var, n) -> float:
    """Monte-Carlo estimate of R(Gamma) (float64 numpy), for tests of `risk`."""
    d = np.shape(cov)[0]
    cx, cb = _sqrtm(cov), _sqrtm(beta_cov)  # symmetric roots: beta_cov may be singular
    x = rng.normal(size=(n, L + 1, d)) @ cx.T
    beta = rng.normal(size=(n, d)) @ cb.T
    y = np.einsum("nld,nd->nl", x, beta)
    y[:, :-1] += np.sqrt(noise_var) * rng.normal(size=(n, L))
    y[:, -1] += np.sqrt(query_noise_var) * rng.normal(size=n)
    pred = np.einsum("nl,nld,de,ne->n", y[:, :-1], x[:, :-1], np.asarray(gamma), x[:, -1]) / L
    return float(np.mean((pred - y[:, -1]) ** 2))
