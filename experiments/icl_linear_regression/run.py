"""In-context linear regression with multi-head softmax attention (He et al., ICML 2025).

Trains one-layer attention models (H heads, plus the comparison head counts and a fixed-scale
linear-attention baseline) on fresh prompts, all seeds vmapped in one program per model, then
measures the emergent KQ/OV patterns, the debiased-GD match, the estimator comparison and
length generalisation. Claims C1-C5 of the spec. Figures in icl_linear_regression_plots.py.

    python -m experiments.icl_linear_regression \
        --config=configs/icl_linear_regression.py:quick --workdir=/tmp/icl
"""

from __future__ import annotations

import dataclasses

import jax
import numpy as np

from attn_theory import attention, train, validation
from attn_theory.models import icl
from attn_theory.theory import icl as theory
from experiments import icl_claims, icl_common, launch
from experiments import icl_linear_regression_plots as plots

NAME = "icl_linear_regression"


@dataclasses.dataclass(frozen=True)
class TaskConfig:
    dim: int = 5
    context_len: int = 40
    noise_var: float = 0.1
    query_noise: bool = True
    eval_prompts: int = 20000
    baseline_prompts: int = 40000
    curve_prompts: int = 5000
    eval_lens: tuple[int, ...] = (10, 20, 40, 60, 100, 200)


@dataclasses.dataclass(frozen=True)
class ModelConfig:
    num_heads: int = 2
    compare_heads: tuple[int, ...] = (1, 4)
    linear_baseline: bool = True
    linear_normalization: str = "none"
    attention_impl: str = "reference"


@dataclasses.dataclass(frozen=True)
class OptimConfig:
    learning_rate: float = 1e-3
    batch_size: int = 256
    num_steps: int = 8000
    short_steps: int = 5000
    shared_data: bool = False


@dataclasses.dataclass(frozen=True)
class Config:
    task: TaskConfig = TaskConfig()
    model: ModelConfig = ModelConfig()
    optim: OptimConfig = OptimConfig()
    seed: int = 0
    num_seeds: int = 3
    log_every: int = 500
    checkpoint_every: int = 4


def validate(cfg: Config) -> None:
    validation.int_range("task.dim", cfg.task.dim, 1)
    validation.int_range("task.context_len", cfg.task.context_len, 1)
    validation.check(cfg.task.noise_var >= 0, "task.noise_var", "must be >= 0")
    validation.int_range("task.eval_prompts", cfg.task.eval_prompts, 1)
    validation.int_range("task.baseline_prompts", cfg.task.baseline_prompts, 1)
    validation.int_range("task.curve_prompts", cfg.task.curve_prompts, 1)
    validation.check(
        len(cfg.task.eval_lens) > 0 and min(cfg.task.eval_lens) >= 1,
        "task.eval_lens",
        "must be a non-empty list of lengths >= 1",
    )
    validation.int_range("model.num_heads", cfg.model.num_heads, 1, 64)
    for h in cfg.model.compare_heads:
        validation.int_range("model.compare_heads", h, 1, 64)
    validation.one_of(
        "model.linear_normalization", cfg.model.linear_normalization, ("none", "train", "actual")
    )
    validation.one_of("model.attention_impl", cfg.model.attention_impl, attention.ATTENTION_IMPLS)
    validation.positive("optim.learning_rate", cfg.optim.learning_rate)
    validation.int_range("optim.batch_size", cfg.optim.batch_size, 1)
    validation.int_range("optim.num_steps", cfg.optim.num_steps, 1)
    validation.int_range("optim.short_steps", cfg.optim.short_steps, 1)
    validation.int_range("num_seeds", cfg.num_seeds, 1)
    validation.int_range("log_every", cfg.log_every, 1)
    validation.int_range("checkpoint_every", cfg.checkpoint_every, 1)


def sample_kwargs(cfg: Config, context_len: int | None = None) -> dict:
    t = cfg.task
    return {
        "d": t.dim,
        "context_len": context_len or t.context_len,
        "noise_var": t.noise_var,
        "query_noise": t.query_noise,
    }


def model_specs(cfg: Config) -> dict[str, icl.ICLAttention]:
    heads = sorted({cfg.model.num_heads, *cfg.model.compare_heads})
    specs = {
        f"softmax_h{h}": icl.ICLAttention(num_heads=h, attention_impl=cfg.model.attention_impl)
        for h in heads
    }
    if cfg.model.linear_baseline:
        specs["linear_h2"] = icl.ICLAttention(
            num_heads=2,
            kind="linear",
            linear_normalization=cfg.model.linear_normalization,
            train_len=cfg.task.context_len,
            # memory_efficient / xla are softmax-only backends; merged serves any kind.
            attention_impl="merged" if cfg.model.attention_impl == "merged" else "reference",
        )
    return specs


def steps_for(cfg: Config, name: str) -> int:
    """The spec's budgets: H=1 and the linear baseline need only short_steps (C3, C5)."""
    return cfg.optim.short_steps if name in ("softmax_h1", "linear_h2") else cfg.optim.num_steps


