"""Runs the code blocks of docs/adding_a_task.md, so the walkthrough cannot rot.

Blocks that start with `# file: PATH` are written under a temporary root; files under
configs/ and experiments/ join those packages for the test (their package search paths are
extended), so the page's example experiment is loaded exactly as a real one is.
"""

import os
import re
import sys

import configs
import experiments

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PACKAGES = {"configs": configs, "experiments": experiments}


def test_adding_a_task_walkthrough(tmp_path, monkeypatch):
    with open(os.path.join(ROOT, "docs", "adding_a_task.md")) as f:
        blocks = re.findall(r"```python\n(.*?)```", f.read(), re.S)
    assert len(blocks) == 10
    monkeypatch.syspath_prepend(str(tmp_path))
    for name, package in PACKAGES.items():
        monkeypatch.setattr(package, "__path__", [*package.__path__, str(tmp_path / name)])
    namespace: dict = {}
    for block in blocks:
        m = re.match(r"# file: (\S+)\n", block)
        if m:
            path = tmp_path / m.group(1)
            path.parent.mkdir(parents=True, exist_ok=True)
            if path.parent.name not in PACKAGES:
                (path.parent / "__init__.py").touch()  # an __init__ block below overwrites it
            path.write_text(block)
        else:
            exec(compile(block, "adding_a_task.md", "exec"), namespace)
    try:
        generic = namespace["summary"]
        assert generic["claims"]["near_bayes"]["passed"], generic["claims"]
        assert generic["claims"]["near_bayes"]["seeds_passing"] == 2
        assert os.path.exists(os.path.join(namespace["workdir"], "figures", "training.png"))
        own = namespace["smoke"]
        assert own["experiment"] == "first_token"
        assert set(own["claims"]) == {"near_bayes"}
        assert own["claims"]["near_bayes"]["kind"] == "measured"
        assert len(own["claims"]["near_bayes"]["per_seed"]) == 2
        assert os.path.exists(os.path.join(namespace["smoke_dir"], "figures", "training.png"))
    finally:
        for mod in [m for m in sys.modules if m.split(".")[0] == "my_tasks"]:
            sys.modules.pop(mod)
        for mod in ("configs.first_token", "experiments.first_token"):
            for m in [m for m in sys.modules if m == mod or m.startswith(mod + ".")]:
                sys.modules.pop(m)
