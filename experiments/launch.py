"""The shared launcher: flags -> config -> workdir -> run -> save -> claims -> plot.

Every experiment is a package `experiments/<stem>/`:
  __init__.py   EXPERIMENT = launch.Experiment(...), the contract below, stated explicitly
  __main__.py   launch.cli("<stem>"), so `python -m experiments.<stem> --config=...` works
  run.py        run(cfg, key, hooks=None) -> dict of arrays ([seed] axis first, except
                `const_*` arrays) and validate(cfg) with the cross-field rules
  claims.py     claims(results, cfg) -> {name: results.Claim}, from saved results only
  plots.py      plot(results, cfg) -> {name: matplotlib Figure}, from saved results only
and its schema and presets in `configs/<stem>.py` (`Config`, `PRESETS`, `get_config`).
`load(stem)` imports the package and checks that it provides an `Experiment`.
"""

from __future__ import annotations

import dataclasses
import importlib
import json
import os
import time
import types
from collections.abc import Callable, Mapping
from typing import Any

import jax
from absl import app, flags, logging

from attn_theory import results as results_lib
from attn_theory import sharding, train, validation


@dataclasses.dataclass(frozen=True)
class Experiment:
    """The launcher contract of one experiment package.

    Attributes:
      name: the stem (experiments/<name>/, configs/<name>.py).
      config: the configs/<name>.py module: `Config` (frozen dataclass schema), `PRESETS`
        ({name: Config -> Config}) and `get_config(arg) -> ConfigDict`.
      run: run(cfg, key, hooks=None) -> {name: array}.
      claims: claims(results, cfg) -> {name: Claim}; reads results only.
      plot: plot(results, cfg) -> {name: Figure}; reads results only.
      validate: cross-field rules, validate(cfg) raising validation.ConfigError; per-field
        bounds are declared in the schema and checked before it.
    """

    name: str
    config: types.ModuleType
    run: Callable[..., Mapping[str, Any]]
    claims: Callable[[Mapping[str, Any], Any], Mapping[str, results_lib.Claim]]
    plot: Callable[[Mapping[str, Any], Any], Mapping[str, Any]]
    validate: Callable[[Any], None] = lambda cfg: None

    def __post_init__(self):
        for attr in ("Config", "PRESETS", "get_config"):
            if not hasattr(self.config, attr):
                raise TypeError(f"experiment {self.name}: configs module lacks {attr}")
        if not dataclasses.is_dataclass(self.config.Config):
            raise TypeError(f"experiment {self.name}: Config must be a frozen dataclass")


def load(stem: str) -> Experiment:
    """Imports experiments.<stem> and returns its checked EXPERIMENT."""
    module = importlib.import_module(f"experiments.{stem}")
    exp = getattr(module, "EXPERIMENT", None)
    if not isinstance(exp, Experiment):
        raise TypeError(f"experiments.{stem} must define EXPERIMENT = launch.Experiment(...)")
    if exp.name != stem:
        raise TypeError(f"experiments.{stem}: EXPERIMENT.name is {exp.name!r}")
    return exp


def _as_experiment(experiment: Experiment | str) -> Experiment:
    return load(experiment) if isinstance(experiment, str) else experiment


def build_config(experiment: Experiment | str, config: Mapping[str, Any] | Any):
    """ConfigDict or dict -> the experiment's frozen Config, every field checked.

    Raises:
      validation.ConfigError: naming the first bad field.
    """
    exp = _as_experiment(experiment)
    as_dict = config.to_dict() if hasattr(config, "to_dict") else dict(config)
    cfg = validation.from_dict(exp.config.Config, as_dict)
    validation.check_schema(cfg)
    exp.validate(cfg)
    return cfg


