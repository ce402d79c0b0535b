"""Hostile files: each entry of tests/hostile/corpus is refused with a one-line message naming
the file and the place, within bounded memory and time, with nothing run and nothing left.

The corpus is written by tests/hostile/make_corpus.py (checked here to be in sync); the
big cases (a million-column CSV, a PNG decompression bomb...) are made in tmp_path by
tests/core/test_hostile_big.py.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from playground.data import load_dataset, parse_data_spec
from playground.errors import DataError, GraphError, PlaygroundError, ValidationError
from playground.export.checkpoint import load_checkpoint
from playground.project.schema import load_project
from tests.hostile import make_corpus
from tests.memory import measure

CORPUS = make_corpus.CORPUS
V, D = ValidationError, DataError

#: File -> (error class, regex the message must match). The message always starts with
#: the file's name; these say what follows.
REFUSED: dict[str, tuple[type, str]] = {
    "project-empty.json": (V, r"line 1, column 1: invalid JSON"),
    "project-truncated.json": (V, r"line 1, column 701: invalid JSON"),
    "project-not-an-object.json": (V, r"must hold a JSON object"),
    "project-binary.json": (V, r"not a UTF-8 text file \(byte \d+\)"),
    "project-nan.json": (V, r"NaN is not allowed"),
    "project-float-1e309.json": (V, r"training\.optimizer\.params\.lr: a number too large"),
    "project-float-1e309-in-meta.json": (V, r"meta\.zoom: a number too large"),
    "project-int-400-digits.json": (V, r"nodes\[1\]\.params\.units: integer too large"),
    "project-int-5000-digits.json": (V, r"a number has thousands of digits"),
    "project-pos-400-digits.json": (V, r"nodes\[1\]\.pos\[0\]: integer too large"),
    "project-nested-500.json": (V, r"meta\.deep\[0\].*: nested more than 64 levels deep"),
    "project-nested-5000.json": (V, r"the JSON is nested too deeply"),
    "project-version-99.json": (V, r"format_version: this file is format 99, made by a newer"),
    "project-version-0.json": (V, r"format_version: unknown format version 0"),
    "project-version-text.json": (V, r"format_version: expected an int, got '1'"),
    "project-type-graphs.json": (V, r"graphs: expected an object of named graphs"),
    "project-type-nodes.json": (V, r"graphs\.model\.nodes: expected a list, got dict"),
    "project-type-node.json": (V, r"graphs\.model\.nodes\[1\]: expected a node object"),
    "project-type-node-id.json": (V, r"nodes\[1\]\.id: expected non-empty text, got 5"),
    "project-type-params.json": (V, r"nodes\[1\]\.params: expected an object"),
    "project-type-units.json": (V, r"nodes\[1\]\.params\.units: expected int in \[1, 100000\]"),
    "project-type-edges.json": (V, r"graphs\.model\.edges: expected a list, got str"),
    "project-type-edge-src.json": (V, r"edges\[0\]\.src: unknown node 'nowhere'"),
    "project-type-data.json": (V, r"data: expected an object with 'type'"),
    "project-type-data-seed.json": (V, r"data\.seed: expected an int >= 0, got -1"),
    "project-type-task.json": (V, r"task: expected an object with 'type'"),
    "project-type-loss.json": (V, r"task\.params\.loss: expected one of .*, got 7"),
    "project-type-training.json": (V, r"training: expected an object"),
    "project-type-epochs.json": (V, r"training\.epochs: expected int in \[1, 1e\+08\], got 1\.5"),
    "project-type-views.json": (V, r"views: expected an object"),
    "project-type-meta.json": (V, r"meta: expected an object"),
    "project-type-expect.json": (V, r"expect: expected a list"),
    "project-type-variants.json": (V, r"variants: expected a list"),
    "project-unknown-layer.json": (V, r"nodes\[1\]\.type: unknown layer type 'warp_drive'"),
    "project-sgd-nesterov-no-momentum.json": (V, r"training\.optimizer\.params\.nesterov: "
                                                 r"Nesterov momentum needs momentum > 0"),
    "project-sgd-nesterov-dampening.json": (V, r"params\.nesterov: .*\(got momentum 0\.9, "
                                               r"dampening 0\.5\)"),
    "project-plateau-factor-1.json": (V, r"training\.schedule\.params\.factor: expected "
                                         r"number in \[0, 0\.999\], got 1\.0"),
    "project-early-stopping-no-monitor.json": (V, r"training\.early_stopping\.monitor: "
                                                  r"expected the name of a metric"),
    "checkpoint-stride-zero.pt": (V, r"trainer\.history\.loss\.[xy]: a tensor of shape "
                                     r"\(100000000000,\) and strides \(0,\) declares "
                                     r"100,000,000,000 elements on 8 bytes of storage"),
    "checkpoint-pickle.ckpt": (V, r"refused: the file holds Python objects.*nothing in it was"),
    "checkpoint-torch-zip-pickle.pt": (V, r"refused: the file holds Python objects"),
    "checkpoint-not-playground.pt": (V, r"not a playground checkpoint"),
    "checkpoint-lying-zip.pt": (V, r"would unpack to 7\.5 GB; at most 4 GB are read"),
    "checkpoint-text.pt": (V, r"not a checkpoint file \(neither a PyTorch zip archive nor a"),
    "checkpoint-empty.pt": (V, r"the file is empty"),
    "csv-empty.csv": (D, r"file is empty \(no rows\)"),
    "csv-binary.csv": (D, r"not a UTF-8 text file \(byte 0\)"),
    "csv-nul-bytes.csv": (D, r"binary data \(a NUL byte at byte 10\): not a text file"),
    "csv-latin1.csv": (D, r"not a UTF-8 text file \(byte 17\); if it is text, save it as"),
    "csv-1e309.csv": (D, r"row 2, column 'b': '1e309' is not a finite number"),
    "csv-unclosed-quote.csv": (D, r"row 3: unexpected end of data"),
    "csv-1e39.csv": (D, r"row 3, column 'b': '1e39' is too large: values are stored as "
                        r"float32, at most about 3\.4e\+38"),
    "npz-lying-header.npz": (D, r"array 'x' is truncated: its header claims shape "
                                r"\(1000000000,\)"),
    "npz-object-array.npz": (D, r"array 'x' holds Python objects"),
    "npz-pickle-member.npz": (D, r"not a readable \.npz archive \(the magic string is not"),
    "npz-bomb.npz": (D, r"array 'x' of shape \(360000000,\) would take 2\.68 GB; arrays may"),
    "npz-not-zip.npz": (D, r"not a readable \.npz archive"),
    "npz-zero-samples.npz": (D, r"array 'x' of shape \(0, 2\) holds no samples"),
    "npz-1e39.npz": (D, r"x\[1, 1\] = 1e\+39 is too large for float32 \(at most about "
                        r"3\.4e\+38\)"),
    "idx-lying-header": (D, r"truncated: header claims images of shape \(1000000000, 28, 28\)"),
    "idx-lying-header.gz": (D, r"truncated: expected images of shape \(1000000000, 28, 28\)"),
    "idx-wrong-magic": (D, r"not an IDX images file: magic number 0x00000801"),
    "idx-empty": (D, r"file is truncated: expected a 4-byte magic number"),
    "idx-trailing-data": (D, r"file has data after the images its header describes"),
    "idx-not-gzip.gz": (D, r"cannot read: Compressed file ended"),
}

#: Valid project files (every field in its range) whose data, model or batch would exhaust
#: memory: they load, and building the session refuses them, naming the parameter or node,
#: before allocating. The budget is set (4 GB, a small laptop's) so that this holds anywhere.
BUILD_REFUSED: dict[str, tuple[type, str]] = {
    "project-sales-1e8-months.json": (D, r"^data\.params\.months: 100,000,000 months of "
                                         r"series .*would take about 2\d\.\d GB; at most 4 GB "
                                         r"fit \(PLAYGROUND_MEMORY_LIMIT=4G\); lower months$"),
    "project-harmonic-1e8-points.json": (D, r"^data\.params\.n_points: 100,000,000 points"),
    "project-series-window-1e5.json": (D, r"^data\.params\.window: 900,000 windows of "
                                          r"100,000 \+ 1 values .*would take about 335 GB"),
    "project-shapes-max.json": (D, r"^data\.params\.n_per_class: 120,000 images of 64 x 64 "
                                   r"pixels would take about 6\.\d+ GB"),
    "project-char-window-1e4.json": (D, r"^data\.params\.window: 9,990,000 windows of 10,000 "
                                        r"characters"),
    "project-repeat-dense-batch.json": (GraphError, r"^node 'wide': training on batches of 32 "
                                                    r"samples .* would take about 44\.8 GB.*the "
                                                    r"largest output is this node's \(N, 50000, "
                                                    r"2500\)"),
    "project-input-shape-mismatch.json": (GraphError, r"^node 'x': declares samples of shape "
                                                      r"\(N, 3\) but the data's samples are "
                                                      r"\(N, 2\)"),
}

#: Graph fragments for the editor's paste: tests/ui/test_paste_validation.py feeds them.
PASTED = {name for name in make_corpus.FILES if name.startswith("paste-")}

#: Files that are odd but legitimate: they load (checked in their own tests below).
LOADS = {"project-bom.json", "csv-bom-mixed-newlines.csv", "idx-labels-ok",
         "project-too-big-model.json", "project-data-traversal.json",
         "project-data-absolute.json", "project-title-injection.json", *BUILD_REFUSED}


def open_file(path: Path):
    """Feed ``path`` to the loader its name prefix targets."""
    kind = path.name.split("-")[0]
    if kind == "project":
        return load_project(path)
    if kind == "checkpoint":
        return load_checkpoint(path)
    if kind == "csv":
        return load_dataset(parse_data_spec({"type": "csv", "params": {"path": str(path)}}))
    if kind == "npz":
        return load_dataset(parse_data_spec({"type": "npz", "params": {"path": str(path)}}))
    labels = str(CORPUS / "idx-labels-ok")
    return load_dataset(parse_data_spec({"type": "mnist_idx",
                                         "params": {"images": str(path), "labels": labels}}))


def test_the_corpus_is_what_make_corpus_writes():
    on_disk = {p.name for p in CORPUS.iterdir()}
    assert on_disk == set(make_corpus.FILES), "run python tests/hostile/make_corpus.py"
    for name, make in make_corpus.FILES.items():
        if name not in make_corpus.TORCH_MADE:
            assert (CORPUS / name).read_bytes() == make(), name
    assert set(REFUSED) | LOADS | PASTED == set(make_corpus.FILES)
    assert sum(p.stat().st_size for p in CORPUS.iterdir()) < 200_000  # small files only


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_a_hostile_file_is_refused(name, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # where the pickles' payload would create its marker
    kind, pattern = REFUSED[name]
    _, error, cost = measure(lambda: open_file(CORPUS / name), trace=True)
    assert isinstance(error, kind), f"{name}: {error!r}"
    message = str(error)
    assert "\n" not in message and message.startswith(name), message
    assert re.search(pattern, message), message
    assert not (tmp_path / make_corpus.MARKER).exists()  # nothing was unpickled and run
    assert list(tmp_path.iterdir()) == []  # no partial or temp file anywhere we write
    assert cost.py_peak < 64 * 2**20
    assert cost.rss_growth is None or cost.rss_growth < 256 * 2**20


@pytest.mark.parametrize("name", sorted(BUILD_REFUSED))
def test_a_valid_file_that_would_exhaust_memory_is_refused_before_allocating(name,
                                                                            monkeypatch):
    from playground.run.session import build_session

    monkeypatch.setenv("PLAYGROUND_MEMORY_LIMIT", "4G")
    kind, pattern = BUILD_REFUSED[name]
    project = load_project(CORPUS / name)  # every field is within its declared range
    _, error, cost = measure(lambda: build_session(project))
    assert isinstance(error, kind), f"{name}: {error!r}"
    assert "\n" not in str(error) and re.search(pattern, str(error)), str(error)
    assert cost.rss_growth is None or cost.rss_growth < 256 * 2**20


def test_a_bom_and_mixed_newlines_are_fine():
    assert load_project(CORPUS / "project-bom.json").name == "hostile base"
    ds = open_file(CORPUS / "csv-bom-mixed-newlines.csv")
    assert ds.train.x.tolist() == [[1, 2], [3, 4], [5, 6]]
    assert ds.info.feature_names == ("a", "b") and ds.info.class_names == ("x", "y")


def test_a_model_of_ten_billion_weights_loads_as_a_file_but_is_refused_before_building():
    from playground.run.session import build_session

    project = load_project(CORPUS / "project-too-big-model.json")  # every field is valid
    _, error, cost = measure(lambda: build_session(project))
    assert isinstance(error, GraphError) and error.node == "hidden"
    assert re.match(r"node 'hidden': the model would have 10,000,\d{3},\d{3} parameters",
                    str(error))
    assert cost.rss_growth is None or cost.rss_growth < 128 * 2**20


@pytest.mark.parametrize("name", ["project-data-traversal.json", "project-data-absolute.json"])
def test_user_projects_may_name_any_file_but_shipped_presets_may_not(name, tmp_path,
                                                                     monkeypatch):
    from playground.project import presets

    # A user's project: data paths are the user's own files. /etc/passwd is not a table.
    project = load_project(CORPUS / name)
    with pytest.raises(PlaygroundError) as err:
        load_dataset(project.data)
    assert "passwd" in str(err.value) or "not found" in str(err.value)
    # The same file shipped as a preset is refused when loaded, naming the field.
    shipped = tmp_path / "presets"
    shipped.mkdir()
    (shipped / name).write_bytes((CORPUS / name).read_bytes())
    monkeypatch.setattr(presets, "presets_dir", lambda: shipped)
    with pytest.raises(ValidationError, match=rf"{name}: data\.params\.path: a shipped preset "
                                              r"may only name bundled data files"):
        presets.load_preset(name[:-5])


def test_shipped_presets_name_no_outside_files():
    from playground.project.presets import check_bundled_files, preset_paths

    for path in preset_paths():
        check_bundled_files(load_project(path), path.name)


def test_a_title_made_of_code_exports_as_text(tmp_path, monkeypatch):
    import py_compile

    from playground.export import export
    from playground.run.session import build_session

    monkeypatch.chdir(tmp_path)
    session = build_session(load_project(CORPUS / "project-title-injection.json"))
    out = tmp_path / "out"
    out.mkdir()
    for fmt in ("python", "script"):
        result = export(session, fmt, out / f'{fmt} "quoted" \\ name.py')
        py_compile.compile(str(result.paths[0]), cfile=str(tmp_path / "check.pyc"),
                           doraise=True)
        assert "open(" not in result.paths[0].read_text().split('"""')[0]
    assert not (tmp_path / make_corpus.MARKER).exists()
    assert not (out / make_corpus.MARKER).exists()


