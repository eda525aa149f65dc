"""Paper presets cannot rot: each is built, compiled at full size and run for two steps.

Slow tier. Every training fit of the paper preset runs two real steps at the paper's shapes
(train.Hooks.max_steps), its one-step program is compiled and measured, and the claims and
figures are computed from the capped results, so a shape or memory error shows up here and
not on a GPU node. Probes whose committed cost report (paper_figures/paper_scale.json) took
longer than PROBE_BUDGET_S on the 2-core CPU are left to `python -m paper_figures.cost` and
skipped with that reason; the fast tier still builds and validates every paper config
(tests/smoke_test.py).
"""

import json
import os

import pytest

from paper_figures import cost, registry

PROBE_BUDGET_S = 240
_REPORT = os.path.join(os.path.dirname(cost.__file__), "paper_scale.json")


def _committed_probe_seconds() -> dict[str, float]:
    if not os.path.exists(_REPORT):
        return {}
    with open(_REPORT) as f:
        return {r["stem"]: r.get("run_s", float("inf")) for r in json.load(f)["records"]}


@pytest.mark.slow
@pytest.mark.parametrize("stem", [e.stem for e in registry.EXPERIMENTS])
def test_paper_preset_compiles_and_runs_two_steps(stem):
    seconds = _committed_probe_seconds().get(stem)
    if seconds is None or seconds > PROBE_BUDGET_S:
        pytest.skip(f"paper probe of {stem} took {seconds} s in the committed cost report "
                    f"(budget {PROBE_BUDGET_S} s); run `python -m paper_figures.cost "
                    f"--only={stem}`")  # fmt: skip
    rec = cost.probe(stem, "paper", max_steps=2)
    assert rec["status"] == "ok"
    assert rec["num_claims"] > 0 and rec["num_figures"] > 0
    for p in rec["programs"]:
        assert p["num_steps"] >= 2 and p["flops"] >= 0 and p["temp_bytes"] >= 0, p["name"]
        assert p["seconds_per_call"] > 0, p["name"]
