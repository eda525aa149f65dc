"""Atomic npz checkpoints of a training state pytree (enough for single-file synthetic runs).

A checkpoint holds the flattened leaves of (params, opt_state) with the run axis, the
step reached and the metric history so far. Data keys are derived from the root key and
the step, so a resumed run continues bit-for-bit where it stopped. Orbax would add async
and multi-host array writes we do not need for states of a few megabytes.
"""

from __future__ import annotations

import os
import tempfile

import jax
import numpy as np


class NpzCheckpointer:
    """Saves/restores one named training state under `directory`.

    Only process 0 writes; every process reads the same file on resume.
    """

    def __init__(self, directory: str, name: str):
        self.path = os.path.join(directory, f"{name}.npz")

    def save(self, step: int, state, history: dict[str, np.ndarray]) -> None:
        if jax.process_index() != 0:
            return
        leaves = jax.tree_util.tree_leaves(state)
        arrays = {f"leaf_{i:05d}": np.asarray(x) for i, x in enumerate(leaves)}
        arrays.update({f"hist__{k}": np.asarray(v) for k, v in history.items()})
        arrays["step"] = np.asarray(step)
        os.makedirs(os.path.dirname(self.path), exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(self.path), suffix=".tmp.npz")
        os.close(fd)
        np.savez(tmp, **arrays)
        os.replace(tmp, self.path)

    def restore(self, like_state):
        """Returns (step, state, history) or None when no checkpoint exists.

        Raises:
          ValueError: if the stored leaves do not match `like_state` (config changed).
        """
        if not os.path.exists(self.path):
            return None
        with np.load(self.path) as z:
            leaves, treedef = jax.tree_util.tree_flatten(like_state)
            stored = [z[f"leaf_{i:05d}"] for i in range(len(leaves)) if f"leaf_{i:05d}" in z]
            if len(stored) != len(leaves) or any(
                s.shape != np.shape(x) for s, x in zip(stored, leaves, strict=True)
            ):
                raise ValueError(
                    f"checkpoint {self.path} does not match this config's state; "
                    "use a fresh workdir or delete it"
                )
            history = {k[len("hist__") :]: z[k] for k in z.files if k.startswith("hist__")}
            step = int(z["step"])
        return step, jax.tree_util.tree_unflatten(treedef, stored), history
