"""Generated grayscale images of simple shapes: an offline stand-in for MNIST/CIFAR.

Every image is drawn from a signed distance function: for each pixel centre we
compute how far (in pixels) it lies inside or outside the shape and map that to
an anti-aliased intensity ``clip(0.5 - distance, 0, 1)``. All images of a class
are drawn at once on (n, H, W) arrays, so 2000 images of 16x16 take a few
milliseconds.
"""

from __future__ import annotations

import numpy as np

from playground.data.base import Arrays, DatasetInfo, DatasetType, Footprint, register_dataset
from playground.params import bool_param, float_param, int_param

SHAPE_CLASSES = ("circle", "square", "triangle", "cross", "horizontal bar", "vertical bar")

# Half-thickness of bars and of the cross's arms, in units of the shape's half size.
_BAR = 0.25
# The triangle's apex (0, -0.9) and base corners (+-0.9, 0.8), y pointing down.
_TRI_SLOPE = 0.9 / 1.7
_TRI_NORM = float(np.hypot(1.0, _TRI_SLOPE))


def _bar_distance(along: np.ndarray, across: np.ndarray) -> np.ndarray:
    return np.maximum(np.abs(along) - 0.9, np.abs(across) - _BAR)


def shape_distance(name: str, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Signed distance (negative inside) to a unit-size shape.

    Parameters
    ----------
    name : str
        One of :data:`SHAPE_CLASSES`.
    u, v : ndarray
        Pixel coordinates relative to the shape's centre, divided by its half size;
        ``v`` points down. Any (broadcast) shape, e.g. (n, H, W).

    Returns
    -------
    ndarray
        Distance in the same units; multiply by the half size for pixels.
    """
    if name == "circle":
        return np.sqrt(u * u + v * v) - 0.9
    if name == "square":
        return np.maximum(np.abs(u), np.abs(v)) - 0.75
    if name == "triangle":
        side = (np.abs(u) - _TRI_SLOPE * (v + 0.9)) / _TRI_NORM
        return np.maximum(v - 0.8, side)
    if name == "cross":
        return np.minimum(_bar_distance(u, v), _bar_distance(v, u))
    if name == "horizontal bar":
        return _bar_distance(u, v)
    if name == "vertical bar":
        return _bar_distance(v, u)
    raise ValueError(f"unknown shape {name!r}")


def _placements(n: int, size: int, jitter: bool, rng: np.random.Generator) -> tuple:
    """Centre (cx, cy) and half size s per image, each (n,), in pixels.

    With jitter the half size varies in [0.25, 0.45] * size and the centre moves
    anywhere the shape still fits; without, every shape is centred at 0.4 * size.
    """
    if not jitter:
        s = np.full(n, 0.4 * size)
        c = np.full(n, size / 2)
        return c, c.copy(), s
    s = rng.uniform(0.25, 0.45, n) * size
    room = size / 2 - s  # how far the centre may move and keep the shape inside
    cx = size / 2 + rng.uniform(-1, 1, n) * room
    cy = size / 2 + rng.uniform(-1, 1, n) * room
    return cx, cy, s


def render_shapes(name: str, n: int, size: int, jitter: bool,
                  rng: np.random.Generator) -> np.ndarray:
    """Draw ``n`` images of one shape class.

    Returns
    -------
    ndarray
        (n, size, size) float32 in [0, 1], before noise.
    """
    cx, cy, s = _placements(n, size, jitter, rng)
    grid = np.arange(size, dtype=np.float32) + 0.5  # pixel centres
    s3 = s[:, None, None].astype(np.float32)
    u = (grid[None, None, :] - cx[:, None, None].astype(np.float32)) / s3  # (n, 1, W)
    v = (grid[None, :, None] - cy[:, None, None].astype(np.float32)) / s3  # (n, H, 1)
    dist = shape_distance(name, u, v) * s3  # (n, H, W), pixels
    return np.clip(0.5 - dist, 0.0, 1.0).astype(np.float32)


def gen_shapes(params: dict, rng: np.random.Generator) -> Arrays:
    """Images x (N, 1, size, size) in [0, 1] and labels y (N,), shuffled."""
    size, per_class = params["size"], params["n_per_class"]
    names = SHAPE_CLASSES[:params["n_classes"]]
    images = np.empty((per_class * len(names), size, size), np.float32)  # (N, H, W)
    for k, name in enumerate(names):  # drawn in place: no list of arrays to concatenate
        images[k * per_class:(k + 1) * per_class] = render_shapes(name, per_class, size,
                                                                  params["jitter"], rng)
    if params["noise"] > 0:
        # Drawn a block of images at a time: the same numbers as one draw of the whole
        # (N, H, W) array, without its float64 copy (8 bytes per pixel).
        for start in range(0, len(images), _NOISE_BLOCK):
            block = images[start:start + _NOISE_BLOCK]
            block += rng.normal(0.0, params["noise"], block.shape).astype(np.float32)
        np.clip(images, 0.0, 1.0, out=images)
    labels = np.repeat(np.arange(len(names), dtype=np.int64), per_class)
    order = rng.permutation(len(labels))  # interleave classes, so any prefix is balanced-ish
    return Arrays(images[order, None], labels[order])


#: Bytes per pixel while shapes are drawn, noised, shuffled and split (measured: about 9).
SHAPES_BYTES = 14
_NOISE_BLOCK = 1024  # images per noise draw


def shapes_footprint(params: dict) -> list[Footprint]:
    """All the images at once, with the drawing's and the noise's temporaries."""
    count = params["n_per_class"] * params["n_classes"]
    pixels = count * params["size"] ** 2
    return [Footprint(pixels * SHAPES_BYTES, f"{count:,} images of {params['size']} x "
                                            f"{params['size']} pixels", "n_per_class")]


def shapes_info(params: dict) -> DatasetInfo:
    """Class names follow ``n_classes``."""
    return DatasetInfo("image", "class", SHAPE_CLASSES[:params["n_classes"]],
                       substitute="generated shapes instead of MNIST/CIFAR")


register_dataset(DatasetType(
    "shapes", "Shapes", "Images",
    (int_param("size", 16, 8, 64, help="Image side in pixels."),
     int_param("n_per_class", 300, 1, 20_000, help="Images per class."),
     int_param("n_classes", 6, 2, len(SHAPE_CLASSES),
               help="Use the first k of: " + ", ".join(SHAPE_CLASSES) + "."),
     float_param("noise", 0.1, 0.0, 1.0, help="Standard deviation of Gaussian pixel noise."),
     bool_param("jitter", True, help="Random position and size; off: centred, fixed size.")),
    gen_shapes, shapes_info,
    "Grayscale images of simple shapes (circle, square, triangle, cross, bars): a small, "
    "fast image set for convolutional networks.", footprint=shapes_footprint))
