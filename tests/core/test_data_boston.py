"""The bundled Boston housing data: the books' split, folds and scaling."""

from __future__ import annotations

import numpy as np
import pytest

from playground.data import load_dataset, parse_data_spec
from playground.data.boston import BOOK_TRAIN, book_split, read_boston
from playground.errors import DataError


def boston(**params):
    return load_dataset(parse_data_spec({"type": "boston", "params": params}))


def test_the_books_split_gives_the_printed_targets():
    ds = boston(scaling="none")
    assert ds.train.x.shape == (404, 13) and ds.test.x.shape == (102, 13)
    # launch L2749 (first training targets), ldl L3740-3743 (first test targets)
    assert ds.train.y[:4, 0].tolist() == pytest.approx([15.2, 42.3, 50.0, 21.1])
    assert ds.test.y[:4, 0].tolist() == pytest.approx([7.2, 18.8, 19.0, 27.0])
    x, y = read_boston()
    assert x.shape == (506, 13) and y[0] == 24.0  # the file's first row, crim 0.00632


def test_book_scaling_uses_the_training_rows():
    ds = boston()
    assert np.allclose(ds.train.x.mean(axis=0), 0, atol=1e-5)
    assert np.allclose(ds.train.x.std(axis=0), 1, atol=1e-4)
    assert abs(float(ds.test.x.mean())) > 1e-3  # the test rows are scaled with train statistics


def test_folds_are_the_launchpads_array_split():
    parts = [book_split(4, i) for i in range(4)]
    assert [len(p["val"]) for p in parts] == [101, 101, 101, 101]
    held_out = np.concatenate([p["val"] for p in parts])
    assert sorted(held_out.tolist()) == sorted(book_split()["train"].tolist())
    assert all(len(p["train"]) == BOOK_TRAIN - 101 for p in parts)
    ds = boston(folds=4, fold=2)
    assert (len(ds.train), len(ds.val), len(ds.test)) == (303, 101, 102)
    with pytest.raises(DataError, match="fold 4 does not exist"):
        boston(folds=4, fold=4)


def test_random_split_follows_the_spec():
    ds = load_dataset(parse_data_spec({"type": "boston", "params": {"split": "random"},
                                       "split": {"test": 0.5}}))
    assert len(ds.train) == 253 and len(ds.test) == 253
