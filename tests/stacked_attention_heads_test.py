"""Stacked attention heads: sampler invariants, the depth simulator (T1) and bounds, config
rules (fast tier); the quick preset's claims T1 and C1-C6 (slow tier, one shared run).

Bounds are those of docs/papers/stacked_attention_heads.md. The smoke run and its golden
values are in tests/smoke_test.py.
"""

import math

import jax
import numpy as np
import pytest

from attn_theory import validation
from attn_theory.tasks import multihop_retrieval as task_lib
from attn_theory.tasks import registry
from attn_theory.theory import stacked_heads as theory
from configs import stacked_attention_heads as sah_config
from experiments import launch
from tests import contract

sah = launch.load("stacked_attention_heads")


@pytest.mark.parametrize("order", ["forward", "reverse", "shuffle"])
def test_sampler_invariants(order):
    D, K, V = 4, 3, 16
    ex = jax.device_get(task_lib.sample_full(jax.random.key(1), 64, D=D, K=K, V=V, order=order))
    x = ex["inputs"]
    assert x.shape == (64, K * D + 1, 2 * V + 1)
    keys, vals = x[:, :-1, :V].argmax(-1), x[:, :-1, V:].argmax(-1)
    for b in range(64):
        sym = ex["symbols"][b]
        assert len(set(sym.ravel())) == K * (D + 1)  # distinct symbols
        assert not set(sym[:, 0]) & set(keys[b])  # a root is never a key
        assert x[b, -1, V:].argmax() == V  # the query marker
        # Following k links from the query's symbol gives hop k's target.
        cur = x[b, -1, :V].argmax()
        for k in range(D):
            p = int(np.flatnonzero(keys[b] == cur)[0])
            assert p == ex["path_pos"][b, k]
            cur = vals[b, p]
            assert cur == ex["chain"][b, k]
        assert ex["root"][b] == ex["chain"][b, -1] == sym[ex["query_chain"][b], 0]
        # succ_pos points to the assignment keyed by this one's value (-1: value is a root).
        for p in range(K * D):
            s = ex["succ_pos"][b, p]
            assert (keys[b, s] == vals[b, p]) if s >= 0 else vals[b, p] in sym[:, 0]
        pos = ex["assign_pos"][b]  # [K, D]: position of (c, j)
        if order == "forward":
            assert np.all(np.diff(pos, axis=1) > 0)
        elif order == "reverse":
            assert np.all(np.diff(pos, axis=1) < 0)


def test_tokens_layout_and_registry_form():
    ex = task_lib.sample_full(jax.random.key(2), 8, D=2, K=2, V=8, layout="tokens")
    packed = task_lib.sample_full(jax.random.key(2), 8, D=2, K=2, V=8)
    tok, x = np.asarray(ex["inputs"]), np.asarray(packed["inputs"])
    np.testing.assert_array_equal(tok[:, 0:-1:2], x[:, :-1, :8].argmax(-1))  # keys
    np.testing.assert_array_equal(tok[:, 1:-1:2], x[:, :-1, 8:].argmax(-1))  # values
    np.testing.assert_array_equal(ex["path_pos"], 2 * packed["path_pos"])
    task = registry.get("multihop_retrieval")
    inputs, roots = task.sample(jax.random.key(3), 4, D=2, K=2, V=8)
    assert inputs.shape == (4, 5, 17) and roots.shape == (4,)
    _, chain = task.sample(jax.random.key(3), 4, D=2, K=2, V=8, target="chain")
    np.testing.assert_array_equal(chain[:, -1], roots)
    with pytest.raises(ValueError, match="V=7"):
        task_lib.sample_full(jax.random.key(0), 1, D=2, K=3, V=7)


def test_integer_depth_bounds_match_logarithms():
    for D in range(1, 200):
        # float logs are exact away from the boundaries D = (3^L - 1)/2, 2^L - 1 (checked apart)
        assert theory.min_layers_bidirectional(D) == math.ceil(math.log(2 * D, 3) - 1e-12)
        assert theory.min_layers_causal(D) == math.ceil(math.log2(D + 1) - 1e-12)
    assert [theory.max_difficulty_bidirectional(L) for L in range(1, 5)] == [1, 4, 13, 40]
    assert [theory.max_difficulty_causal(L) for L in range(1, 5)] == [1, 3, 7, 15]


