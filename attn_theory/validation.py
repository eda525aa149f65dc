"""Config validation: typed frozen dataclasses built from plain dicts, with errors naming fields.

Library code never imports ml_collections; launchers call `config.to_dict()` and hand the
dict to `from_dict`, which rejects unknown or missing fields before any compute.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Iterable, Mapping
from typing import Any


class ConfigError(ValueError):
    """A config value is missing, unknown or out of range; the message names the field."""


def check(condition: bool, field: str, message: str) -> None:
    """Raises ConfigError(f'{field}: {message}') unless condition holds."""
    if not condition:
        raise ConfigError(f"config field '{field}': {message}")


def positive(field: str, value: float) -> None:
    check(value > 0, field, f"must be > 0, got {value!r}")


def int_range(field: str, value: int, lo: int, hi: int | None = None) -> None:
    ok = isinstance(value, int | bool) is not False and int(value) == value and value >= lo
    ok = ok and (hi is None or value <= hi)
    allowed = f"[{lo}, {hi}]" if hi is not None else f">= {lo}"
    check(ok, field, f"must be an integer in {allowed}, got {value!r}")


def in_range(field: str, value: float, lo: float, hi: float) -> None:
    check(lo <= value <= hi, field, f"must be in [{lo}, {hi}], got {value!r}")


def one_of(field: str, value: Any, choices: Iterable[Any]) -> None:
    choices = tuple(choices)
    check(value in choices, field, f"must be one of {choices}, got {value!r}")


def _convert(tp: Any, value: Any, path: str) -> Any:
    origin = typing.get_origin(tp)
    if dataclasses.is_dataclass(tp):
        if not isinstance(value, Mapping):
            raise ConfigError(f"config field '{path}': expected a section, got {value!r}")
        return from_dict(tp, value, prefix=path + ".")
    if origin is tuple:
        args = typing.get_args(tp)
        if not isinstance(value, list | tuple):
            raise ConfigError(f"config field '{path}': expected a list, got {value!r}")
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_convert(args[0], v, path) for v in value)
        return tuple(value)
    if origin in (typing.Union, types.UnionType):
        return value
    if tp is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if tp is int and isinstance(value, float) and value.is_integer():
        return int(value)
    if tp in (int, float, str, bool) and not isinstance(value, tp):
        raise ConfigError(f"config field '{path}': expected {tp.__name__}, got {value!r}")
    return value


def from_dict(cls: type, data: Mapping[str, Any], prefix: str = "") -> Any:
    """Builds the (nested) frozen dataclass `cls` from `data`.

    Raises:
      ConfigError: for an unknown field, a missing field without default, or a wrong type.
    """
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - names)
    if unknown:
        raise ConfigError(
            f"unknown config field(s) {[prefix + u for u in unknown]}; allowed: {sorted(names)}"
        )
    kwargs = {}
    for f in dataclasses.fields(cls):
        path = prefix + f.name
        if f.name not in data:
            if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                raise ConfigError(f"config field '{path}' is missing")
            continue
        kwargs[f.name] = _convert(hints[f.name], data[f.name], path)
    return cls(**kwargs)


def to_dict(obj: Any) -> dict:
    """Dataclass -> JSON-friendly nested dict (tuples become lists)."""
    return json_ready(dataclasses.asdict(obj))


def json_ready(x: Any) -> Any:
    if isinstance(x, Mapping):
        return {str(k): json_ready(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [json_ready(v) for v in x]
    return x


def check_schema(cfg: Any, prefix: str = "") -> None:
    """Checks every field's declared bounds (metadata lo/hi/choices/integer/nonempty).

    The metadata is what `configs.common.field` writes; sections are checked recursively.

    Raises:
      ConfigError: naming the first field out of its bounds.
    """
    for f in dataclasses.fields(cfg):
        value, path, meta = getattr(cfg, f.name), prefix + f.name, f.metadata
        if dataclasses.is_dataclass(value):
            check_schema(value, path + ".")
            continue
        items = value if isinstance(value, tuple) else (value,)
        if meta.get("nonempty"):
            check(len(items) > 0, path, "must not be empty")
        for v in items:
            _check_item(path, v, meta)


def _check_item(path: str, v: Any, meta: Mapping[str, Any]) -> None:
    choices = meta.get("choices")
    if choices is not None:
        one_of(path, v, choices)
        return
    if isinstance(v, tuple):  # nested tuples (e.g. coordinate lists) carry no scalar bounds
        return
    lo, hi, gt = meta.get("lo"), meta.get("hi"), meta.get("gt")
    if meta.get("integer"):
        check(isinstance(v, int) and not isinstance(v, bool), path,
              f"must be an integer, got {v!r}")  # fmt: skip
    if gt is not None:
        check(isinstance(v, int | float) and not isinstance(v, bool) and v > gt, path,
              f"must be > {gt}, got {v!r}")  # fmt: skip
    if lo is not None or hi is not None:
        check(isinstance(v, int | float) and not isinstance(v, bool), path,
              f"must be a number, got {v!r}")  # fmt: skip
        lo_ok = lo is None or v >= lo
        hi_ok = hi is None or v <= hi
        allowed = f"[{'-inf' if lo is None else lo}, {'inf' if hi is None else hi}]"
        check(lo_ok and hi_ok, path, f"must be in {allowed}, got {v!r}")
