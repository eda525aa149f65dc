"""Recall with attention, linear attention and SSMs; mimetic initialisation.

Sieber et al., "Understanding the differences in Foundation Models: Attention, State Space
Models, and Recurrent Neural Networks" (NeurIPS 2024; the DSF identities and the MQAR state
expansion study), Trockman & Kolter, "Mimetic Initialization of Self-Attention Layers" (ICML
2023) and Trockman et al., "Mimetic Initialization Helps State Space Models Learn to Recall"
(2024). Claims E1-E5, S1-S4, M1-M4, N1-N2, Z1 are described in docs/papers/recall_ssm.md.

Command:
  python -m experiments.recall_ssm --config=configs/recall_ssm.py:quick --workdir=/tmp/recall_ssm

smoke: plumbing only (tiny sizes, a few steps; identities, softmax and SSD only, no Z1);
  claims are not expected to pass. The other mixers train in tests/mixers_test.py.

quick [ours: sizes and the stacked task]: float64 identities at T=64; stacked MQAR (P=16 pairs,
  64 keys, 64 values, T=32), width 64, one pre-LN residual layer, read-out tied to the
  N(0, 0.02) value read-in after a final LayerNorm (the DSF authors' tied LM head), batch 32,
  AdamW(3e-3, wd 0.1) with cosine decay; softmax (lecun vs mimetic, 400 steps), linear
  attention eq. (16) at n = 4/16/64, normalised attention eq. (21) at n = 16 and SSD (N=16)
  with four inits, 600 steps, 4 seeds; the Zoology-format check with a token shift (T=64,
  kv 8 and 16, 1500 steps). Every (learning rate x init x seed) grid of one model is one
  jit(vmap) program.
  Runtime: 3 min 36 s on the idle 2-core CPU (the command above with --noplot, 2 devices).
  Measured (root seed 0, 4 seeds): softmax 1.0 by step 50; linear 0.25 / 0.72 / 0.98 at
  n = 4 / 16 / 64; normalised 0.99 at n = 16 (S4 gap 0.27); SSD default stays at chance
  (0.016 at step 200), mimetic 0.94-0.98 at step 100; decay-only and tie-only alone are
  seed-dependent (M3 fails: 0.67 / 0.89); mimetic softmax stuck at chance (0.017, N2);
  Zoology + shift 1.0 at kv 8, kv 16 1.0 on 3 of 4 seeds (Z1 fails on one: 0.11). With
  model.readout=dense S4, M2, M4, N1, N2 fail (docs/papers/recall_ssm.md).
paper: the DSF authors' MQAR grid on the Zoology format (V=8192, T=512, kv=64, widths 64-512,
  state expansions 32-256, two layers without token shift, learning rates logspace(-4,-2,4),
  max over the learning-rate grid as the authors plot), S6 added; GPU scale (evaluation in
  chunks of task.eval_chunk=100 prompts). Compiled at full size (PAPER_SCALE.md): the
  64-run S6 fits do not fit one 80 GB GPU even one run per program (S6 at d=512, N=256:
  about 101 GiB per run, every scan state kept for the backward pass); on one GPU add
  --max_runs_per_program=1 --config.model.s6_states='(32,64,128)' (S6 at N=128 and d=512
  needs about 52 GiB per run), or split the batch over devices.
"""

from __future__ import annotations

import dataclasses

from configs import common
from configs.common import field, section


@dataclasses.dataclass(frozen=True)
class Identities:
    seq_len: int = field(64, "T of the float64 identity checks", lo=2)
    width: int = field(16, "value width d (channels) of the identity checks", lo=1)
    state: int = field(8, "feature width n / SSM state N of the identity checks", lo=1)
    heads: int = field(2, "heads of the identity checks", lo=1)
    batch: int = field(2, "sequences per identity check", lo=1)
    taylor_orders: tuple[int, ...] = field((2, 4, 6, 8), "even Taylor orders p of exp (E5)",
                                           lo=2, nonempty=True)  # fmt: skip
    score_radius: float = field(2.0, "|q| = |k| = radius, so |q.k| <= radius^2 (E5)", gt=0.0)


