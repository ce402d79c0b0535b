"""The node editor: scene, items, palette, inspector and undo commands."""
