"""Plotting helpers: one style, seed bands, theory overlays, atomic PNG+PDF saving.

The Agg backend is selected here, before pyplot is imported anywhere in the library.
"""

from __future__ import annotations

import os
import tempfile

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

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


def save_figure(fig, directory: str, name: str) -> list[str]:
    """Writes NAME.png and NAME.pdf atomically, closes the figure, returns the paths."""
    os.makedirs(directory, exist_ok=True)
    fig.tight_layout()
    paths = []
    for ext in ("png", "pdf"):
        path = os.path.join(directory, f"{name}.{ext}")
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tmp-", suffix=f".{ext}")
        os.close(fd)
        fig.savefig(tmp, format=ext)
        os.replace(tmp, path)
        paths.append(path)
    plt.close(fig)
    return paths
