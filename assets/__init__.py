"""Bundled assets: icons, style sheet, small data files (see playground.resources)."""
