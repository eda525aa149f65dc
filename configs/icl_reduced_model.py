"""The reduced model of in-context regression (He, Pan, Chen and Yang, "In-Context Linear
Regression Demystified", ICML 2025): figures F6, F7, F8 and claim C7, without training
(docs/papers/icl_reduced_model.md).

Command:
  python -m experiments.icl_reduced_model --config=configs/icl_reduced_model.py:quick \
      --workdir=/tmp/icl_reduced_model

smoke: plumbing only (a 4 x 3 grid, 200 prompts, 4000 Euler steps; a few seconds); claims
  are not expected to pass.
quick: the paper's sizes (d=5, L=40, sigma^2=0.1, a 20 x 20 (omega, mu) grid, 1e6 Euler steps
  of dt=0.01 per flow) with 2 seeds; about 20-30 s on an idle 2-core CPU. Expected: every
  claim passes; the 2-head flow ends near (omega, mu) = (0.12, 3.5) (trained: 0.13, 3.45) and
  its stages end at t = 5.07 and 7.71 (paper: ~5.5 and ~7.5).
paper: the same sizes with 5 seeds and 100k prompts for the C7 Monte Carlo.

The flow descends L~/2 (optim.grad_scale = 0.5): the authors' code for this figure writes the
reduced loss and its gradient with a factor 1/2 (the usual 1/2 E(y - y_hat)^2 convention),
while L~ here is the plain squared error. On plain L~ (grad_scale = 1) every time halves
(stages end at 2.55 and 3.86). Reconstructions [ours]: the operational stage definitions,
N(0, 0.1) read as std 0.1 for the 4-head init, the F8 score scale omega = c / sqrt(d), and the
bounds of the F7/F8 claims (the paper gives only figures).
"""

from __future__ import annotations

import dataclasses

from configs import common
from configs.common import field, section


@dataclasses.dataclass(frozen=True)
class Task:
    dim: int = field(5, "covariate dimension d", lo=1)
    context_len: int = field(40, "prompt length L", lo=1)
    noise_var: float = field(0.1, "label noise sigma^2 (the query label is noisy too)", lo=0.0)
    omega_max: float = field(0.2, "F6 grid: omega in [0, omega_max]", gt=0.0)
    num_omega: int = field(20, "F6 grid points in omega", lo=2)
    mu_max: float = field(6.0, "F6 grid: mu in [0, mu_max]", gt=0.0)
    num_mu: int = field(20, "F6 grid points in mu", lo=2)
    mc_prompts: int = field(10000, "Monte Carlo prompts per seed for the F6 landscape", lo=2)
    check_prompts: int = field(40000, "Monte Carlo prompts per seed for C7 at the reference",
                               lo=2)  # fmt: skip
    norm_draws: int = field(10000, "F8: draws per softmax-norm histogram", lo=2)
    norm_coefs: tuple[float, ...] = field((0.5, 0.35), "F8 score coefficients c, omega = c/sqrt(d)"
                                          " [ours]", gt=0.0, nonempty=True)  # fmt: skip
    norm_fixed_d: tuple[tuple[int, int], ...] = field(
        ((40, 5), (100, 5), (500, 5)), "F8 series 1: (L, d) pairs at fixed d", nonempty=True
    )
    norm_proportional: tuple[tuple[int, int], ...] = field(
        ((40, 5), (200, 25), (800, 100)), "F8 series 2: (L, d) pairs at fixed L/d", nonempty=True
    )


@dataclasses.dataclass(frozen=True)
class Model:
    omega_ref: float = field(0.13, "C7 reference pair omega (trained 2-head value)", gt=0.0)
    mu_ref: float = field(3.45, "C7 reference pair mu (trained 2-head value)", gt=0.0)
    eta_fixed: float = field(0.897, "C7: eta = 2 omega mu held fixed while omega falls", gt=0.0)


@dataclasses.dataclass(frozen=True)
class Optim:
    dt: float = field(0.01, "Euler step of the gradient flow", gt=0.0)
    num_steps: int = field(1_000_000, "Euler steps per flow (t_max = dt * num_steps)", lo=2)
    grad_scale: float = field(0.5, "d(omega, mu)/dt = -grad_scale grad L~; 0.5: the authors' "
                              "flow of L~/2 (see above)", gt=0.0)  # fmt: skip
    init: float = field(1e-3, "2-head flow starts at omega = mu = (+init, -init)", gt=0.0)
    fine_steps: int = field(2000, "2-head flow: every step recorded up to here", lo=1)
    record_every: int = field(1000, "2-head flow: steps per record after fine_steps", lo=1)
    four_head_noise_var: float = field(0.01, "sigma^2 of the 4-head flow", lo=0.0)
    four_head_init_std: float = field(0.1, "4-head flow: omega, mu ~ N(0, std^2) per seed [ours]",
                                      gt=0.0)  # fmt: skip
    four_head_record_every: int = field(10000, "4-head flow: steps per record", lo=1)


@dataclasses.dataclass(frozen=True)
class Config:
    task: Task = section(Task, "prompt distribution, F6 grid, Monte Carlo and F8 sizes")
    model: Model = section(Model, "reference values of the C7 checks")
    optim: Optim = section(Optim, "the Euler gradient flows of F7")
    seed: int = field(0, "root PRNG seed", lo=0)
    num_seeds: int = field(2, "vmapped seeds (Monte Carlo samples, 4-head inits)", lo=1)


def smoke(c: Config) -> Config:
    """Plumbing only: tiny and fast, claims are not expected to pass."""
    return common.update(c, {
        "task.num_omega": 4, "task.num_mu": 3, "task.mc_prompts": 200,
        "task.check_prompts": 200, "task.norm_draws": 200, "task.norm_coefs": (0.5,),
        "task.norm_fixed_d": ((40, 5),), "task.norm_proportional": ((40, 5), (200, 25)),
        "optim.num_steps": 4000, "optim.fine_steps": 1000, "optim.four_head_record_every": 1000,
    })  # fmt: skip


def paper(c: Config) -> Config:
    """The paper's sizes (as quick) with 5 seeds and 100k prompts for C7."""
    return common.update(c, {"num_seeds": 5, "task.check_prompts": 100_000})


PRESETS = {"smoke": smoke, "quick": common.identity, "paper": paper}


def get_config(arg: str | None = None):
    return common.resolve(arg, PRESETS, Config)
