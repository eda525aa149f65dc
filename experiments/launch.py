"""The shared launcher: flags -> config -> workdir -> run -> save -> claims -> plot.

Every experiment module `experiments/<stem>.py` provides:
  NAME: str
  Config: a frozen dataclass (nested sections) built from the ml_collections config
  validate(cfg) -> None: raises validation.ConfigError naming the bad field
  run(cfg, key, hooks=None) -> dict[str, array], every array with a leading [seed] axis
  claims(results, cfg) -> dict[str, results.Claim]
  plot(results, cfg) -> dict[str, matplotlib Figure]
and ends with `if __name__ == "__main__": launch.cli(__name__)`.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import time
from collections.abc import Mapping
from typing import Any

import jax
from absl import app, flags, logging

from attn_theory import results as results_lib
from attn_theory import sharding, train, validation


def build_config(module, config: Mapping[str, Any] | Any):
    """ConfigDict or dict -> the module's validated frozen Config."""
    as_dict = config.to_dict() if hasattr(config, "to_dict") else dict(config)
    cfg = validation.from_dict(module.Config, as_dict)
    module.validate(cfg)
    return cfg


def execute(
    module, config, workdir: str, *, make_plots: bool = True, keep_stale: bool = False
) -> dict:
    """Runs one experiment end to end and writes the workdir contract; returns the summary.

    A workdir holding checkpoints of a different config is refused (ConfigError), or with
    keep_stale=True renamed to `<workdir>.previous-<time>` so the run starts fresh.
    """
    cfg = build_config(module, config)
    config_json = validation.json_ready(validation.to_dict(cfg))
    changed = _stale_sections(workdir, config_json)
    if changed and keep_stale:
        kept = f"{workdir}.previous-{time.strftime('%Y%m%d-%H%M%S')}"
        os.rename(workdir, kept)
        logging.info("%s: config changed %s; old workdir kept: %s", module.NAME, changed, kept)
    elif changed:
        raise validation.ConfigError(
            f"workdir {workdir} holds checkpoints of a different config (sections {changed} "
            "differ); use a fresh --workdir or delete it"
        )
    wd = results_lib.Workdir(workdir)
    wd.write_config(config_json)
    logging.info("%s: workdir %s, devices %s", module.NAME, workdir, jax.devices())
    hooks = train.Hooks(
        on_log=wd.append_metrics,
        checkpointer_factory=wd.checkpointer,
        checkpoint_every=getattr(cfg, "checkpoint_every", 1),
    )
    t0 = time.time()
    out = module.run(cfg, jax.random.key(cfg.seed), hooks=hooks)
    out = {k: jax.device_get(v) for k, v in out.items()}
    wall = time.time() - t0
    wd.save_results(out)
    claims = module.claims(out, cfg)
    summary = wd.write_summary(out, claims, wall_time_s=wall, extra={"experiment": module.NAME})
    for name, c in claims.items():
        logging.info(
            "claim %-28s %s value=%s bound=%s",
            name,
            "PASS" if c.passed else "FAIL",
            c.value,
            c.bound,
        )
    if make_plots:
        wd.save_figures(module.plot(out, cfg))
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


def cli(module_name: str) -> None:
    """absl entry point for `python -m experiments.<stem> --config=... --workdir=...`."""
    _define_flags()

    def main(argv):
        if len(argv) > 1:
            raise app.UsageError(f"unexpected arguments: {argv[1:]}")
        f = flags.FLAGS
        if not f.num_processes:  # multi-process CPU runs keep one device per process
            sharding.set_host_device_count(f.host_devices)
        maybe_initialize_distributed(f.coordinator_address, f.num_processes, f.process_id)
        module = importlib.import_module(
            module_name if module_name != "__main__" else sys.modules["__main__"].__spec__.name
        )
        summary = execute(module, f.config, f.workdir, make_plots=f.plot)
        passed = sum(c["passed"] for c in summary["claims"].values())
        logging.info(
            "%s: %d/%d claims passed; wrote %s",
            module.NAME,
            passed,
            len(summary["claims"]),
            f.workdir,
        )

    app.run(main)
