"""The user's own data: CSV tables, NumPy ``.npz`` archives and MNIST IDX files.

Every failure is a :class:`~playground.errors.DataError` whose location names
the file and, for tables, the row (the file's line number, from 1, as an editor
shows it) and the column (its header name, else "column k" counted from 1).
Readers never trust a header's sizes: a file whose header claims more data than
it holds is refused before anything that large is allocated. Nothing is
unpickled.

The dataset info (class names, feature names, kind) depends on the contents,
so it is remembered per (path, size, mtime, params); the arrays are not kept.
"""

from __future__ import annotations

import csv
import gzip
import io
import os
import zipfile
import zlib

import numpy as np

from playground.data.base import Arrays, DatasetInfo, DatasetType, register_dataset
from playground.errors import DataError
from playground.params import choice_param, str_param

MAX_CLASSES = 1000
IDX_IMAGES_MAGIC = 0x00000803  # unsigned bytes, 3 dimensions
IDX_LABELS_MAGIC = 0x00000801  # unsigned bytes, 1 dimension
_DELIMITERS = {",": ",", ";": ";", "tab": "\t"}
_MISSING = ("", "nan", "na", "n/a", "null", "none")
_INFOS: dict = {}  # (file stats, params) -> DatasetInfo of the last few files read
_INFOS_SIZE = 16


def _name(path: str) -> str:
    return os.path.basename(path) or path


def _existing(path: str, param: str) -> str:
    """Expanded path of an existing file, or a DataError naming the param or file."""
    if not path:
        raise DataError("no file chosen", f"data.params.{param}")
    full = os.path.expanduser(path)
    if not os.path.isfile(full):
        raise DataError(f"file not found: {full}", _name(path))
    return full


def _remember(paths: tuple, params: dict, info: DatasetInfo | None = None):
    """The remembered info of ``paths`` read with ``params``; store ``info`` if given."""
    stats = tuple((p, os.stat(p).st_size, os.stat(p).st_mtime_ns) for p in paths)
    key = (stats, tuple(sorted((k, str(v)) for k, v in params.items())))
    if info is not None:
        while len(_INFOS) >= _INFOS_SIZE:
            _INFOS.pop(next(iter(_INFOS)))
        _INFOS[key] = info
    return _INFOS.get(key)


def encode_classes(values: np.ndarray, where: str) -> tuple[np.ndarray, tuple]:
    """Map labels (N,) to class indices 0..K-1 in sorted order: numbers numerically
    (2 before 10), text alphabetically. Returns y (N,) int64 and the K class names."""
    try:
        numeric = values.astype(np.float64)
    except ValueError:
        numeric = None
    if numeric is not None and not np.isfinite(numeric).all():
        raise DataError("labels must be finite numbers or text", where)
    uniq, y = np.unique(values.astype(str) if numeric is None else numeric,
                        return_inverse=True)
    if len(uniq) > MAX_CLASSES:
        raise DataError(f"{len(uniq)} distinct labels; for numeric targets choose the "
                        "'regression' task", where)
    names = tuple(str(u) if numeric is None else f"{u:g}" for u in uniq)
    return y.astype(np.int64).ravel(), names


def _table_info(x: np.ndarray, target: str, class_names: tuple,
                names: tuple | None = None) -> DatasetInfo:
    """Points with a padded plotting square for 2 features, images for 4-D x, else a table."""
    if x.ndim == 4:
        return DatasetInfo("image", target, class_names)
    names = names or tuple(f"x{j + 1}" for j in range(x.shape[1]))
    if x.shape[1] != 2:
        return DatasetInfo("tabular", target, class_names, names)
    lo, hi = x.min(axis=0), x.max(axis=0)
    half = max(float((hi - lo).max()) / 2 * 1.1, 1e-3)
    domain = tuple((float(f"{c - half:.6g}"), float(f"{c + half:.6g}")) for c in (lo + hi) / 2)
    return DatasetInfo("points2d", target, class_names, names, domain=domain)


# CSV -------------------------------------------------------------------------

