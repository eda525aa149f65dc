"""One code path for 1 and N devices: 8 simulated CPU devices give the 1-device results."""

import os
import subprocess
import sys
import textwrap

import jax
import numpy as np

from attn_theory import sharding

_CHILD = textwrap.dedent("""
    import os, sys
    os.environ["JAX_PLATFORMS"] = "cpu"
    import jax, numpy as np
    sys.path.insert(0, os.getcwd())
    from attn_theory import sharding
    sharding.set_host_device_count(8)  # jax_num_cpu_devices, before JAX initialises
    from tests import sharding_test
    assert jax.device_count() == 8, jax.devices()
    params, hist, n_dev = sharding_test.sweep()
    np.savez(sys.argv[1], w=params["w"], loss=hist["loss"], n_dev=n_dev)
""")


def sweep():
    """8 seeds of a small regression fit; returns params, history and the mesh size used."""
    import jax.numpy as jnp
    import optax

    from attn_theory import train

    def sample_fn(key, hp):
        x = jax.random.normal(key, (32, 3))
        return x, x @ jnp.array([1.0, -2.0, 0.5])

    def loss_fn(p, batch, hp):
        x, y = batch
        return jnp.mean((x @ p["w"] - y) ** 2), {}

    keys = train.seed_keys(jax.random.key(7), 8)
    mesh = sharding.run_mesh(8)
    params, hist = train.fit(
        keys,
        init_fn=lambda k, hp: {"w": jax.random.normal(k, (3,))},
        loss_fn=loss_fn,
        sample_fn=sample_fn,
        optimizer_fn=lambda hp: optax.sgd(0.05),
        num_steps=50,
        log_every=25,
        mesh=mesh,
    )
    return params, hist, mesh.devices.size


def test_eight_devices_equal_one(tmp_path):
    out = tmp_path / "eight.npz"
    env = {k: v for k, v in os.environ.items() if k != "XLA_FLAGS"}
    subprocess.run(
        [sys.executable, "-c", _CHILD, str(out)],
        check=True,
        env=env,
        cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
    )
    eight = np.load(out)
    assert int(eight["n_dev"]) == 8
    params, hist, n_dev = sweep()
    assert n_dev == jax.device_count()
    np.testing.assert_allclose(eight["w"], params["w"], rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(eight["loss"], hist["loss"], rtol=1e-6)


def test_run_mesh_uses_a_divisor_of_the_run_count():
    devices = jax.devices() * 1
    assert sharding.run_mesh(5, devices).devices.size in (1, 5)
    assert 6 % sharding.run_mesh(6).devices.size == 0


def test_idle_devices_are_named_in_a_warning():
    # A handler of our own on absl's logger: pytest's caplog misses the record once a launcher
    # test in the same worker has installed absl's stderr handler.
    import io
    import logging as std_logging

    stream = io.StringIO()
    handler = std_logging.StreamHandler(stream)
    logger = std_logging.getLogger("absl")
    logger.addHandler(handler)
    try:
        d = jax.devices()[0]
        mesh = sharding.run_mesh(3, [d, d, d, d])  # 3 runs over 4 devices: 3 used, 1 idle
    finally:
        logger.removeHandler(handler)
    assert mesh.devices.size == 3
    assert "3 runs do not divide over 4 devices: using 3, idle:" in stream.getvalue()


_MIMETIC_CHILD = textwrap.dedent("""
    import os, sys
    os.environ["JAX_PLATFORMS"] = "cpu"
    import jax, jax.numpy as jnp, optax
    sys.path.insert(0, os.getcwd())
    from attn_theory import mixers, sharding, train
    sharding.set_host_device_count(2)
    from attn_theory.models.sequence import SequenceTransformer
    model = SequenceTransformer(out_dim=64, width=64, head_dim=64, layer_norm=True)
    x = jnp.ones((2, 32, 128))

    def init_fn(key, hp):
        k1, k2 = jax.random.split(key)
        return mixers.init_variant(k2, model.init(k1, x), "mimetic")

    def loss_fn(params, batch, hp):
        return jnp.mean(model.apply(params, batch)[0] ** 2), {}

    train.fit(train.seed_keys(jax.random.key(0), 4), init_fn=init_fn, loss_fn=loss_fn,
              sample_fn=lambda k, hp: jax.random.normal(k, (2, 32, 128)),
              optimizer_fn=lambda hp: optax.sgd(0.1), num_steps=2, log_every=2)
    print("ok")
""")


def test_mimetic_init_fits_on_two_devices():
    """The mimetic attention init (LAPACK SVDs in a vmap) deadlocked when its init program was
    sharded over 2 XLA CPU devices (recall_ssm hung before its first step on a 2-core
    machine); train.fit now initialises on one device and shards the result."""
    env = {k: v for k, v in os.environ.items() if k != "XLA_FLAGS"}
    out = subprocess.run(
        [sys.executable, "-c", _MIMETIC_CHILD],
        env=env,
        cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert out.stdout.strip().endswith("ok")
