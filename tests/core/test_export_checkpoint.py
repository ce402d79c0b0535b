"""Checkpoints (weights_only, continue training, refuse pickles) and ``playground export``."""

from __future__ import annotations

import pickle

import pytest
import torch

from playground.cli import main
from playground.errors import PlaygroundError, ValidationError
from playground.export.checkpoint import (
    checkpoint_state,
    load_checkpoint,
    open_checkpoint,
    resume_session,
    save_checkpoint,
)
from playground.project.presets import load_preset
from playground.run.session import build_session
from tests.core.export_projects import KINDS, chain, gan_project, node, run_isolated
from tests.helpers import make_project


def _project(epochs: int = 6):
    """Mini-batches of 2 of the 4 XOR points, shuffled, with dropout and a step schedule:
    every source of state a resumed run must restore."""
    graph = chain(node("x", "input"), node("h", "dense", units=8, activation="relu"),
                  node("drop", "dropout", p=0.3), node("out", "dense", units=1),
                  node("y", "output"))
    return make_project(graphs={"model": graph},
                        training={"batch_size": 2, "epochs": epochs, "shuffle": True,
                                  "optimizer": {"type": "adam", "params": {"lr": 0.05}},
                                  "schedule": {"type": "step",
                                               "params": {"step_size": 2, "gamma": 0.5}}})


def _same_run(a, b) -> None:
    for key, value in a.task.model.state_dict().items():
        assert torch.equal(value, b.task.model.state_dict()[key]), key
    sa, sb = a.task.optimizer.state_dict(), b.task.optimizer.state_dict()
    for i in sa["state"]:
        assert torch.equal(sa["state"][i]["exp_avg"], sb["state"][i]["exp_avg"])
    assert a.trainer.step == b.trainer.step and a.trainer.epoch == b.trainer.epoch
    assert a.trainer.metrics == b.trainer.metrics
    la, lb = a.trainer.history.arrays()["loss"], b.trainer.history.arrays()["loss"]
    assert la[0].tolist() == lb[0].tolist() and la[1].tolist() == lb[1].tolist()


@pytest.mark.parametrize("extra_batches", [0, 1], ids=["epoch_boundary", "mid_epoch"])
def test_resumed_training_equals_uninterrupted_training(tmp_path, extra_batches):
    straight = build_session(_project(), device="cpu")
    straight.trainer.run(epochs=6)
    first = build_session(_project(), device="cpu")
    first.trainer.run(epochs=3)
    for _ in range(extra_batches):
        first.trainer.step_batch()
    save_checkpoint(first, tmp_path / "run.pt")
    torch.manual_seed(1234)  # whatever happens in between must not matter
    project, state = load_checkpoint(tmp_path / "run.pt")
    resumed = resume_session(project, state, device="cpu")
    assert resumed.trainer.step == 6 + extra_batches
    resumed.trainer.run(epochs=6)
    _same_run(straight, resumed)


def test_checkpoint_is_plain_data_for_weights_only_loading(tmp_path):
    session = build_session(KINDS["dense"](), device="cpu")
    session.trainer.run(epochs=5)
    path = save_checkpoint(session, tmp_path / "xor.ckpt")
    raw = torch.load(path, weights_only=True)
    assert raw["format"] == "nn-playground-checkpoint" and raw["format_version"] == 1
    assert sorted(raw["models"]["model"]) == ["hidden.0.bias", "hidden.0.weight",
                                               "prediction.0.bias", "prediction.0.weight"]
    assert raw["training"]["optimizer"]["params"]["eps"] == 1e-07
    assert raw["metrics"]["train_loss"] == session.trainer.metrics["train_loss"]
    assert raw["trainer"]["epoch"] == 5
    project, _ = load_checkpoint(path)
    assert project.to_dict() == session.project.to_dict()
    code = ("import torch\nraw = torch.load('xor.ckpt', weights_only=True)\n"
            "print(raw['trainer']['step'], sorted(raw['models']))")
    proc = run_isolated(code, tmp_path)  # any PyTorch reads it, without the playground
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.split() == ["5", "['model']"]


def test_gan_resumes_both_networks_and_its_noise(tmp_path):
    straight = build_session(gan_project(), device="cpu")
    straight.trainer.run(epochs=4)
    first = build_session(gan_project(), device="cpu")
    first.trainer.run(epochs=2)
    save_checkpoint(first, tmp_path / "gan.pt")
    resumed = open_checkpoint(tmp_path / "gan.pt", device="cpu")
    resumed.trainer.run(epochs=4)
    for name, model in straight.task.models.items():
        theirs = resumed.task.models[name].state_dict()
        assert all(torch.equal(v, theirs[k]) for k, v in model.state_dict().items()), name


def test_surface_race_checkpoint_keeps_the_racers(tmp_path):
    straight = build_session(load_preset("dlpi-2-beale"), device="cpu")
    straight.trainer.run(epochs=6)
    first = build_session(load_preset("dlpi-2-beale"), device="cpu")
    first.trainer.run(epochs=3)
    save_checkpoint(first, tmp_path / "race.pt")
    resumed = open_checkpoint(tmp_path / "race.pt", device="cpu")
    resumed.trainer.run(epochs=6)
    a, b = straight.task.state_dict(), resumed.task.state_dict()
    assert all(torch.equal(a[name]["point"], b[name]["point"]) for name in a)


