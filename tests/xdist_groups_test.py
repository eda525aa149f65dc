"""The slow tier's `--dist loadgroup` keeps a module's tests on one worker (tests/conftest.py).

Its group markers must be added before xdist reads them: added after (a hook order slip), each
module's module-scoped quick run was built once per worker, about doubling the slow tier.
"""

import os
import re
import subprocess
import sys


def test_loadgroup_keeps_a_module_on_one_worker():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    out = subprocess.run(
        [sys.executable, "-m", "pytest", "-v", "-n", "2", "--dist", "loadgroup",
         "-p", "no:cacheprovider", "tests/validation_test.py"],
        cwd=root, capture_output=True, text=True, timeout=600, check=False,
    ).stdout  # fmt: skip
    lines = [x for x in out.splitlines() if "PASSED" in x or "FAILED" in x]
    assert len(lines) >= 5, out[-2000:]
    assert all(x.rstrip().endswith("@tests.validation_test") for x in lines), lines
    assert len({re.match(r"\[(gw\d+)\]", x).group(1) for x in lines}) == 1, lines
