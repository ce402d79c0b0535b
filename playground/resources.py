"""Where bundled files live: ``assets/`` and ``presets/`` (inside the package once installed)."""

from __future__ import annotations

import importlib.resources
from pathlib import Path


def assets_dir() -> Path:
    """Folder of bundled assets (icons, style sheet, small data files)."""
    return Path(str(importlib.resources.files("playground.bundled_assets")))


def asset(name: str) -> Path:
    """Path of bundled asset ``name`` (e.g. ``"airline_passengers.csv"``)."""
    return assets_dir() / name
