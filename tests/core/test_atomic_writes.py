"""Every write goes through one atomic writer: a full disk, a read-only or missing folder is
one line and the old file is intact; no native exception escapes; saves follow symbolic
links, keep the file's mode, and clean up temp files a crash left behind."""

from __future__ import annotations

import errno
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from playground.errors import PlaygroundError
from playground.export import FORMATS, export
from playground.export.metrics import export_metrics_csv
from playground.project import fileio
from playground.project.schema import load_project, project_from_dict, save_project
from playground.run.session import build_session
from tests.core import full_disk_driver
from tests.hostile.make_corpus import BASE

ROOT = Path(__file__).resolve().parents[2]
WRITES = full_disk_driver.WRITES
#: The formats whose optional packages are installed here.
AVAILABLE = [f for f in FORMATS if all(importlib.util.find_spec(m) for m in FORMATS[f].needs)]


@pytest.fixture(scope="module")
def session():
    built = build_session(project_from_dict(BASE))
    built.trainer.run(epochs=2)
    return built


def write(session, kind: str, folder: Path) -> None:
    target = folder / WRITES[kind][0]
    if kind == "project":
        save_project(session.project, target)
    elif kind == "metrics":
        export_metrics_csv(session.trainer.history, target)
    else:
        export(session, kind, target)


def put_old_files(folder: Path, kind: str) -> dict[str, bytes]:
    old = {name: f"old {name}".encode() for name in WRITES[kind]}
    for name, data in old.items():
        (folder / name).write_bytes(data)
    return old


KINDS = [*AVAILABLE, "project", "metrics"]


@pytest.mark.parametrize("kind", KINDS)
def test_a_full_disk_is_one_line_and_keeps_the_old_files(kind, session, tmp_path,
                                                         monkeypatch):
    old = put_old_files(tmp_path, kind)

    def no_space(fd, data):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "write", no_space)  # every byte the playground writes
    with pytest.raises(PlaygroundError) as err:
        write(session, kind, tmp_path)
    message = str(err.value)
    assert "\n" not in message and "no space left on the disk" in message, message
    assert message.startswith(str(tmp_path / WRITES[kind][0]).rsplit(".", 1)[0]), message
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == old  # no temp file


@pytest.mark.parametrize("kind", KINDS)
def test_a_missing_folder_is_one_line(kind, session, tmp_path):
    with pytest.raises(PlaygroundError) as err:
        write(session, kind, tmp_path / "gone")
    assert str(err.value) == f"{tmp_path / 'gone'}: the folder does not exist"


def test_no_library_writer_is_handed_a_path(session, tmp_path, monkeypatch):
    """torch's writers run in C++: on a full disk torch.jit.save to a path aborts the whole
    process ("terminate called after throwing an instance of 'c10::Error'"). Every one of
    them must write into memory; the bytes reach the disk through Python I/O."""
    targets = []

    def spy(module, name, position=1):  # position: of the file argument
        real = getattr(module, name)

        def wrapper(*args, **kwargs):
            f = args[position] if len(args) > position else kwargs.get("f")
            targets.append((name, type(f).__name__))
            return real(*args, **kwargs)
        monkeypatch.setattr(module, name, wrapper)

    spy(torch, "save")
    spy(torch.jit, "save")
    spy(torch.export, "save")
    spy(torch.onnx, "export", position=2)
    for kind in AVAILABLE:
        write(session, kind, tmp_path)
    assert {name for name, _ in targets} >= {"save"}
    assert all(kind == "BytesIO" for _, kind in targets), targets


def test_a_writer_that_fails_natively_is_one_line():
    def writer(f):
        f.write(b"half")
        raise RuntimeError("[enforce fail at inline_container.cc:672] . unexpected pos 576 "
                           "vs 468\nframe #0: c10::ThrowEnforceNotMet")
    with pytest.raises(PlaygroundError, match=r"^cannot write the model: \[enforce fail at "
                                              r"inline_container\.cc:672\] \. unexpected pos "
                                              r"576 vs 468$"):
        fileio.serialise(writer, "the model")


def test_files_that_belong_together_are_written_all_or_nothing(session, tmp_path,
                                                                monkeypatch):
    old = put_old_files(tmp_path, "python")
    real = os.write

    def second_file_fails(fd, data):
        if bytes(data[:2]) == b"PK":  # the .py went through; the .pt (a zip) hits a full disk
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(fd, data)

    monkeypatch.setattr(os, "write", second_file_fails)
    with pytest.raises(PlaygroundError, match="no space left"):
        export(session, "python", tmp_path / "net.py")
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == old


