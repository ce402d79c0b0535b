"""Work-arounds for PySide6 behaviour that would crash or slow down the app; applied by ``ui``.

1. On Python < 3.12, PySide6 6.12.0 (an abi3 wheel built for immortal ``None``)
   returns ``None`` from every void method without taking a reference, so
   each call like ``label.setText(...)`` or ``app.processEvents()`` drops
   ``None``'s reference count by one. A few thousand calls later Python
   aborts with "none_dealloc: deallocating None" (and, at exit, the same for
   ``True``/``False``: "bool_dealloc"). Python 3.12 made these singletons
   immortal (PEP 683); :func:`keep_singletons_alive` gives them the same
   effect by raising their counts out of reach. pyproject.toml asks for
   PySide6 < 6.12 (6.11.3 is free of this, checked with 20,000 calls), so
   this only matters where 6.12 was installed anyway.
2. PySide6 hooks every import to read the imported module's source looking
   for ``from __feature__`` users (``inspect.getsource`` per module: about
   half a second of CPU while torch loads). This app never uses
   ``__feature__``, so :func:`skip_feature_scan` answers "does not use
   PySide" without reading files.
"""

from __future__ import annotations

import ctypes
import sys

#: Added to the singletons' reference counts: more void calls than a process can make.
EXTRA_REFS = 1 << 48


def keep_singletons_alive() -> None:
    """Make ``None``, ``True``, ``False`` effectively immortal (Python < 3.12, PySide6 6.12)."""
    if sys.version_info >= (3, 12) or getattr(keep_singletons_alive, "done", False):
        return
    if not _pyside_version().startswith("6.12"):
        return
    for obj in (None, True, False):
        # ob_refcnt is the first field of every PyObject (a Py_ssize_t).
        ctypes.c_ssize_t.from_address(id(obj)).value += EXTRA_REFS
    keep_singletons_alive.done = True


def _pyside_version() -> str:
    """The installed PySide6 version, read without importing it."""
    from importlib import metadata
    for dist in ("PySide6-Essentials", "PySide6"):
        try:
            return metadata.version(dist)
        except metadata.PackageNotFoundError:
            continue
    return ""


def skip_feature_scan() -> None:
    """Stop PySide6's per-import source scan (needed only for ``from __feature__``)."""
    feature = sys.modules.get("shibokensupport.feature")
    if feature is not None and hasattr(feature, "_mod_uses_pyside"):
        feature._mod_uses_pyside = lambda module: False


def apply() -> None:
    """Apply both work-arounds (safe to call more than once)."""
    keep_singletons_alive()
    import PySide6.QtCore  # noqa: F401  (loads shibokensupport)
    skip_feature_scan()
