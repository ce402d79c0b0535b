"""The ``literal`` dataset: written-out samples of any shape, optional fixed split."""

from __future__ import annotations

import numpy as np
import pytest

from playground.data import DATASETS, load_dataset, parse_data_spec
from playground.errors import DataError, ValidationError


def spec(**params):
    """A literal spec; without a target the samples have none (the default is class)."""
    params.setdefault("target", "none")
    if params["target"] == "none":
        params.setdefault("targets", None)
    return parse_data_spec({"type": "literal", "params": params})


def test_images_keep_their_order_and_shape():
    values = list(range(40))
    ds = load_dataset(spec(inputs=values, shape=[1, 4, 5]))
    assert ds.train.x.shape == (2, 1, 4, 5) and ds.train.x.dtype == np.float32
    assert ds.train.x[0, 0, 1].tolist() == [5, 6, 7, 8, 9]  # row-major, sample after sample
    assert ds.train.x[1, 0, 0, 0] == 20
    assert ds.train.y is None and len(ds.val) == 0 and len(ds.test) == 0
    assert ds.info.kind == "image" and ds.info.target == "none"


def test_class_targets_and_fixed_split():
    ds = load_dataset(spec(inputs=[0.1, 0.9, 0.4, 0.7, 0.2], shape=[1], target="class",
                           targets=[0, 1, 0, 1, 0], train_rows=2, val_rows=1))
    assert ds.train.x[:, 0].tolist() == pytest.approx([0.1, 0.9])
    assert ds.val.y.tolist() == [0]
    assert ds.test.y.tolist() == [1, 0] and ds.test.y.dtype == np.int64
    assert ds.n_classes == 2 and ds.info.class_names == ("0", "1")


def test_fixed_split_overrides_the_spec_fractions():
    raw = {"type": "literal", "split": {"val": 0.0, "test": 0.5},
           "params": {"inputs": [0, 0, 1, 1], "shape": [2], "target": "none",
                      "targets": None, "train_rows": 1}}
    ds = load_dataset(parse_data_spec(raw))
    assert len(ds.train) == 1 and len(ds.test) == 1  # not the 50% random split
    assert ds.test.x.tolist() == [[1, 1]]


def test_an_empty_training_split_is_allowed():
    ds = load_dataset(spec(inputs=[0.2, 0.8], shape=[1], target="class", targets=[0, 1],
                           train_rows=0))
    assert len(ds.train) == 0 and len(ds.test) == 2
    assert ds.input_shape == (1,)


def test_regression_targets_may_have_several_columns():
    ds = load_dataset(spec(inputs=[1, 2, 3], shape=[1], target="regression",
                           targets=[1, 10, 2, 20, 3, 30]))
    assert ds.train.y.shape == (3, 2) and ds.train.y.dtype == np.float32
    assert ds.train.y[2].tolist() == [3, 30]


def test_random_split_without_train_rows():
    raw = {"type": "literal", "seed": 3, "split": {"val": 0.0, "test": 0.25},
           "params": {"inputs": list(range(8)), "shape": [1], "target": "none"}}
    ds = load_dataset(parse_data_spec(raw))
    assert len(ds.train) == 6 and len(ds.test) == 2


@pytest.mark.parametrize("params, words", [
    ({"inputs": [1, 2, 3], "shape": [2]}, "whole samples"),
    ({"inputs": [1, 2], "shape": [1], "target": "class", "targets": []}, "needs 'targets'"),
    ({"inputs": [1, 2], "shape": [1], "target": "class", "targets": [0]}, "2 samples"),
    ({"inputs": [1, 2], "shape": [1], "target": "class", "targets": [0, -1]}, "whole numbers"),
    ({"inputs": [1, 2], "shape": [1], "target": "class", "targets": [0, 0.5]}, "whole numbers"),
    ({"inputs": [1, 2, 3], "shape": [1], "target": "regression", "targets": [1, 2]}, "divide"),
    ({"inputs": [1, 2], "shape": [1], "train_rows": 2, "val_rows": 1}, "only 2 samples"),
])
def test_bad_literals_name_the_field(params, words):
    with pytest.raises(DataError) as info:
        load_dataset(spec(**params))
    assert words in str(info.value)
    assert "data.params" in str(info.value)


def test_params_are_validated():
    with pytest.raises(ValidationError):
        spec(inputs=[1, "a"], shape=[1])
    with pytest.raises(ValidationError):
        spec(inputs=[1], shape=[0])


def test_the_default_is_the_xor_truth_table():
    ds = load_dataset(parse_data_spec({"type": "literal"}))
    assert ds.train.x.tolist() == [[0, 0], [0, 1], [1, 0], [1, 1]]
    assert ds.train.y.tolist() == [0, 1, 1, 0]
    assert ds.info.kind == "points2d" and ds.info.domain is not None


def test_info_follows_the_shape():
    entry = DATASETS.get("literal")
    assert entry.info_for(spec(inputs=[0, 1], shape=[2]).params).kind == "points2d"
    assert entry.info_for(spec(inputs=[0, 1, 2], shape=[3]).params).kind == "tabular"
    assert entry.info_for(spec(inputs=[0] * 4, shape=[1, 2, 2]).params).kind == "image"
    assert entry.info_for(spec(inputs=[0] * 6, shape=[3, 2]).params).kind == "vector"
    assert entry.info_for(spec(inputs=[0], shape=[2]).params).domain is None
