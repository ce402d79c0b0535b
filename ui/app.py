"""Start the desktop app: ``run_app()`` is what ``playground`` / ``playground gui`` call.

``run_app(preset, train_epochs, screenshot, size)`` opens the main window on
a preset (XOR by default). With ``train_epochs`` it trains that many epochs
through the worker, the UI staying live; with ``screenshot`` it then saves
the whole window to a PNG and exits (how the README images are made). The
window fills the screen's available area at the first launch and comes back
as the user left it later (:mod:`ui.window.geometry`); ``size`` asks for an
exact size instead (screenshots at 1366x768 on any machine).

Environment:

``PLAYGROUND_THEME``
    light, dark or system: overrides the saved theme (dark screenshots).
``PLAYGROUND_EXIT_WHEN_SHOWN``
    Print "shown" when the window has first painted, then exit at once
    (``bench/startup.py`` times this).
"""

from __future__ import annotations

import ctypes
import os
import sys
from pathlib import Path

import PySide6
from PySide6.QtCore import QObject, QSettings, QTimer, qInstallMessageHandler
from PySide6.QtWidgets import QApplication

DEFAULT_PRESET = "launch-xor"
#: The size of screenshots made on a screen too small for the window (Qt's offscreen
#: platform has an 800x600 screen unless configured).
SCREENSHOT_SIZE = (1366, 768)
EXIT_WHEN_SHOWN = "PLAYGROUND_EXIT_WHEN_SHOWN"
#: Time for the views to draw the final snapshot before the screenshot (ms).
SETTLE_MS = 600
#: A screenshot run that has not finished after this long gives up (ms).
WATCHDOG_MS = 30 * 60 * 1000


#: Qt warnings that say nothing to a user (the offscreen platform cannot resize docks' hints).
QUIET_MESSAGES = ("does not support propagateSizeHints",)


def _qt_message(mode, context, message: str) -> None:
    if not any(text in message for text in QUIET_MESSAGES):
        print(message, file=sys.stderr)


#: What Qt's xcb platform plugin needs on a bare Debian or Ubuntu desktop (README: Set up).
XCB_PACKAGES = ("libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 "
                "libxcb-render-util0 libxcb-shape0 libxcb-randr0 libxcb-xinerama0 "
                "libxcb-xkb1 libxkbcommon-x11-0 libegl1 libfontconfig1")


def platform_problem(plugins: Path | None = None) -> str | None:
    """Why Qt could not open a window here, in one line; None when nothing is known wrong.

    Qt aborts the whole process when its platform plugin fails ("could not load
    the Qt platform plugin xcb"), after printing a page that does not say which
    system package is missing. This loads the xcb plugin first, the way Qt
    would, so the loader names the missing library, and says what to install.
    Only Linux with X11 (no other platform asked for) is checked.
    """
    if not sys.platform.startswith("linux"):
        return None
    platform = os.environ.get("QT_QPA_PLATFORM", "")
    if platform and not platform.startswith("xcb"):
        return None
    if not platform and os.environ.get("WAYLAND_DISPLAY"):
        return None  # Qt picks its Wayland plugin
    if not os.environ.get("DISPLAY"):
        return ("no display: DISPLAY is not set (start the app from a desktop session; "
                "screenshots work without one: playground gui --screenshot FILE)")
    plugin = (plugins or Path(PySide6.__file__).parent / "Qt" / "plugins") / "platforms" \
        / "libqxcb.so"
    if not plugin.is_file():
        return None
    try:
        ctypes.CDLL(str(plugin))
    except OSError as exc:
        # "libxcb-icccm.so.4: cannot open shared object file: No such file or directory"
        text = str(exc).strip()
        detail = text.split(":")[0] + " is missing" if "cannot open shared object" in text \
            else text
        return (f"Qt's xcb platform plugin cannot load ({detail}); on Debian or Ubuntu "
                f"install what it needs: sudo apt install {XCB_PACKAGES}")
    return None


def make_application(headless_ok: bool = False) -> QApplication:
    """The QApplication, named so settings and the recovery folder have a home.

    With ``headless_ok`` (screenshots, probes) and no display on Linux, Qt's
    offscreen platform is used instead of failing to start.
    """
    if headless_ok and sys.platform.startswith("linux") and not any(
            os.environ.get(k) for k in ("QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY")):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    qInstallMessageHandler(_qt_message)
    app = QApplication.instance() or QApplication([sys.argv[0] if sys.argv else "playground"])
    app.setOrganizationName("nn-playground")
    app.setApplicationName("playground")
    return app