def run(cfg: Config, key: jax.Array, hooks: train.Hooks | None = None) -> dict[str, np.ndarray]:
    """Trains every model over seeds; returns arrays with a leading [seed] axis."""
    d, lens = cfg.task.dim, cfg.task.eval_lens
    train_root, eval_root = jax.random.split(key)
    keys = train.seed_keys(train_root, cfg.num_seeds)
    eval_keys = train.seed_keys(eval_root, cfg.num_seeds)
    evals = {
        L: icl_common.eval_batches(
            jax.vmap(lambda k, L=L: jax.random.fold_in(k, L))(eval_keys),
            cfg.task.eval_prompts,
            sample_kwargs(cfg, L),
        )
        for L in lens
    }
    out: dict[str, np.ndarray] = {"eval_lens": np.tile(np.asarray(lens), (cfg.num_seeds, 1))}
    for name, model in model_specs(cfg).items():
        params, hist = icl_common.train_icl(
            keys,
            model,
            sample_kwargs(cfg),
            batch_size=cfg.optim.batch_size,
            learning_rate=cfg.optim.learning_rate,
            num_steps=steps_for(cfg, name),
            log_every=cfg.log_every,
            name=name,
            hooks=hooks,
            shared_data_key=jax.random.fold_in(train_root, 10**6)
            if cfg.optim.shared_data
            else None,
        )
        out[f"{name}/train_loss"] = hist["loss"]
        out[f"{name}/omega_hist"] = hist["omega"]
        out[f"{name}/mu_hist"] = hist["mu"]
        out[f"{name}/steps"] = np.tile(hist["step"], (cfg.num_seeds, 1))
        out[f"{name}/loss_vs_len"] = np.stack(
            [
                icl_common.mse(icl_common.predict(model, params, evals[L]), evals[L]["y_q"])
                for L in lens
            ],
            -1,
        )
        kq, ov = jax.vmap(icl.merged_weights)(params)
        pat = jax.vmap(lambda a, b: icl.head_patterns(a, b, d))(kq, ov)
        out[f"{name}/kq"], out[f"{name}/ov"] = np.asarray(kq), np.asarray(ov[..., 0])
        for k in ("omega", "mu", "diag_ratio", "homogeneity", "ov_ratio", "eta"):
            out[f"{name}/{k}"] = np.asarray(pat[k])
        # Match to debiased GD with the model's own eta, on the training length (float64;
        # DGD is linear in eta, so one unit-step prediction serves every seed's eta).
        ev = evals[cfg.task.context_len]
        n_s, n_b = ev["x"].shape[:2]
        flat = {
            k: np.asarray(ev[k], np.float64).reshape(n_s * n_b, *ev[k].shape[2:])
            for k in ("x", "y", "x_q")
        }
        unit = theory.dgd_predict(flat["x"], flat["y"][..., 0], flat["x_q"], 1.0)
        dgd = unit.reshape(n_s, n_b) * out[f"{name}/eta"][:, None]
        pred = np.asarray(icl_common.predict(model, params, ev))[..., 0]
        out[f"{name}/dgd_rel_err"] = np.mean((pred - dgd) ** 2, -1) / np.mean(dgd**2, -1)
    out.update(baselines(cfg, eval_root))
    return out


def baselines(cfg: Config, eval_root) -> dict[str, np.ndarray]:
    """Monte-Carlo risks (float64) of the closed-form predictors, per seed and length.

    baseline_prompts prompts per seed at the training length (claim C1), curve_prompts at
    the other lengths (figure F5 only).
    """
    d, s2, lens = cfg.task.dim, cfg.task.noise_var, cfg.task.eval_lens
    keys = train.seed_keys(jax.random.fold_in(eval_root, 10**6), cfg.num_seeds)
    omega1, mu1, _ = theory.single_head_optimum(d, cfg.task.context_len, s2)
    res = {k: [] for k in ("ridge", "gd_opt", "dgd", "reduced_2head", "single_head")}

    def n_prompts(L):
        return cfg.task.baseline_prompts if L == cfg.task.context_len else cfg.task.curve_prompts

    for L in lens:
        s, b = cfg.num_seeds, n_prompts(L)
        ev = icl_common.eval_batches(
            jax.vmap(lambda k, L=L: jax.random.fold_in(k, L))(keys), b, sample_kwargs(cfg, L)
        )
        x, y, xq, yq = (
            np.asarray(ev[k], np.float64).reshape(s * b, *ev[k].shape[2:])
            for k in ("x", "y", "x_q", "y_q")
        )
        y, yq = y[..., 0], yq[..., 0]
        preds = {
            "ridge": theory.ridge_predict(x, y, xq, d * s2),
            "gd_opt": theory.gd_predict(x, y, xq, theory.eta_star(d, L, s2)),
            # The repo's trained 2-head values (omega, mu) = (0.13, 3.45): eta = 2 omega mu.
            "dgd": theory.dgd_predict(x, y, xq, 2 * 0.13 * 3.45),
            "reduced_2head": theory.reduced_softmax_predict(x, y, xq, [0.13, -0.13], [3.45, -3.45]),
            "single_head": theory.reduced_softmax_predict(x, y, xq, [omega1], [mu1]),
        }
        for k, p in preds.items():
            res[k].append(np.mean(((p - yq) ** 2).reshape(s, b), -1))
    return {f"baseline/{k}": np.stack(v, -1) for k, v in res.items()}


claims = icl_claims.claims
plot = plots.plot

if __name__ == "__main__":
    launch.cli(__name__)
