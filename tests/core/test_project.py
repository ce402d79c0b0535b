"""Project files: round trip, validation messages with field paths, atomic save."""

import json
import os

import pytest

from playground.errors import PlaygroundError, ValidationError
from playground.project.schema import FORMAT_VERSION, load_project, project_from_dict, save_project
from tests.helpers import make_project, project_dict


def test_save_load_round_trip(tmp_path):
    project = make_project(views={"layout": ["boundary", "loss"]}, name="mine")
    path = tmp_path / "p.json"
    save_project(project, path)
    again = load_project(path)
    assert again.to_dict() == project.to_dict()
    assert json.loads(path.read_text())["format_version"] == FORMAT_VERSION == 3


def test_every_value_is_explicit_after_a_round_trip():
    data = make_project().to_dict()
    assert data["training"]["optimizer"]["params"]["eps"] == 1e-8
    assert data["task"]["params"]["loss"] == "bce"
    assert data["data"]["split"] == {"val": 0.0, "test": 0.0}


@pytest.mark.parametrize("change, where, fragment", [
    ({"graphs": {"model": {"nodes": [{"id": "a", "type": "dense", "params": {"units": "abc"}}],
                           "edges": []}}},
     "graphs.model.nodes[0].params.units", "expected int"),
    ({"graphs": {"model": {"nodes": [{"id": "a", "type": "warp"}], "edges": []}}},
     "graphs.model.nodes[0].type", "unknown layer type 'warp'"),
    ({"data": {"type": "nope"}}, "data.type", "unknown dataset 'nope'"),
    ({"data": {"params": {"noise": 99}}, "task": {"type": "classification"}}, "data.params",
     "unknown parameter 'noise'"),
    ({"task": {"type": "regression", "params": {}}}, "task.type", "needs regression targets"),
    ({"training": {"optimizer": {"type": "adam", "params": {"lr": -1}}}},
     "training.optimizer.params.lr", "expected number in [0, 100]"),
    ({"training": {"batch_size": 0}}, "training.batch_size", "expected an int >= 1"),
    ({"training": {"early_stopping": {"patience": "x"}}}, "training.early_stopping.patience",
     "expected int"),
    ({"format_version": 99}, "format_version", "newer version"),
    ({"surprise": 1}, "", "unknown field 'surprise'"),
])
def test_bad_fields_are_named(change, where, fragment):
    with pytest.raises(ValidationError) as err:
        project_from_dict(project_dict(**change))
    assert err.value.where == where
    assert fragment in str(err.value)


def test_malformed_json_gives_line_and_column(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('{"format_version": 1,\n "graphs": {,}}')
    with pytest.raises(ValidationError) as err:
        load_project(path)
    assert str(err.value).startswith("broken.json: line 2, column 13: invalid JSON")


def test_nan_and_missing_file_are_refused(tmp_path):
    path = tmp_path / "nan.json"
    path.write_text('{"format_version": NaN}')
    with pytest.raises(ValidationError, match="NaN is not allowed"):
        load_project(path)
    with pytest.raises(ValidationError, match="file not found"):
        load_project(tmp_path / "absent.json")


def test_deeply_nested_json_is_refused(tmp_path):
    path = tmp_path / "deep.json"
    path.write_text("[" * 100000 + "]" * 100000)
    with pytest.raises(ValidationError, match="nested too deeply"):
        load_project(path)


def test_failed_save_keeps_the_old_file_and_leaves_no_temp(tmp_path, monkeypatch):
    path = tmp_path / "keep.json"
    save_project(make_project(name="old"), path)

    def broken_replace(src, dst):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(PlaygroundError, match="no space left on the disk"):
        save_project(make_project(name="new"), path)
    assert load_project(path).name == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.json"]
