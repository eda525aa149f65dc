"""Key-permutation-invariant targets f*(x_0, x_{1:N}) = (1/N) sum_i F(x_0, x_i), and a sampler.

Setting of Fu-Guo-Bai-Mei 2023 ("What can a single attention layer learn?") as reconstructed
in docs/papers/random_feature_attention.md: these targets and scalings are ours [ours], not
the paper's list. Tokens are i.i.d. uniform on the sphere of radius sqrt(d), so
c_i = <x_0, x_i> / sqrt(d) has mean 0 and variance 1.

Targets live in a registry, so a new one is a few lines:

    register_correlation("corr4", lambda c: c**4 - 6 * c**2 + 3)   # F depends on c_i only
    register("cos_key", lambda x0, xi, aux: jnp.cos(xi[0]))        # any pairwise F

Correlation targets carry their g(c), which the degree theory in
`attn_theory.theory.random_features` uses to predict what random-feature attention can fit.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any

import jax
import jax.numpy as jnp

Array = jax.Array


@dataclasses.dataclass(frozen=True)
class Target:
    """One pairwise target F(x_0, x_i; aux); f* is its mean over the N keys.

    Attributes:
      pair_fn: (x0 [d], xi [d], aux) -> scalar F.
      make_aux: (key, d) -> aux, the target's own random parameters (e.g. a matrix), or None.
      corr_fn: g with F = g(c_i), when F depends on the correlation only (used by theory).
      query_degree: the degree of F in x_0 when F is a polynomial that is not a function of
        c_i only (used by theory), else None.
      doc: one-line definition.
    """

    pair_fn: Callable[[Array, Array, Any], Array]
    make_aux: Callable[[Array, int], Any] | None = None
    corr_fn: Callable[[Any], Any] | None = None
    query_degree: int | None = None
    doc: str = ""


TARGETS: dict[str, Target] = {}


def register(name: str, pair_fn, *, make_aux=None, corr_fn=None, query_degree=None, doc=""):
    """Adds (or replaces) a target in the registry; returns it."""
    TARGETS[name] = Target(pair_fn, make_aux, corr_fn, query_degree, doc)
    return TARGETS[name]


def register_correlation(name: str, g: Callable[[Any], Any], doc: str = "") -> Target:
    """Registers F = g(c_i) with c_i = <x_0, x_i>/sqrt(d); g must work on jnp and np arrays."""

    def pair_fn(x0_d, xi_d, aux):
        del aux
        return g(jnp.dot(x0_d, xi_d) / jnp.sqrt(x0_d.shape[-1]))

    return register(name, pair_fn, corr_fn=g, doc=doc)


def _bilin_aux(key, dim):
    return jax.random.normal(key, (dim, dim)) / jnp.sqrt(dim)


register(
    "lin_keys",
    lambda x0, xi, aux: xi[0],
    query_degree=0,
    doc="mean_i x_i[0] (sanity check; ignores the query)",
)
register_correlation("corr1", lambda c: c, doc="mean_i c_i")
register(
    "bilinS",
    lambda x0, xi, s: x0 @ s @ xi / jnp.sqrt(x0.shape[-1]),
    make_aux=_bilin_aux,
    query_degree=1,
    doc="mean_i <x_0, S x_i>/sqrt(d), S Gaussian / sqrt(d)",
)
register_correlation("corr2", lambda c: c**2 - 1, doc="mean_i (c_i^2 - 1)")
register_correlation("corr3", lambda c: c**3, doc="mean_i c_i^3")
register_correlation("relu_corr", lambda c: c * (c > 0), doc="mean_i max(c_i, 0)")


def sample(key: Array, batch: int, num_keys: int, dim: int) -> tuple[Array, Array]:
    """Query and keys, i.i.d. uniform on the sphere of radius sqrt(dim).

    Returns:
      x0_bd [batch, dim] and xs_bnd [batch, num_keys, dim].
    """
    z = jax.random.normal(key, (batch, num_keys + 1, dim))
    z = z * jnp.sqrt(dim) / jnp.linalg.norm(z, axis=-1, keepdims=True)
    return z[:, 0], z[:, 1:]


def make_aux(key: Array, names: Sequence[str], dim: int) -> dict[str, Any]:
    """Each target's random parameters from fold_in(key, its index), or None."""
    return {
        n: (TARGETS[n].make_aux(jax.random.fold_in(key, j), dim) if TARGETS[n].make_aux else None)
        for j, n in enumerate(names)
    }


def evaluate(names: Sequence[str], x0_bd: Array, xs_bnd: Array, aux: dict[str, Any]) -> Array:
    """Targets y_bt [batch, len(names)]: f*_t = mean_i F_t(x_0, x_i)."""
    cols = []
    for n in names:
        f = TARGETS[n].pair_fn
        pair_bn = jax.vmap(jax.vmap(f, (None, 0, None)), (0, 0, None))(x0_bd, xs_bnd, aux[n])
        cols.append(jnp.mean(pair_bn, axis=-1))
    return jnp.stack(cols, axis=-1)
