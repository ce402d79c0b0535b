"""File > Open preset: the catalogue in a dialog, side by side, sized to the screen."""

from PySide6.QtCore import Qt

from tests.ui.main_helpers import close_window, make_window


def test_open_preset_dialog_reads_and_opens_a_preset(qtbot, tmp_path):
    window = make_window(qtbot, tmp_path, "launch-xor")
    window.preset_browser.wait()
    qtbot.waitUntil(lambda: bool(window.preset_browser.entries))
    window.actions["browse_presets"].trigger()
    dialog = window.file_ops.preset_dialog
    qtbot.waitExposed(dialog)
    browser = dialog.browser
    assert browser.tree.currentItem().data(0, Qt.ItemDataRole.UserRole) == "launch-xor"
    area = window.screen().availableGeometry()
    assert dialog.width() <= area.width() and dialog.height() <= area.height()
    # Side by side: the description is beside the tree, taller than the tab's.
    assert browser.description.x() > browser.tree.x()
    assert browser.description.height() > window.preset_browser.description.height()
    qtbot.keyClicks(browser.search, "tfp-spiral")
    shown = [item for item in browser.preset_items() if not item.isHidden()]
    assert [item.data(0, Qt.ItemDataRole.UserRole) for item in shown] == ["tfp-spiral"]
    browser.tree.setCurrentItem(shown[0])
    assert "spiral" in browser.description.toPlainText().lower()
    qtbot.mouseClick(browser.open_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.project.id == "tfp-spiral")
    assert not dialog.isVisible() and window.file_ops.preset_dialog is None
    close_window(qtbot, window)


def test_closing_the_dialog_opens_nothing(qtbot, tmp_path):
    window = make_window(qtbot, tmp_path, "launch-xor")
    window.actions["browse_presets"].trigger()
    dialog = window.file_ops.preset_dialog
    qtbot.waitExposed(dialog)
    dialog.browser.wait()
    qtbot.waitUntil(lambda: bool(dialog.browser.entries))
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert not dialog.isVisible() and window.project.id == "launch-xor"
    close_window(qtbot, window)
