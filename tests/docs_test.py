"""Runs the code blocks of docs/adding_a_task.md, so the walkthrough cannot rot."""

import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_adding_a_task_walkthrough(tmp_path, monkeypatch):
    with open(os.path.join(ROOT, "docs", "adding_a_task.md")) as f:
        blocks = re.findall(r"```python\n(.*?)```", f.read(), re.S)
    assert len(blocks) == 3
    monkeypatch.syspath_prepend(str(tmp_path))
    namespace: dict = {}
    for block in blocks:
        m = re.match(r"# file: (\S+)\n", block)
        if m:
            path = tmp_path / m.group(1)
            path.parent.mkdir(parents=True, exist_ok=True)
            (path.parent / "__init__.py").touch()
            path.write_text(block)
        else:
            exec(compile(block, "adding_a_task.md", "exec"), namespace)
    summary = namespace["summary"]
    assert summary["claims"]["near_bayes"]["passed"], summary["claims"]
    assert os.path.exists(os.path.join(namespace["workdir"], "figures", "training.png"))
    sys.modules.pop("my_tasks.first_token", None)
    sys.modules.pop("my_tasks", None)
