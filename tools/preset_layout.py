"""Lay out the presets' graphs as the app shows them at 1366x768: ``pos`` fields only.

``python -m tools.preset_layout [ID ...]`` opens each preset (every shipped one by
default) in the real main window at 1366x768, offscreen, with its data loaded,
runs the editor's auto-layout (columns by depth, wrapped into bands when a
chain is too long for the canvas to show it readably, room kept for the
neuron maps) and writes the new node positions into the preset file. Nothing
but the ``"pos": [x, y]`` of the nodes under ``graphs`` changes, so the diff
is the layout and the file keeps its hand formatting. ``--check`` only says
which presets would change (exit 1).
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

#: The window size the layouts are made for (the smallest common laptop screen).
WINDOW = (1366, 768)
_POS = re.compile(r'"pos":\s*\[[^\]]*\]')


def layout_positions(preset_id: str) -> dict[str, dict[str, tuple[int, int]]]:
    """Graph name -> node id -> top-left position, as the window's auto-layout makes them."""
    import tempfile

    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from playground.project.presets import load_preset
    from ui.window.main_window import MainWindow
    from ui.window.project_files import ProjectFiles

    app = QApplication.instance() or QApplication([])
    folder = tempfile.mkdtemp()
    files = ProjectFiles(QSettings(f"{folder}/settings.ini", QSettings.Format.IniFormat),
                         folder)
    window = MainWindow(load_preset(preset_id), files=files, autosave=False)
    window.run.auto_prepare = False  # shapes and data, no session
    window.resize(*WINDOW)
    window.show()
    _wait(app, lambda: window.data_panel.dataset is not None or window.project.data is None
          or window.data_panel.error.isVisible())
    _wait(app, lambda: False, seconds=0.5)  # the docks' default sizes settle
    out = {}
    for index, name in enumerate(window.project.graphs):
        window.graph_combo.setCurrentIndex(index)
        window._show_graph()
        _wait(app, lambda: False, seconds=0.2)
        window.editor.auto_layout()
        graph = window.editor.graph
        left = min(n.pos[0] for n in graph.nodes.values())
        top = min(n.pos[1] for n in graph.nodes.values())
        out[name] = {nid: (round(n.pos[0] - left), round(n.pos[1] - top))
                     for nid, n in graph.nodes.items()}
    window.files.reset()  # the layout goes to the preset file, not through the window
    window.close()
    window.deleteLater()
    return out


def _wait(app, done, seconds: float = 30.0) -> None:
    import time

    end = time.monotonic() + seconds
    while not done() and time.monotonic() < end:
        app.processEvents()
        time.sleep(0.01)


def rewrite(text: str, order: list[tuple[str, str]],
            positions: dict[str, dict[str, tuple[int, int]]]) -> str:
    """``text`` (a preset file) with the ``pos`` of each node of ``order`` (graph, node id,
    in file order) replaced; the variants' own graphs are left alone."""
    end = text.find('"variants"')
    head, tail = (text, "") if end < 0 else (text[:end], text[end:])
    matches = list(_POS.finditer(head))
    if len(matches) != len(order):
        raise ValueError(f"found {len(matches)} positions for {len(order)} nodes")
    pieces, last = [], 0
    for match, (graph, nid) in zip(matches, order):
        x, y = positions[graph][nid]
        pieces += [head[last:match.start()], f'"pos": [{x}, {y}]']
        last = match.end()
    return "".join(pieces) + head[last:] + tail


def main(argv: list[str] | None = None) -> int:
    """Lay out the named presets (all by default); ``--check`` reports without writing."""
    from playground.project.presets import preset_paths
    from playground.project.schema import load_project

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("ids", nargs="*", help="preset ids (default: every preset)")
    parser.add_argument("--check", action="store_true", help="exit 1 if a layout would change")
    args = parser.parse_args(argv)
    paths = [p for p in preset_paths() if not args.ids or p.stem in args.ids]
    changed = []
    for path in paths:
        project = load_project(path)
        order = [(name, nid) for name, graph in project.graphs.items() for nid in graph.nodes]
        text = path.read_text(encoding="utf-8")
        new = rewrite(text, order, layout_positions(path.stem))
        if new != text:
            changed.append(path.stem)
            if not args.check:
                Path(path).write_text(new, encoding="utf-8")
        print(f"{path.stem}: {'changed' if new != text else 'unchanged'}", flush=True)
    if args.check and changed:
        print(f"{len(changed)} presets would change: {', '.join(changed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
