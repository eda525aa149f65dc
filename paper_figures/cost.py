"""Paper-scale cost report: every paper preset compiled, probed for a few steps, projected.

    python -m paper_figures.cost                       # all registered experiments
    python -m paper_figures.cost --only=rank_vs_heads --max_steps=2 --timeout_s=900
    python -m paper_figures.cost --table_only       # rewrite PAPER_SCALE.md from the JSON
    python -m paper_figures.cost --compile_only     # compile every program, run none

For each experiment, in its own process: build the paper config, run it with every training
fit capped at --max_steps steps (train.Hooks.max_steps), and for every fit compile its one-step
program at the paper's shapes and record memory_analysis() (arguments, outputs, temp),
cost_analysis() (FLOPs, bytes accessed) and the measured CPU seconds per step (and per
evaluation). The run's claims and figures are computed too, so a shape error anywhere in
the pipeline shows up. From these:
  CPU estimate = wall time of the capped run + sum over fits of the remaining steps x seconds
                 per step + remaining evaluations x seconds per evaluation.
  GPU estimate = roofline lower bound per step, max(FLOPs / peak, bytes / bandwidth), at the
                 rates of GPU_SPEC (an estimate: small programs are latency-bound on a GPU).
Writes paper_figures/PAPER_SCALE.md and paper_figures/paper_scale.json. Experiments whose
probe exceeds --timeout_s are reported as such, with what finished.

--compile_only (train.Hooks.compile_only) runs nothing at full size: every training fit's
initialisation, step and step+evaluation programs, and every program a run calls through
`train.call` (final evaluations, ablations), are compiled at the paper's shapes and their
memory and FLOPs recorded; fits return NaN parameters of the right shapes. It answers
"does every paper program compile, and does it fit one GPU?" for the presets whose
few-step probe takes too long on a CPU; its records are kept beside the few-step probe's
(key "compiled").
"""

from __future__ import annotations

import concurrent.futures
import json
import math
import multiprocessing
import os
import time
import traceback

from absl import app, flags, logging

from paper_figures import registry

# NVIDIA H100 SXM5 datasheet (dense, no sparsity): FP32 67 TFLOP/s, BF16 Tensor Core
# 989 TFLOP/s, HBM3 3.35 TB/s, 80 GB. Used only for a labelled roofline estimate.
GPU_SPEC = {
    "name": "NVIDIA H100 SXM5 (datasheet, dense)",
    "f32_flops": 67e12,
    "bf16_flops": 989e12,
    "bandwidth": 3.35e12,
    "memory_bytes": 80e9,
}


# Runs per compiled program in the CPU probe of the presets whose run axis does not fit
# this machine's memory at once (train.Hooks.max_runs_per_program); the table scales the
# measured program to the largest group that fits one GPU.
PROBE_GROUPS = {"rank_vs_heads": 5, "recall_ssm": 2}


def probe(stem: str, preset: str, max_steps: int, stream: str | None = None,
          max_runs: int | None = None, compile_only: bool = False,
          compile_budget_s: float | None = None) -> dict:  # fmt: skip
    """Runs `stem`'s preset with capped fits; returns the per-program records and timings.

    With `stream` (a path), every program record is also appended there as one JSON line
    the moment it is measured, so a probe stopped by its time limit still reports the
    programs it compiled. With compile_only and `compile_budget_s`, programs past that many
    seconds of compiling are traced at full size, not compiled (train.Hooks); the record's
    "compile_stats" counts both."""
    os.environ.setdefault("MPLBACKEND", "Agg")
    import jax
    import matplotlib.pyplot as plt

    from attn_theory import train
    from experiments import launch

    exp = launch.load(stem)
    cfg = launch.build_config(exp, exp.config.get_config(preset))
    programs: list[dict] = []

    def on_program(rec: dict) -> None:
        programs.append(rec)
        if stream:
            with open(stream, "a") as f:
                f.write(json.dumps(rec) + "\n")

    hooks = train.Hooks(max_steps=max_steps, on_program=on_program,
                        max_runs_per_program=max_runs, compile_only=compile_only,
                        compile_budget_s=compile_budget_s)  # fmt: skip
    t0 = time.time()
    out = exp.run(cfg, jax.random.key(cfg.seed), hooks=hooks)
    out = {k: jax.device_get(v) for k, v in out.items()}
    run_s = time.time() - t0
    claims = exp.claims(out, cfg)
    figures = exp.plot(out, cfg)
    for fig in figures.values():
        plt.close(fig)
    return {
        "stem": stem,
        "status": "ok",
        "run_s": run_s,
        "programs": programs,
        "num_claims": len(claims),
        "num_figures": len(figures),
        "num_seeds": getattr(cfg, "num_seeds", None),
        "max_steps": max_steps,
        "max_runs_per_program": max_runs,
        "compile_only": compile_only,
        "compile_stats": dict(hooks.compile_stats) if compile_only else None,
    }


