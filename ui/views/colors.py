"""Colours of the views: class and line palettes, and the colour maps of every heatmap.

Every heatmap is a float image on a pyqtgraph ``ImageItem`` coloured through a
lookup table with levels (``ImageItem.setImage(values, lut=..., levels=...)``),
the table made from one of the ``ColorMap`` s below; :func:`color_bar` shows the
scale as a ``ColorBarItem``. Nothing here maps pixels to colours by hand. Colour pictures
(an RGB input, a first-layer filter) are their own colours: :func:`show_rgb` only scales
their three channels together.

Maps:

* ``signed``: TensorFlow Playground's orange (negative, class 0) through a
  neutral middle to blue (positive, class 1), for values centred on 0; used with
  symmetric levels (:func:`symmetric_levels`). Orange against blue stays apart
  for red-green colour-blind readers; the neutral middle follows the palette
  (near-white in light mode, dark grey in dark mode) so 0 reads as "nothing".
* ``grey``: black to white, for pictures (feature maps, samples).
* ``surface``: pale (low) to deep blue (high), for loss surfaces under paths (pale in
  the dark palette too: the markers and contours drawn on it stay dark).
* ``share``: a sequential blue for fractions in [0, 1] (confusion matrices).
* ``weights``: white to blue, for attention weights and probabilities in [0, 1].

The palettes avoid meaning carried by red against green alone: class colours
start with TF Playground's orange and blue and continue with Paul Tol's
colour-blind-safe "muted" set; line colours are the Okabe-Ito set.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

Rgb = tuple[int, int, int]

#: TF Playground's colour scale: -1 orange (class 0 / negative), +1 blue.
ORANGE: Rgb = (245, 147, 34)
BLUE: Rgb = (8, 119, 189)
#: The middle (value 0) of the signed map in the light and the dark palette.
NEUTRAL: Rgb = (232, 234, 235)
NEUTRAL_DARK: Rgb = (50, 53, 58)

#: Class colours: TF Playground's two first, then Paul Tol's muted set (colour-blind safe).
CLASS_COLORS: list[Rgb] = [ORANGE, BLUE, (17, 119, 51), (204, 102, 119), (51, 34, 136),
                           (221, 204, 119), (136, 204, 238), (136, 34, 85), (68, 170, 153),
                           (170, 68, 153)]

#: Distinct line colours (optimizer racers, earlier runs): Okabe and Ito's set, yellow darkened
#: to be seen on white, then a brown and a grey.
LINE_COLORS: list[Rgb] = [(0, 114, 178), (230, 159, 0), (0, 158, 115), (213, 94, 0),
                          (204, 121, 167), (86, 180, 233), (170, 150, 0), (140, 86, 75),
                          (120, 120, 120), (30, 30, 30)]

#: Outline of markers drawn on the pale heatmaps and surfaces (readable in both palettes).
MARKER: Rgb = (30, 30, 30)

#: How much the boundary heatmap is faded towards the neutral colour, so points of the
#: right class still stand out on their region (TF Playground draws it lighter too).
HEATMAP_FADE = 0.35


@dataclass(frozen=True)
class MapSpec:
    """A colour map: evenly spaced colour stops for the light palette and the dark one.

    Attributes
    ----------
    light, dark : tuple of RGB
        Stops from the lowest value to the highest.
    signed : bool
        A diverging map for values centred on 0: use symmetric levels.
    """

    light: tuple[Rgb, ...]
    dark: tuple[Rgb, ...]
    signed: bool = False


MAPS: dict[str, MapSpec] = {
    "signed": MapSpec((ORANGE, NEUTRAL, BLUE), (ORANGE, NEUTRAL_DARK, BLUE), signed=True),
    "grey": MapSpec(((0, 0, 0), (255, 255, 255)), ((0, 0, 0), (255, 255, 255))),
    # Pale in both palettes: the paths, start markers and contours on it keep one look.
    "surface": MapSpec(((255, 255, 255), (222, 235, 247), (158, 202, 225), (66, 146, 198),
                        (8, 69, 148)),
                       ((255, 255, 255), (222, 235, 247), (158, 202, 225), (66, 146, 198),
                        (8, 69, 148))),
    "share": MapSpec(((247, 251, 255), (107, 174, 214), (8, 48, 107)),
                     ((247, 251, 255), (107, 174, 214), (8, 48, 107))),
    "weights": MapSpec(((255, 255, 255), BLUE), ((255, 255, 255), BLUE)),
}


def is_dark(widget: Any) -> bool:
    """True when ``widget``'s palette has a dark base (the plots' background)."""
    from PySide6.QtGui import QPalette

    return widget.palette().color(QPalette.ColorRole.Base).lightness() < 128


def stops(name: str, dark: bool = False, fade: float = 0.0) -> np.ndarray:
    """(n, 3) float colour stops of map ``name``, faded by ``fade`` towards its middle stop
    (the neutral colour of a signed map)."""
    spec = MAPS[name]
    colors = np.asarray(spec.dark if dark else spec.light, np.float64)
    if fade:
        neutral = colors[len(colors) // 2]
        colors = colors * (1.0 - fade) + neutral * fade
    return colors


@lru_cache(maxsize=64)
def colormap(name: str, dark: bool = False, fade: float = 0.0) -> Any:
    """Map ``name`` as a ``pyqtgraph.ColorMap`` (cached: treat it as read-only)."""
    import pyqtgraph as pg

    colors = np.round(stops(name, dark, fade)).astype(np.uint8)
    return pg.ColorMap(np.linspace(0.0, 1.0, len(colors)), colors, name=name)


@lru_cache(maxsize=64)
def lookup_table(name: str, dark: bool = False, fade: float = 0.0, n: int = 256) -> np.ndarray:
    """(n, 4) uint8 lookup table of map ``name`` from its ColorMap (cached, read-only)."""
    table = colormap(name, dark, fade).getLookupTable(0.0, 1.0, n, alpha=True)
    table = np.ascontiguousarray(table, np.uint8)
    table.flags.writeable = False
    return table


def symmetric_levels(values: np.ndarray, floor: float = 1e-6) -> tuple[float, float]:
    """(-m, m) with m the largest finite |value| (at least ``floor``): 0 sits mid-map."""
    a = np.abs(np.asarray(values, np.float64))
    a = a[np.isfinite(a)]
    m = max(float(a.max()) if a.size else 0.0, floor)
    return -m, m


def steady_levels(current: tuple[float, float] | None, wanted: tuple[float, float],
                  slack: float = 0.8) -> tuple[float, float]:
    """``current`` while it still covers ``wanted`` and is not much looser, else ``wanted``.

    Weights and filters change a little every frame; re-ticking the colour bar each
    time costs more than the image. The image's levels are always the bar's, so the
    picture stays true to its scale.
    """
    if current is None:
        return wanted
    lo, hi = current
    span, want = hi - lo, wanted[1] - wanted[0]
    if lo <= wanted[0] and hi >= wanted[1] and want >= slack * span:
        return current
    return wanted


def show_heatmap(item: Any, values: np.ndarray, name: str, levels: tuple[float, float],
                 dark: bool = False, fade: float = 0.0) -> None:
    """Draw ``values`` (H, W; NaN transparent) on ImageItem ``item`` through map ``name``."""
    item.setImage(np.asarray(values, np.float32), lut=lookup_table(name, dark, fade),
                  levels=levels, autoLevels=False)


def rgba_picture(values: np.ndarray, levels: tuple[float, float]) -> np.ndarray:
    """A colour picture ``values`` (H, W, 3; channels red, green, blue; NaN in gaps) as
    (H, W, 4) uint8 RGBA: every channel scaled from ``levels`` to 0-255 on one scale (the
    colour balance is kept), clipped, and the gaps transparent like a heatmap's NaN."""
    lo, hi = levels
    span = hi - lo if hi > lo else 1.0
    values = np.asarray(values, np.float32)
    gap = np.isnan(values).any(axis=-1)  # (H, W)
    scaled = np.clip((np.nan_to_num(values, nan=lo) - lo) * np.float32(255.0 / span), 0, 255)
    out = np.empty((*values.shape[:2], 4), np.uint8)
    out[..., :3] = np.round(scaled).astype(np.uint8)
    out[..., 3] = np.where(gap, 0, 255)
    return out


