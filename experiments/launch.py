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
import importlib.util
import json
import os
import re
import sys
import time
import types
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import jax
import matplotlib
from absl import app, flags, logging
from ml_collections import config_flags

from attn_theory import checkpoint, sharding, train, validation
from attn_theory import progress as progress_lib
from attn_theory import results as results_lib
from configs import common


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
      fits: optional fits(cfg) -> [(name, num_steps), ...], the `train.fit` calls run()
        will make, in order; with it every progress line says "fit k/n" and gives the ETA
        of all remaining fits.
    """

    name: str
    config: types.ModuleType
    run: Callable[..., Mapping[str, Any]]
    claims: Callable[[Mapping[str, Any], Any], Mapping[str, results_lib.Claim]]
    plot: Callable[[Mapping[str, Any], Any], Mapping[str, Any]]
    validate: Callable[[Any], None] = lambda cfg: None
    fits: Callable[[Any], Sequence[tuple[str, int]]] | None = None

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
    tensorboard: bool = False,
    max_runs_per_program: int | None = None,
) -> dict:
    """Runs one experiment end to end and writes the workdir contract; returns the summary.

    A workdir holding checkpoints of a different config is refused (ConfigError), or with
    keep_stale=True renamed to `<workdir>.previous-<time>` so the run starts fresh.
    tensorboard=True also writes the metrics as TensorBoard scalars (workdir/tensorboard).
    max_runs_per_program: train at most this many runs (seeds x grid) in one program, the
    rest group after group (train.Hooks; same results, less device memory).
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
    wd = results_lib.Workdir(workdir, tensorboard=tensorboard)
    wd.write_config(config_json)
    logging.info("%s: workdir %s, devices %s", exp.name, workdir, jax.devices())
    logging.info("%s: resolved config\n%s", exp.name, format_config(config_json))
    plan = exp.fits(cfg) if exp.fits else None
    progress = progress_lib.Progress(
        exp.name, plan=plan, reference=timing_reference(exp.name, plan)
    )
    hooks = train.Hooks(
        on_log=wd.append_metrics,
        checkpointer_factory=wd.checkpointer,
        checkpoint_every=getattr(cfg, "checkpoint_every", 1),
        on_resume=wd.truncate_metrics,
        progress=progress,
        max_runs_per_program=max_runs_per_program or None,
    )
    t0 = time.time()
    with progress.heartbeat():
        out = exp.run(cfg, jax.random.key(cfg.seed), hooks=hooks)
        with progress.phase("saving results"):
            out = {k: jax.device_get(v) for k, v in out.items()}
            wall = time.time() - t0
            wd.save_results(out)
        progress.results_saved()
        with progress.phase("checking claims"):
            claims = exp.claims(out, cfg)
        extra = {"experiment": exp.name, "timing": progress.timings()}
        summary = wd.write_summary(out, claims, wall_time_s=wall, extra=extra)
        for name, c in claims.items():
            logging.info("%s claim %-28s %s", exp.name, name, c.describe())
        if make_plots:
            with progress.phase("drawing figures"):
                wd.save_figures(exp.plot(out, cfg))
    return summary


TIMING_PROFILES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "timing_profiles.json")


def timing_reference(stem: str, plan: Sequence[tuple[str, int]] | None) -> dict | None:
    """The committed timing profile (experiments/timing_profiles.json, written by
    `python -m paper_figures.timing_profiles`) of an earlier run of exactly this plan of
    fits, for the experiment ETA (attn_theory.progress); None when there is none."""
    if not plan or not os.path.exists(TIMING_PROFILES):
        return None
    with open(TIMING_PROFILES) as f:
        profiles = json.load(f).get("profiles", {}).get(stem, [])
    want = [tuple(p) for p in plan]
    return next((p for p in profiles if progress_lib.plan_of(p) == want), None)


