"""The user's own data: CSV tables, NumPy ``.npz`` archives and MNIST IDX files.

Every failure is a :class:`~playground.errors.DataError` whose location names
the file and, for tables, the row (the file's line number, from 1, as an editor
shows it) and the column (its header name, else "column k" counted from 1).
Readers never trust a header's sizes: a file whose header claims more data than
it holds is refused before anything that large is allocated (the binary
readers are in :mod:`playground.data.arrayfiles`). Nothing is unpickled. CSV
files are streamed a block of rows at a time, so memory stays near the
float32 result; limits (:data:`MAX_CSV_BYTES`, :data:`MAX_COLUMNS`) refuse
what would take too long.

The dataset info (class names, feature names, kind) depends on the contents,
so it is remembered per (path, size, mtime, params); the arrays are not kept.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import os
import zipfile
import zlib
from collections.abc import Iterator

import numpy as np

from playground.data.arrayfiles import (  # noqa: F401  (re-exported: the IDX format's names)
    IDX_IMAGES_MAGIC,
    IDX_LABELS_MAGIC,
    MAX_ARRAY_BYTES,
    read_idx,
    read_npz_member,
)
from playground.data.base import Arrays, DatasetInfo, DatasetType, register_dataset
from playground.errors import DataError
from playground.params import choice_param, str_param

MAX_CLASSES = 1000
#: Largest CSV file: it is streamed, but parsing takes about 20 s per 256 MB.
MAX_CSV_BYTES = 256 * 2**20
#: Columns of a CSV table (a 256 x 256 image flattened is 65 536); wider data belongs in .npz.
MAX_COLUMNS = 65_536
_CHUNK_CELLS = 1 << 18  # CSV cells turned into numbers at a time: bounds the str overhead
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
        if os.path.exists(full):  # a folder, a device, a pipe: reading it could block forever
            raise DataError(f"not a regular file: {full}", _name(path))
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


def _check_text(path: str) -> None:
    """Refuse a file too big to read, or that is not UTF-8 text (a BOM allowed), cheaply:
    a streaming decode that names the first bad byte."""
    name = _name(path)
    size = os.path.getsize(path)
    if size > MAX_CSV_BYTES:
        raise DataError(f"file is {size / 2**20:.0f} MB; CSV files may be at most "
                        f"{MAX_CSV_BYTES // 2**20} MB: save bigger tables as .npz", name)
    decoder, offset = codecs.getincrementaldecoder("utf-8-sig")(), 0
    with open(path, "rb") as f:
        while True:
            chunk = f.read(1 << 20)
            try:
                decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError as exc:
                at = offset + exc.start - len(decoder.getstate()[0])
                raise DataError(f"not a UTF-8 text file (byte {max(at, 0)}); if it is text, "
                                "save it as UTF-8", name) from None
            if b"\0" in chunk:  # valid UTF-8, but no text file holds NUL characters
                raise DataError(f"binary data (a NUL byte at byte {offset + chunk.index(0)}): "
                                "not a text file", name)
            if not chunk:
                return
            offset += len(chunk)


def _rows(path: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """(line number, cells) of every non-blank row, streamed from the file (never held
    whole); a row with too many columns is an error. Call :func:`_check_text` first."""
    name = _name(path)
    with open(path, encoding="utf-8-sig", newline="") as f:
        number, first = next(((i, line) for i, line in enumerate(f, 1) if line.strip()),
                             (1, ""))
        if delimiter == "auto":
            delimiter = detect_delimiter(first)
        columns = first.count(_DELIMITERS[delimiter]) + 1
        if columns > MAX_COLUMNS:  # refused before the csv module makes a million cells
            raise DataError(_too_wide(columns), f"{name} row {number}")
        f.seek(0)
        # strict: an unclosed quote is an error, not the rest of the file in one cell
        reader = csv.reader(f, delimiter=_DELIMITERS[delimiter], strict=True)
        try:
            for cells in reader:
                if len(cells) > MAX_COLUMNS:
                    raise DataError(_too_wide(len(cells)), f"{name} row {reader.line_num}")
                if any(c.strip() for c in cells):
                    yield reader.line_num, cells
        except csv.Error as exc:
            raise DataError(str(exc), f"{name} row {reader.line_num}") from None


def _too_wide(columns: int) -> str:
    return (f"{columns:,} columns; at most {MAX_COLUMNS:,} (one per feature): save wider "
            "data, such as images, as .npz")


def detect_delimiter(text: str) -> str:
    """The delimiter choice (",", ";" or "tab") the first non-blank line uses most."""
    first = next((line for line in io.StringIO(text) if line.strip()), "")
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

    The file is streamed and its rows turned into numbers a block at a time, so
    memory stays near the float32 result (files of at most :data:`MAX_CSV_BYTES`).

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
    name = _name(path)
    _check_text(path)
    rows = _rows(path, params["delimiter"])
    head = list(itertools.islice(rows, 2))  # enough to tell a header from data
    if not head:
        raise DataError("file is empty (no rows)", name)
    width = len(head[0][1])
    columns = tuple(f"column {j + 1}" for j in range(width))
    if _has_header(head, params["header"]):
        columns = tuple(c.strip() or columns[j] for j, c in enumerate(head.pop(0)[1]))
    data = itertools.chain(head, rows)
    first = next(data, None)
    if first is None:
        raise DataError("no data rows after the header", name)
    if width < 2:
        raise DataError("needs at least two columns (features and a target)", name)
    t = _target_column(params["target"], columns, name)
    keep = [j for j in range(width) if j != t]
    features = tuple(columns[j] for j in keep)
    regression = params["task"] == "regression"
    xs, ys = [], []
    for block in _blocks(itertools.chain([first], data), max(1, _CHUNK_CELLS // width)):
        for line, cells in block:
            if len(cells) != width:
                raise DataError(f"expected {width} cells (as in row {first[0]}), got "
                                f"{len(cells)}", f"{name} row {line}")
        lines = np.array([line for line, _ in block])
        cells = np.array([cells for _, cells in block], dtype=str)  # (rows, width)
        xs.append(_numbers(cells[:, keep], lines, features, name).astype(np.float32))
        if regression:
            ys.append(_numbers(cells[:, [t]], lines, (columns[t],), name).astype(np.float32))
            continue
        labels = np.char.strip(cells[:, t])
        for i in np.flatnonzero(labels == ""):
            raise DataError("missing value", f"{name} row {lines[i]}, column {columns[t]!r}")
        ys.append(labels)
    x = np.concatenate(xs)
    if regression:
        return x, np.concatenate(ys), _table_info(x, "regression", (), features)
    y, classes = encode_classes(np.concatenate(ys), f"{name} column {columns[t]!r}")
    return x, y, _table_info(x, "class", classes, features)


def _blocks(rows: Iterator, size: int) -> Iterator[list]:
    """Lists of up to ``size`` consecutive rows."""
    while block := list(itertools.islice(rows, size)):
        yield block


def gen_csv(params: dict, rng: np.random.Generator) -> Arrays:
    """Rows of a CSV file: x (N, F), y the chosen target column."""
    x, y, info = read_csv(params)
    _remember((_existing(params["path"], "path"),), params, info)
    return Arrays(x, y)


# NPZ -------------------------------------------------------------------------

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
        if y.size != len(y):
            raise DataError(f"array {key!r} of shape {y.shape} is not one label per sample: "
                            "classification needs (N,) labels or (N, classes) one-hot rows",
                            name)
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
            x = read_npz_member(zf, x_key, path)
            y = read_npz_member(zf, y_key, path) if y_key else None
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError,
            NotImplementedError, RuntimeError) as exc:  # zip features we do not read, passwords
        raise DataError(f"not a readable .npz archive ({exc})", name) from None
    x = _npz_inputs(x, x_key, name)
    if y is None:
        return x, None, _table_info(x, "none", ())
    if y.ndim == 0:
        raise DataError(f"array {y_key!r} is a single value; it needs one per sample", name)
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
