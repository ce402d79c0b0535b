"""Generated object photographs: an offline stand-in for CIFAR-10's ten classes.

The ``shapes`` set is a clean outline on a flat background: a CNN gets it all
right, so the books' CIFAR-10 experiments on it look nothing like the books'
(100% instead of 75%, no gap between training and validation). ``objects``
draws CIFAR-10's ten classes (:mod:`playground.data.objects_draw`) the way a
32x32 photograph shows them:

* **pose**: each object is turned (up to ``rotation`` degrees), mirrored half
  the time, scaled to fill 50-95% of the frame, stretched a little and moved off
  centre, so parts may leave the frame;
* **colour**: body colours come from families (greys, browns, greens, vivid
  paints) that each class prefers (frogs green or brown, cars any vivid paint),
  and backgrounds from scenes each class prefers (sky behind planes, water
  under ships, grass under deer); with probability ``1 - context`` both are
  drawn from every family instead, so colour alone cannot name the class;
* **texture**: stripes, spots or mottling on the body, shading from the top,
  wavy low-frequency light over the background;
* **clutter and occlusion**: ``clutter`` distractor shapes on average (some
  behind the object, some in front) and, with probability ``occlusion``, an
  occluder over part of the object;
* sensor **noise**.

How hard it is depends on those settings. On the defaults
(clutter 2, occlusion 0.3, context 0.6) the three-layer CNN of ``dlpi-4-cnn-filters``
reached only 0.33 test accuracy after 8 epochs of 2,400 pictures (measured, see that
preset's notes). The two CNN presets, ``dlpi-4-cnn-filters`` (250 per class, 20% test)
and ``dl4b-12-cnn-filters`` (400 per class, 20% validation), take the easiest settings:
clutter 0, occlusion 0, context 1 (class colours and scenes always), with the default
rotation 20, noise 0.03, 32x32 RGB. On those the books' networks reach the books'
CIFAR-10 accuracies (the presets check test accuracy 0.75 +- 0.1 after 1,200 steps and
validation accuracy 0.77 +- 0.1 after 1,600, each with training accuracy above it) in
1-2% of the books' CIFAR-10 steps: far easier than CIFAR-10, yet a colour or
pixel-template baseline gets only 0.22-0.26 of them right
(``tests/presets/test_cnn_substitute.py``).

Generation is vectorised over chunks of images of one class, so memory stays
proportional to the output (a few chunk-sized temporaries besides the result);
3000 images of 32x32 take well under a second.
"""

from __future__ import annotations

import numpy as np

from playground.data.base import Arrays, DatasetInfo, DatasetType, register_dataset
from playground.data.objects_draw import DRAWINGS, JITTERS
from playground.params import bool_param, float_param, int_param

CLASSES = tuple(DRAWINGS)

#: Colour families as HSV boxes: (hue low, high, saturation low, high, value low, high).
FAMILIES = {
    "grey": (0.0, 1.0, 0.0, 0.15, 0.3, 0.95),
    "brown": (0.03, 0.11, 0.35, 0.8, 0.2, 0.65),
    "vivid": (0.0, 1.0, 0.55, 1.0, 0.4, 1.0),
    "green": (0.18, 0.4, 0.35, 0.9, 0.2, 0.65),
    "sky": (0.53, 0.63, 0.15, 0.6, 0.6, 1.0),
    "water": (0.5, 0.65, 0.35, 0.85, 0.25, 0.6),
    "sand": (0.07, 0.15, 0.15, 0.5, 0.45, 0.85),
    "indoor": (0.0, 1.0, 0.0, 0.35, 0.2, 0.85),
    "dark": (0.0, 1.0, 0.0, 0.4, 0.03, 0.3),
    "orange": (0.05, 0.14, 0.6, 1.0, 0.6, 1.0),
}
_ANY = tuple(FAMILIES)
_BOXES = np.asarray([FAMILIES[f] for f in _ANY])  # (families, 6)

