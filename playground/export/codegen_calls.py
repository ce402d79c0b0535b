"""Recovering constructor calls for modules, and comparing module structures.

:func:`record_init_calls` records the arguments each ``nn.Module.__init__``
receives while a node is built; :func:`call_source` turns recorded (or
attribute-derived) arguments into the shortest call that rebuilds a module with
the same structure (:func:`same_structure`), or None.
"""

from __future__ import annotations

import inspect
import sys
from collections.abc import Callable
from types import FrameType
from typing import Any

import torch
from torch import nn

from playground.export.codegen_deps import literal

MODULE_KEYS = frozenset(vars(nn.Module()))


def record_init_calls(build: Callable[[], nn.Module]) -> tuple[nn.Module, dict]:
    """Run ``build()`` recording, per module built, the arguments of its ``__init__``.

    Returns
    -------
    module : nn.Module
        What ``build`` returned.
    calls : dict
        ``id(instance) -> (instance, {param name: value}, varargs, kwargs)``.
    """
    calls: dict[int, tuple] = {}

    def profile(frame: FrameType, event: str, arg: Any) -> None:
        if event != "call" or frame.f_code.co_name != "__init__":
            return
        code = frame.f_code
        names = code.co_varnames[:code.co_argcount + code.co_kwonlyargcount]
        obj = frame.f_locals.get(names[0]) if names else None
        if not isinstance(obj, nn.Module) or id(obj) in calls:
            return
        if code is not getattr(type(obj).__init__, "__code__", None):
            return  # a base class's __init__ reached through super()
        local = frame.f_locals
        flags = code.co_flags
        extra = len(names)
        varargs = tuple(local[code.co_varnames[extra]]) if flags & inspect.CO_VARARGS else ()
        kw_index = extra + bool(flags & inspect.CO_VARARGS)
        kwargs = dict(local[code.co_varnames[kw_index]]) if flags & inspect.CO_VARKEYWORDS \
            else {}
        calls[id(obj)] = (obj, {n: local[n] for n in names[1:]}, varargs, kwargs)

    previous = sys.getprofile()
    sys.setprofile(profile)
    try:
        module = build()
    finally:
        sys.setprofile(previous)
    return module, calls


# -- writing constructor expressions ------------------------------------------------------

def from_call(call: tuple | None) -> tuple[dict, tuple, dict] | None:
    if call is None:
        return None
    _, named, varargs, kwargs = call
    return dict(named), tuple(varargs), dict(kwargs)


def from_attributes(module: nn.Module) -> tuple[dict, tuple, dict] | None:
    """``__init__`` arguments read back from same-named attributes, when all are found."""
    try:
        sig = inspect.signature(type(module).__init__)
    except (TypeError, ValueError):
        return None
    named = {}
    for pname, p in list(sig.parameters.items())[1:]:
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) or pname in ("device", "dtype"):
            continue
        if pname in module._parameters:  # e.g. bias=True <-> a bias parameter exists
            named[pname] = module._parameters[pname] is not None
        elif pname in vars(module):
            named[pname] = vars(module)[pname]
        elif p.default is p.empty:
            return None
    return named, (), {}


def call_source(module: nn.Module, args: tuple[dict, tuple, dict] | None) -> str | None:
    """``(arguments)`` source that rebuilds ``module``'s structure, defaults left out
    where that changes nothing; None when these arguments do not rebuild it."""
    if args is None:
        return None
    named, varargs, kwargs = args
    cls = type(module)
    try:
        for value in (*named.values(), *varargs, *kwargs.values()):
            literal(value)
        positional, defaults = _split(cls)
    except (ValueError, TypeError):
        return None
    keep = [n for n in named if n not in positional]
    if not _builds_same(module, cls, named, positional, keep, varargs, kwargs):
        return None
    # Drop arguments at their default one by one, keeping the call equivalent: shorter,
    # and it reads like hand-written code (stride=(1, 1) is dropped, padding=(0, 0) for a
    # pool that then stores 0 instead is kept).
    for name in list(keep):
        if name in defaults and _is_default(named[name], defaults[name]):
            trial = [k for k in keep if k != name]
            if _builds_same(module, cls, named, positional, trial, varargs, kwargs):
                keep = trial
    parts = [literal(named[n]) for n in positional if n in named]
    parts += [literal(v) for v in varargs]
    parts += [f"{k}={literal(named[k])}" for k in keep]
    parts += [f"{k}={literal(v)}" for k, v in kwargs.items()]
    return "(" + ", ".join(parts) + ")"


def _builds_same(module: nn.Module, cls: type, named: dict, positional: list[str],
                 keep: list[str], varargs: tuple, kwargs: dict) -> bool:
    try:
        twin = cls(*[named[n] for n in positional if n in named], *varargs,
                   **{k: named[k] for k in keep}, **kwargs)
    except Exception:  # noqa: BLE001 - any failure means these arguments do not work
        return False
    return same_structure(module, twin)


def _split(cls: type) -> tuple[list[str], dict]:
    """Leading required parameters of ``cls.__init__`` (written positionally) and defaults."""
    params = list(inspect.signature(cls).parameters.values())
    positional: list[str] = []
    defaults: dict[str, Any] = {}
    for i, p in enumerate(params):
        if p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) \
                and len(positional) == i:
            positional.append(p.name)
        elif p.default is not p.empty:
            defaults[p.name] = p.default
    return positional, defaults


# -- structure comparison -------------------------------------------------------------------

def same_structure(a: nn.Module, b: nn.Module) -> bool:
    """Same class, same plain (literal) attributes, parameter/buffer layout and children."""
    if type(a) is not type(b):
        return False
    attrs_b = vars(b)
    for key, value in vars(a).items():
        if key in MODULE_KEYS:
            continue
        if key not in attrs_b:
            return False  # e.g. set by the build function after construction
        try:
            literal(value)
        except ValueError:
            continue  # tensors, callables: run-time state (a VAE's last KL), not configuration
        if not _equal(value, attrs_b[key]):
            return False
    for mine, theirs in ((a._parameters, b._parameters), (a._buffers, b._buffers)):
        if mine.keys() != theirs.keys():
            return False
        for key, t in mine.items():
            u = theirs[key]
            if (t is None) != (u is None) or (t is not None and u is not None and (
                    t.shape != u.shape or t.dtype != u.dtype)):
                return False
    if a._non_persistent_buffers_set != b._non_persistent_buffers_set:
        return False
    kids_a, kids_b = dict(a.named_children()), dict(b.named_children())
    return kids_a.keys() == kids_b.keys() and all(
        same_structure(kids_a[k], kids_b[k]) for k in kids_a)


def _is_default(value, default) -> bool:
    """``value`` equals ``default``, also as a tuple repeating it (``stride=(1, 1)`` vs 1)."""
    if _equal(value, default):
        return True
    return isinstance(value, tuple) and not isinstance(default, tuple) and len(value) > 0 \
        and all(_equal(v, default) for v in value)


def _equal(x, y) -> bool:
    if isinstance(x, float) and isinstance(y, float) and x != x and y != y:
        return True  # nan == nan for our purpose
    try:
        return bool(x == y) and type(x) is type(y) or (
            isinstance(x, (tuple, list, torch.Size)) and isinstance(y, (tuple, list, torch.Size))
            and len(x) == len(y) and all(_equal(p, q) for p, q in zip(x, y)))
    except (TypeError, RuntimeError, ValueError):
        return False
