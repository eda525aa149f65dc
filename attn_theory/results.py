"""The workdir contract shared by every experiment: config, metrics, results, summary.

Layout of DIR:
  config.json     the resolved config, written before any compute
  metrics.jsonl   one JSON object per logged training chunk (streamed)
  results.npz     every array returned by `run` (leading [seed] axis)
  summary.json    scalars (mean/std/stderr over seeds), claims, versions, device, wall time
  figures/NAME.png and NAME.pdf
  checkpoints/    resumable training state
All files are written atomically (temporary file, then rename); only process 0 writes.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import platform
import tempfile
from collections.abc import Mapping
from typing import Any

import jax
import numpy as np

from attn_theory import checkpoint


@dataclasses.dataclass(frozen=True)
class Claim:
    """One checked claim: measured value vs bound; `claim` is a one-line statement."""

    value: float
    bound: Any
    passed: bool
    claim: str

    def to_json(self) -> dict:
        return {
            "value": _num(self.value),
            "bound": _num(self.bound),
            "passed": bool(self.passed),
            "claim": self.claim,
        }


def claim_le(value, bound, text: str) -> Claim:
    """value <= bound."""
    return Claim(float(value), float(bound), bool(float(value) <= bound), text)


def claim_ge(value, bound, text: str) -> Claim:
    """value >= bound."""
    return Claim(float(value), float(bound), bool(float(value) >= bound), text)


def claim_in(value, lo, hi, text: str) -> Claim:
    """lo <= value <= hi."""
    v = float(value)
    return Claim(v, [float(lo), float(hi)], bool(lo <= v <= hi), text)


def claim_true(passed: bool, value, text: str, bound: Any = True) -> Claim:
    """A boolean property with the measured quantity it was decided from."""
    return Claim(_num(value), bound, bool(passed), text)


def _num(x):
    if isinstance(x, np.ndarray | jax.Array):
        x = np.asarray(x).tolist()
    if isinstance(x, float | np.floating):
        return None if not math.isfinite(float(x)) else float(x)
    if isinstance(x, list | tuple):
        return [_num(v) for v in x]
    if isinstance(x, np.integer | np.bool_):
        return x.item()
    return x


def seed_stats(results: Mapping[str, Any]) -> dict[str, dict[str, float]]:
    """mean, std, stderr over the leading seed axis for every [seed]-shaped result."""
    out = {}
    for k, v in results.items():
        v = np.asarray(v)
        if v.ndim == 1 and v.size and np.issubdtype(v.dtype, np.number):
            n = v.size
            std = float(np.std(v, ddof=1)) if n > 1 else 0.0
            out[k] = {"mean": float(np.mean(v)), "std": std, "stderr": std / math.sqrt(n), "n": n}
    return out


def environment() -> dict:
    import flax
    import optax

    return {
        "versions": {
            "python": platform.python_version(),
            "jax": jax.__version__,
            "flax": flax.__version__,
            "optax": optax.__version__,
            "numpy": np.__version__,
        },
        "device": {
            "platform": jax.default_backend(),
            "count": jax.device_count(),
            "kind": jax.devices()[0].device_kind,
            "processes": jax.process_count(),
        },
    }


def _atomic_write(path: str, write) -> None:
    d = os.path.dirname(os.path.abspath(path))
    os.makedirs(d, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=d, prefix=".tmp-", suffix=os.path.splitext(path)[1])
    os.close(fd)
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def write_json(path: str, obj: Any) -> None:
    def w(tmp):
        with open(tmp, "w") as f:
            json.dump(obj, f, indent=2, default=_num)

    _atomic_write(path, w)


class Workdir:
    """Writes the workdir contract under `path` (no-op writers on processes other than 0)."""

    def __init__(self, path: str):
        self.path = path
        self.is_writer = jax.process_index() == 0
        if self.is_writer:
            os.makedirs(path, exist_ok=True)

    def file(self, *parts: str) -> str:
        return os.path.join(self.path, *parts)

    def write_config(self, config: Mapping[str, Any]) -> None:
        if self.is_writer:
            write_json(self.file("config.json"), config)

    def append_metrics(self, record: Mapping[str, Any]) -> None:
        if self.is_writer:
            with open(self.file("metrics.jsonl"), "a") as f:
                f.write(json.dumps(record, default=_num) + "\n")

    def checkpointer(self, name: str):
        return checkpoint.NpzCheckpointer(self.file("checkpoints"), name)

    def save_results(self, results: Mapping[str, Any]) -> None:
        if self.is_writer:
            arrays = {k: np.asarray(v) for k, v in results.items()}
            _atomic_write(self.file("results.npz"), lambda tmp: np.savez(tmp, **arrays))

    def load_results(self) -> dict[str, np.ndarray]:
        with np.load(self.file("results.npz")) as z:
            return {k: z[k] for k in z.files}

    def write_summary(
        self,
        results,
        claims: Mapping[str, Claim],
        *,
        wall_time_s: float,
        extra: Mapping[str, Any] | None = None,
    ) -> dict:
        summary = {
            "claims": {k: c.to_json() for k, c in claims.items()},
            "all_claims_passed": all(c.passed for c in claims.values()),
            "scalars": seed_stats(results),
            "wall_time_s": wall_time_s,
            **environment(),
            **(dict(extra) if extra else {}),
        }
        if self.is_writer:
            write_json(self.file("summary.json"), summary)
        return summary

    def save_figures(self, figures: Mapping[str, Any]) -> list[str]:
        from attn_theory import plotting

        paths = []
        for name, fig in figures.items():
            if self.is_writer:
                paths += plotting.save_figure(fig, self.file("figures"), name)
        return paths
