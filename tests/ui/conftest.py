"""Fixtures shared by the main window's tests."""

import pytest

from tests.ui.main_helpers import close_window, make_window


@pytest.fixture
def window(qtbot, tmp_path):
    """A shown main window on launch-xor, its first session built; closed after the test
    (a module may define its own ``window``, which takes precedence)."""
    w = make_window(qtbot, tmp_path, "launch-xor")
    yield w
    close_window(qtbot, w)
