"""The ``script`` export: a plain-PyTorch training script, on one process and under DDP."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys

import numpy as np
import pytest
import torch

from playground.errors import PlaygroundError
from playground.export import export
from playground.run.session import build_session
from tests.core.export_projects import KINDS, ROOT, chain, node, run_isolated
from tests.helpers import make_project


def _result(stdout: str) -> dict:
    lines = [line for line in stdout.splitlines() if line.startswith("RESULT ")]
    assert len(lines) == 1, stdout  # printed by rank 0 only
    return json.loads(lines[0][len("RESULT "):])


def _run_script(tmp_path, *args: str) -> dict:
    code = "import runpy, sys; sys.argv = ['train.py', *sys.argv[1:]]; " \
           "runpy.run_path('train.py', run_name='__main__')"
    proc = run_isolated(code, tmp_path, args)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return _result(proc.stdout)


def _autoencoder_project():
    """A denoising autoencoder with early stopping, a plateau schedule, L2 and clipping."""
    graph = chain(node("x", "input"), node("enc", "dense", units=8, activation="relu"),
                  node("dec", "dense", units=64), node("y", "output"))
    return make_project(
        graphs={"model": graph},
        data={"type": "digits", "params": {"as_image": False}, "seed": 0,
              "split": {"val": 0.2, "test": 0.0}, "standardize": "standard"},
        task={"type": "autoencoder", "params": {"loss": "huber", "noise": "gaussian",
                                                "noise_level": 0.2}},
        training={"batch_size": 128, "epochs": 4, "l2": 1e-4, "grad_clip": 1.0,
                  "early_stopping": {"monitor": "val_loss", "patience": 5},
                  "schedule": {"type": "plateau", "params": {"patience": 1}}})


@pytest.mark.parametrize("kind", [*KINDS, "autoencoder"])
def test_script_is_generated_and_its_loss_is_the_tasks(tmp_path, kind):
    if kind == "vae":
        session = build_session(KINDS[kind](), device="cpu")
        with pytest.raises(PlaygroundError, match="task 'vae' is not covered yet"):
            export(session, "script", tmp_path / "train.py")
        return
    build = _autoencoder_project if kind == "autoencoder" else KINDS[kind]
    session = build_session(build(), device="cpu")
    result = export(session, "script", tmp_path / "train.py")
    assert [p.name for p in result.paths] == ["train.py", "train.npz", "train.pt"]
    assert result.max_abs_diff is not None and result.max_abs_diff <= 1e-6
    text = (tmp_path / "train.py").read_text()
    assert not re.search(r"^\s*(import|from)\s+playground", text, re.MULTILINE)
    with np.load(tmp_path / "train.npz") as data:
        x, _ = session.task.splits["train"]
        assert np.array_equal(data["x_train"], x.numpy())


def test_script_on_one_process_trains_like_the_playground(tmp_path):
    # Full batch, no dropout: the script takes exactly the playground's steps.
    project = make_project(training={"epochs": 30})
    session = build_session(project, device="cpu")
    export(session, "script", tmp_path / "train.py")  # exports the initial weights
    text = (tmp_path / "train.py").read_text()
    assert "torch.optim.Adam(params, lr=0.05, betas=(0.9, 0.999), eps=1e-08" in text
    session.trainer.run()
    got = _run_script(tmp_path)
    assert got["epoch"] == 30
    assert got["train_loss"] == pytest.approx(session.trainer.metrics["train_loss"], abs=1e-5)
    assert got["train_accuracy"] == session.trainer.metrics["train_accuracy"]
    trained = torch.load(tmp_path / "train.trained.pt", weights_only=True)
    for key, value in session.task.model.state_dict().items():
        assert torch.allclose(trained[key], value, atol=1e-5), key


@pytest.mark.slow  # a Python process starting torch: 3-15 s
def test_script_runs_early_stopping_schedule_and_noise(tmp_path):
    session = build_session(_autoencoder_project(), device="cpu")
    export(session, "script", tmp_path / "train.py")
    got = _run_script(tmp_path, "--epochs", "3", "--log-every", "1")
    assert got["epoch"] == 3 and got["val_loss"] < 1.0 and "val_mse" in got
    assert "ReduceLROnPlateau(optimizer, mode=\"min\"" in (tmp_path / "train.py").read_text()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow  # three Python processes starting torch: 10-30 s
def test_script_runs_unchanged_under_torchrun_with_two_processes(tmp_path):
    session = build_session(KINDS["conv"](), device="cpu")
    export(session, "script", tmp_path / "train.py")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["OMP_NUM_THREADS"] = "1"
    proc = subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node=2",
         "--master_addr=127.0.0.1", f"--master_port={_free_port()}", "train.py",
         "--epochs", "1", "--device", "cpu"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert str(ROOT) not in proc.stdout
    got = _result(proc.stdout)
    assert got["epoch"] == 1 and 0.0 <= got["val_accuracy"] <= 1.0
    trained = torch.load(tmp_path / "train.trained.pt", weights_only=True)
    assert set(trained) == set(session.task.model.state_dict())  # no DDP "module." prefix
