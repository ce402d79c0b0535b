"""Neural-network playground: the Qt-free core.

Everything under ``playground`` works headless: graphs, layers, shape inference,
the compiler to PyTorch, datasets, tasks, the trainer, project files and the CLI.
The desktop app lives in ``ui`` and imports this package, never the reverse.
"""

__version__ = "0.1.0"
