"""End-to-end memory-efficient attention experiment: exactness and memory claims (quick)."""

import os

import numpy as np
import pytest

from attn_theory import reference_attention as ref
from configs import memory_efficient_attention as config_lib
from experiments import launch
from experiments import memory_efficient_attention as exp


@pytest.fixture(scope="module")
def quick(tmp_path_factory):
    workdir = str(tmp_path_factory.mktemp("mea"))
    return workdir, launch.execute(exp, config_lib.get_config("quick"), workdir)


@pytest.mark.parametrize("name", ["exact_value", "exact_grad", "memory_fwd_16k", "memory_grad_16k"])
def test_claim(quick, name):
    c = quick[1]["claims"][name]
    assert c["passed"], c


def test_figures_written(quick):
    figs = os.listdir(os.path.join(quick[0], "figures"))
    assert {"memory_vs_n.png", "exactness.png"} <= set(figs)


def test_reference_gradient_matches_finite_differences():
    rng = np.random.default_rng(0)
    q, k, v, g = (rng.normal(size=(1, 5, 1, 3)) for _ in range(4))
    _, dq, _, _, _ = ref.attention_and_grads(q, k, v, g, causal=True)
    eps = 1e-6
    dq_fd = np.zeros_like(q)
    for idx in np.ndindex(q.shape):
        qp, qm = q.copy(), q.copy()
        qp[idx] += eps
        qm[idx] -= eps
        fp = np.sum(ref.attention_and_grads(qp, k, v, g, causal=True)[0] * g)
        fm = np.sum(ref.attention_and_grads(qm, k, v, g, causal=True)[0] * g)
        dq_fd[idx] = (fp - fm) / (2 * eps)
    assert ref.max_rel_err(dq, dq_fd) < 1e-7
