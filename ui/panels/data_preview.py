"""A small picture of a dataset, and a background loader that makes the Dataset to show.

:class:`DataPreview` draws what the dataset's kind suggests: a scatter coloured
by class for 2-D points (TensorFlow Playground's orange and blue, drawn to
scale), an image grid for images, a line for series, the first two features
for tables and vectors, the distribution (a histogram per class) for one
number per sample, a text sample for text. pyqtgraph is imported on first use so the
window can show before it loads.

:class:`DatasetLoader` runs ``load_dataset`` in one background thread and
hands the result back on the UI thread; only the newest request is delivered.
"""

from __future__ import annotations

import math
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QLabel, QSizePolicy, QStackedWidget, QVBoxLayout, QWidget

MAX_POINTS = 2000
GRID_IMAGES = 24
#: Qt's QWIDGETSIZE_MAX: no maximum.
QWIDGETSIZE_MAX = (1 << 24) - 1
#: Pixels of the plot's frame around an image mosaic.
MOSAIC_MARGIN = 12
#: Pixels of a plot's axes (ticks and label) beside and below a plane of points.
AXES_MARGIN = 56


class DatasetLoader(QObject):
    """Loads datasets off the UI thread.

    Signals
    -------
    loaded(int, object, str)
        (token, Dataset or None, one-line error or "") for the newest request.
    """

    loaded = Signal(int, object, str)
    _done = Signal(int, object, str)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="playground-data")
        self._token = 0
        self._closed = False
        self._lock = threading.Lock()
        self._done.connect(self._deliver, Qt.ConnectionType.QueuedConnection)

    def request(self, spec: Any) -> int:
        """Load ``spec`` (a DataSpec) in the background; returns the request's token."""
        with self._lock:
            self._token += 1
            token = self._token
            if self._closed:
                return token  # shut down: nothing more is loaded
        self._pool.submit(self._run, token, spec)
        return token

    def _run(self, token: int, spec: Any) -> None:
        from playground.data.loading import load_dataset
        from ui.run.errors import error_line

        with self._lock:
            if token != self._token:
                return  # superseded before it started
        try:
            dataset, error = load_dataset(spec), ""
        except Exception as exc:  # shown as one line in the panel
            dataset, error = None, error_line(exc)
        self._done.emit(token, dataset, error)

    @Slot(int, object, str)
    def _deliver(self, token: int, dataset: Any, error: str) -> None:
        if token == self._token:
            self.loaded.emit(token, dataset, error)

    def shutdown(self) -> None:
        """Drop pending requests and join the thread."""
        with self._lock:
            self._token += 1
            self._closed = True
        self._pool.shutdown(wait=True, cancel_futures=True)


def summary_parts(dataset: Any) -> tuple[int, str, str, str]:
    """(total, "480 train, 120 test", "(2,)", "2 classes") of a dataset."""
    parts = [("train", len(dataset.train)), ("val", len(dataset.val)),
             ("test", len(dataset.test))]
    total = sum(n for _, n in parts)
    split = ", ".join(f"{n} {name}" for name, n in parts if n)
    dims = dataset.input_shape
    shape = "(" + ", ".join(str(d) for d in dims) + ("," if len(dims) == 1 else "") + ")"
    if dataset.info.target == "class":
        target = f"{dataset.n_classes} classes"
    elif dataset.info.target == "regression":
        target = f"targets {dataset.target_shape}"
    else:
        target = "no targets"
    return total, split, shape, target


def summary(dataset: Any) -> str:
    """"600 samples (480 train, 120 test), input (2,), 2 classes"."""
    total, split, shape, target = summary_parts(dataset)
    return f"{total} samples ({split}), input {shape}, {target}"


def all_x(dataset: Any) -> tuple[np.ndarray, np.ndarray | None]:
    """Every sample's inputs and targets, train then val then test."""
    splits = [s for s in (dataset.train, dataset.val, dataset.test) if len(s)]
    x = np.concatenate([s.x for s in splits])
    ys = [s.y for s in splits if s.y is not None]
    y = np.concatenate(ys) if len(ys) == len(splits) else None
    return x, y


