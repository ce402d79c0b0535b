"""Write the hostile-input corpus: small broken and malicious files, one per trick.

Run ``python tests/hostile/make_corpus.py`` to (re)write ``tests/hostile/corpus/``;
``tests/core/test_hostile_files.py`` checks that the committed files are exactly
what this script writes, then feeds each to the loader it targets. Files too
big to commit (a million-column CSV, a PNG decompression bomb, a 257 MB CSV...)
are made by the tests in a temporary folder with the ``make_*`` functions here.

Every file is deterministic (no timestamps, a fixed RNG), so regenerating gives
the same bytes. The pickles refer to a marker file by a *relative* name
(:data:`MARKER`): tests run from a temporary folder and check the marker never
appears, which would prove that loading ran code.
"""

from __future__ import annotations

import copy
import gzip
import io
import json
import pickle
import struct
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
CORPUS = Path(__file__).resolve().parent / "corpus"
#: Created by the pickles' payload if anything ever unpickles them.
MARKER = "HOSTILE_MARKER_CODE_RAN"

#: A small valid project (XOR MLP) every project-file case starts from.
BASE = {
    "format_version": 1,
    "name": "hostile base",
    "graphs": {"model": {
        "nodes": [{"id": "x", "type": "input", "params": {}, "pos": [0, 0]},
                  {"id": "hidden", "type": "dense", "params": {"units": 6}, "pos": [150, 0]},
                  {"id": "head", "type": "dense",
                   "params": {"units": 1, "activation": "sigmoid"}, "pos": [300, 0]},
                  {"id": "y", "type": "output", "params": {}, "pos": [450, 0]}],
        "edges": [{"src": "x", "dst": "hidden"}, {"src": "hidden", "dst": "head"},
                  {"src": "head", "dst": "y"}]}},
    "data": {"type": "xor_table", "params": {}, "seed": 0},
    "task": {"type": "classification", "params": {"loss": "bce"}},
    "training": {"optimizer": {"type": "adam", "params": {"lr": 0.05}},
                 "batch_size": "full", "epochs": 5, "seed": 0, "device": "cpu"},
    "views": {"layout": ["boundary", "loss"]},
}


class Trap:
    """Unpickling this opens (creates) :data:`MARKER` in the current folder."""

    def __reduce__(self):
        return (open, (MARKER, "w"))


def base_text() -> str:
    """The base project as a file's text."""
    return json.dumps(BASE)


def changed(path: str, value) -> bytes:
    """The base project with the dotted ``path`` ('graphs.model.nodes.1.params.units') set."""
    raw = copy.deepcopy(BASE)
    keys = path.split(".")
    node = raw
    for key in keys[:-1]:
        node = node[int(key)] if isinstance(node, list) else node[key]
    last = keys[-1]
    if isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value
    return json.dumps(raw, indent=1).encode()


def edited(**sections) -> bytes:
    """The base project with whole top-level sections replaced."""
    raw = copy.deepcopy(BASE)
    raw.update(copy.deepcopy(sections))
    return json.dumps(raw, indent=1).encode()


def with_optimizer(kind: str, **params) -> bytes:
    """The base project training with optimizer ``kind`` and ``params``."""
    return changed("training.optimizer", {"type": kind, "params": params})


def series(kind: str, **params) -> bytes:
    """The base project on series dataset ``kind``, as a regression."""
    return edited(data={"type": kind, "params": params, "seed": 0},
                  task={"type": "regression", "params": {"loss": "mse"}})


def _layers(*specs: tuple[str, str, dict]) -> dict:
    """A chain graph x -> specs... -> y; specs are (id, type, params)."""
    nodes = [{"id": "x", "type": "input", "params": {}, "pos": [0, 0]}]
    nodes += [{"id": nid, "type": kind, "params": params, "pos": [150 * (i + 1), 0]}
              for i, (nid, kind, params) in enumerate(specs)]
    nodes.append({"id": "y", "type": "output", "params": {}, "pos": [150 * (len(specs) + 1), 0]})
    ids = [n["id"] for n in nodes]
    return {"nodes": nodes, "edges": [{"src": a, "dst": b} for a, b in zip(ids, ids[1:])]}


