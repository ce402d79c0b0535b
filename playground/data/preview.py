"""A quick look at a CSV file for the data-import dialog, before anything is loaded.

:func:`preview_csv` reads at most the first 256 kB, detects the delimiter
and the header the way the ``csv`` dataset does (same rules, from
:mod:`playground.data.csv_table`) and tells, per column, whether it is numeric
or categorical (text), so the dialog can propose the target column and task.
"""

from __future__ import annotations

import csv
import io
import os
from typing import NamedTuple

from playground.data.csv_table import (
    _DELIMITERS,
    _MISSING,
    _has_header,
    _is_number,
    detect_delimiter,
)
from playground.errors import DataError

PREVIEW_BYTES = 1 << 18


class CsvPreview(NamedTuple):
    """What :func:`preview_csv` found (a tuple: unpacks in this order).

    Attributes
    ----------
    header : list of str
        Column names: the header row's, else "column 1", "column 2"...
    rows : list of list of str
        The first data rows, cells as text.
    delimiter : str
        The detected delimiter choice: ",", ";" or "tab" (the csv dataset's ``delimiter``).
    has_header : bool
        Whether the first row was taken as a header.
    kinds : list of str
        Per column: "numeric" (every non-missing cell of the sampled rows is a
        number) or "categorical".
    """

    header: list[str]
    rows: list[list[str]]
    delimiter: str
    has_header: bool
    kinds: list[str]


def preview_csv(path: str, n_rows: int = 10, delimiter: str = "auto",
                header: str = "auto") -> CsvPreview:
    """Header, first ``n_rows`` rows, delimiter, header detection and column kinds.

    Parameters
    ----------
    path : str
        The CSV file.
    n_rows : int
        Rows to return; the kinds use every row in the first 256 kB.
    delimiter, header : str
        "auto" to detect, else as the csv dataset's params.

    Raises
    ------
    DataError
        Missing, empty or non-UTF-8 file, naming it.
    """
    full = os.path.expanduser(path)
    name = os.path.basename(path) or path
    if not os.path.isfile(full):
        raise DataError(f"file not found: {full}", name)
    with open(full, "rb") as handle:
        raw = handle.read(PREVIEW_BYTES + 1)
    if len(raw) > PREVIEW_BYTES:  # cut at the last complete line
        raw = raw[:raw.rfind(b"\n", 0, PREVIEW_BYTES) + 1] or raw[:PREVIEW_BYTES]
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DataError(f"not a UTF-8 text file (byte {exc.start})", name) from None
    if delimiter == "auto":
        delimiter = detect_delimiter(text)
    try:
        rows = [(0, cells) for cells in csv.reader(io.StringIO(text),
                                                   delimiter=_DELIMITERS[delimiter])
                if any(c.strip() for c in cells)]
    except csv.Error as exc:
        raise DataError(str(exc), name) from None
    if not rows:
        raise DataError("file is empty (no rows)", name)
    has_header = _has_header(rows, header)
    names = [c.strip() or f"column {j + 1}" for j, c in enumerate(rows.pop(0)[1])] \
        if has_header else []
    width = max([len(names), *(len(cells) for _, cells in rows)])
    names += [f"column {j + 1}" for j in range(len(names), width)]
    data = [cells for _, cells in rows]
    kinds = [_kind([r[j] for r in data if j < len(r)]) for j in range(width)]
    return CsvPreview(names, data[:n_rows], delimiter, has_header, kinds)


def _kind(cells: list[str]) -> str:
    values = [c.strip() for c in cells if c.strip().lower() not in _MISSING]
    return "numeric" if values and all(_is_number(v) for v in values) else "categorical"
