"""One code path for 1 and N devices: a 1-D mesh with axis 'data' over the run (seed) axis.

No pmap: arrays with a leading run axis are placed with `NamedSharding(mesh, P('data'))`
and `jit` partitions the vmapped computation along it. On a single device this is a no-op.
Across hosts (`jax.distributed.initialize`), `jax.devices()` lists every process's devices
and the same mesh spans them.
"""

from __future__ import annotations

import os

import jax
import numpy as np
from absl import logging
from jax.experimental import multihost_utils
from jax.sharding import Mesh, NamedSharding
from jax.sharding import PartitionSpec as P

DATA_AXIS = "data"
_WARNED: set[tuple[int, int]] = set()  # (runs, devices) already warned about, once each


def set_host_device_count(count: int) -> None:
    """Exposes `count` XLA CPU devices, so a sharded run axis uses `count` CPU cores.

    Sets jax's own `jax_num_cpu_devices` option, which only takes effect before JAX
    initialises its backends (call it first thing in a launcher; later calls are ignored
    with a warning). An explicit --xla_force_host_platform_device_count in XLA_FLAGS wins.
    Accelerator backends are unaffected.
    """
    if count < 1:
        raise ValueError(f"host device count must be >= 1, got {count}")
    if "--xla_force_host_platform_device_count" in os.environ.get("XLA_FLAGS", ""):
        return
    try:
        jax.config.update("jax_num_cpu_devices", count)
    except RuntimeError:
        logging.warning("JAX is already initialised; --host_devices=%d ignored", count)


def run_mesh(num_runs: int, devices=None) -> Mesh:
    """A 1-D mesh over the largest number of devices that divides num_runs.

    Devices left out are named in a warning (e.g. 3 seeds on 2 devices run on one).

    Args:
      num_runs: length of the leading (seed or grid) axis to shard.
      devices: defaults to jax.devices().
    """
    devices = list(jax.devices() if devices is None else devices)
    n = len(devices)
    while num_runs % n:
        n -= 1
    if n < len(devices) and (num_runs, len(devices)) not in _WARNED:
        _WARNED.add((num_runs, len(devices)))
        logging.warning(
            "%d runs do not divide over %d devices: using %d, idle: %s (choose a run count "
            "that is a multiple of the device count to use them all)",
            num_runs,
            len(devices),
            n,
            ", ".join(str(d) for d in devices[n:]),
        )
    return Mesh(np.array(devices[:n]), (DATA_AXIS,))


def shard_runs(tree, mesh: Mesh):
    """Places every leaf's leading axis over the mesh's 'data' axis."""
    spec = NamedSharding(mesh, P(DATA_AXIS))

    def put(x):
        if np.ndim(x) == 0:
            return jax.device_put(x, NamedSharding(mesh, P()))
        if mesh.devices.size > 1 and jax.process_count() > 1:
            # Multi-process: every process holds the full (deterministic) array; build the
            # global array from the local shards it is responsible for.
            x = np.asarray(x) if not jax.dtypes.issubdtype(x.dtype, jax.dtypes.prng_key) else x
            return jax.make_array_from_callback(x.shape, spec, lambda idx: x[idx])
        return jax.device_put(x, spec)

    return jax.tree_util.tree_map(put, tree)


def abstract_runs(shapes, mesh: Mesh):
    """Shape structs placed like `shard_runs` would place arrays of these shapes (leading
    axis over 'data'; scalars replicated), to compile a program without its inputs."""

    def put(s):
        spec = P(DATA_AXIS) if len(s.shape) else P()
        return jax.ShapeDtypeStruct(s.shape, s.dtype, sharding=NamedSharding(mesh, spec))

    return jax.tree_util.tree_map(put, shapes)


def gather(tree):
    """Fetches a (possibly sharded, possibly multi-process) tree to host numpy arrays."""
    if jax.process_count() == 1:
        return jax.device_get(tree)

    def get(x):
        # Only a global array (spanning processes) is gathered: process_allgather would
        # concatenate every process's copy of an array it holds whole (e.g. one computed
        # on a local device), doubling its leading axis on two processes.
        if isinstance(x, jax.Array) and not x.is_fully_addressable:
            return multihost_utils.process_allgather(x, tiled=True)
        return jax.device_get(x)

    return jax.tree_util.tree_map(get, tree)
