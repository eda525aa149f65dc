"""Anisotropic in-context regression (He et al., ICML 2025; F10, C6; [ours] setting): the
experiment package.

`python -m experiments.icl_anisotropic --config=configs/icl_anisotropic.py:quick --workdir=DIR`;
schema and presets in configs/icl_anisotropic.py, the paper page in
docs/papers/icl_linear_regression.md.
"""

from configs import icl_anisotropic as config
from experiments import launch
from experiments.icl_anisotropic import claims, plots, run

EXPERIMENT = launch.Experiment(
    name="icl_anisotropic",
    config=config,
    run=run.run,
    claims=claims.claims,
    plot=plots.plot,
    validate=run.validate,
)