def show_rgb(item: Any, values: np.ndarray, levels: tuple[float, float]) -> None:
    """Draw colour picture ``values`` (H, W, 3; NaN transparent) on ImageItem ``item``,
    its channels scaled from ``levels`` (see :func:`rgba_picture`), without a lookup table."""
    item.setImage(rgba_picture(values, levels), lut=None, levels=(0, 255), autoLevels=False)


@lru_cache(maxsize=32)
def class_ramps(classes: int, dark: bool = False, fade: float = 0.0) -> np.ndarray:
    """(classes * 256, 4) uint8 table: entry ``k * 256 + c`` is class ``k``'s colour at
    confidence ``c / 255``, from the neutral colour (unsure) to the class colour, each
    ramp a ColorMap's lookup table; faded by ``fade`` towards the neutral colour."""
    import pyqtgraph as pg

    neutral = np.asarray(NEUTRAL_DARK if dark else NEUTRAL, np.float64)
    ramps = []
    for k in range(classes):
        full = np.asarray(class_color(k), np.float64) * (1.0 - fade) + neutral * fade
        ramp = pg.ColorMap([0.0, 1.0], np.round([neutral, full]).astype(np.uint8))
        ramps.append(ramp.getLookupTable(0.0, 1.0, 256, alpha=True))
    table = np.ascontiguousarray(np.concatenate(ramps), np.uint8)
    table.flags.writeable = False
    return table