def repeat_dense() -> bytes:
    """Every per-sample size within its limit, but one batch of 32 needs ~45 GB: a
    RepeatVector of 50 000 steps into a Dense of 2 500 units (125 M values per sample)."""
    graph = _layers(("repeat", "repeat_vector", {"times": 50_000}),
                    ("wide", "dense", {"units": 2_500}),
                    ("pool", "global_avg_pool", {}),
                    ("head", "dense", {"units": 1, "activation": "sigmoid"}))
    raw = json.loads(edited(graphs={"model": graph},
                            data={"type": "xor", "params": {}, "seed": 0}))
    raw["training"]["batch_size"] = 32
    return json.dumps(raw, indent=1).encode()


def stride_zero_checkpoint() -> bytes:
    """A real checkpoint whose metric history declares 10^11 float64 values on an 8-byte
    storage (stride 0): 745 GB the moment anything copies it."""
    import torch

    from playground.export.checkpoint import checkpoint_state
    from playground.project.schema import project_from_dict
    from playground.run.session import build_session

    session = build_session(project_from_dict(copy.deepcopy(BASE)))
    state = checkpoint_state(session)
    huge = torch.zeros(1, dtype=torch.float64).as_strided((10**11,), (0,))
    state["trainer"]["history"]["loss"] = {"x": huge, "y": huge}
    buffer = io.BytesIO()
    torch.save(state, buffer)
    return _stable_zip(buffer.getvalue())


def _replace(old: str, new: str) -> bytes:
    text = base_text()
    assert old in text, old
    return text.replace(old, new, 1).encode()


def _nested(depth: int) -> bytes:
    return _replace('"name": "hostile base"',
                    '"name": "deep", "meta": {"deep": ' + "[" * depth + "]" * depth + "}")


# -- pickles and checkpoints -----------------------------------------------------------------

def pickle_checkpoint() -> bytes:
    """A plain pickle named like a checkpoint, whose payload would create the marker."""
    return pickle.dumps({"format": "nn-playground-checkpoint", "payload": Trap()}, protocol=2)


def torch_zip_pickle() -> bytes:
    """A real ``torch.save`` zip archive whose data.pkl holds the trap."""
    import torch
    buffer = io.BytesIO()
    torch.save({"format": "nn-playground-checkpoint", "payload": Trap()}, buffer)
    return _stable_zip(buffer.getvalue())


def not_playground_checkpoint() -> bytes:
    """A loadable torch file without the playground's format entry."""
    import torch
    buffer = io.BytesIO()
    torch.save({"weight": torch.zeros(2)}, buffer)
    return _stable_zip(buffer.getvalue())


def lying_zip_checkpoint() -> bytes:
    """A torch zip whose central directory claims 2 x 3.75 GB of records (a bomb's sizes)."""
    data = bytearray(not_playground_checkpoint())
    return bytes(_patch_sizes(data, 0xF0000000, count=2))


