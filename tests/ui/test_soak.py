"""A short soak: the main window trains with every view open and its memory stays flat.

The real figure is bench/soak.py's 30-minute run (numbers in the README); this runs it for
90 s in its own process so CI catches a leak that grows by tens of MB a minute.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_memory_stays_flat_while_training_with_every_view(tmp_path):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "soak.py"), "--minutes", "1.5",
                           "--every", "10", "--max-growth", "40", "--csv",
                           str(tmp_path / "soak.csv")], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=600)
    memory = re.search(r"growth ([+-][\d.]+) MB", done.stdout)
    assert memory, done.stdout + done.stderr
    assert done.returncode == 0, done.stdout
    assert float(memory.group(1)) <= 40
    rows = (tmp_path / "soak.csv").read_text().splitlines()
    assert rows[0].startswith("seconds,rss_mb") and len(rows) >= 8
