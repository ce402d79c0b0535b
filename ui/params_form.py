"""A form generated from parameter declarations (:class:`playground.params.Param`).

Used by the node inspector, the data panel and the training panel, so every
layer, dataset, task and optimizer gets its editor from the same declarations.
Values are validated with the declaration itself; a bad entry turns the field
red with the reason as its tooltip and is not committed.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QLineEdit,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from playground.errors import ValidationError
from playground.params import Param

_INT_LIMIT = 2**31 - 1
_BAD_STYLE = "border: 1px solid #d33;"


def format_value(param: Param, value: Any) -> str:
    """Text shown in a line edit for ``value``."""
    if value is None:
        return ""
    if param.kind in ("ints", "floats"):
        return ", ".join(_number_text(v) for v in value)
    if param.kind == "float":
        return _number_text(value)
    return str(value)


def _number_text(value: float | int) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def parse_text(param: Param, text: str) -> Any:
    """Turn line-edit text into a value for ``param`` (validated by the caller)."""
    text = text.strip()
    if text == "" and param.optional:
        return None
    if param.kind in ("ints", "floats"):
        parts = [p for p in text.replace(";", ",").replace(" ", ",").split(",") if p]
        return [_number(p) for p in parts]
    if param.kind in ("float", "int"):
        return _number(text)
    return text


def _number(text: str) -> Any:
    try:
        return int(text)
    except ValueError:
        try:
            return float(text)
        except ValueError:
            return text  # the Param check reports it


class _Field:
    """One row: its widget and how to read/write it."""

    def __init__(self, param: Param, on_commit):
        self.param = param
        self._on_commit = on_commit
        self.widget = self._make()

    def _make(self) -> QWidget:
        p = self.param
        if p.kind == "bool":
            w = QCheckBox()
            w.toggled.connect(lambda _: self._on_commit(self))
        elif p.kind == "choice":
            w = QComboBox()
            for choice in p.choices:
                w.addItem(str(choice), choice)
            w.currentIndexChanged.connect(lambda _: self._on_commit(self))
        elif p.kind == "int" and not p.optional and _small(p):
            w = QSpinBox()
            w.setRange(int(max(p.min if p.min is not None else -_INT_LIMIT, -_INT_LIMIT)),
                       int(min(p.max if p.max is not None else _INT_LIMIT, _INT_LIMIT)))
            w.setKeyboardTracking(False)
            w.valueChanged.connect(lambda _: self._on_commit(self))
        else:
            w = QLineEdit()
            if p.optional:
                w.setPlaceholderText("auto")
            w.editingFinished.connect(lambda: self._on_commit(self))
        w.setToolTip(p.help)
        w.setObjectName(f"param_{p.name}")
        return w

    def read(self) -> Any:
        w, p = self.widget, self.param
        if isinstance(w, QCheckBox):
            return w.isChecked()
        if isinstance(w, QComboBox):
            return w.currentData()
        if isinstance(w, QSpinBox):
            return w.value()
        return parse_text(p, w.text())

    def write(self, value: Any) -> None:
        w = self.widget
        w.blockSignals(True)
        try:
            if isinstance(w, QCheckBox):
                w.setChecked(bool(value))
            elif isinstance(w, QComboBox):
                w.setCurrentIndex(max(w.findData(value), 0))
            elif isinstance(w, QSpinBox):
                w.setValue(int(value))
            else:
                w.setText(format_value(self.param, value))
        finally:
            w.blockSignals(False)
        self.mark(None)

    def mark(self, error: str | None) -> None:
        self.widget.setStyleSheet(_BAD_STYLE if error else "")
        self.widget.setToolTip(error or self.param.help)


def _small(p: Param) -> bool:
    return p.max is not None and p.max <= _INT_LIMIT and (p.min is None or p.min >= -_INT_LIMIT)


class ParamsForm(QWidget):
    """Editors for a tuple of :class:`Param`.

    Parameters
    ----------
    params : iterable of Param
        The declarations.
    values : dict, optional
        Initial values (defaults where absent).
    parent : QWidget, optional

    Signals
    -------
    value_changed(str, object)
        A field was committed with a valid value: (name, value).
    """

    value_changed = Signal(str, object)

    def __init__(self, params: Iterable[Param], values: dict | None = None,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.params = tuple(params)
        self._fields: dict[str, _Field] = {}
        self._values: dict[str, Any] = {}
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        main, advanced = QFormLayout(), QFormLayout()
        for p in self.params:
            field = _Field(p, self._commit)
            self._fields[p.name] = field
            (advanced if p.advanced else main).addRow(p.title, field.widget)
        layout.addLayout(main)
        self._advanced_box = QWidget()
        self._advanced_box.setLayout(advanced)
        if advanced.rowCount():
            toggle = QToolButton(text="Advanced", checkable=True)
            toggle.setObjectName("advanced_toggle")
            toggle.toggled.connect(self._advanced_box.setVisible)
            layout.addWidget(toggle)
            layout.addWidget(self._advanced_box)
        self._advanced_box.setVisible(False)
        self.set_values(values or {})

    def set_values(self, values: dict) -> None:
        """Show ``values`` (defaults for absent names) without emitting signals."""
        for p in self.params:
            value = values.get(p.name, p.default)
            self._values[p.name] = value
            self._fields[p.name].write(value)

    def values(self) -> dict:
        """The committed values."""
        return dict(self._values)

    def field(self, name: str) -> QWidget:
        """The editor widget for ``name`` (for tests and focus)."""
        return self._fields[name].widget

    def _commit(self, field: _Field) -> None:
        p = field.param
        raw = field.read()
        try:
            value = p.validate(list(raw) if isinstance(raw, tuple) else raw, p.name)
        except ValidationError as exc:
            field.mark(str(exc))
            return
        field.mark(None)
        if isinstance(value, tuple):
            value = list(value)
        if value != self._values.get(p.name):
            self._values[p.name] = value
            self.value_changed.emit(p.name, value)