#: class -> (body families, background scenes, detail family); families are drawn uniformly.
PRIORS = {
    "airplane": (("grey", "grey", "vivid"), ("sky", "sky", "sand"), "dark"),
    "automobile": (("vivid", "vivid", "grey"), ("sand", "indoor"), "dark"),
    "bird": (("brown", "vivid", "grey"), ("sky", "green", "indoor"), "orange"),
    "cat": (("brown", "grey"), ("indoor", "indoor", "green", "sand"), "dark"),
    "deer": (("brown",), ("green", "green", "sand"), "brown"),
    "dog": (("brown", "brown", "grey"), ("indoor", "green", "sand"), "dark"),
    "frog": (("green", "brown"), ("green", "sand", "water"), "dark"),
    "horse": (("brown", "brown", "grey"), ("green", "sand"), "dark"),
    "ship": (("grey", "vivid"), ("water", "water", "sky"), "dark"),
    "truck": (("vivid", "grey"), ("sand", "indoor"), "dark"),
}

_LUMA = np.asarray([0.299, 0.587, 0.114], np.float32)
#: Images rendered at once (bounds the temporaries: a few (CHUNK, 3, size, size) arrays).
CHUNK = 256
#: Most distractor shapes in one image.
MAX_CLUTTER = 6


# -- colours ------------------------------------------------------------------------------------

def hsv_to_rgb(h: np.ndarray, s: np.ndarray, v: np.ndarray) -> np.ndarray:
    """(n,) hue, saturation, value in [0, 1] -> (n, 3) RGB in [0, 1]."""
    i = np.floor(h * 6.0).astype(np.int64) % 6
    f = h * 6.0 - np.floor(h * 6.0)
    p, q, t = v * (1 - s), v * (1 - f * s), v * (1 - (1 - f) * s)
    table = np.stack([np.stack(c, axis=-1) for c in
                      ((v, t, p), (q, v, p), (p, v, t), (p, q, v), (t, p, v), (v, p, q))])
    return table[i, np.arange(len(h))]


def draw_colours(families: tuple[str, ...], n: int, rng: np.random.Generator,
                 context: float = 1.0) -> np.ndarray:
    """(n, 3) colours, each from one of ``families`` (with probability ``context``, else
    from any family)."""
    chosen = np.asarray([_ANY.index(f) for f in families])[rng.integers(0, len(families), n)]
    loose = rng.random(n) >= context
    chosen[loose] = rng.integers(0, len(_ANY), int(loose.sum()))
    box = _BOXES[chosen]  # (n, 6)
    h, s, v = (rng.uniform(box[:, 2 * k], box[:, 2 * k + 1]) for k in range(3))
    return hsv_to_rgb(h, s, v).astype(np.float32)


# -- layers of a picture --------------------------------------------------------------------------

def _alpha(distance_px: np.ndarray) -> np.ndarray:
    """Anti-aliased coverage of a shape from its signed distance in pixels."""
    return np.clip(0.5 - distance_px, 0.0, 1.0)


def _paint(image: np.ndarray, alpha: np.ndarray, colour: np.ndarray) -> None:
    """Paint ``colour`` (n, 3) or (n, 3, H, W) over ``image`` (n, 3, H, W) with ``alpha``
    (n, H, W), in place: ``image += alpha * (colour - image)``."""
    if colour.ndim == 2:
        colour = colour[:, :, None, None]
    change = colour - image
    change *= alpha[:, None]
    image += change


def _uniform(rng: np.random.Generator, low: float, high: float, n: int) -> np.ndarray:
    """(n, 1, 1) float32 draws, to broadcast over (n, H, W) pixels."""
    return rng.uniform(low, high, (n, 1, 1)).astype(np.float32)


def _background(n: int, size: int, scenes: tuple[str, ...], p: dict,
                rng: np.random.Generator) -> np.ndarray:
    """(n, 3, H, W): a vertical gradient between two colours of a scene, with wavy light."""
    top = draw_colours(scenes, n, rng, p["context"])
    bottom = np.clip(top + rng.normal(0.0, 0.12, top.shape), 0, 1).astype(np.float32)
    t = (np.arange(size, dtype=np.float32) + 0.5) / size  # (H,)
    image = top[:, :, None, None] * (1 - t)[None, None, :, None] \
        + bottom[:, :, None, None] * t[None, None, :, None]  # (n, 3, H, 1)
    image = np.repeat(image, size, axis=3)
    x = np.arange(size, dtype=np.float32)
    angle = _uniform(rng, 0, np.pi, n)
    freq = _uniform(rng, 0.15, 0.5, n)
    waves = np.sin(freq * (x[None, None, :] * np.cos(angle) + x[None, :, None] * np.sin(angle))
                   + _uniform(rng, 0, 2 * np.pi, n))
    image *= (1.0 + rng.uniform(0.0, 0.15, (n, 1, 1, 1)) * waves[:, None]).astype(np.float32)
    return image


