"""Sparse Distributed Memory theory: exact circle intersections, the cap variant, beta fits, radii.

Bricken & Pehlevan (NeurIPS 2021), "Attention Approximates Sparse Distributed Memory".
Binary SDM lives in {0,1}^n. A neuron z is read (or written) by an address x when the Hamming
distance |z - x| <= d. The pattern-view read weight of a pattern at Hamming distance d_v from
the query is the number of neurons in both Hamming balls, I(n, d, d_v) r / 2^n.

Counts are exact Python integers (no overflow at n = 1000); anything divided by 2^n is
returned as a natural log. Cosine and Hamming distance are related by cos = 1 - 2 d_v / n.
All functions here are numpy/float64 reference code (no JAX), called once per config.
"""

from __future__ import annotations

import math
import statistics

import numpy as np
from scipy import special

LOG2 = math.log(2.0)

# Kanerva's table (Sparse Distributed Memory, 1988) recomputed exactly: n=1000 dimensions,
# r=1e6 neurons, radius d=451; expected neurons in both balls at the listed d_v.
KANERVA_TABLE = {
    "n": 1000,
    "r": 1e6,
    "d": 451,
    "dvs": (0, 50, 200, 500),
    "values": (1071.85, 476.87, 103.46, 1.101),
}


def ball_volume(n: int, d: int) -> int:
    """Number of points of {0,1}^n within Hamming distance d of a point."""
    return sum(math.comb(n, i) for i in range(min(d, n) + 1))


