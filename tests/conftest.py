"""Test setup shared by every test: headless Qt, few threads, deterministic torch."""

import os

# Before anything imports Qt: plain `pytest` must work on a machine without a display.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import torch  # noqa: E402

# Small models run faster single-threaded, and results do not depend on the core count.
torch.set_num_threads(1)
