"""Inspector: the selected node's type, id, label, shape, parameters and weights.

The parameter editors are generated from the layer's declarations
(:class:`~ui.params_form.ParamsForm`); every edit becomes an undo command
(``SetParams``, ``SetNodeFields``), so the inspector never writes to the graph
directly. It follows the scene: undo, redo and canvas edits show up here.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QFrame,
    QGroupBox,
    QLabel,
    QLineEdit,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from playground.layers import LAYERS, fmt_shape
from ui.editor import style
from ui.editor.commands import SetNodeFields
from ui.editor.scene import GraphScene, shown_shape
from ui.editor.weights import WeightsEditor, weight_shapes
from ui.params_form import ParamsForm

HINT_EMPTY = ("Select a node to inspect it.\n\nDrag layers from the palette onto the canvas, "
              "then drag from an output port (right) to an input port (left) to connect them.")
HINT_MANY = "{n} nodes selected.\nSelect one node to edit its parameters."


class Inspector(QWidget):
    """Editor for one node of ``scene.graph``.

    Parameters
    ----------
    scene : GraphScene
        Provides the graph, the latest ShapeReport and the undo stack.
    parent : QWidget, optional
    """

    def __init__(self, scene: GraphScene, parent: QWidget | None = None):
        super().__init__(parent)
        self.scene = scene
        self.node_id: str | None = None
        self._stale = False
        self.form: ParamsForm | None = None
        self.stack = QStackedWidget()
        self.hint = QLabel(HINT_EMPTY, wordWrap=True,
                           alignment=Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.hint.setObjectName("inspector_hint")
        self.hint.setContentsMargins(8, 8, 8, 8)
        self.stack.addWidget(self.hint)
        self.scroll = QScrollArea(widgetResizable=True, frameShape=QFrame.Shape.NoFrame)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.stack.addWidget(self.scroll)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.stack)
        scene.report_changed.connect(self._on_report_changed)
        scene.graph_edited.connect(self._on_graph_edited)

    # -- what is shown ------------------------------------------------------------------------
    def set_selection(self, node_ids: list[str]) -> None:
        """Show one node, or a hint for none or several."""
        if len(node_ids) == 1:
            self.set_node(node_ids[0])
            return
        self.set_node(None)
        if node_ids:
            self.hint.setText(HINT_MANY.format(n=len(node_ids)))

    def set_node(self, node_id: str | None) -> None:
        """Show ``node_id`` (None: the empty-state hint)."""
        if node_id is not None and node_id not in self.scene.graph.nodes:
            node_id = None
        self.node_id = node_id
        self._stale = False
        if node_id is None:
            self.hint.setText(HINT_EMPTY)
            self.stack.setCurrentWidget(self.hint)
            self.form = None
            return
        if not self.isVisible():  # building a page costs ~20 ms: wait until it can be seen
            self._stale = True
            return
        self._build_page()
        self.stack.setCurrentWidget(self.scroll)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802
        super().showEvent(event)
        if self._stale and self.node_id in self.scene.graph.nodes:
            self.set_node(self.node_id)

    def _build_page(self) -> None:
        node = self.scene.graph.nodes[self.node_id]
        spec = LAYERS.get(node.type) if node.type in LAYERS else None
        page = QWidget()
        outer = QVBoxLayout(page)
        outer.setContentsMargins(8, 8, 8, 8)
        self.title = QLabel(objectName="inspector_title")
        self.title.setFont(style.font(11, bold=True))
        self.title.setText(spec.label if spec else node.type)
        outer.addWidget(self.title)
        if spec is not None and spec.doc:
            doc = QLabel(spec.doc, wordWrap=True, objectName="inspector_doc")
            doc.setStyleSheet(f"color: {style.dim_text_colour().name()};")
            outer.addWidget(doc)
        info = QFormLayout()
        self.id_label = QLabel(node.id, objectName="inspector_id",
                               textInteractionFlags=Qt.TextInteractionFlag.TextSelectableByMouse)
        self.label_edit = QLineEdit(node.label, objectName="inspector_label",
                                    placeholderText=spec.label if spec else node.type)
        self.label_edit.editingFinished.connect(self._on_label_edited)
        self.shape_label = QLabel(objectName="inspector_shape")
        self.count_label = QLabel(objectName="inspector_count")
        info.addRow("Type", QLabel(f"{spec.label if spec else node.type} ({node.type})"))
        info.addRow("Id", self.id_label)
        info.addRow("Label", self.label_edit)
        info.addRow("Output", self.shape_label)
        info.addRow("Parameters", self.count_label)
        self.trainable = QCheckBox("Trainable", objectName="inspector_trainable")
        self.trainable.setToolTip("Untick to freeze this layer's weights while training.")
        self.trainable.toggled.connect(self._on_trainable_toggled)
        self.trainable.setVisible(bool(spec and spec.has_weights))
        info.addRow("", self.trainable)
        outer.addLayout(info)
        self.error_label = QLabel(wordWrap=True, objectName="inspector_error")
        self.error_label.setStyleSheet(f"color: {style.ERROR.name()};")
        self.error_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        outer.addWidget(self.error_label)
        self.form = None
        if spec is not None and spec.params:
            group = QGroupBox("Settings")
            box = QVBoxLayout(group)
            self.form = ParamsForm(spec.params, node.params, live=True)
            self.form.setObjectName("inspector_form")
            self.form.value_changed.connect(self._on_param_edited)
            box.addWidget(self.form)
            outer.addWidget(group)
        self.weights: WeightsEditor | None = None
        if spec is not None and spec.has_weights:
            group = QGroupBox("Weights")
            box = QVBoxLayout(group)
            self.weights = WeightsEditor()
            self.weights.weights_edited.connect(self._on_weights_edited)
            box.addWidget(self.weights)
            outer.addWidget(group)
        outer.addStretch(1)
        self.scroll.setWidget(page)  # deletes the previous page
        self._refresh()

    # -- following the model -------------------------------------------------------------------
    def _on_graph_edited(self) -> None:
        if self.node_id is not None and self.node_id not in self.scene.graph.nodes:
            self.set_node(None)

    def _on_report_changed(self, report: object) -> None:
        if not self._stale and self.node_id in self.scene.graph.nodes:
            self._refresh()

    def _refresh(self) -> None:
        node = self.scene.graph.nodes[self.node_id]
        info = self.scene.report.nodes.get(node.id)
        shape = shown_shape(info)
        self.shape_label.setText(fmt_shape(shape) if shape is not None else "unknown")
        count = self.scene.counts.get(node.id)
        self.count_label.setText("unknown" if count is None else f"{count:,}")
        if self.label_edit.text() != node.label and not self.label_edit.hasFocus():
            self.label_edit.setText(node.label)
        self.trainable.blockSignals(True)
        self.trainable.setChecked(node.trainable)
        self.trainable.blockSignals(False)
        error = info.error if info is not None else None
        if error is not None:
            fix = f"<br><b>Fix:</b> {error.fix}" if error.fix else ""
            self.error_label.setText(f"<b>Problem:</b> {error.message}{fix}")
        self.error_label.setVisible(error is not None)
        if self.form is not None:
            shown = {p.name: node.params.get(p.name, p.default) for p in self.form.params}
            if self.form.values() != shown:  # changed by undo/redo or elsewhere
                self.form.set_values(node.params)
        if self.weights is not None:
            params = info.params if info is not None and info.params else node.params
            self.weights.set_state(node.weights,
                                   weight_shapes(self.scene.report, node.id, node.type),
                                   {"weight": params.get("weight_init", "default"),
                                    "bias": params.get("bias_init", "default")})

    # -- edits ---------------------------------------------------------------------------------
    def _on_param_edited(self, name: str, value: object) -> None:
        if self.node_id is not None:
            self.scene.set_params(self.node_id, {name: value})

    def _on_label_edited(self) -> None:
        node = self.scene.graph.nodes.get(self.node_id or "")
        text = self.label_edit.text().strip()
        if node is not None and text != node.label:
            self.scene.push(SetNodeFields(self.scene.graph, node.id, label=text))

    def _on_trainable_toggled(self, checked: bool) -> None:
        if self.node_id is not None:
            self.scene.push(SetNodeFields(self.scene.graph, self.node_id, trainable=checked))

    def _on_weights_edited(self, weights: object) -> None:
        if self.node_id is not None:
            self.scene.push(SetNodeFields(self.scene.graph, self.node_id, weights=weights))


if __name__ == "__main__":
    from PySide6.QtGui import QUndoStack
    from PySide6.QtWidgets import QApplication

    from ui.editor.samples import XOR_INPUT_SHAPES, xor_graph

    app = QApplication([])
    scene = GraphScene(xor_graph(), QUndoStack())
    scene.set_input_shapes(XOR_INPUT_SHAPES)
    inspector = Inspector(scene)
    inspector.set_node("hidden")
    inspector.resize(320, 700)
    inspector.show()
    app.exec()
