"""The generic training loop: `lax.scan` over steps, `vmap` over runs, chunks for streaming.

A *run* is one (seed, hyperparameter) combination. All runs of a sweep share one compiled
program: the run axis is vmapped and sharded over the 'data' mesh axis. Each run's key is
split into (init_key, data_key); the batch of step t is sampled inside the scan body from
`fold_in(data_key, t)`, so results do not depend on chunking, resumption or device count.

Usage:
    params, history = train.fit(
        keys, init_fn=..., loss_fn=..., sample_fn=..., optimizer_fn=...,
        num_steps=8000, log_every=500, name="h2")
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax

from attn_theory import progress as progress_lib
from attn_theory import sharding

Array = jax.Array
PyTree = Any


def seed_keys(root: Array, num_seeds: int) -> Array:
    """Keys [num_seeds]; key i = fold_in(root, i), independent of num_seeds."""
    return jax.vmap(lambda i: jax.random.fold_in(root, i))(jnp.arange(num_seeds))


def grid_runs(
    root: Array, num_seeds: int, grid: Mapping[str, Sequence[float]]
) -> tuple[Array, dict[str, Array], tuple[int, ...]]:
    """Flattens a (hyperparameter grid x seeds) sweep into a run axis.

    Seed i uses the same key for every grid point (common random numbers), so grid
    differences are not seed noise.

    Returns:
      keys [G*S], hparams {name: [G*S]} and the unflattened shape (S, *grid sizes);
      use `unflatten_runs` to reshape outputs to [seed, *grid, ...].
    """
    names = list(grid)
    points = list(itertools.product(*(grid[n] for n in names)))
    keys = seed_keys(root, num_seeds)
    run_keys = jnp.tile(keys, len(points))
    hp = {
        n: jnp.repeat(jnp.asarray([p[j] for p in points], jnp.float32), num_seeds)
        for j, n in enumerate(names)
    }
    return run_keys, hp, (num_seeds, *(len(grid[n]) for n in names))


def unflatten_runs(tree: PyTree, shape: tuple[int, ...]) -> PyTree:
    """[G*S, ...] (grid-major) -> [S, *grid, ...]."""
    num_seeds, grid_shape = shape[0], shape[1:]

    def f(x):
        x = np.asarray(x).reshape(*grid_shape, num_seeds, *np.shape(x)[1:])
        return np.moveaxis(x, len(grid_shape), 0)

    return jax.tree_util.tree_map(f, tree)


@dataclasses.dataclass
class Hooks:
    """Side effects the loop may call; all optional, so `fit` stays usable as a pure call.

    on_log(record): called with a JSON-ready dict after every chunk (metrics.jsonl).
    checkpointer_factory(name): returns an object with save(step, state, history) and
      restore(like_state) (see checkpoint.NpzCheckpointer), or None.
    on_resume(name, step): called once per fit that has a checkpointer, with the step it
      starts from (0 when fresh), so a metrics writer can drop the records a killed run
      logged after its last checkpoint (they are logged again).
    progress: the experiment's progress.Progress (fit k of n, ETAs, heartbeat); by default
      each fit logs on its own.
    """

    on_log: Callable[[dict], None] | None = None
    checkpointer_factory: Callable[[str], Any] | None = None
    checkpoint_every: int = 1  # in chunks
    on_resume: Callable[[str, int], None] | None = None
    progress: progress_lib.Progress | None = None
    # Paper-scale checks (paper_figures.cost): stop every fit after max_steps steps, and
    # report each fit's compiled one-step program (memory, FLOPs, seconds per step).
    max_steps: int | None = None
    on_program: Callable[[dict], None] | None = None
    # Paper-scale compile checks: every fit compiles its initialisation (a 'call' record
    # "<name>_init") and its one-step (and step + evaluation) program at full size and
    # reports them to on_program without running them, then returns NaN params and a NaN
    # history of the right shapes (one log record), so the experiment goes on to its next
    # fit. Nothing it returns is a result.
    compile_only: bool = False
    # compile_only: programs already compiled by `call`, by (name, argument shapes), so a
    # program called many times at one shape is compiled and reported once.
    compiled_calls: dict = dataclasses.field(default_factory=dict, repr=False)
    # compile_only within a time budget (the slow-tier probes): once compiling has taken
    # compile_budget_s seconds, later programs are only traced at full size (jax.eval_shape:
    # every shape and dtype checked; no XLA compile, no memory figures, no record).
    # compile_stats counts {"seconds", "compiled", "traced"} over the whole run (shared by
    # the hooks of a fit's groups).
    compile_budget_s: float | None = None
    compile_stats: dict = dataclasses.field(
        default_factory=lambda: {"seconds": 0.0, "compiled": 0, "traced": 0}, repr=False
    )
    # Memory: train at most this many runs in one program; a fit with more runs trains them
    # group after group (one compile when the groups are equal). Results are identical, since
    # runs are independent; each group has its own checkpoint "<name>.runs<a>-<b>".
    max_runs_per_program: int | None = None
    # Set by `fit` on the hooks of each group: (group k, of n, the fit's own name).
    run_group: tuple[int, int, str] | None = None


def jit_chunk(
    length: int,
    sample_fn: Callable[[Array, dict], Any],
    loss_fn: Callable[[PyTree, Any, dict], tuple[Array, dict]],
    optimizer_fn: Callable[[dict], optax.GradientTransformation],
    log_fn: Callable[[PyTree, dict], dict] | None = None,
) -> Callable:
    """The jitted program `fit` runs: `length` scanned training steps of every run.

    Arguments as in `fit`. Returns
      chunk(params, opt_state, keys, hp, start_step, shared_data_key)
        -> (params, opt_state, metrics)
    with a leading run axis [R] on params, opt_state, keys, hp values and metrics (the mean
    over the chunk's steps, plus log_fn's values at its end). The start step is a traced
    scalar, so every chunk of the same length shares one compilation. With a shared data key
    (not None) the key is not vmapped, so a sampler that ignores its hp argument is traced
    once per step for all runs, not once per run. Used by fit and by
    benchmarks/icl_steps_per_second.py.
    """

    def one_run(params, opt_state, key, hp, start, shared_data_key):
        data_key = jax.random.split(key)[1] if shared_data_key is None else shared_data_key
        opt = optimizer_fn(hp)

        def body(carry, step):
            params, opt_state = carry
            batch = sample_fn(jax.random.fold_in(data_key, step), hp)
            (loss, aux), grads = jax.value_and_grad(loss_fn, has_aux=True)(params, batch, hp)
            updates, opt_state = opt.update(grads, opt_state, params)
            params = optax.apply_updates(params, updates)
            return (params, opt_state), {"loss": loss, **aux}

        (params, opt_state), metrics = jax.lax.scan(
            body, (params, opt_state), start + jnp.arange(length)
        )
        metrics = jax.tree_util.tree_map(lambda m: jnp.mean(m, 0), metrics)
        if log_fn is not None:
            metrics.update(log_fn(params, hp))
        return params, opt_state, metrics

    return jax.jit(jax.vmap(one_run, in_axes=(0, 0, 0, 0, None, None)))


def fit(
    keys: Array,
    *,
    init_fn: Callable[[Array, dict], PyTree],
    loss_fn: Callable[[PyTree, Any, dict], tuple[Array, dict]],
    sample_fn: Callable[[Array, dict], Any],
    optimizer_fn: Callable[[dict], optax.GradientTransformation],
    num_steps: int,
    log_every: int,
    hparams: Mapping[str, Array] | None = None,
    log_fn: Callable[[PyTree, dict], dict] | None = None,
    name: str = "train",
    hooks: Hooks | None = None,
    mesh=None,
    shared_data_key: Array | None = None,
) -> tuple[PyTree, dict[str, np.ndarray]]:
    """Trains one model per run key, all runs in one jitted, vmapped, sharded program.

    Args:
      keys: typed keys [R], one per run.
      init_fn: (init_key, hp) -> params.
      loss_fn: (params, batch, hp) -> (scalar loss, dict of scalar metrics).
      sample_fn: (key, hp) -> batch; called inside the scan body for every step.
      optimizer_fn: hp -> optax transformation (built inside the trace, so hyperparameters
        such as the learning rate may be traced per-run values).
      num_steps, log_every: total steps and steps per compiled chunk / log record.
      hparams: {name: [R]} per-run hyperparameters (default none).
      log_fn: (params, hp) -> dict of extra per-run metrics evaluated at each log step.
      name: label for logs, metrics records and the checkpoint file (unique per experiment).
      hooks: metrics streaming and checkpoint/resume (see Hooks).
      mesh: defaults to sharding.run_mesh(R).
      shared_data_key: None (default): run r draws its batches from keys[r], so seeds are
        independent in data and initialisation. A key: every run sees the same batch
        sequence (common random numbers; runs differ by initialisation and hparams only),
        and a sampler that ignores hp is evaluated once per step instead of once per run,
        which is most of the cost of small models on CPU (benchmarks/icl_steps_per_second).

    Returns:
      params with a leading [R] axis (host numpy), and history {metric: [R, num_logs]}
      plus 'step' [num_logs].

    Raises:
      FloatingPointError: when a loss becomes NaN/Inf; the message names the step.
    """
    if num_steps < 1 or log_every < 1:
        raise ValueError(f"num_steps and log_every must be >= 1, got {num_steps}, {log_every}")
    hooks = hooks or Hooks()
    num_runs = keys.shape[0]
    group = hooks.max_runs_per_program
    if group is not None and 0 < group < num_runs:
        return _fit_in_groups(
            group, keys, init_fn=init_fn, loss_fn=loss_fn, sample_fn=sample_fn,
            optimizer_fn=optimizer_fn, num_steps=num_steps, log_every=log_every,
            hparams=hparams, log_fn=log_fn, name=name, hooks=hooks, mesh=mesh,
            shared_data_key=shared_data_key,
        )  # fmt: skip
    hp = {k: jnp.asarray(v) for k, v in (hparams or {}).items()}
    mesh = mesh or sharding.run_mesh(num_runs)

    def init_one(key, hp_):
        init_key, _ = jax.random.split(key)
        params = init_fn(init_key, hp_)
        return params, optimizer_fn(hp_).init(params)

    # Initialisation runs on one device, then is placed like the chunks' outputs (run axis
    # over 'data'), so every chunk of one length runs the one program compiled for the
    # first. (Sharded over 2 XLA CPU devices, an init with LAPACK SVDs inside a vmap, the
    # mimetic attention init, deadlocked: jax 0.10.2, tests/mixers_test.py.)
    init_program = jax.jit(jax.vmap(init_one))
    if hooks.compile_only:  # compiled, not run: the programs below see its output shapes
        _compile_call(init_program, (keys, hp), hooks, f"{name}_init")
        params, opt_state = sharding.abstract_runs(jax.eval_shape(init_program, keys, hp), mesh)
    else:
        params, opt_state = sharding.shard_runs(sharding.gather(init_program(keys, hp)), mesh)
    keys, hp = sharding.shard_runs((keys, hp), mesh)
    history: dict[str, list] = {}
    step = 0
    ckpt = hooks.checkpointer_factory(name) if hooks.checkpointer_factory else None
    if ckpt is not None:
        restored = ckpt.restore((params, opt_state))
        if restored is not None:
            step, (params, opt_state), hist = restored
            params, opt_state = sharding.shard_runs((params, opt_state), mesh)
            history = {
                k: list(np.moveaxis(v, -1, 0)) if k != "step" else list(v) for k, v in hist.items()
            }
        if hooks.on_resume is not None:
            hooks.on_resume(name, step)
    progress = hooks.progress or progress_lib.Progress()
    if hooks.run_group is None:
        progress.begin_fit(name, num_steps, step, log_every)
    else:
        k, n, base = hooks.run_group
        progress.begin_fit(base, num_steps, step, log_every, group=(k, n))

    if hooks.on_program is not None or hooks.compile_only:
        args = (params, opt_state, keys, hp, step, shared_data_key)
        info = dict(name=name, num_steps=num_steps, log_every=log_every, num_runs=num_runs)
        run = not hooks.compile_only
        step_fn = jit_chunk(1, sample_fn, loss_fn, optimizer_fn, None)
        # One step plus the evaluation run at every log.
        log_chunk = jit_chunk(1, sample_fn, loss_fn, optimizer_fn, log_fn) if log_fn else None
        if _past_compile_budget(hooks):  # traced at full size (the eval_shape below; the
            hooks.compile_stats["traced"] += 1  # step+evaluation program holds the step)
        else:
            rec = program_cost(step_fn, args, execute=run, **info)
            if log_chunk is not None:
                rec["log"] = program_cost(log_chunk, args, execute=run)
            _count_compiled(hooks, rec, rec.get("log"))
            if hooks.on_program is not None:
                hooks.on_program(rec)
            for what, r in (("one step", rec), ("one step with its evaluation", rec.get("log"))):
                if r is not None and "error" in r:
                    raise MemoryError(f"[{name}] compiled, but {what} does not fit in this "
                                      f"device's memory: {r['error']}")  # fmt: skip
        if hooks.compile_only:
            metrics = jax.eval_shape(log_chunk or step_fn, *args)[2]
            history = {"step": np.array([num_steps])}
            history.update({k: np.full((*v.shape, 1), np.nan, np.float32)
                            for k, v in metrics.items()})  # fmt: skip
            return _blank(params), history
    # A capped fit (hooks.max_steps, paper-scale probes) stops early; its history is short.
    stop = num_steps if hooks.max_steps is None else min(num_steps, step + hooks.max_steps)
    chunks: dict[int, Callable] = {}
    n_chunk = 0
    while step < stop:
        length = min(log_every, stop - step)
        args = (params, opt_state, keys, hp, step, shared_data_key)
        if length not in chunks:
            progress.compiling(length)
            t = time.perf_counter()
            chunks[length] = _compiled(
                jit_chunk(length, sample_fn, loss_fn, optimizer_fn, log_fn), args
            )
            progress.compiled(length, time.perf_counter() - t)
        t = time.perf_counter()
        params, opt_state, metrics = chunks[length](*args)
        metrics = sharding.gather(metrics)  # blocks until the chunk is done
        seconds = time.perf_counter() - t
        step += length
        n_chunk += 1
        loss = np.asarray(metrics["loss"])
        if not np.all(np.isfinite(loss)):
            bad = np.flatnonzero(~np.isfinite(loss)).tolist()
            raise FloatingPointError(
                f"[{name}] non-finite loss in the chunk ending at step {step} (runs {bad})"
            )
        history.setdefault("step", []).append(step)
        for k, v in metrics.items():
            history.setdefault(k, []).append(np.asarray(v))
        timing = progress.chunk(step, seconds, float(np.mean(loss)))
        if hooks.on_log is not None:
            hooks.on_log(_record(name, step, metrics, timing))
        if ckpt is not None and (n_chunk % hooks.checkpoint_every == 0 or step == num_steps):
            ckpt.save(step, sharding.gather((params, opt_state)), _stack(history))
    progress.end_fit()
    return sharding.gather(params), _stack(history)


def call(fn: Callable, *args, hooks: Hooks | None = None, name: str = "call"):
    """`jax.jit(fn)(*args)` fetched to host numpy: how a run executes a program outside `fit`
    (final evaluation, ablations, theory Monte Carlo), so a compile-only probe
    (Hooks.compile_only) compiles it at the paper's shapes without running it. Then the
    compiled program is reported to hooks.on_program (kind 'call': memory, FLOPs) and the
    outputs are arrays of their shapes and dtypes, NaN (floats) or 0, not results. A
    program called again at the same shapes (same `name`) is compiled once; its record
    counts the calls. `fn` may already be jitted."""
    jitted = fn if hasattr(fn, "lower") else jax.jit(fn)
    if hooks is None or not hooks.compile_only:
        return jax.device_get(jitted(*args))
    leaves, tree = jax.tree_util.tree_flatten(args)
    sig = (name, str(tree), tuple((np.shape(x), str(jnp.result_type(x))) for x in leaves))
    if sig in hooks.compiled_calls:
        hooks.compiled_calls[sig]["calls"] += 1
    else:
        rec = _compile_call(jitted, args, hooks, name)
        if rec is not None:  # the same dict: later calls at these shapes count in it
            hooks.compiled_calls[sig] = rec
    return _blank(jax.eval_shape(jitted, *args))


def compiling_only(hooks: Hooks | None) -> bool:
    """True in a compile-only probe: arrays are placeholders, so host-side work on them (a
    float64 reference, a NumPy solve) can be skipped and its result left NaN."""
    return hooks is not None and hooks.compile_only


def _compile_call(jitted, args, hooks: Hooks, name: str) -> dict | None:
    """compile_only: compiles a call program and reports its record (kind 'call') while the
    compile budget lasts; past it, counts it as traced (the caller's eval_shape traces it)."""
    if _past_compile_budget(hooks):
        hooks.compile_stats["traced"] += 1
        return None
    rec = program_cost(jitted, args, execute=False, name=name, kind="call", calls=1)
    _count_compiled(hooks, rec)
    if hooks.on_program is not None:
        hooks.on_program(rec)
    return rec


def _past_compile_budget(hooks: Hooks) -> bool:
    """compile_only with a compile budget that is spent: trace programs, do not compile."""
    budget = hooks.compile_budget_s
    return hooks.compile_only and budget is not None and hooks.compile_stats["seconds"] >= budget


def _count_compiled(hooks: Hooks, *records: dict | None) -> None:
    for rec in records:
        if rec is not None:
            hooks.compile_stats["seconds"] += rec["compile_s"]
            hooks.compile_stats["compiled"] += 1


def _blank(shapes):
    """Host arrays of the shapes and dtypes of a tree of shape structs: NaN (floats) or 0.
    Read-only views of one element (np.broadcast_to), so a paper-size placeholder costs no
    memory and no time to fill (filling them took minutes in the compile-only probes)."""

    def blank(s):
        fill = np.nan if jnp.issubdtype(s.dtype, jnp.inexact) else 0
        return np.broadcast_to(np.asarray(fill, s.dtype), s.shape)

    return jax.tree_util.tree_map(blank, shapes)


def run_groups(num_runs: int, max_runs: int) -> list[tuple[int, int]]:
    """[start, stop) of the groups of at most max_runs runs that `fit` trains in turn,
    as equal as possible (one compile when max_runs divides num_runs)."""
    if max_runs < 1:
        raise ValueError(f"max_runs_per_program must be >= 1, got {max_runs}")
    n = -(-num_runs // max_runs)
    bounds = [round(i * num_runs / n) for i in range(n + 1)]
    return list(zip(bounds[:-1], bounds[1:], strict=True))


def _group_record(report, name: str, num_groups: int, total_runs: int, rec: dict) -> None:
    """Reports a group's program for the whole fit: the count of groups (whose programs are
    the first one's, resized), or, for a compile-only init, the count of its calls."""
    if rec.get("kind") == "call":
        return report(dict(rec, name=f"{name}_init", calls=num_groups))
    return report(dict(rec, name=name, num_groups=num_groups, total_runs=total_runs))


def _fit_in_groups(
    max_runs: int, keys: Array, *, hparams, hooks: Hooks, mesh, name: str, **kwargs
) -> tuple[PyTree, dict[str, np.ndarray]]:
    """`fit` over consecutive groups of runs; params and histories concatenated on the run
    axis (identical to one program: runs share nothing but the data key, if given)."""
    groups = run_groups(keys.shape[0], max_runs)
    hp = {k: np.asarray(v) for k, v in (hparams or {}).items()}
    params_out, hists = [], []
    for i, (a, b) in enumerate(groups):
        # The first group's programs stand for all (cost reports scale them by the count).
        on_program = None
        if hooks.on_program is not None and i == 0:
            on_program = functools.partial(_group_record, hooks.on_program, name, len(groups),
                                           keys.shape[0])  # fmt: skip
        if hooks.compile_only and i > 0:  # the first group's program stands for all
            params_out.append(
                jax.tree_util.tree_map(
                    lambda x, n=b - a: np.resize(x, (n, *x.shape[1:])), params_out[0]
                )
            )
            hists.append({k: v if k == "step" else np.resize(v, (b - a, *v.shape[1:]))
                          for k, v in hists[0].items()})  # fmt: skip
            continue
        sub = dataclasses.replace(hooks, max_runs_per_program=None, on_program=on_program,
                                  run_group=(i + 1, len(groups), name))  # fmt: skip
        p, h = fit(
            keys[a:b],
            hparams={k: v[a:b] for k, v in hp.items()},
            hooks=sub,
            mesh=mesh,
            name=f"{name}.runs{a}-{b - 1}",
            **kwargs,
        )
        params_out.append(p)
        hists.append(h)
    params = jax.tree_util.tree_map(lambda *xs: np.concatenate(xs, 0), *params_out)
    history = {k: (hists[0][k] if k == "step" else np.concatenate([h[k] for h in hists], 0))
               for k in hists[0]}  # fmt: skip
    return params, history


def program_cost(jitted, args, *, repeats: int = 3, execute: bool = True, **info) -> dict:
    """Compiles `jitted` at the shapes of `args` and measures it (one record of a cost report).

    Returns `info` plus compile seconds, memory_analysis() bytes (arguments, outputs, temp,
    generated code), cost_analysis() FLOPs and bytes accessed, and the median wall seconds
    of up to `repeats` executions after compilation (fewer once one second is spent; outputs
    discarded; None, with `error`, when the program compiles but runs out of memory here).
    For a one-step training chunk these are per-step numbers (XLA counts a loop body once).
    With execute=False the program is only compiled (seconds_per_call None, no `error`).
    """
    t0 = time.perf_counter()
    compiled = jitted.lower(*args).compile()
    rec = dict(info, compile_s=time.perf_counter() - t0)
    mem = compiled.memory_analysis()
    for field in ("argument", "output", "temp", "generated_code"):
        rec[f"{field}_bytes"] = int(getattr(mem, f"{field}_size_in_bytes", 0) or 0)
    cost = compiled.cost_analysis()
    cost = cost[0] if isinstance(cost, list | tuple) else (cost or {})
    rec["flops"] = float(cost.get("flops", 0.0))
    rec["bytes_accessed"] = float(cost.get("bytes accessed", 0.0))
    if not execute:
        rec["seconds_per_call"] = None
        return rec
    times: list[float] = []
    try:  # up to `repeats` runs, fewer once a second is spent (large paper-size programs)
        while len(times) < repeats and sum(times) < 1.0:
            t = time.perf_counter()
            jax.block_until_ready(compiled(*args))
            times.append(time.perf_counter() - t)
    except jax.errors.JaxRuntimeError as e:  # compiled, but too large to run here
        if "RESOURCE_EXHAUSTED" not in str(e):
            raise
        rec["seconds_per_call"], rec["error"] = None, str(e).splitlines()[0][:300]
        return rec
    rec["seconds_per_call"] = float(np.median(times))
    return rec


def _compiled(fn, args):
    """Ahead-of-time compiles `fn` for `args`, so compile time is measured apart from the
    first chunk's run time (eager under jax.disable_jit, as the tests use)."""
    if jax.config.jax_disable_jit:
        return fn
    compiled = fn.lower(*args).compile()

    def call(*a):
        try:
            return compiled(*a)
        except ValueError:  # arguments placed unlike the first call's: let jit recompile
            return fn(*a)

    return call


def _stack(history: dict[str, list]) -> dict[str, np.ndarray]:
    # Metrics are [num_logs, R, ...] while stacking; store them run-major: [R, ..., num_logs].
    out = {}
    for k, v in history.items():
        arr = np.stack([np.asarray(x) for x in v])
        out[k] = arr if k == "step" else np.moveaxis(arr, 0, -1)
    return out


def _record(name, step, metrics, timing) -> dict:
    rec = {"run": name, "step": int(step)}
    rec.update({k: float(v) if np.isfinite(v) else None for k, v in timing.items()})
    for k, v in metrics.items():
        v = np.asarray(v, np.float64)
        rec[k] = v.tolist()  # per run (and per head etc. for multi-dimensional metrics)
        if v.ndim == 1:
            rec[k + "_mean"] = float(np.mean(v))
    return rec
