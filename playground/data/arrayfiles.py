"""Arrays from untrusted binary files: ``.npy`` members of ``.npz`` archives and MNIST IDX.

Readers never trust a header's sizes: a file whose header claims more data than
it holds is refused before anything that large is allocated, and so is an
honest one bigger than :data:`MAX_ARRAY_BYTES` (a small compressed file can
inflate to gigabytes). Nothing is unpickled. Errors are
:class:`~playground.errors.DataError` naming the file.
"""

from __future__ import annotations

import gzip
import math
import os
import zipfile
import zlib

import numpy as np

from playground.errors import DataError

#: Largest array (npz member, IDX payload) read into memory, in bytes.
MAX_ARRAY_BYTES = 2**30
IDX_IMAGES_MAGIC = 0x00000803  # unsigned bytes, 3 dimensions
IDX_LABELS_MAGIC = 0x00000801  # unsigned bytes, 1 dimension


def _name(path: str) -> str:
    return os.path.basename(path) or path


def size_text(nbytes: int) -> str:
    """``3.2 GB``, ``512 MB``, ``12 kB``: sizes for messages."""
    for unit, scale in (("GB", 2**30), ("MB", 2**20), ("kB", 2**10)):
        if nbytes >= scale:
            return f"{nbytes / scale:.3g} {unit}"
    return f"{nbytes} bytes"


def read_npz_member(zf: zipfile.ZipFile, key: str, path: str) -> np.ndarray:
    """Array ``key`` of an open .npz archive, read only after its header agrees with the
    member's size and fits :data:`MAX_ARRAY_BYTES`; never unpickled.

    Raises
    ------
    DataError
        Missing key, object arrays, a header claiming more than the member holds.
    """
    name, members = _name(path), [m[:-4] for m in zf.namelist() if m.endswith(".npy")]
    if key not in members:
        raise DataError(f"no array named {key!r} (the file has: {', '.join(members) or 'none'})",
                        name)
    member = zf.getinfo(f"{key}.npy")
    if member.compress_type == zipfile.ZIP_STORED and member.file_size > os.path.getsize(path):
        raise DataError(f"array {key!r} claims more bytes than the file holds", name)
    with zf.open(member) as f:
        version = np.lib.format.read_magic(f)
        shape, _, dtype = (np.lib.format.read_array_header_1_0(f) if version == (1, 0)
                           else np.lib.format.read_array_header_2_0(f))
        if dtype.hasobject:
            raise DataError(f"array {key!r} holds Python objects; only numeric arrays load",
                            name)
        nbytes = math.prod(shape) * dtype.itemsize
        left = member.file_size - f.tell()
        if nbytes > left:
            raise DataError(f"array {key!r} is truncated: its header claims shape {shape} "
                            f"({nbytes} bytes) but {left} follow", name)
        if nbytes > MAX_ARRAY_BYTES:  # a compressed member may honestly claim that much
            raise DataError(f"array {key!r} of shape {shape} would take {size_text(nbytes)}; "
                            f"arrays may take at most {size_text(MAX_ARRAY_BYTES)}", name)
    with zf.open(member) as f:
        return np.lib.format.read_array(f, allow_pickle=False)


def _read_exact(f, count: int, what: str, name: str) -> bytes:
    """``count`` bytes read in chunks, so a lying header cannot make us allocate."""
    chunks, got = [], 0
    while got < count:
        chunk = f.read(min(1 << 20, count - got))
        if not chunk:
            raise DataError(f"file is truncated: expected {what} ({count} bytes), "
                            f"found {got}", name)
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


def _skip(f, count: int, what: str, name: str) -> None:
    """Read and drop ``count`` bytes; a DataError saying the file is truncated if fewer follow."""
    got = 0
    while got < count:
        chunk = f.read(min(1 << 20, count - got))
        if not chunk:
            raise DataError(f"file is truncated: expected {what}, found {got} bytes", name)
        got += len(chunk)


def read_idx(path: str, magic: int, what: str) -> np.ndarray:
    """An unsigned-byte IDX file (gzipped or not) as uint8 of its header's shape.

    ``magic`` is :data:`IDX_IMAGES_MAGIC` (N, rows, cols) or :data:`IDX_LABELS_MAGIC`
    (N,); ``what`` ("images", "labels") is for messages.
    """
    name, ndim = _name(path), magic & 0xFF
    with open(path, "rb") as f:
        gz = f.read(2) == b"\x1f\x8b"
    try:
        with gzip.open(path, "rb") if gz else open(path, "rb") as f:
            found = int.from_bytes(_read_exact(f, 4, "a 4-byte magic number", name), "big")
            if found != magic:
                raise DataError(f"not an IDX {what} file: magic number 0x{found:08X}, "
                                f"expected 0x{magic:08X}", name)
            shape = tuple(int(d) for d in np.frombuffer(
                _read_exact(f, 4 * ndim, "the header", name), ">u4"))
            count, left = math.prod(shape), os.path.getsize(path) - f.tell()
            if not gz and left < count:
                raise DataError(f"file is truncated: header claims {what} of shape {shape} "
                                f"({count} bytes) but {left} follow", name)
            if count > MAX_ARRAY_BYTES:
                if gz:  # how much really follows? Counted, not kept: a gzip bomb inflates
                    _skip(f, MAX_ARRAY_BYTES + 1, f"{what} of shape {shape}", name)
                raise DataError(f"header claims {what} of shape {shape} ({size_text(count)}); "
                                f"at most {size_text(MAX_ARRAY_BYTES)} are read", name)
            data = _read_exact(f, count, f"{what} of shape {shape}", name)
            if f.read(1):
                raise DataError(f"file has data after the {what} its header describes", name)
    except (OSError, EOFError, zlib.error) as exc:
        raise DataError(f"cannot read: {exc}", name) from None
    return np.frombuffer(data, np.uint8).reshape(shape)
