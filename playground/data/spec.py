"""The ``data`` section of a project file: :class:`DataSpec`, its validation and checksums.

A spec names a dataset type of :data:`~playground.data.base.DATASETS`, its resolved
parameters, the seed, the train/validation/test fractions and the standardisation;
:func:`playground.data.loading.load_dataset` turns it into a split dataset.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from playground.data.base import DATASETS
from playground.data.checksums import file_digest, parse_files
from playground.errors import DataError, ValidationError
from playground.params import float_param, resolve

STANDARDIZE = ("none", "standard", "minmax", "global")


def record_checksums(spec: DataSpec, file_params: tuple[str, ...] | None = None) -> DataSpec:
    """A copy of ``spec`` with ``files`` filled in (:mod:`playground.data.checksums`).

    Call it when the user imports (or re-imports) data: from then on the
    project remembers exactly which file contents it was made with.

    Parameters
    ----------
    spec : DataSpec
    file_params : tuple of str, optional
        The params naming files; default: the dataset type's ``file_params``.

    Raises
    ------
    DataError
        When a named file is missing or unreadable.
    """
    if file_params is None:
        file_params = DATASETS.get(spec.type).file_params
    files = {}
    for param in file_params:
        path = spec.params.get(param)
        if not path:
            continue
        full = os.path.expanduser(path)
        try:
            digest, size = file_digest(full)
        except OSError as exc:
            raise DataError(f"cannot read it to compute its checksum: {exc.strerror or exc}",
                            os.path.basename(path) or path) from None
        files[param] = {"sha256": digest, "size": size}
    return replace(spec, files=files)


@dataclass(frozen=True)
class DataSpec:
    """The ``data`` section of a project file, validated.

    Attributes
    ----------
    type : str
        Dataset type id.
    params : dict
        Resolved generator parameters.
    seed : int
        Seed for generation and for the split.
    val, test : float
        Fractions of all samples held out for validation and test.
    standardize : str
        "none", "standard" (zero mean, unit variance per feature), "minmax"
        ([0, 1] per feature) or "global" (one mean and one standard deviation
        over every value, as books standardising MNIST do), fitted on the
        training part.
    files : dict
        File param -> ``{"sha256": hex, "size": bytes}`` recorded at import;
        :func:`~playground.data.loading.load_dataset` refuses files that no longer match
        (empty: unchecked).
    """

    type: str
    params: dict = field(default_factory=dict)
    seed: int = 0
    val: float = 0.0
    test: float = 0.0
    standardize: str = "none"
    files: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        """JSON-ready form."""
        from playground.params import to_json
        out = {"type": self.type, "params": to_json(self.params), "seed": self.seed,
               "split": {"val": self.val, "test": self.test},
               "standardize": self.standardize}
        if self.files:
            out["files"] = {k: dict(v) for k, v in self.files.items()}
        return out


_SPLIT_PARAMS = (float_param("val", 0.0, 0.0, 0.9), float_param("test", 0.0, 0.0, 0.9))


def parse_data_spec(raw: Any, where: str = "data") -> DataSpec:
    """Validate the ``data`` section of a project file.

    Raises
    ------
    ValidationError
        Naming the bad field.
    """
    if not isinstance(raw, Mapping):
        raise ValidationError("expected an object with 'type'", where)
    for key in raw:
        if key not in ("type", "params", "seed", "split", "standardize", "files"):
            raise ValidationError(f"unknown field {key!r} (expected type, params, seed, split, "
                                  "standardize, files)", where)
    entry = DATASETS.get(raw.get("type"), f"{where}.type")
    params = resolve(entry.params, raw.get("params"), f"{where}.params")
    seed = raw.get("seed", 0)
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValidationError(f"expected an int >= 0, got {seed!r}", f"{where}.seed")
    split = resolve(_SPLIT_PARAMS, raw.get("split"), f"{where}.split")
    if split["val"] + split["test"] >= 1.0:
        raise ValidationError("val + test must leave some training data (sum < 1)",
                              f"{where}.split")
    standardize = raw.get("standardize", "none")
    if standardize not in STANDARDIZE:
        raise ValidationError(f"expected one of {', '.join(STANDARDIZE)}, got {standardize!r}",
                              f"{where}.standardize")
    files = parse_files(raw.get("files"), entry.file_params, f"{where}.files")
    return DataSpec(entry.id, params, seed, split["val"], split["test"], standardize, files)