def _stable_zip(data: bytes) -> bytes:
    """The archive rewritten with fixed timestamps and record names, for stable bytes."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as dst:
        for info in src.infolist():
            name = "archive/" + info.filename.split("/", 1)[1]
            dst.writestr(zipfile.ZipInfo(name, (2020, 1, 1, 0, 0, 0)), src.read(info))
    return out.getvalue()


def _patch_sizes(data: bytearray, size: int, count: int) -> bytearray:
    """Set the uncompressed size of the first ``count`` central-directory entries."""
    pos = 0
    for _ in range(count):
        pos = data.index(b"PK\x01\x02", pos)
        data[pos + 24:pos + 28] = struct.pack("<I", size)
        pos += 4
    return data


# -- arrays -----------------------------------------------------------------------------------

def _npy_header(shape: tuple, descr: str = "<f8") -> bytes:
    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(buffer, {"descr": descr, "fortran_order": False,
                                                  "shape": shape})
    return buffer.getvalue()


def _zip(members: dict[str, bytes], compress: int = zipfile.ZIP_STORED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compress) as zf:
        for name, payload in members.items():
            info = zipfile.ZipInfo(name, (2020, 1, 1, 0, 0, 0))
            info.compress_type = compress
            zf.writestr(info, payload)
    return out.getvalue()


def npz_lying_header() -> bytes:
    """x.npy claims 10^9 float64 values and holds 16 bytes."""
    return _zip({"x.npy": _npy_header((10**9,)) + b"\0" * 16})


def npz_object_array() -> bytes:
    """x.npy is an object array (a pickle inside the .npy)."""
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, np.array([{"a": 1}, None], dtype=object),
                              allow_pickle=True)
    return _zip({"x.npy": buffer.getvalue(), "y.npy": _npy_bytes(np.zeros(2))})


def npz_pickle_member() -> bytes:
    """x.npy is a bare pickle of the trap, not an .npy at all."""
    return _zip({"x.npy": pickle.dumps(Trap(), protocol=2), "y.npy": _npy_bytes(np.zeros(2))})


def npz_bomb() -> bytes:
    """A deflated member: its header claims 2.9 GB of float64, its directory entry 3.75 GB
    (a bomb's sizes: a small compressed file that would inflate past the limit)."""
    payload = _npy_header((360_000_000,)) + b"\0" * 4096
    data = bytearray(_zip({"x.npy": payload}, zipfile.ZIP_DEFLATED))
    return bytes(_patch_sizes(data, 0xF0000000, count=1))


def _npy_bytes(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return buffer.getvalue()


def _fragment(params: str, kind: str = "dense") -> bytes:
    """Clipboard text of one node of type ``kind`` with ``params`` (JSON text)."""
    return (f'{{"nodes": [{{"id": "a", "type": "{kind}", "params": {params}, '
            f'"pos": [0, 0]}}], "edges": []}}').encode()


def idx(magic: int, dims: tuple, payload: bytes) -> bytes:
    """An IDX file: magic, big-endian dimensions, then the payload."""
    return struct.pack(">I", magic) + struct.pack(f">{len(dims)}I", *dims) + payload


def _gzip(data: bytes) -> bytes:
    return gzip.compress(data, mtime=0)


# -- text -----------------------------------------------------------------------------------

def random_bytes(n: int = 4096, seed: int = 0) -> bytes:
    """Bytes that are not UTF-8 (a binary file given as text)."""
    return np.random.default_rng(seed).integers(0, 256, n, dtype=np.uint8).tobytes()


#: Corpus file name -> its bytes. The tests' table says what each must produce.
FILES: dict[str, Callable[[], bytes]] = {
    # project files
    "project-empty.json": lambda: b"",
    "project-truncated.json": lambda: base_text().encode()[:700],
    "project-not-an-object.json": lambda: b"[1, 2, 3]",
    "project-binary.json": lambda: random_bytes(),
    "project-bom.json": lambda: b"\xef\xbb\xbf" + base_text().encode(),
    "project-nan.json": lambda: _replace('"lr": 0.05', '"lr": NaN'),
    "project-float-1e309.json": lambda: _replace('"lr": 0.05', '"lr": 1e309'),
    "project-float-1e309-in-meta.json": lambda: _replace('"name": "hostile base"',
                                                         '"meta": {"zoom": -1e309}'),
    "project-int-400-digits.json": lambda: _replace('"units": 6', '"units": ' + "9" * 400),
    "project-int-5000-digits.json": lambda: _replace('"seed": 0', '"seed": ' + "9" * 5000),
    "project-pos-400-digits.json": lambda: _replace('"pos": [150, 0]', '"pos": [1' + "0" * 400
                                                    + ", 0]"),
    "project-nested-500.json": lambda: _nested(500),
    "project-nested-5000.json": lambda: _nested(5000),
    "project-version-99.json": lambda: changed("format_version", 99),
    "project-version-0.json": lambda: changed("format_version", 0),
    "project-version-text.json": lambda: changed("format_version", "1"),
    "project-type-graphs.json": lambda: changed("graphs", [1]),
    "project-type-nodes.json": lambda: changed("graphs.model.nodes", {"x": 1}),
    "project-type-node.json": lambda: changed("graphs.model.nodes.1", "dense"),
    "project-type-node-id.json": lambda: changed("graphs.model.nodes.1.id", 5),
    "project-type-params.json": lambda: changed("graphs.model.nodes.1.params", [6]),
    "project-type-units.json": lambda: changed("graphs.model.nodes.1.params.units", "abc"),
    "project-type-edges.json": lambda: changed("graphs.model.edges", "x->y"),
    "project-type-edge-src.json": lambda: changed("graphs.model.edges.0.src", "nowhere"),
    "project-type-data.json": lambda: changed("data", "xor"),
    "project-type-data-seed.json": lambda: changed("data.seed", -1),
    "project-type-task.json": lambda: changed("task", 3),
    "project-type-loss.json": lambda: changed("task.params.loss", 7),
    "project-type-training.json": lambda: changed("training", []),
    "project-type-epochs.json": lambda: changed("training.epochs", 1.5),
    "project-type-views.json": lambda: changed("views", []),
    "project-type-meta.json": lambda: changed("meta", "x"),
    "project-type-expect.json": lambda: changed("expect", {}),
    "project-type-variants.json": lambda: changed("variants", 1),
    "project-unknown-layer.json": lambda: changed("graphs.model.nodes.1.type", "warp_drive"),
    "project-too-big-model.json": lambda: _replace(
        '"params": {}, "pos": [0, 0]', '"params": {"shape": [100000]}, "pos": [0, 0]'
    ).replace(b'"units": 6', b'"units": 100000'),
    "project-data-traversal.json": lambda: changed(
        "data", {"type": "csv", "params": {"path": "../../../../../../etc/passwd"}}),
    "project-data-absolute.json": lambda: changed(
        "data", {"type": "csv", "params": {"path": "/etc/passwd"}}),
    "project-title-injection.json": lambda: changed(
        "name", f'x""";open({MARKER!r}, "w").close();z="""'),
    # option combinations torch would refuse (validated where declared)
    "project-sgd-nesterov-no-momentum.json": lambda: with_optimizer(
        "sgd", lr=0.1, momentum=0.0, dampening=0.0, nesterov=True, weight_decay=0.0),
    "project-sgd-nesterov-dampening.json": lambda: with_optimizer(
        "sgd", lr=0.1, momentum=0.9, dampening=0.5, nesterov=True, weight_decay=0.0),
    "project-plateau-factor-1.json": lambda: changed(
        "training.schedule", {"type": "plateau", "params": {"factor": 1.0, "patience": 5,
                                                            "min_delta": 0.0}}),
    "project-early-stopping-no-monitor.json": lambda: changed(
        "training.early_stopping", {"monitor": " ", "patience": 3}),
    # valid files whose data, model or batch would exhaust memory: refused at build
    "project-sales-1e8-months.json": lambda: series("sales", months=10**8),
    "project-harmonic-1e8-points.json": lambda: series("harmonic", n_points=10**8),
    "project-series-window-1e5.json": lambda: series("harmonic", n_points=10**6,
                                                     window=100_000),
    "project-shapes-max.json": lambda: edited(
        data={"type": "shapes", "params": {"size": 64, "n_per_class": 20_000,
                                           "n_classes": 6}, "seed": 0},
        task={"type": "classification", "params": {"loss": "cross_entropy"}}),
    "project-char-window-1e4.json": lambda: edited(
        data={"type": "text_chars", "params": {"corpus_chars": 10**7, "window": 10_000,
                                               "step": 1}, "seed": 0},
        task={"type": "classification", "params": {"loss": "cross_entropy"}}),
    "project-repeat-dense-batch.json": repeat_dense,
    "project-input-shape-mismatch.json": lambda: changed(
        "graphs.model.nodes.0.params", {"shape": [3]}),
    # checkpoints
    "checkpoint-stride-zero.pt": stride_zero_checkpoint,
    "checkpoint-pickle.ckpt": pickle_checkpoint,
    "checkpoint-torch-zip-pickle.pt": torch_zip_pickle,
    "checkpoint-not-playground.pt": not_playground_checkpoint,
    "checkpoint-lying-zip.pt": lying_zip_checkpoint,
    "checkpoint-text.pt": lambda: b"hello, I am not a checkpoint\n",
    "checkpoint-empty.pt": lambda: b"",
    # CSV
    "csv-empty.csv": lambda: b"",
    "csv-binary.csv": lambda: random_bytes(seed=1),
    "csv-nul-bytes.csv": lambda: b"a,b\n1,2\n3,\x004\n",
    "csv-latin1.csv": lambda: "a,b,label\n1,2,caf\xe9\n".encode("latin-1"),
    "csv-bom-mixed-newlines.csv": lambda: b"\xef\xbb\xbfa;b;label\r\n1;2;x\n3;4;y\r5;6;x\r\n",
    "csv-1e309.csv": lambda: b"a,b,label\n1,1e309,0\n2,3,1\n",
    "csv-unclosed-quote.csv": lambda: b'a,b,label\n1,2,"x\n3,4,y\n',
    "csv-1e39.csv": lambda: b"a,b,label\n1,2,0\n3,1e39,1\n",
    # NumPy archives
    "npz-lying-header.npz": npz_lying_header,
    "npz-object-array.npz": npz_object_array,
    "npz-pickle-member.npz": npz_pickle_member,
    "npz-bomb.npz": npz_bomb,
    "npz-not-zip.npz": lambda: b"PK\x03\x04 truncated",
    "npz-zero-samples.npz": lambda: _zip({"x.npy": _npy_bytes(np.zeros((0, 2))),
                                          "y.npy": _npy_bytes(np.zeros(0))}),
    "npz-1e39.npz": lambda: _zip({"x.npy": _npy_bytes(np.array([[1.0, 2.0], [3.0, 1e39]])),
                                  "y.npy": _npy_bytes(np.array([0.0, 1.0]))}),
    # graph fragments pasted into the editor (tests/ui/test_paste_validation.py)
    "paste-units-nan.json": lambda: _fragment('{"units": NaN}'),
    "paste-units-text.json": lambda: _fragment('{"units": "lots"}'),
    "paste-unknown-layer.json": lambda: _fragment("{}", "warp_drive"),
    "paste-nested-5000.json": lambda: _fragment('{"units": 4, "deep": ' + "[" * 5000
                                                + "]" * 5000 + "}"),
    "paste-nested-100.json": lambda: _fragment('{"units": 4, "deep": ' + "[" * 100
                                               + "]" * 100 + "}"),
    "paste-not-a-graph.json": lambda: b'{"nodes": "all of them"}',
    # MNIST IDX (images; tests pair each with idx-labels-ok)
    "idx-labels-ok": lambda: idx(0x801, (2,), b"\x00\x01"),
    "idx-lying-header": lambda: idx(0x803, (10**9, 28, 28), b"\0" * 64),
    "idx-lying-header.gz": lambda: _gzip(idx(0x803, (10**9, 28, 28), b"\0" * 64)),
    "idx-wrong-magic": lambda: idx(0x801, (2,), b"\x00\x01"),
    "idx-empty": lambda: b"",
    "idx-trailing-data": lambda: idx(0x803, (2, 2, 2), b"\0" * 8 + b"extra"),
    "idx-not-gzip.gz": lambda: b"\x1f\x8b\x08\x00garbage",
}


#: Written by torch.save: their bytes may change with the torch version, so the sync test
#: checks that they exist rather than that they match.
TORCH_MADE = frozenset({"checkpoint-torch-zip-pickle.pt", "checkpoint-not-playground.pt",
                        "checkpoint-lying-zip.pt", "checkpoint-stride-zero.pt"})


# -- big cases, made by the tests in a temporary folder -------------------------------------

def make_wide_csv(path: Path, columns: int = 1_000_000, rows: int = 3) -> Path:
    """A CSV with ``columns`` columns (header plus ``rows`` rows): about 2 MB per row."""
    with open(path, "w", encoding="utf-8") as f:
        f.write(",".join(f"c{j}" for j in range(columns)) + "\n")
        row = ",".join("0" for _ in range(columns)) + "\n"
        for _ in range(rows):
            f.write(row)
    return path


def make_sparse_file(path: Path, size: int) -> Path:
    """A file of ``size`` bytes that takes no disk space (a hole): tests size limits."""
    with open(path, "wb") as f:
        f.write(b"a,b\n")
        f.truncate(size)
    return path


def make_png_bomb(path: Path, side: int = 20_000) -> Path:
    """A 1-bit ``side`` x ``side`` PNG: tens of kB on disk, 400 M pixels decoded."""
    from PIL import Image
    Image.new("1", (side, side)).save(path, optimize=True)
    return path


def make_big_graph(nodes: int = 20_000) -> dict:
    """Graph JSON of a chain of ``nodes`` Dense layers (about 100 bytes each: 2 MB for
    20 000, under the 20 MB file limit)."""
    return _layers(*((f"d{i}", "dense", {"units": 2}) for i in range(nodes)))


def write_corpus(folder: Path = CORPUS) -> list[Path]:
    """Write every :data:`FILES` entry into ``folder``; returns the paths."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, make in FILES.items():
        path = folder / name
        path.write_bytes(make())
        paths.append(path)
    return paths


if __name__ == "__main__":
    written = write_corpus(Path(sys.argv[1]) if len(sys.argv) > 1 else CORPUS)
    total = sum(p.stat().st_size for p in written)
    print(f"wrote {len(written)} files, {total / 1024:.0f} kB, to {written[0].parent}")
