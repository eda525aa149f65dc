"""Scan and Snap (Tian, Wang, Chen and Du, NeurIPS'23): the experiment package.

`python -m experiments.scan_and_snap --config=configs/scan_and_snap.py:quick --workdir=DIR`;
schema and presets in configs/scan_and_snap.py, the paper page in docs/papers/scan_and_snap.md.
"""

from configs import scan_and_snap as config
from experiments import launch
from experiments.scan_and_snap import claims, plots, run

EXPERIMENT = launch.Experiment(
    name="scan_and_snap",
    config=config,
    run=run.run,
    claims=claims.claims,
    plot=plots.plot,
    validate=run.validate,
)
