"""Preset and override parsing shared by every configs/<stem>.py.

`get_config("quick")`, `get_config("paper")` or `get_config("quick,num_seeds=8,model.num_heads=4")`:
the first item picks a preset, the rest override fields (`seeds=N` is short for num_seeds=N).
"""

from __future__ import annotations

import ast
from collections.abc import Callable

import ml_collections


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


def resolve(
    arg: str | None,
    presets: dict[str, Callable[[ml_collections.ConfigDict], None]],
    base: Callable[[], ml_collections.ConfigDict],
) -> ml_collections.ConfigDict:
    """Builds base(), applies the named preset, then the key=value overrides.

    Raises:
      ValueError: unknown preset or unknown field, naming it and the allowed choices.
    """
    items = [s.strip() for s in split_items(arg or "quick") if s.strip()]
    preset, overrides = items[0], items[1:]
    if preset not in presets:
        raise ValueError(f"unknown preset {preset!r}; allowed presets: {sorted(presets)}")
    cfg = base()
    presets[preset](cfg)
    for item in overrides:
        if "=" not in item:
            raise ValueError(f"override {item!r} must look like field=value")
        key, value = item.split("=", 1)
        key = "num_seeds" if key == "seeds" else key
        node, *path = key.split(".")
        target = cfg
        parts = [node, *path]
        for p in parts[:-1]:
            if p not in target:
                raise ValueError(f"unknown config field {key!r}")
            target = target[p]
        if parts[-1] not in target:
            raise ValueError(f"unknown config field {key!r}")
        target[parts[-1]] = _parse_value(value)
    return cfg