def mosaic(images: np.ndarray, columns: int) -> np.ndarray:
    """(n, H, W) or (n, H, W, 3) images in a grid with 1-pixel NaN gaps, row 0 at the top."""
    n, h, w = images.shape[:3]
    rows = math.ceil(n / columns)
    out = np.full((rows * (h + 1) - 1, columns * (w + 1) - 1, *images.shape[3:]), np.nan,
                  np.float32)
    for i, image in enumerate(images):
        r, c = divmod(i, columns)
        out[r * (h + 1):r * (h + 1) + h, c * (w + 1):c * (w + 1) + w] = image
    return out


def as_images(x: np.ndarray) -> np.ndarray | None:
    """(n, H, W, 3) colour images from (n, 3, H, W); (n, H, W) grey ones from other
    (n, C, H, W), (n, H, W) or square-flattened (n, H*W)."""
    if x.ndim == 4 and x.shape[1] == 3:
        return x.transpose(0, 2, 3, 1)
    if x.ndim == 4:
        return x.mean(axis=1)
    if x.ndim == 3:
        return x
    if x.ndim == 2:
        side = int(round(math.sqrt(x.shape[1])))
        if side * side == x.shape[1]:
            return x.reshape(len(x), side, side)
    return None


class DataPreview(QWidget):
    """A plot (or a text sample) summarising a dataset.

    It asks for :data:`WANTED_HEIGHT` pixels at least, and makes do with the room left in
    its panel (:meth:`fit_room`, down to :data:`LEAST_HEIGHT`): a whole small picture
    rather than the top of a cut one at 1366x768.
    """

    WANTED_HEIGHT, LEAST_HEIGHT = 160, 120

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setMinimumHeight(self.WANTED_HEIGHT)
        #: Pixels left for the preview in its panel's visible area (None: not known).
        self.room: int | None = None
        self._stack = QStackedWidget()
        self.message = QLabel("No data", alignment=Qt.AlignmentFlag.AlignCenter,
                              wordWrap=True)
        self._stack.addWidget(self.message)
        self.plot_widget: Any = None
        self.kind = ""
        #: (height / width, pixels of frame) of a picture drawn to scale (an image mosaic, a
        #: plane of points), None for the others: the preview is no taller than the picture at
        #: its width, or a tall panel centres it out of sight.
        self._to_scale: tuple[float, int] | None = None
        # A resize refits the height a moment later, not inside its own resizeEvent: a
        # maximum set there resizes the plot re-entrantly (pyqtgraph crashed the process).
        self._fit_later = QTimer(self, singleShot=True, interval=0)
        self._fit_later.timeout.connect(self._fit_height)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        # Centred: a picture to scale that the room left short is as narrow as it is drawn.
        self._stack.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        layout.addWidget(self._stack, 1, Qt.AlignmentFlag.AlignHCenter)

    def _plot(self) -> Any:
        if self.plot_widget is None:
            from ui.views.plotting import plot_widget
            self.plot_widget = plot_widget(self)
            self.plot_widget.setMenuEnabled(False)
            self.plot_widget.hideButtons()
            self._stack.addWidget(self.plot_widget)
        item = self.plot_widget.getPlotItem()
        item.clear()
        self._to_scale = None
        self._fit_height()
        item.showAxis("left")
        item.showAxis("bottom")
        item.getViewBox().setAspectLocked(False)
        item.getViewBox().invertY(False)
        self._stack.setCurrentWidget(self.plot_widget)
        return item

    def show_message(self, text: str) -> None:
        """Show ``text`` instead of a plot."""
        self.kind = ""
        self.message.setText(text)
        self._stack.setCurrentWidget(self.message)

    def refresh_theme(self) -> None:
        """Recreate the plot in the current palette's colours."""
        if self.plot_widget is not None:
            self._stack.removeWidget(self.plot_widget)
            self.plot_widget.deleteLater()
            self.plot_widget = None

    def show_dataset(self, dataset: Any) -> None:
        """Draw ``dataset`` according to its kind."""
        kind = dataset.info.kind
        self.kind = kind
        x, y = all_x(dataset)
        if kind == "image":
            images = as_images(x)
            if images is not None:
                self._images(images[:GRID_IMAGES])
                return
        if kind == "series":
            self._series(dataset, x)
            return
        if kind == "text":
            self._text(dataset, x)
            return
        flat = x.reshape(len(x), -1)
        if flat.shape[1] == 1 and dataset.info.target != "regression":
            self._histogram(dataset, flat[:, 0], y)
            return
        self._scatter(dataset, flat, y)

    def _histogram(self, dataset: Any, values: np.ndarray, y: np.ndarray | None) -> None:
        """One number per sample: its distribution as a density histogram, one per class
        (a GAN's real data, a classifier's scores)."""
        import pyqtgraph as pg

        from ui.views.colors import BLUE, class_color

        plot = self._plot()
        values = np.asarray(values, np.float64)
        finite = values[np.isfinite(values)]
        lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
        edges = np.linspace(lo, hi if hi > lo else lo + 1.0, 31)
        groups = [(None, values, BLUE)]
        if y is not None and dataset.info.target == "class":
            labels = np.asarray(y).reshape(len(y), -1)[:, 0].astype(int)
            groups = [(k, values[labels == k], class_color(int(k))) for k in np.unique(labels)]
        names = dataset.info.class_names
        for k, part, color in groups:
            density, _ = np.histogram(part, bins=edges, density=True)
            name = None if k is None else (names[k] if k < len(names) else f"class {k}")
            plot.addItem(pg.PlotCurveItem(edges, density, stepMode="center", fillLevel=0,
                                          brush=pg.mkBrush(*color, 90), pen=pg.mkPen(color),
                                          name=name))
        feature = dataset.info.feature_names
        plot.setLabel("bottom", feature[0] if feature else "value")
        plot.setLabel("left", "density")

    def _scatter(self, dataset: Any, x: np.ndarray, y: np.ndarray | None) -> None:
        import pyqtgraph as pg

        from ui.views.colors import BLUE, class_color

        plot = self._plot()
        if len(x) > MAX_POINTS:  # an even subsample keeps the picture and the cost bounded
            idx = np.linspace(0, len(x) - 1, MAX_POINTS).astype(int)
            x, y = x[idx], None if y is None else y[idx]
        px = x[:, 0]
        py = x[:, 1] if x.shape[1] > 1 else (np.zeros(len(x)) if y is None
                                             else y.reshape(len(y), -1)[:, 0])
        if y is not None and dataset.info.target == "class":
            brushes = [pg.mkBrush(*class_color(int(k)), 220) for k in y]
        elif y is not None and x.shape[1] > 1:
            from ui.views.colors import is_dark, map_colors, symmetric_levels
            v = y.reshape(len(y), -1)[:, 0].astype(np.float64)
            rgba = map_colors(v - v.mean(), "signed", symmetric_levels(v - v.mean()),
                              is_dark(self))
            brushes = [pg.mkBrush(*c[:3], 220) for c in rgba]
        else:
            brushes = pg.mkBrush(*BLUE, 200)
        plot.addItem(pg.ScatterPlotItem(px, py, size=5, pen=pg.mkPen(255, 255, 255, 120),
                                        brush=brushes))
        names = dataset.info.feature_names
        plot.setLabel("bottom", names[0] if names else "feature 1")
        plot.setLabel("left", names[1] if len(names) > 1 else
                      ("feature 2" if x.shape[1] > 1 else "target"))
        # A plane of two coordinates is drawn to scale: a circle stays a circle.
        plot.getViewBox().setAspectLocked(dataset.info.kind == "points2d")
        if dataset.info.kind == "points2d":
            width, height = float(np.ptp(px)), float(np.ptp(py))
            if width > 0 and height > 0:
                self._to_scale = (height / width, AXES_MARGIN)
                self._fit_height()

    def _images(self, images: np.ndarray) -> None:
        import pyqtgraph as pg

        from ui.views.colors import show_heatmap, show_rgb

        plot = self._plot()
        plot.setLabel("bottom", "")
        plot.setLabel("left", "")
        plot.hideAxis("left")  # after the labels: setLabel shows its axis again
        plot.hideAxis("bottom")
        plot.getViewBox().setAspectLocked(True)
        plot.getViewBox().invertY(True)
        columns = max(1, min(8, len(images)))
        grid = mosaic(images.astype(np.float32), columns)
        lo, hi = float(np.nanmin(grid)), float(np.nanmax(grid))
        item = pg.ImageItem(axisOrder="row-major")
        if grid.ndim == 3:  # colour: one scale for the three channels
            show_rgb(item, grid, (lo, hi))
        else:
            show_heatmap(item, grid, "grey", (lo, hi if hi > lo else lo + 1))
        plot.addItem(item)
        self._to_scale = (grid.shape[0] / grid.shape[1], MOSAIC_MARGIN)
        self._fit_height()

    def fit_room(self, room: int) -> None:
        """Take at most ``room`` pixels of height when that is at least :data:`LEAST_HEIGHT`."""
        self.room = room
        least = max(self.LEAST_HEIGHT, min(self.WANTED_HEIGHT, room))
        if least != self.minimumHeight():
            self.setMinimumHeight(least)
        self._fit_height()

    def _fit_height(self) -> None:
        """A picture drawn to scale: its height at the preview's width (plus its frame),
        no more than the room left for it; any height for the other kinds."""
        most, widest = QWIDGETSIZE_MAX, QWIDGETSIZE_MAX
        if self._to_scale is not None:
            aspect, frame = self._to_scale
            most = int((self.width() - frame) * aspect) + frame
            if self.room is not None and self.room < most:
                most = max(self.minimumHeight(), self.room)
                widest = int((most - frame) / max(aspect, 1e-6)) + frame
            most = max(self.minimumHeight(), most)
        if most != self.maximumHeight():
            self.setMaximumHeight(most)
        if widest != self._stack.maximumWidth():
            self._stack.setMaximumWidth(widest)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt)
        """Keep a picture's height in step with the width (once the resize is over)."""
        super().resizeEvent(event)
        if self._to_scale is not None:
            self._fit_later.start()

    def _series(self, dataset: Any, x: np.ndarray) -> None:
        import pyqtgraph as pg

        from ui.views.colors import BLUE

        plot = self._plot()
        series = dataset.meta.get("series")
        if series is None:
            series = x.reshape(len(x), -1)[:, -1]
        series = np.asarray(series, dtype=np.float64)
        plot.addItem(pg.PlotDataItem(np.arange(len(series)), series,
                                     pen=pg.mkPen(BLUE, width=1.6)))
        plot.setLabel("bottom", "time step")
        plot.setLabel("left", dataset.meta.get("units") or "value")

    def _text(self, dataset: Any, x: np.ndarray) -> None:
        vocab = dataset.meta.get("vocab") or dataset.info.class_names
        sample = "".join(str(vocab[int(i)]) if int(i) < len(vocab) else "?" for i in x[0])
        shown = " ".join(dataset.info.class_names[:120])  # the vocabulary, spaces as ␣
        more = " …" if len(dataset.info.class_names) > 120 else ""
        self.show_message(f"Vocabulary of {len(vocab)} characters:\n{shown}{more}\n\n"
                          f"A window:\n“{sample}”")
        self.kind = "text"


if __name__ == "__main__":
    from PySide6.QtWidgets import QApplication

    from playground.data.loading import load_dataset
    from playground.data.spec import parse_data_spec

    app = QApplication([])
    preview = DataPreview()
    preview.show_dataset(load_dataset(parse_data_spec({"type": "spiral", "seed": 0})))
    preview.resize(360, 300)
    preview.show()
    app.exec()