def map_colors(values: np.ndarray, name: str, levels: tuple[float, float],
               dark: bool = False) -> np.ndarray:
    """(n, 4) uint8 colours of ``values`` through map ``name`` (for scatter points)."""
    lo, hi = levels
    span = hi - lo if hi > lo else 1.0
    scaled = np.clip((np.asarray(values, np.float64) - lo) / span, 0.0, 1.0)
    return colormap(name, dark).map(scaled, mode="byte")


def color_bar(plot: Any, image: Any, name: str, levels: tuple[float, float],
              foreground: Any, dark: bool = False, fade: float = 0.0,
              label: str | None = None) -> Any:
    """A ``ColorBarItem`` for ``image`` right of ``plot``, coloured like it.

    The bar sets ``image``'s lookup table and levels and follows later level changes
    of the image (``image.setImage(..., levels=...)``), so the scale always tells the
    truth. Axis and frame are drawn in ``foreground`` (the palette's text colour).
    """
    import pyqtgraph as pg

    bar = pg.ColorBarItem(values=levels, colorMap=colormap(name, dark, fade), width=10,
                          interactive=False, colorMapMenu=False, label=label)
    for side in ("left", "right", "top", "bottom"):
        axis = bar.getAxis(side)
        axis.setPen(pg.mkPen(foreground))
        axis.setTextPen(pg.mkPen(foreground))
    bar.axis.enableAutoSIPrefix(False)
    # Ticks at the ends of the scale say what its ends mean: draw them even where they
    # reach past the bar by half a line.
    bar.axis.setStyle(hideOverlappingLabels=False)
    bar.axis.setWidth(42)
    bar.setImageItem(image, insert_in=plot)
    return bar


def set_bar_ticks(bar: Any, ticks: list[tuple[float, str]]) -> None:
    """Label colour bar ``bar`` with ``ticks`` ((value, text) pairs), its axis as wide as
    the longest text (pyqtgraph drops a label that does not fit)."""
    from PySide6.QtGui import QFontMetrics

    bar.axis.setTicks([ticks])
    font = bar.axis.style.get("tickFont")
    metrics = QFontMetrics(font) if font is not None else QFontMetrics(bar.axis.font())
    widest = max((metrics.horizontalAdvance(text) for _, text in ticks), default=0)
    bar.axis.setWidth(max(42, widest + 14))


def class_color(k: int) -> Rgb:
    """Colour of class ``k`` (cycles past ten classes)."""
    return CLASS_COLORS[k % len(CLASS_COLORS)]


def line_color(i: int) -> Rgb:
    """The ``i``-th distinct line colour."""
    return LINE_COLORS[i % len(LINE_COLORS)]


def contrast_text(rgb: Any) -> Rgb:
    """Black or white, whichever reads better on background ``rgb``."""
    r, g, b = (float(c) for c in list(rgb)[:3])
    luminance = 0.299 * r + 0.587 * g + 0.114 * b
    return (20, 20, 20) if luminance > 140 else (255, 255, 255)


def indexed_image(values: np.ndarray, name: str, levels: tuple[float, float],
                  dark: bool = False) -> Any:
    """``values`` (H, W) as an 8-bit indexed QImage whose colour table is map ``name``'s
    lookup table (Qt maps the indices; NaN takes the lowest level's colour).

    For small pictures outside a plot (thumbnails on nodes and in the neurons view).
    """
    from PySide6.QtGui import QImage

    index = level_indices(values, levels)
    h, w = index.shape
    image = QImage(index.data, w, h, w, QImage.Format.Format_Indexed8).copy()
    image.setColorTable(_color_table(name, dark))
    return image


def level_indices(values: np.ndarray, levels: tuple[float, float]) -> np.ndarray:
    """``values`` scaled from ``levels`` to 0-255 as contiguous uint8 (NaN -> 0, beyond the
    levels clipped): the rows of a 256-entry lookup table."""
    lo, hi = levels
    span = hi - lo if hi > lo else 1.0
    scaled = np.asarray(values, np.float32) - np.float32(lo)
    scaled *= np.float32(255.0 / span)
    np.clip(scaled, 0.0, 255.0, out=scaled)  # infinities clip to the ends
    scaled[np.isnan(scaled)] = 0.0
    return np.ascontiguousarray(scaled.astype(np.uint8))


@lru_cache(maxsize=16)
def _color_table(name: str, dark: bool) -> list[int]:
    """Map ``name``'s lookup table as QImage colour-table entries (0xAARRGGBB), made once."""
    return [int(0xFF000000 | (int(r) << 16) | (int(g) << 8) | int(b))
            for r, g, b, _ in _table_rgba(name, dark)]


@lru_cache(maxsize=16)
def _table_rgba(name: str, dark: bool) -> tuple[tuple[int, int, int, int], ...]:
    return tuple(tuple(int(c) for c in row) for row in lookup_table(name, dark))