def format_config(config_json: Mapping[str, Any], prefix: str = "") -> str:
    """'  a.b = value' lines, one per leaf field, in declaration order."""
    lines = []
    for k, v in config_json.items():
        if isinstance(v, Mapping):
            lines.append(format_config(v, f"{prefix}{k}."))
        else:
            lines.append(f"  {prefix}{k} = {v!r}")
    return "\n".join(lines)


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


class CliError(Exception):
    """A bad flag or config value; `cli` prints it as one line, without a traceback."""


_FLAG_NAMES = ("config", "workdir", "print_config", "plot", "tensorboard", "host_devices",
               "max_runs_per_program", "coordinator_address", "num_processes",
               "process_id")  # fmt: skip


def define_flags(flag_values: flags.FlagValues = flags.FLAGS) -> None:
    """Defines the launcher's flags on `flag_values` (tests pass a fresh FlagValues)."""
    fv = flag_values
    config_flags.DEFINE_config_file(
        "config",
        None,
        "configs/<stem>.py:PRESET[,a.b=v,...] (required). Single fields: --config.a.b=v.",
        lock_config=True,
        flag_values=fv,
    )
    flags.mark_flag_as_required("config", flag_values=fv)
    flags.DEFINE_string(
        "workdir",
        None,
        "Output directory, created; rerunning on it resumes from its checkpoints. Required "
        "unless --print_config. Multi-host runs: a path on a filesystem every host sees.",
        flag_values=fv,
    )
    flags.DEFINE_bool("print_config", False,
                      "Print every config field (value, default, bounds, doc) and exit.",
                      flag_values=fv)  # fmt: skip
    flags.DEFINE_bool("plot", True, "Draw figures after the run.", flag_values=fv)
    flags.DEFINE_bool(
        "tensorboard",
        False,
        "Also write the metrics as TensorBoard event files to WORKDIR/tensorboard (needs "
        "tensorboardX: pip install -e '.[tb]'); view with tensorboard --logdir=WORKDIR.",
        flag_values=fv,
    )
    flags.DEFINE_integer(
        "host_devices",
        os.cpu_count() or 1,
        "XLA CPU devices to expose (CPU runs; default: one per core) so that the seed axis "
        "is sharded over every core. Ignored on GPU/TPU, in multi-process runs and when "
        "XLA_FLAGS sets it.",
        lower_bound=1,
        flag_values=fv,
    )
    flags.DEFINE_integer(
        "max_runs_per_program",
        0,
        "Train at most this many runs (seeds x grid points) in one compiled program and the "
        "rest group after group: same results, less device memory (0: all at once). "
        "paper_figures/PAPER_SCALE.md gives the value each paper preset needs on one GPU.",
        lower_bound=0,
        flag_values=fv,
    )
    flags.DEFINE_string(
        "coordinator_address",
        None,
        "Multi-host runs (jax.distributed): host:port of process 0, with --num_processes and "
        "--process_id; or 'auto' to let JAX detect the cluster (TPU slices, Slurm, ...).",
        flag_values=fv,
    )
    flags.DEFINE_integer("num_processes", None, "Number of processes in a multi-host run.",
                         lower_bound=1, flag_values=fv)  # fmt: skip
    flags.DEFINE_integer("process_id", None, "This process's index in a multi-host run.",
                         lower_bound=0, flag_values=fv)  # fmt: skip
    flags.register_multi_flags_validator(
        ["workdir", "print_config"],
        lambda d: bool(d["workdir"]) or d["print_config"],
        message="--workdir is required (the output directory)",
        flag_values=fv,
    )


