"""recall_ssm: the quick config's claims (slow tier) and unit checks of its pieces (fast).

One quick run (module fixture) is shared by the claim tests; bounds are those of
docs/papers/recall_ssm.md. Claims that are stated failures to transfer (N1-N2) pass when the
failure reproduces. The smoke run and its golden values are in tests/smoke_test.py; the mixers
themselves are tested in tests/mixers_test.py.
"""

import dataclasses

import jax
import numpy as np
import pytest

from attn_theory import validation
from configs import recall_ssm as config
from experiments import launch
from experiments.recall_ssm import run
from tests import contract

exp = launch.load("recall_ssm")


@pytest.fixture(scope="module")
def quick(tmp_path_factory):
    workdir = str(tmp_path_factory.mktemp("recall_ssm_quick"))
    return workdir, launch.execute(exp, config.get_config("quick"), workdir)


@pytest.mark.slow
def test_workdir_contract(quick):
    workdir, summary = quick
    figures = ("F1_state_size", "F2_mimetic_ssd", "F3_identities", "F4_attention_maps",
               "F5_zoology")  # fmt: skip
    contract.assert_workdir(workdir, num_seeds=config.get_config("quick").num_seeds,
                            figures=figures, metrics_keys={"loss", "eval_accuracy"})  # fmt: skip


@pytest.mark.slow
@pytest.mark.parametrize("prefix", [
    "E1", "E2", "E3", "E4",
    contract.known_failure("E5", "Taylor order-8 error 0.035 > 0.02 on 1 of 4 seeds at the "
                           "default root seed (3 of 5 root seeds pass)"),
    "S1", "S2", "S3", "S4", "M1", "M2",
    contract.known_failure("M3", "decay-only / tie-only at step 200: median 0.67 / 0.89 < 0.9 "
                           "at the default root seed (seed-dependent; docs/papers/recall_ssm.md)"),
    "M4", "N1", "N2",
    contract.known_failure("Z1", "kv = 16: 1 of 4 seeds stays on the 1/kv plateau (0.11) at the "
                           "default root seed"),
])  # fmt: skip
def test_claims(quick, prefix):
    claims = {k: v for k, v in quick[1]["claims"].items() if k.startswith(prefix)}
    assert claims, prefix
    failed = {k: (v["value"], v["bound"]) for k, v in claims.items() if not v["passed"]}
    assert not failed, failed


def test_steps_to_counts_never_as_budget():
    acc = np.array([[0.1, 0.95, 0.99], [0.1, 0.2, 0.3]])
    np.testing.assert_array_equal(run.steps_to(acc, [50, 100, 150], 0.9, 600), [100, 600])


def test_validate_rejects_odd_taylor_orders_and_bad_zoology_sizes():
    cfg = launch.build_config(exp, config.get_config("smoke"))
    ident = dataclasses.replace(cfg.identities, taylor_orders=(2, 3))
    bad = dataclasses.replace(cfg, identities=ident)
    with pytest.raises(validation.ConfigError, match="taylor_orders"):
        run.validate(bad)
    bad = dataclasses.replace(cfg, zoology=dataclasses.replace(cfg.zoology, num_kv=(8,),
                                                               seq_len=16, vocab=64))  # fmt: skip
    with pytest.raises(validation.ConfigError, match="zoology"):
        run.validate(bad)


def test_identities_are_round_off_on_the_smoke_sizes():
    cfg = launch.build_config(exp, config.get_config("smoke"))
    out = run.identities(cfg, jax.random.key(0))
    for k, v in out.items():
        if k not in ("e5_taylor", "e3_eta_max"):
            assert np.all(v < 1e-12), (k, v)
    assert np.all(np.diff(out["e5_taylor"], axis=1) < 0)