def intersection_count(n: int, d: int, dv: int) -> int:
    """Exact I(n, d, d_v), the paper's interpretable form (a double binomial sum).

    a = coordinates among the n - d_v agreeing ones where z matches both points;
    b = coordinates among the d_v disagreeing ones where z matches the query.
    z is in both balls iff a + b >= n - d and a + d_v - b >= n - d.
    """
    row = [math.comb(dv, b) for b in range(dv + 1)]
    prefix = [0]
    for c in row:
        prefix.append(prefix[-1] + c)
    total = 0
    for a in range(max(0, n - d - dv // 2), n - dv + 1):
        lo, hi = max(0, n - d - a), min(dv, dv - (n - d - a))
        if hi >= lo:
            total += math.comb(n - dv, a) * (prefix[hi + 1] - prefix[lo])
    return total


def intersection_lune(n: int, d: int, dv: int) -> int:
    """Exact I(n, d, d_v) in Kanerva's lune form: V(d) minus the lune cut off by the shift."""
    lune = 0
    for j in range(1, dv + 1, 2):
        h = (j - 1) // 2
        if d - h >= 0:
            lune += math.comb(j - 1, h) * math.comb(n - j, d - h)
    return max(ball_volume(n, d) - lune, 0)


def intersection_brute_force(n: int, d: int, dv: int) -> int:
    """Enumerates {0,1}^n (n <= 20): the reference both closed forms must equal."""
    if n > 20:
        raise ValueError(f"brute force is for n <= 20, got n={n}")
    z = np.arange(2**n, dtype=np.uint32)
    y = np.uint32((1 << dv) - 1)
    return int(np.sum((np.bitwise_count(z) <= d) & (np.bitwise_count(z ^ y) <= d)))


def log_intersection(n: int, d: int, dvs) -> np.ndarray:
    """log(I(n, d, d_v) / 2^n) for each d_v (natural log; -inf where the balls are disjoint)."""
    out = []
    for dv in np.atleast_1d(dvs).tolist():
        count = intersection_count(n, d, int(dv))
        out.append(math.log(count) - n * LOG2 if count > 0 else -math.inf)
    return np.asarray(out, np.float64)


def expected_intersection(n: int, d: int, dvs, r: float) -> np.ndarray:
    """Expected number of neurons, out of r uniformly random ones, in both balls."""
    return np.exp(log_intersection(n, d, dvs) + math.log(r))


def cap_log_intersection(n: int, d: int, cos, num_points: int = 4001) -> np.ndarray:
    """Continuous SDM: log fraction of S^{n-1} inside both caps {x : x.a >= t}, {x : x.b >= t}.

    t = 1 - 2d/n and a.b = cos. With u = x.a (density prop. to (1-u^2)^{(n-3)/2}) the rest
    of x is uniform on S^{n-2}, so the second cap is a 1-D regularized-incomplete-beta tail.
    The u integral is a trapezoid rule in log space. Returns -inf where the caps are disjoint.
    """
    t = 1.0 - 2.0 * d / n
    u = np.linspace(t, 1.0, num_points)[:-1]  # u = 1 has zero density
    log_f = 0.5 * (n - 3) * np.log1p(-(u**2)) - special.betaln(0.5, 0.5 * (n - 1))
    log_w = np.log(np.full_like(u, (1.0 - t) / (num_points - 1)))
    log_w[0] -= LOG2
    out = []
    for c in np.atleast_1d(np.asarray(cos, np.float64)).tolist():
        c = min(c, 1.0)
        s = math.sqrt(max(1.0 - c * c, 0.0))
        if s < 1e-12:
            log_p = np.where(u * c >= t, 0.0, -np.inf)
        else:
            h = (t - u * c) / (np.sqrt(1.0 - u**2) * s)
            tail = 0.5 * special.betainc(0.5 * (n - 2), 0.5, np.clip(1.0 - h**2, 0.0, 1.0))
            p = np.where(h >= 1, 0.0, np.where(h <= -1, 1.0, np.where(h >= 0, tail, 1 - tail)))
            with np.errstate(divide="ignore"):
                log_p = np.log(p)
        terms = log_f + log_w + log_p
        out.append(special.logsumexp(terms) if np.isfinite(terms).any() else -math.inf)
    return np.asarray(out, np.float64)


def hamming_to_cos(n: int, dv):
    """Cosine of the bipolar (+-1) versions of two binary vectors at Hamming distance dv."""
    return 1.0 - 2.0 * np.asarray(dv, np.float64) / n


def fit_beta(x, y) -> dict[str, float]:
    """Log-linear fit y = log c1 + beta x. Returns both slope conventions and R^2.

    'ols' is the ordinary least-squares slope. 'paper' copies the authors' code, which
    divides np.cov (ddof=1) by np.var (ddof=0) and so returns ols * N / (N - 1).
    """
    x, y = np.asarray(x, np.float64), np.asarray(y, np.float64)
    num = x.size
    slope = float(np.sum((x - x.mean()) * (y - y.mean())) / np.sum((x - x.mean()) ** 2))
    intercept = float(y.mean() - slope * x.mean())
    resid = y - (intercept + slope * x)
    ss_tot = np.sum((y - y.mean()) ** 2)
    r2 = float(1.0 - np.sum(resid**2) / ss_tot) if ss_tot > 0 else math.nan
    return {"ols": slope, "paper": slope * num / (num - 1), "intercept": intercept, "r2": r2}


def fit_range(d: int, which: str) -> np.ndarray:
    """The d_v values a beta fit uses: '1..d' (the paper's table), '0..d-1' (its fit_beta),
    'even0..d' (even d_v only, which removes the I(2k-1) = I(2k) staircase)."""
    if which == "1..d":
        return np.arange(1, d + 1)
    if which == "0..d-1":
        return np.arange(0, d)
    if which == "even0..d":
        return np.arange(0, d + 1, 2)
    raise ValueError(f"unknown fit range {which!r}")


def beta_for_radius(n: int, d: int, which: str = "1..d", variant: str = "binary") -> dict:
    """beta fitted to the binary (exact) or continuous (cap) intersection of radius d."""
    dvs = fit_range(d, which)
    x = hamming_to_cos(n, dvs)
    y = log_intersection(n, d, dvs) if variant == "binary" else cap_log_intersection(n, d, x)
    return fit_beta(x, y)


def beta_approx(n: int, d: int) -> float:
    """The exponential-bound approximation beta = (n - 2d)^2 / (4n) (about 3x too small)."""
    return (n - 2 * d) ** 2 / (4.0 * n)


def log_ball_fraction(n: int, d: int) -> float:
    """log P(Binom(n, 1/2) <= d), the fraction of the space one read ball covers."""
    return math.log(ball_volume(n, d)) - n * LOG2


def radius_for_fraction(n: int, log_p: float) -> int:
    """Binomial quantile: the smallest d with P(Binom(n, 1/2) <= d) >= p (scipy binom.ppf)."""
    for d in range(n + 1):
        if log_ball_fraction(n, d) >= log_p - 1e-12:
            return d
    return n


def d_snr(n: int, m: float, r: float) -> int:
    """Kanerva's signal-to-noise-optimal radius: p* = (2 m r)^(-1/3)."""
    return radius_for_fraction(n, -(LOG2 + math.log(m) + math.log(r)) / 3.0)


def memory_capacity(p, r: float, z: float):
    """Patterns storable at activation fraction p: ((pr)^2/z^2 - pr) / (p^2 r + (p^2 r)^2)."""
    p = np.asarray(p, np.float64)
    return ((p * r) ** 2 / z**2 - p * r) / (p**2 * r + (p**2 * r) ** 2)


def mem_optimal_fraction(n: int, r: float) -> tuple[float, float]:
    """(p, z) maximizing memory_capacity; z makes all n bits right with probability 1/2.

    d capacity / dp = 0 reduces to 2 r^2 p^3 / z^2 - 3 r p^2 - 1 = 0, which has one positive
    root; it is found by bisection on log p.
    """
    z = statistics.NormalDist().inv_cdf(0.5 ** (1.0 / n))

    def g(log_p):
        p = math.exp(log_p)
        return 2.0 * r * r * p**3 / z**2 - 3.0 * r * p * p - 1.0

    lo, hi = -700.0, 0.0
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if g(mid) < 0 else (lo, mid)
    return math.exp(0.5 * (lo + hi)), z


def d_mem(n: int, r: float) -> int:
    """Memory-capacity-optimal radius."""
    p, _ = mem_optimal_fraction(n, r)
    return radius_for_fraction(n, math.log(p))
