"""Starting the app where it cannot open a window: one line saying what to install, no abort."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ui.app import XCB_PACKAGES, platform_problem


@pytest.fixture
def x11(monkeypatch):
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.delenv("QT_QPA_PLATFORM", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setenv("DISPLAY", ":0")


def _plugin_needing_a_missing_library(folder: Path) -> Path:
    """plugins/platforms/libqxcb.so linked against libgone.so, which is then deleted."""
    platforms = folder / "plugins" / "platforms"
    platforms.mkdir(parents=True)
    (folder / "gone.c").write_text("int gone(void) { return 1; }\n")
    (folder / "plugin.c").write_text("int gone(void);\nint plugin(void) { return gone(); }\n")
    subprocess.run(["gcc", "-shared", "-fPIC", "-o", str(folder / "libgone.so"),
                    str(folder / "gone.c")], check=True)
    subprocess.run(["gcc", "-shared", "-fPIC", "-o", str(platforms / "libqxcb.so"),
                    str(folder / "plugin.c"), f"-L{folder}", "-lgone"], check=True)
    (folder / "libgone.so").unlink()
    return folder / "plugins"


@pytest.mark.skipif(shutil.which("gcc") is None, reason="needs gcc to build a plugin")
def test_a_plugin_missing_a_system_library_names_it_and_the_packages(x11, tmp_path):
    problem = platform_problem(_plugin_needing_a_missing_library(tmp_path))
    assert problem.startswith("Qt's xcb platform plugin cannot load (libgone.so is missing); "
                              "on Debian or Ubuntu install what it needs: sudo apt install ")
    assert problem.endswith(XCB_PACKAGES) and "\n" not in problem
    assert {"libxcb-cursor0", "libxcb-icccm4", "libxcb-keysyms1"} <= set(XCB_PACKAGES.split())


def test_a_file_that_is_not_a_library_is_reported_as_it_is(x11, tmp_path):
    platforms = tmp_path / "platforms"
    platforms.mkdir()
    (platforms / "libqxcb.so").write_text("not a library")
    assert "cannot load (" in platform_problem(tmp_path)


def test_other_platforms_and_wayland_are_not_second_guessed(x11, monkeypatch, tmp_path):
    (tmp_path / "platforms").mkdir()
    (tmp_path / "platforms" / "libqxcb.so").write_text("not a library")
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    assert platform_problem(tmp_path) is None
    monkeypatch.delenv("QT_QPA_PLATFORM")
    monkeypatch.setenv("WAYLAND_DISPLAY", "wayland-0")
    assert platform_problem(tmp_path) is None
    monkeypatch.setattr(sys, "platform", "darwin")
    assert platform_problem(tmp_path) is None


def test_the_real_plugin_of_this_machine_is_judged_without_aborting(x11):
    problem = platform_problem()  # None where the libraries are installed
    assert problem is None or problem.startswith("Qt's xcb platform plugin cannot load (")


def test_the_command_says_there_is_no_display_instead_of_aborting(tmp_path):
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    env["HOME"] = str(tmp_path)
    proc = subprocess.run([sys.executable, "-m", "playground", "gui"], env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        "error: the app cannot open a window: no display: DISPLAY is not set (start the app "
        "from a desktop session; screenshots work without one: playground gui --screenshot "
        "FILE)"]
