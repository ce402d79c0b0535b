"""CSV tables: the user's own data as comma, semicolon or tab separated text.

Every failure is a :class:`~playground.errors.DataError` whose location names
the file, the row (the file's line number, from 1, as an editor shows it) and
the column (its header name, else "column k" counted from 1). Files are
streamed a block of rows at a time, so memory stays near the float32 result;
limits (:data:`MAX_CSV_BYTES`, :data:`MAX_COLUMNS`) refuse what would take too long.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import os
from collections.abc import Iterator

import numpy as np

from playground.data.base import Arrays, DatasetInfo, DatasetType, register_dataset
from playground.data.filecommon import (
    FLOAT32_MAX,
    MAX_CLASSES,
    TASK_PARAM,
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
from playground.limits import budget_problem
from playground.params import choice_param, str_param

#: Largest CSV file: it is streamed, but parsing takes about 20 s per 256 MB.
MAX_CSV_BYTES = 256 * 2**20
#: Columns of a CSV table (a 256 x 256 image flattened is 65 536); wider data belongs in .npz.
MAX_COLUMNS = 65_536
#: CSV cells turned into numbers at a time: bounds the text's overhead (a block's cells are
#: Python strings, then a fixed-width numpy array of 4 bytes per character of the longest).
_CHUNK_CELLS = 1 << 16
_DELIMITERS = {",": ",", ";": ";", "tab": "\t"}
_MISSING = ("", "nan", "na", "n/a", "null", "none")


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _check_text(path: str) -> int:
    """Refuse a file too big to read, or that is not UTF-8 text (a BOM allowed), cheaply:
    a streaming decode that names the first bad byte. Returns how many lines the file
    has at most (line breaks + 1: rows cannot be more), to allocate the result once."""
    name = file_name(path)
    size = os.path.getsize(path)
    if size > MAX_CSV_BYTES:
        raise DataError(f"file is {size / 2**20:.0f} MB; CSV files may be at most "
                        f"{MAX_CSV_BYTES // 2**20} MB: save bigger tables as .npz", name)
    decoder, offset, breaks, last = codecs.getincrementaldecoder("utf-8-sig")(), 0, 0, b""
    with open(path, "rb") as f:
        while True:
            chunk = f.read(1 << 20)
            # "\n", "\r\n" and a lone "\r" each end a line (a "\r\n" across chunks once)
            breaks += chunk.count(b"\n") + chunk.count(b"\r") - chunk.count(b"\r\n") \
                - (last == b"\r" and chunk[:1] == b"\n")
            last = chunk[-1:] or last
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
                return breaks + 1
            offset += len(chunk)


def _rows(path: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """(line number, cells) of every non-blank row, streamed from the file (never held
    whole); a row with too many columns is an error. Call :func:`_check_text` first."""
    name = file_name(path)
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


def _feature_columns(spec: str, columns: tuple, target: int, where: str) -> list[int]:
    """Indices of the feature columns: the listed names or numbers (from 1), else all but
    the target."""
    if not spec.strip():
        return [j for j in range(len(columns)) if j != target]
    keep = []
    for item in (part.strip() for part in spec.split(",")):
        if not item:
            continue
        j = columns.index(item) if item in columns else None
        if j is None:
            try:
                number = int(item)
            except ValueError:
                raise DataError(f"no feature column named {item!r} (columns: "
                                f"{', '.join(columns)})", where) from None
            if not 1 <= number <= len(columns):
                raise DataError(f"feature column number {number} is out of range: the file "
                                f"has {len(columns)} columns, counted from 1", where)
            j = number - 1
        if j == target:
            raise DataError(f"column {columns[j]!r} is the target; it cannot also be a "
                            "feature", where)
        if j not in keep:
            keep.append(j)
    if not keep:
        raise DataError("no feature columns chosen", where)
    return keep


def _numbers(cells: np.ndarray, lines: np.ndarray, columns: tuple, name: str) -> np.ndarray:
    """Parse (rows, cols) strings to float64; the first bad cell names its place."""
    try:
        values = cells.astype(np.float64)  # fast path: numpy parses the whole block
        if np.isfinite(values).all() and np.abs(values).max(initial=0.0) <= FLOAT32_MAX:
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
        if abs(values[i, j]) > FLOAT32_MAX:  # finite in float64, infinite in float32
            raise DataError(f"{text!r} is too large: values are stored as float32, at most "
                            f"about {FLOAT32_MAX:.3g}", where)
    return values


def read_csv(params: dict) -> tuple[np.ndarray, np.ndarray, DatasetInfo]:
    """Parse the CSV file of the ``csv`` dataset's ``params``.

    The file is streamed and its rows turned into numbers a block at a time, so
    memory stays near the float32 result (files of at most :data:`MAX_CSV_BYTES`).

    Returns
    -------
    x : ndarray
        (N, F) float32 features: the chosen columns (every column but the target).
    y : ndarray
        (N,) int64 classes or (N, 1) float32 targets.
    info : DatasetInfo

    Raises
    ------
    DataError
        Naming the file, row and column of the first problem.
    """
    path = existing_file(params["path"], "path")
    name = file_name(path)
    capacity = _check_text(path)
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
    keep = _feature_columns(params["features"], columns, t, name)
    features = tuple(columns[j] for j in keep)
    regression = params["task"] == "regression"
    problem = budget_problem(capacity * (len(keep) + 1) * 4 * 2,
                             f"{capacity:,} rows of {len(keep):,} features")
    if problem is not None:
        raise DataError(problem, name)
    # The result is allocated once (rows <= lines) and filled a block at a time: memory
    # stays near the float32 table. Class labels are kept as int32 codes, not as text.
    x = np.empty((capacity, len(keep)), np.float32)
    y = np.empty((capacity, 1), np.float32) if regression else np.empty(capacity, np.int32)
    labels = _LabelCodes(f"{name} column {columns[t]!r}")
    n = 0
    for block in _blocks(itertools.chain([first], data), max(1, _CHUNK_CELLS // width)):
        for line, cells in block:
            if len(cells) != width:
                raise DataError(f"expected {width} cells (as in row {first[0]}), got "
                                f"{len(cells)}", f"{name} row {line}")
        lines = np.array([line for line, _ in block])
        cells = np.array([cells for _, cells in block], dtype=str)  # (rows, width)
        k = len(block)
        if n + k > len(x):  # more rows than line breaks counted: cannot happen, but grow
            x, y = _grown(x, n + k), _grown(y, n + k)
        x[n:n + k] = _numbers(cells[:, keep], lines, features, name)
        if regression:
            y[n:n + k] = _numbers(cells[:, [t]], lines, (columns[t],), name)
        else:
            column = np.char.strip(cells[:, t])
            for i in np.flatnonzero(column == ""):
                raise DataError("missing value", f"{name} row {lines[i]}, "
                                                 f"column {columns[t]!r}")
            y[n:n + k] = labels.encode(column)
        n += k
    x, y = x[:n], y[:n]
    if regression:
        return x, y, table_info(x, "regression", (), features)
    classes, names = labels.classes(y)
    return x, classes, table_info(x, "class", names, features)


def _grown(a: np.ndarray, rows: int) -> np.ndarray:
    out = np.empty((max(rows, 2 * len(a)), *a.shape[1:]), a.dtype)
    out[:len(a)] = a
    return out


class _LabelCodes:
    """Class labels of a streamed column as int32 codes of the distinct texts seen so far.

    The texts are mapped to classes at the end by :func:`encode_classes` (numbers
    numerically, text alphabetically), over the distinct texts only.
    """

    def __init__(self, where: str):
        self.where = where
        self.codes: dict[str, int] = {}

    def encode(self, column: np.ndarray) -> np.ndarray:
        """Codes (n,) int32 of one block's labels."""
        distinct, inverse = np.unique(column, return_inverse=True)
        ids = np.array([self.codes.setdefault(str(u), len(self.codes)) for u in distinct],
                       np.int32)
        if len(self.codes) > MAX_CLASSES:
            raise DataError(f"more than {MAX_CLASSES} distinct labels; for numeric targets "
                            "choose the 'regression' task", self.where)
        return ids[inverse.ravel()]

    def classes(self, codes: np.ndarray) -> tuple[np.ndarray, tuple]:
        """(classes (n,) int64, class names) for the codes of every row."""
        texts = np.array(list(self.codes), dtype=str)  # in code order
        by_code, names = encode_classes(texts, self.where)
        return by_code[codes].astype(np.int64), names


