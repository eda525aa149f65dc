"""Plotting: importing the library keeps the caller's backend; captions read off figures."""

import os
import subprocess
import sys

from attn_theory import plotting

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_import_does_not_switch_the_matplotlib_backend():
    code = ("import matplotlib; matplotlib.use('pdf'); import attn_theory; "
            "import attn_theory.plotting; print(matplotlib.get_backend())")  # fmt: skip
    env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True,
                         capture_output=True, text=True, timeout=300)  # fmt: skip
    assert out.stdout.strip() == "pdf"


def test_caption_names_panels_theory_line_and_bands():
    fig, axes = plotting.figure(2)
    plotting.seed_band(axes[0, 0], [1, 2], [[1.0, 2.0], [1.5, 2.5]], label="trained")
    plotting.theory_line(axes[0, 0], [1, 2], [1, 2], label="ridge")
    axes[0, 0].set(title="loss", xlabel="L", ylabel="MSE")
    axes[0, 1].set(title="heads")
    cap = plotting.caption_of(fig)
    assert cap == ("Panels: loss (MSE vs L); heads. Dashed black: the closed-form prediction "
                   "(ridge). Shaded bands: mean +- stderr over seeds.")  # fmt: skip
    plotting.set_caption(fig, "Explicit.")
    assert plotting.caption_of(fig) == "Explicit."
