"""The node editor: scene, items, palette, inspector and undo commands.

:class:`~ui.editor.editor.GraphEditor` is what the main window uses; import it
from :mod:`ui.editor.editor` (this package imports nothing, so the core-only
parts such as :mod:`ui.editor.layout` stay cheap to import).
"""
