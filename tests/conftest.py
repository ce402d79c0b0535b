"""Test setup shared by every test: headless Qt, few threads, deterministic torch."""

import os

# Before anything imports Qt: plain `pytest` must work on a machine without a display.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import torch  # noqa: E402

# Small models run faster single-threaded, and results do not depend on the core count.
torch.set_num_threads(1)


import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _clear_clipboard_after_test():
    """Empty the clipboard after each test.

    Mime data left on the offscreen platform's clipboard crashes the interpreter at exit
    (segfault after the last test), so tests that copy clean up after themselves.
    """
    yield
    from PySide6.QtWidgets import QApplication  # Qt only once a test has started it
    app = QApplication.instance()
    if app is not None:
        app.clipboard().clear()


@pytest.fixture(autouse=True, scope="session")
def _error_log_in_a_temp_folder(tmp_path_factory):
    """Tracebacks the code under test logs (playground.errorlog) go to a temp file, never to
    the user's own error log."""
    os.environ["PLAYGROUND_LOG"] = str(tmp_path_factory.mktemp("log") / "errors.log")