def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _read_rows(path: str, delimiter: str) -> list[tuple[int, list[str]]]:
    """(line number, cells) of every non-blank row."""
    name = _name(path)
    try:
        with open(path, encoding="utf-8-sig", newline="") as f:
            text = f.read()
    except UnicodeDecodeError as exc:
        raise DataError(f"not a UTF-8 text file (byte {exc.start})", name) from None
    if delimiter == "auto":
        delimiter = detect_delimiter(text)
    reader = csv.reader(io.StringIO(text), delimiter=_DELIMITERS[delimiter])
    try:
        rows = [(reader.line_num, cells) for cells in reader if any(c.strip() for c in cells)]
    except csv.Error as exc:
        raise DataError(str(exc), f"{name} row {reader.line_num}") from None
    if not rows:
        raise DataError("file is empty (no rows)", name)
    return rows


def detect_delimiter(text: str) -> str:
    """The delimiter choice (",", ";" or "tab") the first non-blank line uses most."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    return max(_DELIMITERS, key=lambda d: first.count(_DELIMITERS[d]))


def _has_header(rows: list, header: str) -> bool:
    if header != "auto":
        return header == "yes"
    first = [c.strip() for c in rows[0][1]]
    if len(rows) == 1:
        return not any(_is_number(c) for c in first)
    # A header has text where the data below it has numbers.
    return any(not _is_number(a) and _is_number(b.strip()) for a, b in zip(first, rows[1][1]))


def _target_column(spec: str, columns: tuple, where: str) -> int:
    """Index of the target column: a header name, or a number from 1 (-1: the last)."""
    if spec.strip() == "":
        return len(columns) - 1
    if spec in columns:
        return columns.index(spec)
    try:
        number = int(spec)
    except ValueError:
        raise DataError(f"no target column named {spec!r} (columns: {', '.join(columns)})",
                        where) from None
    if number == 0 or abs(number) > len(columns):
        raise DataError(f"target column number {number} is out of range: the file has "
                        f"{len(columns)} columns, counted from 1 (-1 is the last)", where)
    return number - 1 if number > 0 else len(columns) + number


def _numbers(cells: np.ndarray, lines: np.ndarray, columns: tuple, name: str) -> np.ndarray:
    """Parse (rows, cols) strings to float64; the first bad cell names its place."""
    try:
        values = cells.astype(np.float64)  # fast path: numpy parses the whole block
        if np.isfinite(values).all():
            return values
    except ValueError:
        pass
    values = np.empty(cells.shape)
    for (i, j), cell in np.ndenumerate(cells):
        text, where = str(cell).strip(), f"{name} row {lines[i]}, column {columns[j]!r}"
        if text.lower() in _MISSING:
            raise DataError("missing value", where)
        if not _is_number(text):
            raise DataError(f"{text!r} is not a number", where)
        values[i, j] = float(text)
        if not np.isfinite(values[i, j]):
            raise DataError(f"{text!r} is not a finite number", where)
    return values


def read_csv(params: dict) -> tuple[np.ndarray, np.ndarray, DatasetInfo]:
    """Parse the CSV file of the ``csv`` dataset's ``params``.

    Returns
    -------
    x : ndarray
        (N, F) float32 features: every column but the target.
    y : ndarray
        (N,) int64 classes or (N, 1) float32 targets.
    info : DatasetInfo

    Raises
    ------
    DataError
        Naming the file, row and column of the first problem.
    """
    path = _existing(params["path"], "path")
    name, rows = _name(path), _read_rows(path, params["delimiter"])
    width = len(rows[0][1])
    columns = tuple(f"column {j + 1}" for j in range(width))
    if _has_header(rows, params["header"]):
        columns = tuple(c.strip() or columns[j] for j, c in enumerate(rows.pop(0)[1]))
    if not rows:
        raise DataError("no data rows after the header", name)
    if width < 2:
        raise DataError("needs at least two columns (features and a target)", name)
    for line, cells in rows:
        if len(cells) != width:
            raise DataError(f"expected {width} cells (as in row {rows[0][0]}), got {len(cells)}",
                            f"{name} row {line}")
    lines = np.array([line for line, _ in rows])
    cells = np.array([cells for _, cells in rows], dtype=str)  # (N, width)
    t = _target_column(params["target"], columns, name)
    keep = [j for j in range(width) if j != t]
    features = tuple(columns[j] for j in keep)
    x = _numbers(cells[:, keep], lines, features, name).astype(np.float32)
    if params["task"] == "regression":
        y = _numbers(cells[:, [t]], lines, (columns[t],), name).astype(np.float32)
        return x, y, _table_info(x, "regression", (), features)
    labels = np.char.strip(cells[:, t])
    for i in np.flatnonzero(labels == ""):
        raise DataError("missing value", f"{name} row {lines[i]}, column {columns[t]!r}")
    y, classes = encode_classes(labels, f"{name} column {columns[t]!r}")
    return x, y, _table_info(x, "class", classes, features)


def gen_csv(params: dict, rng: np.random.Generator) -> Arrays:
    """Rows of a CSV file: x (N, F), y the chosen target column."""
    x, y, info = read_csv(params)
    _remember((_existing(params["path"], "path"),), params, info)
    return Arrays(x, y)


# NPZ -------------------------------------------------------------------------

def _npz_member(zf: zipfile.ZipFile, key: str, path: str) -> np.ndarray:
    """Array ``key``, read only after its header agrees with the member's size."""
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
        nbytes = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
        left = member.file_size - f.tell()
        if nbytes > left:
            raise DataError(f"array {key!r} is truncated: its header claims shape {shape} "
                            f"({nbytes} bytes) but {left} follow", name)
    with zf.open(member) as f:
        return np.lib.format.read_array(f, allow_pickle=False)