def test_simulator_matches_bounds():
    # T1 at small D, on both the numpy layouts and the JAX sampler's sequences.
    rng = np.random.default_rng(0)
    for D in range(1, 8):
        for causal, order in ((False, "forward"), (False, "shuffle"), (True, "forward"),
                              (True, "reverse")):  # fmt: skip
            depth = theory.min_depth(*theory.sample_layout(rng, 4, D, 4, 40, order), 40, causal, 6)
            want = theory.min_layers_causal(D) if causal else theory.min_layers_bidirectional(D)
            assert np.all(depth == want), (D, causal, order, depth)
        if D in (1, 4, 7):  # the JAX sampler compiles per D: three of them (test time)
            ex = task_lib.sample_full(jax.random.key(D), 4, D=D, K=4, V=40)
            depth = theory.min_depth(ex["symbols"], ex["assign_pos"], ex["query_chain"], 40,
                                     True, 6)  # fmt: skip
            assert np.all(depth == theory.min_layers_causal(D))


def test_simulator_one_layer_step_by_hand():
    # One chain s = [0, 1, 2] in forward order: "1 = 0" at position 0, "2 = 1" at position 1,
    # the query (position 2) names 2; two causal layers are needed (ceil(log_2 3) = 2).
    sym, pos, c = np.array([[[0, 1, 2]]]), np.array([[[0, 1]]]), np.array([0])
    sets = theory.propagate(theory.known_sets(sym, pos, c, 3), True, 2)
    assert sets[0, 0, 2].tolist() == [False, False, True]  # the query knows its symbol
    assert sets[1, 0, 2].tolist() == [False, True, True]  # one hop after one layer
    assert sets[1, 0, 1].tolist() == [True, True, True]  # position 1 merged position 0
    assert theory.min_depth(sym, pos, c, 3, True, 4)[0] == 2


@pytest.mark.parametrize(
    "override, field",
    [
        ({"grid": {"layers": (1, 2)}}, "grid.layers"),
        ({"grid": {"difficulties": (3, 3, 3), "layers": (1, 1, 1)}}, "grid.difficulties"),
        ({"task": {"vocab": 12}}, "task.vocab"),
        ({"model": {"num_heads": 3}}, "model.num_heads"),
        ({"optim": {"learning_rate": -1.0}}, "optim.learning_rate"),
        ({"task": {"order": "random"}}, "task.order"),
    ],
)
def test_bad_config_raises_naming_field(override, field):
    cfg = sah_config.get_config("quick").to_dict()
    for section, values in override.items():
        cfg[section].update(values)
    with pytest.raises(validation.ConfigError, match=field.replace(".", r"\.")):
        launch.build_config(sah, cfg)


@pytest.fixture(scope="module")
def quick(tmp_path_factory):
    workdir = str(tmp_path_factory.mktemp("stacked_attention_heads_quick"))
    summary = launch.execute(sah, sah_config.get_config("quick"), workdir)
    return workdir, summary


@pytest.mark.slow
def test_workdir_contract(quick):
    workdir, summary = quick
    figures = ("f1_hop_accuracy", "f2_head_emergence", "f3_layers_vs_difficulty",
               "f4_attention_maps", "f5_ic_vs_non_ic_loss", "head_ablation")  # fmt: skip
    contract.assert_workdir(
        workdir,
        num_seeds=sah_config.get_config("quick").num_seeds,
        figures=figures,
        metrics_keys={"loss", "eval_loss", "hop_acc", "link", "qhop"},
    )


@pytest.mark.slow
@pytest.mark.parametrize(
    "prefix",
    [
        "T1",
        "C1",
        "C2",
        "C3",
        "C4",
        contract.known_failure(
            "C5",
            "C5 does not reproduce: hops are learned in order but hops 2-3 follow hop 1 within "
            "300-350 steps (bound 375) on root seeds 0 and 1; "
            "docs/papers/stacked_attention_heads.md",
        ),
        "C6",
    ],
)
def test_claims(quick, prefix):
    claims = {k: v for k, v in quick[1]["claims"].items() if k.startswith(prefix)}
    assert claims, prefix
    failed = {k: (v["value"], v["bound"]) for k, v in claims.items() if not v["passed"]}
    assert not failed, failed
