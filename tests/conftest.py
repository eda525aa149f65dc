"""Shared pytest setup: CPU platform, Agg backend (the library does not choose one), and
fast XLA compiles for the fast tier."""

import os

os.environ.setdefault("JAX_PLATFORMS", "cpu")
os.environ["MPLBACKEND"] = "Agg"
# BLAS threads on top of XLA's own oversubscribe small CPUs (a 2304^2 eigh ran 20x slower).
# Set before numpy loads (matplotlib imports it).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import matplotlib  # noqa: E402
import pytest  # noqa: E402

matplotlib.use("Agg")


def pytest_configure(config):
    """The fast tier (the default `-m 'not slow'`) is compile-bound: its smoke runs execute
    tiny programs, and XLA's LLVM optimisation took 80% of their time. It compiles with
    tests.golden.FAST_COMPILE_FLAGS (the golden values are generated the same way). The slow
    tier (`-m slow`, quick presets) keeps XLA's default optimisation, which its longer
    training runs need."""
    from tests import golden

    if "not slow" in (config.option.markexpr or ""):
        golden.use_fast_compiles()


@pytest.hookimpl(tryfirst=True)  # before xdist's own hook, which reads the group markers
def pytest_collection_modifyitems(config, items):
    """`--dist loadgroup` (the slow tier in .ci/run): each module's tests stay on one worker
    (a claim module's quick run is a module-scoped fixture, run once), except the paper-preset
    probes, independent tests of about a minute that are spread over the workers to balance
    them (each holds at most about 2 GiB: its full-size placeholders are broadcast views)."""
    for item in items:
        if item.module.__name__ != "tests.paper_presets_test":
            item.add_marker(pytest.mark.xdist_group(item.module.__name__))
