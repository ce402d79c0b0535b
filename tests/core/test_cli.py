"""The headless CLI contract: exit codes, --json, one-line errors."""

import json
import subprocess
import sys

import pytest

from playground.cli import main
from playground.project.schema import save_project
from tests.helpers import make_project


def test_run_launch_xor_passes_with_json(capsys):
    assert main(["run", "launch-xor", "--json"]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    record = json.loads(out[-1])
    assert record["passed"] is True and record["metrics"]["train_accuracy"] == 1.0
    assert any(line.startswith("PASS train_accuracy") for line in out)


def test_failed_expectation_exits_1(capsys):
    assert main(["run", "launch-xor", "--epochs", "5"]) == 1
    assert "FAIL train_accuracy" in capsys.readouterr().out


def test_unknown_preset_exits_2_with_one_line(capsys):
    assert main(["run", "no-such-preset"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no preset with id 'no-such-preset'" in err[0]


def test_bad_project_file_names_the_field(tmp_path, capsys):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"format_version": 1, "graphs": {"model": {"nodes": [
        {"id": "a", "type": "dense", "params": {"units": -3}}], "edges": []}},
        "data": {"type": "xor_table"}, "task": {"type": "classification"}}))
    assert main(["run", str(path)]) == 2
    err = capsys.readouterr().err
    assert "bad.json: graphs.model.nodes[0].params.units: expected int" in err


def test_graph_error_at_build_time_exits_2(tmp_path, capsys):
    project = make_project()
    project.graph.remove_edge(project.graph.edges[0])
    path = tmp_path / "p.json"
    save_project(project, path)
    assert main(["run", str(path)]) == 2
    assert "node 'hidden': input port 'in' is not connected" in capsys.readouterr().err


def test_diverging_run_exits_1_and_says_why(tmp_path, capsys):
    project = make_project(training={"optimizer": {"type": "sgd", "params": {"lr": 100.0}},
                                     "epochs": 50},
                           task={"type": "classification", "params": {"loss": "mse"}},
                           graphs={"model": {"nodes": [
                               {"id": "x", "type": "input"},
                               {"id": "h", "type": "dense", "params": {"units": 1}},
                               {"id": "y", "type": "output"}],
                               "edges": [{"src": "x", "dst": "h"}, {"src": "h", "dst": "y"}]}})
    path = tmp_path / "p.json"
    save_project(project, path)
    assert main(["run", str(path)]) == 1
    assert "diverged: loss became" in capsys.readouterr().out


def test_list_shows_presets(capsys):
    assert main(["list", "--json"]) == 0
    ids = [p["id"] for p in json.loads(capsys.readouterr().out)]
    assert "launch-xor" in ids


@pytest.mark.parametrize("args", [["run", "launch-xor", "--epochs", "0"]])
def test_bad_arguments_exit_2(args, capsys):
    assert main(args) == 2


def test_python_dash_m_works():
    proc = subprocess.run([sys.executable, "-m", "playground", "list"], capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0 and "launch-xor" in proc.stdout
