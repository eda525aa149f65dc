"""The generic training loop: vmap == loop, seed stability, jit, resume, NaN guard, grids,
progress lines and ETAs, metrics written once per step across a resume."""

import json
import time

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from attn_theory import checkpoint, results, train
from attn_theory import progress as progress_lib


def _problem(lr=1e-2):
    def init_fn(key, hp):
        return {"w": 0.1 * jax.random.normal(key, (4,))}

    def sample_fn(key, hp):
        x = jax.random.normal(key, (64, 4))
        return x, x @ jnp.arange(1.0, 5.0)

    def loss_fn(params, batch, hp):
        x, y = batch
        return jnp.mean((x @ params["w"] - y) ** 2), {"w_norm": jnp.linalg.norm(params["w"])}

    return dict(
        init_fn=init_fn,
        sample_fn=sample_fn,
        loss_fn=loss_fn,
        optimizer_fn=lambda hp: optax.adam(hp.get("lr", lr)),
    )


def _fit(keys, **kw):
    args = {**_problem(), "num_steps": 60, "log_every": 20, **kw}
    return train.fit(keys, **args)


def test_vmap_over_seeds_equals_loop_of_single_runs():
    keys = train.seed_keys(jax.random.key(3), 3)
    params, hist = _fit(keys)
    for i in range(3):
        p_i, h_i = _fit(keys[i : i + 1])
        np.testing.assert_allclose(params["w"][i], p_i["w"][0], rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(hist["loss"][i], h_i["loss"][0], rtol=1e-5)


def test_seed_i_does_not_depend_on_num_seeds():
    root = jax.random.key(0)
    p2, _ = _fit(train.seed_keys(root, 2))
    p5, _ = _fit(train.seed_keys(root, 5))
    np.testing.assert_allclose(p2["w"], p5["w"][:2], rtol=1e-5, atol=1e-6)
    assert not np.allclose(p5["w"][0], p5["w"][1])  # seeds differ


def test_shared_data_key_gives_every_run_the_same_batches():
    root = jax.random.key(0)
    shared = jax.random.key(99)
    # Two runs with the same key: identical with shared data and with per-run data.
    same = jnp.stack([root, root])
    p, _ = _fit(same, shared_data_key=shared)
    np.testing.assert_array_equal(p["w"][0], p["w"][1])
    # Different init keys, shared data: run i does not depend on the number of runs, and
    # differs from the per-run-data result (the data stream is not keys[i]'s).
    p2, _ = _fit(train.seed_keys(root, 2), shared_data_key=shared)
    p3, h3 = _fit(train.seed_keys(root, 3), shared_data_key=shared)
    np.testing.assert_allclose(p2["w"], p3["w"][:2], rtol=1e-5, atol=1e-6)
    own, h_own = _fit(train.seed_keys(root, 3))
    assert not np.allclose(h3["loss"][0], h_own["loss"][0])


def test_training_reduces_loss_and_history_shapes():
    keys = train.seed_keys(jax.random.key(1), 2)
    _, hist = train.fit(keys, **_problem(lr=0.1), num_steps=300, log_every=100)
    assert hist["loss"].shape == (2, 3) and list(hist["step"]) == [100, 200, 300]
    assert np.all(hist["loss"][:, -1] < 0.1 * hist["loss"][:, 0])


def test_jit_equals_no_jit():
    keys = train.seed_keys(jax.random.key(2), 2)
    p_jit, _ = _fit(keys)
    with jax.disable_jit():
        p_eager, _ = _fit(keys)
    np.testing.assert_allclose(p_jit["w"], p_eager["w"], rtol=1e-4, atol=1e-5)


def test_killed_and_resumed_run_equals_uninterrupted(tmp_path):
    keys = train.seed_keys(jax.random.key(4), 2)
    full, full_hist = _fit(keys, num_steps=100, log_every=10)

    class Kill(Exception):
        pass

    def on_log(rec):
        if rec["step"] == 70:
            raise Kill

    def factory(name):
        return checkpoint.NpzCheckpointer(str(tmp_path), name)

    with pytest.raises(Kill):
        _fit(
            keys,
            num_steps=100,
            log_every=10,
            hooks=train.Hooks(on_log=on_log, checkpointer_factory=factory),
        )
    resumed, hist = _fit(
        keys, num_steps=100, log_every=10, hooks=train.Hooks(checkpointer_factory=factory)
    )
    np.testing.assert_array_equal(resumed["w"], full["w"])
    np.testing.assert_array_equal(hist["loss"], full_hist["loss"])
    assert list(hist["step"]) == list(range(10, 101, 10))


def test_nan_guard_names_the_step():
    prob = _problem()
    bad = {**prob, "loss_fn": lambda p, b, hp: (jnp.log(-jnp.sum(p["w"] ** 2) - 1.0), {})}
    with pytest.raises(FloatingPointError, match="step 20"):
        train.fit(train.seed_keys(jax.random.key(0), 2), num_steps=40, log_every=20, **bad)


def test_grid_runs_share_seed_keys_and_unflatten():
    keys, hp, shape = train.grid_runs(jax.random.key(0), 2, {"lr": [1e-1, 1e-3]})
    assert shape == (2, 2) and keys.shape == (4,)
    _, hist = _fit(keys, hparams=hp, num_steps=40, log_every=20)
    loss = train.unflatten_runs(hist["loss"], shape)  # [seed, lr, logs]
    assert loss.shape == (2, 2, 2)
    # A 100x larger Adam step moves much further in 40 steps from the same init.
    assert np.all(loss[:, 0, -1] < loss[:, 1, -1])


def test_bad_arguments_raise():
    with pytest.raises(ValueError, match="num_steps"):
        _fit(train.seed_keys(jax.random.key(0), 1), num_steps=0)


def test_progress_lines_name_the_fit_and_time_compilation_apart():
    lines = []
    progress = progress_lib.Progress(
        "demo", plan=[("a", 60), ("b", 40)], log=lambda fmt, msg: lines.append(msg)
    )
    hooks = train.Hooks(progress=progress)
    keys = train.seed_keys(jax.random.key(0), 2)
    _fit(keys, name="a", hooks=hooks)
    _fit(keys, name="b", num_steps=40, hooks=hooks)
    text = "\n".join(lines)
    assert "demo fit 1/2 a: compiled the 20-step chunk in" in text
    assert "demo fit 2/2 b: step 40/40 (100%)" in text
    assert "demo fit 1/2 a: step 20/60 (33%)" in text and "experiment ETA" in text
    timing = progress.timings()
    assert [f["name"] for f in timing["fits"]] == ["a", "b"]
    assert all(f["compile_s"] > 0 and f["run_s"] > 0 for f in timing["fits"])


def test_eta_counts_executed_steps_only():
    lines, now = [], [0.0]
    p = progress_lib.Progress("x", plan=[("a", 2000), ("b", 1000)], clock=lambda: now[0],
                              log=lambda fmt, msg: lines.append(msg))  # fmt: skip
    p.begin_fit("a", 2000, 0, chunk_len=500)
    p.compiled(500, 60.0)  # a minute of compilation must not slow the rate
    out = p.chunk(500, 5.0, 0.5)
    assert out["steps_per_s"] == 100.0 and out["eta_s"] == 15.0
    # Later fit b: 1000 steps at the same rate plus one more compile of the same cost.
    assert out["experiment_eta_s"] == 15.0 + 10.0 + 60.0
    assert (
        "step 500/2000 (25%), 100.0 steps/s, loss 0.5, fit ETA 15s, experiment ETA 1m 25s"
        in (lines[-1])
    )
    assert progress_lib.hms(3725) == "1h 02m 05s" and progress_lib.hms(125) == "2m 05s"
    # 30 s of evaluation between fits count once per fit still to finish (b's own).
    p.chunk(2000, 15.0, 0.4)
    p.end_fit()
    now[0] += 30.0
    p.begin_fit("b", 1000, 0, chunk_len=500)
    p.compiled(500, 60.0)
    assert p.chunk(500, 5.0, 0.3)["experiment_eta_s"] == 5.0 + 30.0


def test_eta_with_a_reference_run_scales_its_later_fits_and_analysis():
    """With the timings of an earlier run of the same plan, the experiment ETA is this fit's
    ETA plus the reference's time after this fit: execution scaled by this fit's speed against
    the reference's, compiling/evaluation/analysis by the time spent outside training steps so
    far against the reference's."""
    ref = {
        "results_s": 60.0,  # 16 s of analysis after fit b
        "fits": [
            {"name": "a", "num_steps": 1000, "start_step": 0, "step": 1000, "run_s": 10.0,
             "compile_s": 5.0, "ended_s": 16.0, "group": None},  # 6 s outside steps
            {"name": "b", "num_steps": 1000, "start_step": 0, "step": 1000, "run_s": 20.0,
             "compile_s": 5.0, "ended_s": 44.0, "group": None},
        ],
    }  # fmt: skip
    now = [0.0]
    p = progress_lib.Progress("x", plan=[("a", 1000), ("b", 1000)], reference=ref,
                              clock=lambda: now[0], log=lambda fmt, msg: None)  # fmt: skip
    now[0] = 2.0  # preparing
    p.begin_fit("a", 1000, 0, chunk_len=500)
    now[0] = 12.0
    p.compiled(500, 10.0)  # 12 s outside training steps so far: twice the reference's 6
    now[0] = 22.0
    out = p.chunk(500, 10.0, 0.5)  # executing twice as slow: 50 steps/s, 10 s left of a
    # 10 s of a + 2 x 20 s of b's execution + 2 x (44 s after a - 20 s execution).
    assert out["eta_s"] == 10.0 and out["experiment_eta_s"] == 10.0 + 40.0 + 48.0
    assert p.timings()["used_reference"]
    # Resumed at step 500 (earlier work skipped): the rest scales like the execution.
    now[0] = 0.0
    r = progress_lib.Progress("x", plan=[("a", 1000), ("b", 1000)], reference=ref,
                              clock=lambda: now[0], log=lambda fmt, msg: None)  # fmt: skip
    r.begin_fit("a", 1000, 500, chunk_len=500)
    now[0] = 6.0
    out = r.chunk(1000, 5.0, 0.5)  # the reference's speed: 100 steps/s, a is done
    assert out["experiment_eta_s"] == 0.0 + 20.0 + 24.0
    # A reference of another plan (or one without end times) is not used.
    for plan, bad in (
        ([("a", 1000), ("b", 2000)], ref),
        ([("a", 1000), ("b", 1000)], {**ref, "results_s": None}),
    ):
        q = progress_lib.Progress("x", plan=plan, reference=bad, log=lambda fmt, msg: None)
        assert q.reference is None and not q.timings()["used_reference"]


def test_heartbeat_reports_a_silent_phase():
    lines = []
    p = progress_lib.Progress("x", heartbeat_s=0.2, log=lambda fmt, msg: lines.append(msg))
    with p.heartbeat(), p.phase("evaluating baselines"):
        time.sleep(0.7)
    assert any("still evaluating baselines" in line for line in lines), lines


def test_resumed_fit_logs_each_step_once(tmp_path):
    keys = train.seed_keys(jax.random.key(4), 2)
    wd = results.Workdir(str(tmp_path))

    class Kill(Exception):
        pass

    def on_log(rec):
        wd.append_metrics(rec)
        if rec["step"] == 70:  # logged, then killed before its checkpoint
            raise Kill

    def hooks(on_log):
        return train.Hooks(on_log=on_log, checkpointer_factory=wd.checkpointer,
                           on_resume=wd.truncate_metrics)  # fmt: skip

    with pytest.raises(Kill):
        _fit(keys, num_steps=100, log_every=10, hooks=hooks(on_log))
    _fit(keys, num_steps=100, log_every=10, hooks=hooks(wd.append_metrics))
    steps = [json.loads(x)["step"] for x in open(tmp_path / "metrics.jsonl")]
    assert steps == list(range(10, 101, 10))


def test_jit_chunk_is_the_public_compiled_step_program():
    prob = _problem()
    chunk = train.jit_chunk(5, prob["sample_fn"], prob["loss_fn"], prob["optimizer_fn"])
    keys = train.seed_keys(jax.random.key(0), 2)
    params = jax.vmap(lambda k: prob["init_fn"](jax.random.split(k)[0], {}))(keys)
    opt_state = jax.vmap(prob["optimizer_fn"]({}).init)(params)
    p5, _, m = chunk(params, opt_state, keys, {}, 0, None)
    ref, hist = _fit(keys, num_steps=5, log_every=5)
    np.testing.assert_allclose(p5["w"], ref["w"], rtol=1e-6)
    np.testing.assert_allclose(m["loss"], hist["loss"][:, 0], rtol=1e-6)


def test_capped_fit_stops_early_and_reports_its_programs():
    """Hooks.max_steps caps a fit and Hooks.on_program reports the compiled step programs
    (what paper_figures.cost and the paper-preset probes rely on)."""
    programs = []
    hooks = train.Hooks(max_steps=2, on_program=programs.append)
    log_fn = lambda params, hp: {"w0": params["w"][0]}  # noqa: E731
    _, hist = _fit(train.seed_keys(jax.random.key(0), 2), hooks=hooks, log_fn=log_fn)
    assert list(hist["step"]) == [2] and hist["loss"].shape == (2, 1)
    (rec,) = programs
    assert rec["name"] == "train" and rec["num_steps"] == 60 and rec["num_runs"] == 2
    assert rec["flops"] > 0 and rec["seconds_per_call"] > 0 and rec["argument_bytes"] > 0
    assert rec["log"]["flops"] >= rec["flops"]


def test_compile_only_fit_and_call_compile_at_full_size_and_run_nothing():
    """Hooks.compile_only: a fit compiles its initialisation and its step programs without
    executing them and returns NaN params and a NaN history of the right shapes (groups:
    the first group's programs stand for all); train.call compiles and returns NaN outputs."""
    programs = []
    hooks = train.Hooks(compile_only=True, on_program=programs.append)
    log_fn = lambda params, hp: {"w0": params["w"][0], "pair": params["w"][:2]}  # noqa: E731
    keys = train.seed_keys(jax.random.key(0), 3)
    params, hist = _fit(keys, hooks=hooks, log_fn=log_fn)
    assert params["w"].shape == (3, 4) and np.isnan(params["w"]).all()  # nothing ran
    assert list(hist["step"]) == [60]
    assert hist["loss"].shape == (3, 1) and hist["pair"].shape == (3, 2, 1)
    assert np.isnan(hist["loss"]).all() and np.isnan(hist["w0"]).all()
    init, rec = programs
    assert init["kind"] == "call" and init["name"] == "train_init" and init["calls"] == 1
    assert init["output_bytes"] > 0 and init["seconds_per_call"] is None
    assert rec["seconds_per_call"] is None and "error" not in rec and rec["flops"] > 0
    assert rec["log"]["seconds_per_call"] is None and rec["num_runs"] == 3

    programs.clear()
    grouped = train.Hooks(compile_only=True, on_program=programs.append, max_runs_per_program=2)
    params, hist = _fit(keys, hooks=grouped, log_fn=log_fn)
    assert params["w"].shape == (3, 4) and hist["loss"].shape == (3, 1)
    init, rec = programs  # one init per group, the first group's step program for both
    assert init["name"] == "train_init" and init["calls"] == 2 and rec["num_groups"] == 2

    def heavy(x):
        return {"sum": jnp.sum(x @ x.T), "argmax": jnp.argmax(x, -1)}

    x = jnp.ones((8, 8))
    out = train.call(heavy, x, hooks=hooks, name="final")
    assert np.isnan(out["sum"]) and out["argmax"].shape == (8,) and out["argmax"].dtype.kind == "i"
    assert programs[-1]["kind"] == "call" and programs[-1]["name"] == "final"
    assert programs[-1]["flops"] > 0 and programs[-1]["seconds_per_call"] is None
    ran = train.call(heavy, x)  # without compile_only: the jitted function's value
    assert float(ran["sum"]) == 512.0 and isinstance(ran["sum"], np.ndarray | np.generic)

    # A spent compile budget: the init, the step+eval program (which holds the step) and the
    # call are traced at full size (shapes checked), not compiled or reported.
    programs.clear()
    traced = train.Hooks(compile_only=True, on_program=programs.append, compile_budget_s=0.0)
    params, hist = _fit(keys, hooks=traced, log_fn=log_fn)
    assert np.isnan(params["w"]).all() and hist["pair"].shape == (3, 2, 1)
    out = train.call(heavy, x, hooks=traced, name="final")
    assert out["argmax"].shape == (8,) and not programs
    assert traced.compile_stats == {"seconds": 0.0, "compiled": 0, "traced": 3}
    with pytest.raises(ValueError, match="matmul"):  # a shape error surfaces when tracing
        train.call(heavy, jnp.ones((8, 3, 2)), hooks=traced, name="bad")
    # Placeholders cost nothing at any size: 2^40 floats (4 TiB) as one broadcast element.
    huge = train.call(lambda v: jnp.zeros((2**20, 2**20)) * v, 1.0, hooks=traced, name="huge")
    assert huge.shape == (2**20, 2**20) and np.isnan(huge[-1, -1]) and huge.strides == (0, 0)


def test_runs_in_groups_equal_one_program(tmp_path):
    """Hooks.max_runs_per_program trains the runs group after group with identical results
    (runs are independent), one checkpoint per group, and a finished group is not retrained."""
    keys = train.seed_keys(jax.random.key(4), 5)
    hp = {"lr": jnp.asarray([1e-2, 2e-2, 3e-2, 4e-2, 5e-2])}
    ref, ref_hist = _fit(keys, hparams=hp)
    assert train.run_groups(5, 2) == [(0, 2), (2, 3), (3, 5)]
    assert train.run_groups(6, 3) == [(0, 3), (3, 6)]
    saved = []

    def factory(name):
        saved.append(name)
        return checkpoint.NpzCheckpointer(str(tmp_path), name)

    lines = []
    hooks = train.Hooks(
        max_runs_per_program=2,
        checkpointer_factory=factory,
        progress=progress_lib.Progress("demo", log=lambda f, m: lines.append(m)),
    )
    params, hist = _fit(keys, hparams=hp, hooks=hooks)
    np.testing.assert_allclose(params["w"], ref["w"], rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(hist["loss"], ref_hist["loss"], rtol=1e-6)
    np.testing.assert_array_equal(hist["step"], ref_hist["step"])
    assert saved == ["train.runs0-1", "train.runs2-2", "train.runs3-4"]
    assert any("fit 1 train (run group 3/3)" in m for m in lines), lines
    assert not any("fit 2" in m for m in lines)  # three groups are one fit
    # Rerun on the same checkpoints: every group restores at its last step, nothing trains.
    again, hist2 = _fit(
        keys, hparams=hp, hooks=train.Hooks(max_runs_per_program=2, checkpointer_factory=factory)
    )
    np.testing.assert_array_equal(again["w"], params["w"])
    np.testing.assert_array_equal(hist2["loss"], hist["loss"])
    with pytest.raises(ValueError, match="max_runs_per_program"):
        train.run_groups(5, 0)


def test_eta_benchmark_scores_lines_against_the_true_remaining_time():
    """benchmarks/eta_accuracy.py: each experiment-ETA line vs the time left until the first
    claim line; a fit's first chunk is listed but not scored."""
    from benchmarks import eta_accuracy

    log = [
        "I1202 10:00:00.000000 1 launch.py:1] icl fit 1/2 a: starting, 100 steps",
        "I1202 10:00:10.000000 1 progress.py:1] icl fit 1/2 a: step 50/100 (50%), 5.0 steps/s, "
        "loss 1, fit ETA 10s, experiment ETA 1m 00s",
        "I1202 10:00:20.000000 1 progress.py:1] icl fit 1/2 a: step 100/100 (100%), 5.0 steps/s, "
        "loss 1, fit ETA 0s, experiment ETA 50s",
        "I1202 10:00:40.000000 1 progress.py:1] icl fit 2/2 b: step 50/100 (50%), 5.0 steps/s, "
        "loss 1, fit ETA 10s, experiment ETA 10s",
        "I1202 10:00:50.000000 1 progress.py:1] icl fit 2/2 b: step 100/100 (100%), 5.0 steps/s, "
        "loss 1, fit ETA 0s, experiment ETA 2s",
        "I1202 10:01:10.000000 1 launch.py:1] icl claim C1   value 1 >= 0 PASS",
    ]
    out = eta_accuracy.score(log)
    assert eta_accuracy.seconds("1h 02m 05s") == 3725
    assert [r["true_s"] for r in out["lines"]] == [60, 50, 30, 20]
    assert [r["first_chunk_of_fit"] for r in out["lines"]] == [True, False, True, False]
    assert out["scored"] == 2 and out["within_tolerance"] == 1  # 50/50 yes, 2/20 no
    with pytest.raises(ValueError, match="no claim line"):
        eta_accuracy.score(log[:-1])
