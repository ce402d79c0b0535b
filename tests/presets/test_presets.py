"""Every shipped preset: its file validates, and a headless run meets its ``expect``.

Presets whose default run takes more than about ten seconds on two cores are
marked ``slow`` (deselected by plain ``pytest``; ``.ci/run`` runs them too).
"""

import pytest

from playground.project.presets import load_preset, preset_paths
from playground.run.orchestrator import run_project

#: Preset ids whose default run is over ~10 s on a 2-core CPU (measured).
SLOW = {"dl4b-6-spirals-deep", "tfp-spiral", "tfp-reg-gauss", "ldl-9-rnn-forecast",
        "dl4b-5-perceptron-sweep", "dlpi-7-rbm-digits",
        # generative presets (tests/presets/test_generative_presets.py)
        "dlpi-7-cae-denoise", "dl4b-7-ae-latent", "dl4b-9-vae-digits", "dl4b-14-gan-digits",
        # training presets of issue 6 measured over ~10 s
        "launch-digits-regularization", "ldl-5-tweaks", "ldl-6-regression", "dl4b-12-cnn-filters",
        "dlpi-4-cnn-filters",
        # issue 18 (books, parts 2-3) measured over ~10 s
        "ldl-6-regularization-table", "launch-boston-kfold", "ldl-17-ae-outliers",
        "dlpi-9-bayes-regression", "ad3501-search", "dlpi-7-vae-imputation", "launch-denoise",
        "dl4b-13-lstm-ae", "ldl-10-cec-memory", "ad3501-sparse-ae", "ldl-2-pattern-3x3",
        # the text family (issue 18): a two-block transformer, ~20 s alone on two cores
        "dlpi-6-char-attention",
        # issue 18 part 2: 1,710 DCGAN iterations (about 25 s of CPU); six CNNs (about 22 s)
        "dlpi-8-dcgan-digits", "ldl-7-cnn"}

PRESET_IDS = [p.stem for p in preset_paths()]


def test_there_are_presets():
    assert "launch-xor" in PRESET_IDS


@pytest.mark.parametrize("preset_id", PRESET_IDS)
def test_preset_file_is_valid(preset_id):
    project = load_preset(preset_id)
    assert project.id == preset_id, "a preset's id must match its file name"
    assert project.expect, "a preset checks something"
    for key in ("title", "book", "chapter", "seed_file", "seed_lines", "what_to_watch"):
        assert project.meta.get(key), f"meta.{key} is missing"


def _run_params():
    for pid in PRESET_IDS:
        marks = [pytest.mark.slow] if pid in SLOW else []
        yield pytest.param(pid, marks=marks, id=pid)


@pytest.mark.parametrize("preset_id", list(_run_params()))
def test_preset_meets_its_expectations(preset_id):
    result = run_project(load_preset(preset_id))  # runs every variant when it has some
    failures = [c.line() for c in result.checks if not c.passed]
    assert result.state in ("finished", "stopped"), result.reason
    assert not failures, failures


def test_presets_guide_is_up_to_date():
    from tools.presets_doc import main
    assert main(["--check"]) == 0, "run: python -m tools.presets_doc"