def _safe_probe(stem: str, preset: str, max_steps: int, stream: str | None = None,
                max_runs: int | None = None, compile_only: bool = False) -> dict:  # fmt: skip
    try:
        return probe(stem, preset, max_steps, stream, max_runs, compile_only)
    except MemoryError as e:  # a program compiled (memory known) but does not fit here
        return {"stem": stem, "status": "too large for this CPU", "error": str(e)}
    except Exception as e:  # noqa: BLE001 - reported in the table, the suite goes on
        return {"stem": stem, "status": "failed", "error": f"{type(e).__name__}: {e}",
                "traceback": traceback.format_exc()[-3000:]}  # fmt: skip


def _read_stream(path: str) -> list[dict]:
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def project(rec: dict) -> dict:
    """Adds totals and CPU / GPU projections to one probe record."""
    progs = rec.get("programs") or []
    if rec.get("status") != "ok":  # a stopped probe: only the memory of what it compiled
        return dict(rec, peak_bytes=_peak(progs), gpu_group=gpu_group(progs)) if progs else rec
    done = rec["max_steps"]
    cpu_rest, flops, gpu32, gpu16, runs = 0.0, 0.0, 0.0, 0.0, []
    bw = GPU_SPEC["bandwidth"]
    for p in rec["programs"]:
        if p.get("kind") == "call":  # executed inside the capped run: in run_s already
            continue
        groups = p.get("num_groups", 1)  # every group trains all the steps
        steps = p["num_steps"] * groups
        logs = math.ceil(steps / p["log_every"])
        left = max(steps - done * groups, 0)
        eval_s = 0.0
        if "log" in p:
            eval_s = max(p["log"]["seconds_per_call"] - p["seconds_per_call"], 0.0)
        cpu_rest += left * p["seconds_per_call"] + max(logs - 1, 0) * eval_s
        flops += steps * p["flops"]
        gpu32 += steps * max(p["flops"] / GPU_SPEC["f32_flops"], p["bytes_accessed"] / bw)
        gpu16 += steps * max(p["flops"] / GPU_SPEC["bf16_flops"], p["bytes_accessed"] / bw)
        runs.append(p.get("total_runs", p["num_runs"]))
    peak = _peak(progs)
    return dict(
        rec,
        cpu_estimate_s=rec["run_s"] + cpu_rest,
        total_flops=flops,
        peak_bytes=peak,
        gpu_f32_s=gpu32,
        gpu_bf16_s=gpu16,
        fits_one_gpu=peak < GPU_SPEC["memory_bytes"],
        run_axes=sorted(set(runs)),
        gpu_group=gpu_group(progs),
    )


