"""The workdir contract shared by every experiment: config, metrics, results, summary.

Layout of DIR:
  config.json     the resolved config, written before any compute
  metrics.jsonl   one JSON object per logged training chunk (streamed)
  results.npz     every array returned by `run`: a leading [seed] axis, except arrays whose
                  name starts with CONST_PREFIX ("const_"), which do not vary by seed
                  (coordinates, closed-form curves) and are stored once
  summary.json    scalars (mean/std/stderr over seeds), claims, versions, device, wall time
  figures/NAME.png and NAME.pdf
  checkpoints/    resumable training state
  tensorboard/    optional TensorBoard event files of the metrics records (Workdir(...,
                  tensorboard=True); needs tensorboardX, `pip install -e ".[tb]"`)
All files are written atomically (temporary file, flushed, then renamed) with the mode the
umask allows (0644 under umask 022), so results can be shared and served; only process 0
writes.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import platform
from collections.abc import Mapping
from typing import Any

import jax
import numpy as np

from attn_theory import checkpoint, files, plotting

KINDS = ("measured", "closed_form", "construction")
"""What a claim is: `measured` = reproduced from training or sampling; `closed_form` = a
formula or identity checked numerically; `construction` = true by construction, kept as a
sanity check. Headlines count measured claims apart from the other two."""

COMPARATORS = ("<=", ">=", "in", "true")


@dataclasses.dataclass(frozen=True)
class Claim:
    """One checked claim.

    Attributes:
      value: the statistic over seeds that is compared with `bound`.
      bound: a number (for <=, >=), [lo, hi] (for in) or a description (for true).
      passed: whether value satisfies comparator/bound.
      claim: one-line statement, with [ours] on reconstructed settings.
      comparator: one of COMPARATORS.
      kind: one of KINDS.
      statistic: how seeds are combined, e.g. "median of 4 seeds", "every seed", "mean of 2".
      per_seed: the same quantity per seed (None where the claim has no per-seed value).
      seeds_passing: how many per-seed values pass the bound alone.
    """

    value: Any
    bound: Any
    passed: bool
    claim: str
    comparator: str = "true"
    kind: str | None = None
    statistic: str | None = None
    per_seed: tuple | None = None
    seeds_passing: int | None = None

    def to_json(self) -> dict:
        out = {
            "value": _num(self.value),
            "bound": _num(self.bound),
            "comparator": self.comparator,
            "passed": bool(self.passed),
            "claim": self.claim,
            "kind": self.kind,
            "statistic": self.statistic,
        }
        if self.per_seed is not None:
            out["per_seed"] = _num(list(self.per_seed))
            out["seeds_passing"] = self.seeds_passing
            out["num_seeds"] = len(self.per_seed)
        return out

    def describe(self) -> str:
        """'value 1.726 >= 1 PASS (3/4 seeds)' with 4 significant digits."""
        v, b = _fmt(self.value), _fmt(self.bound)
        if self.comparator == "in":
            text = f"value {v} in {b}"
        elif self.comparator == "true":
            text = f"value {v} ({b})"
        else:
            text = f"value {v} {self.comparator} {b}"
        text += " PASS" if self.passed else " FAIL"
        if self.per_seed is not None:
            text += f" ({self.seeds_passing}/{len(self.per_seed)} seeds)"
        return text


def _fmt(x) -> str:
    x = _num(x)
    if isinstance(x, float):
        return f"{x:.4g}"
    if isinstance(x, list):
        return "[" + ", ".join(_fmt(v) for v in x) + "]"
    return str(x)


def _compare(comparator: str, value, bound) -> bool:
    v = float(value)
    if not math.isfinite(v):
        return False
    if comparator == "<=":
        return v <= float(bound)
    if comparator == ">=":
        return v >= float(bound)
    if comparator == "in":
        return float(bound[0]) <= v <= float(bound[1])
    raise ValueError(f"comparator {comparator!r} needs explicit pass/fail")


def _make(value, comparator, bound, text, kind, statistic, per_seed) -> Claim:
    if kind is not None and kind not in KINDS:
        raise ValueError(f"claim kind {kind!r} not in {KINDS}")
    seeds = None
    if per_seed is not None:
        per_seed = tuple(float(v) for v in np.asarray(per_seed, dtype=np.float64).ravel())
        seeds = sum(_compare(comparator, v, bound) for v in per_seed)
    bound_j = [float(bound[0]), float(bound[1])] if comparator == "in" else float(bound)
    return Claim(float(value), bound_j, _compare(comparator, value, bound), text, comparator,
                 kind, statistic, per_seed, seeds)  # fmt: skip


def claim_le(value, bound, text: str, *, kind=None, statistic=None, per_seed=None) -> Claim:
    """value <= bound; per_seed values are compared with the same bound for seeds_passing."""
    return _make(value, "<=", bound, text, kind, statistic, per_seed)


def claim_ge(value, bound, text: str, *, kind=None, statistic=None, per_seed=None) -> Claim:
    """value >= bound."""
    return _make(value, ">=", bound, text, kind, statistic, per_seed)


def claim_in(value, lo, hi, text: str, *, kind=None, statistic=None, per_seed=None) -> Claim:
    """lo <= value <= hi."""
    return _make(value, "in", (lo, hi), text, kind, statistic, per_seed)


def claim_true(
    passed: bool,
    value,
    text: str,
    bound: Any = True,
    *,
    kind=None,
    statistic=None,
    per_seed=None,
    per_seed_passed=None,
) -> Claim:
    """A boolean property with the measured quantity it was decided from.

    per_seed: the quantity per seed; per_seed_passed: whether each seed passes alone.
    """
    if kind is not None and kind not in KINDS:
        raise ValueError(f"claim kind {kind!r} not in {KINDS}")
    seeds = None if per_seed_passed is None else int(np.sum(np.asarray(per_seed_passed)))
    if per_seed is None and per_seed_passed is not None:
        per_seed = np.asarray(per_seed_passed, dtype=np.float64)
    ps = None if per_seed is None else tuple(np.asarray(per_seed, np.float64).ravel().tolist())
    return Claim(_num(value), bound, bool(passed), text, "true", kind, statistic, ps, seeds)


def count_claims(claims: Mapping[str, Claim]) -> dict[str, dict[str, Any]]:
    """Per kind: passed, total and the names of failures (headline: measured apart)."""
    out = {}
    for name, c in claims.items():
        k = out.setdefault(c.kind or "unlabelled", {"passed": 0, "total": 0, "failed": []})
        k["total"] += 1
        k["passed"] += bool(c.passed)
        if not c.passed:
            k["failed"].append(name)
    return out


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


CONST_PREFIX = "const_"


def seed_stats(results: Mapping[str, Any]) -> dict[str, dict[str, float]]:
    """mean, std, stderr over the leading seed axis for every [seed]-shaped result."""
    out = {}
    for k, v in results.items():
        v = np.asarray(v)
        if k.startswith(CONST_PREFIX):
            continue
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
    files.atomic_write(path, write)


def write_json(path: str, obj: Any) -> None:
    def w(tmp):
        with open(tmp, "w") as f:
            json.dump(obj, f, indent=2, default=_num)

    _atomic_write(path, w)


class Workdir:
    """Writes the workdir contract under `path` (no-op writers on processes other than 0)."""

    def __init__(self, path: str, *, tensorboard: bool = False):
        """tensorboard: also write every metrics record as TensorBoard scalars under
        tensorboard/ (needs tensorboardX: `pip install -e ".[tb]"`)."""
        self.path = path
        self.is_writer = jax.process_index() == 0
        self._tb = None
        if self.is_writer:
            os.makedirs(path, exist_ok=True)
            if tensorboard:
                self._tb = _tensorboard_writer(self.file("tensorboard"))

    def file(self, *parts: str) -> str:
        return os.path.join(self.path, *parts)

    def write_config(self, config: Mapping[str, Any]) -> None:
        if self.is_writer:
            write_json(self.file("config.json"), config)

    def append_metrics(self, record: Mapping[str, Any]) -> None:
        if self.is_writer:
            with open(self.file("metrics.jsonl"), "a") as f:
                f.write(json.dumps(record, default=_num) + "\n")
            if self._tb is not None:
                _tensorboard_record(self._tb, record)

    def truncate_metrics(self, run: str, step: int) -> None:
        """Drops run `run`'s records after `step` (a resumed fit logs them again)."""
        path = self.file("metrics.jsonl")
        if not self.is_writer or not os.path.exists(path):
            return
        with open(path) as f:
            lines = f.readlines()
        keep = [ln for ln in lines if not _logged_after(ln, run, step)]
        if len(keep) < len(lines):

            def write(tmp):
                with open(tmp, "w") as f:
                    f.writelines(keep)

            _atomic_write(path, write)

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
            "claim_counts": count_claims(claims),
            "scalars": seed_stats(results),
            "wall_time_s": wall_time_s,
            **environment(),
            **(dict(extra) if extra else {}),
        }
        if self.is_writer:
            write_json(self.file("summary.json"), summary)
        return summary

    def save_figures(self, figures: Mapping[str, Any]) -> list[str]:
        """Writes figures/NAME.png and .pdf, and figures/captions.json ({name: caption},
        read by the report); returns the image paths."""
        paths, captions = [], {}
        for name, fig in figures.items():
            if self.is_writer:
                captions[name] = plotting.caption_of(fig)
                paths += plotting.save_figure(fig, self.file("figures"), name)
        if self.is_writer and captions:
            write_json(self.file("figures", "captions.json"), captions)
        return paths


