"""The real main window in a process of its own, for tests/ui/test_crash_recovery.py.

``python tests/ui/crash_driver.py edit FOLDER``
    Opens launch-xor, trains without end, and edits the graph in bursts (the hidden
    Dense's units become 7, 8, 9...: edit k sets units to 6 + k). Prints ``training``
    once steps are counting, ``edit K`` after each edit and ``autosaved K`` after each
    recovery-file write, flushing every line. Runs until killed.

``python tests/ui/crash_driver.py recover FOLDER``
    Starts again on the same settings and recovery folder, does what the app does at
    start-up (``offer_recovery``), answers yes, and prints one JSON line: whether it was
    offered, restored, and the restored graph's hidden units.

Settings and the recovery file live in FOLDER; the platform is offscreen.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from PySide6.QtCore import QSettings, QTimer  # noqa: E402

from playground.project.presets import load_preset  # noqa: E402
from tests.ui.main_helpers import FakeDialogs  # noqa: E402
from ui.app import make_application  # noqa: E402
from ui.window.main_window import MainWindow  # noqa: E402
from ui.window.project_files import ProjectFiles  # noqa: E402

#: Edits per burst, the gap between them (ms) and the quiet time after a burst (ms): longer
#: than the window's 3 s burst delay, so each burst ends in an autosave.
BURST, GAP_MS, QUIET_MS = 3, 300, 4000
BASE_UNITS = 6


def say(text: str) -> None:
    print(text, flush=True)


def make_window(folder: Path, dialogs: FakeDialogs) -> MainWindow:
    settings = QSettings(str(folder / "settings.ini"), QSettings.Format.IniFormat)
    files = ProjectFiles(settings, folder / "recovery")
    window = MainWindow(load_preset("launch-xor"), files=files, dialogs=dialogs, autosave=True)
    window.resize(1400, 900)
    window.show()
    return window


def edit(folder: Path) -> int:
    app = make_application(headless_ok=True)
    window = make_window(folder, FakeDialogs())
    files, run = window.files, window.run
    write = files.write_recovery

    def write_and_tell(project) -> bool:
        done = write(project)
        if done:
            say(f"autosaved {project.graph.nodes['hidden'].params['units'] - BASE_UNITS}")
        return done

    files.write_recovery = write_and_tell
    state = {"k": 0, "in_burst": 0, "training": False}

    def tick() -> None:
        if not state["training"]:
            if run.session is None or run.state != "running" or not run.latest:
                if run.session is not None and run.state != "running":
                    run.worker.set_epochs(10**8)  # train for as long as the test needs
                    run.play()
                QTimer.singleShot(100, tick)
                return
            state["training"] = True
            say("training")
        state["k"] += 1
        window.editor.scene.set_params("hidden", {"units": BASE_UNITS + state["k"]})
        say(f"edit {state['k']}")
        state["in_burst"] = (state["in_burst"] + 1) % BURST
        QTimer.singleShot(QUIET_MS if state["in_burst"] == 0 else GAP_MS, tick)

    QTimer.singleShot(0, tick)
    return app.exec()


def recover(folder: Path) -> int:
    app = make_application(headless_ok=True)
    dialogs = FakeDialogs()
    dialogs.recover_answer = True
    window = make_window(folder, dialogs)
    restored = window.file_ops.offer_recovery()  # what run_app schedules at start-up
    graph = window.project.graph
    say(json.dumps({"offered": "recover" in dialogs.asked, "restored": restored,
                    "units": graph.nodes["hidden"].params.get("units"),
                    "modified": window.files.modified,
                    "editor_units": window.editor.graph.nodes["hidden"].params.get("units")}))
    window.file_ops.clean_exit()
    window.close()
    app.processEvents()
    return 0


if __name__ == "__main__":
    mode, folder = sys.argv[1], Path(sys.argv[2])
    sys.exit(edit(folder) if mode == "edit" else recover(folder))
