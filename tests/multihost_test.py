"""Two processes on localhost (CPU collectives) give the one-process results; only
process 0 writes."""

import os
import socket
import subprocess
import sys

import numpy as np
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CMD = [
    sys.executable,
    "-m",
    "experiments.icl_linear_regression",
    "--config=configs/icl_linear_regression.py:smoke",
    "--noplot",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow  # integration test of tens of seconds: slow tier keeps the fast one quick
def test_two_process_sweep_equals_one_process(tmp_path):
    env = {**os.environ, "JAX_PLATFORMS": "cpu"}
    env.pop("XLA_FLAGS", None)
    port = _free_port()
    procs = [
        subprocess.Popen(
            [
                *CMD,
                f"--workdir={tmp_path / f'proc{i}'}",
                f"--coordinator_address=127.0.0.1:{port}",
                "--num_processes=2",
                f"--process_id={i}",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for i in range(2)
    ]
    logs = [p.communicate(timeout=600)[0] for p in procs]
    for p, log in zip(procs, logs, strict=True):
        assert p.returncode == 0, log[-3000:]
    subprocess.run(
        [*CMD, f"--workdir={tmp_path / 'single'}"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    two = np.load(tmp_path / "proc0" / "results.npz")
    one = np.load(tmp_path / "single" / "results.npz")
    assert sorted(two.files) == sorted(one.files)
    for k in one.files:
        np.testing.assert_allclose(two[k], one[k], rtol=1e-5, atol=1e-6, err_msg=k)
    # Process 1 computed the same sweep but wrote nothing.
    assert not (tmp_path / "proc1").exists() or not any((tmp_path / "proc1").iterdir())
