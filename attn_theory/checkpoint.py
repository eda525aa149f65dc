"""Atomic npz checkpoints of a training state pytree (enough for single-file synthetic runs).

A checkpoint holds the flattened leaves of (params, opt_state) with the run axis, the
step reached and the metric history so far. Data keys are derived from the root key and
the step, so a resumed run continues bit-for-bit where it stopped. Orbax would add async
and multi-host array writes we do not need for states of a few megabytes.

The last two checkpoints are kept (`NAME.npz` and `NAME.previous.npz`); each is flushed to
disk before it is renamed into place. A checkpoint that cannot be read (a full disk, a copy
cut short) falls back to the previous one with a warning; when neither can be read,
`CheckpointError` names the file and what to do, in one line.
"""

from __future__ import annotations

import os
import zipfile

import jax
import numpy as np
from absl import logging

from attn_theory import files


class CheckpointError(ValueError):
    """A checkpoint cannot be used; the message names the file and the choices."""


# What np.load / NpzFile raise on a damaged or truncated archive.
_UNREADABLE = (zipfile.BadZipFile, EOFError, OSError, KeyError, ValueError)


class NpzCheckpointer:
    """Saves/restores one named training state under `directory`.

    Only process 0 writes; every process reads the same file on resume (so a multi-host
    workdir must be on a filesystem every host sees).
    """

    def __init__(self, directory: str, name: str):
        self.path = os.path.join(directory, f"{name}.npz")
        self.previous_path = os.path.join(directory, f"{name}.previous.npz")

    def save(self, step: int, state, history: dict[str, np.ndarray]) -> None:
        if jax.process_index() != 0:
            return
        leaves = jax.tree_util.tree_leaves(state)
        arrays = {f"leaf_{i:05d}": np.asarray(x) for i, x in enumerate(leaves)}
        arrays.update({f"hist__{k}": np.asarray(v) for k, v in history.items()})
        arrays["step"] = np.asarray(step)

        def write(tmp):
            np.savez(tmp, **arrays)
            if os.path.exists(self.path):  # keep one older checkpoint to fall back to
                os.replace(self.path, self.previous_path)

        files.atomic_write(self.path, write)

    def restore(self, like_state):
        """Returns (step, state, history), or None when no checkpoint exists.

        Raises:
          CheckpointError: no readable checkpoint although one exists, or the stored leaves
            do not match `like_state` (the config changed).
        """
        candidates = [p for p in (self.path, self.previous_path) if os.path.exists(p)]
        if not candidates:
            return None
        errors = []
        for path in candidates:
            try:
                out = self._read(path, like_state)
            except CheckpointError:
                raise
            except _UNREADABLE as e:
                errors.append(f"{path}: {type(e).__name__}: {e}")
                continue
            if errors:
                logging.warning(
                    "checkpoint %s is unreadable (%s); resuming from the older %s",
                    self.path,
                    errors[0],
                    path,
                )
            return out
        raise CheckpointError(
            f"checkpoint {self.path} cannot be read ({'; '.join(errors)}): delete "
            f"{os.path.dirname(self.path)} to start these fits fresh, or use a fresh --workdir"
        )

    def _read(self, path: str, like_state):
        with np.load(path) as z:
            leaves, treedef = jax.tree_util.tree_flatten(like_state)
            stored = [z[f"leaf_{i:05d}"] for i in range(len(leaves)) if f"leaf_{i:05d}" in z]
            if len(stored) != len(leaves) or any(
                s.shape != np.shape(x) for s, x in zip(stored, leaves, strict=True)
            ):
                raise CheckpointError(
                    f"checkpoint {path} does not match this config's state; "
                    "use a fresh --workdir or delete it"
                )
            history = {k[len("hist__") :]: z[k] for k in z.files if k.startswith("hist__")}
            step = int(z["step"])
        return step, jax.tree_util.tree_unflatten(treedef, stored), history
