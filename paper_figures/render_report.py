"""Opens the suite report in headless Chromium: every image must load; optional screenshot.

    python -m paper_figures.render_report --out=paper_figures/out
    python -m paper_figures.render_report --out=paper_figures/out --screenshot=docs/report_top.png

Needs a Chromium binary (Debian/Ubuntu: `apt-get install chromium`). The page is checked
twice, from file:// and served over HTTP from a local port, since the two fail differently
(absolute paths, unreadable file modes). The check copies index.html to a temporary page in
the same folder with a small script appended that lists the images that did not load; the
report itself has no JavaScript. Exits non-zero when an image is broken or the headline,
summary table or failure box is missing.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import html
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator

_PROBE = """
<script>
window.addEventListener('load', function () {
  var imgs = Array.prototype.slice.call(document.images);
  var broken = imgs.filter(function (i) { return !(i.complete && i.naturalWidth > 0); })
                   .map(function (i) { return i.getAttribute('src'); });
  var order = ['headline', 'failures', 'summary', 'contents'].map(function (id) {
    var el = document.getElementById(id);
    return el ? el.getBoundingClientRect().top + window.scrollY : null; });
  var pre = document.createElement('pre'); pre.id = 'render-check';
  pre.textContent = JSON.stringify({images: imgs.length, broken: broken, order: order});
  document.body.appendChild(pre);
});
</script>
"""

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                  "--allow-file-access-from-files", "--virtual-time-budget=15000"]  # fmt: skip


def find_chromium() -> str | None:
    """The Chromium (or Chrome) binary on PATH, or None."""
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # no access log on stderr
        pass


@contextlib.contextmanager
def _served(directory: str) -> Iterator[str]:
    handler = functools.partial(_QuietHandler, directory=directory)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def check_page(out: str, *, served: bool = False, chromium: str | None = None) -> dict:
    """Loads OUT/index.html in headless Chromium; returns {images, broken, order, ok}.

    order: page offsets of the headline, failure box, summary table and contents (each
    must exist, in that order, above the experiment sections).
    """
    chromium = chromium or find_chromium()
    if chromium is None:
        raise FileNotFoundError("no Chromium on PATH (apt-get install chromium)")
    with open(os.path.join(out, "index.html")) as f:
        page = f.read()
    fd, probe = tempfile.mkstemp(dir=out, prefix=".render-check-", suffix=".html")
    with os.fdopen(fd, "w") as f:
        f.write(page.replace("</body>", _PROBE + "</body>"))
    try:
        with contextlib.ExitStack() as stack:
            if served:
                base = stack.enter_context(_served(out))
                url = f"{base}/{os.path.basename(probe)}"
            else:
                url = "file://" + os.path.abspath(probe)
            dom = subprocess.run([chromium, *CHROMIUM_FLAGS, "--dump-dom", url],
                                 capture_output=True, text=True, timeout=120).stdout  # fmt: skip
    finally:
        os.remove(probe)
    m = re.search(r"<pre id=\"render-check\">(.*?)</pre>", dom, re.S)
    if m is None:
        return {"images": 0, "broken": [], "order": [], "ok": False, "error": "page did not load"}
    result = json.loads(html.unescape(m.group(1)))
    order = result["order"]
    result["ok"] = not result["broken"] and None not in order and order == sorted(order)
    return result


def screenshot(out: str, png: str, *, width: int = 1280, height: int = 1000,
               chromium: str | None = None) -> str:  # fmt: skip
    """Writes a PNG of the top of OUT/index.html (width x height pixels)."""
    chromium = chromium or find_chromium()
    if chromium is None:
        raise FileNotFoundError("no Chromium on PATH (apt-get install chromium)")
    png = os.path.abspath(png)
    os.makedirs(os.path.dirname(png), exist_ok=True)
    url = "file://" + os.path.abspath(os.path.join(out, "index.html"))
    subprocess.run([chromium, *CHROMIUM_FLAGS, f"--window-size={width},{height}",
                    f"--screenshot={png}", url], check=True, capture_output=True,
                   timeout=120)  # fmt: skip
    return png


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default="paper_figures/out", help="folder holding index.html")
    ap.add_argument("--screenshot", default=None, help="also write a PNG of the page top")
    args = ap.parse_args(argv)
    ok = True
    for served in (False, True):
        r = check_page(args.out, served=served)
        where = "served over HTTP" if served else "file://"
        print(f"{where}: {r['images']} images, broken {r['broken']}, "
              f"headline/failures/summary/contents at {r['order']}: "
              f"{'OK' if r['ok'] else 'FAILED'}")  # fmt: skip
        ok = ok and r["ok"]
    if args.screenshot:
        print("screenshot:", screenshot(args.out, args.screenshot))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