class Trap:
    """Unpickling this would create a file: proof that code ran."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


@pytest.mark.parametrize("how", ["pickle", "torch_save"])
def test_a_pickle_disguised_as_a_checkpoint_is_refused_unexecuted(tmp_path, how):
    marker = tmp_path / "pwned"
    path = tmp_path / "model.ckpt"
    if how == "pickle":
        path.write_bytes(pickle.dumps({"format": "nn-playground-checkpoint",
                                       "payload": Trap(marker)}))
    else:
        torch.save({"format": "nn-playground-checkpoint", "payload": Trap(marker)}, path)
    with pytest.raises(ValidationError, match="refused: the file holds Python objects"):
        load_checkpoint(path)
    assert not marker.exists()


def test_other_files_are_not_checkpoints(tmp_path):
    (tmp_path / "text.pt").write_text("hello")
    with pytest.raises(ValidationError, match="text.pt: not a checkpoint file"):
        load_checkpoint(tmp_path / "text.pt")
    torch.save({"weight": torch.zeros(2)}, tmp_path / "weights.pt")
    with pytest.raises(ValidationError, match="weights.pt: not a playground checkpoint"):
        load_checkpoint(tmp_path / "weights.pt")
    with pytest.raises(ValidationError, match="file not found"):
        load_checkpoint(tmp_path / "missing.pt")


def test_bad_fields_are_named(tmp_path):
    session = build_session(KINDS["dense"](), device="cpu")
    state = checkpoint_state(session)
    state["project"] = state["project"].replace('"units": 6', '"units": "six"')
    torch.save(state, tmp_path / "bad.pt")
    with pytest.raises(ValidationError, match=r"bad.pt: project.graphs.model.nodes\[1\]"
                                              r".params.units"):
        load_checkpoint(tmp_path / "bad.pt")
    state = checkpoint_state(session)
    state["models"]["model"]["hidden.0.weight"] = torch.zeros(3, 3)
    torch.save(state, tmp_path / "shape.pt")
    with pytest.raises(ValidationError, match="saved weights do not fit the graph"):
        open_checkpoint(tmp_path / "shape.pt")


def test_saving_is_atomic(tmp_path, monkeypatch):
    session = build_session(KINDS["dense"](), device="cpu")
    path = save_checkpoint(session, tmp_path / "run.pt")
    good = path.read_bytes()

    def broken(obj, f, *args, **kwargs):  # torch.save writes into memory, then fails
        f.write(b"half a file")
        raise RuntimeError("disk full")

    monkeypatch.setattr(torch, "save", broken)
    with pytest.raises(PlaygroundError, match="cannot write the checkpoint: disk full"):
        save_checkpoint(session, path)
    assert path.read_bytes() == good
    assert [p.name for p in tmp_path.iterdir()] == ["run.pt"]  # no temp file left
    monkeypatch.undo()
    with pytest.raises(PlaygroundError, match="no/such: the folder does not exist"):
        save_checkpoint(session, tmp_path / "no" / "such" / "dir.pt")


# -- the CLI -------------------------------------------------------------------------------

def test_cli_exports_each_format_and_trains_first(tmp_path, capsys):
    out = tmp_path / "xor.ckpt"
    assert main(["export", "launch-xor", "--format", "checkpoint", "-o", str(out),
                 "--epochs", "3"]) == 0
    assert capsys.readouterr().out.startswith("wrote xor.ckpt (checkpoint")
    assert torch.load(out, weights_only=True)["trainer"]["epoch"] == 3
    for fmt, name in (("torchscript", "xor.ts"), ("onnx", "xor.onnx"), ("python", "net.py"),
                      ("script", "train.py")):
        assert main(["export", str(out), "--format", fmt, "-o", str(tmp_path / name)]) == 0
        assert (tmp_path / name).exists()
    # From a checkpoint, --epochs trains further: epochs 4 and 5.
    again = tmp_path / "more.ckpt"
    assert main(["export", str(out), "--format", "checkpoint", "-o", str(again),
                 "--epochs", "2"]) == 0
    assert torch.load(again, weights_only=True)["trainer"]["epoch"] == 5


@pytest.mark.parametrize("args, message", [
    (["nope", "--format", "onnx"], "no preset with id 'nope'"),
    (["dlpi-2-beale", "--format", "onnx"], "task 'surface' trains no network"),
    (["launch-xor", "--format", "python", "--epochs", "0"], "--epochs must be >= 1"),
])
def test_cli_bad_input_exits_2_with_one_line(tmp_path, capsys, args, message):
    assert main(["export", *args, "-o", str(tmp_path / "x.py")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err


def test_cli_refuses_a_disguised_pickle(tmp_path, capsys):
    marker = tmp_path / "pwned"
    path = tmp_path / "model.ckpt"
    path.write_bytes(pickle.dumps(Trap(marker)))
    assert main(["export", str(path), "--format", "onnx", "-o", str(tmp_path / "m.onnx")]) == 2
    assert "refused" in capsys.readouterr().err
    assert not marker.exists()
