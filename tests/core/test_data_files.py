"""CSV, .npz and MNIST IDX import: good files load, bad files say where they are bad."""

from __future__ import annotations

import gzip
import io
import struct
import zipfile

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from playground.data import DATASETS, load_dataset, parse_data_spec
from playground.errors import DataError

IRIS_CSV = """sepal_length,sepal_width,petal_length,petal_width,species
5.1,3.5,1.4,0.2,setosa
4.9,3.0,1.4,0.2,setosa
7.0,3.2,4.7,1.4,versicolor
6.4,3.2,4.5,1.5,versicolor
6.3,3.3,6.0,2.5,virginica
5.8,2.7,5.1,1.9,virginica
"""


def load(type_: str, **params):
    return load_dataset(parse_data_spec({"type": type_, "params": params}))


def write(tmp_path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def data_error(type_: str, **params) -> str:
    with pytest.raises(DataError) as err:
        load(type_, **params)
    return str(err.value)


# ---------------------------------------------------------------- CSV

def test_csv_with_header_and_text_classes(tmp_path):
    ds = load("csv", path=write(tmp_path, "iris.csv", IRIS_CSV))
    assert ds.train.x.shape == (6, 4) and ds.train.x.dtype == np.float32
    assert ds.train.y.tolist() == [0, 0, 1, 1, 2, 2]
    assert ds.info.class_names == ("setosa", "versicolor", "virginica")
    assert ds.info.feature_names == ("sepal_length", "sepal_width", "petal_length", "petal_width")
    assert ds.n_classes == 3 and ds.info.kind == "tabular"


def test_csv_target_by_name_and_number_regression(tmp_path):
    path = write(tmp_path, "iris.csv", IRIS_CSV)
    numeric = write(tmp_path, "num.csv", "\n".join(
        line.rsplit(",", 1)[0] for line in IRIS_CSV.splitlines()))
    by_name = load("csv", path=numeric, target="petal_width", task="regression")
    by_number = load("csv", path=numeric, target="-1", task="regression")
    assert np.array_equal(by_name.train.y, by_number.train.y)
    assert by_name.train.y[:, 0].tolist() == pytest.approx([0.2, 0.2, 1.4, 1.5, 2.5, 1.9])
    assert by_name.info.target == "regression" and by_name.train.x.shape == (6, 3)
    first = load("csv", path=numeric, target="1", task="regression")
    assert first.train.y[0, 0] == pytest.approx(5.1)
    msg = data_error("csv", path=path, target="sepal_length", task="regression")
    assert msg == "iris.csv row 2, column 'species': 'setosa' is not a number"


def test_csv_without_header_semicolons_and_numeric_classes(tmp_path):
    path = write(tmp_path, "pts.csv", "0.5;1.0;2\n\n-1;2e-1;10\n3;4;2\n")
    ds = load("csv", path=path)
    assert np.allclose(ds.train.x, [[0.5, 1.0], [-1, 0.2], [3, 4]])
    assert ds.info.class_names == ("2", "10") and ds.train.y.tolist() == [0, 1, 0]
    assert ds.info.kind == "points2d" and ds.info.domain is not None
    forced = load("csv", path=path, header="yes")
    assert len(forced.train) == 2


def test_csv_info_without_loading(tmp_path):
    entry = DATASETS.get("csv")
    params = parse_data_spec({"type": "csv", "params": {
        "path": write(tmp_path, "iris.csv", IRIS_CSV)}}).params
    assert entry.info_for(params).class_names == ("setosa", "versicolor", "virginica")
    missing = parse_data_spec({"type": "csv", "params": {"path": str(tmp_path / "no.csv")}})
    assert entry.info_for(missing.params).kind == "tabular"  # a placeholder, no exception


def test_csv_non_numeric_cell_names_row_and_column(tmp_path):
    lines = IRIS_CSV.splitlines()
    lines[2] = "4.9,abc,1.4,0.2,setosa"
    msg = data_error("csv", path=write(tmp_path, "iris.csv", "\n".join(lines)))
    assert msg == "iris.csv row 3, column 'sepal_width': 'abc' is not a number"


def test_csv_missing_cell_names_row_and_column(tmp_path):
    lines = IRIS_CSV.splitlines()
    lines[4] = "6.4,3.2,,1.5,versicolor"
    msg = data_error("csv", path=write(tmp_path, "iris.csv", "\n".join(lines)))
    assert msg == "iris.csv row 5, column 'petal_length': missing value"


def test_csv_missing_target_names_row_and_column(tmp_path):
    lines = IRIS_CSV.splitlines()
    lines[6] = "5.8,2.7,5.1,1.9,"
    msg = data_error("csv", path=write(tmp_path, "iris.csv", "\n".join(lines)))
    assert msg == "iris.csv row 7, column 'species': missing value"


def test_csv_ragged_row(tmp_path):
    lines = IRIS_CSV.splitlines()
    lines[3] = "7.0,3.2,4.7,versicolor"
    msg = data_error("csv", path=write(tmp_path, "iris.csv", "\n".join(lines)))
    assert msg.startswith("iris.csv row 4: expected 5 cells")
    assert "got 4" in msg


def test_csv_empty_and_header_only_files(tmp_path):
    assert data_error("csv", path=write(tmp_path, "empty.csv", "")).startswith("empty.csv:")
    assert "empty" in data_error("csv", path=write(tmp_path, "blank.csv", "\n \n"))
    msg = data_error("csv", path=write(tmp_path, "head.csv", "a,b,c\n"))
    assert msg.startswith("head.csv:") and "no data rows" in msg


def test_csv_bad_target_and_missing_file(tmp_path):
    path = write(tmp_path, "iris.csv", IRIS_CSV)
    assert "no target column named 'colour'" in data_error("csv", path=path, target="colour")
    assert "out of range" in data_error("csv", path=path, target="9")
    assert "file not found" in data_error("csv", path=str(tmp_path / "nope.csv"))
    assert data_error("csv").startswith("data.params.path:")


def test_csv_too_many_classes_suggests_regression(tmp_path):
    rows = "\n".join(f"{i},{i * 0.5}" for i in range(1001))
    assert "regression" in data_error("csv", path=write(tmp_path, "r.csv", rows))


@settings(max_examples=25, deadline=None)
@given(arrays(np.float32, st.tuples(st.integers(1, 6), st.integers(2, 4)),
              elements=st.floats(-1e6, 1e6, width=32)))
def test_csv_round_trips_any_numeric_table(tmp_path_factory, table):
    path = tmp_path_factory.mktemp("csv") / "t.csv"
    header = ",".join(f"c{j}" for j in range(table.shape[1]))
    rows = "\n".join(",".join(repr(float(v)) for v in row) for row in table)
    path.write_text(f"{header}\n{rows}\n")
    ds = load("csv", path=str(path), header="yes", task="regression")
    assert np.array_equal(ds.train.x, table[:, :-1])
    assert np.array_equal(ds.train.y[:, 0], table[:, -1])


# ---------------------------------------------------------------- NPZ

def test_npz_loads_and_encodes_labels(tmp_path):
    path = tmp_path / "d.npz"
    np.savez(path, x=np.arange(12.0).reshape(6, 2), y=np.array([3, 5, 3, 5, 5, 3]))
    ds = load("npz", path=str(path))
    assert ds.train.x.shape == (6, 2) and ds.train.y.tolist() == [0, 1, 0, 1, 1, 0]
    assert ds.info.class_names == ("3", "5") and ds.info.kind == "points2d"


def test_npz_custom_keys_images_regression_and_no_targets(tmp_path):
    path = tmp_path / "img.npz"
    images = np.random.default_rng(0).integers(0, 256, (5, 28, 28), dtype=np.uint8)
    np.savez_compressed(path, images=images, values=np.linspace(0, 1, 5))
    ds = load("npz", path=str(path), x_key="images", y_key="values", task="regression")
    assert ds.train.x.shape == (5, 1, 28, 28) and ds.train.x.max() <= 1.0
    assert np.allclose(ds.train.x[:, 0] * 255, images)
    assert ds.train.y.shape == (5, 1) and ds.info.kind == "image"
    bare = load("npz", path=str(path), x_key="images", y_key="")
    assert bare.train.y is None and bare.info.target == "none"


def test_npz_missing_key(tmp_path):
    path = tmp_path / "d.npz"
    np.savez(path, inputs=np.zeros((3, 2)), y=np.zeros(3))
    msg = data_error("npz", path=str(path))
    assert msg == "d.npz: no array named 'x' (the file has: inputs, y)"


def test_npz_mismatched_lengths(tmp_path):
    path = tmp_path / "d.npz"
    np.savez(path, x=np.zeros((4, 2)), y=np.zeros(3))
    assert data_error("npz", path=str(path)) == "d.npz: 4 samples in 'x' but 3 in 'y'"


def test_npz_refuses_objects_non_archives_and_lying_headers(tmp_path):
    obj = tmp_path / "obj.npz"
    np.savez(obj, x=np.array([{"a": 1}, None], dtype=object), y=np.zeros(2))
    assert "Python objects" in data_error("npz", path=str(obj))
    text = write(tmp_path, "notzip.npz", "hello")
    assert data_error("npz", path=text).startswith("notzip.npz: not a readable .npz")
    # a header claiming 10^9 float64 values followed by 16 bytes: refused, not allocated
    npy = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        npy, {"descr": "<f8", "fortran_order": False, "shape": (10**9,)})
    npy.write(b"\0" * 16)
    lying = tmp_path / "lying.npz"
    with zipfile.ZipFile(lying, "w") as zf:
        zf.writestr("x.npy", npy.getvalue())
    msg = data_error("npz", path=str(lying), y_key="")
    assert msg.startswith("lying.npz:") and "truncated" in msg


