"""The core never imports Qt, pyqtgraph or ui: import every module with them blocked."""

import pkgutil
import subprocess
import sys
from pathlib import Path

import playground

BLOCKER = """
import importlib, importlib.abc, sys
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in ('PySide6', 'pyqtgraph', 'ui', 'shiboken6'):
            raise ImportError('core must not import ' + name)
sys.meta_path.insert(0, Block())
for name in sys.argv[1:]:
    importlib.import_module(name)
print('ok', len(sys.argv) - 1)
"""


def all_core_modules() -> list[str]:
    root = Path(playground.__file__).parent
    names = ["playground"]
    for info in pkgutil.walk_packages([str(root)], prefix="playground."):
        if not info.name.endswith("__main__"):
            names.append(info.name)
    return names


def test_every_core_module_imports_without_qt():
    modules = all_core_modules()
    assert len(modules) > 20
    proc = subprocess.run([sys.executable, "-c", BLOCKER, *modules], capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip() == f"ok {len(modules)}"