@dataclasses.dataclass(frozen=True)
class Task:
    format: str = field("stacked", "'stacked' [ours] or 'zoology' (the authors' MQAR format)",
                        choices=("stacked", "zoology"))  # fmt: skip
    num_pairs: int = field(16, "stacked: P pairs (T = 2P)", lo=1)
    num_keys: int = field(64, "stacked: key alphabet", lo=1)
    num_values: int = field(64, "stacked: value alphabet (chance = 1/num_values)", lo=1)
    seq_len: int = field(512, "zoology: T", lo=4)
    num_kv: int = field(64, "zoology: key-value pairs", lo=1)
    vocab: int = field(8192, "zoology: vocabulary V (> T)", lo=4)
    shift: bool = field(False, "zoology: token shift as a one-hot input [ours]")
    batch_size: int = field(32, "fresh prompts per step", lo=1)
    eval_batch: int = field(256, "fresh prompts per evaluation (fixed eval key per seed)", lo=1)
    eval_chunk: int = field(
        256,
        "prompts per evaluation forward pass (memory; divides "
        "eval_batch unless larger; the attention maps use one chunk)",
        lo=1,
    )


@dataclasses.dataclass(frozen=True)
class Model:
    widths: tuple[int, ...] = field((64,), "model widths d (the DSF figure-2 axis)", lo=1,
                                    nonempty=True)  # fmt: skip
    num_layers: int = field(1, "pre-LN residual mixer blocks (no MLP)", lo=1)
    softmax_dim: int = field(64, "softmax head dimension (0: none trained)", lo=0)
    linear_states: tuple[int, ...] = field((4, 16, 64), "linear attention (16): feature widths n",
                                           lo=1)  # fmt: skip
    normalized_states: tuple[int, ...] = field((16,), "normalised attention (21): widths n", lo=1)
    ssd_states: tuple[int, ...] = field((16,), "SSD state N per channel", lo=1)
    s6_states: tuple[int, ...] = field((), "S6 state N per channel (recurrent scan)", lo=1)
    readout: str = field("tied", "'tied' to the read-in rows of the values / tokens (as the DSF "
                         "authors' LM head is tied to its embedding) or 'dense' (its own)",
                         choices=("dense", "tied"))  # fmt: skip
    embed_std: float = field(0.02, "read-in init N(0, std^2) (the authors' 0.02); 0: lecun",
                             lo=0.0)  # fmt: skip
    final_norm: bool = field(True, "LayerNorm before the read-out (the authors' final LN)")
    feature: str = field("elu1", "linear attention feature map", choices=("identity", "elu1"))
    normalization: str = field("kernel", "linear attention normaliser", choices=("none", "kernel"))


@dataclasses.dataclass(frozen=True)
class Init:
    ssm_inits: tuple[str, ...] = field(("default", "mimetic", "mimetic_decay", "mimetic_tie"),
                                       "SSD/S6 inits (vmapped)", nonempty=True,
                                       choices=("default", "mimetic", "mimetic_decay",
                                                "mimetic_tie"))  # fmt: skip
    attention_inits: tuple[str, ...] = field(("default", "mimetic"),
                                             "softmax inits ('default' = lecun)", nonempty=True,
                                             choices=("default", "mimetic"))  # fmt: skip
    alpha_qk: float = field(0.7, "mimetic W_Q W_K^T = alpha Z + beta I: alpha", lo=0.0)
    beta_qk: float = field(0.7, "mimetic W_Q W_K^T: beta", lo=0.0)
    alpha_vo: float = field(0.4, "mimetic W_V W_O = alpha Z - beta I: alpha", lo=0.0)
    beta_vo: float = field(0.4, "mimetic W_V W_O: beta", lo=0.0)
    weak_qk: float = field(0.2, "extra mimetic softmax run with alpha = beta = this (0: none)",
                           lo=0.0)  # fmt: skip
    ssm_decay: float = field(1e-3, "mimetic SSM: A = -ssm_decay (decay near 1) [ours]", gt=0.0)


