"""LayerPalette: every layer type, grouped by category, searchable, draggable.

Compact: the search field first, then the most used layers, then the
categories, collapsed until opened or searched. Dragging an entry starts a
QDrag carrying the type id as MIME :data:`~ui.editor.view.LAYER_MIME` (drop
it on an edge to insert it there); double-clicking (or Enter) asks for the
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
#: The short list above the categories.
MOST_USED = ("dense", "conv2d", "maxpool", "flatten", "dropout", "batchnorm", "lstm",
             "features")
MOST_USED_TITLE = "Most used"


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
        self.tree = _LayerTree(headerHidden=True, rootIsDecorated=True, indentation=10)
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
        self.most_used = QTreeWidgetItem(self.tree, [MOST_USED_TITLE])
        self._style_group(self.most_used, None)
        for type_id in MOST_USED:
            if type_id in LAYERS:
                self._entry(self.most_used, LAYERS.get(type_id))
        groups: dict[str, list[LayerSpec]] = {}
        for spec in LAYERS:
            groups.setdefault(spec.category, []).append(spec)
        order = [c for c in CATEGORIES if c in groups] + [c for c in groups
                                                            if c not in CATEGORIES]
        for category in order:
            parent = QTreeWidgetItem(self.tree, [category])
            self._style_group(parent, category)
            for spec in groups[category]:
                self._items[spec.id] = self._entry(parent, spec)
        self.most_used.setExpanded(True)

    def _style_group(self, group: QTreeWidgetItem, category: str | None) -> None:
        group.setFlags(Qt.ItemFlag.ItemIsEnabled)
        font = group.font(0)
        font.setBold(True)
        group.setFont(0, font)
        if category is not None:
            group.setIcon(0, _swatch(style.category_colour(category)))

    def _entry(self, parent: QTreeWidgetItem, spec: LayerSpec) -> QTreeWidgetItem:
        child = QTreeWidgetItem(parent, [spec.label])
        child.setData(0, _TYPE_ROLE, spec.id)
        child.setToolTip(0, f"<b>{spec.label}</b> <i>({spec.id})</i><br>{spec.doc}"
                            "<br><i>Drag onto the canvas, or onto an edge to insert it.</i>")
        child.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
                       | Qt.ItemFlag.ItemIsDragEnabled)
        if parent is self.most_used:
            child.setIcon(0, _swatch(style.category_colour(spec.category)))
        return child

    def item(self, type_id: str) -> QTreeWidgetItem:
        """The tree entry of ``type_id`` (for tests)."""
        return self._items[type_id]

    def visible_types(self) -> list[str]:
        """Type ids not hidden by the search, in tree order."""
        return [tid for tid, item in self._items.items()
                if not item.isHidden() and not item.parent().isHidden()]

    def filter(self, text: str) -> None:
        """Show only the layers matching ``text``, their categories opened; empty text shows
        the most used layers and closes the categories again."""
        searching = bool(text.strip())
        self.most_used.setHidden(searching)
        for i in range(self.tree.topLevelItemCount()):
            group = self.tree.topLevelItem(i)
            if group is self.most_used:
                continue
            shown = 0
            for j in range(group.childCount()):
                child = group.child(j)
                ok = matches(LAYERS.get(child.data(0, _TYPE_ROLE)), text)
                child.setHidden(not ok)
                shown += ok
            group.setHidden(shown == 0)
            group.setExpanded(searching)

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
