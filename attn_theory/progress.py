"""Progress of one experiment in the log: which fit of how many, rate and ETA, heartbeats.

Every line names the experiment and the fit ("icl_linear_regression fit 2/4 softmax_h2").
Compilation is timed apart (ahead-of-time compile in `train.fit`), so the rate and the ETA
count only executed steps: the first ETA is not inflated by XLA compile time. When the
experiment declares its fits up front (`Experiment.fits`, or `plan`), the line also gives
an experiment ETA, up to the saved results (figures are not included):

- with a `reference` (the `timings()` of an earlier run of the same plan, e.g. the committed
  profiles in experiments/timing_profiles.json): the reference's time after this fit, its
  execution scaled by how fast this fit runs against the reference's same fit, the rest
  (compilation, evaluation, analysis) by the time spent outside training steps so far
  against the reference's up to the same point. This knows that later fits cost more or
  less per step than this one and how long the final analysis takes;
- without one: the remaining fits at the current fit's rate, their compilations, and the
  evaluation time seen between fits so far (later fits that cost more per step, and the
  analysis after the last fit, are missed: an underestimate).

A heartbeat thread logs what is running whenever nothing was logged for `heartbeat_s`
seconds (compiling, evaluating, drawing figures), so no phase of a run is silent for long.

    progress = Progress("rank_vs_heads", plan=[("d1_b1", 2000)])
    with progress.heartbeat():
        train.fit(..., hooks=train.Hooks(progress=progress))
"""

from __future__ import annotations

import contextlib
import dataclasses
import threading
import time
from collections.abc import Callable, Iterator, Sequence

from absl import logging


def hms(seconds: float) -> str:
    """4 -> '4s', 125 -> '2m 05s', 3725 -> '1h 02m 05s'."""
    s = max(int(round(seconds)), 0)
    h, rem = divmod(s, 3600)
    m, s = divmod(rem, 60)
    if h:
        return f"{h}h {m:02d}m {s:02d}s"
    if m:
        return f"{m}m {s:02d}s"
    return f"{s}s"


@dataclasses.dataclass
class FitTiming:
    """What one fit cost: compile and execution seconds, steps executed (not resumed)."""

    name: str
    num_steps: int
    start_step: int = 0
    step: int = 0
    chunk_len: int = 0
    compile_s: float = 0.0
    run_s: float = 0.0
    compiled_lengths: list[int] = dataclasses.field(default_factory=list)
    group: tuple[int, int] | None = None  # (k, n): runs trained in n groups, this is group k
    started_s: float = 0.0  # run elapsed seconds when the fit began and ended
    ended_s: float | None = None

    @property
    def groups_left(self) -> int:
        return self.group[1] - self.group[0] if self.group else 0

    @property
    def rate(self) -> float | None:
        done = self.step - self.start_step
        return done / self.run_s if done > 0 and self.run_s > 0 else None