def _blocks(rows: Iterator, size: int) -> Iterator[list]:
    """Lists of up to ``size`` consecutive rows."""
    while block := list(itertools.islice(rows, size)):
        yield block


def gen_csv(params: dict, rng: np.random.Generator) -> Arrays:
    """Rows of a CSV file: x (N, F), y the chosen target column."""
    x, y, info = read_csv(params)
    remember_info((existing_file(params["path"], "path"),), params, info)
    return Arrays(x, y)


register_dataset(DatasetType(
    "csv", "CSV file", "Files",
    (str_param("path", "", help="A comma, semicolon or tab separated text file."),
     str_param("target", "", help="Target column: its header name, or its number counted "
                                  "from 1 (-1 is the last). Empty: the last column."),
     str_param("features", "", help="Feature columns, comma separated names or numbers "
                                    "from 1. Empty: every column but the target."),
     choice_param("header", "auto", ("auto", "yes", "no"),
                  help="Whether the first row holds column names ('auto' guesses)."),
     TASK_PARAM,
     choice_param("delimiter", "auto", ("auto", ",", ";", "tab"))),
    gen_csv, info_from_file(lambda p: read_csv(p)[2], one_path, table_fallback),
    "Your own table: numeric feature columns and a target column.",
    file_params=("path",)))
