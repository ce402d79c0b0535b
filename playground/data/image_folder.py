"""The ``image_folder`` dataset: a folder with one subfolder of PNG/JPEG images per class.

::

    flowers/
        daisy/  001.png  002.jpg ...
        rose/   a.jpeg ...

Class names are the subfolder names, sorted; every image is converted to
grayscale or RGB, resized to ``size`` x ``size`` (aspect ratio not kept:
bilinear squash) and scaled to [0, 1], giving x (N, C, size, size). Hidden
files and files with other extensions are skipped. Images are decoded with
Pillow, imported only when a folder is read. Errors name the bad file
(``rose/a.jpeg: cannot read this image (...)``).
"""

from __future__ import annotations

import os
import warnings

import numpy as np

from playground.data.base import Arrays, DatasetInfo, DatasetType, register_dataset
from playground.errors import DataError
from playground.limits import budget_problem
from playground.params import choice_param, int_param, str_param

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")
MAX_IMAGES = 200_000
MAX_CLASSES = 1000


def scan_image_folder(path: str) -> list[tuple[str, list[str]]]:
    """(class name, sorted image file paths) per class subfolder, classes sorted.

    For the import dialog's preview as well as for loading.

    Raises
    ------
    DataError
        Not a folder, no class subfolders, an empty class, too many images.
    """
    if not path:
        raise DataError("no folder chosen", "data.params.path")
    root = os.path.expanduser(path)
    name = os.path.basename(os.path.normpath(root)) or root
    if not os.path.isdir(root):
        raise DataError(f"folder not found: {root}", name)
    entries = sorted(e for e in os.listdir(root) if not e.startswith("."))
    classes = [e for e in entries if os.path.isdir(os.path.join(root, e))]
    if not classes:
        loose = [e for e in entries if e.lower().endswith(IMAGE_SUFFIXES)]
        hint = (f"; it holds {len(loose)} images directly: put them in one subfolder per class"
                if loose else "")
        raise DataError(f"no class subfolders (expected one folder of images per class){hint}",
                        name)
    if len(classes) > MAX_CLASSES:
        raise DataError(f"{len(classes)} class folders; at most {MAX_CLASSES}", name)
    found, total = [], 0
    for cls in classes:
        folder = os.path.join(root, cls)
        files = sorted(os.path.join(folder, f) for f in os.listdir(folder)
                       if not f.startswith(".") and f.lower().endswith(IMAGE_SUFFIXES)
                       and os.path.isfile(os.path.join(folder, f)))
        if not files:
            raise DataError("no PNG or JPEG images in this class folder", f"{name}/{cls}")
        total += len(files)
        if total > MAX_IMAGES:
            raise DataError(f"more than {MAX_IMAGES} images", name)
        found.append((cls, files))
    return found


def read_image(path: str, size: int, color: str) -> np.ndarray:
    """One image as float32 (C, size, size) in [0, 1]; C is 1 (grayscale) or 3 (rgb).

    Raises
    ------
    DataError
        Naming the file (class folder / file name) when it cannot be decoded.
    """
    image_mod = _pillow()
    where = os.path.join(os.path.basename(os.path.dirname(path)), os.path.basename(path))
    try:
        with warnings.catch_warnings():
            # A decompression-bomb warning becomes an error: a huge image is refused.
            warnings.simplefilter("error", image_mod.DecompressionBombWarning)
            with image_mod.open(path) as im:
                im = im.convert("L" if color == "grayscale" else "RGB")
                im = im.resize((size, size), image_mod.Resampling.BILINEAR)
                pixels = np.asarray(im, dtype=np.float32) / 255.0
    except (image_mod.UnidentifiedImageError, image_mod.DecompressionBombWarning,
            image_mod.DecompressionBombError, OSError, ValueError, SyntaxError) as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DataError(f"cannot read this image ({reason})", where) from None
    return pixels[None] if pixels.ndim == 2 else pixels.transpose(2, 0, 1)


def _pillow():
    try:
        from PIL import Image
    except ImportError:
        raise DataError("reading image folders needs Pillow: pip install Pillow") from None
    return Image


def gen_image_folder(params: dict, rng: np.random.Generator) -> Arrays:
    """Every image of the folder: x (N, C, size, size), y (N,) class indices."""
    classes = scan_image_folder(params["path"])
    size, color = params["size"], params["color"]
    channels = 1 if color == "grayscale" else 3
    total = sum(len(files) for _, files in classes)
    # Checked before decoding: np.empty of 600 GB would not fail at once.
    problem = budget_problem(total * channels * size * size * 4,
                             f"{total:,} images of {channels} x {size} x {size} as float32")
    if problem is not None:
        raise DataError(f"{problem}: choose a smaller size or fewer images",
                        os.path.basename(os.path.normpath(params["path"])))
    x = np.empty((total, channels, size, size), np.float32)
    y = np.empty(total, np.int64)
    i = 0
    for label, (_, files) in enumerate(classes):
        for path in files:
            x[i] = read_image(path, size, color)
            y[i] = label
            i += 1
    return Arrays(x, y)


def _info(params: dict) -> DatasetInfo:
    try:
        names = tuple(cls for cls, _ in scan_image_folder(params["path"]))
    except (DataError, OSError):
        names = ()  # no folder chosen yet, or unreadable: the data panel still asks
    return DatasetInfo("image", "class", names)


register_dataset(DatasetType(
    "image_folder", "Image folder", "Files",
    (str_param("path", "", help="A folder with one subfolder of PNG/JPEG images per class."),
     int_param("size", 28, 4, 512, help="Images are resized to size x size pixels."),
     choice_param("color", "grayscale", ("grayscale", "rgb"),
                  help="grayscale: 1 channel; rgb: 3 channels.")),
    gen_image_folder, _info,
    "Your own images: one subfolder per class (its name is the class), PNG or JPEG.",
    file_params=("path",)))