def project_compiled(rec: dict) -> dict:
    """Totals of a compile-only probe: peak memory over every compiled program (training
    step, step + evaluation, and `train.call` programs), training FLOPs (per step x steps x
    groups) plus one execution of each call program, and the GPU roofline of those."""
    rec = {k: v for k, v in rec.items() if k not in ("gpu_group", "one_run_bytes", "one_run_fit")}
    progs = rec.get("programs") or []
    flops = gpu32 = gpu16 = 0.0
    bw = GPU_SPEC["bandwidth"]
    for p in progs:
        n = (
            p.get("calls", 1)
            if p.get("kind") == "call"
            else p["num_steps"] * p.get("num_groups", 1)
        )
        flops += n * p["flops"]
        gpu32 += n * max(p["flops"] / GPU_SPEC["f32_flops"], p["bytes_accessed"] / bw)
        gpu16 += n * max(p["flops"] / GPU_SPEC["bf16_flops"], p["bytes_accessed"] / bw)
    peak = _peak(progs)
    out = dict(rec, peak_bytes=peak, total_flops=flops, gpu_f32_s=gpu32, gpu_bf16_s=gpu16,
               fits_one_gpu=peak < GPU_SPEC["memory_bytes"])  # fmt: skip
    fits = [p for p in progs if p.get("kind") != "call"]
    calls_fit = _peak([p for p in progs if p.get("kind") == "call"]) < GPU_SPEC["memory_bytes"]
    # Runs per program that fit, memory linear in runs (a call is not grouped: no advice).
    if not out["fits_one_gpu"] and fits and calls_fit:
        per_run, name = max((_peak([p]) / p["num_runs"], p["name"]) for p in fits)
        total = max(p["num_runs"] for p in fits)
        if per_run <= 0.9 * GPU_SPEC["memory_bytes"]:
            out["gpu_group"] = min(total, int(0.9 * GPU_SPEC["memory_bytes"] // per_run))
        else:  # no grouping of runs helps: one run alone is larger than the GPU
            out["one_run_bytes"], out["one_run_fit"] = per_run, name
    return out


def _projected(rec: dict) -> dict:
    """project() of a stored record, and of its compile-only record if it has one (one
    stopped by its time limit: totals over the programs it compiled, marked partial)."""
    out = project(rec) if rec.get("status") != "not probed" else dict(rec)
    c = out.get("compiled") or {}
    if c.get("status") == "ok" or c.get("programs"):
        out["compiled"] = project_compiled(c)
    return out


def merge_compiled(old: dict, part: dict, preset: str) -> dict:
    """A compile-only record of a preset compiled in parts (`--merge`): `old`'s programs
    plus `part`'s, a program of the same name taken from `part` (the same program when the
    part is a cell of the preset's grid, as each (D, L) group of stacked_attention_heads
    is). Its status is the part's; "parts" lists each part's preset, status, time and
    program count, and run_s sums the parts that finished."""

    def summary(rec: dict, preset: str) -> dict:
        out = {k: rec[k] for k in ("status", "run_s", "error") if rec.get(k) is not None}
        return out | {"preset": preset, "programs": len(rec.get("programs") or [])}

    names = {p["name"] for p in part.get("programs") or []}
    kept = [p for p in old.get("programs") or [] if p["name"] not in names]
    parts = [*(old.get("parts") or [summary(old, "paper")]), summary(part, preset)]
    return dict(part, programs=kept + list(part.get("programs") or []), parts=parts,
                run_s=sum(q.get("run_s", 0.0) for q in parts))  # fmt: skip


def _compile_status(c: dict) -> str:
    if c.get("status") == "ok" and c.get("parts"):
        steps = "; ".join(
            f"`{q['preset']}`: {q['status']} "
            f"({_t(q['run_s']) if 'run_s' in q else q.get('error', '')}), {q['programs']} programs"
            for q in c["parts"]
        )
        return f"ok in {len(c['parts'])} parts ({steps})"
    if c.get("status") == "ok":
        return f"ok in {_t(c['run_s'])}"
    return (f"{c.get('status')} ({c.get('error', '')[:80]}): totals over the programs "
            "compiled before it stopped")  # fmt: skip


def gpu_group(programs: list[dict]) -> int | None:
    """For a probe run in groups: the most runs per program that fit one GPU (90% of its
    memory), taking every program's memory as linear in its runs (an estimate); None when
    the probe was not grouped."""
    grouped = [p for p in programs if p.get("num_groups", 1) > 1]
    if not grouped:
        return None
    per_run = max(_peak([p]) / p["num_runs"] for p in grouped)
    total = max(p["total_runs"] for p in grouped)
    return max(1, min(total, int(0.9 * GPU_SPEC["memory_bytes"] // per_run)))


def _mem(p: dict) -> int:
    return p["argument_bytes"] + p["output_bytes"] + p["temp_bytes"]


def _peak(programs: list[dict]) -> int:
    """Largest per-device memory of a step or step+evaluation program."""
    return max((max(_mem(p), _mem(p["log"]) if "log" in p else 0) for p in programs), default=0)


def _divisors(n: int) -> list[int]:
    return [d for d in range(1, n + 1) if n % d == 0]


def _t(s: float) -> str:
    if s < 120:
        return f"{s:.0f} s"
    if s < 7200:
        return f"{s / 60:.0f} min"
    if s < 3 * 86400:
        return f"{s / 3600:.1f} h"
    return f"{s / 86400:.1f} days"


def _s(p: dict) -> str:
    """Seconds per call of a program record: measured, compiled but too large, or not run."""
    x = p["seconds_per_call"]
    if x is None:
        return "did not fit" if p.get("error") else "not run (compile only)"
    return f"{x:.3g}"


def _b(n: float) -> str:
    for unit, scale in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n:.0f} B"


def markdown(records: list[dict], preset: str, when: str) -> str:
    lines = [
        "# Paper-scale cost report",
        "",
        f"Regenerate: `python -m paper_figures.cost` (preset `{preset}`; written {when}).",
        "Every paper preset is built, every training fit is compiled at the paper's shapes and run",
        f"for {records[0].get('max_steps', 2) if records else 2} steps on this machine's CPU, "
        "and the claims and figures are computed from the capped results (so a shape or",
        "memory error shows here, not on a GPU node). Columns: programs = training fits (one",
        "compiled program each); peak memory = the largest per-device arguments + outputs + temp",
        "of a compiled step or step+evaluation program (XLA memory_analysis on CPU, one device);",
        "total FLOPs = XLA cost_analysis per step x steps; CPU estimate = the capped run's wall",
        "time plus the remaining steps and evaluations at the measured seconds per step;",
        "**GPU estimate = roofline lower bound** on one "
        f"{GPU_SPEC['name']} (f32 {GPU_SPEC['f32_flops'] / 1e12:.0f} TFLOP/s, bf16 "
        f"{GPU_SPEC['bf16_flops'] / 1e12:.0f} TFLOP/s, {GPU_SPEC['bandwidth'] / 1e12:.2f} TB/s),",
        "an estimate, not a measurement: small per-step programs are latency-bound on a GPU, so",
        "their real time is set by kernel launches, not by this bound. Non-training work",
        "(evaluation, theory Monte Carlo) is in the CPU estimate only.",
        f"Presets whose runs do not fit this CPU as one program are probed in run groups "
        f"({', '.join(f'{k}: {v} runs' for k, v in PROBE_GROUPS.items())} per program,",
        "`--max_runs_per_program`, identical results); for them the fits column gives the group",
        "size that fits one GPU, taking memory as linear in the runs per program (an estimate).",
        "",
        "| experiment | programs | peak memory / device | total FLOPs | CPU estimate | "
        "GPU estimate f32 / bf16 (roofline) | fits one GPU? | how to shard it |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in records:
        if r.get("status") != "ok":
            reason = r.get("error", r.get("status"))
            progs = r.get("programs") or []
            done = f"{len(progs)} compiled before it stopped" if progs else "-"
            peak = r.get("peak_bytes")
            fits = "-" if peak is None else ("yes" if peak < GPU_SPEC["memory_bytes"] else "no")
            if r.get("gpu_group"):
                fits = (
                    f"its compiled programs: yes with --max_runs_per_program="
                    f"{r['gpu_group']} (estimate; later, larger programs unprobed)"
                )
            shard = ", ".join(f"{p.get('total_runs', p['num_runs'])} runs" for p in progs[:3])
            shard = f"shard the run axis ({shard}) over devices; " if shard else ""
            lines.append(f"| {r['stem']} | {done} | {'-' if peak is None else _b(peak)} | - | "
                         f"- | - | {fits} | {shard}probe {r.get('status')}: "
                         f"{reason[:200]} |")  # fmt: skip
            continue
        if not r["programs"]:  # nothing to cap: the probe ran the whole paper preset
            lines.append(
                f"| {r['stem']} | 0 (no training fit) | - | - | {_t(r['run_s'])} (the whole "
                "preset ran) | - | - | one program per call; not sharded |"
            )
            continue
        axes = r["run_axes"]
        shard = (
            "; ".join(f"{n} runs: any of {_divisors(n)} devices" for n in axes[:3])
            if axes
            else "no training fit (one program per call; not sharded)"
        )
        fits = "yes" if r["fits_one_gpu"] else "no"
        if r.get("gpu_group"):
            fits = (f"yes with --max_runs_per_program={r['gpu_group']} (probed here at "
                    f"{r['max_runs_per_program']} runs per program, {_b(r['peak_bytes'])}; "
                    "memory taken as linear in runs)")  # fmt: skip
        lines.append(
            f"| {r['stem']} | {len(r['programs'])} | {_b(r['peak_bytes'])} | "
            f"{r['total_flops']:.2e} | {_t(r['cpu_estimate_s'])} | "
            f"{_t(r['gpu_f32_s'])} / {_t(r['gpu_bf16_s'])} | {fits} | {shard} |"
        )
    compiled = [(r["stem"], r["compiled"]) for r in records if r.get("compiled")]
    if compiled:
        lines += ["", "## Compiled at full size, nothing run (`--compile_only`)", "",
                  "Every training fit's step and step+evaluation programs and every program "
                  "the run calls through `train.call` (initialisations, final evaluations, "
                  "ablations: the calls column) compiled at the paper's shapes on this CPU; "
                  "work outside jitted calls (NumPy, Python loops) ran on NaN placeholders, "
                  "except the float64 references and host solves that rank_vs_heads, "
                  "memory_efficient_attention and icl_linear_regression skip "
                  "(`train.compiling_only`).", "",
                  "| experiment | compiled programs (fits / calls) | peak memory / device | "
                  "total FLOPs | GPU estimate f32 / bf16 (roofline) | fits one GPU? | "
                  "compile-only probe |", "|---|---|---|---|---|---|---|"]  # fmt: skip
        for stem, c in compiled:
            if c.get("status") != "ok" and "total_flops" not in c:
                lines.append(f"| {stem} | - | - | - | - | - | {c.get('status')}: "
                             f"{c.get('error', '')[:200]} |")  # fmt: skip
                continue
            calls = sum(p.get("kind") == "call" for p in c["programs"])
            fits = "yes" if c["fits_one_gpu"] else "no"
            if c.get("gpu_group"):
                fits = (f"no as one program; yes with --max_runs_per_program={c['gpu_group']} "
                        "(estimate: memory taken as linear in runs)")  # fmt: skip
            elif c.get("one_run_bytes"):
                fits = (f"no, not even one run per program: one run of {c['one_run_fit']} "
                        f"needs {_b(c['one_run_bytes'])} (estimate: memory taken as linear "
                        "in runs); it needs its batch split over devices or its activations "
                        "rematerialised")  # fmt: skip
            lines.append(
                f"| {stem} | {len(c['programs']) - calls} / {calls} | {_b(c['peak_bytes'])} | "
                f"{c['total_flops']:.2e} | {_t(c['gpu_f32_s'])} / {_t(c['gpu_bf16_s'])} | "
                f"{fits} | {_compile_status(c)} |"
            )
    lines += ["", "## Programs", ""]
    for r in records:
        if not r.get("programs"):
            continue
        if r.get("status") == "ok":
            lines.append(f"### {r['stem']} (probe wall time {_t(r['run_s'])})")
        else:
            lines.append(f"### {r['stem']} (probe {r['status']}; programs compiled before it)")
        lines.append("")
        lines += _program_rows(r["programs"])
        lines.append("")
    for r in records:
        c = r.get("compiled")
        if c and c.get("status") == "ok" and c.get("programs"):
            lines += [f"### {r['stem']}, compile-only (probe wall time {_t(c['run_s'])})", ""]
            lines += _program_rows(c["programs"])
            lines.append("")
    return "\n".join(lines) + "\n"


def _program_rows(programs: list[dict]) -> list[str]:
    lines = ["| fit | runs | steps | s/step (CPU) | FLOPs/step | arg / out / temp |",
             "|---|---|---|---|---|---|"]  # fmt: skip
    for p in programs:
        if p.get("kind") == "call":
            lines.append(
                f"| {p['name']} (call) | - | {p.get('calls', 1)} call(s) | {_s(p)} | "
                f"{p['flops']:.3g} | {_b(p['argument_bytes'])} / {_b(p['output_bytes'])} / "
                f"{_b(p['temp_bytes'])} |"
            )
            continue
        runs = p["num_runs"]
        if p.get("num_groups", 1) > 1:
            runs = f"{runs} x {p['num_groups']} groups"
        lines.append(
            f"| {p['name']} | {runs} | {p['num_steps']} | "
            f"{_s(p)} | {p['flops']:.3g} | {_b(p['argument_bytes'])} / "
            f"{_b(p['output_bytes'])} / {_b(p['temp_bytes'])} |"
        )
    return lines


def _write(records_by_stem: dict, known: list[str], json_path: str) -> None:
    records = [records_by_stem[s] for s in known if s in records_by_stem]
    when = time.strftime("%Y-%m-%d")
    out = os.path.dirname(json_path) or "."
    os.makedirs(out, exist_ok=True)
    with open(json_path, "w") as f:
        json.dump({"preset": flags.FLAGS.preset, "date": when, "gpu": GPU_SPEC, "records": records},
                  f, indent=1)  # fmt: skip
    with open(os.path.join(out, "PAPER_SCALE.md"), "w") as f:
        f.write(markdown(records, flags.FLAGS.preset, when))


def _define_flags() -> None:
    """Flags of the command (defined only when run as a program, so importing is free)."""
    flags.DEFINE_list("only", [], "Stems to probe (default: every registered experiment).")
    flags.DEFINE_string("preset", "paper", "Preset to probe.")
    flags.DEFINE_integer("max_steps", 2, "Training steps actually run per fit.")
    flags.DEFINE_integer("timeout_s", 1200, "Per-experiment limit on the probe.")
    flags.DEFINE_string("out", "paper_figures", "Folder for PAPER_SCALE.md and the JSON.")
    flags.DEFINE_bool("table_only", False, "Only rewrite PAPER_SCALE.md from the JSON in --out.")
    flags.DEFINE_bool("compile_only", False, "Compile every program at full size and run "
                      "none; kept beside the few-step probe's record.")  # fmt: skip
    flags.DEFINE_bool("merge", False, "With --compile_only: add this probe's programs to "
                      "the stem's stored compile-only record (same-named programs replaced) "
                      "instead of replacing it, for a preset compiled in parts, e.g. "
                      "--preset=paper,<one cell of its grid>.")  # fmt: skip
    flags.DEFINE_list("groups", [], "stem=N: probe stem with N runs per program (overrides "
                      f"the defaults {PROBE_GROUPS}).")  # fmt: skip


def main(argv):
    del argv
    known = [e.stem for e in registry.EXPERIMENTS]
    stems = flags.FLAGS.only or known
    unknown = sorted(set(stems) - set(known))
    if unknown:
        raise app.UsageError(f"--only: unknown {unknown}; known: {known}")
    json_path = os.path.join(flags.FLAGS.out, "paper_scale.json")
    previous = {}
    if os.path.exists(json_path):
        with open(json_path) as f:
            previous = {r["stem"]: _projected(r) for r in json.load(f)["records"]}
    if flags.FLAGS.table_only:
        _write(previous, known, json_path)
        logging.info("rewrote PAPER_SCALE.md from %s", json_path)
        return
    os.makedirs(flags.FLAGS.out, exist_ok=True)
    ctx = multiprocessing.get_context("spawn")
    for i, stem in enumerate(stems, 1):
        t0 = time.time()
        stream = os.path.join(flags.FLAGS.out, f".{stem}.programs.jsonl")
        if os.path.exists(stream):
            os.remove(stream)
        with concurrent.futures.ProcessPoolExecutor(1, mp_context=ctx) as pool:
            groups = dict(PROBE_GROUPS)
            groups.update((k, int(v)) for k, v in (g.split("=") for g in flags.FLAGS.groups))
            compile_only = flags.FLAGS.compile_only
            fut = pool.submit(_safe_probe, stem, flags.FLAGS.preset, flags.FLAGS.max_steps,
                              stream, None if compile_only else groups.get(stem),
                              compile_only)  # fmt: skip
            try:
                rec = fut.result(timeout=flags.FLAGS.timeout_s)
            except concurrent.futures.TimeoutError:
                for proc in pool._processes.values():  # the probe is abandoned, not awaited
                    proc.kill()
                rec = {"stem": stem, "status": "timeout",
                       "error": f"probe exceeded {flags.FLAGS.timeout_s} s"}  # fmt: skip
            except Exception as e:  # noqa: BLE001 - e.g. the worker was killed (memory)
                rec = {"stem": stem, "status": "failed", "error": f"{type(e).__name__}: {e}"}
        if rec["status"] != "ok":  # the programs it compiled before it stopped
            rec["programs"] = _read_stream(stream)
        if os.path.exists(stream):
            os.remove(stream)
        old = previous.get(stem, {"stem": stem, "status": "not probed"})
        if flags.FLAGS.compile_only:
            if flags.FLAGS.merge and old.get("compiled"):
                rec = merge_compiled(old["compiled"], rec, flags.FLAGS.preset)
            rec = dict(old, compiled=project_compiled(rec) if rec["status"] == "ok" else rec)
        elif "compiled" in old:  # a few-step probe keeps the compile-only record
            rec["compiled"] = old["compiled"]
        previous[stem] = _projected(rec)
        status = rec["compiled"]["status"] if flags.FLAGS.compile_only else rec["status"]
        logging.info("[%d/%d] %s%s: %s in %.0f s", i, len(stems), stem,
                     " (compile only)" if flags.FLAGS.compile_only else "", status,
                     time.time() - t0)  # fmt: skip
        _write(previous, known, json_path)  # after every probe: an interrupted report keeps it
    logging.info("wrote %s and PAPER_SCALE.md", json_path)


if __name__ == "__main__":
    _define_flags()
    app.run(main)
