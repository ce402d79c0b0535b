"""File > Open preset: the books' presets in a dialog with room to read them.

The Presets tab shares the left column with the data panel and the training panel: at
1366x768 its description shows a few lines. The dialog shows the same catalogue (the
tab's entries and "book vs this run" results) with the tree beside the description, sized
to most of the screen it opens on.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QVBoxLayout, QWidget

from ui.panels.preset_browser import PresetBrowser

#: The dialog's size: this, or this share of the screen's free area when that is smaller.
SIZE, SCREEN_SHARE = (1040, 700), 0.85


class PresetDialog(QDialog):
    """A :class:`PresetBrowser` side by side in a dialog; Open (or a double-click) closes it.

    Parameters
    ----------
    source : PresetBrowser
        The Presets tab, whose catalogue and results the dialog shows (read on demand
        when the tab has not read them yet).

    Signals
    -------
    open_requested(str)
        Path of the preset to open.
    """

    open_requested = Signal(str)

    def __init__(self, source: PresetBrowser, parent: QWidget | None = None):
        super().__init__(parent, windowTitle="Open preset", objectName="preset_dialog")
        self.browser = PresetBrowser(self, orientation=Qt.Orientation.Horizontal)
        self.browser.results = source.results  # one record of this session's runs
        if source.entries:
            self.browser.set_entries(list(source.entries.values()))
        else:
            self.browser.load_async()
        self.browser.set_current(source.current_id)
        self.browser.open_requested.connect(self._open)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        # The browser's Open joins Close in the dialog's row (clicked: open_requested).
        buttons.addButton(self.browser.open_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.browser, 1)
        layout.addWidget(buttons)
        self._fit_screen(parent)
        self.browser.search.setFocus()

    def _fit_screen(self, parent: QWidget | None) -> None:
        screen = (parent or self).screen()
        area = screen.availableGeometry() if screen is not None else None
        width, height = SIZE
        if area is not None:
            width = min(width, int(area.width() * SCREEN_SHARE))
            height = min(height, int(area.height() * SCREEN_SHARE))
        self.resize(width, height)

    def _open(self, path: str) -> None:
        self.accept()
        self.open_requested.emit(path)

    def done(self, result: int) -> None:
        """Closing joins the catalogue thread, if the dialog read the catalogue itself."""
        self.browser.wait()
        super().done(result)
