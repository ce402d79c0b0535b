"""Packaging: every package is listed in pyproject.toml; presets and assets ship."""

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
tomllib = pytest.importorskip("tomllib")


def test_every_package_directory_is_listed():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed = set(config["packages"])
    found = {".".join(p.parent.relative_to(ROOT).parts)
             for top in ("playground", "ui") for p in (ROOT / top).rglob("__init__.py")}
    assert found - listed == set(), "add these to [tool.setuptools] packages"
    mapped = config["package-dir"]
    assert mapped == {"playground.bundled_presets": "presets",
                      "playground.bundled_assets": "assets"}


def test_presets_are_found_through_the_package():
    from playground.project.presets import preset_paths, presets_dir
    assert presets_dir().resolve() == (ROOT / "presets").resolve()
    assert any(p.stem == "launch-xor" for p in preset_paths())
