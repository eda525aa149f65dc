"""Atomic file writes that land with the permissions the umask allows, flushed to disk.

`tempfile.mkstemp` creates files mode 0600, so a renamed temporary file would stay
owner-only: figures served by a web server, or a colleague on a shared cluster, could not
read them. Every writer in the library goes through `atomic_write`, which gives the final
file the mode an ordinary `open(path, "w")` would (0644 under the usual umask 022).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable


def _current_umask() -> int:
    # os.umask can only be read by setting it; restore it at once.
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def default_mode() -> int:
    """The mode a new regular file gets under the current umask (0o644 under 022)."""
    return 0o666 & ~_current_umask()


def atomic_write(path: str, write: Callable[[str], None], *, fsync: bool = True) -> None:
    """Calls write(tmp) on a temporary file beside `path`, then renames it over `path`.

    Args:
      path: the final file.
      write: fills the temporary file, given its name.
      fsync: flush the data to disk before the rename, so a crash cannot leave a
        renamed but empty or truncated file (checkpoints, results).
    """
    d = os.path.dirname(os.path.abspath(path))
    os.makedirs(d, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=d, prefix=".tmp-", suffix=os.path.splitext(path)[1])
    os.close(fd)
    try:
        write(tmp)
        os.chmod(tmp, default_mode())
        if fsync:
            with open(tmp, "rb+") as f:
                os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
