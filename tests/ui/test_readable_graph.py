"""Every preset's graph reads at 1366x768: fitted at a zoom where card text is >= 9 pt.

The window is opened at the smallest common laptop size with its default
layout; neuron maps are drawn on the nodes that get them in a run (2-D data),
since they make the cards taller. Then the fitted zoom must keep card text at
the app's own text size or larger. The screenshot presets are checked at
1920x1080 too (a wider window shows the palette and gives the views more).
"""

from __future__ import annotations

import numpy as np
import pytest

from playground.project.presets import list_presets, load_preset
from tests.ui.main_helpers import FakeDialogs, make_files
from ui.editor import style
from ui.window.main_window import MainWindow
from ui.window.project_files import ProjectFiles

SIZE = (1366, 768)
#: The presets of the README's screenshots: checked in every plain run.
SHOWN = ("launch-xor", "tfp-spiral", "dl4b-12-cnn-filters", "dlpi-5-lstm-airline",
         "dlpi-1-bp-step")


def open_window(tmp_path_factory, size: tuple[int, int]) -> MainWindow:
    files: ProjectFiles = make_files(tmp_path_factory.mktemp("readable"))
    window = MainWindow(load_preset("launch-xor"), files=files, dialogs=FakeDialogs(),
                        autosave=False)
    window.run.auto_prepare = False  # the layout is the subject: no sessions
    window.resize(*size)
    window.show()
    return window


@pytest.fixture(scope="module", params=[SIZE, (1920, 1080)], ids=["1366x768", "1920x1080"])
def sized_window(qapp, tmp_path_factory, request):
    window = open_window(tmp_path_factory, request.param)
    yield window
    window.files.reset()
    window.close()


@pytest.fixture(scope="module")
def window(qapp, tmp_path_factory):
    window = open_window(tmp_path_factory, SIZE)
    yield window
    window.files.reset()
    window.close()


def fake_maps(editor) -> dict[str, np.ndarray]:
    """Maps for the nodes a run would draw them on (2-D data: every 1-D output)."""
    if editor.scene.data_shape != (2,):
        return {}
    maps = {}
    for nid, info in editor.report.nodes.items():
        if info.outputs and len(info.output) == 1:
            maps[nid] = np.zeros((min(info.output[0], 64), 24, 24), np.float32)
    return maps


def fitted_zooms(qtbot, window, preset_id: str) -> dict[str, float]:
    """Graph name -> the zoom it is fitted at, ``preset_id`` open in ``window``."""
    window.set_project(load_preset(preset_id))
    project = window.project
    qtbot.waitUntil(lambda: window.data_panel.dataset is not None or project.data is None,
                    timeout=60_000)
    qtbot.wait(200)  # the columns' default sizes
    zooms = {}
    for index, name in enumerate(project.graphs):
        window.graph_combo.setCurrentIndex(index)
        window._show_graph()
        editor = window.editor
        editor.set_neuron_maps(fake_maps(editor))
        qtbot.wait(50)
        editor.fit_view()
        visible = editor.view.mapToScene(editor.view.viewport().rect()).boundingRect()
        assert visible.contains(editor.view.content_rect()), f"{preset_id}/{name} is cut off"
        zooms[name] = editor.view.zoom()
    return zooms


def check(qtbot, window, preset_id: str) -> None:
    for name, zoom in fitted_zooms(qtbot, window, preset_id).items():
        text = style.NODE_FONT_PT * zoom
        assert text >= style.READABLE_PT, (
            f"{preset_id}/{name}: fitted at {zoom:.0%}, card text {text:.1f} pt")


@pytest.mark.parametrize("preset_id", SHOWN)
def test_the_screenshot_presets_read(qtbot, sized_window, preset_id):
    check(qtbot, sized_window, preset_id)


#: The least window a preset may need: a 768-px screen less a title bar and a task bar.
MOST_LEAST_HEIGHT = 700


@pytest.mark.slow
def test_every_preset_reads_at_1366x768(qtbot, window):
    for info in list_presets():
        check(qtbot, window, info.id)
        # No panel makes the window taller than the screen (a series' or a text's many data
        # parameters scroll in their panel).
        assert window.minimumSizeHint().height() <= MOST_LEAST_HEIGHT, info.id


def test_the_graph_refits_when_the_window_grows_until_zoomed_by_hand(qtbot, window):
    window.set_project(load_preset("launch-xor"))
    view = window.editor.view
    qtbot.waitUntil(lambda: window.data_panel.dataset is not None)
    window.editor.fit_view()
    small = view.zoom()
    window.resize(1900, 1000)
    qtbot.waitUntil(lambda: view.zoom() > small + 0.05)
    view.zoom_out()  # by hand: the view stops fitting
    assert not view.auto_fit
    zoom = view.zoom()
    window.resize(*SIZE)
    qtbot.wait(100)
    assert view.zoom() == pytest.approx(zoom)
    window.editor.fit_view()  # F: fitted, and kept so
    assert view.auto_fit
