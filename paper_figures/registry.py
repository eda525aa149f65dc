"""The figure suite's registry: every experiment whose figures `make_all` regenerates.

Add an entry to register a new experiment (`stem` names the package experiments/<stem>/ and
configs/<stem>.py). Entries whose module is not importable are reported, not fatal.
"""

from __future__ import annotations

import dataclasses


@dataclasses.dataclass(frozen=True)
class Entry:
    stem: str  # experiments/<stem>/ and configs/<stem>.py
    family: str  # the --only=NAME group
    paper: str  # short paper title


EXPERIMENTS: tuple[Entry, ...] = (
    Entry("icl_linear_regression", "icl", "In-Context Linear Regression Demystified"),
    Entry("icl_anisotropic", "icl", "In-Context Linear Regression Demystified"),
    Entry("icl_multitask", "icl", "In-Context Linear Regression Demystified"),
    Entry("icl_reduced_model", "icl", "In-Context Linear Regression Demystified"),
    Entry("rank_vs_heads", "rank", "On the Benefits of Rank in Attention Layers"),
    Entry(
        "memorization_capacity",
        "memorization",
        "Memorization Capacity of Multi-Head Attention in Transformers",
    ),
    Entry(
        "random_feature_attention",
        "random_features",
        "What can a Single Attention Layer Learn? (random features)",
    ),
    Entry("scan_and_snap", "scan_snap", "Scan and Snap: 1-layer Transformer Dynamics"),
    Entry(
        "sdm_attention", "associative_memory", "Attention Approximates Sparse Distributed Memory"
    ),
    Entry(
        "pavlovian_memory",
        "associative_memory",
        "Transformers through the Lens of Pavlovian Conditioning",
    ),
    Entry(
        "associative_memory_compare",
        "associative_memory",
        "SDM and Pavlovian views on one memory task",
    ),
    Entry(
        "memory_efficient_attention",
        "memory_efficient",
        "Self-attention Does Not Need O(n^2) Memory",
    ),
    Entry("synthetic_task", "synthetic", "Worked example: adding a synthetic task"),
    Entry(
        "stacked_attention_heads",
        "stacked_heads",
        "Mechanism and Emergence of Stacked Attention Heads in Multi-Layer Transformers",
    ),
    Entry(
        "recall_ssm",
        "recall_ssm",
        "DSF (attention, linear attention, SSMs) on recall; mimetic initialisation",
    ),
)