def parse_flags(stem: str, argv: Sequence[str], flag_values=flags.FLAGS) -> list[str]:
    """Parses argv and checks the whole config before any compute.

    Raises:
      CliError: one line naming the flag or config field, for a missing flag, an unknown
        preset or field, a value of the wrong type or out of its bounds.
    """
    schema = importlib.import_module(f"configs.{stem}").Config
    _check_override_names(argv, schema)
    try:
        rest = flag_values(list(argv))
    except (flags.Error, ValueError, TypeError, KeyError, AttributeError) as e:
        # ml_collections reports config-file errors with the file's traceback inside.
        raise CliError(_one_line(e)) from None
    if len(rest) > 1:
        raise CliError(f"unexpected arguments {rest[1:]} (flags look like --name=value)")
    try:
        build_config(stem, flag_values.config)
    except validation.ConfigError as e:
        raise CliError(f"--config: {e}") from None
    if flag_values.tensorboard and importlib.util.find_spec("tensorboardX") is None:
        raise CliError("--tensorboard needs tensorboardX: pip install -e '.[tb]'")
    return rest


def _check_override_names(argv: Sequence[str], schema: type) -> None:
    """--config.a.b=v with an unknown a.b fails inside ml_collections with a bare KeyError."""
    fields = [row[0] for row in common.describe(schema)]
    for arg in argv[1:]:
        if not arg.startswith("--config."):
            continue
        name = arg[len("--config.") :].split("=", 1)[0]
        if name not in fields and not any(f.startswith(name + ".") for f in fields):
            section = name.rsplit(".", 1)[0] + "." if "." in name else ""
            near = sorted({f for f in fields if f.startswith(section)}) if section else []
            hint = f"; fields of {section[:-1]!r}: {near}" if near else "; see --print_config"
            raise CliError(f"--config.{name}: unknown config field {name!r}{hint}")


def _one_line(error: Exception) -> str:
    lines = [ln.strip() for ln in str(error).splitlines() if ln.strip()]
    if not lines:
        return type(error).__name__
    if len(lines) == 1:
        return lines[0]
    head = re.sub(r":? *Error whilst parsing config file:?$", "", lines[0])
    tail = re.sub(r"^[\w.]*(Error|Exception): ", "", lines[-1])
    return f"{head}: {tail}"


def config_listing(stem: str, config) -> str:
    """Every field: `name = value  # doc [bounds] (default ...)`, for --print_config."""
    schema = importlib.import_module(f"configs.{stem}").Config
    values = _flatten(config.to_dict() if hasattr(config, "to_dict") else dict(config))
    bounds = _bounds(schema)
    lines = [f"# {stem}: every config field (override with --config.NAME=VALUE)"]
    for name, default, doc in common.describe(schema):
        value = values.get(name, default)
        note = f"  [{bounds[name]}]" if bounds.get(name) else ""
        note += "" if value == default else f"  (default {default!r})"
        lines.append(f"{name} = {value!r}  # {doc}{note}")
    return "\n".join(lines)