def _logged_after(line: str, run: str, step: int) -> bool:
    try:
        rec = json.loads(line)
    except json.JSONDecodeError:  # a line cut short by a kill: drop it too
        return True
    return rec.get("run") == run and rec.get("step", 0) > step


def _tensorboard_writer(logdir: str):
    try:
        import tensorboardX  # optional dependency: the [tb] extra
    except ImportError as e:
        raise ImportError('TensorBoard output needs tensorboardX: pip install -e ".[tb]"') from e
    return tensorboardX.SummaryWriter(logdir, flush_secs=10)


def _tensorboard_record(writer, record: Mapping[str, Any]) -> None:
    """Scalars of one metrics record, tagged RUN/KEY (per-run lists as RUN/KEY/run_i)."""
    run, step = record.get("run", "train"), int(record.get("step", 0))
    for key, value in record.items():
        if key in ("run", "step") or value is None:
            continue
        if isinstance(value, int | float) and not isinstance(value, bool):
            writer.add_scalar(f"{run}/{key}", value, step)
        elif isinstance(value, list) and 1 < len(value) <= 16:
            if all(isinstance(v, int | float) for v in value):
                for i, v in enumerate(value):
                    writer.add_scalar(f"{run}/{key}/run_{i}", v, step)
    writer.flush()