@dataclasses.dataclass(frozen=True)
class Zoology:
    num_kv: tuple[int, ...] = field((8, 16), "Z1: key-value pairs (0 entries: skip Z1)", lo=1)
    seq_len: int = field(64, "Z1: T", lo=4)
    vocab: int = field(128, "Z1: vocabulary", lo=4)
    shift: bool = field(True, "Z1: token shift [ours]")
    num_steps: int = field(1500, "Z1: training steps", lo=1)


@dataclasses.dataclass(frozen=True)
class Optim:
    learning_rates: tuple[float, ...] = field((3e-3,), "peak learning rates (one vmapped grid)",
                                              gt=0.0, nonempty=True)  # fmt: skip
    b1: float = field(0.9, "AdamW beta1", lo=0.0, hi=1.0)
    b2: float = field(0.999, "AdamW beta2", lo=0.0, hi=1.0)
    weight_decay: float = field(0.1, "AdamW decoupled weight decay", lo=0.0)
    softmax_steps: int = field(400, "softmax training steps", lo=1)
    num_steps: int = field(600, "linear / normalised / SSM training steps", lo=1)
    log_every: int = field(50, "steps per compiled chunk / evaluation", lo=1)
    target_accuracy: float = field(0.9, "'steps to' threshold (M4, S1)", lo=0.0, hi=1.0)


@dataclasses.dataclass(frozen=True)
class Config:
    identities: Identities = section(Identities, "float64 DSF identities (E1-E5)")
    task: Task = section(Task, "MQAR of the state-size and mimetic studies")
    model: Model = section(Model, "mixers and state sizes")
    init: Init = section(Init, "initialisations")
    zoology: Zoology = section(Zoology, "paper-format sanity check Z1")
    optim: Optim = section(Optim, "AdamW with cosine decay")
    seed: int = field(0, "root PRNG seed", lo=0)
    num_seeds: int = field(4, "vmapped seeds", lo=1)


def smoke(c: Config) -> Config:
    """Plumbing only: tiny sizes, a few steps; claims need not pass."""
    return common.update(c, {
        "identities.seq_len": 8, "identities.width": 4, "identities.state": 2,
        "identities.taylor_orders": (2, 4),
        "task.num_pairs": 4, "task.num_keys": 8, "task.num_values": 8, "task.eval_batch": 16,
        "task.batch_size": 8, "model.widths": (16,), "model.softmax_dim": 8,
        "model.linear_states": (), "model.normalized_states": (), "model.ssd_states": (4,),
        "init.ssm_inits": ("default", "mimetic"), "zoology.num_kv": (),
        "optim.softmax_steps": 4, "optim.num_steps": 4, "optim.log_every": 2, "num_seeds": 2,
    })  # fmt: skip


def quick(c: Config) -> Config:
    """The CPU reproduction on the stacked task (schema defaults, the stacked format)."""
    return common.update(c, {"task.format": "stacked"})


def paper(c: Config) -> Config:
    """The DSF authors' MQAR grid (Zoology format, two layers, lr grid); GPU scale."""
    return common.update(c, {
        "task.format": "zoology", "task.seq_len": 512, "task.num_kv": 64, "task.vocab": 8192,
        "task.batch_size": 64, "task.eval_batch": 3000, "task.eval_chunk": 100,
        "model.widths": (64, 128, 256, 512), "model.num_layers": 2, "model.softmax_dim": 128,
        "model.linear_states": (32, 64, 128, 256), "model.normalized_states": (32, 64, 128, 256),
        "model.ssd_states": (32, 64, 128, 256), "model.s6_states": (32, 64, 128, 256),
        "optim.learning_rates": (1e-4, 4.64e-4, 2.15e-3, 1e-2),
        "optim.softmax_steps": 12_500, "optim.num_steps": 12_500, "optim.log_every": 500,
        "zoology.num_kv": (16, 64), "zoology.seq_len": 256, "zoology.vocab": 8192,
        "zoology.num_steps": 12_500, "num_seeds": 4,
    })  # fmt: skip


PRESETS = {"smoke": smoke, "quick": quick, "paper": paper}


def get_config(arg: str | None = None):
    return common.resolve(arg, PRESETS, Config)
