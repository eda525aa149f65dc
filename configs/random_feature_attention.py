"""Random-feature attention vs a random-feature MLP (Fu, Guo, Bai, Mei; NeurIPS 2023).

Reproduces the qualitative claims of "What can a Single Attention Layer Learn? A Study
Through the Random Features Lens" (arXiv 2307.11353) as checks B1-B6 of
shared/papers/specs/rank_and_random_features.md part B.3: M-head random-feature attention
(RFA, frozen Gaussian query-key matrices, trained value vectors) learns key-permutation-
invariant pairwise targets with far fewer samples than a random-feature MLP with the same
number of trained parameters (B1), does not pay for the context length N while the MLP
collapses (B2), and a query-key mean beta * identity (BRFA) helps on correlation targets (B5)
but costs accuracy elsewhere (B6); B3 sanity, B4 more data helps. Fits are closed-form ridge
with lambda chosen on validation data; one setting is re-fitted by gradient descent (optax
via train.fit) to show the two agree [ours].

Settings: the paper's text and code could not be read. The model STRUCTURE (scalar M-head
attention, frozen W, trained v, biased variant, RFMLP baseline) is the paper's (confirmed
through summaries). Everything numeric is OURS / the spec's reconstruction: ReLU score
activation normalised by 1/N ([recall], `model.activation='softmax'` is the alternative),
x~ = [x; 1], logit noise std 1, BRFA mean (beta/sqrt(d)) [I 0; 0 0], the target list, d=8,
M=256, the sample sizes and the lambda grid.

    python -m experiments.random_feature_attention \
        --config=configs/random_feature_attention.py:quick --workdir=/tmp/random_feature_attention

quick: d=8, M=256 (p=2304), N in {2, 8, 16}, n in {250, 1000, 3000, 4000}, six targets,
  RFA / BRFA(beta=2) / RFMLP, 2 seeds vmapped, heads sweep M in {4..256}, GD check 1000
  steps; about 45 s on a 2-core CPU (measured under load ~2-3 with OPENBLAS_NUM_THREADS=1;
  on a shared, oversubscribed CPU set OPENBLAS_NUM_THREADS=1, else the LAPACK eigh behind the
  ridge fits runs ~20x slower). Expected: B1-B6 and the GD check pass (RFA corr1 ~0.056 vs
  RFMLP ~0.75 at n=4000; BRFA corr2 ~0.37 vs RFA ~1.02; BRFA is better than the spec's
  calibration on relu_corr (~0.004 vs 0.23) and corr1 (~0.07 vs 0.71)).
paper: [ours, GPU-scale] the spec's full grid scaled up: N in {2, 4, 8, 16, 32},
  n up to 16000, beta in {1, 2, 4}, M up to 2048, 5 seeds (the paper's sizes are unknown).
Overrides: `:quick,num_seeds=4`, `--config.model.activation=softmax`,
  `--config.task.targets="('corr1','corr2')"`.
"""

from __future__ import annotations

import ml_collections

from configs import common


def base() -> ml_collections.ConfigDict:
    c = ml_collections.ConfigDict()
    # Task
    c.task = ml_collections.ConfigDict()
    c.task.dim = 8  # token dimension d; tokens uniform on the sphere of radius sqrt(d)
    c.task.context_lengths = (2, 8, 16)  # numbers of keys N for the context-length sweep
    c.task.main_context = 8  # N of the sample-size and heads sweeps (one of context_lengths)
    c.task.targets = ("lin_keys", "corr1", "bilinS", "corr2", "corr3", "relu_corr")  # registry
    c.task.sample_sizes = (250, 1000, 4000)  # training sizes n of the sample-size sweep
    c.task.context_sweep_samples = 3000  # n of the context-length sweep (B2)
    c.task.num_val = 1000  # validation samples (lambda selection)
    c.task.num_test = 2000  # test samples (relative test error)
    # Model
    c.model = ml_collections.ConfigDict()
    c.model.activation = "relu"  # score activation: 'relu' (1/N, spec) or 'softmax' (ours)
    c.model.num_heads = 256  # heads M; RFMLP width is matched to M (d+1) in code
    c.model.head_counts = (4, 16, 32, 64, 128, 256)  # heads sweep (prefixes of the M heads)
    c.model.noise_std = 1.0  # std of the random logit x~_0^T G x~_i
    c.model.betas = (2.0,)  # BRFA mean logit beta * c_i; one biased model per beta
    c.model.context_sweep_brfa = False  # also fit BRFA at every N (else only at main_context)
    # Optim
    c.optim = ml_collections.ConfigDict()
    c.optim.lambdas = (1e-8, 1e-6, 1e-4, 1e-3, 1e-2, 0.1, 1.0)  # ridge grid, x mean(s^2)
    c.optim.gd_model = "rfa"  # model re-fitted by gradient descent ('rfa', 'brfa_b2', 'rfmlp')
    c.optim.gd_target = "corr1"  # target of the gradient-descent check
    c.optim.gd_samples = 1000  # n of the gradient-descent check (one of sample_sizes)
    c.optim.gd_steps = 1000  # full-batch Nesterov steps at lr 1/L (L derived in code)
    c.optim.gd_momentum = 0.9  # Nesterov momentum
    c.optim.gd_log_every = 250  # steps per compiled chunk / metrics record
    # Run
    c.seed = 0  # root PRNG seed
    c.num_seeds = 2  # vmapped seeds (seed i = fold_in(root, i))
    return c


def _quick(c):
    pass


def _paper(c):
    c.task.context_lengths = (2, 4, 8, 16, 32)
    c.task.sample_sizes = (250, 500, 1000, 2000, 4000, 8000, 16000)
    c.model.head_counts = (4, 16, 32, 64, 128, 256, 512, 1024, 2048)
    c.model.num_heads = 2048
    c.model.betas = (1.0, 2.0, 4.0)
    c.model.context_sweep_brfa = True
    c.optim.gd_steps = 5000
    c.optim.gd_log_every = 500
    c.num_seeds = 5


PRESETS = {"quick": _quick, "paper": _paper}


def get_config(arg: str | None = None) -> ml_collections.ConfigDict:
    return common.resolve(arg, PRESETS, base)
