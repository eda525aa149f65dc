"""Attention approximates Sparse Distributed Memory (Bricken & Pehlevan, 2021), the run:
intersections, beta fits, radii and reads.

Closed forms (exact integers, float64) come from attn_theory.theory.sdm and are saved once as
`const_*` arrays (they do not vary by seed); the Monte Carlo parts (neuron-level
intersections, SDM/softmax/neuron-view/continuous reads) are vmapped over seeds. claims.py
(A1-A7b, docs/papers/sdm_attention.md) and plots.py read only what is saved here.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from attn_theory import train, validation
from attn_theory.models import associative_memory as am
from attn_theory.tasks import random_memories as rm
from attn_theory.theory import sdm
from configs.sdm_attention import Config


def validate(cfg: Config) -> None:
    """Cross-field rules (per-field bounds are declared in configs/sdm_attention.py)."""
    t, half = cfg.task, cfg.task.n // 2 - 1
    validation.int_range("task.max_radius", t.max_radius, 2, half)
    for d in t.radii:  # the fit lines of the radii are read from the beta-vs-d sweep
        validation.int_range("task.radii", d, 2, t.max_radius)
    validation.int_range("model.read_radius", cfg.model.read_radius, 1, half)
    for k in t.flips:
        validation.int_range("task.flips", k, 0, t.n)
    validation.int_range("task.tail_flips", t.tail_flips, 0, t.n)
    validation.int_range("task.mc_radius", t.mc_radius, 1, t.mc_dim // 2 - 1)
    for v in t.mc_dvs:
        validation.int_range("task.mc_dvs", v, 0, t.mc_dim)


def theory(cfg: Config) -> dict[str, np.ndarray]:
    """Every closed-form quantity (float64, no seed axis; saved as `const_<name>`)."""
    t, n, book = cfg.task, cfg.task.n, sdm.KANERVA_TABLE
    same = [
        sdm.intersection_count(m, d, v)
        == sdm.intersection_lune(m, d, v)
        == sdm.intersection_brute_force(m, d, v)
        for m in t.identity_dims
        for d in range(1, 6)
        for v in range(min(m, 2 * d + 2) + 1)
    ]
    dvs = np.arange(n + 1)
    ds = np.arange(2, t.max_radius + 1)
    mc_dd = np.arange(0, 2 * t.mc_radius + 1)
    fits = {d: sdm.beta_for_radius(n, d, t.fit_range) for d in ds}
    cap = {d: sdm.beta_for_radius(n, d, "0..d-1", "cap") for d in ds}
    even = [sdm.beta_for_radius(n, d, "even0..d") for d in t.radii]
    p_mem, _ = sdm.mem_optimal_fraction(n, 2.0**n)
    return {
        "identity_all_equal": np.float64(np.all(same)),
        "identity_cases": np.float64(len(same)),
        "book_expected": sdm.expected_intersection(book["n"], book["d"], book["dvs"], book["r"]),
        "book_dvs": np.asarray(book["dvs"], np.float64),
        "book_values": np.asarray(book["values"]),
        "book_curve_dvs": np.arange(0, 501, 10, dtype=np.float64),
        "book_curve": sdm.expected_intersection(
            book["n"], book["d"], np.arange(0, 501, 10), book["r"]
        ),
        "log_intersection": np.stack([sdm.log_intersection(n, d, dvs) for d in t.radii]),
        "cap_log_intersection": np.stack(
            [sdm.cap_log_intersection(n, d, sdm.hamming_to_cos(n, dvs)) for d in t.radii]
        ),
        "beta_d": ds.astype(np.float64),
        "beta_ols": np.array([fits[d]["ols"] for d in ds]),
        "beta_paper": np.array([fits[d]["paper"] for d in ds]),
        "beta_intercept": np.array([fits[d]["intercept"] for d in ds]),
        "beta_cap_paper": np.array([cap[d]["paper"] for d in ds]),
        "beta_approx": np.array([sdm.beta_approx(n, d) for d in ds]),
        "r2_even": np.array([f["r2"] for f in even]),
        "r2_all": np.array([fits[d]["r2"] for d in t.radii]),
        "d_snr": np.float64(sdm.d_snr(n, t.num_patterns, 2.0**n)),
        "d_mem": np.float64(sdm.d_mem(n, 2.0**n)),
        "p_mem": np.float64(p_mem),
        "mc_theory": sdm.expected_intersection(t.mc_dim, t.mc_radius, t.mc_dvs, t.mc_neurons),
        "mc_curve": sdm.expected_intersection(t.mc_dim, t.mc_radius, mc_dd, t.mc_neurons),
        "mc_curve_dvs": mc_dd.astype(np.float64),
        "cos": sdm.hamming_to_cos(n, dvs),
    }


def _beta(cfg, n, d, variant="binary"):
    # The authors fit the cap variant over d_v = 0..d-1 (reproduces their 71.7 at d=5).
    which = "0..d-1" if variant == "cap" else cfg.task.fit_range
    return float(sdm.beta_for_radius(n, d, which, variant)[cfg.model.beta_convention])


def _recalls(o_sdm, o_att, targets, threshold):
    b_sdm, b_att = o_sdm > threshold, o_att > threshold
    good = targets > threshold
    c_sdm, c_att = o_sdm - threshold, o_att - threshold
    cos = jnp.sum(c_sdm * c_att, -1) / jnp.maximum(
        jnp.linalg.norm(c_sdm, axis=-1) * jnp.linalg.norm(c_att, axis=-1), 1e-30
    )
    return {
        "recall_sdm": jnp.mean(jnp.all(b_sdm == good, -1)),
        "recall_softmax": jnp.mean(jnp.all(b_att == good, -1)),
        "agreement": jnp.mean(b_sdm == b_att),
        "cosine": jnp.mean(cos),
    }


def binary_reads(cfg, keys, cells):
    """Pattern-view SDM (exact I weights) vs softmax(beta cos) reads; {metric: [S, cells]}.

    cells: (m, k) pairs. All cells share one compiled program: the patterns are the first m
    of max(m) (masked), so different m are nested memories with common random numbers.
    """
    n, d, q = cfg.task.n, cfg.model.read_radius, cfg.task.num_queries
    table = jnp.asarray(sdm.log_intersection(n, d, np.arange(n + 1)), jnp.float32)
    beta = _beta(cfg, n, d)
    m_max = max(m for m, _ in cells)

    def one(key, cell):
        m, k = cell
        p_key, t_key, f_key = jax.random.split(key, 3)
        pats = rm.binary_patterns(p_key, m_max, n)
        mask = jnp.arange(m_max) < m
        targets = pats[jax.random.randint(t_key, (q,), 0, m)]
        queries = jax.vmap(rm.flip_bits, (0, 0, None))(jax.random.split(f_key, q), targets, k)
        o_sdm, _ = am.sdm_pattern_read(pats, pats, queries, table, mask)
        o_att, _ = am.softmax_read(
            rm.bipolar_unit(pats), pats, rm.bipolar_unit(queries), beta, mask
        )
        return _recalls(o_sdm, o_att, targets, 0.5)

    cells = (jnp.asarray([c[0] for c in cells]), jnp.asarray([c[1] for c in cells]))
    return jax.jit(jax.vmap(lambda key: jax.lax.map(lambda c: one(key, c), cells)))(keys)


def neuron_reads(cfg, keys):
    """Neuron-view SDM (r random neurons, n=mc_dim, d=mc_radius) vs the pattern view."""
    t = cfg.task
    n, d, m, q = t.mc_dim, t.mc_radius, t.neuron_patterns, t.num_queries
    table = jnp.asarray(sdm.log_intersection(n, d, np.arange(n + 1)), jnp.float32)
    flips = jnp.asarray([round(k * n / t.n) for k in t.flips])

    def one(key):
        n_key, p_key, t_key, f_key = jax.random.split(key, 4)
        neurons = rm.binary_patterns(n_key, t.mc_neurons, n)
        pats = rm.binary_patterns(p_key, m, n)
        storage, counts = am.sdm_neuron_write(neurons, pats, pats, d)
        targets = pats[jax.random.randint(t_key, (q,), 0, m)]

        def per_k(k):
            queries = jax.vmap(rm.flip_bits, (0, 0, None))(jax.random.split(f_key, q), targets, k)
            o_neu, _ = am.sdm_neuron_read(neurons, storage, counts, queries, d)
            o_pat, _ = am.sdm_pattern_read(pats, pats, queries, table)
            r = _recalls(jnp.nan_to_num(o_neu, nan=0.0), o_pat, targets, 0.5)
            return {
                "recall_neuron": r["recall_sdm"],
                "recall_pattern": r["recall_softmax"],
                "agreement_neuron_pattern": r["agreement"],
            }

        return jax.lax.map(per_k, flips)

    return jax.jit(jax.vmap(one))(keys)


def mc_counts(cfg, keys):
    """Neurons (of r random ones) within d of both a random query and a pattern d_v away."""
    t = cfg.task

    def one(key):
        n_key, q_key = jax.random.split(key)
        neurons = rm.binary_patterns(n_key, t.mc_neurons, t.mc_dim)

        def per_dv(args):
            k, dv = args
            a_key, f_key = jax.random.split(k)
            qs = rm.binary_patterns(a_key, t.mc_pairs, t.mc_dim)
            ps = jax.vmap(rm.flip_bits, (0, 0, None))(jax.random.split(f_key, t.mc_pairs), qs, dv)
            both = (am.hamming(qs, neurons) <= t.mc_radius) & (
                am.hamming(ps, neurons) <= t.mc_radius
            )
            return jnp.sum(both, -1).astype(jnp.float32)

        dvs = jnp.asarray(t.mc_dvs)
        return jax.lax.map(per_dv, (jax.random.split(q_key, dvs.size), dvs))

    return jax.jit(jax.vmap(one))(keys)


def continuous_reads(cfg, keys):
    """Cap-intersection SDM vs softmax on unit Gaussian keys (each with its own fitted beta)."""
    n, d, m, q = cfg.task.n, cfg.model.read_radius, cfg.task.num_patterns, cfg.task.num_queries
    grid = np.linspace(-1.0, 1.0, 1025)
    logw = sdm.cap_log_intersection(n, d, grid)
    logw = jnp.asarray(np.where(np.isfinite(logw), logw, -1e4), jnp.float32)
    beta = _beta(cfg, n, d, "cap")
    cos_t = jnp.asarray(sdm.hamming_to_cos(n, cfg.task.flips), jnp.float32)

    def one(key, c):
        s_key, t_key, u_key = jax.random.split(key, 3)
        keys_nk, values_nv, _ = rm.sample(s_key, m, n, n, key_kind="gaussian")
        tgt = jax.random.randint(t_key, (q,), 0, m)
        u = jax.random.normal(u_key, (q, n))
        u = u - jnp.sum(u * keys_nk[tgt], -1, keepdims=True) * keys_nk[tgt]
        u = u / jnp.linalg.norm(u, axis=-1, keepdims=True)
        queries = c * keys_nk[tgt] + jnp.sqrt(jnp.maximum(1 - c * c, 0.0)) * u
        lw = jnp.interp(queries @ keys_nk.T, jnp.asarray(grid, jnp.float32), logw)
        w = jax.nn.softmax(lw, axis=-1)
        o_cap = w @ values_nv
        o_att, _ = am.softmax_read(keys_nk, values_nv, queries, beta)
        r = _recalls(o_cap, o_att, values_nv[tgt], 0.0)
        return {"cont_" + k: v for k, v in r.items()}

    f = jax.jit(jax.vmap(lambda key: jax.lax.map(lambda c: one(key, c), cos_t)))
    return f(keys)


def run(cfg: Config, key: jax.Array, hooks=None) -> dict[str, np.ndarray]:
    del hooks  # nothing is trained
    seeds = train.seed_keys(key, cfg.num_seeds)
    part = {
        name: jax.vmap(lambda k, i=i: jax.random.fold_in(k, i))(seeds)
        for i, name in enumerate(("mc", "read", "tail", "neuron", "cont"))
    }
    out = {"const_" + k: np.asarray(v) for k, v in theory(cfg).items()}
    out["mc_counts"] = mc_counts(cfg, part["mc"])
    out.update(
        binary_reads(cfg, part["read"], [(cfg.task.num_patterns, k) for k in cfg.task.flips])
    )
    tail = binary_reads(
        cfg, part["tail"], [(m, cfg.task.tail_flips) for m in cfg.task.tail_patterns]
    )
    out.update({"tail_" + k: v for k, v in tail.items()})
    out.update(neuron_reads(cfg, part["neuron"]))
    out.update(continuous_reads(cfg, part["cont"]))
    return {k: np.asarray(v) for k, v in out.items()}