def _npz_inputs(x: np.ndarray, key: str, name: str) -> np.ndarray:
    """Float32 inputs: (N,) -> (N, 1); (N, H, W) -> (N, 1, H, W); NHWC -> NCHW;
    uint8 images scaled to [0, 1]."""
    if x.dtype.kind not in "biuf" or not 1 <= x.ndim <= 4:
        raise DataError(f"array {key!r} must be numeric with 1 to 4 dimensions, got "
                        f"{x.dtype} {x.shape}", name)
    x = x.astype(np.float32) / (255.0 if x.dtype == np.uint8 and x.ndim >= 3 else 1.0)
    if x.ndim in (1, 3):
        x = x[:, None]
    elif x.ndim == 4 and x.shape[1] not in (1, 3, 4) and x.shape[-1] in (1, 3, 4):
        x = np.ascontiguousarray(x.transpose(0, 3, 1, 2))
    bad = np.argwhere(~np.isfinite(x))
    if len(bad):
        raise DataError(f"{key}[{', '.join(map(str, bad[0]))}] is not a finite number", name)
    return x


def _npz_targets(y: np.ndarray, task: str, key: str, name: str) -> tuple:
    if task == "classification":
        if y.ndim == 2 and y.shape[1] > 1:
            y = y.argmax(axis=1)  # one-hot rows -> class index
        return encode_classes(y.reshape(len(y)), f"{name} array {key!r}")
    if y.dtype.kind not in "biuf":
        raise DataError(f"array {key!r} must be numeric for regression, got {y.dtype}", name)
    y = y.astype(np.float32).reshape(len(y), -1)
    if not np.isfinite(y).all():
        raise DataError(f"array {key!r} has values that are not finite numbers", name)
    return y, ()


def read_npz(params: dict) -> tuple[np.ndarray, np.ndarray | None, DatasetInfo]:
    """Inputs ``x_key`` and targets ``y_key`` (none if empty) of an ``.npz`` archive.

    Raises
    ------
    DataError
        Missing keys, mismatched lengths, non-numeric or truncated arrays.
    """
    path = _existing(params["path"], "path")
    name, x_key, y_key = _name(path), params["x_key"], params["y_key"]
    try:
        with zipfile.ZipFile(path) as zf:
            x = _npz_member(zf, x_key, path)
            y = _npz_member(zf, y_key, path) if y_key else None
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError) as exc:
        raise DataError(f"not a readable .npz archive ({exc})", name) from None
    x = _npz_inputs(x, x_key, name)
    if y is None:
        return x, None, _table_info(x, "none", ())
    if len(y) != len(x):
        raise DataError(f"{len(x)} samples in {x_key!r} but {len(y)} in {y_key!r}", name)
    y, classes = _npz_targets(y, params["task"], y_key, name)
    target = "class" if params["task"] == "classification" else "regression"
    return x, y, _table_info(x, target, classes)


def gen_npz(params: dict, rng: np.random.Generator) -> Arrays:
    """Arrays ``x_key`` and ``y_key`` of an ``.npz`` archive."""
    x, y, info = read_npz(params)
    _remember((_existing(params["path"], "path"),), params, info)
    return Arrays(x, y)


