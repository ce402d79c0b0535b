"""Data import: image folders, CSV preview, malformed files, data by reference (checksums)."""

from __future__ import annotations

import dataclasses
import gzip
import json
import shutil
import struct

import numpy as np
import pytest

from playground.data import load_dataset, parse_data_spec
from playground.data.checksums import file_digest
from playground.data.image_folder import scan_image_folder
from playground.data.preview import preview_csv
from playground.data.spec import record_checksums
from playground.errors import DataError, ValidationError
from playground.project.schema import load_project, save_project
from playground.run.session import build_session
from tests.helpers import make_project

Image = pytest.importorskip("PIL.Image")

IRIS = """sepal_length,sepal_width,species
5.1,3.5,setosa
4.9,3.0,setosa
7.0,3.2,versicolor
6.4,3.2,versicolor
"""


def load(type_: str, **params):
    return load_dataset(parse_data_spec({"type": type_, "params": params}))


def _image(path, color, size=(12, 10), fmt=None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, color).save(path, format=fmt)


@pytest.fixture
def shapes_folder(tmp_path):
    """Two classes: 'dark' (3 PNGs) and 'light' (2 JPEGs), plus files to skip."""
    root = tmp_path / "shapes"
    for i in range(3):
        _image(root / "dark" / f"{i}.png", (10 * i, 0, 0))
    for i in range(2):
        _image(root / "light" / f"{i}.JPG", (250, 250, 250), fmt="JPEG")
    (root / "light" / "notes.txt").write_text("not an image")
    (root / "light" / ".hidden.png").write_bytes(b"skipped")
    (root / ".cache").mkdir()
    return root


# -- image folders -------------------------------------------------------------------------

def test_image_folder_loads_classes_sizes_and_channels(shapes_folder):
    ds = load("image_folder", path=str(shapes_folder), size=8)
    assert ds.train.x.shape == (5, 1, 8, 8) and ds.train.x.dtype == np.float32
    assert ds.info.class_names == ("dark", "light") and ds.info.kind == "image"
    assert ds.train.y.tolist() == [0, 0, 0, 1, 1]
    assert 0.0 <= ds.train.x.min() and ds.train.x.max() <= 1.0
    assert ds.train.x[3].mean() > 0.9 > ds.train.x[0].mean()  # light vs dark
    rgb = load("image_folder", path=str(shapes_folder), size=6, color="rgb")
    assert rgb.train.x.shape == (5, 3, 6, 6)
    assert rgb.train.x[2, 0].mean() == pytest.approx(20 / 255, abs=0.01)  # red channel
    assert [(c, len(f)) for c, f in scan_image_folder(str(shapes_folder))] == [
        ("dark", 3), ("light", 2)]


def test_image_folder_project_trains(shapes_folder):
    graph = {"nodes": [{"id": "img", "type": "input"},
                       {"id": "flat", "type": "flatten"},
                       {"id": "head", "type": "dense", "params": {"units": 2}},
                       {"id": "y", "type": "output"}],
             "edges": [{"src": "img", "dst": "flat"}, {"src": "flat", "dst": "head"},
                       {"src": "head", "dst": "y"}]}
    project = make_project(graphs={"model": graph},
                           data={"type": "image_folder",
                                 "params": {"path": str(shapes_folder), "size": 8}},
                           task={"type": "classification", "params": {"loss": "cross_entropy"}},
                           training={"epochs": 20})
    session = build_session(project, device="cpu")
    assert session.trainer.run() == "finished"
    assert session.trainer.metrics["train_accuracy"] == 1.0


