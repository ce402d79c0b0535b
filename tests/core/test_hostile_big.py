"""Hostile files too big to commit, made in tmp_path: refused (or read) within bounded memory,
with a one-line message naming the file."""

from __future__ import annotations

import gzip
import os
import threading

import numpy as np
import pytest

from playground.data import load_dataset, parse_data_spec
from playground.data.spec import record_checksums
from playground.errors import DataError
from tests.hostile import make_corpus
from tests.memory import measure

MB = 2**20


def load(type_: str, **params):
    return load_dataset(parse_data_spec({"type": type_, "params": params}))


def test_a_csv_with_a_million_columns_is_refused_at_its_first_row(tmp_path):
    path = make_corpus.make_wide_csv(tmp_path / "wide.csv")  # 1 M columns, ~8 MB
    _, error, cost = measure(lambda: load("csv", path=str(path)))
    assert isinstance(error, DataError)
    assert str(error) == ("wide.csv row 1: 1,000,000 columns; at most 65,536 (one per feature): "
                          "save wider data, such as images, as .npz")
    assert cost.rss_growth is None or cost.rss_growth < 64 * MB


def test_a_wide_but_allowed_csv_is_read_in_bounded_memory(tmp_path):
    path = make_corpus.make_wide_csv(tmp_path / "wide.csv", columns=20_000, rows=400)  # 16 MB
    result, error, cost = measure(lambda: load("csv", path=str(path), task="regression"))
    assert error is None and result.train.x.shape == (400, 19_999)
    # the float32 table is 32 MB; the text is streamed, a block of rows at a time
    assert cost.rss_growth is None or cost.rss_growth < 200 * MB


def test_a_csv_over_the_size_limit_is_refused_before_reading(tmp_path, monkeypatch):
    from playground.data import csv_table

    def read(*_args):
        raise AssertionError("the file was read")

    monkeypatch.setattr(csv_table, "_rows", read)
    path = make_corpus.make_sparse_file(tmp_path / "huge.csv", 300 * MB)  # a hole: no disk
    _, error, _ = measure(lambda: load("csv", path=str(path)))
    assert str(error) == ("huge.csv: file is 300 MB; CSV files may be at most 256 MB: save "
                          "bigger tables as .npz")


@pytest.mark.parametrize("side, limit", [(12_000, "89478485"), (20_000, "178956970")])
def test_a_png_decompression_bomb_in_an_image_folder_is_refused(tmp_path, side, limit):
    folder = tmp_path / "pets"
    for cls in ("cat", "dog"):
        (folder / cls).mkdir(parents=True)
    make_corpus.make_png_bomb(folder / "cat" / "a.png", side=64)
    bomb = make_corpus.make_png_bomb(folder / "dog" / "bomb.png", side=side)
    assert bomb.stat().st_size < 100_000  # tens of kB on disk, side**2 pixels decoded
    _, error, cost = measure(lambda: load("image_folder", path=str(folder)))
    assert isinstance(error, DataError)
    assert str(error).startswith("dog/bomb.png: cannot read this image (Image size "
                                 f"({side * side} pixels) exceeds limit of {limit} pixels")
    assert cost.rss_growth is None or cost.rss_growth < 64 * MB


def _run_with_timeout(fn, seconds: float):
    """fn() in a thread; (finished, result or exception)."""
    box = {}

    def target():
        try:
            box["result"] = fn()
        except Exception as exc:  # noqa: BLE001
            box["result"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(seconds)
    return not thread.is_alive(), box.get("result")


def test_links_loops_devices_and_pipes_in_an_image_folder(tmp_path):
    folder = tmp_path / "pets"
    for cls in ("cat", "dog"):
        (folder / cls).mkdir(parents=True)
        make_corpus.make_png_bomb(folder / cls / "ok.png", side=32)
    os.symlink(folder, folder / "loop")  # a class folder that is the root again
    os.symlink("self.png", folder / "cat" / "self.png")  # a link to itself
    os.symlink(os.devnull, folder / "dog" / "null.png")  # a device named like an image
    if os.path.exists("/dev/zero"):
        os.symlink("/dev/zero", folder / "dog" / "zero.png")  # endless bytes
    if hasattr(os, "mkfifo"):
        os.mkfifo(folder / "dog" / "pipe.png")  # reading it would block
    os.symlink(folder, folder / "cat" / "up")  # a folder link inside a class
    done, result = _run_with_timeout(lambda: load("image_folder", path=str(folder)), 20)
    assert done
    assert isinstance(result, DataError)  # the loop class holds folders, not images
    assert str(result) == "pets/loop: no PNG or JPEG images in this class folder"
    os.unlink(folder / "loop")
    done, result = _run_with_timeout(lambda: load("image_folder", path=str(folder)), 20)
    assert done and result.train.x.shape == (2, 1, 28, 28)  # only the two real images
    spec = parse_data_spec({"type": "image_folder", "params": {"path": str(folder)}})
    done, result = _run_with_timeout(lambda: record_checksums(spec), 20)
    assert done and result.files["path"]["size"] == sum(
        (folder / c / "ok.png").stat().st_size for c in ("cat", "dog"))


def test_a_gzip_idx_that_inflates_past_the_limit_is_refused(tmp_path, monkeypatch):
    from playground.data import arrayfiles

    monkeypatch.setattr(arrayfiles, "MAX_ARRAY_BYTES", 1 * MB)  # stands in for 1 GB
    payload = make_corpus.idx(0x803, (40, 256, 256), bytes(40 * 256 * 256))  # 2.5 MB honest
    (tmp_path / "img.gz").write_bytes(gzip.compress(payload, mtime=0))
    (tmp_path / "lab").write_bytes(make_corpus.idx(0x801, (40,), bytes(40)))
    assert (tmp_path / "img.gz").stat().st_size < 20_000
    _, error, cost = measure(lambda: load("mnist_idx", images=str(tmp_path / "img.gz"),
                                          labels=str(tmp_path / "lab")), trace=True)
    assert str(error) == ("img.gz: header claims images of shape (40, 256, 256) (2.5 MB); "
                          "at most 1 MB are read")
    assert cost.py_peak < 4 * MB  # counted while streaming, not kept


def test_an_image_folder_too_big_to_decode_is_refused_before_decoding(tmp_path, monkeypatch):
    folder = tmp_path / "pets"
    for cls in ("cat", "dog"):
        (folder / cls).mkdir(parents=True)
        for i in range(3):
            make_corpus.make_png_bomb(folder / cls / f"{i}.png", side=16)
    monkeypatch.setenv("PLAYGROUND_MEMORY_LIMIT", "2M")
    with pytest.raises(DataError, match=r"^pets: 6 images of 3 x 512 x 512 as float32 would take "
                                        r"about 18 MB; at most 2 MB fit \(PLAYGROUND_MEMORY_LIM"):
        load("image_folder", path=str(folder), size=512, color="rgb")


def test_an_honest_npz_member_over_the_limit_is_refused(tmp_path, monkeypatch):
    from playground.data import arrayfiles

    monkeypatch.setattr(arrayfiles, "MAX_ARRAY_BYTES", 1 * MB)
    np.savez_compressed(tmp_path / "big.npz", x=np.zeros((600, 512), np.float32),
                        y=np.zeros(600))
    with pytest.raises(DataError, match=r"big.npz: array 'x' of shape \(600, 512\) would take "
                                        r"1\.17 MB; arrays may take at most 1 MB"):
        load("npz", path=str(tmp_path / "big.npz"))
