"""Colours of the views: TensorFlow Playground's orange-white-blue scale, class and run palettes.

All image data is turned into RGBA here with numpy lookups (cheap at 100 x 100,
and it keeps NaN gaps of mosaics transparent), so ImageItems never need levels.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

#: TF Playground's colour scale: -1 orange (class 0 / negative), 0 near-white, +1 blue.
ORANGE = (245, 147, 34)
NEUTRAL = (232, 234, 235)
BLUE = (8, 119, 189)

#: Class colours: TF Playground's two first, then a tab10-like set.
CLASS_COLORS = [ORANGE, BLUE, (44, 160, 44), (214, 39, 40), (148, 103, 189), (140, 86, 75),
                (227, 119, 194), (127, 127, 127), (188, 189, 34), (23, 190, 207)]

#: Distinct line colours (optimizer racers, earlier runs).
LINE_COLORS = [(31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189),
               (140, 86, 75), (227, 119, 194), (127, 127, 127), (188, 189, 34),
               (23, 190, 207)]


def _ramp(stops: list[tuple[int, int, int]], n: int = 256) -> np.ndarray:
    """(n, 3) uint8 table interpolating evenly spaced colour ``stops``."""
    pos = np.linspace(0.0, 1.0, len(stops))
    t = np.linspace(0.0, 1.0, n)
    table = np.stack([np.interp(t, pos, [s[c] for s in stops]) for c in range(3)], axis=1)
    return np.round(table).astype(np.uint8)


SIGNED_LUT = _ramp([ORANGE, NEUTRAL, BLUE])
GREY_LUT = _ramp([(0, 0, 0), (255, 255, 255)])
#: Light surface colours: low values pale, high values a muted blue-grey (paths stand out).
SURFACE_LUT = _ramp([(255, 255, 255), (222, 235, 247), (158, 202, 225), (66, 146, 198),
                     (8, 69, 148)])
#: Sequential blues for confusion matrices.
BLUES_LUT = _ramp([(247, 251, 255), (107, 174, 214), (8, 48, 107)])


def class_color(k: int) -> tuple[int, int, int]:
    """Colour of class ``k`` (cycles past ten classes)."""
    return CLASS_COLORS[k % len(CLASS_COLORS)]


def line_color(i: int) -> tuple[int, int, int]:
    """The ``i``-th distinct line colour."""
    return LINE_COLORS[i % len(LINE_COLORS)]


def to_rgba(values: np.ndarray, lut: np.ndarray, lo: float, hi: float,
            background: tuple[int, int, int, int] = (0, 0, 0, 0)) -> np.ndarray:
    """Map ``values`` (H, W) linearly from [lo, hi] through ``lut``; NaN -> ``background``.

    Returns
    -------
    ndarray, shape (H, W, 4), uint8
    """
    v = np.asarray(values, dtype=np.float32)
    span = hi - lo if hi > lo else 1.0
    finite = np.isfinite(v)
    idx = np.clip((np.where(finite, v, lo) - lo) / span * (len(lut) - 1), 0, len(lut) - 1)
    rgba = np.empty((*v.shape, 4), np.uint8)
    rgba[..., :3] = lut[idx.astype(np.intp)]
    rgba[..., 3] = 255
    rgba[~finite] = background
    return rgba


def signed_rgba(signed: np.ndarray, discretize: bool = False) -> np.ndarray:
    """TF Playground colours for values in [-1, 1]; ``discretize`` keeps only the sign."""
    if discretize:
        signed = np.where(signed >= 0, 1.0, -1.0)
    return to_rgba(signed, SIGNED_LUT, -1.0, 1.0)


def class_rgba(predicted: np.ndarray, confidence: np.ndarray | None = None) -> np.ndarray:
    """Class colours of ``predicted`` (H, W), faded towards white where ``confidence`` is low."""
    table = np.asarray([class_color(k) for k in range(int(predicted.max()) + 1)], np.float32)
    rgb = table[predicted]
    if confidence is not None:
        c = np.asarray(confidence, np.float32)[..., None]
        rgb = np.asarray(NEUTRAL, np.float32) * (1.0 - c) + rgb * c
    rgba = np.empty((*predicted.shape, 4), np.uint8)
    rgba[..., :3] = np.round(rgb).astype(np.uint8)
    rgba[..., 3] = 255
    return rgba


def lighten(rgba: np.ndarray, amount: float) -> np.ndarray:
    """Blend an RGBA image towards white by ``amount`` (0: unchanged, 1: white).

    The boundary heatmap is drawn lighter than the data points, as in TF
    Playground, so points of the right class still stand out on their region.
    """
    out = rgba.copy()
    out[..., :3] = np.round(rgba[..., :3] * (1.0 - amount) + 255.0 * amount).astype(np.uint8)
    return out


def rgba_table(rgb: np.ndarray) -> np.ndarray:
    """(n, 3) uint8 colours as an opaque (n, 4) uint8 lookup table."""
    table = np.full((len(rgb), 4), 255, np.uint8)
    table[:, :3] = rgb
    return table


def lut_index(values: np.ndarray, lo: float, hi: float, n: int = 256,
              out: np.ndarray | None = None) -> np.ndarray:
    """Indices into an ``n``-entry table for ``values`` mapped linearly from [lo, hi], as
    :func:`to_rgba` computes them (NaN -> the middle entry)."""
    span = hi - lo if hi > lo else 1.0
    v = np.nan_to_num(np.asarray(values, np.float32), nan=(lo + hi) / 2)
    scaled = np.clip((v - lo) * ((n - 1) / span), 0, n - 1)
    if out is None:
        return scaled.astype(np.intp)
    np.copyto(out, scaled, casting="unsafe")
    return out


@lru_cache(maxsize=32)
def class_ramps(classes: int, amount: float = 0.0) -> np.ndarray:
    """(classes * 256, 4) uint8 table: entry ``k * 256 + c`` is class ``k``'s colour at
    confidence ``c / 255`` (faded to :data:`NEUTRAL` at 0, as :func:`class_rgba`),
    lightened by ``amount`` (:func:`lighten`)."""
    c = np.linspace(0.0, 1.0, 256, dtype=np.float32)[:, None]
    neutral = np.asarray(NEUTRAL, np.float32)
    ramps = [np.round(neutral * (1.0 - c) + np.asarray(class_color(k), np.float32) * c)
             for k in range(classes)]
    rgb = np.concatenate(ramps).astype(np.uint8)
    table = lighten(rgba_table(rgb)[None], amount)[0]
    table.flags.writeable = False  # shared by every caller (cached)
    return table

#: Outline of markers drawn on the pale heatmaps and surfaces (readable in both palettes).
MARKER = (30, 30, 30)