@pytest.mark.parametrize("fmt", ["checkpoint", "torchscript", "onnx", "python", "script"])
def test_exports_write_only_inside_the_chosen_folder(fmt, tmp_path):
    from playground.export import FORMATS, export
    from playground.run.session import build_session

    session = build_session(load_project(CORPUS / "project-bom.json"))
    folder = tmp_path / "chosen"
    folder.mkdir()
    result = export(session, fmt, folder / f"..model{FORMATS[fmt].suffix}")
    written = sorted(p.name for p in folder.iterdir())
    assert written == sorted(p.name for p in result.paths)  # no temp files left either
    assert all(p.resolve().parent == folder.resolve() for p in result.paths)
    assert [p.name for p in tmp_path.iterdir()] == ["chosen"]


def test_a_damaged_trainer_state_in_a_checkpoint_is_reported(tmp_path):
    import torch

    from playground.export.checkpoint import checkpoint_state, open_checkpoint
    from playground.run.session import build_session

    session = build_session(load_project(CORPUS / "project-bom.json"))
    session.trainer.run(epochs=2)
    for key, value, fragment in [
            ("shuffle_rng", torch.zeros(3), "trainer: the trainer state is damaged"),
            ("history", [1], "trainer: the trainer state is damaged"),
            ("epoch_loss_sum", "lots", "trainer.epoch_loss_sum: expected a number"),
            ("metrics", {"loss": "low"}, "trainer.metrics.loss: expected a number")]:
        state = checkpoint_state(session)
        state["trainer"][key] = value
        torch.save(state, tmp_path / "damaged.pt")
        with pytest.raises(ValidationError, match=re.escape(fragment)):
            open_checkpoint(tmp_path / "damaged.pt")
    state = checkpoint_state(session)
    state["optimizers"][0]["param_groups"][0]["lr"] = "fast"
    torch.save(state, tmp_path / "damaged.pt")
    with pytest.raises(ValidationError, match="optimizers: the optimizer state does not fit: "
                                              "lr must be a finite number"):
        open_checkpoint(tmp_path / "damaged.pt")


def test_a_pipe_is_not_read(tmp_path):
    if not hasattr(os, "mkfifo"):
        pytest.skip("no named pipes here")
    fifo = tmp_path / "project.json"
    os.mkfifo(fifo)
    with pytest.raises(ValidationError, match="not a regular file"):
        load_project(fifo)  # reading it would wait for a writer forever
    csv_fifo = tmp_path / "csv-table.csv"
    os.mkfifo(csv_fifo)
    with pytest.raises(DataError, match="csv-table.csv: not a regular file"):
        open_file(csv_fifo)
    spec = {"type": "text_chars", "params": {"source": "file", "path": str(csv_fifo)}}
    with pytest.raises(DataError, match="not a regular file"):
        load_dataset(parse_data_spec(spec))
