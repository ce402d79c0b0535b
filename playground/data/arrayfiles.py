"""The ``npz`` and ``mnist_idx`` datasets: arrays from untrusted binary files.

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

from playground.data.base import Arrays, DatasetInfo, DatasetType, register_dataset
from playground.data.filecommon import (
    TASK_PARAM,
    as_float32,
    encode_classes,
    existing_file,
    file_name,
    info_from_file,
    one_path,
    remember_info,
    table_fallback,
    table_info,
)
from playground.errors import DataError
from playground.params import str_param

#: Largest array (npz member, IDX payload) read into memory, in bytes.
MAX_ARRAY_BYTES = 2**30
IDX_IMAGES_MAGIC = 0x00000803  # unsigned bytes, 3 dimensions
IDX_LABELS_MAGIC = 0x00000801  # unsigned bytes, 1 dimension


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
    name, members = file_name(path), [m[:-4] for m in zf.namelist() if m.endswith(".npy")]
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
    name, ndim = file_name(path), magic & 0xFF
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


# Datasets ---------------------------------------------------------------------

def _npz_inputs(x: np.ndarray, key: str, name: str) -> np.ndarray:
    """Float32 inputs: (N,) -> (N, 1); (N, H, W) -> (N, 1, H, W); NHWC -> NCHW;
    uint8 images scaled to [0, 1]."""
    if x.dtype.kind not in "biuf" or not 1 <= x.ndim <= 4:
        raise DataError(f"array {key!r} must be numeric with 1 to 4 dimensions, got "
                        f"{x.dtype} {x.shape}", name)
    if len(x) == 0:
        raise DataError(f"array {key!r} of shape {x.shape} holds no samples", name)
    scale = 255.0 if x.dtype == np.uint8 and x.ndim >= 3 else 1.0
    x = as_float32(x, key, name) / np.float32(scale)
    if x.ndim in (1, 3):
        x = x[:, None]
    elif x.ndim == 4 and x.shape[1] not in (1, 3, 4) and x.shape[-1] in (1, 3, 4):
        x = np.ascontiguousarray(x.transpose(0, 3, 1, 2))
    return x


def _npz_targets(y: np.ndarray, task: str, key: str, name: str) -> tuple:
    if task == "classification":
        if y.ndim == 2 and y.shape[1] > 1:
            y = y.argmax(axis=1)  # one-hot rows -> class index
        if y.size != len(y):
            raise DataError(f"array {key!r} of shape {y.shape} is not one label per sample: "
                            "classification needs (N,) labels or (N, classes) one-hot rows",
                            name)
        return encode_classes(y.reshape(len(y)), f"{name} array {key!r}")
    if y.dtype.kind not in "biuf":
        raise DataError(f"array {key!r} must be numeric for regression, got {y.dtype}", name)
    return as_float32(y, key, name).reshape(len(y), -1), ()


def read_npz(params: dict) -> tuple[np.ndarray, np.ndarray | None, DatasetInfo]:
    """Inputs ``x_key`` and targets ``y_key`` (none if empty) of an ``.npz`` archive.

    Raises
    ------
    DataError
        Missing keys, mismatched lengths, non-numeric or truncated arrays.
    """
    path = existing_file(params["path"], "path")
    name, x_key, y_key = file_name(path), params["x_key"], params["y_key"]
    try:
        with zipfile.ZipFile(path) as zf:
            x = read_npz_member(zf, x_key, path)
            y = read_npz_member(zf, y_key, path) if y_key else None
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError,
            NotImplementedError, RuntimeError) as exc:  # zip features we do not read, passwords
        raise DataError(f"not a readable .npz archive ({exc})", name) from None
    x = _npz_inputs(x, x_key, name)
    if y is None:
        return x, None, table_info(x, "none", ())
    if y.ndim == 0:
        raise DataError(f"array {y_key!r} is a single value; it needs one per sample", name)
    if len(y) != len(x):
        raise DataError(f"{len(x)} samples in {x_key!r} but {len(y)} in {y_key!r}", name)
    y, classes = _npz_targets(y, params["task"], y_key, name)
    target = "class" if params["task"] == "classification" else "regression"
    return x, y, table_info(x, target, classes)


def gen_npz(params: dict, rng: np.random.Generator) -> Arrays:
    """Arrays ``x_key`` and ``y_key`` of an ``.npz`` archive."""
    x, y, info = read_npz(params)
    remember_info((existing_file(params["path"], "path"),), params, info)
    return Arrays(x, y)


def _idx_info(labels: np.ndarray) -> DatasetInfo:
    count = int(labels.max()) + 1 if len(labels) else 0
    return DatasetInfo("image", "class", tuple(str(k) for k in range(count)))


def _idx_paths(params: dict) -> tuple:
    return existing_file(params["images"], "images"), existing_file(params["labels"], "labels")


def gen_mnist_idx(params: dict, rng: np.random.Generator) -> Arrays:
    """MNIST-format images x (N, 1, rows, cols) in [0, 1] and labels y (N,)."""
    images, labels = _idx_paths(params)
    x = read_idx(images, IDX_IMAGES_MAGIC, "images")  # (N, rows, cols) uint8
    y = read_idx(labels, IDX_LABELS_MAGIC, "labels")  # (N,) uint8
    if len(x) != len(y):
        raise DataError(f"{len(x)} images in {file_name(images)} but {len(y)} labels in "
                        f"{file_name(labels)}", f"{file_name(images)}, {file_name(labels)}")
    remember_info((images, labels), params, _idx_info(y))
    return Arrays(x[:, None].astype(np.float32) / 255.0, y.astype(np.int64))


register_dataset(DatasetType(
    "npz", "NumPy .npz file", "Files",
    (str_param("path", "", help="An archive written by numpy.savez."),
     str_param("x_key", "x", help="Name of the inputs array: (N, F), (N, H, W) or images."),
     str_param("y_key", "y", help="Name of the targets array; empty for no targets."),
     TASK_PARAM),
    gen_npz, info_from_file(lambda p: read_npz(p)[2], one_path, table_fallback),
    "Your own arrays saved with numpy.savez (no pickled objects).",
    file_params=("path",)))

register_dataset(DatasetType(
    "mnist_idx", "MNIST IDX files", "Files",
    (str_param("images", "", help="e.g. train-images-idx3-ubyte(.gz)"),
     str_param("labels", "", help="e.g. train-labels-idx1-ubyte(.gz)")),
    gen_mnist_idx,
    info_from_file(lambda p: _idx_info(read_idx(_idx_paths(p)[1], IDX_LABELS_MAGIC, "labels")),
                    _idx_paths, lambda p: DatasetInfo("image", "class")),
    "Images and labels in the MNIST IDX format (also Fashion-MNIST, KMNIST), .gz or not.",
    file_params=("images", "labels")))
