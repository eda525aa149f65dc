"""Plotting helpers: one style, seed bands, theory overlays, captions, atomic PNG+PDF saving.

Importing this module does not choose a matplotlib backend (a notebook keeps its own); the
launchers and tests select Agg (`matplotlib.use("Agg")`, MPLBACKEND=Agg).
"""

from __future__ import annotations

import os

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.collections import PolyCollection

from attn_theory import files

THEORY_STYLE = {"color": "black", "linestyle": "--", "linewidth": 1.5}

plt.rcParams.update(
    {
        "figure.dpi": 110,
        "savefig.dpi": 150,
        "axes.grid": True,
        "grid.alpha": 0.3,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "legend.frameon": False,
        "font.size": 9,
    }
)


def figure(ncols: int = 1, nrows: int = 1, *, width: float = 4.0, height: float = 3.2, **kwargs):
    """A figure with an [nrows, ncols] grid of axes (always a 2-D array)."""
    fig, axes = plt.subplots(
        nrows, ncols, figsize=(width * ncols, height * nrows), squeeze=False, **kwargs
    )
    return fig, axes


def seed_band(ax, x, y_seed_x, *, label=None, color=None, marker="o", **kwargs):
    """Plots mean over seeds with a +-stderr band. y_seed_x: [seed, len(x)]."""
    y = np.asarray(y_seed_x, dtype=np.float64)
    if y.ndim == 1:
        y = y[None]
    mean = np.nanmean(y, 0)
    stderr = np.nanstd(y, 0, ddof=1) / np.sqrt(y.shape[0]) if y.shape[0] > 1 else 0 * mean
    (line,) = ax.plot(x, mean, marker=marker, label=label, color=color, markersize=3, **kwargs)
    ax.fill_between(
        x, mean - stderr, mean + stderr, color=line.get_color(), alpha=0.25, linewidth=0
    )
    return line


def theory_line(ax, x, y, *, label="theory", **kwargs):
    """The closed-form prediction, drawn in one recognisable style."""
    return ax.plot(x, y, label=label, **{**THEORY_STYLE, **kwargs})


def heatmap(ax, mat, *, title=None, symmetric=True, cmap="RdBu_r", annotate=False):
    """A matrix heatmap with a colour scale centred at 0 when symmetric."""
    mat = np.asarray(mat, dtype=np.float64)
    if mat.ndim == 1:
        mat = mat[:, None]
    vmax = float(np.max(np.abs(mat))) or 1.0
    im = ax.imshow(
        mat, cmap=cmap, vmin=-vmax if symmetric else None, vmax=vmax if symmetric else None
    )
    ax.grid(False)
    if title:
        ax.set_title(title)
    if annotate:
        for (i, j), v in np.ndenumerate(mat):
            ax.text(j, i, f"{v:.2f}", ha="center", va="center", fontsize=6)
    ax.figure.colorbar(im, ax=ax, fraction=0.046, pad=0.04)
    return im


def set_caption(fig, text: str) -> None:
    """Attaches the report's caption to `fig` (what it shows, what the dashed line is)."""
    fig.attn_theory_caption = text


def caption_of(fig) -> str:
    """The caption set with `set_caption`, else one read off the figure: panel titles, axis
    labels, the theory lines (THEORY_STYLE) and seed bands it draws."""
    explicit = getattr(fig, "attn_theory_caption", None)
    if explicit:
        return explicit
    parts = []
    title = fig.get_suptitle()
    if title:
        parts.append(title.rstrip(".") + ".")
    panels, theory, bands = [], [], False
    for ax in fig.axes:
        if not ax.get_visible() or ax.get_label() == "<colorbar>":
            continue
        desc = ax.get_title() or ""
        xl, yl = ax.get_xlabel(), ax.get_ylabel()
        if xl or yl:
            desc += f" ({yl or '?'} vs {xl or '?'})" if desc else f"{yl or '?'} vs {xl or '?'}"
        if desc:
            panels.append(desc)
        for line in ax.get_lines():
            if line.get_linestyle() == "--" and line.get_color() in ("black", "k", "#000000"):
                label = line.get_label()
                if label and not label.startswith("_") and label not in theory:
                    theory.append(label)
        bands = bands or any(isinstance(c, PolyCollection) for c in ax.collections)
    if panels:
        parts.append("Panels: " + "; ".join(panels) + ".")
    if theory:
        parts.append("Dashed black: the closed-form prediction (" + ", ".join(theory) + ").")
    if bands:
        parts.append("Shaded bands: mean +- stderr over seeds.")
    return " ".join(parts)


def save_figure(fig, directory: str, name: str) -> list[str]:
    """Writes NAME.png and NAME.pdf atomically, closes the figure, returns the paths."""
    os.makedirs(directory, exist_ok=True)
    fig.tight_layout()
    paths = []
    for ext in ("png", "pdf"):
        path = os.path.join(directory, f"{name}.{ext}")
        files.atomic_write(path, lambda tmp, ext=ext: fig.savefig(tmp, format=ext), fsync=False)
        paths.append(path)
    plt.close(fig)
    return paths
