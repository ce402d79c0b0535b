"""`python -m bench` and `playground bench`: the one-table runner, without timing anything."""

from __future__ import annotations

import subprocess
import sys

import pytest

from bench.__main__ import Row, format_table, parse_startup, parse_ui_latency
from playground import cli

UI_LATENCY_OUTPUT = """\
ui_latency: dl4b-6-spirals-deep training at 1,234 steps/s for 10.0 s; views boundary (300 frames)
event-loop gaps (ms): p50 1.05  p99 12.40  max 61.20  (9,000 ticks)
UI thread CPU: 312 ms per second (the 1 ms timer's own ticks included; compare --idle)
targets p99 < 20 ms, max < 50 ms: FAIL
"""
STARTUP_OUTPUT = """\
repeat 1: baseline 2.10 s, app window shown 2.90 s
median: import torch, PySide6.QtWidgets 2.00 s; app window shown 2.80 s
ratio 1.40 (target <= 1.5): PASS
"""


def test_ui_latency_figures_are_read_with_their_targets():
    rows = {r.figure.rsplit(", ", 1)[-1]: r for r in parse_ui_latency(UI_LATENCY_OUTPUT)}
    assert rows["p99"].value == "12.40 ms" and rows["p99"].ok is True
    assert rows["max"].value == "61.20 ms" and rows["max"].ok is False
    assert rows["p50"].ok is None
    assert rows["training speed meanwhile"].value == "1,234 steps/s"
    assert rows["UI thread CPU while training"].value == "312 ms/s"
    assert parse_ui_latency("Traceback...\n") == []


def test_startup_figures_are_read_with_their_target():
    (row,) = parse_startup(STARTUP_OUTPUT)
    assert row.value == "1.40 (2.80 s / 2.00 s)" and row.ok is True and row.target == "<= 1.5"
    assert parse_startup("") == []


def test_the_table_is_aligned_and_says_what_misses_its_target():
    rows = [Row("throughput", "xor: trainer / bare", "0.95", ">= 0.90", True),
            Row("views", "boundary fps", "12 fps", ">= 30", False),
            Row("spiral preset", "probe costs", "boundary 0.9 ms")]
    text = format_table(rows, ["header line", ""])
    lines = text.splitlines()
    assert lines[0] == "header line" and lines[2].startswith("benchmark")
    assert lines[4].endswith("ok") and lines[5].endswith("BELOW TARGET")
    assert lines[6].endswith("(info)")
    starts = {line.index(v) for line, v in zip(lines[4:], ("0.95", "12 fps", "boundary 0.9"))}
    assert len(starts) == 1  # the value column lines up


def test_playground_bench_runs_python_m_bench_in_the_checkout(monkeypatch):
    calls = []
    monkeypatch.setattr(cli.subprocess, "call", lambda cmd, cwd: calls.append((cmd, cwd)) or 0)
    assert cli.main(["bench", "--quick", "--only", "views"]) == 0
    (cmd, cwd), = calls
    assert cmd == [sys.executable, "-m", "bench", "--quick", "--only", "views"]
    assert (cwd / "bench" / "__main__.py").is_file()


def test_playground_bench_outside_a_checkout_says_where_the_benchmarks_are(monkeypatch, capsys):
    monkeypatch.setattr(cli, "source_checkout", lambda: None)
    assert cli.main(["bench"]) == cli.EXIT_BAD_INPUT
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: the benchmarks ship with the source repository")
    assert "\n" not in err


@pytest.mark.slow
def test_python_m_bench_quick_runs_end_to_end():
    root = cli.source_checkout()
    done = subprocess.run([sys.executable, "-m", "bench", "--quick", "--only", "spiral",
                           "--repeats", "1", "--seconds", "0.1"], cwd=root, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode in (0, 1), done.stderr  # 1: a figure below target on a busy box
    assert "dl4b-6-spirals-deep + probes: trainer / bare" in done.stdout


def test_the_tfp_rows_read_a_result_without_timing_anything():
    from bench import tfp

    result = {"ratios": {name: [(6.0, 7.5), (5.0, 7.1)] for name in
                         ("trainer", "trainer+probes", "autograd", "copies")},
              "bare_epochs_cpu": [100.0, 110.0], "per_epoch": 25, "app_notes": [],
              "app": [(tfp.AppRun(3000.0, 14000.0, 0.12, "boundary 90"), 2500.0)]}
    rows = {figure: (value, ok) for figure, value, _, ok in tfp.rows(result)}
    assert rows["headless Trainer (fast path) / bare loop"][1] is True  # median 7.3x cpu
    assert rows["K = 64 copies in lockstep, total / one bare run"][1] is False
    value, ok = rows["app, main window + default views / bare loop"]
    assert value.startswith("5.60x cpu") and ok
    assert rows["app: UI thread's share of process CPU while training"][1] is True
    result["app"] = []
    result["app_notes"] = ["timed out"]
    assert any("not measured: timed out" in value for _, value, _, _ in tfp.rows(result))
