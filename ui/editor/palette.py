"""LayerPalette: every layer type, grouped by category, searchable, draggable.

Dragging an entry starts a QDrag carrying the type id as MIME
:data:`~ui.editor.view.LAYER_MIME`; double-clicking (or Enter) asks for the
layer to be added at the centre of the view.
"""

from __future__ import annotations

from PySide6.QtCore import QMimeData, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QPainter, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QLineEdit,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from playground.layers import CATEGORIES, LAYERS, LayerSpec
from ui.editor import style
from ui.editor.view import LAYER_MIME

_TYPE_ROLE = Qt.ItemDataRole.UserRole + 1


def layer_mime(type_id: str) -> QMimeData:
    """The MIME payload of a palette drag for ``type_id``."""
    mime = QMimeData()
    mime.setData(LAYER_MIME, type_id.encode("utf-8"))
    mime.setText(type_id)
    return mime


def matches(spec: LayerSpec, text: str) -> bool:
    """True if every word of ``text`` occurs in the label, id, category or doc."""
    hay = " ".join((spec.label, spec.id, spec.category, spec.doc)).lower()
    return all(word in hay for word in text.lower().split())


def _swatch(colour: QColor) -> QPixmap:
    pixmap = QPixmap(10, 10)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QBrush(colour))
    painter.drawRoundedRect(0, 0, 10, 10, 3, 3)
    painter.end()
    return pixmap


class _LayerTree(QTreeWidget):
    """The tree; its drags carry the palette's MIME type (QAbstractItemView starts them)."""

    def mimeTypes(self) -> list[str]:  # noqa: N802
        return [LAYER_MIME, "text/plain"]

    def mimeData(self, items: list[QTreeWidgetItem]) -> QMimeData:  # noqa: N802
        types = [i.data(0, _TYPE_ROLE) for i in items if i.data(0, _TYPE_ROLE)]
        return layer_mime(types[0]) if types else QMimeData()

    def supportedDropActions(self) -> Qt.DropAction:  # noqa: N802
        return Qt.DropAction.CopyAction


class LayerPalette(QWidget):
    """Layer types by category with a search field.

    Parameters
    ----------
    parent : QWidget, optional

    Signals
    -------
    layer_activated(str)
        An entry was double-clicked or activated with Enter: its type id.
    """

    layer_activated = Signal(str)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.search = QLineEdit(placeholderText="Search layers…", clearButtonEnabled=True)
        self.search.setObjectName("palette_search")
        self.tree = _LayerTree(headerHidden=True, rootIsDecorated=True, indentation=12)
        self.tree.setObjectName("palette_tree")
        self.tree.setDragEnabled(True)
        self.tree.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.tree.setDefaultDropAction(Qt.DropAction.CopyAction)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.search)
        layout.addWidget(self.tree)
        self._items: dict[str, QTreeWidgetItem] = {}
        self._populate()
        self.search.textChanged.connect(self.filter)
        self.search.returnPressed.connect(self._activate_first)
        self.tree.itemActivated.connect(self._on_activated)

    def _populate(self) -> None:
        groups: dict[str, list[LayerSpec]] = {}
        for spec in LAYERS:
            groups.setdefault(spec.category, []).append(spec)
        order = [c for c in CATEGORIES if c in groups] + [c for c in groups
                                                            if c not in CATEGORIES]
        for category in order:
            parent = QTreeWidgetItem(self.tree, [category])
            parent.setFlags(Qt.ItemFlag.ItemIsEnabled)
            font = parent.font(0)
            font.setBold(True)
            parent.setFont(0, font)
            parent.setIcon(0, _swatch(style.category_colour(category)))
            for spec in groups[category]:
                child = QTreeWidgetItem(parent, [spec.label])
                child.setData(0, _TYPE_ROLE, spec.id)
                child.setToolTip(0, f"<b>{spec.label}</b> <i>({spec.id})</i><br>{spec.doc}")
                child.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
                               | Qt.ItemFlag.ItemIsDragEnabled)
                self._items[spec.id] = child
        self.tree.expandAll()

    def item(self, type_id: str) -> QTreeWidgetItem:
        """The tree entry of ``type_id`` (for tests)."""
        return self._items[type_id]

    def visible_types(self) -> list[str]:
        """Type ids not hidden by the search, in tree order."""
        return [tid for tid, item in self._items.items()
                if not item.isHidden() and not item.parent().isHidden()]

    def filter(self, text: str) -> None:
        """Show only the layers matching ``text`` (all for empty text)."""
        for i in range(self.tree.topLevelItemCount()):
            group = self.tree.topLevelItem(i)
            shown = 0
            for j in range(group.childCount()):
                child = group.child(j)
                ok = matches(LAYERS.get(child.data(0, _TYPE_ROLE)), text)
                child.setHidden(not ok)
                shown += ok
            group.setHidden(shown == 0)
            group.setExpanded(True)

    def _activate_first(self) -> None:
        visible = self.visible_types()
        if visible:
            self.layer_activated.emit(visible[0])

    def _on_activated(self, item: QTreeWidgetItem, column: int) -> None:
        type_id = item.data(0, _TYPE_ROLE)
        if type_id:
            self.layer_activated.emit(type_id)


if __name__ == "__main__":
    from PySide6.QtWidgets import QApplication

    app = QApplication([])
    palette = LayerPalette()
    palette.layer_activated.connect(lambda t: print("activated", t))
    palette.resize(240, 600)
    palette.show()
    app.exec()
