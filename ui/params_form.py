"""A form generated from parameter declarations (:class:`playground.params.Param`).

Used by the node inspector, the data panel and the training panel, so every
layer, dataset, task and optimizer gets its editor from the same declarations.
Values are validated with the declaration itself; a bad entry turns the field
red with the reason as its tooltip and is not committed, and the form lists it
in :meth:`ParamsForm.invalid` (Play refuses to train while one is left).

Numbers with bounds can get a TensorFlow-Playground-style slider beside their
field (noise, the learning rate on a log scale); a ``live`` form commits as
the user types (the inspector: shapes update at once).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QSlider,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from playground.errors import ValidationError
from playground.params import Param

_INT_LIMIT = 2**31 - 1
_BAD_STYLE = "border: 1px solid #d33;"
#: Positions of a linear slider.
SLIDER_STEPS = 100
#: The values a log-scale slider stops at (TF Playground's learning rates).
LOG_STOPS = (1e-5, 3e-5, 1e-4, 3e-4, 1e-3, 3e-3, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)


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
    """One row: its widget and how to read/write it.

    ``live``: line edits and spin boxes commit while the user types (a value that does not
    validate yet is only marked when editing finishes).
    """

    def __init__(self, param: Param, on_commit, live: bool = False):
        self.param = param
        self._on_commit = on_commit
        self.live = live
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
            w.setKeyboardTracking(self.live)
            w.valueChanged.connect(lambda _: self._on_commit(self))
        else:
            w = QLineEdit()
            if p.optional:
                w.setPlaceholderText("auto")
            w.editingFinished.connect(lambda: self._on_commit(self))
            if self.live:
                w.textEdited.connect(lambda _: self._on_commit(self, quiet=True))
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


class _Slider(QSlider):
    """A slider beside a number field: linear over the param's range, or stopping at
    :data:`LOG_STOPS` for log-scale params. Dragging shows the value in the field; the
    value is committed when the slider is released (or moved by a click or a key)."""

    def __init__(self, field: _Field, commit):
        super().__init__(Qt.Orientation.Horizontal)
        self.field = field
        self._commit = commit
        p = field.param
        self.stops = tuple(v for v in LOG_STOPS if (p.min is None or v >= p.min)
                           and (p.max is None or v <= p.max)) if p.log else ()
        self.setRange(0, len(self.stops) - 1 if p.log else SLIDER_STEPS)
        self.setObjectName(f"slider_{p.name}")
        self.setToolTip(p.help)
        self.valueChanged.connect(self._moved)
        self.sliderReleased.connect(lambda: self._commit(self.field))

    def value_at(self, position: int) -> float:
        """The param value at slider ``position``."""
        if self.stops:
            return self.stops[position]
        p = self.field.param
        value = p.min + (p.max - p.min) * position / SLIDER_STEPS
        return round(value, 6)

    def show_value(self, value: Any) -> None:
        """Move the knob to ``value`` without committing."""
        if not isinstance(value, (int, float)):
            return
        if self.stops:
            position = min(range(len(self.stops)),
                           key=lambda i: abs(math.log10(self.stops[i]) - math.log10(value))
                           if value > 0 else i)
        else:
            p = self.field.param
            position = round((value - p.min) / ((p.max - p.min) or 1) * SLIDER_STEPS)
        self.blockSignals(True)
        self.setValue(int(position))
        self.blockSignals(False)

    def _moved(self, position: int) -> None:
        value = self.value_at(position)
        self.field.widget.setText(format_value(self.field.param, float(value)))
        if not self.isSliderDown():
            self._commit(self.field)


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
    sliders : iterable of str
        Params (floats with both bounds) that get a slider beside their field.
    live : bool
        Commit while the user types (see :class:`_Field`).

    Signals
    -------
    value_changed(str, object)
        A field was committed with a valid value: (name, value).
    """

    value_changed = Signal(str, object)

    def __init__(self, params: Iterable[Param], values: dict | None = None,
                 parent: QWidget | None = None, sliders: Iterable[str] = (),
                 live: bool = False):
        super().__init__(parent)
        self.params = tuple(params)
        self._fields: dict[str, _Field] = {}
        self._sliders: dict[str, _Slider] = {}
        self._values: dict[str, Any] = {}
        #: Param name -> why the text in its field is refused (while it is there).
        self.errors: dict[str, str] = {}
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        main, advanced = QFormLayout(), QFormLayout()
        wanted = set(sliders)
        for p in self.params:
            field = _Field(p, self._commit, live)
            self._fields[p.name] = field
            row: QWidget = field.widget
            if p.name in wanted and p.kind == "float" and p.min is not None \
                    and p.max is not None and isinstance(field.widget, QLineEdit):
                slider = self._sliders[p.name] = _Slider(field, self._commit)
                row = QWidget()
                box = QHBoxLayout(row)
                box.setContentsMargins(0, 0, 0, 0)
                box.addWidget(slider, 3)
                box.addWidget(field.widget, 2)
            (advanced if p.advanced else main).addRow(p.title, row)
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
            self.errors.pop(p.name, None)
            if p.name in self._sliders:
                self._sliders[p.name].show_value(value)

    def values(self) -> dict:
        """The committed values."""
        return dict(self._values)

    def field(self, name: str) -> QWidget:
        """The editor widget for ``name`` (for tests and focus)."""
        return self._fields[name].widget

    def slider(self, name: str) -> QSlider:
        """The slider beside ``name``'s field (KeyError when it has none)."""
        return self._sliders[name]

    def invalid(self) -> list[tuple[str, str]]:
        """(field title, reason) for every field whose text is refused, in form order."""
        return [(p.title, self.errors[p.name]) for p in self.params if p.name in self.errors]

    def _commit(self, field: _Field, quiet: bool = False) -> None:
        p = field.param
        raw = field.read()
        try:
            value = p.validate(list(raw) if isinstance(raw, tuple) else raw, p.name)
        except ValidationError as exc:
            if not quiet:  # typing on: the text may be half a number
                field.mark(str(exc))
                self.errors[p.name] = exc.message
            return
        field.mark(None)
        self.errors.pop(p.name, None)
        if isinstance(value, tuple):
            value = list(value)
        if p.name in self._sliders and not self._sliders[p.name].isSliderDown():
            self._sliders[p.name].show_value(value)
        if value != self._values.get(p.name):
            self._values[p.name] = value
            self.value_changed.emit(p.name, value)
