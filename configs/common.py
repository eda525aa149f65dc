"""Config schemas: one frozen dataclass per experiment, declared once; presets and overrides.

Every `configs/<stem>.py` declares its fields once, as a frozen dataclass `Config` whose
fields carry a default, a one-line doc and simple bounds or choices (`field(...)`), and its
presets as functions `Config -> Config` (`update(c, {"task.dim": 64})`). `get_config(arg)`
turns the dataclass into an ml_collections ConfigDict, so the absl forms keep working:

    --config=configs/<stem>.py:quick                 the quick preset
    --config=configs/<stem>.py:quick,num_seeds=8     preset plus overrides (`seeds=N` too)
    --config.model.num_heads=4                       absl override of one field

The launcher builds the frozen `Config` back from the ConfigDict and checks every field's
bounds (attn_theory.validation.check_schema) before the experiment's own cross-field rules.
Configs stay plain data: nothing here imports the library.
"""

from __future__ import annotations

import ast
import dataclasses
from collections.abc import Callable, Mapping
from typing import Any

import ml_collections

Preset = Callable[[Any], Any]


def field(
    default: Any,
    doc: str,
    *,
    lo: float | None = None,
    hi: float | None = None,
    gt: float | None = None,
    choices: tuple | None = None,
    integer: bool | None = None,
    nonempty: bool = False,
):
    """A schema field: default, one-line doc, and simple bounds checked by the launcher.

    Args:
      default: the default value (tuples for sequences; a frozen dataclass for a section).
      doc: one line, shown by `--print_config` and `--help`.
      lo, hi: inclusive bounds; for a tuple they apply to every element.
      gt: exclusive lower bound (e.g. gt=0 for a learning rate).
      choices: allowed values (every element, for a tuple).
      integer: values must be integers (default: inferred from an int default).
      nonempty: a tuple field must not be empty.
    """
    if integer is None:
        sample = default[0] if isinstance(default, tuple) and default else default
        integer = isinstance(sample, int) and not isinstance(sample, bool)
    meta = {"doc": doc, "lo": lo, "hi": hi, "gt": gt, "choices": choices, "integer": integer,
            "nonempty": nonempty}  # fmt: skip
    if dataclasses.is_dataclass(default):
        return dataclasses.field(default_factory=lambda: default, metadata=meta)
    return dataclasses.field(default=default, metadata=meta)


def section(cls: type, doc: str):
    """A nested section field whose default is `cls()`."""
    return dataclasses.field(default_factory=cls, metadata={"doc": doc})


def update(cfg: Any, changes: Mapping[str, Any]) -> Any:
    """A copy of the frozen dataclass `cfg` with dotted-path fields replaced.

    Raises:
      ValueError: a path names no field.
    """
    out = cfg
    for path, value in changes.items():
        out = _replace_path(out, path.split("."), value, path)
    return out


def _replace_path(obj: Any, parts: list[str], value: Any, full: str) -> Any:
    names = {f.name for f in dataclasses.fields(obj)}
    if parts[0] not in names:
        raise ValueError(f"unknown config field {full!r}; allowed here: {sorted(names)}")
    if len(parts) == 1:
        return dataclasses.replace(obj, **{parts[0]: value})
    child = getattr(obj, parts[0])
    return dataclasses.replace(obj, **{parts[0]: _replace_path(child, parts[1:], value, full)})


def to_config_dict(cfg: Any) -> ml_collections.ConfigDict:
    """Frozen dataclass -> ConfigDict (sections become nested ConfigDicts, tuples stay)."""

    def convert(obj):
        if dataclasses.is_dataclass(obj):
            return ml_collections.ConfigDict(
                {f.name: convert(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
            )
        return obj

    return convert(cfg)


def describe(schema: type, prefix: str = "") -> list[tuple[str, Any, str]]:
    """(dotted name, default, doc) for every leaf field of `schema`, in declaration order."""
    rows = []
    default = schema()
    for f in dataclasses.fields(schema):
        value = getattr(default, f.name)
        if dataclasses.is_dataclass(value):
            rows += describe(type(value), prefix + f.name + ".")
        else:
            rows.append((prefix + f.name, value, f.metadata.get("doc", "")))
    return rows


def _parse_value(text: str):
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def split_items(arg: str) -> list[str]:
    """Splits on commas outside brackets, so `quick,task.eval_lens=(10,20)` keeps the tuple."""
    items, depth, current = [], 0, []
    for ch in arg:
        depth += ch in "([{"
        depth -= ch in ")]}"
        if ch == "," and depth == 0:
            items.append("".join(current))
            current = []
        else:
            current.append(ch)
    items.append("".join(current))
    return items


def resolve(arg: str | None, presets: Mapping[str, Preset], schema: type):
    """schema() -> the named preset -> `key=value` overrides -> ConfigDict.

    `arg` is "PRESET[,a.b=v,...]" (default preset: quick).

    Raises:
      ValueError: unknown preset or unknown field, naming it and the allowed choices.
    """
    items = [s.strip() for s in split_items(arg or "quick") if s.strip()]
    preset, overrides = items[0], items[1:]
    if preset not in presets:
        raise ValueError(f"unknown preset {preset!r}; allowed presets: {sorted(presets)}")
    cfg = presets[preset](schema())
    changes = {}
    for item in overrides:
        if "=" not in item:
            raise ValueError(f"override {item!r} must look like field=value")
        key, value = item.split("=", 1)
        changes["num_seeds" if key.strip() == "seeds" else key.strip()] = _parse_value(value)
    return to_config_dict(update(cfg, changes))


def identity(cfg: Any) -> Any:
    """The preset that keeps the schema's defaults."""
    return cfg