def _clutter(image: np.ndarray, count: np.ndarray, rng: np.random.Generator) -> None:
    """Paint ``count[i]`` random discs, bars and blocks of any colour on image i."""
    size = image.shape[-1]
    x = np.arange(size, dtype=np.float32) + 0.5
    for k in range(int(count.max(initial=0))):
        which = np.flatnonzero(count > k)  # the images that get a k-th shape
        n = len(which)
        du = x[None, None, :] - _uniform(rng, 0, size, n)
        dv = x[None, :, None] - _uniform(rng, 0, size, n)
        r = _uniform(rng, 0.06, 0.22, n) * size
        kind = rng.integers(0, 3, (n, 1, 1))
        angle = _uniform(rng, 0, np.pi, n)
        cos, sin = np.cos(angle), np.sin(angle)
        distance = np.where(
            kind == 0, np.hypot(du, dv) - r,
            np.where(kind == 1, np.maximum(np.abs(du) - r, np.abs(dv) - 0.6 * r),
                     np.maximum(np.abs(du * cos + dv * sin) - 1.6 * r,
                                np.abs(dv * cos - du * sin) - 0.2 * r)))
        part = image[which]
        _paint(part, _alpha(distance), draw_colours(_ANY, n, rng))
        image[which] = part


def _texture(u: np.ndarray, v: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """(n, H, W) brightness factor over the body: flat, stripes, spots or mottling, lit
    from the top."""
    n = len(u)
    kind = rng.integers(0, 4, (n, 1, 1))
    amp = _uniform(rng, 0.1, 0.35, n)
    freq = _uniform(rng, 6.0, 14.0, n)
    angle = _uniform(rng, 0, np.pi, n)
    stripes = np.sin(freq * (u * np.cos(angle) + v * np.sin(angle)))
    spots = np.sin(freq * u) * np.sin(freq * v)
    mottle = rng.random(u.shape, dtype=np.float32) * 2.0 - 1.0
    pattern = np.where(kind == 1, stripes, np.where(kind == 2, spots,
                                                     np.where(kind == 3, mottle, 0.0)))
    return ((1.0 + amp * pattern) * (1.0 - 0.15 * v)).astype(np.float32)


def _pose(n: int, size: int, p: dict, rng: np.random.Generator) -> tuple:
    """Object frame coordinates u, v (n, H, W) of every pixel, and the object's half
    size in pixels (n, 1, 1)."""
    half = _uniform(rng, 0.5, 0.95, n) * size / 2
    cx, cy = (size / 2 + _uniform(rng, -0.2, 0.2, n) * size for _ in range(2))
    turn = np.deg2rad(_uniform(rng, -p["rotation"], p["rotation"], n))
    mirror = np.where(rng.random((n, 1, 1)) < 0.5, -1.0, 1.0).astype(np.float32)
    stretch = _uniform(rng, 0.88, 1.12, n)
    x = np.arange(size, dtype=np.float32) + 0.5
    dx, dy = x[None, None, :] - cx, x[None, :, None] - cy
    cos, sin = np.cos(turn), np.sin(turn)
    u = (cos * dx + sin * dy) * (mirror / (half * stretch))
    v = (cos * dy - sin * dx) * (stretch / half)
    return u, v, half


def _occluder(image: np.ndarray, half: np.ndarray, p: dict, rng: np.random.Generator) -> None:
    """With probability ``occlusion``: a block or disc in a scene colour over part of the
    object (a branch, a fence post, another animal)."""
    n, _, size, _ = image.shape
    hit = (rng.random((n, 1, 1)) < p["occlusion"])
    x = np.arange(size, dtype=np.float32) + 0.5
    cx, cy = (size / 2 + _uniform(rng, -0.7, 0.7, n) * half for _ in range(2))
    r = _uniform(rng, 0.3, 0.55, n) * half
    du, dv = x[None, None, :] - cx, x[None, :, None] - cy
    disc = np.hypot(du, dv) - r
    tall = rng.random((n, 1, 1)) < 0.5  # a post or a beam
    block = np.where(tall, np.maximum(np.abs(du) - 0.35 * r, np.abs(dv) - 3 * r),
                     np.maximum(np.abs(du) - 3 * r, np.abs(dv) - 0.35 * r))
    shape = np.where(rng.random((n, 1, 1)) < 0.5, disc, block)
    _paint(image, _alpha(shape) * hit, draw_colours(_ANY, n, rng))


def render_objects(name: str, n: int, size: int, p: dict,
                   rng: np.random.Generator) -> np.ndarray:
    """Draw ``n`` pictures of class ``name``.

    Returns
    -------
    ndarray
        (n, 3, size, size) float32 RGB in [0, 1].
    """
    bodies, scenes, detail = PRIORS[name]
    image = _background(n, size, scenes, p, rng)
    count = np.minimum(rng.poisson(p["clutter"], n), MAX_CLUTTER)
    behind = rng.binomial(count, 0.7)
    _clutter(image, behind, rng)
    u, v, half = _pose(n, size, p, rng)
    jitter = rng.uniform(-1.0, 1.0, (n, JITTERS, 1, 1)).astype(np.float32)
    body, details = DRAWINGS[name](u, v, lambda k: jitter[:, k])
    colour = draw_colours(bodies, n, rng, p["context"])[:, :, None, None] \
        * _texture(u, v, rng)[:, None]
    _paint(image, _alpha(body * half), colour)
    _paint(image, _alpha(details * half), draw_colours((detail,), n, rng, p["context"]))
    _clutter(image, count - behind, rng)
    _occluder(image, half, p, rng)
    if p["noise"] > 0:
        image += rng.normal(0.0, p["noise"], image.shape).astype(np.float32)
    return np.clip(image, 0.0, 1.0, out=image)


def gen_objects(params: dict, rng: np.random.Generator) -> Arrays:
    """Images x (N, 3 or 1, size, size) in [0, 1] and labels y (N,), shuffled.

    Each chunk is written straight to its shuffled rows, so the only full-size
    array is the result.
    """
    size, per_class = params["size"], params["n_per_class"]
    names = CLASSES[:params["n_classes"]]
    channels = 1 if params["grayscale"] else 3
    total = per_class * len(names)
    rows = rng.permutation(total)  # where the k-th drawn image goes: classes interleaved
    x = np.empty((total, channels, size, size), dtype=np.float32)
    y = np.empty(total, dtype=np.int64)
    at = 0
    for label, name in enumerate(names):
        for start in range(0, per_class, CHUNK):
            n = min(CHUNK, per_class - start)
            chunk = render_objects(name, n, size, params, rng)
            if channels == 1:  # ITU-R BT.601 luma
                chunk = np.tensordot(_LUMA, chunk, axes=([0], [1]))[:, None]
            x[rows[at:at + n]] = chunk
            y[rows[at:at + n]] = label
            at += n
    return Arrays(x, y)


def objects_info(params: dict) -> DatasetInfo:
    """Class names follow ``n_classes``."""
    return DatasetInfo("image", "class", CLASSES[:params["n_classes"]],
                       substitute="generated object pictures instead of CIFAR-10")


register_dataset(DatasetType(
    "objects", "Objects (CIFAR-10 stand-in)", "Images",
    (int_param("size", 32, 16, 64, help="Image side in pixels (CIFAR-10: 32)."),
     int_param("n_per_class", 300, 1, 20_000, help="Images per class."),
     int_param("n_classes", 10, 2, len(CLASSES),
               help="Use the first k of: " + ", ".join(CLASSES) + "."),
     float_param("clutter", 2.0, 0.0, 6.0,
                 help="Distractor shapes per image on average (some in front of the object)."),
     float_param("occlusion", 0.3, 0.0, 1.0,
                 help="Probability that a block or disc hides part of the object."),
     float_param("rotation", 20.0, 0.0, 180.0, help="Largest turn of an object, in degrees."),
     float_param("context", 0.6, 0.0, 1.0,
                 help="Probability that colours and background follow the class's "
                      "preferences (frogs green, ships on water); else any colour."),
     float_param("noise", 0.03, 0.0, 1.0, help="Standard deviation of Gaussian pixel noise."),
     bool_param("grayscale", False, help="One luma channel instead of RGB.")),
    gen_objects, objects_info,
    "Pictures of CIFAR-10's ten classes drawn from parts, with pose, colour, texture, "
    "clutter and occlusion: a CIFAR-10 stand-in. The defaults are hard for a small CNN; "
    "the CNN presets turn clutter and occlusion off so a one-minute run reaches the "
    "books' CIFAR-10 accuracy."))
