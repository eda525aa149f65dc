"""The reduced multi-head softmax model of in-context regression (He et al. 2025, F6-F8).

Reduced model: head h has KQ x-block omega_h I and OV = mu_h e_(d+1), so
y_hat = sum_h mu_h sum_l y_l softmax_l(omega_h s_l), s_l = x_l^T x_q. Here:
- `approx_loss`: the paper's approximate population loss L~(omega, mu) in jnp (for grad);
- `gradient_flow`: Euler steps of d(omega, mu)/dt = -grad L~ as one lax.scan (F7);
- `pair_loss_moments`: Monte Carlo truth of the +-(omega, mu) pair on a grid of omega, from
  three moments per omega, so every mu costs nothing (F6, C7);
- `softmax_norms` / `softmax_norm_density`: ||softmax(omega s)||_2 by Monte Carlo and the
  large-L prediction ||a||^2 ~ exp(omega^2 ||x_q||^2) / L with ||x_q||^2 ~ chi^2_d (F8).
Shapes: omega, mu [H]; data as in tasks/linear_regression.py (beta ~ N(0, I/d)).
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np

Array = jax.Array


def approx_loss(omega: Array, mu: Array, d: int, L: int, s2: float) -> Array:
    """L~ = 1 + s2 - 2 mu.omega + mu^T [omega omega^T + (1+s2)/L exp(d omega omega^T)] mu."""
    oo = jnp.outer(omega, omega)
    return 1 + s2 - 2 * mu @ omega + mu @ (oo + (1 + s2) / L * jnp.exp(d * oo)) @ mu


def gradient_flow(
    omega0: Array,
    mu0: Array,
    *,
    d: int,
    L: int,
    s2: float,
    dt: float,
    num_records: int,
    record_every: int,
) -> dict[str, Array]:
    """Euler gradient flow on L~, recorded every `record_every` steps.

    Returns:
      dict with omega, mu [num_records, H] and loss [num_records], the state after
      record_every * (i + 1) steps (time t = dt * steps).
    """
    grad = jax.grad(approx_loss, argnums=(0, 1))

    def step(_, state):
        om, mu = state
        g_om, g_mu = grad(om, mu, d, L, s2)
        return om - dt * g_om, mu - dt * g_mu

    def record(state, _):
        state = jax.lax.fori_loop(0, record_every, step, state)
        return state, {
            "omega": state[0],
            "mu": state[1],
            "loss": approx_loss(*state, d, L, s2),
        }

    _, out = jax.lax.scan(record, (omega0, mu0), None, length=num_records)
    return out


def pair_loss_moments(key: Array, omegas: Array, *, d: int, L: int, s2: float, n: int):
    """Moments for the true loss of the pair (omega, mu), (-omega, -mu) at each omega.

    With w = sum_l y_l [softmax_l(omega s) - softmax_l(-omega s)], the prediction is mu w, so
    E(mu w - y_q)^2 = mu^2 E w^2 - 2 mu E w y_q + E y_q^2 for every mu at once.

    Returns:
      (E w^2 [G], E w y_q [G], E y_q^2 scalar) over n prompts (noisy query, as in the spec).
    """
    k_x, k_b, k_n = jax.random.split(key, 3)
    x = jax.random.normal(k_x, (n, L + 1, d))
    beta = jax.random.normal(k_b, (n, d)) / jnp.sqrt(d)
    y = jnp.einsum("nld,nd->nl", x, beta) + jnp.sqrt(s2) * jax.random.normal(k_n, (n, L + 1))
    s = jnp.einsum("nld,nd->nl", x[:, :L], x[:, L])
    y_ctx, y_q = y[:, :L], y[:, L]

    def moments(om):
        a = jax.nn.softmax(om * s, -1) - jax.nn.softmax(-om * s, -1)
        w = jnp.sum(a * y_ctx, -1)
        return jnp.mean(w**2), jnp.mean(w * y_q)

    w2, wy = jax.lax.map(moments, omegas)
    return w2, wy, jnp.mean(y_q**2)


def softmax_norms(key: Array, n: int, L: int, d: int, omega: float) -> Array:
    """||softmax_l(omega x_l^T x_q)||_2 for n draws [n].

    Given x_q, s_l = x_l^T x_q ~ N(0, ||x_q||^2) i.i.d., so s is drawn directly (exact in law,
    and n L instead of n L d numbers).
    """
    k_q, k_s = jax.random.split(key)
    q2 = jnp.sum(jax.random.normal(k_q, (n, d)) ** 2, -1)
    s = jnp.sqrt(q2)[:, None] * jax.random.normal(k_s, (n, L))
    return jnp.linalg.norm(jax.nn.softmax(omega * s, -1), axis=-1)


def softmax_norm_mean_sq(L: int, d: int, omega: float) -> tuple[float, float]:
    """(paper's e^{d omega^2}/L, exact large-L E[e^{omega^2 chi^2_d}]/L = (1-2w^2)^{-d/2}/L)."""
    return math.exp(d * omega**2) / L, (1 - 2 * omega**2) ** (-d / 2) / L


def softmax_norm_density(r, L: int, d: int, omega: float) -> np.ndarray:
    """Density of r = sqrt(exp(omega^2 Q)/L), Q ~ chi^2_d (the large-L law of ||a||_2)."""
    r = np.asarray(r, np.float64)
    q = np.log(np.clip(L * r**2, 1e-300, None)) / omega**2
    log_chi2 = (d / 2 - 1) * np.log(np.clip(q, 1e-300, None)) - q / 2
    log_chi2 -= (d / 2) * math.log(2) + math.lgamma(d / 2)
    dens = np.exp(log_chi2) * 2 / (omega**2 * r)
    return np.where(q > 0, dens, 0.0)


def stage_boundaries(t, loss, omega_1, s2: float) -> tuple[float, float]:
    """Times ending the three stages of the 2-head flow ([ours] operational definition).

    Stage 1 (escape from the saddle at 0, omega = mu grow together) ends when L~ has made
    10% of its drop from 1 + s2 to its final value; stage 2 (fast fit of eta = sum omega mu)
    ends at the peak of |omega_1|; in stage 3 omega falls and mu grows at nearly fixed eta.
    """
    t, loss = np.asarray(t), np.asarray(loss)
    drop = (1 + s2) - loss[-1]
    t1 = t[np.argmax(loss <= (1 + s2) - 0.1 * drop)]
    t2 = t[np.argmax(np.abs(np.asarray(omega_1)))]
    return float(t1), float(t2)
