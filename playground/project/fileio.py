"""Atomic file output: write to a temp file in the target folder, then rename.

Export formats are written by library functions that want a path
(``torch.save``, ``torch.jit.save``, ``torch.onnx.export``); :func:`atomic_output`
hands them a temp path and moves the result into place only when they succeed,
so a failed or interrupted export never leaves a half-written file behind and
never clobbers a good one.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from playground.errors import PlaygroundError


@contextlib.contextmanager
def atomic_output(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temp path next to ``path``; on success rename it to ``path``.

    Raises
    ------
    PlaygroundError
        When the folder is not writable or the rename fails.
    """
    path = Path(path)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise PlaygroundError(f"cannot write here: {exc.strerror}", str(path.parent)) from None
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        with open(tmp_path, "rb+") as handle:  # flush to disk before the rename
            os.fsync(handle.fileno())
        os.replace(tmp_path, path)
    except OSError as exc:
        tmp_path.unlink(missing_ok=True)
        raise PlaygroundError(f"cannot save: {exc.strerror or exc}", str(path)) from None
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise


def write_text_atomic(text: str, path: str | os.PathLike) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    with atomic_output(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
