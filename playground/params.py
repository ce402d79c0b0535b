"""Typed parameter declarations: the data from which inspectors and validators are made.

A layer type, a dataset, a task or an optimizer declares its parameters as a
tuple of :class:`Param`. The GUI generates its inspector from them (spin boxes
with ranges, combo boxes, check boxes); project files are validated against
them with messages that name the field.

Kinds
-----
``int``, ``float``, ``bool``, ``choice`` (one of ``choices``), ``str``,
``ints`` (a list of ints, e.g. a shape or kernel size) and ``floats``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from playground.errors import ValidationError

KINDS = ("int", "float", "bool", "choice", "str", "ints", "floats")


@dataclass(frozen=True)
class Param:
    """One declared parameter.

    Parameters
    ----------
    name : str
        Key in the params dict (snake_case).
    kind : str
        One of :data:`KINDS`.
    default : Any
        Value used when the field is absent.
    min, max : float, optional
        Inclusive bounds for numbers (each element for ``ints``/``floats``).
    choices : tuple, optional
        Allowed values for ``choice``.
    label : str, optional
        Human label; defaults to the name with spaces.
    help : str, optional
        One sentence shown as a tooltip.
    optional : bool
        ``None`` is an allowed value (shown as "auto"/"off").
    length : int, optional
        Required list length for ``ints``/``floats`` (None: any length >= 1).
    log : bool
        A float best edited on a log scale (learning rates).
    """

    name: str
    kind: str
    default: Any = None
    min: float | None = None
    max: float | None = None
    choices: tuple = ()
    label: str = ""
    help: str = ""
    optional: bool = False
    length: int | None = None
    log: bool = False
    advanced: bool = field(default=False, compare=False)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown param kind {self.kind!r}")
        if self.kind == "choice" and not self.choices:
            raise ValueError(f"choice param {self.name!r} needs choices")

    @property
    def title(self) -> str:
        """Label shown to users."""
        return self.label or self.name.replace("_", " ").capitalize()

    def validate(self, value: Any, where: str) -> Any:
        """Return ``value`` coerced to this kind, or raise :class:`ValidationError`.

        ``where`` is the field path used in the message.
        """
        if value is None:
            if self.optional:
                return None
            raise ValidationError(f"expected {self.describe()}, got null", where)
        check = _CHECKS[self.kind]
        return check(self, value, where)

    def describe(self) -> str:
        """Short description of what is accepted, for error messages."""
        if self.kind == "choice":
            return "one of " + ", ".join(repr(c) for c in self.choices)
        bounds = _bounds_text(self.min, self.max)
        if self.kind in ("ints", "floats"):
            n = f"{self.length} " if self.length else ""
            elem = "int" if self.kind == "ints" else "number"
            return f"a list of {n}{elem}s{bounds}"
        name = {"int": "int", "float": "number", "bool": "true/false", "str": "text"}[self.kind]
        return f"{name}{bounds}"


def _bounds_text(lo: float | None, hi: float | None) -> str:
    if lo is not None and hi is not None:
        return f" in [{lo:g}, {hi:g}]"
    if lo is not None:
        return f" >= {lo:g}"
    if hi is not None:
        return f" <= {hi:g}"
    return ""


def _got(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _check_number(p: Param, value: Any, where: str, integral: bool) -> float | int:
    ok_type = isinstance(value, int) if integral else isinstance(value, (int, float))
    if isinstance(value, bool) or not ok_type:
        if integral and isinstance(value, float) and value.is_integer():
            value = int(value)
        else:
            raise ValidationError(f"expected {p.describe()}, got {_got(value)}", where)
    if not integral:
        try:
            value = float(value)
        except OverflowError:  # an int of hundreds of digits
            raise ValidationError(f"expected {p.describe()}, got {_got(value)}", where) from None
        if not math.isfinite(value):
            raise ValidationError(f"expected a finite {p.describe()}, got {value}", where)
    if (p.min is not None and value < p.min) or (p.max is not None and value > p.max):
        raise ValidationError(f"expected {p.describe()}, got {_got(value)}", where)
    return value


def _check_int(p: Param, value: Any, where: str) -> int:
    return int(_check_number(p, value, where, integral=True))


def _check_float(p: Param, value: Any, where: str) -> float:
    return float(_check_number(p, value, where, integral=False))


def _check_bool(p: Param, value: Any, where: str) -> bool:
    if not isinstance(value, bool):
        raise ValidationError(f"expected true/false, got {_got(value)}", where)
    return value


def _check_choice(p: Param, value: Any, where: str) -> Any:
    if isinstance(value, bool) or value not in p.choices:
        raise ValidationError(f"expected {p.describe()}, got {_got(value)}", where)
    return value


def _check_str(p: Param, value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise ValidationError(f"expected text, got {_got(value)}", where)
    return value


def _check_list(p: Param, value: Any, where: str) -> tuple:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and p.length:
        value = [value] * p.length  # a scalar kernel size 3 means (3, 3)
    if not isinstance(value, (list, tuple)):
        raise ValidationError(f"expected {p.describe()}, got {_got(value)}", where)
    if p.length is not None and len(value) != p.length:
        raise ValidationError(f"expected {p.describe()}, got {len(value)} values", where)
    if p.length is None and len(value) == 0 and not p.optional:
        raise ValidationError(f"expected {p.describe()}, got an empty list", where)
    elem = Param(p.name, "int" if p.kind == "ints" else "float", min=p.min, max=p.max)
    return tuple(elem.validate(v, f"{where}[{i}]") for i, v in enumerate(value))


_CHECKS = {
    "int": _check_int,
    "float": _check_float,
    "bool": _check_bool,
    "choice": _check_choice,
    "str": _check_str,
    "ints": _check_list,
    "floats": _check_list,
}


def known_keys(given: object, names: Iterable[str], where: str,
               what: str = "parameters") -> Mapping[str, Any]:
    """``given`` as a mapping whose keys are all among ``names`` (None is empty).

    Raises
    ------
    ValidationError
        At ``where``: not an object, or the first unknown key with the known ones.
    """
    given = {} if given is None else given
    if not isinstance(given, Mapping):
        raise ValidationError(f"expected an object of {what}, got {_got(given)}", where)
    names = tuple(names)
    for key in given:
        if key not in names:
            known = ", ".join(names) or "none"
            raise ValidationError(f"unknown parameter {key!r} (known: {known})", where)
    return given


def resolve(declared: Iterable[Param], given: object, where: str) -> dict:
    """Validate ``given`` against ``declared`` and fill in defaults.

    Parameters
    ----------
    declared : iterable of Param
        The declaration.
    given : mapping or None
        Values from a file or an editor (anything: it is checked); unknown keys are an
        error.
    where : str
        Path prefix for messages, e.g. ``graph.nodes[2].params``.

    Returns
    -------
    dict
        Every declared name mapped to a valid value.

    Raises
    ------
    ValidationError
        Naming the first bad field.
    """
    declared = tuple(declared)
    given = known_keys(given, sorted(p.name for p in declared), where)
    out = {}
    for p in declared:
        value = given.get(p.name, p.default)
        if isinstance(value, tuple):
            value = list(value)
        out[p.name] = p.validate(value, f"{where}.{p.name}" if where else p.name)
    return out


def defaults(declared: Iterable[Param]) -> dict:
    """Every declared parameter at its default value."""
    return {p.name: (list(p.default) if isinstance(p.default, tuple) else p.default)
            for p in declared}


def to_json(values: Mapping[str, Any]) -> dict:
    """Resolved params as JSON-ready values (tuples become lists)."""
    return {k: (list(v) if isinstance(v, tuple) else v) for k, v in values.items()}


# Short constructors keep declarations one line each.

def int_param(name: str, default: int | None, min: float | None = None,
              max: float | None = None,
              **kw: Any) -> Param:
    """An integer parameter."""
    return Param(name, "int", default, min=min, max=max, **kw)


def float_param(name: str, default: float | None, min: float | None = None,
                max: float | None = None, **kw: Any) -> Param:
    """A float parameter."""
    return Param(name, "float", default, min=min, max=max, **kw)


def bool_param(name: str, default: bool, **kw: Any) -> Param:
    """A true/false parameter."""
    return Param(name, "bool", default, **kw)


def choice_param(name: str, default: Any, choices: Iterable[Any], **kw: Any) -> Param:
    """A parameter taking one of ``choices``."""
    return Param(name, "choice", default, choices=tuple(choices), **kw)


def str_param(name: str, default: str, **kw: Any) -> Param:
    """A free-text parameter."""
    return Param(name, "str", default, **kw)


def ints_param(name: str, default: tuple | None, length: int | None = None,
               min: float | None = None, max: float | None = None, **kw: Any) -> Param:
    """A list-of-ints parameter (shapes, kernel sizes)."""
    return Param(name, "ints", default, min=min, max=max, length=length, **kw)


def floats_param(name: str, default: tuple | None, length: int | None = None,
                 min: float | None = None, max: float | None = None, **kw: Any) -> Param:
    """A list-of-floats parameter (betas)."""
    return Param(name, "floats", default, min=min, max=max, length=length, **kw)