def test_npz_non_finite_inputs(tmp_path):
    path = tmp_path / "d.npz"
    np.savez(path, x=np.array([[0.0, 1.0], [np.nan, 2.0]]), y=np.zeros(2))
    assert data_error("npz", path=str(path)) == "d.npz: x[1, 0] is not a finite number"


# ---------------------------------------------------------------- MNIST IDX

def idx_bytes(magic: int, dims: tuple, payload: bytes) -> bytes:
    return struct.pack(">I", magic) + struct.pack(f">{len(dims)}I", *dims) + payload


def write_idx(tmp_path, name: str, data: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(gzip.compress(data) if name.endswith(".gz") else data)
    return str(path)


@pytest.fixture
def mnist(tmp_path):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (7, 28, 28), dtype=np.uint8)
    labels = np.array([0, 1, 2, 3, 4, 9, 1], dtype=np.uint8)
    return images, labels


@pytest.mark.parametrize("suffix", ["", ".gz"])
def test_idx_loads_plain_and_gzipped(tmp_path, mnist, suffix):
    images, labels = mnist
    img = write_idx(tmp_path, "img" + suffix, idx_bytes(0x803, (7, 28, 28), images.tobytes()))
    lab = write_idx(tmp_path, "lab" + suffix, idx_bytes(0x801, (7,), labels.tobytes()))
    ds = load("mnist_idx", images=img, labels=lab)
    assert ds.train.x.shape == (7, 1, 28, 28) and ds.train.x.dtype == np.float32
    assert np.allclose(ds.train.x[:, 0] * 255, images, atol=1e-4)
    assert ds.train.y.tolist() == labels.tolist() and ds.n_classes == 10


