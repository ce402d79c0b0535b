"""A work-around for PySide6 behaviour that slows down the app; applied by ``ui``.

PySide6 hooks every import to read the imported module's source looking for
``from __feature__`` users (``inspect.getsource`` per module: about half a
second of CPU while torch loads). This app never uses ``__feature__``, so
:func:`skip_feature_scan` answers "does not use PySide" without reading files.

(PySide6 6.12.0 on Python < 3.12 drops a reference to ``None`` on every void
call; pyproject.toml asks for PySide6 < 6.12 rather than patching reference
counts.)
"""

from __future__ import annotations

import sys


def skip_feature_scan() -> None:
    """Stop PySide6's per-import source scan (needed only for ``from __feature__``)."""
    feature = sys.modules.get("shibokensupport.feature")
    if feature is not None and hasattr(feature, "_mod_uses_pyside"):
        feature._mod_uses_pyside = lambda module: False


def apply() -> None:
    """Apply the work-around (safe to call more than once)."""
    import PySide6.QtCore  # noqa: F401  (loads shibokensupport)
    skip_feature_scan()