# MNIST IDX -------------------------------------------------------------------

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
            count, left = int(np.prod(shape, dtype=np.int64)), os.path.getsize(path) - f.tell()
            if not gz and left < count:
                raise DataError(f"file is truncated: header claims {what} of shape {shape} "
                                f"({count} bytes) but {left} follow", name)
            data = _read_exact(f, count, f"{what} of shape {shape}", name)
            if f.read(1):
                raise DataError(f"file has data after the {what} its header describes", name)
    except (OSError, EOFError, zlib.error) as exc:
        raise DataError(f"cannot read: {exc}", name) from None
    return np.frombuffer(data, np.uint8).reshape(shape)


def _idx_info(labels: np.ndarray) -> DatasetInfo:
    count = int(labels.max()) + 1 if len(labels) else 0
    return DatasetInfo("image", "class", tuple(str(k) for k in range(count)))


def _idx_paths(params: dict) -> tuple:
    return _existing(params["images"], "images"), _existing(params["labels"], "labels")


def gen_mnist_idx(params: dict, rng: np.random.Generator) -> Arrays:
    """MNIST-format images x (N, 1, rows, cols) in [0, 1] and labels y (N,)."""
    images, labels = _idx_paths(params)
    x = read_idx(images, IDX_IMAGES_MAGIC, "images")  # (N, rows, cols) uint8
    y = read_idx(labels, IDX_LABELS_MAGIC, "labels")  # (N,) uint8
    if len(x) != len(y):
        raise DataError(f"{len(x)} images in {_name(images)} but {len(y)} labels in "
                        f"{_name(labels)}", f"{_name(images)}, {_name(labels)}")
    _remember((images, labels), params, _idx_info(y))
    return Arrays(x[:, None].astype(np.float32) / 255.0, y.astype(np.int64))


# Registry --------------------------------------------------------------------

def _info_from_file(read, paths, fallback):
    """``info(params)``: the remembered info, else ``read(params)``, else ``fallback``.

    The fallback (no names yet) stands in while the file is missing or unreadable:
    the data panel asks for info before anything is loaded.
    """
    def info(params: dict) -> DatasetInfo:
        try:
            files = paths(params)
            return _remember(files, params) or _remember(files, params, read(params))
        except (DataError, OSError):
            return fallback(params)
    return info


def _table_fallback(params: dict) -> DatasetInfo:
    target = "regression" if params.get("task") == "regression" else "class"
    return DatasetInfo("tabular", "none" if params.get("y_key") == "" else target)


def _one_path(params: dict) -> tuple:
    return (_existing(params["path"], "path"),)


_TASK = choice_param("task", "classification", ("classification", "regression"),
                     help="Classification turns target values into classes.")

register_dataset(DatasetType(
    "csv", "CSV file", "Files",
    (str_param("path", "", help="A comma, semicolon or tab separated text file."),
     str_param("target", "", help="Target column: its header name, or its number counted "
                                  "from 1 (-1 is the last). Empty: the last column."),
     choice_param("header", "auto", ("auto", "yes", "no"),
                  help="Whether the first row holds column names ('auto' guesses)."),
     _TASK,
     choice_param("delimiter", "auto", ("auto", ",", ";", "tab"))),
    gen_csv, _info_from_file(lambda p: read_csv(p)[2], _one_path, _table_fallback),
    "Your own table: every column but the target is a numeric feature.",
    file_params=("path",)))

register_dataset(DatasetType(
    "npz", "NumPy .npz file", "Files",
    (str_param("path", "", help="An archive written by numpy.savez."),
     str_param("x_key", "x", help="Name of the inputs array: (N, F), (N, H, W) or images."),
     str_param("y_key", "y", help="Name of the targets array; empty for no targets."),
     _TASK),
    gen_npz, _info_from_file(lambda p: read_npz(p)[2], _one_path, _table_fallback),
    "Your own arrays saved with numpy.savez (no pickled objects).",
    file_params=("path",)))

register_dataset(DatasetType(
    "mnist_idx", "MNIST IDX files", "Files",
    (str_param("images", "", help="e.g. train-images-idx3-ubyte(.gz)"),
     str_param("labels", "", help="e.g. train-labels-idx1-ubyte(.gz)")),
    gen_mnist_idx,
    _info_from_file(lambda p: _idx_info(read_idx(_idx_paths(p)[1], IDX_LABELS_MAGIC, "labels")),
                    _idx_paths, lambda p: DatasetInfo("image", "class")),
    "Images and labels in the MNIST IDX format (also Fashion-MNIST, KMNIST), .gz or not.",
    file_params=("images", "labels")))