def execute(
    experiment: Experiment | str,
    config,
    workdir: str,
    *,
    make_plots: bool = True,
    keep_stale: bool = False,
) -> dict:
    """Runs one experiment end to end and writes the workdir contract; returns the summary.

    A workdir holding checkpoints of a different config is refused (ConfigError), or with
    keep_stale=True renamed to `<workdir>.previous-<time>` so the run starts fresh.
    """
    exp = _as_experiment(experiment)
    cfg = build_config(exp, config)
    config_json = validation.json_ready(validation.to_dict(cfg))
    changed = _stale_sections(workdir, config_json)
    if changed and keep_stale:
        kept = f"{workdir}.previous-{time.strftime('%Y%m%d-%H%M%S')}"
        os.rename(workdir, kept)
        logging.info("%s: config changed %s; old workdir kept: %s", exp.name, changed, kept)
    elif changed:
        raise validation.ConfigError(
            f"workdir {workdir} holds checkpoints of a different config (sections {changed} "
            "differ); use a fresh --workdir or delete it"
        )
    wd = results_lib.Workdir(workdir)
    wd.write_config(config_json)
    logging.info("%s: workdir %s, devices %s", exp.name, workdir, jax.devices())
    hooks = train.Hooks(
        on_log=wd.append_metrics,
        checkpointer_factory=wd.checkpointer,
        checkpoint_every=getattr(cfg, "checkpoint_every", 1),
    )
    t0 = time.time()
    out = exp.run(cfg, jax.random.key(cfg.seed), hooks=hooks)
    out = {k: jax.device_get(v) for k, v in out.items()}
    wall = time.time() - t0
    wd.save_results(out)
    claims = exp.claims(out, cfg)
    summary = wd.write_summary(out, claims, wall_time_s=wall, extra={"experiment": exp.name})
    for name, c in claims.items():
        logging.info("%s claim %-28s %s", exp.name, name, c.describe())
    if make_plots:
        wd.save_figures(exp.plot(out, cfg))
    return summary


def _stale_sections(workdir: str, config_json: dict) -> list[str]:
    """Config sections in which `workdir`'s checkpointed run differs from `config_json`.

    Empty when the workdir is new, holds no checkpoints, or was written by the same config
    (so `execute` may resume it). `execute` refuses a non-empty answer.
    """
    path = os.path.join(workdir, "config.json")
    if not (os.path.exists(path) and os.path.isdir(os.path.join(workdir, "checkpoints"))):
        return []
    with open(path) as f:
        old = json.load(f)
    return sorted(k for k in set(old) | set(config_json) if old.get(k) != config_json.get(k))


def _define_flags():
    from ml_collections import config_flags

    config_flags.DEFINE_config_file(
        "config", None, "Path to configs/<stem>.py[:preset]", lock_config=True
    )
    flags.DEFINE_string("workdir", None, "Output directory (created).", required=True)
    flags.DEFINE_bool("plot", True, "Draw figures after the run.")
    flags.DEFINE_string(
        "coordinator_address",
        None,
        "host:port of process 0, for multi-host runs (jax.distributed).",
    )
    flags.DEFINE_integer(
        "host_devices",
        os.cpu_count() or 1,
        "XLA CPU devices to expose (CPU runs; default: one per core) so that the seed axis "
        "is sharded over every core. Ignored on GPU/TPU, in multi-process runs and when "
        "XLA_FLAGS sets it.",
    )
    flags.DEFINE_integer("num_processes", None, "Number of processes in a multi-host run.")
    flags.DEFINE_integer("process_id", None, "This process's index in a multi-host run.")


def maybe_initialize_distributed(coordinator_address, num_processes, process_id) -> None:
    """Calls jax.distributed.initialize when a coordinator is given (before any JAX use)."""
    if coordinator_address:
        if jax.config.jax_platforms in (None, "", "cpu"):
            # CPU collectives across processes need gloo (the default is none).
            jax.config.update("jax_cpu_collectives_implementation", "gloo")
        jax.distributed.initialize(
            coordinator_address=coordinator_address,
            num_processes=num_processes,
            process_id=process_id,
        )


def cli(stem: str) -> None:
    """absl entry point for `python -m experiments.<stem> --config=... --workdir=...`."""
    _define_flags()

    def main(argv):
        if len(argv) > 1:
            raise app.UsageError(f"unexpected arguments: {argv[1:]}")
        f = flags.FLAGS
        if not f.num_processes:  # multi-process CPU runs keep one device per process
            sharding.set_host_device_count(f.host_devices)
        maybe_initialize_distributed(f.coordinator_address, f.num_processes, f.process_id)
        exp = load(stem)
        summary = execute(exp, f.config, f.workdir, make_plots=f.plot)
        passed = sum(c["passed"] for c in summary["claims"].values())
        logging.info(
            "%s: %d/%d claims passed; wrote %s",
            exp.name,
            passed,
            len(summary["claims"]),
            f.workdir,
        )

    app.run(main)
