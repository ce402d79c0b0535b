"""Property: the file loaders (CSV, .npz, MNIST IDX, image folders) given random bytes or
random damage to valid files either load or raise DataError, never anything else."""

from __future__ import annotations

import gzip
import io
import os
import tempfile
import zipfile

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from playground.data import load_dataset, parse_data_spec
from playground.errors import DataError, ValidationError
from tests.hostile.make_corpus import idx

FOLDER = tempfile.mkdtemp(prefix="fuzz-loaders-")

IRIS = (b"sepal_length,sepal_width,petal_length,petal_width,species\n"
        b"5.1,3.5,1.4,0.2,setosa\n4.9,3.0,1.4,0.2,setosa\n7.0,3.2,4.7,1.4,versicolor\n"
        b"6.4,3.2,4.5,1.5,versicolor\n6.3,3.3,6.0,2.5,virginica\n5.8,2.7,5.1,1.9,virginica\n")


def _npz() -> bytes:
    buffer = io.BytesIO()
    rng = np.random.default_rng(0)
    np.savez(buffer, x=rng.normal(size=(6, 3)).astype(np.float32), y=np.arange(6) % 2)
    return buffer.getvalue()


def _npz_compressed() -> bytes:
    buffer = io.BytesIO()
    np.savez_compressed(buffer, x=np.arange(24, dtype=np.uint8).reshape(2, 3, 4), y=[0, 1])
    return buffer.getvalue()


IMAGES = idx(0x803, (3, 4, 4), bytes(range(48)))
LABELS = idx(0x801, (3,), b"\x00\x01\x02")
VALID = {
    "csv": IRIS,
    "npz": _npz(),
    "npz_compressed": _npz_compressed(),
    "idx": IMAGES,
    "idx_gz": gzip.compress(IMAGES, mtime=0),
}


def write(name: str, data: bytes) -> str:
    path = os.path.join(FOLDER, name)
    with open(path, "wb") as f:
        f.write(data)
    return path


def load(kind: str, path: str, params: dict):
    if kind == "csv":
        spec = {"type": "csv", "params": {"path": path, **params}}
    elif kind.startswith("npz"):
        spec = {"type": "npz", "params": {"path": path, **params}}
    else:
        spec = {"type": "mnist_idx", "params": {"images": path,
                                                "labels": write("labels", LABELS)}}
    return load_dataset(parse_data_spec(spec))


def loads_or_data_error(kind: str, data: bytes, params: dict | None = None) -> None:
    path = write(f"fuzz.{kind}", data)
    try:
        ds = load(kind, path, params or {})
    except DataError as exc:
        assert "\n" not in str(exc)
        return
    assert len(ds.train) > 0 and np.isfinite(ds.train.x).all()


@st.composite
def damaged(draw, kind: str) -> bytes:
    """A valid file with 1-3 random edits: flipped bytes, cuts, insertions, repeats."""
    data = bytearray(VALID[kind])
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        how = draw(st.sampled_from(["flip", "cut", "insert", "repeat", "truncate"]))
        if how == "flip" and data:
            data[at] ^= draw(st.integers(1, 255))
        elif how == "cut":
            del data[at:at + draw(st.integers(1, 16))]
        elif how == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=8))
        elif how == "repeat":
            data[at:at] = data[max(at - 16, 0):at]
        else:
            del data[at:]
    return bytes(data)


csv_params = st.fixed_dictionaries({}, optional={
    "header": st.sampled_from(["auto", "yes", "no"]),
    "delimiter": st.sampled_from(["auto", ",", ";", "tab"]),
    "task": st.sampled_from(["classification", "regression"]),
    "target": st.sampled_from(["", "1", "-1", "5", "0", "99", "species", "sepal_width", "x"]),
})
npz_params = st.fixed_dictionaries({}, optional={
    "x_key": st.sampled_from(["x", "y", "", "nope"]),
    "y_key": st.sampled_from(["y", "x", ""]),
    "task": st.sampled_from(["classification", "regression"]),
})


def params_for(kind: str):
    return csv_params if kind == "csv" else npz_params if kind.startswith("npz") else st.just({})


SETTINGS = dict(deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@settings(max_examples=150, **SETTINGS)
@given(st.sampled_from(sorted(VALID)), st.data())
def test_damaged_files_load_or_raise_data_error(kind, data):
    loads_or_data_error(kind, data.draw(damaged(kind)), data.draw(params_for(kind)))


@settings(max_examples=100, **SETTINGS)
@given(st.sampled_from(sorted(VALID)), st.binary(max_size=600), st.data())
def test_random_bytes_load_or_raise_data_error(kind, blob, data):
    if kind == "idx_gz":
        blob = gzip.compress(blob, mtime=0)
    loads_or_data_error(kind, blob, data.draw(params_for(kind)))


@settings(max_examples=100, **SETTINGS)
@given(st.lists(st.lists(st.text(alphabet="0123456789.-eE,;\t\"' \r\nabcé\x00", max_size=6),
                         min_size=1, max_size=5), min_size=1, max_size=6), csv_params)
def test_random_tables_load_or_raise_data_error(rows, params):
    text = "\n".join(",".join(cells) for cells in rows)
    loads_or_data_error("csv", text.encode("utf-8"), params)


@settings(max_examples=60, **SETTINGS)
@given(st.sampled_from(["x", "y"]), st.sampled_from(["<f4", "<f8", "<i8", "|u1", "|b1", "<c8",
                                                     "<U3", "|S2", "<M8[D]", "|V4"]),
       st.lists(st.integers(0, 5), max_size=5), st.integers(0, 64))
def test_npz_members_with_any_header_load_or_raise_data_error(key, descr, shape, extra):
    npy = io.BytesIO()
    np.lib.format.write_array_header_1_0(npy, {"descr": descr, "fortran_order": False,
                                               "shape": tuple(shape)})
    npy.write(bytes(extra))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr(f"{key}.npy", npy.getvalue())
        zf.writestr("y.npy" if key == "x" else "x.npy", VALID_Y)
    loads_or_data_error("npz", out.getvalue())


def _y() -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, np.zeros(2))
    return buffer.getvalue()


VALID_Y = _y()


def test_valid_files_load():
    for kind, data in VALID.items():
        path = write(f"valid.{kind}", data)
        assert len(load(kind, path, {}).train) > 0, kind


@settings(max_examples=40, **SETTINGS)
@given(st.binary(min_size=0, max_size=300), st.sampled_from([".png", ".jpg", ".jpeg"]))
def test_random_bytes_as_images_raise_data_error(blob, suffix):
    root = os.path.join(FOLDER, "images")
    for cls in ("a", "b"):
        os.makedirs(os.path.join(root, cls), exist_ok=True)
        for name in os.listdir(os.path.join(root, cls)):
            os.remove(os.path.join(root, cls, name))
        with open(os.path.join(root, cls, f"img{suffix}"), "wb") as f:
            f.write(blob)
    try:
        load_dataset(parse_data_spec({"type": "image_folder", "params": {"path": root}}))
    except DataError as exc:
        assert str(exc).startswith("a/img") and "\n" not in str(exc)


@pytest.mark.slow
@settings(max_examples=3000, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.sampled_from(sorted(VALID)), st.data())
def test_damaged_files_at_scale(kind, data):
    loads_or_data_error(kind, data.draw(damaged(kind)), data.draw(params_for(kind)))


def test_parse_errors_stay_validation_errors():
    with pytest.raises(ValidationError):
        parse_data_spec({"type": "csv", "params": {"path": 5}})