class ScreenshotDriver(QObject):
    """Trains ``epochs`` (if given) once the first session is ready; with ``path``, then saves
    the window there and quits (without, the app stays open). ``exit_code`` is 0, or 1 when
    the run or the save failed."""

    def __init__(self, window, epochs: int | None, path: str | None):
        super().__init__(window)
        self.window, self.epochs, self.path = window, epochs, path
        self.exit_code = 0
        worker = window.run.worker
        worker.session_ready.connect(self._on_ready)
        worker.session_failed.connect(self._on_failed)
        worker.finished.connect(self._on_finished)
        QTimer.singleShot(WATCHDOG_MS, lambda: self._finish("timed out", 1))

    def _on_ready(self, _session) -> None:
        worker = self.window.run.worker
        worker.session_ready.disconnect(self._on_ready)  # later Resets are the user's
        if not self.path:
            worker.session_failed.disconnect(self._on_failed)
            worker.finished.disconnect(self._on_finished)
        if self.epochs:
            self.window.run.worker.set_epochs(self.epochs)
            self.window.run.play()
        else:
            QTimer.singleShot(SETTLE_MS * 2, lambda: self._finish("", 0))

    def _on_failed(self, message: str) -> None:
        self._finish(f"error: {message}", 1)

    def _on_finished(self, state: str, reason: str) -> None:
        code = 1 if state == "failed" else 0
        QTimer.singleShot(SETTLE_MS, lambda: self._finish(f"{state}: {reason}", code))

    def _finish(self, message: str, code: int) -> None:
        if message:
            print(message, file=sys.stderr if code else sys.stdout, flush=True)
        self.exit_code = code
        if not self.path:
            return  # --train-epochs alone: keep the window open
        self.window.views.materialise()
        self.window.views.flush()
        QApplication.processEvents()
        self.window.editor.fit_view()  # the columns may have changed since the first fit
        QApplication.processEvents()
        if not self.window.grab().save(self.path):
            print(f"error: cannot write {self.path}", file=sys.stderr)
            self.exit_code = 1
        else:
            print(f"screenshot saved to {self.path}", flush=True)
        self.window.close()
        QApplication.instance().quit()


def install_excepthook(window) -> None:
    """An error in a slot goes to the console in full and to the status bar in one line;
    the app keeps running (never a traceback dialog)."""
    previous = sys.excepthook

    def hook(kind, value, tb) -> None:
        previous(kind, value, tb)
        try:
            window.show_status(f"Internal error: {kind.__name__}: {value}".splitlines()[0]
                               + " (details on the console)", error=True)
        except RuntimeError:  # the window is already gone
            pass
    sys.excepthook = hook


def _exit_when_shown(window) -> None:
    """Startup probe: report the first paint and leave at once (nothing to save)."""
    window.repaint()
    print("shown", flush=True)
    os._exit(0)


def run_app(preset: str | None = None, train_epochs: int | None = None,
            screenshot: str | None = None, size: str | tuple[int, int] | None = None) -> int:
    """Open the main window; returns the process exit code.

    Parameters
    ----------
    preset : str, optional
        Preset id or project file (default: the XOR preset).
    train_epochs : int, optional
        Train this many epochs after opening.
    screenshot : str, optional
        Save the window to this PNG file, then exit.
    size : str or tuple of int, optional
        The window's size ("1366x768" or (width, height)), whatever the screen and the
        saved geometry.
    """
    probe = os.environ.get(EXIT_WHEN_SHOWN) == "1"
    automated = probe or screenshot is not None  # nobody is there to answer questions
    if QApplication.instance() is None:
        problem = None if automated and not os.environ.get("DISPLAY") else platform_problem()
        if problem:
            print(f"error: the app cannot open a window: {problem}", file=sys.stderr)
            return 2
    app = make_application(headless_ok=automated)
    from playground.errors import PlaygroundError
    from playground.project.presets import load_preset
    from ui.window.geometry import parse_size, place_window, screen_area
    from ui.window.main_window import MainWindow
    from ui.window.project_files import ProjectFiles
    from ui.window.theme import apply_theme, saved_mode

    if train_epochs is not None and train_epochs < 1:
        print("error: --train-epochs must be >= 1", file=sys.stderr)
        return 2
    if isinstance(size, str):
        try:
            size = parse_size(size)
        except ValueError as exc:
            print(f"error: --size: {exc}", file=sys.stderr)
            return 2
    settings = QSettings()
    mode = saved_mode(settings)
    apply_theme(app, mode)
    try:
        project = load_preset(preset or DEFAULT_PRESET)
    except PlaygroundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    path = preset if preset and Path(preset).is_file() and not project.id else None
    remember = not automated and size is None
    window = MainWindow(project, files=ProjectFiles(settings), autosave=not automated, path=path,
                        remember_layout=remember)
    area = screen_area(window.screen())
    if size is None and automated and (area.width() < 1024 or area.height() < 700):
        size = SCREENSHOT_SIZE
    how = place_window(window, settings, size, restore=remember)
    install_excepthook(window)
    app.styleHints().colorSchemeChanged.connect(
        lambda *_: window.set_theme("system") if window.theme == "system" else None)
    driver = None
    if probe:
        window.first_shown.connect(lambda: _exit_when_shown(window))
    elif screenshot is not None or train_epochs is not None:
        driver = ScreenshotDriver(window, train_epochs, screenshot)
    if not automated:
        window.file_ops.offer_recovery()  # before the window: a crash left work to restore?
    if how == "first" and not automated:
        window.showMaximized()  # a window manager keeps the frame on screen too
    else:
        window.show()
    code = app.exec()
    return driver.exit_code if driver is not None and screenshot else code