def _flatten(d: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    out = {}
    for k, v in d.items():
        if isinstance(v, Mapping):
            out.update(_flatten(v, f"{prefix}{k}."))
        else:
            out[prefix + k] = tuple(v) if isinstance(v, list) else v
    return out


def _bounds(schema: type, prefix: str = "") -> dict[str, str]:
    out, default = {}, schema()
    for f in dataclasses.fields(schema):
        value = getattr(default, f.name)
        if dataclasses.is_dataclass(value):
            out.update(_bounds(type(value), f"{prefix}{f.name}."))
            continue
        m = f.metadata
        text = []
        if m.get("choices") is not None:
            text.append(f"one of {tuple(m['choices'])}")
        if m.get("gt") is not None:
            text.append(f"> {m['gt']}")
        lo, hi = m.get("lo"), m.get("hi")
        if lo is not None and hi is not None:
            text.append(f"in [{lo}, {hi}]")
        elif lo is not None or hi is not None:
            text.append(f">= {lo}" if hi is None else f"<= {hi}")
        if m.get("integer"):
            text.append("integer")
        if m.get("nonempty"):
            text.append("non-empty")
        out[prefix + f.name] = ", ".join(text)
    return out


def usage(stem: str) -> str:
    """The --help text: what the experiment is, the command, the presets, where fields are."""
    module = importlib.import_module(f"configs.{stem}")
    about = (module.__doc__ or stem).strip().split("\n\n")[0]
    presets = []
    for name, fn in module.PRESETS.items():
        doc = (fn.__doc__ or "").strip().splitlines()
        presets.append(f"  {name:<10} {doc[0] if doc else ''}")
    return "\n".join([
        about, "",
        "Usage:",
        f"  python -m experiments.{stem} --config=configs/{stem}.py:PRESET --workdir=DIR",
        f"  python -m experiments.{stem} --config=configs/{stem}.py:quick,num_seeds=4 "
        "--workdir=DIR --config.seed=1",
        f"  python -m experiments.{stem} --config=configs/{stem}.py:quick --print_config",
        "", "Presets:", *presets, "",
        f"Every field with its doc and bounds: --print_config. Expected runtimes and results "
        f"of each preset: configs/{stem}.py.", "",
    ])  # fmt: skip


def maybe_initialize_distributed(coordinator_address, num_processes, process_id) -> None:
    """Calls jax.distributed.initialize when a coordinator is given (before any JAX use).

    'auto' calls it without arguments, so JAX detects the cluster (TPU slices, Slurm).
    """
    if not coordinator_address:
        return
    if jax.config.jax_platforms in (None, "", "cpu"):
        # CPU collectives across processes need gloo (the default is none).
        jax.config.update("jax_cpu_collectives_implementation", "gloo")
    if coordinator_address == "auto":
        jax.distributed.initialize()
    else:
        jax.distributed.initialize(
            coordinator_address=coordinator_address,
            num_processes=num_processes,
            process_id=process_id,
        )


def _die(message: str) -> None:
    sys.stderr.write(message + "\n")
    sys.exit(1)


def cli(stem: str) -> None:
    """absl entry point for `python -m experiments.<stem> --config=... --workdir=...`.

    Flag and config mistakes end in one line naming the flag or field (no traceback).
    """
    matplotlib.use("Agg")
    define_flags()
    for name in _FLAG_NAMES:  # listed by --help, not only by --helpfull
        flags.FLAGS.register_key_flag_for_module(sys.argv[0], flags.FLAGS[name])
    sys.modules["__main__"].__doc__ = usage(stem)

    def parse(argv):
        try:
            return parse_flags(stem, argv)
        except CliError as e:
            _die(f"FATAL Flags parsing error: {e} (see --help)")

    def main(argv):
        del argv
        f = flags.FLAGS
        if f.print_config:
            print(config_listing(stem, f.config))
            return
        if not f.num_processes and f.coordinator_address != "auto":
            sharding.set_host_device_count(f.host_devices)  # one device per process otherwise
        maybe_initialize_distributed(f.coordinator_address, f.num_processes, f.process_id)
        try:
            summary = execute(stem, f.config, f.workdir, make_plots=f.plot,
                              tensorboard=f.tensorboard,
                              max_runs_per_program=f.max_runs_per_program)  # fmt: skip
        except (validation.ConfigError, checkpoint.CheckpointError) as e:
            _die(f"FATAL: {e}")
        logging.info("%s: %s; wrote %s", stem, headline(summary["claim_counts"]), f.workdir)

    app.run(main, flags_parser=parse)


def headline(counts: Mapping[str, Mapping[str, Any]]) -> str:
    """'3 of 4 measured claims reproduced, 2 of 2 closed-form checks hold, ...'."""
    names = {
        "measured": "measured claims reproduced",
        "closed_form": "closed-form checks hold",
        "construction": "construction checks hold",
        "unlabelled": "unlabelled claims pass",
    }
    parts = []
    for kind, label in names.items():
        if kind in counts:
            c = counts[kind]
            parts.append(f"{c['passed']} of {c['total']} {label}")
    return ", ".join(parts) or "no claims"
