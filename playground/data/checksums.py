"""Data by reference: the SHA-256 of a project's data files, checked when it loads.

A file-based dataset (csv, npz, mnist_idx, image_folder) names its files in
params (``path``; ``images`` and ``labels``), listed by the dataset type's
``file_params``. When data is imported, :func:`playground.data.spec.record_checksums` stores, in the
``data`` section's ``files`` field, each file's digest and size::

    "data": {"type": "csv", "params": {"path": "/data/iris.csv", ...},
             "files": {"path": {"sha256": "9f86d0...", "size": 4551}}}

:func:`verify_files` (called by ``load_dataset``) then refuses a moved or
changed file with a :class:`~playground.errors.DataError` instead of silently
training on other data. A folder (``image_folder``) is hashed as the sorted
list of its files (relative path, size and SHA-256 of each, hidden files
skipped), so adding, removing, renaming or editing an image all count as a change.
Projects without a ``files`` field load as before.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from typing import Any

from playground.errors import DataError, ValidationError

_HEX = frozenset("0123456789abcdef")
_CHUNK = 1 << 20


def file_digest(path: str) -> tuple[str, int]:
    """(SHA-256 hex digest, size in bytes) of a file, or of a folder's files.

    Raises
    ------
    OSError
        When the path cannot be read.
    """
    if os.path.isdir(path):
        outer, total = hashlib.sha256(), 0
        for rel in _folder_files(path):
            digest, size = file_digest(os.path.join(path, rel))
            outer.update(f"{rel}\0{size}\0{digest}\n".encode())
            total += size
        return outer.hexdigest(), total
    if not os.path.isfile(path):  # a device or a pipe would be read forever
        raise OSError(f"not a regular file: {path}")
    inner, size = hashlib.sha256(), 0
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            inner.update(chunk)
            size += len(chunk)
    return inner.hexdigest(), size


def _folder_files(root: str) -> list[str]:
    """Relative paths ('/'-separated) of the non-hidden regular files under ``root``, sorted.

    Linked folders are not followed (``os.walk``'s default), so a link loop cannot recurse.
    """
    found = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        rel = os.path.relpath(folder, root)
        for name in files:
            # Regular files only (symlinks followed): a link to /dev/zero, a pipe or a
            # link loop is not data, and hashing it would hang or fail.
            if not name.startswith(".") and os.path.isfile(os.path.join(folder, name)):
                found.append(name if rel == "." else f"{rel}/{name}".replace(os.sep, "/"))
    return sorted(found)


def verify_files(files: Mapping[str, Mapping], params: Mapping[str, Any]) -> None:
    """Check every recorded file against its checksum.

    Raises
    ------
    DataError
        "iris.csv changed since the project was saved (checksum differs)", or
        that it was moved or deleted, naming where it was expected.
    """
    for param, record in files.items():
        path = str(params.get(param, ""))
        full = os.path.expanduser(path)
        name = os.path.basename(os.path.normpath(path)) or path
        if not os.path.exists(full):
            raise DataError(f"{name} is missing: it was moved or deleted since the project was "
                            f"saved (expected at {os.path.abspath(full)}); put it back or "
                            "import the data again", f"data.params.{param}")
        try:
            if os.path.isfile(full) and os.path.getsize(full) != record["size"]:
                same = False  # a different size is a change: no need to hash
            else:
                same = file_digest(full) == (record["sha256"], record["size"])
        except OSError as exc:
            raise DataError(f"cannot read {name} to check it: {exc.strerror or exc}",
                            f"data.params.{param}") from None
        if not same:
            raise DataError(f"{name} changed since the project was saved (checksum differs); "
                            "import it again to use the new contents", f"data.params.{param}")


def parse_files(raw: Any, file_params: tuple[str, ...], where: str) -> dict:
    """Validate a ``data.files`` section.

    Raises
    ------
    ValidationError
        Naming the bad field.
    """
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise ValidationError("expected an object of file checksums", where)
    out = {}
    for param, record in raw.items():
        here = f"{where}.{param}"
        if param not in file_params:
            known = ", ".join(file_params) or "none for this dataset type"
            raise ValidationError(f"not a file parameter (file parameters: {known})", here)
        if not isinstance(record, Mapping) or set(record) != {"sha256", "size"}:
            raise ValidationError("expected {\"sha256\": hex digest, \"size\": bytes}", here)
        digest, size = record["sha256"], record["size"]
        if not isinstance(digest, str) or len(digest) != 64 or not set(digest) <= _HEX:
            raise ValidationError("expected 64 lowercase hex digits", f"{here}.sha256")
        if isinstance(size, bool) or not isinstance(size, int) or size < 0:
            raise ValidationError(f"expected an int >= 0, got {size!r}", f"{here}.size")
        out[param] = {"sha256": digest, "size": size}
    return out
