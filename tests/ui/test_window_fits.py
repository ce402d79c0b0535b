"""The window fits the screen, lays out at 1280x720, remembers itself and resets its layout."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QRect
from PySide6.QtGui import QImage

from tests.ui.main_helpers import close_window, make_files, make_window
from ui.window.geometry import fit_into, parse_size, place_window, screen_area
from ui.window.main_window import MainWindow

ROOT = Path(__file__).resolve().parents[2]


def test_sizes_parse_and_bad_ones_are_named():
    assert parse_size("1366x768") == (1366, 768) and parse_size("1920×1080") == (1920, 1080)
    for bad in ("1366", "axb", "10x10", "1366x768x2"):
        with pytest.raises(ValueError, match="1366x768|out of range"):
            parse_size(bad)


def test_a_saved_geometry_is_moved_and_shrunk_onto_a_smaller_screen():
    screen = QRect(0, 0, 1280, 720)
    assert fit_into(QRect(600, 400, 1800, 1050), screen) == screen
    assert fit_into(QRect(900, 500, 800, 600), screen) == QRect(480, 120, 800, 600)
    assert fit_into(QRect(10, 20, 300, 200), screen) == QRect(10, 20, 300, 200)


def test_first_launch_fills_the_available_area_later_launches_restore(qtbot, tmp_path):
    files = make_files(tmp_path)
    window = MainWindow(None, files=files, autosave=False, remember_layout=True)
    qtbot.addWidget(window)
    window.run.auto_prepare = False
    assert place_window(window, files.settings) == "first"
    assert window.geometry() == screen_area(window.screen())  # never larger than it
    window.show()
    qtbot.waitExposed(window)
    window.panel_docks["training"].hide()
    close_window(qtbot, window)
    again = MainWindow(None, files=files, autosave=False, remember_layout=True)
    qtbot.addWidget(again)
    again.run.auto_prepare = False
    assert place_window(again, files.settings) == "restored"
    assert place_window(again, files.settings, restore=False) == "first"
    assert place_window(again, files.settings, (1366, 768)) == "size"
    assert again.size().toTuple() == (1366, 768)
    again.show()
    qtbot.waitUntil(lambda: again._shown_once)
    qtbot.waitUntil(lambda: not again.panel_docks["training"].isVisible())  # the docks too
    again.reset_layout()  # View > Reset layout brings every panel back
    assert again.panel_docks["training"].isVisible()
    close_window(qtbot, again)


def test_the_window_lays_out_at_1280x720(qtbot, tmp_path):
    window = make_window(qtbot, tmp_path, "tfp-spiral", wait=False)
    assert window.minimumSizeHint().width() <= 1024
    window.resize(1280, 720)
    qtbot.wait(300)  # the docks' default sizes for the new size
    window.apply_default_sizes()
    qtbot.wait(200)
    assert window.size().width() == 1280 and window.size().height() == 720
    view = window.editor.view
    assert view.width() >= 500 and view.height() >= 330
    for dock in (*window.panel_docks.values(), window.views.docks["boundary"]):
        if not dock.visibleRegion().isEmpty():  # not a tab behind another
            assert window.rect().contains(dock.geometry()), dock.objectName()
    play = window.training_panel.buttons["play"]
    assert play.isVisible() and window.rect().contains(
        play.mapTo(window, play.rect().bottomRight()))
    close_window(qtbot, window)


def test_reset_layout_restores_the_projects_views(qtbot, tmp_path):
    window = make_window(qtbot, tmp_path, "launch-xor")
    window.views.docks["boundary"].close()
    window.panel_docks["data"].setFloating(True)
    window.actions["reset_layout"].trigger()
    qtbot.waitUntil(lambda: "boundary" in window.views.views)
    qtbot.waitUntil(lambda: window.views.docks["boundary"].isVisible())
    assert not window.panel_docks["data"].isFloating()
    close_window(qtbot, window)


def _screen(tmp_path: Path, width: int, height: int, dpr: int) -> dict[str, str]:
    """Environment for Qt's offscreen platform with one screen of ``width`` x ``height``
    logical pixels at device pixel ratio ``dpr`` (a physical screen scaled by ``dpr``)."""
    path = tmp_path / "screen.json"
    path.write_text(json.dumps({"screens": [{
        "name": "test", "x": 0, "y": 0, "width": width * dpr, "height": height * dpr,
        "logicalDpi": 96, "logicalBaseDpi": 96}]}))
    return {"QT_QPA_PLATFORM": f"offscreen:configfile={path}", "QT_SCALE_FACTOR": str(dpr)}


@pytest.mark.slow
@pytest.mark.parametrize("dpr", [1, 2])
def test_the_app_window_fits_a_1280x720_screen_also_on_hidpi(tmp_path, dpr):
    """The real start-up path, on a 1280x720 screen (device pixel ratio 1 and 2): the
    screenshot of the whole window is the screen's size in device pixels, never more."""
    shot = tmp_path / "window.png"
    env = {**os.environ, **_screen(tmp_path, 1280, 720, dpr), "HOME": str(tmp_path)}
    env.pop("DISPLAY", None)
    proc = subprocess.run([sys.executable, "-m", "playground", "gui", "--preset", "launch-xor",
                           "--screenshot", str(shot)], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    image = QImage(str(shot))
    assert (image.width(), image.height()) == (1280 * dpr, 720 * dpr)
