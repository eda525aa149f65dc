"""The suite report: failures first, headline by claim kind, anchors, captions, PDF links, and
(with Chromium installed) every image loads from file:// and when served."""

import html
import os
import re
import stat

import numpy as np
import pytest

from attn_theory import plotting, results
from paper_figures import registry, render_report, report


def _experiment(out, stem, claims):
    wd = results.Workdir(os.path.join(out, stem))
    wd.write_config({"seed": 0})
    wd.write_summary({"x": np.arange(3.0)}, claims, wall_time_s=12.0, extra={"experiment": stem})
    fig, axes = plotting.figure()
    plotting.seed_band(axes[0, 0], [1, 2, 3], np.ones((2, 3)), label="trained")
    plotting.theory_line(axes[0, 0], [1, 2, 3], [1, 1, 1], label="closed form")
    axes[0, 0].set(title="loss", xlabel="step", ylabel="MSE")
    wd.save_figures({"curve": fig})


@pytest.fixture()
def suite(tmp_path):
    out = str(tmp_path / "out")
    _experiment(out, "rank_vs_heads", {
        "A1_full_rank": results.claim_le(0.06, 0.1, "full rank fits", kind="measured",
                                         statistic="every seed", per_seed=[0.05, 0.07]),
        "A3_rank_one": results.claim_ge(0.2, 0.3, "rank one stays high", kind="measured",
                                        statistic="median of 2 seeds", per_seed=[0.2, 0.4]),
        "A5_fact1": results.claim_le(0.0, 1e-6, "hardmax exact", kind="closed_form",
                                     statistic="deterministic"),
    })  # fmt: skip
    _experiment(out, "sdm_attention", {
        "S1": results.claim_in(1.0, 0.5, 1.5, "beta in range", kind="measured",
                               statistic="mean of 2 seeds", per_seed=[0.9, 1.1]),
    })  # fmt: skip
    entries = [e for e in registry.EXPERIMENTS if e.stem in ("rank_vs_heads", "sdm_attention")]
    statuses = {"rank_vs_heads": {"status": "ok", "seconds": 12.0, "preset": "quick"}}
    report.write_report(out, entries, statuses)
    with open(os.path.join(out, "index.html")) as f:
        return out, f.read()


def test_failures_and_headline_come_first(suite):
    _, page = suite
    assert "2 of 3 measured claims reproduced, 1 of 1 closed-form checks hold" in page
    i_fail, i_summary = page.index("id='failures'"), page.index("id='summary'")
    i_section = page.index("<h2 id='rank_vs_heads'>")
    assert page.index("id='headline'") < i_fail < i_summary < page.index("id='contents'")
    assert i_summary < i_section
    box = page[i_fail:i_summary]
    assert "href='#rank_vs_heads--A3_rank_one'" in box and "A1_full_rank" not in box


def test_claim_rows_show_comparator_kind_statistic_and_seeds(suite):
    _, page = suite
    row = re.search(r"<tr id='rank_vs_heads--A3_rank_one' class='fail'>.*?</tr>", page).group(0)
    row = html.unescape(row)
    for text in (">= 0.3", "measured", "median of 2 seeds", "1/2", "FAIL"):
        assert text in row, text
    ok = html.unescape(re.search(r"<tr id='sdm_attention--S1' class='pass'>.*?</tr>", page)[0])
    assert "in [0.5, 1.5]" in ok and "PASS" in ok


def test_figures_have_captions_pdf_links_and_files_are_linked(suite):
    out, page = suite
    assert "<img src='rank_vs_heads/figures/curve.png' alt='rank_vs_heads figure curve:" in page
    assert "Dashed black: the closed-form prediction (closed form)" in page
    assert "href='rank_vs_heads/figures/curve.pdf'" in page
    assert "href='rank_vs_heads/summary.json'" in page
    assert "python -m experiments.rank_vs_heads --config=configs/rank_vs_heads.py:quick" in page
    with open(os.path.join(out, "REPORT.md")) as f:
        md = f.read()
    assert "2 of 3 measured claims reproduced" in md and "`A3_rank_one`" in md


def test_report_files_are_world_readable(suite):
    out, _ = suite
    old = os.umask(0o022)
    os.umask(old)
    if old != 0o022:
        pytest.skip(f"umask is {old:o}")
    for path in ("index.html", "rank_vs_heads/figures/curve.png", "rank_vs_heads/summary.json"):
        assert stat.S_IMODE(os.stat(os.path.join(out, path)).st_mode) == 0o644, path


@pytest.mark.skipif(render_report.find_chromium() is None, reason="no Chromium installed")
@pytest.mark.parametrize("served", [False, True], ids=["file", "http"])
def test_page_renders_in_headless_chromium_with_every_image(suite, served):
    out, _ = suite
    result = render_report.check_page(out, served=served)
    assert result["images"] == 2 and result["broken"] == [], result
    assert result["ok"], result
