"""Every write of the playground into a full disk and into a read-only folder, for
tests/core/test_atomic_writes.py.

Usage: ``python -m tests.core.full_disk_driver FULL READONLY``. FULL and READONLY are
folders on small tmpfs mounts the test made (in a private mount namespace): FULL has
old files in place and is then filled up; READONLY has old files and is remounted
read-only by the test before this runs. Prints one JSON line: for each folder and each
write, the error's text ("" if it wrote), whether the old files are byte-identical
and what the folder holds afterwards. A C++ abort shows as the process dying.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from playground.errors import PlaygroundError
from playground.export import FORMATS, export
from playground.export.metrics import export_metrics_csv
from playground.project.schema import project_from_dict, save_project
from playground.run.session import build_session
from tests.hostile.make_corpus import BASE

#: write -> the files it writes (the main one first)
WRITES = {fmt: [f"model{FORMATS[fmt].suffix}"] for fmt in FORMATS}
WRITES["python"] = ["net.py", "net.pt"]
WRITES["script"] = ["train.py", "train.npz", "train.pt"]
WRITES["project"] = ["project.json"]
WRITES["metrics"] = ["metrics.csv"]
WRITES["torchscript"] = ["scripted.pt"]


def write(session, kind: str, folder: Path) -> str:
    """Do write ``kind`` into ``folder``; the error's text, "" when it wrote."""
    target = folder / WRITES[kind][0]
    try:
        if kind == "project":
            save_project(session.project, target)
        elif kind == "metrics":
            export_metrics_csv(session.trainer.history, target)
        else:
            export(session, kind, target)
    except PlaygroundError as exc:
        return str(exc)
    return ""


def old_files(folder: Path) -> dict[str, bytes]:
    return {name: f"old {name}".encode() for names in WRITES.values() for name in names}


def main(full: Path, readonly: Path, phase: str) -> None:
    if phase == "prepare":  # old files in both folders, then fill FULL to the last byte
        for folder in (full, readonly):
            for name, data in old_files(folder).items():
                (folder / name).write_bytes(data)
        try:
            with open(full / "filler", "wb") as handle:
                while True:
                    handle.write(b"\0" * 4096)
                    handle.flush()
        except OSError:
            pass
        return
    session = build_session(project_from_dict(BASE))
    session.trainer.run(epochs=2)
    report = {}
    for folder in (full, readonly):
        errors = {kind: write(session, kind, folder) for kind in WRITES}
        intact = all((folder / name).read_bytes() == data
                     for name, data in old_files(folder).items())
        report[folder.name] = {"errors": errors, "intact": intact,
                               "files": sorted(p.name for p in folder.iterdir())}
    print(json.dumps(report), flush=True)


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3])
