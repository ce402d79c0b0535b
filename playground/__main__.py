"""``python -m playground`` does what the ``playground`` command does."""

import sys

from playground.cli import main

sys.exit(main())