@pytest.mark.parametrize("damage, where, message", [
    ("truncated", "dark/1.png", "cannot read this image"),
    ("not_an_image", "dark/1.png", "cannot read this image"),
    ("empty_class", "shapes/empty", "no PNG or JPEG images in this class folder"),
])
def test_bad_images_name_the_file(shapes_folder, damage, where, message):
    if damage == "truncated":
        data = (shapes_folder / "dark" / "1.png").read_bytes()
        (shapes_folder / "dark" / "1.png").write_bytes(data[:len(data) // 2])
    elif damage == "not_an_image":
        (shapes_folder / "dark" / "1.png").write_text("hello, I am text")
    else:
        (shapes_folder / "empty").mkdir()
    with pytest.raises(DataError) as err:
        load("image_folder", path=str(shapes_folder), size=8)
    assert str(err.value).startswith(f"{where}: {message}")


def test_image_folder_layout_errors(tmp_path):
    _image(tmp_path / "flat" / "a.png", (0, 0, 0))
    with pytest.raises(DataError, match="flat: no class subfolders .* holds 1 images directly"):
        load("image_folder", path=str(tmp_path / "flat"))
    with pytest.raises(DataError, match="folder not found"):
        load("image_folder", path=str(tmp_path / "nowhere"))
    with pytest.raises(DataError, match="no folder chosen"):
        load("image_folder")


# -- malformed files: one clear error each -----------------------------------------------------

def _idx(images: np.ndarray) -> bytes:
    return struct.pack(">IIII", 0x803, *images.shape) + images.tobytes()


@pytest.mark.parametrize("kind", ["csv", "npz", "idx", "image"])
def test_malformed_files_each_give_a_clear_error(tmp_path, kind):
    if kind == "csv":
        path = tmp_path / "iris.csv"
        path.write_text(IRIS.replace("4.9,3.0", "4.9,three"))
        expected, params = "iris.csv row 3, column 'sepal_width': 'three' is not a number", {}
    elif kind == "npz":
        path = tmp_path / "arrays.npz"
        np.savez(path, x=np.zeros((4, 2)), y=np.zeros(3))
        expected, params = "arrays.npz: 4 samples in 'x' but 3 in 'y'", {}
    elif kind == "idx":
        path = tmp_path / "images.idx.gz"
        path.write_bytes(gzip.compress(_idx(np.zeros((3, 4, 4), np.uint8))[:-5]))
        (tmp_path / "labels.idx").write_bytes(struct.pack(">II", 0x801, 3) + bytes(3))
        expected = "images.idx.gz: file is truncated"
        params = {"images": str(path), "labels": str(tmp_path / "labels.idx")}
    else:
        path = tmp_path / "pics"
        _image(path / "cats" / "ok.png", (0, 0, 0))
        (path / "dogs").mkdir()
        (path / "dogs" / "rex.jpeg").write_bytes(b"\xff\xd8\xff garbage")
        expected, params = "dogs/rex.jpeg: cannot read this image", {}
    type_ = {"idx": "mnist_idx", "image": "image_folder"}.get(kind, kind)
    with pytest.raises(DataError) as err:
        load(type_, **(params or {"path": str(path)}))
    assert str(err.value).startswith(expected)


# -- data by reference: checksums ----------------------------------------------------------------

def _csv_project(path):
    return make_project(data={"type": "csv", "params": {"path": str(path)}},
                        graphs={"model": {
                            "nodes": [{"id": "x", "type": "input"},
                                      {"id": "head", "type": "dense", "params": {"units": 2}},
                                      {"id": "y", "type": "output"}],
                            "edges": [{"src": "x", "dst": "head"},
                                      {"src": "head", "dst": "y"}]}},
                        task={"type": "classification", "params": {"loss": "cross_entropy"}})


def test_checksums_are_recorded_saved_and_checked(tmp_path):
    csv_path = tmp_path / "iris.csv"
    csv_path.write_text(IRIS)
    project = _csv_project(csv_path)
    assert project.data.files == {}  # nothing recorded: files are not checked
    project.data = record_checksums(project.data)
    digest, size = file_digest(str(csv_path))
    assert project.data.files == {"path": {"sha256": digest, "size": size}}
    save_project(project, tmp_path / "p.json")
    saved = json.loads((tmp_path / "p.json").read_text())
    assert saved["data"]["files"]["path"]["sha256"] == digest
    reloaded = load_project(tmp_path / "p.json")
    assert reloaded.data == project.data
    build_session(reloaded, device="cpu")  # unchanged file: loads
    csv_path.write_text(IRIS)  # rewritten with the same bytes: still the same data
    build_session(reloaded, device="cpu")


def test_a_changed_file_is_reported(tmp_path):
    csv_path = tmp_path / "iris.csv"
    csv_path.write_text(IRIS)
    spec = record_checksums(_csv_project(csv_path).data)
    csv_path.write_text(IRIS.replace("5.1", "5.2"))  # same size, other contents
    with pytest.raises(DataError) as err:
        load_dataset(spec)
    assert str(err.value) == ("data.params.path: iris.csv changed since the project was saved "
                              "(checksum differs); import it again to use the new contents")
    csv_path.write_text(IRIS + "5.0,3.1,setosa\n")  # another size
    with pytest.raises(DataError, match="iris.csv changed since the project was saved"):
        load_dataset(spec)
    load_dataset(record_checksums(spec))  # re-imported: accepted


def test_a_moved_file_is_reported(tmp_path):
    csv_path = tmp_path / "iris.csv"
    csv_path.write_text(IRIS)
    spec = record_checksums(_csv_project(csv_path).data)
    shutil.move(csv_path, tmp_path / "elsewhere.csv")
    with pytest.raises(DataError, match=r"iris.csv is missing: it was moved or deleted since "
                                        r"the project was saved \(expected at .*iris.csv\)"):
        load_dataset(spec)


def test_folder_and_two_file_checksums(tmp_path, shapes_folder):
    spec = record_checksums(parse_data_spec({"type": "image_folder",
                                             "params": {"path": str(shapes_folder)}}))
    load_dataset(spec)
    (shapes_folder / "light" / "notes.txt").write_text("edited notes")  # any file counts
    with pytest.raises(DataError, match="shapes changed since the project was saved"):
        load_dataset(spec)
    images, labels = tmp_path / "img.idx", tmp_path / "lab.idx"
    images.write_bytes(_idx(np.zeros((2, 3, 3), np.uint8)))
    labels.write_bytes(struct.pack(">II", 0x801, 2) + bytes([0, 1]))
    spec = record_checksums(parse_data_spec({"type": "mnist_idx", "params": {
        "images": str(images), "labels": str(labels)}}))
    assert sorted(spec.files) == ["images", "labels"]
    labels.write_bytes(struct.pack(">II", 0x801, 2) + bytes([1, 0]))
    with pytest.raises(DataError, match="^data.params.labels: lab.idx changed"):
        load_dataset(spec)


@pytest.mark.parametrize("files, where", [
    ({"nope": {"sha256": "0" * 64, "size": 1}}, "data.files.nope"),
    ({"path": {"sha256": "xyz", "size": 1}}, "data.files.path.sha256"),
    ({"path": {"sha256": "0" * 64, "size": -1}}, "data.files.path.size"),
    ({"path": "0" * 64}, "data.files.path"),
])
def test_bad_checksum_fields_are_named(files, where):
    raw = {"type": "csv", "params": {"path": "x.csv"}, "files": files}
    with pytest.raises(ValidationError) as err:
        parse_data_spec(raw)
    assert err.value.where == where


def test_specs_without_files_are_unchanged():
    spec = parse_data_spec({"type": "xor_table"})
    assert "files" not in spec.to_dict()
    assert dataclasses.replace(spec, files={}) == spec


# -- CSV preview ---------------------------------------------------------------------------

def test_preview_detects_header_delimiter_and_kinds(tmp_path):
    path = tmp_path / "iris.csv"
    path.write_text(IRIS.replace(",", ";"))
    header, rows, delimiter, has_header, kinds = preview_csv(str(path), n_rows=2)
    assert header == ["sepal_length", "sepal_width", "species"]
    assert rows == [["5.1", "3.5", "setosa"], ["4.9", "3.0", "setosa"]]
    assert (delimiter, has_header) == (";", True)
    assert kinds == ["numeric", "numeric", "categorical"]


def test_preview_without_header_with_tabs_and_missing_cells(tmp_path):
    path = tmp_path / "plain.tsv"
    path.write_text("1\t2\t0\n3\t\t1\n5\t6\t1\n")
    preview = preview_csv(str(path))
    assert preview.header == ["column 1", "column 2", "column 3"]
    assert (preview.delimiter, preview.has_header) == ("tab", False)
    assert preview.kinds == ["numeric", "numeric", "numeric"]  # a missing cell is not text
    assert len(preview.rows) == 3


def test_preview_reads_only_the_start_of_a_big_file(tmp_path):
    path = tmp_path / "big.csv"
    path.write_text("a,b\n" + "1.5,x\n" * 100_000)  # 600 kB
    preview = preview_csv(str(path), n_rows=5)
    assert len(preview.rows) == 5 and preview.kinds == ["numeric", "categorical"]


def test_preview_errors_name_the_file(tmp_path):
    (tmp_path / "latin1.csv").write_bytes("a,b\ncaf\xe9,1\n".encode("latin-1"))
    with pytest.raises(DataError, match=r"latin1.csv: not a UTF-8 text file \(byte 7\)"):
        preview_csv(str(tmp_path / "latin1.csv"))
    with pytest.raises(DataError, match="missing.csv: file not found"):
        preview_csv(str(tmp_path / "missing.csv"))
    (tmp_path / "blank.csv").write_text("\n\n")
    with pytest.raises(DataError, match="blank.csv: file is empty"):
        preview_csv(str(tmp_path / "blank.csv"))