class Progress:
    """Logs the progress of the fits of one experiment (thread-safe enough for logging)."""

    def __init__(
        self,
        experiment: str = "",
        *,
        plan: Sequence[tuple[str, int]] | None = None,
        reference: dict | None = None,
        heartbeat_s: float = 10.0,
        log: Callable[..., None] = logging.info,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.experiment = experiment
        self.heartbeat_s = heartbeat_s
        self._log_fn, self._clock = log, clock
        self._plan: list[tuple[str, int]] = list(plan or [])
        self.fits: list[FitTiming] = []
        self._t0 = clock()
        self._last_line = self._t0
        self._activity, self._activity_t = "preparing", self._t0
        self._fit_ended: float | None = None
        self._gaps: list[float] = []  # seconds between one fit's end and the next's start
        self.results_s: float | None = None
        self._reference = reference

    def plan(self, fits: Sequence[tuple[str, int]]) -> None:
        """Declares the fits to come, in order, as (name, num_steps)."""
        self._plan = list(fits)

    @property
    def reference(self) -> dict | None:
        """The reference timings when they fit the plan (reference_matches), else None."""
        ref = self._reference
        return ref if reference_matches(ref, self._plan) else None

    @property
    def elapsed(self) -> float:
        return self._clock() - self._t0

    # --- fits (called by train.fit) -----------------------------------------------------
    def begin_fit(
        self,
        name: str,
        num_steps: int,
        start_step: int = 0,
        chunk_len: int = 0,
        group: tuple[int, int] | None = None,
    ) -> None:
        """A fit starts (at start_step when resumed); chunk_len: steps per compiled chunk;
        group (k, n): the fit's runs are trained in n groups (memory) and this is group k."""
        if self._fit_ended is not None and not (group and group[0] > 1):
            self._gaps.append(self._clock() - self._fit_ended)  # evaluation etc. between fits
        self.fits.append(FitTiming(name, num_steps, start_step, start_step,
                                   chunk_len or num_steps, group=group,
                                   started_s=self.elapsed))  # fmt: skip
        msg = f"starting, {num_steps} steps"
        if start_step:
            msg = f"resumed from its checkpoint at step {start_step}/{num_steps}"
        self._log(f"{self._label()}: {msg}")

    def compiling(self, length: int) -> None:
        self._set_activity(f"compiling the {length}-step chunk of {self._label(False)}")

    def compiled(self, length: int, seconds: float) -> None:
        fit = self.fits[-1]
        fit.compile_s += seconds
        fit.compiled_lengths.append(length)
        self._log(f"{self._label()}: compiled the {length}-step chunk in {seconds:.1f}s "
                  "(not counted in the rate)")  # fmt: skip
        self._set_activity(f"training {self._label(False)}")

    def chunk(self, step: int, seconds: float, loss: float) -> dict:
        """Records one executed chunk ending at `step`; logs and returns rate and ETAs."""
        fit = self.fits[-1]
        fit.step, fit.run_s = step, fit.run_s + seconds
        rate = fit.rate or 0.0
        # The groups still to come train as many steps at the same rate.
        eta = (
            (fit.num_steps - step + fit.groups_left * fit.num_steps) / rate
            if rate
            else float("nan")
        )
        all_eta = self._remaining_fits_s(eta)
        pct = 100.0 * step / fit.num_steps
        parts = [
            f"{self._label()}: step {step}/{fit.num_steps} ({pct:.0f}%)",
            f"{rate:.1f} steps/s",
            f"loss {loss:.4g}",
            f"fit ETA {hms(eta) if rate else '?'}",
        ]
        if all_eta is not None:
            parts.append(f"experiment ETA {hms(all_eta)}")
        self._log(", ".join(parts))
        self._set_activity(f"training {self._label(False)}")
        out = {"steps_per_s": rate, "eta_s": eta, "elapsed_s": self.elapsed}
        if all_eta is not None:
            out["experiment_eta_s"] = all_eta
        return out

    def end_fit(self) -> None:
        fit = self.fits[-1]
        self._fit_ended = self._clock()
        fit.ended_s = self.elapsed
        self._log(f"{self._label()}: done in {hms(fit.compile_s + fit.run_s)} "
                  f"(compile {fit.compile_s:.1f}s)")  # fmt: skip
        self._set_activity(f"after {self._label(False)} (evaluation, baselines or analysis)")

    # --- phases and heartbeat -----------------------------------------------------------
    @contextlib.contextmanager
    def phase(self, name: str) -> Iterator[None]:
        """Names what runs inside (for the heartbeat); logs its time when over a second."""
        t = self._clock()
        self._set_activity(name)
        yield
        if self._clock() - t > 1.0:
            self._log(f"{self.experiment}: {name} took {hms(self._clock() - t)}")

    @contextlib.contextmanager
    def heartbeat(self) -> Iterator[None]:
        """Logs the current activity whenever nothing was logged for heartbeat_s seconds."""
        stop = threading.Event()

        def beat():
            while not stop.wait(min(1.0, self.heartbeat_s)):
                now = self._clock()
                if now - self._last_line >= self.heartbeat_s:
                    self._log(f"{self.experiment or 'run'}: still {self._activity} "
                              f"({hms(now - self._activity_t)} so far; run elapsed "
                              f"{hms(now - self._t0)})")  # fmt: skip

        thread = threading.Thread(target=beat, name="progress-heartbeat", daemon=True)
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join()

    def results_saved(self) -> None:
        """Marks the end of what the experiment ETA counts (run returned, results saved)."""
        self.results_s = self.elapsed

    def timings(self) -> dict:
        """Per-fit compile/run seconds, steps and start/end times, for summary.json (and, as
        `reference`, for a later run's experiment ETA)."""
        return {
            "elapsed_s": self.elapsed,
            "results_s": self.results_s,
            "fits": [dataclasses.asdict(f) for f in self.fits],
            "compile_s": sum(f.compile_s for f in self.fits),
            "used_reference": self.reference is not None,
        }

    # --- internals ------------------------------------------------------------------------
    def _index_and_total(self) -> tuple[int, int | None]:
        n = sum(1 for f in self.fits if not f.group or f.group[0] == 1)  # groups: one fit
        names = [p[0] for p in self._plan]
        name = self.fits[-1].name if self.fits else None
        if name in names:
            n = names.index(name) + 1
        return n, (len(self._plan) or None)

    def _label(self, with_experiment: bool = True) -> str:
        k, total = self._index_and_total()
        fit = f"fit {k}/{total}" if total and k <= total else f"fit {k}"
        head = f"{self.experiment} " if self.experiment and with_experiment else ""
        if not self.fits:
            return f"{head}{fit}"
        last = self.fits[-1]
        runs = f" (run group {last.group[0]}/{last.group[1]})" if last.group else ""
        return f"{head}{fit} {last.name}{runs}"

    def _remaining_fits_s(self, current_eta: float) -> float | None:
        """ETA of the current and every later planned fit, plus the work seen between fits so
        far (evaluation) once per fit left; figures at the end are not included. None
        without a plan."""
        if not self._plan or current_eta != current_eta:  # no plan, or NaN
            return None
        k, total = self._index_and_total()
        if total is None or k > total:
            return None
        fit = self.fits[-1]
        if self.reference is not None and fit.group is None and fit.rate:
            return self._reference_eta(k - 1, current_eta)
        programs = sum(len(f.compiled_lengths) for f in self.fits)
        per_compile = sum(f.compile_s for f in self.fits) / programs if programs else 0.0
        # Programs still to compile: this fit's shorter last chunk, then 1 or 2 per later fit
        # (assuming the later fits chunk like this one).
        pending = _lengths(fit.step, fit.num_steps, fit.chunk_len) - set(fit.compiled_lengths)
        later = self._plan[k:]
        pending_n = len(pending) + sum(len(_lengths(0, s, fit.chunk_len)) for _, s in later)
        gap = sum(self._gaps) / len(self._gaps) if self._gaps else 0.0
        groups = fit.group[1] if fit.group else 1  # later fits assumed grouped alike
        train_s = (current_eta + groups * sum(s for _, s in later) / fit.rate
                   + per_compile * pending_n)  # fmt: skip
        return train_s + gap * (len(later) + 1)

    def _reference_eta(self, i: int, current_eta: float) -> float:
        """current_eta plus the reference run's time from the end of fit i to its saved
        results: execution scaled by this fit's speed against the reference's fit i; the rest
        (compiling, evaluating, analysis) by the time this run spent outside training steps so
        far against the reference's up to the end of fit i."""
        ref, fit = self.reference["fits"], self.fits[-1]
        ref_rate = (ref[i]["step"] - ref[i]["start_step"]) / ref[i]["run_s"]
        exec_scale = ref_rate / fit.rate
        ref_other = float(ref[i]["ended_s"]) - sum(r["run_s"] for r in ref[: i + 1])
        seen_other = self.elapsed - sum(f.run_s for f in self.fits)
        other_scale = seen_other / ref_other if ref_other > 0 and seen_other > 0 else 1.0
        if any(f.start_step > 0 for f in self.fits):  # resumed: earlier work was skipped
            other_scale = exec_scale
        after = float(self.reference["results_s"]) - float(ref[i]["ended_s"])
        execution = sum(r["run_s"] for r in ref[i + 1 :])
        return current_eta + exec_scale * execution + other_scale * max(after - execution, 0.0)

    def _set_activity(self, text: str) -> None:
        self._activity, self._activity_t = text, self._clock()

    def _log(self, msg: str) -> None:
        self._last_line = self._clock()
        self._log_fn("%s", msg)


def plan_of(timing: dict) -> list[tuple[str, int]]:
    """The plan of fits [(name, num_steps), ...] a run's timings (or a profile) record."""
    return [(f["name"], f["num_steps"]) for f in timing.get("fits") or []]


def reference_matches(reference: dict | None, plan: Sequence[tuple[str, int]]) -> bool:
    """A reference fits a plan when it ran exactly the planned fits, from step 0, in one
    group each, with start/end times and a results time recorded."""
    if not reference or not plan or reference.get("results_s") is None:
        return False
    fits = reference.get("fits") or []
    return plan_of(reference) == [tuple(p) for p in plan] and all(
        f.get("ended_s") is not None and f["start_step"] == 0 and f.get("group") is None
        and f["run_s"] > 0 and f["step"] == f["num_steps"]
        for f in fits
    )  # fmt: skip


def _lengths(step: int, num_steps: int, chunk_len: int) -> set[int]:
    """Distinct chunk lengths `train.fit` runs from `step` to `num_steps`."""
    left = num_steps - step
    if left <= 0:
        return set()
    return {min(chunk_len, left), *([left % chunk_len] if left % chunk_len else [])}