def test_a_save_through_a_symlink_writes_its_target_and_keeps_the_link(session, tmp_path):
    real = tmp_path / "projects" / "real.json"
    real.parent.mkdir()
    save_project(project_from_dict({**BASE, "name": "old"}), real)
    link = tmp_path / "link.json"
    link.symlink_to(real)
    save_project(session.project, link)
    assert link.is_symlink() and link.resolve() == real
    assert load_project(real).name == session.project.name != "old"
    export(session, "checkpoint", tmp_path / "model.pt")
    (tmp_path / "ckpt.pt").symlink_to(tmp_path / "model.pt")
    assert fileio.atomic_output(tmp_path / "ckpt.pt", b"new") == tmp_path / "model.pt"
    assert (tmp_path / "ckpt.pt").is_symlink() and (tmp_path / "model.pt").read_bytes() == b"new"


@pytest.mark.parametrize("kind", ["project", "checkpoint", "python"])
def test_saves_keep_the_files_mode(kind, session, tmp_path):
    put_old_files(tmp_path, kind)
    for name in WRITES[kind]:
        os.chmod(tmp_path / name, 0o640)
    write(session, kind, tmp_path)
    assert {oct(os.stat(tmp_path / n).st_mode & 0o777) for n in WRITES[kind]} == {oct(0o640)}


def test_a_new_file_gets_the_usual_mode(session, tmp_path):
    umask = os.umask(0o022)
    os.umask(umask)
    save_project(session.project, tmp_path / "new.json")
    assert os.stat(tmp_path / "new.json").st_mode & 0o777 == 0o666 & ~umask


def test_temp_files_left_by_a_crash_are_cleaned_up_and_a_live_ones_are_not(tmp_path):
    target = tmp_path / "project.json"
    dead = _dead_pid()
    stale = [tmp_path / f".project.json.{dead}-0a1b2c3d.tmp",  # its process is gone
             tmp_path / ".project.json.k3j4h5g6.tmp"]  # an old version's, a day old
    live = tmp_path / f".project.json.{os.getpid()}-99aa88bb.tmp"  # a save in progress
    other = [tmp_path / ".other.json.k3j4h5g6.tmp", tmp_path / ".project.json.notes"]
    for path in [*stale, live, *other]:
        path.write_text("partial")
    day_ago = time.time() - 86_400
    os.utime(stale[1], (day_ago, day_ago))
    os.utime(other[0], (day_ago, day_ago))
    fileio.atomic_output(target, "{}")
    left = sorted(p.name for p in tmp_path.iterdir())
    assert left == sorted(p.name for p in [target, live, *other])


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def _can_mount() -> bool:
    if shutil.which("unshare") is None or shutil.which("mount") is None:
        return False
    probe = subprocess.run(["unshare", "-rm", "sh", "-c",
                            "d=$(mktemp -d) && mount -t tmpfs -o size=64k tmpfs $d"],
                           capture_output=True, timeout=30)
    return probe.returncode == 0


@pytest.mark.slow
@pytest.mark.skipif(not _can_mount(), reason="cannot mount a tmpfs in a user namespace here")
def test_a_real_full_disk_and_a_read_only_folder_never_abort_the_process(tmp_path):
    """Every write, for real: a 2 MB tmpfs filled to the last byte and a read-only one, in a
    private mount namespace. Before the one writer, TorchScript's export ended this process
    with a C++ abort."""
    full, readonly = tmp_path / "full", tmp_path / "readonly"
    full.mkdir()
    readonly.mkdir()
    driver = f"{sys.executable} -m tests.core.full_disk_driver {full} {readonly}"
    script = (f"mount -t tmpfs -o size=2m tmpfs {full} && "
              f"mount -t tmpfs -o size=2m tmpfs {readonly} && {driver} prepare && "
              f"mount -o remount,ro {readonly} && exec {driver} run")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(["unshare", "-rm", "sh", "-c", script], capture_output=True,
                          text=True, cwd=ROOT, env=env, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    reasons = {"full": "no space left on the disk",
               "readonly": "the folder is on a read-only file system"}
    for folder, reason in reasons.items():
        result = report[folder]
        assert result["intact"], result
        assert result["files"] == sorted({n for names in WRITES.values() for n in names}
                                         | ({"filler"} if folder == "full" else set()))
        for kind, error in result["errors"].items():
            if kind in AVAILABLE or kind in ("project", "metrics"):
                assert "\n" not in error and reason in error, (folder, kind, error)