def test_idx_wrong_magic(tmp_path, mnist):
    images, labels = mnist
    lab = write_idx(tmp_path, "labels.idx", idx_bytes(0x801, (7,), labels.tobytes()))
    msg = data_error("mnist_idx", images=lab, labels=lab)
    assert msg == ("labels.idx: not an IDX images file: magic number 0x00000801, "
                   "expected 0x00000803")


@pytest.mark.parametrize("suffix", ["", ".gz"])
def test_idx_truncated(tmp_path, mnist, suffix):
    images, labels = mnist
    img = write_idx(tmp_path, "img" + suffix,
                    idx_bytes(0x803, (7, 28, 28), images.tobytes()[:-100]))
    lab = write_idx(tmp_path, "lab", idx_bytes(0x801, (7,), labels.tobytes()))
    msg = data_error("mnist_idx", images=img, labels=lab)
    assert msg.startswith(f"img{suffix}: file is truncated")


@pytest.mark.parametrize("suffix", ["", ".gz"])
def test_idx_huge_header_is_refused_without_allocating(tmp_path, suffix):
    img = write_idx(tmp_path, "img" + suffix, idx_bytes(0x803, (2**31, 2**10, 2**10), b"\0" * 50))
    lab = write_idx(tmp_path, "lab", idx_bytes(0x801, (1,), b"\0"))
    assert "truncated" in data_error("mnist_idx", images=img, labels=lab)


def test_idx_count_mismatch_and_short_header(tmp_path, mnist):
    images, labels = mnist
    img = write_idx(tmp_path, "img", idx_bytes(0x803, (7, 28, 28), images.tobytes()))
    lab = write_idx(tmp_path, "lab", idx_bytes(0x801, (6,), labels[:6].tobytes()))
    msg = data_error("mnist_idx", images=img, labels=lab)
    assert msg == "img, lab: 7 images in img but 6 labels in lab"
    short = write_idx(tmp_path, "short", b"\0\0")
    assert data_error("mnist_idx", images=short, labels=lab).startswith("short: file is truncated")
    assert data_error("mnist_idx", labels=lab).startswith("data.params.images:")


def test_csv_feature_columns_can_be_chosen(tmp_path):
    from playground.data import load_dataset, parse_data_spec
    path = tmp_path / "t.csv"
    path.write_text("a,b,c,label\n1,2,3,x\n4,5,6,y\n7,8,9,x\n")
    spec = {"type": "csv", "params": {"path": str(path), "features": "c, 1"}}
    ds = load_dataset(parse_data_spec(spec))
    assert ds.train.x.tolist() == [[3, 1], [6, 4], [9, 7]]
    assert ds.info.feature_names == ("c", "a")


@pytest.mark.parametrize("features, fragment", [
    ("zzz", "no feature column named 'zzz'"),
    ("9", "feature column number 9 is out of range"),
    ("label", "'label' is the target"),
])
def test_bad_feature_columns_are_named(tmp_path, features, fragment):
    from playground.data import load_dataset, parse_data_spec
    from playground.errors import DataError
    path = tmp_path / "t.csv"
    path.write_text("a,b,label\n1,2,x\n3,4,y\n")
    with pytest.raises(DataError, match=fragment):
        load_dataset(parse_data_spec({"type": "csv", "params": {"path": str(path),
                                                                "features": features}}))
