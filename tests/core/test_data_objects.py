"""The generated object pictures (the CIFAR-10 stand-in): shapes, seeding, drawings, memory."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

from playground.data.base import DATASETS
from playground.data.loading import load_dataset
from playground.data.objects import CHUNK, CLASSES, hsv_to_rgb
from playground.data.objects_draw import DRAWINGS, JITTERS, box, capsule, circle, polygon
from playground.data.spec import parse_data_spec
from playground.params import resolve


def generate(seed: int = 0, **params):
    entry = DATASETS.get("objects")
    return entry.generate(resolve(entry.params, params, "data.params"),
                          np.random.default_rng(seed))


def test_cifar_like_pictures_seeded_and_balanced():
    a = generate(n_per_class=20)
    assert a.x.shape == (200, 3, 32, 32) and a.x.dtype == np.float32
    assert a.x.min() >= 0.0 and a.x.max() <= 1.0
    assert np.bincount(a.y).tolist() == [20] * 10
    assert len(set(a.y[:20].tolist())) > 3  # classes interleaved, not in blocks
    np.testing.assert_array_equal(a.x, generate(n_per_class=20).x)
    assert not np.array_equal(a.x, generate(1, n_per_class=20).x)
    grey = generate(n_per_class=5, n_classes=3, grayscale=True, size=16)
    assert grey.x.shape == (15, 1, 16, 16) and set(grey.y.tolist()) == {0, 1, 2}


def test_dataset_info_names_cifars_classes_and_the_substitution():
    ds = load_dataset(parse_data_spec({"type": "objects", "params": {"n_per_class": 10},
                                       "split": {"test": 0.2}}))
    assert ds.info.class_names == CLASSES and CLASSES[3] == "cat" and CLASSES[5] == "dog"
    assert "CIFAR-10" in ds.info.substitute and ds.input_shape == (3, 32, 32)
    assert len(ds.test) == 20


def test_primitives_are_signed_distances():
    u, v = np.array([0.0, 2.0]), np.array([0.0, 0.0])
    np.testing.assert_allclose(circle(u, v, 0, 0, 1), [-1.0, 1.0])
    np.testing.assert_allclose(box(u, v, 0, 0, 1, 0.5), [-0.5, 1.0])
    np.testing.assert_allclose(capsule(u, v, 0, -1, 0, 1, 0.5), [-0.5, 1.5])
    square = [(-1, -1), (1, -1), (1, 1), (-1, 1)]
    np.testing.assert_allclose(polygon(u, v, square), [-1.0, 1.0])
    np.testing.assert_allclose(polygon(u, v, square[::-1]), [-1.0, 1.0])  # either winding


@pytest.mark.parametrize("name", CLASSES)
def test_each_drawing_is_an_object_in_its_frame(name):
    """Every class covers a sizeable part of its unit frame, and mostly inside it."""
    grid = np.linspace(-1.5, 1.5, 61, dtype=np.float32)
    u, v = grid[None, None, :], grid[None, :, None]
    jitter = np.zeros((1, JITTERS, 1, 1), np.float32)
    body, details = DRAWINGS[name](u, v, lambda k: jitter[:, k])
    inside = (body < 0) | (details < 0)
    frame = (np.abs(u) <= 1.05) & (np.abs(v) <= 1.05)
    assert 0.1 < inside[0][frame[0]].mean() < 0.8
    assert inside[0][~frame[0]].mean() < 0.02
    assert (details < 0).any()


@pytest.mark.parametrize("name, partner", [("cat", "dog"), ("dog", "cat"),
                                           ("automobile", "truck"), ("deer", "horse")])
def test_cifars_confusable_pairs_look_alike(name, partner):
    """A cat's silhouette (jitter 0) overlaps a dog's more than any other class's."""
    grid = np.linspace(-1.0, 1.0, 41, dtype=np.float32)
    u, v = grid[None, None, :], grid[None, :, None]
    jitter = np.zeros((1, JITTERS, 1, 1), np.float32)
    masks = {k: draw(u, v, lambda i: jitter[:, i])[0][0] < 0 for k, draw in DRAWINGS.items()}

    def overlap(other):
        return (masks[name] & masks[other]).sum() / (masks[name] | masks[other]).sum()

    assert max((c for c in CLASSES if c != name), key=overlap) == partner


def test_hsv_to_rgb_primaries():
    rgb = hsv_to_rgb(np.array([0.0, 1 / 3, 2 / 3, 0.5]), np.array([1.0, 1.0, 1.0, 0.0]),
                     np.array([1.0, 1.0, 1.0, 0.5]))
    np.testing.assert_allclose(rgb, [[1, 0, 0], [0, 1, 0], [0, 0, 1], [0.5, 0.5, 0.5]],
                               atol=1e-12)


def test_memory_is_the_output_plus_a_bounded_chunk():
    overheads = []
    for n in (CHUNK, 4 * CHUNK):
        tracemalloc.start()
        tracemalloc.reset_peak()
        arrays = generate(n_per_class=n, n_classes=2)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        overheads.append(peak - arrays.x.nbytes - arrays.y.nbytes)
    assert max(overheads) < 32 * 2**20  # temporaries of one chunk, whatever the size
    assert overheads[1] < overheads[0] + 4 * 2**20


@pytest.mark.parametrize("preset_id", ["dlpi-4-cnn-filters", "dl4b-12-cnn-filters"])
def test_the_docs_say_what_the_cnn_presets_get(preset_id):
    """The module docstring states each CNN preset's settings (no claim of CIFAR-10's
    difficulty: the presets use the easiest settings), and the dataset's description in the
    app does not claim it either."""
    import playground.data.objects as objects
    from playground.project.presets import load_preset

    doc, entry = objects.__doc__, DATASETS.get("objects")
    params = load_preset(preset_id).data.params
    defaults = {p.name: p.default for p in entry.params}
    assert preset_id in doc and f"{params['n_per_class']} per class" in doc
    for name, value in params.items():
        if name != "n_per_class" and value != defaults[name]:
            assert f"{name} {value:g}" in doc, name
    assert "as hard" not in doc and "as hard" not in entry.doc
