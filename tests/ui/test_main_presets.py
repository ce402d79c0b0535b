"""Main window: the preset browser opens every preset, each building its window state."""

import pytest
from PySide6.QtCore import Qt

from playground.project.presets import list_presets
from tests.ui.main_helpers import BUILD_TIMEOUT, close_window, make_window


@pytest.fixture
def window(qtbot, tmp_path):
    w = make_window(qtbot, tmp_path, "launch-xor")
    w.preset_browser.wait()
    qtbot.waitUntil(lambda: bool(w.preset_browser.entries), timeout=30_000)
    yield w
    close_window(qtbot, w)


def test_every_preset_opens_from_the_browser(qtbot, window):
    window.run.auto_prepare = False  # the window state only; building is tested below
    browser = window.preset_browser
    items = browser.preset_items()
    ids = [item.data(0, Qt.ItemDataRole.UserRole) for item in items]
    assert sorted(ids) == sorted(info.id for info in list_presets())
    for item, preset_id in zip(items, ids):
        browser.tree.setCurrentItem(item)
        assert preset_id in browser.description.toPlainText()
        assert browser.open_button.isEnabled()
        qtbot.mouseClick(browser.open_button, Qt.MouseButton.LeftButton)
        project = window.project
        assert project.id == preset_id
        assert window.windowTitle().startswith(project.title)
        assert not window.files.modified
        assert window.dialogs.errors == []
        qtbot.waitUntil(lambda: window.views.ready, timeout=10_000)
        layout = project.views.get("layout") or []
        for vid in layout:
            shown = "curves" if vid in ("loss", "curves") else vid
            assert shown in window.views.docks or shown in window.views.skipped, vid
        assert window.central.isVisible() == bool(project.graphs)
        assert window.training_panel.task_combo.currentData() == project.task
        assert window.data_panel.spec == project.data


@pytest.mark.parametrize("preset_id", ["dlpi-2-beale", "dl4b-14-gan-digits", "launch-iris",
                                       "dlpi-5-lstm-airline"])
def test_presets_of_each_family_build_their_session(qtbot, window, preset_id):
    browser = window.preset_browser
    item = next(i for i in browser.preset_items()
                if i.data(0, Qt.ItemDataRole.UserRole) == preset_id)
    browser.tree.setCurrentItem(item)
    qtbot.mouseClick(browser.open_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.run.session is not None or bool(window.run.build_error),
                    timeout=BUILD_TIMEOUT * 1000)
    assert window.run.build_error is None, window.run.build_error
    assert window.run.session.project.id == preset_id
    qtbot.waitUntil(lambda: window.run.latest is not None, timeout=10_000)
    assert window.run_status.state.text() == "ready"
    if len(window.project.graphs) > 1:
        assert window.graph_row.isVisible()
        window.graph_combo.setCurrentIndex(1)
        window.graph_combo.activated.emit(1)
        assert window.editor.graph is window.project.graphs[window.graph_combo.currentText()]


def test_search_filters_and_describes(qtbot, window):
    browser = window.preset_browser
    browser.search.setText("two spirals configuration")
    visible = [i for i in browser.preset_items() if not i.isHidden()]
    assert [i.data(0, Qt.ItemDataRole.UserRole) for i in visible] == ["dl4b-6-spirals-deep"]
    browser.tree.setCurrentItem(visible[0])
    text = browser.description.toPlainText()
    assert "What to watch" in text and "Deep Learning for Beginners" in text
    browser.search.setText("zzqqxx")
    assert all(i.isHidden() for i in browser.preset_items())
    browser.search.clear()
    assert not any(i.isHidden() for i in browser.preset_items())
    assert browser.current_id == "launch-xor"  # looking is not opening
    assert window.project.id == "launch-xor"


def test_details_say_what_is_substituted_and_which_seed_ships(qtbot):
    from ui.panels.preset_browser import PresetBrowser, read_catalogue

    browser = PresetBrowser()
    qtbot.addWidget(browser)
    browser.set_entries(read_catalogue())

    def details(preset_id):
        browser.set_current(preset_id)
        return browser.description.toPlainText()

    nand = details("ldl-1-perceptron-nand")
    assert "Seed: ships training seed 7, data seed 0." in nand
    assert "random.seed(7)" in nand
    assert "Checked for this seed only: weight_history, perceptron weights." in nand
    rule = details("dlpi-1-perceptron-rule")
    assert "Substituted: Data: a generated separable cloud" in rule
    assert "(the generator's own seed 0)" in rule and "Checked for this seed only" not in rule
    cnn = details("dlpi-4-cnn-filters")  # the dataset's own note when the preset has none
    assert "Substituted:" in cnn and "CIFAR-10" in cnn
    assert "Seed: ships training seed" in details("tfp-xor")
